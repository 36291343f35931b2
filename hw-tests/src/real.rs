//! Tests against a real recorder, named by the environment:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `BURN_TEST_DEVICE` | the drive, any `burn --dev` address: `/dev/sr0`, `/dev/sg1`, `mmc:PATH`, also `emul:MEDIA:FILE` (the emulated recorder, for a dry run); unset = real-drive tests print [`SKIP_NO_DEVICE`] and pass |
//! | `BURN_TEST_MEDIA` | comma-separated [`MediaKind`] tokens the tests may consume (blank, format, write), e.g. `dvd+rw,bd-re,cd-rw`; unset or `none` = read-only tests only |
//! | `BURN_TEST_EJECT` | `1` = eject the medium at the end of the write test |
//! | `BURN_BIN` | the `burn` executable to test; default: built from this workspace |
//!
//! A medium is written only when its kind is listed: the list is the
//! user's consent that whatever is in the drive may be destroyed. Write-once
//! media (`cd-r`, `dvd-r`, `dvd+r`, `bd-r`, …) lose a session per run.
//!
//! All `burn` command lines are spelled in [`cli`]: adapt them there when
//! the CLI changes.

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::cargo;

pub const ENV_DEVICE: &str = "BURN_TEST_DEVICE";
pub const ENV_MEDIA: &str = "BURN_TEST_MEDIA";
pub const ENV_EJECT: &str = "BURN_TEST_EJECT";
pub const ENV_BIN: &str = "BURN_BIN";

/// What a real-drive test prints when no drive is named.
pub const SKIP_NO_DEVICE: &str = "skipped: no device (set BURN_TEST_DEVICE=/dev/srN)";

/// Kinds of recordable media, by the token used in `BURN_TEST_MEDIA`.
/// Each covers the MMC profiles listed (MMC-6 §5.3.1, table 93).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaKind {
    /// `cd-r`: profile 0009h.
    CdR,
    /// `cd-rw`: profile 000Ah.
    CdRw,
    /// `dvd-r`: profile 0011h.
    DvdR,
    /// `dvd-rw`: profiles 0013h (restricted overwrite) and 0014h (sequential).
    DvdRw,
    /// `dvd-r-dl`: profiles 0015h and 0016h.
    DvdRDl,
    /// `dvd-ram`: profile 0012h.
    DvdRam,
    /// `dvd+rw`: profile 001Ah.
    DvdPlusRw,
    /// `dvd+r`: profile 001Bh.
    DvdPlusR,
    /// `dvd+r-dl`: profile 002Bh.
    DvdPlusRDl,
    /// `bd-r`: profiles 0041h (SRM) and 0042h (RRM).
    BdR,
    /// `bd-re`: profile 0043h.
    BdRe,
}

impl MediaKind {
    pub const ALL: [MediaKind; 11] = [
        MediaKind::CdR,
        MediaKind::CdRw,
        MediaKind::DvdR,
        MediaKind::DvdRw,
        MediaKind::DvdRDl,
        MediaKind::DvdRam,
        MediaKind::DvdPlusRw,
        MediaKind::DvdPlusR,
        MediaKind::DvdPlusRDl,
        MediaKind::BdR,
        MediaKind::BdRe,
    ];

