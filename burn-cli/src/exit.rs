//! The one place that turns failures into messages, hints and exit codes.
//!
//! Every subcommand returns `Result<_, Failure>`; `main` hands a failure to
//! [`describe`], which yields a [`Report`]: the message line, `hint:` lines
//! (the table of `sense-and-retries.md` §6 for drive sense data), the sense
//! triple, and the exit code. [`Report::print`] renders it for a person or
//! as the JSON error object.
//!
//! | Code | Meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the operation failed: drive, disc, file or I/O error, missing input |
//! | 2 | usage: bad option or value, malformed drive address, impossible request |
//! | 3 | verification found a difference |
//! | 4 | drive or disc unsuitable: no disc, closed, does not fit, write-protected, incompatible, no permission, busy, not an optical drive |
//! | 130 | interrupted |
//!
//! A missing or unreadable input file is 1 (a failure naming the path),
//! not 2: the command line was well-formed, the data was not there.

use std::io::{self, Write};
use std::path::Path;

use mmc::error::{OpenErrorKind, Unsuitable};
use mmc::sense::Sense;
use serde_json::{Value, json};

use crate::output::Ui;

/// Exit codes.
pub mod code {
    pub const SUCCESS: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const MISMATCH: u8 = 3;
    pub const UNSUITABLE: u8 = 4;
    pub const INTERRUPTED: u8 = 130;
}

