//! Volume descriptors (ECMA-119 §8): primary, supplementary (Joliet),
//! enhanced (ISO 9660:1999), boot record (El Torito) and terminator.

use super::block::{BlockRead, read_block};
use super::bytes::{both16, both32, date17, le32, text, ucs2_text};
use super::error::{Error, Result};
use super::record::DirRecord;
use crate::model::Timestamp;

/// Standard identifier of every volume descriptor (ECMA-119 §8.1.2).
pub(crate) const STANDARD_ID: &[u8; 5] = b"CD001";

/// Volume descriptor types (ECMA-119 §8.1.1).
pub(crate) mod vd_type {
    pub const BOOT_RECORD: u8 = 0;
    pub const PRIMARY: u8 = 1;
    pub const SUPPLEMENTARY: u8 = 2;
    pub const PARTITION: u8 = 3;
    pub const TERMINATOR: u8 = 255;
}

/// Byte offsets of the primary and supplementary volume descriptors
/// (ECMA-119 §8.4 table 4, §8.5 table 6).
pub(crate) mod field {
    use std::ops::Range;
    pub const TYPE: usize = 0;
    pub const STANDARD_ID: Range<usize> = 1..6;
    pub const VERSION: usize = 6;
    pub const SYSTEM_ID: Range<usize> = 8..40;
    pub const VOLUME_ID: Range<usize> = 40..72;
    pub const SPACE_SIZE: usize = 80;
    /// SVD only: escape sequences (§8.5.6); Joliet puts `%/@`, `%/C` or `%/E` here.
    pub const ESCAPES: Range<usize> = 88..120;
    pub const SET_SIZE: usize = 120;
    pub const SEQUENCE: usize = 124;
    pub const BLOCK_SIZE: usize = 128;
    pub const PATH_TABLE_SIZE: usize = 132;
    pub const L_PATH_TABLE: usize = 140;
    pub const OPT_L_PATH_TABLE: usize = 144;
    pub const M_PATH_TABLE: usize = 148;
    pub const OPT_M_PATH_TABLE: usize = 152;
    pub const ROOT: Range<usize> = 156..190;
    pub const SET_ID: Range<usize> = 190..318;
    pub const PUBLISHER: Range<usize> = 318..446;
    pub const PREPARER: Range<usize> = 446..574;
    pub const APPLICATION: Range<usize> = 574..702;
    pub const COPYRIGHT: Range<usize> = 702..739;
    pub const ABSTRACT: Range<usize> = 739..776;
    pub const BIBLIOGRAPHIC: Range<usize> = 776..813;
    pub const CREATED: Range<usize> = 813..830;
    pub const MODIFIED: Range<usize> = 830..847;
    pub const EXPIRES: Range<usize> = 847..864;
    pub const EFFECTIVE: Range<usize> = 864..881;
    pub const FILE_STRUCTURE_VERSION: usize = 881;
    /// Boot record (§8.2): boot system identifier.
    pub const BOOT_SYSTEM_ID: Range<usize> = 7..39;
    /// El Torito 1.0 §2.0 (boot record volume descriptor): absolute LBA of
    /// the boot catalog, little-endian, at byte 47h.
    pub const BOOT_CATALOG: usize = 0x47;
}

/// Boot system identifier of an El Torito boot record (El Torito 1.0 §2.0),
/// padded with zeros to 32 bytes.
pub(crate) const EL_TORITO_ID: &[u8] = b"EL TORITO SPECIFICATION";

/// The location of a directory tree: its root record's extent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootLocation {
    /// First block of the root directory (after any extended attribute record).
    pub lba: u32,
    /// Data length of the root directory in bytes.
    pub size: u32,
}

/// The Joliet supplementary volume descriptor (Joliet specification 1995,
/// an SVD per ECMA-119 §8.5 with a UCS-2 escape sequence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JolietInfo {
    /// LBA of the descriptor.
    pub descriptor_lba: u32,
    /// UCS-2 level: 1 (`%/@`), 2 (`%/C`) or 3 (`%/E`).
    pub level: u8,
    pub volume_id: String,
    pub root: RootLocation,
    /// Volume Space Size recorded in the SVD.
    pub volume_space_size: u32,
}

/// One descriptor of the set, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DescriptorInfo {
    pub lba: u32,
    /// Descriptor type (ECMA-119 §8.1.1): 0 boot, 1 primary, 2 supplementary
    /// or enhanced, 3 partition, 255 terminator.
    pub kind: u8,
    /// Descriptor version (§8.1.3; 2 marks an ISO 9660:1999 enhanced descriptor).
    pub version: u8,
}

