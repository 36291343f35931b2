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
//! (`burn mkiso -o -`, `burn read -o -`, `--dev stdio:-`): then to standard
//! error.
//!
//! The keys of each document are pinned by tests (`tests/tests/cli_e2e`).

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use iso_writer::model::{Kind, Timestamp};
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

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian
/// calendar (the era arithmetic of H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day, hour, minute, second) in UTC.
fn utc_parts(t: Timestamp) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.secs.div_euclid(86_400);
    let sod = t.secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    (y, m, d, sod / 3600, sod / 60 % 60, sod % 60)
}

/// `2024-01-02 03:04` (UTC), as `ls -l --time-style=long-iso`.
pub fn date_short(t: Timestamp) -> String {
    let (y, mo, d, h, mi, _) = utc_parts(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// `2024-01-02T03:04:05Z` (RFC 3339, UTC).
pub fn date_rfc3339(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `drwxr-xr-x`, with setuid/setgid/sticky as `s`/`S`/`t`/`T`.
pub fn mode_string(kind: Kind, mode: u32) -> String {
    let t = match kind {
        Kind::Dir => 'd',
        Kind::File => '-',
        Kind::Symlink => 'l',
        Kind::CharDevice => 'c',
        Kind::BlockDevice => 'b',
        Kind::Fifo => 'p',
        Kind::Socket => 's',
    };
    let mut s = String::with_capacity(10);
    s.push(t);
    let bit = |b: u32, c: char| if mode & b != 0 { c } else { '-' };
    let special = |x: bool, special: bool, set: char, unset: char| match (x, special) {
        (true, true) => set,
        (false, true) => unset,
        (true, false) => 'x',
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(mode & 0o100 != 0, mode & 0o4000 != 0, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(mode & 0o010 != 0, mode & 0o2000 != 0, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(mode & 0o001 != 0, mode & 0o1000 != 0, 't', 'T'));
    s
}

/// The JSON name of a file kind.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Dir => "dir",
        Kind::File => "file",
        Kind::Symlink => "symlink",
        Kind::CharDevice => "char_device",
        Kind::BlockDevice => "block_device",
        Kind::Fifo => "fifo",
        Kind::Socket => "socket",
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

    #[test]
    fn dates_in_utc() {
        // 2024-01-02T03:04:05Z = 1704164645 (date -u -d @1704164645).
        let t = Timestamp::from_secs(1_704_164_645);
        assert_eq!(date_rfc3339(t), "2024-01-02T03:04:05Z");
        assert_eq!(date_short(t), "2024-01-02 03:04");
        assert_eq!(
            date_rfc3339(Timestamp::from_secs(0)),
            "1970-01-01T00:00:00Z"
        );
        // Leap day and before the epoch.
        assert_eq!(
            date_rfc3339(Timestamp::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            date_rfc3339(Timestamp::from_secs(-1)),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn modes_like_ls() {
        assert_eq!(mode_string(Kind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(Kind::File, 0o640), "-rw-r-----");
        assert_eq!(mode_string(Kind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(Kind::Dir, 0o3750), "drwxr-s--T");
        assert_eq!(mode_string(Kind::Symlink, 0o777), "lrwxrwxrwx");
        assert_eq!(mode_string(Kind::CharDevice, 0o666), "crw-rw-rw-");
        assert_eq!(mode_string(Kind::Fifo, 0o644), "prw-r--r--");
    }
}
