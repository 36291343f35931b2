//! A small `log` backend for standard error, aware of the progress bar.
//!
//! | Flags | Level | Shows |
//! |---|---|---|
//! | `-q` | error | errors only |
//! | (none) | warn | warnings |
//! | `-v` | info | what is being done |
//! | `-vv` | debug | also every SCSI command and its outcome (target `mmc::trace`) |
//! | `-vvv` | trace | also the first bytes of data sent and received |

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Logger {
    level: LevelFilter,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = match record.level() {
            Level::Error => format!("error: {}\n", record.args()),
            Level::Warn => format!("warning: {}\n", record.args()),
            Level::Info => format!("{}\n", record.args()),
            Level::Debug | Level::Trace => {
                let target = record.target();
                // The SCSI trace is the point of -vv: keep it short.
                let tag = if target == mmc::trace::TARGET {
                    "scsi"
                } else {
                    target
                };
                format!("[{tag}] {}\n", record.args())
            }
        };
        crate::progress::suspend(|| {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        });
    }

    fn flush(&self) {}
}

/// The level for the -v count and -q.
pub fn level(verbose: u8, quiet: bool) -> LevelFilter {
    match (quiet, verbose) {
        (true, _) => LevelFilter::Error,
        (false, 0) => LevelFilter::Warn,
        (false, 1) => LevelFilter::Info,
        (false, 2) => LevelFilter::Debug,
        (false, _) => LevelFilter::Trace,
    }
}

/// Installs the logger (once per process).
pub fn init(verbose: u8, quiet: bool) {
    let level = level(verbose, quiet);
    // One logger for the life of the process.
    let logger: &'static Logger = Box::leak(Box::new(Logger { level }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(level(0, true), LevelFilter::Error);
        assert_eq!(level(0, false), LevelFilter::Warn);
        assert_eq!(level(1, false), LevelFilter::Info);
        assert_eq!(level(2, false), LevelFilter::Debug);
        assert_eq!(level(5, false), LevelFilter::Trace);
    }
}