/// Why a subcommand failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The drive layer (address, open, SCSI command, engine).
    #[error(transparent)]
    Drive(#[from] mmc::Error),

    /// Building or writing an image.
    #[error(transparent)]
    Image(#[from] iso_writer::write::Error),

    /// The glue between drives and images (sessions, emulation, checks).
    #[error(transparent)]
    Glue(#[from] burn_cli::Error),

    /// Reading an image (file or disc).
    #[error("{source_name}: {error}")]
    Read {
        source_name: String,
        error: iso_writer::read::Error,
    },

    /// A file operation of the command itself.
    #[error("{context}: {error}")]
    Io { context: String, error: io::Error },

    /// The command line is well-formed for clap but not usable.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    /// A check found a difference.
    #[error("{0}")]
    Mismatch(String),

    /// The operation completed only partly (e.g. entries skipped).
    #[error("{message}")]
    Incomplete { message: String, hints: Vec<String> },

    /// Stopped by Ctrl-C / SIGTERM.
    #[error("interrupted")]
    Interrupted { note: Option<String> },
}

impl Failure {
    pub fn usage(message: impl Into<String>, hint: Option<&str>) -> Failure {
        Failure::Usage {
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    pub fn io(context: impl Into<String>, error: io::Error) -> Failure {
        Failure::Io {
            context: context.into(),
            error,
        }
    }

    pub fn read(source_name: impl Into<String>, error: iso_writer::read::Error) -> Failure {
        Failure::Read {
            source_name: source_name.into(),
            error,
        }
    }
}

/// A failure as shown to the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub message: String,
    pub hints: Vec<String>,
    pub sense: Option<Sense>,
    /// The SCSI command that failed, when a drive reported it.
    pub command: Option<&'static str>,
    /// The LBA involved, when known.
    pub lba: Option<u32>,
    pub exit_code: u8,
}

impl Report {
    fn new(message: impl Into<String>, exit_code: u8) -> Report {
        Report {
            message: message.into(),
            hints: Vec::new(),
            sense: None,
            command: None,
            lba: None,
            exit_code,
        }
    }

    fn hint(mut self, h: impl Into<String>) -> Report {
        self.hints.push(h.into());
        self
    }

    /// The JSON error document (without `schema`/`type`, added by the printer).
    pub fn to_json(&self) -> Value {
        json!({
            "message": self.message,
            "hints": self.hints,
            "sense": self.sense.map(|s| json!({"key": s.key.0, "asc": s.asc, "ascq": s.ascq})),
            "command": self.command,
            "lba": self.lba,
            "exit_code": self.exit_code,
        })
    }

    /// Human lines: `error: …` then `hint: …`.
    pub fn human(&self) -> String {
        let mut s = format!("error: {}\n", self.message);
        for h in &self.hints {
            s.push_str(&format!("hint: {h}\n"));
        }
        s
    }

    /// Prints the report: JSON on the JSON stream with `--json`, else the
    /// human lines on standard error.
    pub fn print(&self, ui: &Ui) {
        if ui.json {
            ui.emit_json("error", json!({ "error": self.to_json() }));
        } else {
            crate::progress::suspend(|| {
                let _ = io::stderr().lock().write_all(self.human().as_bytes());
            });
        }
    }
}

/// The message, hints and exit code of a failure.
pub fn describe(f: &Failure) -> Report {
    match f {
        Failure::Drive(e) => drive(e),
        Failure::Image(e) => image(e),
        Failure::Glue(e) => glue(e),
        Failure::Read { source_name, error } => read(source_name, error),
        Failure::Io { context, error } => {
            let mut r = Report::new(format!("{context}: {}", io_text(error)), code::FAILURE);
            if error.kind() == io::ErrorKind::PermissionDenied {
                r = r.hint("check the permissions of the file and its directory");
            }
            r
        }
        Failure::Usage { message, hint } => {
            let mut r = Report::new(message.clone(), code::USAGE);
            r.hints.extend(hint.clone());
            r
        }
        Failure::Mismatch(m) => Report::new(m.clone(), code::MISMATCH),
        Failure::Incomplete { message, hints } => {
            let mut r = Report::new(message.clone(), code::FAILURE);
            r.hints.extend(hints.iter().cloned());
            r
        }
        Failure::Interrupted { note } => Report::new(
            match note {
                Some(n) => format!("interrupted: {n}"),
                None => "interrupted".into(),
            },
            code::INTERRUPTED,
        ),
    }
}

/// An `io::Error` as text without Rust's ` (os error N)` suffix, starting
/// lower-case: `no such file or directory`.
pub fn io_text(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    lower_first(&s)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // Keep acronyms ("ISO …", "MD5 …") as they are.
        Some(f) if f.is_uppercase() && !c.clone().next().is_some_and(char::is_uppercase) => {
            f.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

// ---------------------------------------------------------------------------
// Drive errors
// ---------------------------------------------------------------------------

fn drive(e: &mmc::Error) -> Report {
    use mmc::Error as E;
    match e {
        E::Open { path, kind } => open(path, kind),
        E::Transport { command, source } => {
            use mmc::TransportError as T;
            let mut r = Report::new(format!("{command}: {source}"), code::FAILURE);
            r.command = Some(command);
            match source {
                T::PermissionDenied => {
                    r.exit_code = code::UNSUITABLE;
                    r.hints.push(GROUP_HINT.into());
                }
                T::DriveLost => r.hints.push(
                    "check the cable or USB connection; the drive may also be in use by another program"
                        .into(),
                ),
                T::Timeout(_) => r.hints.push(
                    "the drive may still be busy; wait, then run `burn info` before trying again"
                        .into(),
                ),
                _ => {}
            }
            r
        }
        E::Sense {
            command,
            sense,
            lba,
        } => sense_report(command, sense, *lba, e),
        E::Cancelled => Report::new("interrupted", code::INTERRUPTED),
        E::Unsuitable(u) => unsuitable(u),
        E::Address { .. } => Report::new(e.to_string(), code::USAGE)
            .hint("addresses look like /dev/sr0, mmc:/dev/vda, stdio:FILE or emul:MEDIA:FILE"),
        E::Invalid(m) => Report::new(lower_first(m), code::USAGE),
        E::Timeout { .. } => Report::new(e.to_string(), code::FAILURE)
            .hint("the drive may be stuck: reload the disc or power-cycle the drive"),
        _ => Report::new(e.to_string(), code::FAILURE),
    }
}

const GROUP_HINT: &str = "read-write access to a drive needs membership in its group (usually \
`cdrom`: `sudo usermod -aG cdrom $USER`, then log in again) or root";

fn open(path: &Path, kind: &OpenErrorKind) -> Report {
    let p = show(path);
    let r = |msg: String, code| Report::new(msg, code);
    match kind {
        OpenErrorKind::NotFound => r(format!("{p}: no such device or file"), code::UNSUITABLE)
            .hint("`burn devices` lists the recorders of this machine"),
        OpenErrorKind::PermissionDenied => {
            r(format!("permission denied for drive {p}"), code::UNSUITABLE).hint(GROUP_HINT)
        }
        OpenErrorKind::Busy => r(format!("the drive {p} is busy"), code::UNSUITABLE)
            .hint("it may be mounted (`umount …`) or used by another program"),
        OpenErrorKind::Mounted(at) => r(
            format!("the disc in {p} is mounted at {}", show(at)),
            code::UNSUITABLE,
        )
        .hint(format!("unmount it first: umount {}", show(at))),
        OpenErrorKind::NotScsi => r(
            format!("{p} is not a SCSI device (it does not answer SG_IO)"),
            code::UNSUITABLE,
        )
        .hint(format!(
            "to use an image file or block device as a disc, write --dev stdio:{p}"
        )),
        OpenErrorKind::NotMmc(t) => r(
            format!("{p} is not an optical drive (SCSI peripheral device type {t:#04x})"),
            code::UNSUITABLE,
        )
        .hint(format!(
            "to use this device as an overwritable disc, write --dev stdio:{p}"
        )),
        OpenErrorKind::Io(e) => r(format!("cannot open {p}: {}", io_text(e)), code::FAILURE),
        sibling @ OpenErrorKind::SiblingBusy { sibling: node, .. } => {
            r(format!("cannot open {p}: {sibling}"), code::UNSUITABLE).hint(format!(
                "wait for the other program to finish; `fuser -v {}` names it",
                show(node)
            ))
        }
        other => r(format!("cannot open {p}: {other}"), code::UNSUITABLE),
    }
}

fn unsuitable(u: &Unsuitable) -> Report {
    let mut r = Report::new(u.to_string(), code::UNSUITABLE);
    if let Unsuitable::DoesNotFit { need, free } = u {
        let b = |n: u64| crate::output::human_bytes(n.saturating_mul(2048));
        r.message = format!(
            "the data does not fit: it needs {need} blocks ({}), only {free} blocks ({}) are free",
            b(*need),
            b(*free)
        );
    }
    match u {
        Unsuitable::NoMedium => r.hint("insert a disc and close the tray"),
        Unsuitable::Closed => r.hint(
            "a closed disc cannot take more sessions; rewritable discs can be blanked (`burn blank`)",
        ),
        Unsuitable::ReadOnly(_) => r.hint("use a recordable or rewritable disc"),
        Unsuitable::DoesNotFit { .. } => r.hint("use a larger or a new disc, or write less data"),
        Unsuitable::BdRPow => r.hint("use an unformatted BD-R or one formatted without POW"),
        Unsuitable::UnknownData => r.hint(
            "if the data may go, blank the disc first (`burn blank`) and write again",
        ),
        Unsuitable::Damaged => r.hint("the disc cannot be appended to; use a new disc"),
        _ => r,
    }
}

/// What the failed command was doing, for the §6 table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Context {
    Write,
    Read,
    Blank,
    Format,
    Close,
    Other,
}

fn context_of(command: &str) -> Context {
    match command {
        c if c.starts_with("WRITE") => Context::Write,
        "SYNCHRONIZE CACHE" | "SEND CUE SHEET" | "RESERVE TRACK" | "SEND OPC INFORMATION" => {
            Context::Write
        }
        c if c.starts_with("READ(") || c == "READ CD" || c.starts_with("VERIFY") => Context::Read,
        "BLANK" => Context::Blank,
        "FORMAT UNIT" => Context::Format,
        "CLOSE TRACK/SESSION" => Context::Close,
        _ => Context::Other,
    }
}

/// `sense-and-retries.md` §6: message and hints by sense and context.
fn sense_report(command: &'static str, s: &Sense, lba: Option<u32>, e: &mmc::Error) -> Report {
    let ctx = context_of(command);
    let at = |lba: Option<u32>| lba.map(|l| format!(" at LBA {l}")).unwrap_or_default();
    let lba_s = at(lba);
    let writing = ctx == Context::Write;
    let (msg, hints, code): (String, Vec<String>, u8) = match (s.key.0, s.asc, s.ascq) {
        (_, 0x3A, _) => (
            "no disc in the drive".into(),
            vec!["insert a disc and close the tray".into()],
            code::UNSUITABLE,
        ),
        (0x2, 0x04, 0x01) => (
            "the drive is not becoming ready".into(),
            vec!["reload the disc; the disc may be unreadable for this drive".into()],
            code::UNSUITABLE,
        ),
        (0x2, 0x04, 0x08) => (
            "the drive stays busy writing and does not accept more data".into(),
            vec!["check cables and USB power; try a lower speed (--speed)".into()],
            code::FAILURE,
        ),
        (0x3, 0x0C, 0x09) => (
            format!("write error{lba_s}: the data stream to the drive was interrupted (buffer underrun)"),
            vec!["lower the speed (--speed); close programs that compete for the disk or CPU".into()],
            code::FAILURE,
        ),
        (0x3, 0x0C, _) => (
            format!("write error: the drive could not record data{lba_s}"),
            vec!["the disc may be faulty or not suited to this drive; try another disc brand or a lower speed".into()],
            code::FAILURE,
        ),
        (0x3, 0x11, _) => (
            format!("read error{lba_s}: the data could not be recovered"),
            vec!["clean the disc; the recording may be bad: check it in another drive".into()],
            code::FAILURE,
        ),
        (0x3, 0x31, 0x00) => (
            "the disc's formatting is damaged".into(),
            vec!["reformat it: burn format --mode full".into()],
            code::FAILURE,
        ),
        (0x3, 0x51, _) => (
            "blanking failed".into(),
            vec!["retry with a full blank (burn blank --mode all); the disc may be worn out".into()],
            code::FAILURE,
        ),
        (0x4, _, _) => (
            "the drive reports a hardware failure".into(),
            vec!["power-cycle the drive, or try another drive".into()],
            code::FAILURE,
        ),
        (0x5, 0x20, 0x00) => (
            format!("the drive does not support the command {command}"),
            vec!["the drive may be too old or an emulator; see `burn info --diagnostic`".into()],
            code::UNSUITABLE,
        ),
        (0x5, 0x21, 0x00) if ctx == Context::Read => (
            format!("tried to read beyond the recorded area{lba_s}"),
            vec![],
            code::FAILURE,
        ),
        (0x5, 0x21, 0x02) => (
            format!("the drive refused the write address{lba_s} (invalid address for write)"),
            vec!["the disc changed since it was inspected, or another program wrote to it; run `burn info` and retry".into()],
            code::FAILURE,
        ),
        (0x5, 0x24, 0x00) => (
            format!("the drive rejected a parameter of {command} (invalid field in command)"),
            vec!["probably unsupported for this disc type; please report it with the output of -vv".into()],
            code::FAILURE,
        ),
        (0x5, 0x26, _) => (
            format!("the drive rejected the parameters sent with {command}"),
            vec!["please report it with the output of -vv".into()],
            code::FAILURE,
        ),
        (0x5, 0x2C, 0x00) => (
            format!("the drive rejected the command order at {command} (command sequence error)"),
            vec!["please report it with the output of -vv".into()],
            code::FAILURE,
        ),
        (0x5, 0x30, 0x05) => (
            "cannot write this disc: its format is incompatible with the drive".into(),
            vec!["use a disc type this drive can write (see `burn info`)".into()],
            code::UNSUITABLE,
        ),
        (0x5, 0x30, 0x06) => (
            "this disc cannot be formatted in this drive".into(),
            vec![],
            code::UNSUITABLE,
        ),
        (0x5, 0x30, 0x09) => (
            "the last session on the disc is still open".into(),
            vec!["run `burn info`; burn closes an open session before writing when the disc allows it".into()],
            code::UNSUITABLE,
        ),
        (0x5, 0x30, 0x10) => (
            "the disc is not formatted".into(),
            vec!["format it first: burn format".into()],
            code::UNSUITABLE,
        ),
        (0x5, 0x30, _) => (
            "the disc is not compatible with this drive".into(),
            vec![],
            code::UNSUITABLE,
        ),
        (0x5, 0x63, _) => (
            "the disc is full (end of user area)".into(),
            vec!["use a new disc or write less data".into()],
            code::UNSUITABLE,
        ),
        (0x5, 0x64, 0x00) if writing => (
            "the drive refused this write mode for the track (illegal mode for this track)".into(),
            vec!["for DVD-RW: blank it fully (burn blank --mode all) or write with --write-type sao".into()],
            code::FAILURE,
        ),
        (0x5, 0x72, _) => (
            "closing the session failed".into(),
            vec!["the disc may be unusable; check it with `burn check`".into()],
            code::FAILURE,
        ),
        (0x5, 0x73, 0x02) => (
            "the disc's power calibration area is full; it cannot be written any more".into(),
            vec!["use a new disc".into()],
            code::UNSUITABLE,
        ),
        (0x6, 0x28 | 0x29, _) if writing || ctx == Context::Close => (
            "the drive was reset or the disc changed while writing; the session is incomplete"
                .into(),
            vec!["check the disc (`burn check`) or write again".into()],
            code::FAILURE,
        ),
        (0x6, 0x28, _) => (
            "the disc may have been changed".into(),
            vec!["run the command again".into()],
            code::FAILURE,
        ),
        (0x7, 0x27, _) | (0x5, 0x27, _) => (
            "the disc or drive is write-protected".into(),
            vec!["check the write-protect switch; pressed (ROM) discs cannot be written".into()],
            code::UNSUITABLE,
        ),
        _ => (e.to_string(), vec![], code::FAILURE),
    };
    let message = if msg.contains(&s.triple()) {
        msg
    } else {
        format!("{msg} [{}]", s.triple())
    };
    Report {
        message,
        hints,
        sense: Some(*s),
        command: Some(command),
        lba,
        exit_code: code,
    }
}

// ---------------------------------------------------------------------------
// Glue errors
// ---------------------------------------------------------------------------

fn glue(e: &burn_cli::Error) -> Report {
    use burn_cli::Error as E;
    let mut r = match e {
        E::Drive(d) => drive(d),
        E::Image(i) => image(i),
        E::Read { context, source } => read(context, source),
        E::Io { context, source } => {
            Report::new(format!("{context}: {}", io_text(source)), code::FAILURE)
        }
        E::Aborted { source, aftermath } => {
            let mut r = glue(source);
            if r.exit_code == code::INTERRUPTED {
                r.message = format!("interrupted: {aftermath}");
            } else {
                r.hints.insert(0, aftermath.to_string());
            }
            return r;
        }
        E::NoSuchSession { .. } => Report::new(e.to_string(), code::USAGE)
            .hint("`burn info` lists the sessions of the disc"),
        E::SessionNeeded { sessions, .. } => {
            let mut r = Report::new(e.to_string(), code::USAGE).hint(
                "give --session N for the blocks of one session (for `burn verify --session N`, \
                 or to write it again at the same address); to keep the newest files, extract \
                 them (`burn extract --dev … / DIR`) and make a new image (`burn mkiso`)",
            );
            for s in sessions {
                r = r.hint(format!(
                    "session {}: LBA {}, {} blocks, volume id {}",
                    s.number,
                    s.start,
                    s.blocks,
                    s.volume_id
                        .as_deref()
                        .map_or("-".to_string(), |v| format!("{v:?}"))
                ));
            }
            return r;
        }
        E::Blank(_) => Report::new(e.to_string(), code::UNSUITABLE),
        E::UnknownData { .. } => {
            return Report::new(e.to_string(), code::UNSUITABLE).hint(
                "if the data may go, blank the medium first (`burn blank`) or write with --force",
            );
        }
        E::NotIsoSession { .. } => {
            return Report::new(e.to_string(), code::UNSUITABLE).hint(
                "--force adds a session that starts without the old files (their data stays on \
                 the disc, unreachable); a rewritable disc can be blanked first (`burn blank`)",
            );
        }
        E::WrongStart { .. } => {
            return Report::new(e.to_string(), code::UNSUITABLE).hint(
                "blank the disc to write the image at its start, or add the files as a new \
                 session (`burn add`); --force writes it anyway",
            );
        }
        _ if e.is_unsuitable() => Report::new(e.to_string(), code::UNSUITABLE),
        _ => Report::new(e.to_string(), code::FAILURE),
    };
    if r.hints.is_empty()
        && let Some(h) = e.hint()
    {
        r.hints.push(h.to_string());
    }
    r
}

// ---------------------------------------------------------------------------
// Image errors
// ---------------------------------------------------------------------------

fn image(e: &iso_writer::write::Error) -> Report {
    use iso_writer::write::Error as E;
    match e {
        E::Source { path, source } => {
            let r = Report::new(
                format!("cannot read {}: {}", show(path), io_text(source)),
                code::FAILURE,
            );
            if source.kind() == io::ErrorKind::PermissionDenied {
                r.hint("check the permissions of the file and its directories")
            } else {
                r
            }
        }
        E::InputChanged { .. } => Report::new(lower_first(&e.to_string()), code::FAILURE).hint(
            "files must not change while an image is written; run again when they are stable",
        ),
        E::Output(io) if is_interrupted(io) => Report::new("interrupted", code::INTERRUPTED),
        E::Output(io) => Report::new(
            format!("writing the image failed: {}", io_text(io)),
            code::FAILURE,
        ),
        E::BadIsoPath { .. } | E::BadOption { .. } | E::Boot { .. } => {
            Report::new(e.to_string(), code::USAGE)
        }
        E::FileTooLarge { .. } => Report::new(e.to_string(), code::FAILURE),
        _ => Report::new(e.to_string(), code::FAILURE),
    }
}

/// The error our cancellation-aware writers return once Ctrl-C was
/// pressed. Not of kind `Interrupted`: `write_all` would retry that.
pub fn interrupted_io() -> io::Error {
    io::Error::other(Interrupt)
}

#[derive(Debug)]
struct Interrupt;

impl std::fmt::Display for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted by the user")
    }
}

impl std::error::Error for Interrupt {}

fn is_interrupted(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<Interrupt>())
}

fn read(source_name: &str, e: &iso_writer::read::Error) -> Report {
    use iso_writer::read::Error as E;
    match e {
        E::NotIso { lba } => Report::new(
            format!("{source_name} is not an ISO 9660 image (no volume descriptor at LBA {lba})"),
            code::FAILURE,
        ),
        E::NotFound(p) => Report::new(
            format!("{source_name}: no such file or directory in the image: {p}"),
            code::FAILURE,
        ),
        E::NotADirectory(p) => Report::new(
            format!("{source_name}: not a directory in the image: {p}"),
            code::FAILURE,
        ),
        E::Extract { path, source } => Report::new(
            format!("cannot write {}: {}", show(path), io_text(source)),
            code::FAILURE,
        ),
        E::Io { source, .. } if is_interrupted(source) => {
            Report::new("interrupted", code::INTERRUPTED)
        }
        e if e.is_corrupt() => Report::new(format!("{source_name}: {e}"), code::FAILURE)
            .hint("the image is damaged or not what it claims to be"),
        e => Report::new(format!("{source_name}: {e}"), code::FAILURE),
    }
}

/// A clap error (already rendered by clap) in JSON mode.
pub fn clap_report(rendered: &str, exit_code: u8) -> Report {
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("usage error");
    let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
    Report::new(message, exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmc::sense::SenseKey;

    fn sense(key: u8, asc: u8, ascq: u8) -> Sense {
        Sense {
            response_code: 0x70,
            key: SenseKey(key),
            asc,
            ascq,
            information: None,
            sense_key_specific: None,
        }
    }

    fn drive_sense(command: &'static str, key: u8, asc: u8, ascq: u8, lba: Option<u32>) -> Report {
        describe(&Failure::Drive(mmc::Error::Sense {
            command,
            sense: sense(key, asc, ascq),
            lba,
        }))
    }

    #[test]
    fn write_error_names_lba_triple_and_hint() {
        let r = drive_sense("WRITE(10)", 3, 0x0C, 0x00, Some(1234));
        assert_eq!(
            r.message,
            "write error: the drive could not record data at LBA 1234 [3/0C/00]"
        );
        assert_eq!(r.exit_code, code::FAILURE);
        assert!(r.hints[0].contains("lower speed"));
        assert_eq!(r.lba, Some(1234));
        assert_eq!(r.command, Some("WRITE(10)"));
        assert_eq!(
            r.human(),
            "error: write error: the drive could not record data at LBA 1234 [3/0C/00]\n\
             hint: the disc may be faulty or not suited to this drive; try another disc brand or a lower speed\n"
        );
    }

    #[test]
    fn json_error_object() {
        let r = drive_sense("WRITE(10)", 3, 0x0C, 0x00, Some(1234));
        let v = r.to_json();
        assert_eq!(v["sense"], json!({"key": 3, "asc": 12, "ascq": 0}));
        assert_eq!(v["exit_code"], 1);
        assert_eq!(v["lba"], 1234);
        assert_eq!(v["command"], "WRITE(10)");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["command", "exit_code", "hints", "lba", "message", "sense"]
        );
    }

    #[test]
    fn table_rows_and_exit_codes() {
        let cases: &[(&str, u8, u8, u8, &str, u8)] = &[
            (
                "TEST UNIT READY",
                2,
                0x3A,
                0x01,
                "no disc in the drive [2/3A/01]",
                4,
            ),
            ("WRITE(10)", 3, 0x0C, 0x09, "buffer underrun", 1),
            ("READ(10)", 3, 0x11, 0x05, "read error", 1),
            ("READ(10)", 5, 0x21, 0x00, "beyond the recorded area", 1),
            ("WRITE(10)", 5, 0x21, 0x02, "invalid address for write", 1),
            ("BLANK", 3, 0x51, 0x00, "blanking failed", 1),
            (
                "GET PERFORMANCE",
                5,
                0x20,
                0x00,
                "does not support the command GET PERFORMANCE",
                4,
            ),
            (
                "MODE SELECT(10)",
                5,
                0x26,
                0x00,
                "parameters sent with MODE SELECT(10)",
                1,
            ),
            ("WRITE(10)", 5, 0x30, 0x05, "incompatible", 4),
            ("WRITE(10)", 5, 0x30, 0x10, "not formatted", 4),
            ("WRITE(10)", 5, 0x63, 0x00, "disc is full", 4),
            ("WRITE(10)", 5, 0x64, 0x00, "illegal mode", 1),
            (
                "CLOSE TRACK/SESSION",
                5,
                0x72,
                0x03,
                "closing the session failed",
                1,
            ),
            ("WRITE(10)", 5, 0x73, 0x02, "power calibration", 4),
            ("WRITE(10)", 6, 0x29, 0x00, "session is incomplete", 1),
            (
                "READ DISC INFORMATION",
                6,
                0x28,
                0x00,
                "may have been changed",
                1,
            ),
            ("WRITE(10)", 7, 0x27, 0x00, "write-protected", 4),
            ("INQUIRY", 4, 0x44, 0x00, "hardware failure", 1),
            ("FORMAT UNIT", 3, 0x31, 0x00, "formatting is damaged", 1),
        ];
        for &(cmd, k, asc, ascq, text, code) in cases {
            let r = drive_sense(cmd, k, asc, ascq, Some(7));
            assert!(
                r.message.contains(text),
                "{cmd} {k}/{asc:02X}/{ascq:02X}: {:?}",
                r.message
            );
            let triple = format!("{k:X}/{asc:02X}/{ascq:02X}");
            assert!(r.message.contains(&triple), "{}", r.message);
            assert_eq!(r.exit_code, code, "{}", r.message);
        }
    }

    #[test]
    fn unknown_sense_falls_back_to_the_raw_description() {
        let r = drive_sense("READ TOC/PMA/ATIP", 9, 0x80, 0x01, None);
        assert!(r.message.contains("9/80/01"), "{}", r.message);
        assert!(r.message.contains("see MMC specs"), "{}", r.message);
        assert_eq!(r.exit_code, 1);
        assert!(r.hints.is_empty());
    }

    #[test]
    fn open_errors_are_unsuitable_with_hints() {
        let r = describe(&Failure::Drive(mmc::Error::Open {
            path: "/dev/sr0".into(),
            kind: OpenErrorKind::PermissionDenied,
        }));
        assert_eq!(r.exit_code, 4);
        assert!(r.message.contains("/dev/sr0"));
        assert!(r.hints[0].contains("cdrom"));
        let r = describe(&Failure::Drive(mmc::Error::Open {
            path: "/dev/sda".into(),
            kind: OpenErrorKind::NotMmc(0),
        }));
        assert_eq!(r.exit_code, 4);
        assert!(r.hints[0].contains("stdio:/dev/sda"));
        let r = describe(&Failure::Drive(mmc::Error::Open {
            path: "/dev/sg1".into(),
            kind: OpenErrorKind::SiblingBusy {
                sibling: "/dev/sr0".into(),
                drive: "/dev/sg1".into(),
            },
        }));
        assert_eq!(r.exit_code, 4);
        assert_eq!(
            r.message,
            "cannot open /dev/sg1: /dev/sr0 (the same drive as /dev/sg1) is in use by another program"
        );
        assert!(r.hints[0].contains("fuser -v /dev/sr0"), "{:?}", r.hints);
        let r = describe(&Failure::Drive(mmc::Error::Unsuitable(
            Unsuitable::DoesNotFit { need: 10, free: 5 },
        )));
        assert_eq!(r.exit_code, 4);
    }

    #[test]
    fn other_classes() {
        assert_eq!(
            describe(&Failure::Drive(mmc::Error::Cancelled)).exit_code,
            130
        );
        assert_eq!(
            describe(&Failure::Drive(mmc::Error::Address {
                address: "x".into(),
                reason: "y".into()
            }))
            .exit_code,
            2
        );
        assert_eq!(describe(&Failure::Mismatch("m".into())).exit_code, 3);
        assert_eq!(describe(&Failure::usage("u", None)).exit_code, 2);
        let r = describe(&Failure::Image(iso_writer::write::Error::Source {
            path: "/nope/x".into(),
            source: io::Error::from_raw_os_error(2),
        }));
        assert_eq!(r.message, "cannot read /nope/x: no such file or directory");
        assert_eq!(r.exit_code, 1);
        let r = describe(&Failure::Image(iso_writer::write::Error::Output(
            interrupted_io(),
        )));
        assert_eq!(r.exit_code, 130);
    }

    #[test]
    fn glue_errors() {
        use burn_cli::{Aftermath, Error as G};
        let r = describe(&Failure::Glue(G::WrongStart {
            built_for: 0,
            start: 1234,
        }));
        assert_eq!(r.exit_code, 4);
        assert!(r.message.contains("LBA 1234"), "{}", r.message);
        assert!(r.hints[0].contains("--force"), "{:?}", r.hints);
        let r = describe(&Failure::Glue(G::UnknownData {
            device: "stdio:x".into(),
            what: "a UDF file system".into(),
        }));
        assert_eq!(r.exit_code, 4);
        assert!(r.hints[0].contains("burn blank"), "{:?}", r.hints);
        let r = describe(&Failure::Glue(G::NoSuchSession {
            requested: 5,
            available: 2,
        }));
        assert_eq!(r.exit_code, 2);
        assert_eq!(describe(&Failure::Glue(G::Blank("d".into()))).exit_code, 4);
        let r = describe(&Failure::Glue(G::NotIsoSession {
            device: "emul:cd-r:x".into(),
            start: 0,
            reason: "no volume descriptor at LBA 16".into(),
        }));
        assert_eq!(r.exit_code, 4);
        assert!(r.message.contains("LBA 0"), "{}", r.message);
        assert!(r.hints[0].contains("--force"), "{:?}", r.hints);
        let s = |number, start| burn_cli::media::Session {
            number,
            start,
            blocks: 100,
            volume_id: Some("V".into()),
        };
        let r = describe(&Failure::Glue(G::SessionNeeded {
            device: "/dev/sr0".into(),
            sessions: vec![s(1, 0), s(2, 11_500)],
        }));
        assert_eq!(r.exit_code, 2);
        assert!(r.message.contains("2 sessions"), "{}", r.message);
        assert!(r.hints[0].contains("--session N"), "{:?}", r.hints);
        assert_eq!(
            r.hints[2],
            "session 2: LBA 11500, 100 blocks, volume id \"V\""
        );

        // A write that failed part way: the drive's message, then what the
        // medium holds.
        let write_error = G::Drive(mmc::Error::Sense {
            command: "WRITE(10)",
            sense: sense(3, 0x0C, 0x00),
            lba: Some(1234),
        });
        let r = describe(&Failure::Glue(G::Aborted {
            source: Box::new(write_error),
            aftermath: Aftermath::Sequential(mmc::engine::AbortedWrite {
                start: 1200,
                written: 34,
                first_session: false,
                left: mmc::engine::LeftBehind::OpenTrack {
                    start: 1200,
                    next_writable: Some(1456),
                },
            }),
        }));
        assert_eq!(
            r.message,
            "write error: the drive could not record data at LBA 1234 [3/0C/00]"
        );
        assert_eq!(r.exit_code, 1);
        assert_eq!(
            r.hints[0],
            "the track at LBA 1200 is left open (incomplete) with the 34 blocks written; earlier \
             sessions are intact and the next session would start at LBA 1456"
        );
        assert!(r.hints[1].contains("lower speed"), "{:?}", r.hints);
        assert_eq!(r.lba, Some(1234));
        // Cancelled: 130, saying what is left.
        let r = describe(&Failure::Glue(G::Aborted {
            source: Box::new(G::Drive(mmc::Error::Cancelled)),
            aftermath: Aftermath::PreviousSessionsIntact,
        }));
        assert_eq!(r.exit_code, 130);
        assert!(r.message.starts_with("interrupted: "), "{}", r.message);
        assert!(r.message.contains("previous sessions are intact"));
    }

    #[test]
    fn does_not_fit_names_sizes() {
        let r = describe(&Failure::Drive(mmc::Error::Unsuitable(
            Unsuitable::DoesNotFit { need: 10, free: 5 },
        )));
        assert_eq!(
            r.message,
            "the data does not fit: it needs 10 blocks (20.0 KiB), only 5 blocks (10.0 KiB) are free"
        );
        assert_eq!(r.exit_code, 4);
    }

    #[test]
    fn io_text_strips_os_error_and_keeps_acronyms() {
        assert_eq!(
            io_text(&io::Error::from_raw_os_error(13)),
            "permission denied"
        );
        assert_eq!(lower_first("ISO path"), "ISO path");
        assert_eq!(lower_first("Write"), "write");
    }
}