    /// The `BURN_TEST_MEDIA` token.
    pub fn token(self) -> &'static str {
        match self {
            MediaKind::CdR => "cd-r",
            MediaKind::CdRw => "cd-rw",
            MediaKind::DvdR => "dvd-r",
            MediaKind::DvdRw => "dvd-rw",
            MediaKind::DvdRDl => "dvd-r-dl",
            MediaKind::DvdRam => "dvd-ram",
            MediaKind::DvdPlusRw => "dvd+rw",
            MediaKind::DvdPlusR => "dvd+r",
            MediaKind::DvdPlusRDl => "dvd+r-dl",
            MediaKind::BdR => "bd-r",
            MediaKind::BdRe => "bd-re",
        }
    }

    /// The kind of a current profile; `None` for read-only, unknown and
    /// no-medium profiles.
    pub fn from_profile(profile: u16) -> Option<MediaKind> {
        Some(match profile {
            0x0009 => MediaKind::CdR,
            0x000A => MediaKind::CdRw,
            0x0011 => MediaKind::DvdR,
            0x0012 => MediaKind::DvdRam,
            0x0013 | 0x0014 => MediaKind::DvdRw,
            0x0015 | 0x0016 => MediaKind::DvdRDl,
            0x001A => MediaKind::DvdPlusRw,
            0x001B => MediaKind::DvdPlusR,
            0x002B => MediaKind::DvdPlusRDl,
            0x0041 | 0x0042 => MediaKind::BdR,
            0x0043 => MediaKind::BdRe,
            _ => return None,
        })
    }

    /// Can be written again after blanking or formatting.
    pub fn is_rewritable(self) -> bool {
        matches!(
            self,
            MediaKind::CdRw
                | MediaKind::DvdRw
                | MediaKind::DvdRam
                | MediaKind::DvdPlusRw
                | MediaKind::BdRe
        )
    }

    /// Takes FORMAT UNIT (`mmc-recipes.md` §5.3).
    pub fn is_formattable(self) -> bool {
        matches!(
            self,
            MediaKind::DvdRw | MediaKind::DvdRam | MediaKind::DvdPlusRw | MediaKind::BdRe
        )
    }

    /// Holds more than one session (real or emulated); DVD-R DL is written
    /// in one closed DAO session (`mmc-recipes.md` §2).
    pub fn is_multisession(self) -> bool {
        self != MediaKind::DvdRDl
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

impl FromStr for MediaKind {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<MediaKind, ConfigError> {
        let t = s.trim().to_ascii_lowercase();
        MediaKind::ALL
            .into_iter()
            .find(|k| k.token() == t)
            .ok_or_else(|| ConfigError::UnknownMedia(s.trim().to_string()))
    }
}

/// A bad test configuration in the environment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(
        "BURN_TEST_MEDIA: unknown medium {0:?}; known: cd-r, cd-rw, dvd-r, dvd-rw, dvd-r-dl, dvd-ram, dvd+rw, dvd+r, dvd+r-dl, bd-r, bd-re (or none)"
    )]
    UnknownMedia(String),
    #[error("BURN_TEST_DEVICE={0:?} does not exist")]
    NoSuchDevice(String),
}

/// Parses a `BURN_TEST_MEDIA` value: tokens separated by commas or blanks;
/// empty or `none` = nothing.
pub fn parse_media_list(s: &str) -> Result<BTreeSet<MediaKind>, ConfigError> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("none"))
        .map(MediaKind::from_str)
        .collect()
}

/// The real drive named by the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealDrive {
    /// `BURN_TEST_DEVICE`, as given (passed to `burn --dev`).
    pub device: String,
    /// `BURN_TEST_MEDIA`.
    pub media: BTreeSet<MediaKind>,
    /// `BURN_TEST_EJECT=1`.
    pub eject: bool,
}

impl RealDrive {
    /// `Ok(None)` when `BURN_TEST_DEVICE` is unset or empty; an error when
    /// the configuration is wrong (tests must then fail, not skip).
    pub fn from_env() -> Result<Option<RealDrive>, ConfigError> {
        let device = match std::env::var(ENV_DEVICE) {
            Ok(d) if !d.trim().is_empty() => d.trim().to_string(),
            _ => return Ok(None),
        };
        // a plain path must exist; other address forms (e.g. `mmc:`) are burn's business
        if device.starts_with('/') && !Path::new(&device).exists() {
            return Err(ConfigError::NoSuchDevice(device));
        }
        let media = parse_media_list(&std::env::var(ENV_MEDIA).unwrap_or_default())?;
        let eject = std::env::var(ENV_EJECT).is_ok_and(|v| v == "1");
        Ok(Some(RealDrive {
            device,
            media,
            eject,
        }))
    }

    /// May the tests blank, format or write this kind of medium?
    pub fn may_consume(&self, kind: MediaKind) -> bool {
        self.media.contains(&kind)
    }

