//! Drive addresses as users type them.
//!
//! | Form | Meaning |
//! |---|---|
//! | `/dev/srN`, `/dev/sgN`, `/dev/scdN`, any other `/dev/…` | SG_IO device node (`mmc-recipes.md` §1) |
//! | `mmc:PATH` | any node that answers SG_IO, e.g. `mmc:/dev/vda` in a QEMU guest |
//! | `stdio:PATH` | image file, block device or pipe used as an overwritable medium; `stdio:-` and `stdio:/dev/stdout` write to standard output |
//! | `emul:MEDIA:PATH` | the emulated recorder holding MEDIA (see [`Media::ALL`]) backed by the file PATH |
//!
//! [`Address`] parses these and prints them back unchanged (`Display`
//! round-trips); anything else is an [`Error::Address`] that says what to
//! type instead.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::emul::Media;
use crate::error::{Error, Result};

/// A parsed drive address.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Address {
    /// A plain `/dev/…` path: an SG_IO node (`/dev/srN`, `/dev/sgN`,
    /// `/dev/scdN`, …).
    Device(PathBuf),
    /// `mmc:PATH`: any node that answers SG_IO.
    Mmc(PathBuf),
    /// `stdio:PATH`: image file, block device or pipe; `-` is standard output.
    Stdio(PathBuf),
    /// `emul:MEDIA:PATH`: the emulated recorder.
    Emul { media: Media, path: PathBuf },
}

/// Which kind of Linux node a device address names (`mmc-recipes.md` §1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DeviceKind {
    /// `/dev/srN` (the cdrom block node).
    Sr(u32),
    /// `/dev/sgN` (SCSI generic).
    Sg(u32),
    /// `/dev/scdN` (old name of `/dev/srN`).
    Scd(u32),
    /// Any other node.
    Other,
}

const SCHEMES: &str = "mmc:PATH, stdio:PATH, emul:MEDIA:PATH or a /dev/… path";

impl Address {
    /// Parses an address; see the module documentation for the forms.
    pub fn parse(s: &str) -> Result<Address> {
        let err = |reason: String| Error::Address {
            address: s.to_string(),
            reason,
        };
        if s.trim().is_empty() {
            return Err(err(format!("empty address; expected {SCHEMES}")));
        }
        if let Some(rest) = s.strip_prefix("mmc:") {
            if rest.is_empty() {
                return Err(err("empty device path after `mmc:`".into()));
            }
            if !rest.starts_with('/') {
                return Err(err(format!(
                    "`mmc:` needs an absolute device path{}",
                    suggest_dev(rest)
                        .map(|d| format!(", e.g. `mmc:{d}`"))
                        .unwrap_or_default()
                )));
            }
            return Ok(Address::Mmc(PathBuf::from(rest)));
        }
        if let Some(rest) = s.strip_prefix("stdio:") {
            if rest.is_empty() {
                return Err(err(
                    "empty path after `stdio:` (use `stdio:-` for standard output)".into(),
                ));
            }
            return Ok(Address::Stdio(PathBuf::from(rest)));
        }
        if let Some(rest) = s.strip_prefix("emul:") {
            let (name, path) = match rest.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (rest, None),
            };
            let Ok(media) = name.parse::<Media>() else {
                return Err(err(format!(
                    "unknown emulated medium `{name}`; valid ones are {}",
                    Media::names_list()
                )));
            };
            return match path {
                Some(p) if !p.is_empty() => Ok(Address::Emul {
                    media,
                    path: PathBuf::from(p),
                }),
                _ => Err(err(format!(
                    "missing backing file: use `emul:{}:PATH`",
                    media.name()
                ))),
            };
        }
        if s.starts_with('/') {
            let name = s.strip_prefix("/dev/").unwrap_or("");
            if name.trim_matches('/').is_empty() {
                return Err(err(format!(
                    "not a device path; use `stdio:{s}` for an image file or block device"
                )));
            }
            return Ok(Address::Device(PathBuf::from(s)));
        }
        if is_bus_address(s) {
            return Err(err(
                "SCSI bus addresses (bus,target,lun) are not supported; give the device node, e.g. /dev/sr0"
                    .into(),
            ));
        }
        if let Some((scheme, _)) = s.split_once(':')
            && !scheme.is_empty()
            && !scheme.contains('/')
        {
            return Err(err(format!(
                "unknown scheme `{scheme}:`; expected {SCHEMES}"
            )));
        }
        if let Some(dev) = suggest_dev(s) {
            return Err(err(format!("relative device name; did you mean `{dev}`?")));
        }
        Err(err(format!(
            "not a drive address; use `stdio:{s}` for an image file, or give a device as /dev/…"
        )))
    }

    /// The device node, image file or backing file the address names.
    pub fn path(&self) -> &Path {
        match self {
            Address::Device(p) | Address::Mmc(p) | Address::Stdio(p) => p,
            Address::Emul { path, .. } => path,
        }
    }

    /// True for addresses opened through SG_IO ([`Address::Device`],
    /// [`Address::Mmc`]).
    pub fn is_sg_io(&self) -> bool {
        matches!(self, Address::Device(_) | Address::Mmc(_))
    }

    /// True for `stdio:-` and `stdio:/dev/stdout`.
    pub fn is_stdout(&self) -> bool {
        match self {
            Address::Stdio(p) => p == Path::new("-") || p == Path::new("/dev/stdout"),
            _ => false,
        }
    }

    /// Which kind of node an SG_IO address names; [`DeviceKind::Other`] for
    /// everything else.
    pub fn device_kind(&self) -> DeviceKind {
        if !self.is_sg_io() {
            return DeviceKind::Other;
        }
        device_kind_of(self.path())
    }
}

