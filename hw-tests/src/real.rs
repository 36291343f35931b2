//! Tests against a real recorder, named by the environment:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `BURN_TEST_DEVICE` | the drive, e.g. `/dev/sr0`; unset = real-drive tests print [`SKIP_NO_DEVICE`] and pass |
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

/// The `burn` command lines the tests use (the intended CLI). Everything
/// that depends on the CLI's spelling is here.
pub mod cli {
    /// Global option naming the drive: `burn --dev ADDR …`.
    pub const DEV: &str = "--dev";
    /// Medium and drive information as JSON on stdout (schema assumed in
    /// [`super::MediumInfo::from_json`]).
    pub const INFO_JSON: &[&str] = &["info", "--json"];
    /// Blank if needed (CD-RW/DVD-RW blank, overwritable media pseudo-blank).
    pub const BLANK_AS_NEEDED: &[&str] = &["blank", "--mode", "as-needed"];
    /// Format (DVD+RW, DVD-RW, DVD-RAM, BD-RE).
    pub const FORMAT: &[&str] = &["format"];
    /// Adds the given paths as a new session; paths follow.
    pub const ADD: &[&str] = &["add"];
    /// Check-reads every session against its MD5 tags.
    pub const CHECK_ALL: &[&str] = &["check", "--all"];
    /// Ejects the medium.
    pub const EJECT: &[&str] = &["eject"];
}

/// Medium information from `burn info --json`, as far as the tests need it.
#[derive(Clone, Debug, PartialEq)]
pub struct MediumInfo {
    /// Current profile (MMC-6 §5.3.1).
    pub profile: Option<u16>,
    /// `blank`, `appendable`, `closed`, `empty`, … (lower case).
    pub status: Option<String>,
    /// Complete sessions on the medium.
    pub sessions: Option<u64>,
    /// Free blocks of 2048 bytes.
    pub free_blocks: Option<u64>,
    /// For formattable media: whether the medium is formatted.
    pub formatted: Option<bool>,
    /// The whole document.
    pub raw: serde_json::Value,
}

impl MediumInfo {
    /// Reads the JSON `burn info --json` prints. Assumed schema (adapt here
    /// when the CLI settles): the medium's fields either at top level or in
    /// an object `"medium"`; `"profile"` a number or a hex string (`"0x001B"`,
    /// `"001Bh"`); `"status"`; `"sessions"`; `"free_blocks"`; `"formatted"`.
    pub fn from_json(text: &str) -> Result<MediumInfo, serde_json::Error> {
        let raw: serde_json::Value = serde_json::from_str(text)?;
        let m = match raw.get("medium") {
            Some(v) if v.is_object() => v.clone(),
            _ => raw.clone(),
        };
        let profile = match m.get("profile") {
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
            Some(serde_json::Value::String(s)) => parse_profile(s),
            Some(serde_json::Value::Object(o)) => o
                .get("number")
                .and_then(|n| n.as_u64())
                .and_then(|p| u16::try_from(p).ok()),
            _ => None,
        };
        Ok(MediumInfo {
            profile,
            status: m
                .get("status")
                .and_then(|s| s.as_str())
                .map(str::to_ascii_lowercase),
            sessions: m.get("sessions").and_then(|s| s.as_u64()),
            free_blocks: m.get("free_blocks").and_then(|s| s.as_u64()),
            formatted: m.get("formatted").and_then(|s| s.as_bool()),
            raw,
        })
    }

    pub fn kind(&self) -> Option<MediaKind> {
        self.profile.and_then(MediaKind::from_profile)
    }
}

fn parse_profile(s: &str) -> Option<u16> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .or_else(|| t.strip_suffix('h'))
        .or_else(|| t.strip_suffix('H'))
        .unwrap_or(t);
    u16::from_str_radix(t, 16).ok()
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
    #[error("`burn info --json` printed no valid JSON ({error}):\n{output}")]
    BadJson {
        error: serde_json::Error,
        output: Box<BurnOutput>,
    },
}

/// Runs the `burn` CLI against one drive.
#[derive(Clone, Debug)]
pub struct Burn {
    pub bin: PathBuf,
    pub device: String,
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
        })
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

    #[test]
    fn info_json_shapes() {
        let a = MediumInfo::from_json(
            r#"{"drive":{"vendor":"X"},"medium":{"profile":27,"status":"Blank","sessions":0,"free_blocks":2295104}}"#,
        )
        .unwrap();
        assert_eq!(a.profile, Some(0x1B));
        assert_eq!(a.kind(), Some(MediaKind::DvdPlusR));
        assert_eq!(a.status.as_deref(), Some("blank"));
        assert_eq!((a.sessions, a.free_blocks), (Some(0), Some(2295104)));
        let b = MediumInfo::from_json(r#"{"profile":"0x0043","formatted":false}"#).unwrap();
        assert_eq!((b.profile, b.formatted), (Some(0x43), Some(false)));
        let c = MediumInfo::from_json(r#"{"medium":{"profile":{"number":10,"name":"CD-RW"}}}"#)
            .unwrap();
        assert_eq!(c.kind(), Some(MediaKind::CdRw));
        assert_eq!(parse_profile("001Bh"), Some(0x1B));
        assert!(MediumInfo::from_json("not json").is_err());
    }

    #[test]
    fn xorriso_names() {
        assert_eq!(xorriso_profile("DVD+RW"), Some(0x1A));
        assert_eq!(xorriso_profile("BD-R sequential recording"), Some(0x41));
        assert_eq!(xorriso_profile("floppy"), None);
    }
}