    /// `BURN_TEST_MEDIA` as a string, for messages.
    pub fn media_list(&self) -> String {
        if self.media.is_empty() {
            return "none".into();
        }
        self.media
            .iter()
            .map(|k| k.token())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The `burn` command lines the tests use. Everything that depends on the
/// CLI's spelling is here (`burn --help`, `burn COMMAND --help`).
pub mod cli {
    /// Global option naming the drive: `burn --dev ADDR …`.
    pub const DEV: &str = "--dev";
    /// Medium and drive information as one JSON document on standard
    /// output (read by [`super::MediumInfo::from_json`]).
    pub const INFO_JSON: &[&str] = &["info", "--json"];
    /// Whatever makes the disc writable from scratch: fast blank of CD-RW,
    /// full blank of DVD-RW, invalidating the file system of DVD+RW,
    /// DVD-RAM, BD-RE.
    pub const BLANK_AS_NEEDED: &[&str] = &["blank", "--mode", "as-needed"];
    /// Format a disc that is not formatted yet (DVD+RW, DVD-RW, DVD-RAM,
    /// BD-RE).
    pub const FORMAT: &[&str] = &["format", "--mode", "as-needed"];
    /// Adds the given `PATH[=ISO_PATH]`s as a new session (MD5 tags by
    /// default); paths follow.
    pub const ADD: &[&str] = &["add", "--progress", "never"];
    /// Check-reads every session against its MD5 tags.
    pub const CHECK_ALL: &[&str] = &["check", "--all", "--progress", "never"];
    /// Opens the tray.
    pub const EJECT: &[&str] = &["eject"];
}

/// One session as `burn info --json` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// 1 = the oldest.
    pub number: u64,
    /// First block (its volume descriptors are at `start + 16`).
    pub start: u64,
    pub blocks: u64,
    pub volume_id: Option<String>,
}

/// What `burn info --json` says about the drive's medium, as far as the
/// tests need it.
#[derive(Clone, Debug, PartialEq)]
pub struct MediumInfo {
    /// Current profile (`profile_code`, MMC-6 §5.3.1 table 93): 0 without
    /// a medium, FFFFh for `stdio:` files.
    pub profile: Option<u16>,
    /// The profile's name (`profile`), e.g. "DVD+RW".
    pub profile_name: Option<String>,
    /// `status`: `blank`, `appendable`, `closed`, `empty`, `unknown-data`,
    /// `unsupported`.
    pub status: Option<String>,
    /// `layout`: `sequential`, `emulated`, `read-only`, `stream`, `none`, …
    pub layout: Option<String>,
    /// `sessions`, oldest first.
    pub sessions: Vec<SessionInfo>,
    /// `next_writable`: where the next session starts.
    pub next_writable: Option<u64>,
    /// `free_blocks`: free blocks of 2048 bytes.
    pub free_blocks: Option<u64>,
    /// `capacity_blocks`.
    pub capacity_blocks: Option<u64>,
    /// `format_state` of formattable media: `formatted`, `unformatted`,
    /// `unknown`; `None` for other media.
    pub format_state: Option<String>,
    /// The whole document.
    pub raw: serde_json::Value,
}

/// `burn info --json` printed something the tests cannot use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InfoError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("burn reported an error: {0}")]
    Burn(String),
    #[error("not an info document (type {0})")]
    NotInfo(String),
}

