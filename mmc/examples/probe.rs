//! Opens a drive address and identifies the device with INQUIRY.
//!
//! ```sh
//! cargo run -p mmc --example probe -- /dev/sr0
//! cargo run -p mmc --example probe -- mmc:/dev/null   # clear error, exit 1
//! cargo run -p mmc --example probe -- --exclusive /dev/sr0   # O_EXCL open
//! ```
//!
//! Exit status: 0 identified, 1 open or command failed, 2 bad usage/address.

use std::process::ExitCode;
use std::time::Duration;

use mmc::address::Address;
use mmc::sense::{Sense, describe};
use mmc::transport::{DataPhase, Transport};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let exclusive = args.first().is_some_and(|a| a == "--exclusive");
    if exclusive {
        args.remove(0);
    }
    let [arg] = args.as_slice() else {
        eprintln!("usage: probe [--exclusive] ADDRESS   (e.g. /dev/sr0, /dev/sg1, mmc:/dev/vda)");
        return ExitCode::from(2);
    };
    let address = match Address::parse(arg) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("probe: {e}");
            return ExitCode::from(2);
        }
    };
    if !address.is_sg_io() {
        eprintln!("probe: {address}: only SG_IO device addresses are probed by this example");
        return ExitCode::from(2);
    }
    probe(&address, exclusive)
}

#[cfg(target_os = "linux")]
fn probe(address: &Address, exclusive: bool) -> ExitCode {
    let dev = match mmc::sgio::SgIo::open(address.path(), exclusive) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("probe: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "{}: SG_IO device, sg interface version {}",
        address,
        dev.sg_version()
    );
    let mut dev = mmc::trace::Tracer::new(dev);
    // INQUIRY, 36 bytes of standard data (SPC-4 §6.6.2, table 142).
    let cdb = [0x12, 0, 0, 0, 36, 0];
    let mut buf = [0u8; 36];
    match dev.execute(&cdb, DataPhase::In(&mut buf), Duration::from_secs(30)) {
        Ok(c) if c.is_good() => {
            let got = c.transferred(buf.len());
            let text = |r: std::ops::Range<usize>| {
                String::from_utf8_lossy(buf.get(r.start..r.end.min(got)).unwrap_or(&[]))
                    .trim()
                    .to_string()
            };
            println!(
                "peripheral type {:#04x}{}; vendor {:?}, product {:?}, revision {:?}",
                buf[0] & 0x1F,
                if buf[0] & 0x1F == 0x05 {
                    " (MMC drive)"
                } else {
                    ""
                },
                text(8..16),
                text(16..32),
                text(32..36)
            );
            ExitCode::SUCCESS
        }
        Ok(c) => {
            match Sense::parse(c.sense.as_bytes()) {
                Some(s) => eprintln!("probe: INQUIRY failed: {}", describe(&s)),
                None => eprintln!("probe: INQUIRY failed: status {}", c.status),
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("probe: INQUIRY: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn probe(address: &Address, _exclusive: bool) -> ExitCode {
    eprintln!("probe: {address}: SG_IO is only available on Linux");
    ExitCode::from(1)
}