/// What the primary volume descriptor (ECMA-119 §8.4) and the rest of the
/// descriptor set say about the volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeInfo {
    /// Where the session starts (the descriptors are at `session_start + 16`).
    pub session_start: u32,
    /// LBA of the primary volume descriptor.
    pub pvd_lba: u32,
    pub system_id: String,
    pub volume_id: String,
    /// §8.4.8 Volume Space Size: blocks of this session counted from its start
    /// (absolute end in the head of an emulated multisession image).
    pub volume_space_size: u32,
    pub volume_set_size: u16,
    pub volume_sequence_number: u16,
    pub logical_block_size: u16,
    pub path_table_size: u32,
    pub l_path_table: u32,
    pub optional_l_path_table: u32,
    pub m_path_table: u32,
    pub optional_m_path_table: u32,
    pub volume_set_id: String,
    pub publisher_id: String,
    pub data_preparer_id: String,
    pub application_id: String,
    pub copyright_file_id: String,
    pub abstract_file_id: String,
    pub bibliographic_file_id: String,
    pub created: Option<Timestamp>,
    pub modified: Option<Timestamp>,
    pub expires: Option<Timestamp>,
    pub effective: Option<Timestamp>,
    pub file_structure_version: u8,
    /// Root directory of the ECMA-119 tree.
    pub root: RootLocation,
    pub joliet: Option<JolietInfo>,
    /// LBA of an ISO 9660:1999 enhanced volume descriptor (SVD version 2).
    pub iso1999_descriptor: Option<u32>,
    /// El Torito boot catalog LBA from the boot record (El Torito 1.0 §2.0).
    pub boot_catalog: Option<u32>,
    /// LBA of the volume descriptor set terminator.
    pub terminator_lba: Option<u32>,
    /// All descriptors read, in order.
    pub descriptors: Vec<DescriptorInfo>,
}

/// Most descriptors a set may have before we call it runaway.
const MAX_DESCRIPTORS: u32 = 64;

fn root_location(b: &[u8], lba: u32) -> Result<RootLocation> {
    let rec = DirRecord::parse(&b[field::ROOT], lba)
        .map_err(|_| Error::corrupt(lba, "root directory record", "malformed 34-byte record"))?;
    if !rec.is_dir() {
        return Err(Error::corrupt(
            lba,
            "root directory record",
            "directory flag not set",
        ));
    }
    let lba_data = rec
        .data_lba()
        .ok_or_else(|| Error::corrupt(lba, "root directory record", "extent overflows"))?;
    Ok(RootLocation {
        lba: lba_data,
        size: rec.data_len,
    })
}

/// Joliet level from the escape sequences field, if it names UCS-2.
fn joliet_level(esc: &[u8]) -> Option<u8> {
    esc.windows(3).find_map(|w| match w {
        [0x25, 0x2f, 0x40] => Some(1),
        [0x25, 0x2f, 0x43] => Some(2),
        [0x25, 0x2f, 0x45] => Some(3),
        _ => None,
    })
}