impl MediumInfo {
    /// Reads the document `burn info --json` prints (`"schema": 1`,
    /// `"type": "info"`; see `burn info --help`). An error document
    /// (`"type": "error"`) is an error.
    pub fn from_json(text: &str) -> Result<MediumInfo, InfoError> {
        let raw: serde_json::Value = serde_json::from_str(text.trim())?;
        match raw["type"].as_str() {
            Some("info") => {}
            Some("error") => {
                return Err(InfoError::Burn(
                    raw["error"]["message"]
                        .as_str()
                        .unwrap_or("(no message)")
                        .to_string(),
                ));
            }
            other => return Err(InfoError::NotInfo(format!("{other:?}"))),
        }
        let u64_of = |key: &str| raw.get(key).and_then(|v| v.as_u64());
        let str_of = |key: &str| raw.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let sessions = raw["sessions"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|s| {
                        Some(SessionInfo {
                            number: s.get("number")?.as_u64()?,
                            start: s.get("start")?.as_u64()?,
                            blocks: s.get("blocks")?.as_u64()?,
                            volume_id: s
                                .get("volume_id")
                                .and_then(|v| v.as_str())
                                .map(str::to_string),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(MediumInfo {
            profile: u64_of("profile_code").and_then(|p| u16::try_from(p).ok()),
            profile_name: str_of("profile"),
            status: str_of("status"),
            layout: str_of("layout"),
            sessions,
            next_writable: u64_of("next_writable"),
            free_blocks: u64_of("free_blocks"),
            capacity_blocks: u64_of("capacity_blocks"),
            format_state: str_of("format_state"),
            raw,
        })
    }

    pub fn kind(&self) -> Option<MediaKind> {
        self.profile.and_then(MediaKind::from_profile)
    }

    /// Complete sessions listed.
    pub fn session_count(&self) -> u64 {
        self.sessions.len() as u64
    }

    /// The newest session.
    pub fn newest_session(&self) -> Option<&SessionInfo> {
        self.sessions.iter().max_by_key(|s| s.start)
    }

    /// For formattable media: whether the medium is formatted (`None`:
    /// not formattable, or not known).
    pub fn formatted(&self) -> Option<bool> {
        match self.format_state.as_deref() {
            Some("formatted") => Some(true),
            Some("unformatted") => Some(false),
            _ => None,
        }
    }
}

/// How xorriso can look at the medium of a `burn` drive address, for
/// cross-checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XorrisoView {
    /// An optical drive xorriso opens itself (`/dev/srN`, `/dev/sgN`,
    /// also given as `mmc:/dev/srN`).
    Drive(String),
    /// A file holding the disc's blocks at their LBAs: a `stdio:FILE`, or
    /// the data file of the emulated recorder (`emul:MEDIA:FILE`). xorriso
    /// reads a session from it (`-load sbsector LBA -indev stdio:FILE`)
    /// but sees no drive, profile or table of contents.
    File(PathBuf),
}

/// The xorriso view of a drive address; `None` for addresses xorriso
/// cannot open (e.g. `mmc:` of a node that is not an sr/sg device).
pub fn xorriso_view(device: &str) -> Option<XorrisoView> {
    let drive = |p: &str| {
        (p.starts_with("/dev/sr") || p.starts_with("/dev/sg") || p.starts_with("/dev/scd"))
            .then(|| XorrisoView::Drive(p.to_string()))
    };
    if let Some(p) = device.strip_prefix("mmc:") {
        return drive(p);
    }
    if let Some(p) = device.strip_prefix("stdio:") {
        return (!p.is_empty() && p != "-").then(|| XorrisoView::File(PathBuf::from(p)));
    }
    if let Some(rest) = device.strip_prefix("emul:") {
        return rest
            .split_once(':')
            .map(|(_, file)| XorrisoView::File(PathBuf::from(file)));
    }
    if device.starts_with('/') {
        return Some(drive(device).unwrap_or_else(|| XorrisoView::Drive(device.to_string())));
    }
    None
}

/// The profile number for the medium name xorriso prints after
/// `Media current:` (libburn's profile names), for cross-checks.
pub fn xorriso_profile(name: &str) -> Option<u16> {
    Some(match name.trim() {
        "CD-ROM" => 0x0008,
        "CD-R" => 0x0009,
        "CD-RW" => 0x000A,
        "DVD-ROM" => 0x0010,
        "DVD-R sequential recording" => 0x0011,
        "DVD-RAM" => 0x0012,
        "DVD-RW restricted overwrite" => 0x0013,
        "DVD-RW sequential recording" => 0x0014,
        "DVD-R/DL sequential recording" => 0x0015,
        "DVD-R/DL layer jump recording" => 0x0016,
        "DVD+RW" => 0x001A,
        "DVD+R" => 0x001B,
        "DVD+RW/DL" => 0x002A,
        "DVD+R/DL" => 0x002B,
        "BD-ROM" => 0x0040,
        "BD-R sequential recording" => 0x0041,
        "BD-R random recording" => 0x0042,
        "BD-RE" => 0x0043,
        _ => return None,
    })
}

/// One finished `burn` invocation.
#[derive(Clone, Debug)]
pub struct BurnOutput {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl fmt::Display for BurnOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "burn {} -> {} after {:.1} s",
            self.args.join(" "),
            self.status,
            self.elapsed.as_secs_f64()
        )?;
        if !self.stdout.trim().is_empty() {
            writeln!(f, "--- stdout:\n{}", self.stdout.trim_end())?;
        }
        if !self.stderr.trim().is_empty() {
            writeln!(f, "--- stderr:\n{}", self.stderr.trim_end())?;
        }
        Ok(())
    }
}

/// A failed `burn` invocation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BurnError {
    #[error("cannot run {bin}: {source}")]
    Spawn {
        bin: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}")]
    Failed(Box<BurnOutput>),
    #[error("`burn info --json`: {error}:\n{output}")]
    BadJson {
        error: InfoError,
        output: Box<BurnOutput>,
    },
}

/// Runs the `burn` CLI against one drive.
#[derive(Clone, Debug)]
pub struct Burn {
    pub bin: PathBuf,
    pub device: String,
    /// Environment variables for every run (e.g. `BURN_EMUL_TIME_SCALE`).
    pub env: Vec<(String, String)>,
}

