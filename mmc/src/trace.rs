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

use crate::cmd::opcode_name;
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
                // Only replies of successful commands are data.
                let shown = match &r {
                    Ok(c) if c.is_good() => c.transferred(requested).min(PAYLOAD_PREVIEW),
                    _ => 0,
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
    }
}
