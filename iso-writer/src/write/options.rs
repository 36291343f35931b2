//! What the writer produces: levels, extensions, identifiers, dates.

use super::boot::ElTorito;
use super::hybrid::Hybrid;
use crate::model::Timestamp;

/// ISO 9660 interchange level (ECMA-119 §10).
///
/// The default is level 3, as xorriso's native mode: identifiers of up to
/// 30 characters (plus `;1`), and files larger than 4 GiB − 2 KiB recorded
/// as several extents (§6.5.1 multi-extent, allowed only at level 3).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum IsoLevel {
    /// 8.3 file names, 8-character directory names, one extent per file.
    L1,
    /// 30-character names, one extent per file.
    L2,
    /// 30-character names, multi-extent files.
    #[default]
    L3,
}

impl IsoLevel {
    /// 1, 2 or 3.
    pub fn number(self) -> u8 {
        match self {
            IsoLevel::L1 => 1,
            IsoLevel::L2 => 2,
            IsoLevel::L3 => 3,
        }
    }
}

/// Where directories deeper than ECMA-119 allows go (§6.8.2.1: at most 8
/// levels, the root being level 1). Rock Ridge readers put them back in
/// place through `CL`/`PL`/`RE` (RRIP 1.12 §4.1.5).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Relocation {
    /// Into a directory of the root with this Rock Ridge name, created when
    /// needed and marked with `RE` so that Rock Ridge readers hide it
    /// (libisofs "rr_reloc_dir" with the RE flag). Default: `rr_moved`.
    Dir(Vec<u8>),
    /// Into the root directory itself (libisofs' default).
    Root,
    /// Do not relocate: write deep directories in place (what xorriso does
    /// with Rock Ridge on; violates §6.8.2.1 for plain ISO 9660 readers).
    Off,
}

impl Default for Relocation {
    fn default() -> Self {
        Relocation::Dir(b"rr_moved".to_vec())
    }
}

/// Text identifiers of the volume descriptors (ECMA-119 §8.4). The PVD
/// records them upper-cased and reduced to d-/a-characters; the Joliet SVD
/// records them as given (UCS-2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VolumeIds {
    /// Volume Identifier (§8.4.6, 32 d-characters). Default `CDROM`.
    pub volume: String,
    /// System Identifier (§8.4.5, 32 a-characters).
    pub system: String,
    /// Volume Set Identifier (§8.4.17, 128 d-characters).
    pub volume_set: String,
    /// Publisher Identifier (§8.4.18, 128 a-characters).
    pub publisher: String,
    /// Data Preparer Identifier (§8.4.19, 128 a-characters).
    pub preparer: String,
    /// Application Identifier (§8.4.20, 128 a-characters).
    pub application: String,
}

impl Default for VolumeIds {
    fn default() -> Self {
        VolumeIds {
            volume: "CDROM".into(),
            system: String::new(),
            volume_set: String::new(),
            publisher: String::new(),
            preparer: String::new(),
            application: String::new(),
        }
    }
}

/// Options of a plan.
///
/// # Dates and reproducibility
///
/// * Volume descriptor dates (creation, modification) are
///   [`Options::volume_time`], or the current time when `None`;
///   expiration and effective dates are "not specified".
/// * Directory record dates (§9.1.5) and Rock Ridge `TF` hold each file's
///   own times as read (one-second resolution, UTC).
/// * [`Options::uniform_times`] records access and attribute-change times
///   equal to the modification time (reading the files changes their
///   atime, and copying a tree changes ctime).
/// * [`Options::clamp_mtime`] records no time later than the given one
///   (the `SOURCE_DATE_EPOCH` convention of reproducible builds).
///
/// [`Options::reproducible`] sets all three: two plans of the same tree with
/// the same options then produce bit-identical images.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Options {
    /// First block of the session, `S` (0 for a plain image, the NWA for a
    /// later session, 32 for the first session on emulated media).
    pub start_lba: u32,
    pub level: IsoLevel,
    /// Rock Ridge (RRIP 1.12): POSIX names, attributes, links, devices.
    pub rock_ridge: bool,
    /// Joliet tree (UCS-2 names for Windows).
    pub joliet: bool,
    /// libisofs-compatible MD5 checksums: tags, array, `isofs.ca` and
    /// `isofs.cx` (the latter two need Rock Ridge).
    pub md5: bool,
    pub ids: VolumeIds,
    /// Volume creation/modification date; `None` = now.
    pub volume_time: Option<Timestamp>,
    /// Record atime and ctime as the mtime.
    pub uniform_times: bool,
    /// Record no time later than this.
    pub clamp_mtime: Option<Timestamp>,
    pub relocation: Relocation,
    /// Content of blocks S … S+15 (at most 32 KiB, zero-padded), e.g. an
    /// MBR for hybrid boot. With [`Options::hybrid`] it is the base the
    /// generated MBR (and GPT) are written over.
    pub system_area: Option<Vec<u8>>,
    /// An El Torito boot catalog and its boot images (see [`ElTorito`]).
    pub el_torito: Option<ElTorito>,
    /// An isohybrid MBR (and GPT) in the system area so that the image
    /// also boots from a disk (see [`Hybrid`]).
    pub hybrid: Option<Hybrid>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            start_lba: 0,
            level: IsoLevel::L3,
            rock_ridge: true,
            joliet: true,
            md5: true,
            ids: VolumeIds::default(),
            volume_time: None,
            uniform_times: false,
            clamp_mtime: None,
            relocation: Relocation::default(),
            system_area: None,
            el_torito: None,
            hybrid: None,
        }
    }
}

impl Options {
    /// Options for a reproducible image as of `epoch` (seconds since
    /// 1970, e.g. `SOURCE_DATE_EPOCH`): volume dates = `epoch`, uniform
    /// file times, file times clamped to `epoch`.
    pub fn reproducible(epoch: i64) -> Options {
        let t = Timestamp::from_secs(epoch);
        Options {
            volume_time: Some(t),
            uniform_times: true,
            clamp_mtime: Some(t),
            ..Options::default()
        }
    }

    /// The times recorded for a file with these on-disk times:
    /// (mtime, atime, ctime).
    pub(crate) fn file_times(&self, m: i64, a: i64, c: i64) -> (i64, i64, i64) {
        let (m, a, c) = if self.uniform_times {
            (m, m, m)
        } else {
            (m, a, c)
        };
        match self.clamp_mtime {
            Some(t) => (m.min(t.secs), a.min(t.secs), c.min(t.secs)),
            None => (m, a, c),
        }
    }
}