impl Burn {
    /// `$BURN_BIN` if set, else `burn` built from this workspace.
    pub fn locate(device: &str) -> Result<Burn, cargo::BuildError> {
        let bin = match std::env::var_os(ENV_BIN) {
            Some(b) if !b.is_empty() => PathBuf::from(b),
            _ => cargo::build_bin("burn-cli", "burn")?,
        };
        Ok(Burn {
            bin,
            device: device.to_string(),
            env: Vec::new(),
        })
    }

    /// The same `burn` against another drive.
    pub fn with_device(&self, device: &str) -> Burn {
        Burn {
            device: device.to_string(),
            ..self.clone()
        }
    }

    /// Runs `burn --dev DEVICE ARGS…` and returns its output whatever the
    /// exit status.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Result<BurnOutput, BurnError> {
        let mut all = vec![cli::DEV.to_string(), self.device.clone()];
        all.extend(
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        );
        let started = Instant::now();
        let out = Command::new(&self.bin)
            .args(&all)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .output()
            .map_err(|source| BurnError::Spawn {
                bin: self.bin.clone(),
                source,
            })?;
        Ok(BurnOutput {
            args: all,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        })
    }

    /// Runs and requires exit status 0.
    pub fn run_ok<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Result<BurnOutput, BurnError> {
        let out = self.run(args)?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(BurnError::Failed(Box::new(out)))
        }
    }

    pub fn info(&self) -> Result<MediumInfo, BurnError> {
        let out = self.run_ok(cli::INFO_JSON)?;
        MediumInfo::from_json(&out.stdout).map_err(|error| BurnError::BadJson {
            error,
            output: Box::new(out),
        })
    }

    pub fn blank_as_needed(&self) -> Result<BurnOutput, BurnError> {
        self.run_ok(cli::BLANK_AS_NEEDED)
    }

    pub fn format(&self) -> Result<BurnOutput, BurnError> {
        self.run_ok(cli::FORMAT)
    }

    /// Writes `paths` as a new session.
    pub fn add(&self, paths: &[&Path]) -> Result<BurnOutput, BurnError> {
        let mut args: Vec<std::ffi::OsString> = cli::ADD.iter().map(Into::into).collect();
        args.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        self.run_ok(&args)
    }

    pub fn check_all(&self) -> Result<BurnOutput, BurnError> {
        self.run_ok(cli::CHECK_ALL)
    }

    pub fn eject(&self) -> Result<BurnOutput, BurnError> {
        self.run_ok(cli::EJECT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_tokens_round_trip() {
        for k in MediaKind::ALL {
            assert_eq!(k.token().parse::<MediaKind>().unwrap(), k);
        }
        let set = parse_media_list("dvd+rw, BD-RE cd-rw,,").unwrap();
        assert_eq!(
            set.into_iter().collect::<Vec<_>>(),
            [MediaKind::CdRw, MediaKind::DvdPlusRw, MediaKind::BdRe]
        );
        assert!(parse_media_list("none").unwrap().is_empty());
        assert!(parse_media_list("").unwrap().is_empty());
        let e = parse_media_list("dvd+rw,dvdrw").unwrap_err();
        assert!(e.to_string().contains("\"dvdrw\""), "{e}");
    }

    #[test]
    fn profiles_map_to_kinds() {
        assert_eq!(MediaKind::from_profile(0x001B), Some(MediaKind::DvdPlusR));
        assert_eq!(MediaKind::from_profile(0x0013), Some(MediaKind::DvdRw));
        assert_eq!(MediaKind::from_profile(0x0014), Some(MediaKind::DvdRw));
        assert_eq!(MediaKind::from_profile(0x0043), Some(MediaKind::BdRe));
        assert_eq!(MediaKind::from_profile(0x0010), None); // DVD-ROM
        assert_eq!(MediaKind::from_profile(0x0000), None);
        assert!(MediaKind::BdRe.is_formattable() && MediaKind::BdRe.is_rewritable());
        assert!(!MediaKind::DvdPlusR.is_rewritable());
        assert!(!MediaKind::DvdRDl.is_multisession());
    }

    /// Documents as `burn info --json` prints them (emulated recorder and
    /// tgt's recorder in the lab).
    #[test]
    fn info_json_documents() {
        let blank = MediumInfo::from_json(
            r#"{"capacity_blocks":2295104,"capacity_bytes":4700372992,"device":"emul:dvd+rw:/tmp/x.img","diagnostic":null,"drive":{"product":"EMUL DVD+RW","revision":"0.1.","vendor":"BURN"},"erasable":false,"format_state":"unformatted","free_blocks":2295072,"free_bytes":4700307456,"layout":"emulated","next_writable":32,"notes":[],"profile":"DVD+RW","profile_code":26,"schema":1,"sessions":[],"status":"blank","type":"info"}"#,
        )
        .unwrap();
        assert_eq!(blank.profile, Some(0x1A));
        assert_eq!(blank.kind(), Some(MediaKind::DvdPlusRw));
        assert_eq!(blank.profile_name.as_deref(), Some("DVD+RW"));
        assert_eq!(blank.status.as_deref(), Some("blank"));
        assert_eq!(blank.layout.as_deref(), Some("emulated"));
        assert_eq!(blank.formatted(), Some(false));
        assert_eq!(
            (
                blank.next_writable,
                blank.free_blocks,
                blank.capacity_blocks
            ),
            (Some(32), Some(2295072), Some(2295104))
        );
        assert_eq!(blank.session_count(), 0);
        assert_eq!(blank.newest_session(), None);

        let closed = MediumInfo::from_json(
            r#"{"capacity_blocks":0,"capacity_bytes":0,"device":"/dev/sr3","diagnostic":null,"drive":{"product":"VIRTUAL-CDROM","revision":"0001","vendor":"IET"},"erasable":false,"format_state":null,"free_blocks":null,"free_bytes":null,"layout":"read-only","next_writable":null,"notes":[],"profile":"DVD-ROM","profile_code":16,"schema":1,"sessions":[{"blocks":24448,"bytes":50069504,"number":1,"start":0,"tracks":[{"blocks":24448,"data":true,"number":1,"start":0}],"volume_id":"LAB50"},{"blocks":16,"bytes":32768,"number":2,"start":24448,"tracks":[],"volume_id":null}],"status":"closed","type":"info"}"#,
        )
        .unwrap();
        assert_eq!(closed.kind(), None); // DVD-ROM is not recordable
        assert_eq!(closed.status.as_deref(), Some("closed"));
        assert_eq!(closed.formatted(), None);
        assert_eq!((closed.next_writable, closed.free_blocks), (None, None));
        assert_eq!(closed.session_count(), 2);
        assert_eq!(
            closed.sessions[0],
            SessionInfo {
                number: 1,
                start: 0,
                blocks: 24448,
                volume_id: Some("LAB50".into())
            }
        );
        assert_eq!(closed.newest_session().map(|s| s.start), Some(24448));
        assert_eq!(closed.sessions[1].volume_id, None);

        let e = MediumInfo::from_json(
            r#"{"error":{"command":null,"exit_code":4,"hints":[],"lba":null,"message":"no disc in the drive","sense":null},"schema":1,"type":"error"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no disc in the drive"), "{e}");
        assert!(matches!(
            MediumInfo::from_json(r#"{"type":"check"}"#),
            Err(InfoError::NotInfo(_))
        ));
        assert!(matches!(
            MediumInfo::from_json("not json"),
            Err(InfoError::Json(_))
        ));
    }

    #[test]
    fn xorriso_views() {
        let d = |s: &str| Some(XorrisoView::Drive(s.into()));
        let f = |s: &str| Some(XorrisoView::File(s.into()));
        assert_eq!(xorriso_view("/dev/sr0"), d("/dev/sr0"));
        assert_eq!(xorriso_view("mmc:/dev/sg3"), d("/dev/sg3"));
        assert_eq!(xorriso_view("mmc:/dev/vda"), None);
        assert_eq!(xorriso_view("stdio:/tmp/a.iso"), f("/tmp/a.iso"));
        assert_eq!(xorriso_view("stdio:-"), None);
        assert_eq!(xorriso_view("emul:dvd+rw:/tmp/x.img"), f("/tmp/x.img"));
        assert_eq!(xorriso_view("emul:bd-re:rel/x:y.img"), f("rel/x:y.img"));
        assert_eq!(xorriso_view("sr0"), None);
    }

    #[test]
    fn xorriso_names() {
        assert_eq!(xorriso_profile("DVD+RW"), Some(0x1A));
        assert_eq!(xorriso_profile("BD-R sequential recording"), Some(0x41));
        assert_eq!(xorriso_profile("floppy"), None);
    }
}
