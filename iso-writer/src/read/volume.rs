//! The volume descriptor set (ECMA-119 §8): primary, supplementary
//! (Joliet), enhanced (ISO 9660:1999), boot record (El Torito) and
//! terminator. Field decoding is [`crate::spec::ecma119::VolumeDescriptor`].

use super::block::{BlockRead, read_block};
use super::bytes::{le32, text, ucs2_text};
use super::error::{Error, Result};
use crate::model::Timestamp;
use crate::spec::ecma119::{VolumeDescriptor, descriptor_type, vd_type};

/// El Torito 1.0 §2.0 boot record volume descriptor: boot system
/// identifier at bytes 7–38, `EL TORITO SPECIFICATION` padded with zeros.
pub(crate) const EL_TORITO_ID: &[u8] = b"EL TORITO SPECIFICATION";
const BOOT_SYSTEM_ID: std::ops::Range<usize> = 7..39;
/// El Torito 1.0 §2.0: absolute LBA of the boot catalog, little-endian, at byte 47h.
const BOOT_CATALOG: usize = 0x47;
/// ECMA-119 §8.4.18: the root directory record starts at byte 156; its
/// Extended Attribute Record Length is the record's second byte (§9.1.2).
const ROOT_XAR_LEN: usize = 157;

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

fn root_location(vd: &VolumeDescriptor, xar: u8, lba: u32) -> Result<RootLocation> {
    if vd.root_flags & crate::spec::ecma119::file_flags::DIRECTORY == 0 {
        return Err(Error::corrupt(
            lba,
            "root directory record",
            "directory flag not set",
        ));
    }
    Ok(RootLocation {
        lba: vd
            .root_extent
            .checked_add(u32::from(xar))
            .ok_or_else(|| Error::corrupt(lba, "root directory record", "extent overflows"))?,
        size: vd.root_data_len,
    })
}

fn parse_vd(b: &[u8], lba: u32) -> Result<VolumeDescriptor> {
    VolumeDescriptor::parse(b).map_err(|e| Error::corrupt(lba, "volume descriptor", e.to_string()))
}

/// Reads the descriptor set of the session starting at `start`.
pub(crate) fn read_descriptors<R: BlockRead + ?Sized>(
    src: &mut R,
    start: u32,
) -> Result<VolumeInfo> {
    let first = start
        .checked_add(16)
        .ok_or_else(|| Error::corrupt(start, "session start", "too large"))?;
    let mut pvd: Option<(u32, VolumeDescriptor, u8)> = None;
    let mut joliet = None;
    let mut iso1999 = None;
    let mut boot_catalog = None;
    let mut terminator = None;
    let mut descriptors = Vec::new();

    for i in 0..MAX_DESCRIPTORS {
        let lba = first
            .checked_add(i)
            .ok_or_else(|| Error::corrupt(first, "volume descriptor set", "runs past LBA 2^32"))?;
        let b = match read_block(src, lba) {
            Ok(b) => b,
            Err(e) if i > 0 && pvd.is_some() => {
                log::warn!("volume descriptor set at {first} not terminated: {e}");
                break;
            }
            Err(e) => return Err(e),
        };
        let Some(kind) = descriptor_type(&b[..]) else {
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
        };
        let version = b[6];
        descriptors.push(DescriptorInfo { lba, kind, version });
        match kind {
            vd_type::TERMINATOR => {
                terminator = Some(lba);
                break;
            }
            vd_type::PRIMARY => {
                if pvd.is_none() {
                    pvd = Some((lba, parse_vd(&b[..], lba)?, b[ROOT_XAR_LEN]));
                } else {
                    log::debug!("second primary volume descriptor at {lba} ignored");
                }
            }
            vd_type::SUPPLEMENTARY => {
                let vd = match parse_vd(&b[..], lba) {
                    Ok(vd) => vd,
                    Err(e) => {
                        log::warn!("supplementary descriptor ignored: {e}");
                        continue;
                    }
                };
                // ISO 9660:1999 §8.5: an enhanced volume descriptor is an SVD
                // with version 2 and file structure version 2.
                if version == 2 {
                    iso1999.get_or_insert(lba);
                } else if let Some(level) = vd.joliet_level() {
                    if joliet.is_none() {
                        match root_location(&vd, b[ROOT_XAR_LEN], lba) {
                            Ok(root) => {
                                joliet = Some(JolietInfo {
                                    descriptor_lba: lba,
                                    level,
                                    volume_id: ucs2_text(&vd.volume_id),
                                    root,
                                    volume_space_size: vd.volume_space_size,
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
                let id = &b[BOOT_SYSTEM_ID];
                if id.starts_with(EL_TORITO_ID) && id[EL_TORITO_ID.len()..].iter().all(|&c| c == 0)
                {
                    boot_catalog = Some(le32(&b[..], BOOT_CATALOG));
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

    let (pvd_lba, vd, xar) = pvd.ok_or(Error::corrupt(
        first,
        "volume descriptor set",
        "no primary volume descriptor",
    ))?;
    if usize::from(vd.logical_block_size) != crate::BLOCK {
        return Err(Error::unsupported(
            pvd_lba,
            "logical block size",
            format!("{} (only 2048 is supported)", vd.logical_block_size),
        ));
    }
    let root = root_location(&vd, xar, pvd_lba)?;
    Ok(VolumeInfo {
        session_start: start,
        pvd_lba,
        system_id: text(&vd.system_id),
        volume_id: text(&vd.volume_id),
        volume_space_size: vd.volume_space_size,
        volume_set_size: vd.volume_set_size,
        volume_sequence_number: vd.volume_sequence_number,
        logical_block_size: vd.logical_block_size,
        path_table_size: vd.path_table_size,
        l_path_table: vd.l_path_table,
        optional_l_path_table: vd.opt_l_path_table,
        m_path_table: vd.m_path_table,
        optional_m_path_table: vd.opt_m_path_table,
        volume_set_id: text(&vd.volume_set_id),
        publisher_id: text(&vd.publisher_id),
        data_preparer_id: text(&vd.preparer_id),
        application_id: text(&vd.application_id),
        copyright_file_id: text(&vd.copyright_file_id),
        abstract_file_id: text(&vd.abstract_file_id),
        bibliographic_file_id: text(&vd.bibliographic_file_id),
        created: vd.creation.to_timestamp(),
        modified: vd.modification.to_timestamp(),
        expires: vd.expiration.to_timestamp(),
        effective: vd.effective.to_timestamp(),
        file_structure_version: vd.file_structure_version,
        root,
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
    if descriptor_type(&b[..]) != Some(vd_type::PRIMARY) {
        return Ok(None);
    }
    Ok(VolumeDescriptor::parse(&b[..])
        .ok()
        .map(|vd| (text(&vd.volume_id), vd.volume_space_size)))
}