/// Classifies a device node path by its name (`/dev/sr0` → `Sr(0)`).
pub fn device_kind_of(path: &Path) -> DeviceKind {
    let Some(name) = path.strip_prefix("/dev").ok().and_then(|p| p.to_str()) else {
        return DeviceKind::Other;
    };
    let num = |prefix: &str| {
        name.strip_prefix(prefix)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u32>().ok())
    };
    if let Some(n) = num("sr") {
        DeviceKind::Sr(n)
    } else if let Some(n) = num("sg") {
        DeviceKind::Sg(n)
    } else if let Some(n) = num("scd") {
        DeviceKind::Scd(n)
    } else {
        DeviceKind::Other
    }
}

/// `/dev/NAME` for bare names of optical device nodes (`sr0`, `sg1`, `scd0`,
/// `cdrom`, `dvd`, `cdrw`, `dvdrw`).
fn suggest_dev(name: &str) -> Option<String> {
    let dev = PathBuf::from("/dev").join(name);
    let known = matches!(name, "cdrom" | "cdrw" | "dvd" | "dvdrw")
        || device_kind_of(&dev) != DeviceKind::Other;
    known.then(|| dev.display().to_string())
}

/// cdrecord-style `B,T,L` (optionally with a transport prefix like `ATA:`).
fn is_bus_address(s: &str) -> bool {
    let tail = s.rsplit(':').next().unwrap_or(s);
    let parts: Vec<&str> = tail.split(',').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl FromStr for Address {
    type Err = Error;

    fn from_str(s: &str) -> Result<Address> {
        Address::parse(s)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Device(p) => write!(f, "{}", p.display()),
            Address::Mmc(p) => write!(f, "mmc:{}", p.display()),
            Address::Stdio(p) => write!(f, "stdio:{}", p.display()),
            Address::Emul { media, path } => write!(f, "emul:{}:{}", media, path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn reason(s: &str) -> String {
        match Address::parse(s) {
            Err(Error::Address { address, reason }) => {
                assert_eq!(address, s);
                reason
            }
            other => panic!("{s:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn forms_and_round_trip() {
        let cases = [
            ("/dev/sr0", Address::Device("/dev/sr0".into())),
            ("/dev/sg12", Address::Device("/dev/sg12".into())),
            ("/dev/scd1", Address::Device("/dev/scd1".into())),
            ("/dev/cdrom", Address::Device("/dev/cdrom".into())),
            ("mmc:/dev/vda", Address::Mmc("/dev/vda".into())),
            ("stdio:-", Address::Stdio("-".into())),
            ("stdio:/dev/stdout", Address::Stdio("/dev/stdout".into())),
            ("stdio:out.iso", Address::Stdio("out.iso".into())),
            (
                "stdio:/tmp/a b:c.iso",
                Address::Stdio("/tmp/a b:c.iso".into()),
            ),
            (
                "emul:dvd+r-dl:/tmp/disc.img",
                Address::Emul {
                    media: Media::DvdPlusRDl,
                    path: "/tmp/disc.img".into(),
                },
            ),
            (
                "emul:bd-re:rel/x:y.img",
                Address::Emul {
                    media: Media::BdRe,
                    path: "rel/x:y.img".into(),
                },
            ),
        ];
        for (text, want) in cases {
            let a = Address::parse(text).unwrap();
            assert_eq!(a, want, "{text}");
            assert_eq!(a.to_string(), text);
            assert_eq!(text.parse::<Address>().unwrap(), a);
        }
        // Media names are case-insensitive and print in lower case.
        let a = Address::parse("emul:DVD-RW:x").unwrap();
        assert_eq!(a.to_string(), "emul:dvd-rw:x");
    }

    #[test]
    fn queries() {
        let a = Address::parse("/dev/sg3").unwrap();
        assert!(a.is_sg_io());
        assert_eq!(a.device_kind(), DeviceKind::Sg(3));
        assert_eq!(
            Address::parse("mmc:/dev/sr10").unwrap().device_kind(),
            DeviceKind::Sr(10)
        );
        assert_eq!(
            Address::parse("/dev/scd0").unwrap().device_kind(),
            DeviceKind::Scd(0)
        );
        assert_eq!(
            Address::parse("/dev/sr").unwrap().device_kind(),
            DeviceKind::Other
        );
        assert_eq!(
            Address::parse("/dev/sda").unwrap().device_kind(),
            DeviceKind::Other
        );
        assert!(Address::parse("stdio:-").unwrap().is_stdout());
        assert!(Address::parse("stdio:/dev/stdout").unwrap().is_stdout());
        assert!(!Address::parse("stdio:/dev/sdb").unwrap().is_stdout());
        assert_eq!(
            Address::parse("emul:cd-r:x.img").unwrap().path(),
            Path::new("x.img")
        );
        assert_eq!(
            Address::parse("stdio:/dev/stdout").unwrap().device_kind(),
            DeviceKind::Other
        );
    }

    #[test]
    fn emul_media_table() {
        // The names of the brief, each mapped to its MMC-6 profile number.
        let want = [
            ("cd-r", 0x09),
            ("cd-rw", 0x0A),
            ("dvd-r", 0x11),
            ("dvd-rw", 0x14),
            ("dvd+r", 0x1B),
            ("dvd+r-dl", 0x2B),
            ("dvd+rw", 0x1A),
            ("dvd-ram", 0x12),
            ("bd-r", 0x41),
            ("bd-re", 0x43),
            ("cd-rom", 0x08),
            ("dvd-rom", 0x10),
            ("bd-rom", 0x40),
        ];
        assert_eq!(Media::ALL.len(), want.len());
        for (name, profile) in want {
            let m: Media = name.parse().unwrap();
            assert_eq!(m.name(), name);
            assert_eq!(m.initial_profile(), Profile(profile), "{name}");
        }
        assert!("dvd-r-dl".parse::<Media>().is_err());
    }

    #[test]
    fn bad_input_says_what_to_type() {
        assert!(reason("").contains("empty address"));
        assert!(reason("   ").contains("empty address"));
        assert!(reason("sr0").contains("`/dev/sr0`"));
        assert!(reason("sg2").contains("`/dev/sg2`"));
        assert!(reason("cdrom").contains("`/dev/cdrom`"));
        assert!(reason("mmc:").contains("empty device path"));
        assert!(reason("mmc:sr0").contains("`mmc:/dev/sr0`"));
        assert!(reason("stdio:").contains("stdio:-"));
        let r = reason("emul:dvd-x:/tmp/a");
        assert!(r.contains("`dvd-x`"), "{r}");
        for name in Media::ALL.map(Media::name) {
            assert!(r.contains(name), "{r} lacks {name}");
        }
        assert!(reason("emul:bd-r").contains("emul:bd-r:PATH"));
        assert!(reason("emul:bd-r:").contains("emul:bd-r:PATH"));
        let r = reason("scsi:/dev/sr0");
        assert!(r.contains("unknown scheme `scsi:`"), "{r}");
        assert!(reason("/tmp/out.iso").contains("stdio:/tmp/out.iso"));
        assert!(reason("/dev/").contains("not a device path"));
        assert!(reason("out.iso").contains("stdio:out.iso"));
        assert!(reason("1,0,0").contains("bus addresses"));
        assert!(reason("ATA:1,0,0").contains("bus addresses"));
    }
}
