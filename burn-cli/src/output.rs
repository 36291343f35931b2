//! Printing: where results go, the JSON envelope, and the formatting of
//! sizes, speeds, times, dates and file modes for people.
//!
//! # JSON (`--json`)
//!
//! Every document is one line of JSON, an object with
//!
//! * `"schema": 1` — the version of the shapes below; a change that removes
//!   or retypes a key increments it, added keys do not;
//! * `"type"` — the subcommand's name (`"devices"`, `"ls"`, `"mkiso"`,
//!   `"extract"`, …), or `"progress"` for progress events and `"error"`
//!   for the error object.
//!
//! Listings and reports are a single document. Long operations print
//! progress events first, one per line, then the result document. A failure
//! prints `{"schema":1,"type":"error","error":{"message","hints","sense",
//! "command","lba","exit_code"}}` as the last line.
//!
//! JSON goes to standard output, except when standard output carries data
//! (`burn mkiso -o -`): then to standard error.
//!
//! The keys of each document are pinned by tests (`tests/tests/cli_e2e`).

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::cli::ProgressMode;
use crate::exit::Failure;

/// Version of the JSON shapes.
pub const SCHEMA: u64 = 1;

/// How this run prints.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub json: bool,
    pub quiet: bool,
    pub progress: ProgressMode,
    /// Standard output carries data: JSON and summaries go to stderr.
    pub json_on_stderr: bool,
}

impl Ui {
    /// Prints one JSON document: `{"schema":1,"type":kind, …body}`.
    pub fn emit_json(&self, kind: &str, body: Value) {
        let mut doc = Map::new();
        doc.insert("schema".into(), SCHEMA.into());
        doc.insert("type".into(), kind.into());
        if let Value::Object(m) = body {
            doc.extend(m);
        }
        let mut line = Value::Object(doc).to_string();
        line.push('\n');
        let r = if self.json_on_stderr {
            crate::progress::suspend(|| io::stderr().lock().write_all(line.as_bytes()))
        } else {
            let mut out = io::stdout().lock();
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        };
        if let Err(e) = r {
            log::debug!("cannot print JSON: {e}");
        }
    }

    /// Where human-readable results go: standard output, or standard error
    /// when standard output carries data.
    pub fn result_stream(&self) -> Box<dyn Write> {
        if self.json_on_stderr {
            Box::new(io::stderr())
        } else {
            Box::new(io::stdout().lock())
        }
    }

    /// A note for the person at the terminal (standard error, not with -q
    /// or --json).
    #[expect(dead_code, reason = "for the drive commands' notes")]
    pub fn note(&self, msg: &str) {
        if self.quiet || self.json {
            return;
        }
        crate::progress::suspend(|| {
            let _ = writeln!(io::stderr().lock(), "{msg}");
        });
    }

    /// A warning (standard error, not with -q). With --json it is logged
    /// only; JSON results carry the same information.
    pub fn warn(&self, msg: &str) {
        if self.quiet {
            return;
        }
        if self.json {
            log::info!("{msg}");
            return;
        }
        crate::progress::suspend(|| {
            let _ = writeln!(io::stderr().lock(), "warning: {msg}");
        });
    }
}

/// The result of a subcommand, printable for people and as JSON.
pub trait Outcome {
    /// The `type` of the JSON document: the subcommand's name.
    fn kind(&self) -> &'static str;

    /// The document's keys besides `schema` and `type`.
    fn json(&self) -> Value;

    /// The text for people.
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;

    /// True for summaries of actions (hidden by -q); false for listings
    /// and reports, which are the point of the command.
    fn is_summary(&self) -> bool {
        false
    }

    /// A failure to report after the result (e.g. an incomplete
    /// extraction), deciding the exit code.
    fn failure(&self) -> Option<Failure> {
        None
    }
}

/// Prints a result per the run's settings.
pub fn print_outcome(ui: &Ui, o: &dyn Outcome) -> io::Result<()> {
    if ui.json {
        ui.emit_json(o.kind(), o.json());
        return Ok(());
    }
    if ui.quiet && o.is_summary() {
        return Ok(());
    }
    let mut out = io::BufWriter::new(ui.result_stream());
    o.human(&mut out)?;
    out.flush()
}

// ---------------------------------------------------------------------------
// Formatting for people
// ---------------------------------------------------------------------------

/// `512 B`, `2.0 KiB`, `35.2 MiB`, `4.4 GiB` (1024-based, one decimal).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1} {}", UNITS[i])
}

/// `12.3 MB/s`, `850 kB/s` (1000-based, as drive speeds are given).
pub fn rate_text(bytes_per_second: f64) -> String {
    if bytes_per_second >= 1e6 {
        format!("{:.1} MB/s", bytes_per_second / 1e6)
    } else {
        format!("{:.0} kB/s", bytes_per_second / 1e3)
    }
}

/// `0:05`, `12:34`, `1:02:03`.
pub fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A path for messages and JSON (lossy for non-UTF-8 names).
pub fn path_text(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_rates() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(2048), "2.0 KiB");
        assert_eq!(human_bytes(35 << 20), "35.0 MiB");
        assert_eq!(human_bytes(4_700_000_000), "4.4 GiB");
        assert_eq!(rate_text(12_300_000.0), "12.3 MB/s");
        assert_eq!(rate_text(176_400.0), "176 kB/s");
        assert_eq!(duration_text(Duration::from_secs(5)), "0:05");
        assert_eq!(duration_text(Duration::from_secs(754)), "12:34");
        assert_eq!(duration_text(Duration::from_secs(3723)), "1:02:03");
    }
}
