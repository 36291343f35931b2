//! A transport wrapper that logs every command (smoltcp `phy/tracer.rs`
//! shape): CDB in hex with the command name, data direction and length,
//! status, decoded sense, residual and duration.
//!
//! Everything goes to the `log` target `mmc::trace`: one line per command
//! and one per completion at debug level, the first 16 bytes of data-out
//! payloads and data-in replies at trace level. Failed commands are logged
//! in libburn's format so reports compare (`sense-and-retries.md` §1):
//! `[3 0C 00] Medium error. Write error.` followed by `CDB= 2a 00 …`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::sense::{Sense, log_text};
use crate::transport::{Completion, DataPhase, Transport, TransportError};

/// The `log` target of all trace lines.
pub const TARGET: &str = "mmc::trace";

/// Bytes of payload shown at trace level.
const PAYLOAD_PREVIEW: usize = 16;

/// Wraps a transport and logs each command it executes.
#[derive(Debug)]
pub struct Tracer<T: Transport> {
    inner: T,
    count: u64,
}

impl<T: Transport> Tracer<T> {
    pub fn new(inner: T) -> Self {
        Tracer { inner, count: 0 }
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Commands executed through this tracer so far.
    pub fn commands(&self) -> u64 {
        self.count
    }
}

impl<T: Transport> Transport for Tracer<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.count += 1;
        let name = cdb.first().map_or("(empty CDB)", |&op| opcode_name(op));
        let cdb_hex = hex(cdb);
        let requested = data.len();
        log::debug!(
            target: TARGET,
            "#{} {name} CDB= {cdb_hex} ({} {requested} bytes, timeout {} ms)",
            self.count,
            data.direction_name(),
            timeout.as_millis()
        );
        let start = Instant::now();
        let (result, reply_preview) = match data {
            DataPhase::In(buf) => {
                let r = self.inner.execute(cdb, DataPhase::In(&mut *buf), timeout);
                let shown = match &r {
                    Ok(c) => c.transferred(requested).min(PAYLOAD_PREVIEW),
                    Err(_) => 0,
                };
                (r, buf.get(..shown).map(hex))
            }
            DataPhase::Out(buf) => {
                if log::log_enabled!(target: TARGET, log::Level::Trace) && !buf.is_empty() {
                    let shown = buf.len().min(PAYLOAD_PREVIEW);
                    log::trace!(
                        target: TARGET,
                        "#{} data-out {}{}",
                        self.count,
                        hex(&buf[..shown]),
                        if buf.len() > shown { " …" } else { "" }
                    );
                }
                (self.inner.execute(cdb, DataPhase::Out(buf), timeout), None)
            }
            DataPhase::None => (self.inner.execute(cdb, DataPhase::None, timeout), None),
        };
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(c) if c.sense.is_empty() || c.is_good() => {
                log::debug!(
                    target: TARGET,
                    "#{} {name}: {}, residual {} ({ms:.1} ms)",
                    self.count,
                    c.status,
                    c.residual
                );
            }
            Ok(c) => {
                let sense = match Sense::parse(c.sense.as_bytes()) {
                    Some(s) => log_text(&s),
                    None => format!("unparsable sense {:?}", c.sense),
                };
                log::debug!(
                    target: TARGET,
                    "#{} {name}: {} {sense} CDB= {cdb_hex} residual {} ({ms:.1} ms)",
                    self.count,
                    c.status,
                    c.residual
                );
            }
            Err(e) => {
                log::debug!(
                    target: TARGET,
                    "#{} {name}: transport error: {e}. CDB= {cdb_hex} ({ms:.1} ms)",
                    self.count
                );
            }
        }
        if let Some(preview) = reply_preview.filter(|p| !p.is_empty()) {
            log::trace!(target: TARGET, "#{} data-in {preview}", self.count);
        }
        result
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// Lower-case hex bytes separated by spaces, as libburn prints CDBs.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Name of an SPC/MMC opcode as the standards spell it (`mmc-recipes.md`
/// §11; SPC-4 and MMC-6 command tables); `"unknown command"` otherwise.
pub fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        0x00 => "TEST UNIT READY",
        0x03 => "REQUEST SENSE",
        0x04 => "FORMAT UNIT",
        0x12 => "INQUIRY",
        0x15 => "MODE SELECT(6)",
        0x1A => "MODE SENSE(6)",
        0x1B => "START STOP UNIT",
        0x1E => "PREVENT ALLOW MEDIUM REMOVAL",
        0x23 => "READ FORMAT CAPACITIES",
        0x25 => "READ CAPACITY",
        0x28 => "READ(10)",
        0x2A => "WRITE(10)",
        0x2B => "SEEK(10)",
        0x2E => "WRITE AND VERIFY(10)",
        0x2F => "VERIFY(10)",
        0x35 => "SYNCHRONIZE CACHE",
        0x3B => "WRITE BUFFER",
        0x3C => "READ BUFFER",
        0x42 => "READ SUB-CHANNEL",
        0x43 => "READ TOC/PMA/ATIP",
        0x45 => "PLAY AUDIO(10)",
        0x46 => "GET CONFIGURATION",
        0x47 => "PLAY AUDIO MSF",
        0x4A => "GET EVENT STATUS NOTIFICATION",
        0x4B => "PAUSE/RESUME",
        0x4E => "STOP PLAY/SCAN",
        0x51 => "READ DISC INFORMATION",
        0x52 => "READ TRACK INFORMATION",
        0x53 => "RESERVE TRACK",
        0x54 => "SEND OPC INFORMATION",
        0x55 => "MODE SELECT(10)",
        0x58 => "REPAIR TRACK",
        0x5A => "MODE SENSE(10)",
        0x5B => "CLOSE TRACK/SESSION",
        0x5C => "READ BUFFER CAPACITY",
        0x5D => "SEND CUE SHEET",
        0x88 => "READ(16)",
        0x8A => "WRITE(16)",
        0xA0 => "REPORT LUNS",
        0xA1 => "BLANK",
        0xA2 => "SECURITY PROTOCOL IN",
        0xA3 => "SEND KEY",
        0xA4 => "REPORT KEY",
        0xA5 => "PLAY AUDIO(12)",
        0xA6 => "LOAD/UNLOAD MEDIUM",
        0xA7 => "SET READ AHEAD",
        0xA8 => "READ(12)",
        0xAA => "WRITE(12)",
        0xAB => "READ MEDIA SERIAL NUMBER",
        0xAC => "GET PERFORMANCE",
        0xAD => "READ DISC STRUCTURE",
        0xB5 => "SECURITY PROTOCOL OUT",
        0xB6 => "SET STREAMING",
        0xB9 => "READ CD MSF",
        0xBA => "SCAN",
        0xBB => "SET CD SPEED",
        0xBD => "MECHANISM STATUS",
        0xBE => "READ CD",
        0xBF => "SEND DISC STRUCTURE",
        _ => "unknown command",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::SenseBuf;

    /// Answers every command with a fixed completion and fills data-in.
    struct Canned(Completion);

    impl Transport for Canned {
        fn execute(
            &mut self,
            _cdb: &[u8],
            data: DataPhase<'_>,
            _timeout: Duration,
        ) -> Result<Completion, TransportError> {
            if let DataPhase::In(buf) = data {
                buf.fill(0xAB);
            }
            Ok(self.0.clone())
        }

        fn describe(&self) -> String {
            "canned".into()
        }
    }

    #[test]
    fn passes_commands_and_results_through() {
        let check = Completion::check(SenseBuf::fixed(3, 0x0C, 0), 2048);
        let mut t = Tracer::new(Canned(check.clone()));
        let r = t
            .execute(
                &[0x2A, 0, 0, 0, 0, 16, 0, 0, 1, 0],
                DataPhase::Out(&[0; 2048]),
                Duration::from_secs(1),
            )
            .unwrap();
        assert_eq!(r, check);
        let mut t = Tracer::new(Canned(Completion::good(4)));
        let mut buf = [0u8; 8];
        let r = t
            .execute(
                &[0x12, 0, 0, 0, 8, 0],
                DataPhase::In(&mut buf),
                Duration::from_secs(1),
            )
            .unwrap();
        assert_eq!(r.residual, 4);
        assert_eq!(buf, [0xAB; 8]);
        assert_eq!(t.commands(), 1);
        assert_eq!(t.describe(), "canned");
    }

    #[test]
    fn names_and_hex() {
        assert_eq!(hex(&[0x2A, 0x00, 0xFF]), "2a 00 ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(opcode_name(0x5B), "CLOSE TRACK/SESSION");
        assert_eq!(opcode_name(0x46), "GET CONFIGURATION");
        assert_eq!(opcode_name(0xF3), "unknown command");
    }
}
