//! Inspects a drive through the drive handle: INQUIRY, readiness, current
//! profile, the features and profiles of GET CONFIGURATION, disc
//! information, the last track's information, the TOC, capacity,
//! capabilities and write speeds. Each line is what `mmc` parsed from the
//! reply; a command the drive refuses prints its error and the inspection
//! goes on.
//!
//! ```sh
//! cargo run -p mmc --example inspect -- /dev/sr0
//! MMC_TRACE=1 cargo run -p mmc --example inspect -- /dev/sg1   # log every CDB
//! ```
//!
//! Exit status: 0 inspected, 1 a command failed, 2 bad usage/address.

use std::process::ExitCode;

use mmc::address::Address;
use mmc::drive::{Drive, WaitKind};

/// Prints `mmc::trace` and drive log lines to stderr when MMC_TRACE is set.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target().starts_with("mmc")
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("{:5} {}: {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}

fn main() -> ExitCode {
    if std::env::var_os("MMC_TRACE").is_some() {
        static LOGGER: StderrLog = StderrLog;
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [arg] = args.as_slice() else {
        eprintln!("usage: inspect ADDRESS   (e.g. /dev/sr0, /dev/sg1, mmc:/dev/vda)");
        return ExitCode::from(2);
    };
    let address = match Address::parse(arg) {
        Ok(a) if a.is_sg_io() => a,
        Ok(a) => {
            eprintln!("inspect: {a}: only SG_IO device addresses are inspected by this example");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("inspect: {e}");
            return ExitCode::from(2);
        }
    };
    match inspect(&address) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inspect: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(target_os = "linux")]
fn inspect(address: &Address) -> mmc::Result<()> {
    let dev = mmc::sgio::SgIo::open(address.path(), false)?;
    let mut drive = Drive::new(mmc::trace::Tracer::new(dev));

    let inq = drive.inquiry()?;
    println!(
        "drive: {} {} {} (peripheral type {:#04x}{})",
        inq.vendor,
        inq.product,
        inq.revision,
        inq.peripheral_type,
        if inq.is_mmc() { ", MMC" } else { "" }
    );
    let ready = drive.wait_ready(WaitKind::Ready, None, &mut |p| {
        if let Some(s) = p.sense {
            println!(
                "  waiting: {} after {:?}",
                mmc::sense::describe(&s),
                p.elapsed
            );
        }
    })?;
    println!("readiness: {ready:?}");
    let profile = drive.current_profile()?;
    println!(
        "current profile: {:04X}h {}{}",
        profile.profile.0,
        profile.profile,
        if profile.guessed { " (guessed)" } else { "" }
    );
    match drive.features() {
        Ok(cfg) => {
            let profiles: Vec<String> = cfg
                .profiles()
                .iter()
                .map(|p| {
                    format!(
                        "{:04X}h{}",
                        p.profile.0,
                        if p.current { "(current)" } else { "" }
                    )
                })
                .collect();
            println!("profiles: {}", profiles.join(" "));
            let features: Vec<String> = cfg
                .features
                .iter()
                .map(|f| format!("{:04X}h{}", f.code, if f.current { "*" } else { "" }))
                .collect();
            println!(
                "features ({} bytes{}; * = current): {}",
                cfg.data_length + 4,
                if cfg.complete { "" } else { ", cut" },
                features.join(" ")
            );
        }
        Err(e) => println!("features: {e}"),
    }
    let mut track = None;
    match drive.disc_info() {
        Ok(di) => {
            println!(
                "disc: status {:?}, last session {:?}, sessions {}, erasable {}",
                di.disc_status, di.last_session_state, di.sessions, di.erasable
            );
            println!(
                "disc tracks: first {}, last session's {}..{}; last possible lead-out {}",
                di.first_track,
                di.first_track_last_session,
                di.last_track_last_session,
                di.last_possible_lead_out
                    .map_or("not returned".to_string(), |a| format!(
                        "{:#x} ({})",
                        a.0,
                        a.as_lba()
                    ))
            );
            track = Some(u32::from(di.last_track_last_session));
        }
        Err(e) => println!("disc information: {e}"),
    }
    if let Some(n) = track {
        match drive.track_info(n) {
            Ok(t) => println!(
                "track {}: session {}, start {}, size {}, free {}, blank {}, reserved {}, \
                 NWA {}, blocking factor {}, mode {}, data mode {}",
                t.track_number,
                t.session_number,
                t.start,
                t.size,
                t.free_blocks,
                t.blank,
                t.reserved,
                if t.nwa_valid {
                    t.next_writable.to_string()
                } else {
                    "not valid".to_string()
                },
                t.packet_size,
                t.track_mode,
                t.data_mode
            ),
            Err(e) => println!("track {n}: {e}"),
        }
    }
    match drive.toc() {
        Ok(toc) => {
            let entries: Vec<String> = toc
                .entries
                .iter()
                .map(|e| {
                    let name = if e.track == mmc::cmd::TocEntry::LEAD_OUT {
                        "lead-out".to_string()
                    } else {
                        format!("track {}", e.track)
                    };
                    format!("{name} at {} (control {:X}h)", e.start.lba(), e.control)
                })
                .collect();
            println!(
                "toc: tracks {}..{}: {}",
                toc.first_track,
                toc.last_track,
                entries.join(", ")
            );
        }
        Err(e) => println!("toc: {e}"),
    }
    match drive.capacity() {
        Ok(c) => println!("capacity: last LBA {}, block {}", c.last_lba, c.block_len),
        Err(e) => println!("capacity: {e}"),
    }
    match drive.capabilities() {
        Ok(c) => println!(
            "page 2Ah: write CD-R {} CD-RW {} DVD-R {}, BUF {}, buffer {:?} KiB",
            c.write_cd_r, c.write_cd_rw, c.write_dvd_r, c.buf, c.buffer_size_kib
        ),
        Err(e) => println!("page 2Ah: {e}"),
    }
    let speeds = drive.write_speeds()?;
    println!(
        "write speeds ({:?}): {:?} kB/s",
        speeds.source,
        speeds.speeds.iter().map(|s| s.kbps).collect::<Vec<_>>()
    );
    println!(
        "medium may have changed: {}",
        drive.medium_may_have_changed()
    );
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn inspect(address: &Address) -> mmc::Result<()> {
    Err(mmc::Error::Invalid(format!(
        "{address}: SG_IO is only available on Linux"
    )))
}