/// Reads the descriptor set of the session starting at `start`.
pub(crate) fn read_descriptors<R: BlockRead + ?Sized>(
    src: &mut R,
    start: u32,
) -> Result<VolumeInfo> {
    let first = start
        .checked_add(16)
        .ok_or_else(|| Error::corrupt(start, "session start", "too large"))?;
    let mut pvd: Option<(u32, Box<[u8; 2048]>)> = None;
    let mut joliet = None;
    let mut iso1999 = None;
    let mut boot_catalog = None;
    let mut terminator = None;
    let mut descriptors = Vec::new();

    for i in 0..MAX_DESCRIPTORS {
        let lba = first + i;
        let b = match read_block(src, lba) {
            Ok(b) => b,
            Err(e) if i == 0 => return Err(e),
            Err(e) if pvd.is_some() => {
                log::warn!("volume descriptor set at {first} not terminated: {e}");
                break;
            }
            Err(e) => return Err(e),
        };
        if &b[field::STANDARD_ID] != STANDARD_ID {
            if i == 0 {
                return Err(Error::NotIso { lba });
            }
            if pvd.is_some() {
                log::warn!("volume descriptor set at {first} ends without terminator at {lba}");
                break;
            }
            return Err(Error::corrupt(
                lba,
                "volume descriptor",
                "no standard identifier CD001 before a primary descriptor",
            ));
        }
        let kind = b[field::TYPE];
        let version = b[field::VERSION];
        descriptors.push(DescriptorInfo { lba, kind, version });
        match kind {
            vd_type::TERMINATOR => {
                terminator = Some(lba);
                break;
            }
            vd_type::PRIMARY => {
                if pvd.is_none() {
                    pvd = Some((lba, b));
                } else {
                    log::debug!("second primary volume descriptor at {lba} ignored");
                }
            }
            vd_type::SUPPLEMENTARY => {
                // ISO 9660:1999 §8.5: an enhanced volume descriptor is an SVD
                // with version 2 and file structure version 2.
                if version == 2 {
                    iso1999.get_or_insert(lba);
                } else if let Some(level) = joliet_level(&b[field::ESCAPES]) {
                    if joliet.is_none() {
                        match root_location(&b[..], lba) {
                            Ok(root) => {
                                joliet = Some(JolietInfo {
                                    descriptor_lba: lba,
                                    level,
                                    volume_id: ucs2_text(&b[field::VOLUME_ID]),
                                    root,
                                    volume_space_size: both32(&b[..], field::SPACE_SIZE)
                                        .unwrap_or(0),
                                })
                            }
                            Err(e) => log::warn!("Joliet descriptor ignored: {e}"),
                        }
                    }
                } else {
                    log::debug!("supplementary descriptor at {lba} without Joliet escape ignored");
                }
            }
            vd_type::BOOT_RECORD => {
                let id = &b[field::BOOT_SYSTEM_ID];
                if id.starts_with(EL_TORITO_ID) && id[EL_TORITO_ID.len()..].iter().all(|&c| c == 0)
                {
                    boot_catalog = le32(&b[..], field::BOOT_CATALOG);
                } else {
                    log::debug!("boot record at {lba} is not El Torito");
                }
            }
            vd_type::PARTITION => log::debug!("volume partition descriptor at {lba} ignored"),
            _ => log::debug!("volume descriptor type {kind} at {lba} ignored"),
        }
        if i + 1 == MAX_DESCRIPTORS {
            return Err(Error::limit(
                lba,
                "volume descriptors without terminator",
                MAX_DESCRIPTORS.into(),
            ));
        }
    }

    let (pvd_lba, b) = pvd.ok_or(Error::corrupt(
        first,
        "volume descriptor set",
        "no primary volume descriptor",
    ))?;
    let b = &b[..];
    let block_size = both16(b, field::BLOCK_SIZE).unwrap_or(0);
    if usize::from(block_size) != crate::BLOCK {
        return Err(Error::unsupported(
            pvd_lba,
            "logical block size",
            format!("{block_size} (only 2048 is supported)"),
        ));
    }
    Ok(VolumeInfo {
        session_start: start,
        pvd_lba,
        system_id: text(&b[field::SYSTEM_ID]),
        volume_id: text(&b[field::VOLUME_ID]),
        volume_space_size: both32(b, field::SPACE_SIZE).unwrap_or(0),
        volume_set_size: both16(b, field::SET_SIZE).unwrap_or(0),
        volume_sequence_number: both16(b, field::SEQUENCE).unwrap_or(0),
        logical_block_size: block_size,
        path_table_size: both32(b, field::PATH_TABLE_SIZE).unwrap_or(0),
        l_path_table: le32(b, field::L_PATH_TABLE).unwrap_or(0),
        optional_l_path_table: le32(b, field::OPT_L_PATH_TABLE).unwrap_or(0),
        m_path_table: super::bytes::be32(b, field::M_PATH_TABLE).unwrap_or(0),
        optional_m_path_table: super::bytes::be32(b, field::OPT_M_PATH_TABLE).unwrap_or(0),
        volume_set_id: text(&b[field::SET_ID]),
        publisher_id: text(&b[field::PUBLISHER]),
        data_preparer_id: text(&b[field::PREPARER]),
        application_id: text(&b[field::APPLICATION]),
        copyright_file_id: text(&b[field::COPYRIGHT]),
        abstract_file_id: text(&b[field::ABSTRACT]),
        bibliographic_file_id: text(&b[field::BIBLIOGRAPHIC]),
        created: date17(&b[field::CREATED]),
        modified: date17(&b[field::MODIFIED]),
        expires: date17(&b[field::EXPIRES]),
        effective: date17(&b[field::EFFECTIVE]),
        file_structure_version: b[field::FILE_STRUCTURE_VERSION],
        root: root_location(b, pvd_lba)?,
        joliet,
        iso1999_descriptor: iso1999,
        boot_catalog,
        terminator_lba: terminator,
        descriptors,
    })
}

/// Reads the volume id and Volume Space Size of a PVD at `lba`, if there is one.
pub(crate) fn probe_pvd<R: BlockRead + ?Sized>(
    src: &mut R,
    lba: u32,
) -> Result<Option<(String, u32)>> {
    let b = read_block(src, lba)?;
    if &b[field::STANDARD_ID] != STANDARD_ID || b[field::TYPE] != vd_type::PRIMARY {
        return Ok(None);
    }
    Ok(Some((
        text(&b[field::VOLUME_ID]),
        both32(&b[..], field::SPACE_SIZE).unwrap_or(0),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joliet_escapes() {
        let mut e = [0u8; 32];
        assert_eq!(joliet_level(&e), None);
        e[..3].copy_from_slice(b"%/E");
        assert_eq!(joliet_level(&e), Some(3));
        e[..3].copy_from_slice(b"%/@");
        assert_eq!(joliet_level(&e), Some(1));
        e[..3].copy_from_slice(b"%/C");
        assert_eq!(joliet_level(&e), Some(2));
    }
}
