//! El Torito bootable CD-ROM structures (El Torito Bootable CD-ROM Format
//! Specification 1.0, Phoenix/IBM 1995): the boot record volume descriptor
//! (§2.0), the boot catalog with its validation entry (§2.1), initial /
//! default entry (§2.2), section headers (§2.3), section entries (§2.4)
//! and extensions (§2.5); and the boot info table that mkisofs-style
//! writers patch into a no-emulation boot file (genisoimage(1)
//! `-boot-info-table`, isolinux's `bi_pvd` … `bi_csum`).
//!
//! All numbers of these structures are little-endian. Catalog entries are
//! 32 bytes; the catalog is read by the BIOS from the start of its first
//! block, entry after entry, so one block holds 64 entries and longer
//! catalogs continue into the following blocks.
//!
//! Decoders check lengths first and never panic; a catalog cut short
//! reports [`DecodeError::Truncated`] so that a reader can fetch one more
//! block and try again.

use super::DecodeError;
use super::num::{get_u16_le, get_u32_le};
use crate::BLOCK;

/// Size of every catalog entry (§2.0: "each entry is 32 bytes").
pub const ENTRY_LEN: usize = 32;
/// The unit of the sector count of an entry: a "virtual sector" of 512
/// bytes (§2.2 offset 6).
pub const VIRTUAL_SECTOR: u64 = 512;
/// Block of the boot record volume descriptor relative to the session
/// start (§2.0: "sector 11 (hex)", i.e. right after the PVD at 16).
pub const BOOT_RECORD_BLOCK: u32 = 17;
/// Boot System Identifier of the boot record (§2.0), padded with zeros to
/// 32 bytes.
pub const BOOT_SYSTEM_ID: &[u8] = b"EL TORITO SPECIFICATION";
/// The load segment 0 stands for: the traditional 07C0h (§2.2 offset 2).
pub const DEFAULT_LOAD_SEGMENT: u16 = 0x07c0;

/// Byte offsets of the boot record volume descriptor (§2.0).
mod br_field {
    use std::ops::Range;
    /// Boot System Identifier, a-characters padded with zeros.
    pub const SYSTEM_ID: Range<usize> = 7..39;
    /// Absolute pointer to the first block of the boot catalog.
    pub const CATALOG: Range<usize> = 0x47..0x4b;
}

/// Header ids and indicators of catalog entries.
pub mod id {
    /// §2.1 offset 0: Header ID of the validation entry.
    pub const VALIDATION: u8 = 0x01;
    /// §2.3 offset 0: a section header followed by more headers.
    pub const SECTION_MORE: u8 = 0x90;
    /// §2.3 offset 0: the final section header.
    pub const SECTION_FINAL: u8 = 0x91;
    /// §2.5 offset 0: a section entry extension.
    pub const EXTENSION: u8 = 0x44;
    /// §2.2/§2.4 offset 0: Boot Indicator "bootable".
    pub const BOOTABLE: u8 = 0x88;
    /// §2.2/§2.4 offset 0: Boot Indicator "not bootable".
    pub const NOT_BOOTABLE: u8 = 0x00;
    /// §2.4 offset 1 bit 5 (and §2.5 offset 1 bit 5): an extension entry
    /// follows.
    pub const CONTINUATION: u8 = 0x20;
    /// §2.1 offsets 30–31: key bytes.
    pub const KEY: [u8; 2] = [0x55, 0xaa];
}

/// Platform id (§2.1 offset 1, §2.3 offset 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// 0: 80x86 PC BIOS.
    X86,
    /// 1: PowerPC.
    PowerPc,
    /// 2: Mac.
    Mac,
    /// 0xEF: UEFI (UEFI 2.x §13.3.2.1, "El Torito" platform ID for EFI).
    Efi,
    /// Any other value, kept as recorded.
    Other(u8),
}

impl Platform {
    /// The platform of a recorded id byte.
    pub fn from_byte(b: u8) -> Platform {
        match b {
            0 => Platform::X86,
            1 => Platform::PowerPc,
            2 => Platform::Mac,
            0xef => Platform::Efi,
            o => Platform::Other(o),
        }
    }

    /// The id byte to record.
    pub fn byte(self) -> u8 {
        match self {
            Platform::X86 => 0,
            Platform::PowerPc => 1,
            Platform::Mac => 2,
            Platform::Efi => 0xef,
            Platform::Other(o) => o,
        }
    }

    /// The word `xorriso -report_el_torito plain` prints.
    pub fn xorriso_name(self) -> String {
        match self {
            Platform::X86 => "BIOS".into(),
            Platform::PowerPc => "PPC".into(),
            Platform::Mac => "Mac".into(),
            Platform::Efi => "UEFI".into(),
            Platform::Other(b) => format!("0x{b:02x}"),
        }
    }
}

/// Boot media type: bits 0–3 of offset 1 of an initial or section entry
/// (§2.2, §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Emulation {
    /// 0: no emulation; the BIOS loads `sector count` virtual sectors at
    /// the load segment and jumps there.
    None,
    /// 1: 1.2 MB floppy diskette.
    Floppy12,
    /// 2: 1.44 MB floppy diskette.
    Floppy144,
    /// 3: 2.88 MB floppy diskette.
    Floppy288,
    /// 4: hard disk (the image starts with an MBR).
    HardDisk,
    /// Reserved values, kept as recorded.
    Other(u8),
}

impl Emulation {
    /// The emulation of a media type byte (its low nibble).
    pub fn from_media_type(b: u8) -> Emulation {
        match b & 0x0f {
            0 => Emulation::None,
            1 => Emulation::Floppy12,
            2 => Emulation::Floppy144,
            3 => Emulation::Floppy288,
            4 => Emulation::HardDisk,
            o => Emulation::Other(o),
        }
    }

    /// The low nibble of the media type byte.
    pub fn code(self) -> u8 {
        match self {
            Emulation::None => 0,
            Emulation::Floppy12 => 1,
            Emulation::Floppy144 => 2,
            Emulation::Floppy288 => 3,
            Emulation::HardDisk => 4,
            Emulation::Other(o) => o & 0x0f,
        }
    }

    /// The word `xorriso -report_el_torito plain` prints.
    pub fn xorriso_name(self) -> String {
        match self {
            Emulation::None => "none".into(),
            Emulation::Floppy12 => "fd1.2".into(),
            Emulation::Floppy144 => "fd1.4".into(),
            Emulation::Floppy288 => "fd2.8".into(),
            Emulation::HardDisk => "hd".into(),
            Emulation::Other(o) => format!("0x{o:x}"),
        }
    }

    /// Size of an emulated floppy image in bytes.
    pub fn floppy_bytes(self) -> Option<u64> {
        match self {
            Emulation::Floppy12 => Some(1_228_800),
            Emulation::Floppy144 => Some(1_474_560),
            Emulation::Floppy288 => Some(2_949_120),
            _ => None,
        }
    }
}

/// The Boot Record Volume Descriptor (§2.0) pointing at the catalog at
/// absolute block `catalog_lba`: type 0, `CD001`, version 1, the boot
/// system identifier, zeros, the catalog pointer at 47h.
pub fn boot_record(catalog_lba: u32) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    b[0] = super::ecma119::vd_type::BOOT_RECORD;
    b[1..6].copy_from_slice(&super::ecma119::STANDARD_ID);
    b[6] = 1;
    b[br_field::SYSTEM_ID][..BOOT_SYSTEM_ID.len()].copy_from_slice(BOOT_SYSTEM_ID);
    b[br_field::CATALOG].copy_from_slice(&catalog_lba.to_le_bytes());
    b
}

/// The catalog pointer of an El Torito boot record volume descriptor
/// (`None` when the block is not one).
pub fn parse_boot_record(block: &[u8]) -> Option<u32> {
    if super::ecma119::descriptor_type(block)? != super::ecma119::vd_type::BOOT_RECORD {
        return None;
    }
    let sys = block.get(br_field::SYSTEM_ID)?;
    let (name, pad) = sys.split_at(BOOT_SYSTEM_ID.len());
    if name != BOOT_SYSTEM_ID || pad.iter().any(|&c| c != 0) {
        return None;
    }
    get_u32_le(block.get(br_field::CATALOG)?)
}

/// Sum of the 16-bit little-endian words of an entry (§2.1: the
/// validation entry's words sum to zero).
fn word_sum(e: &[u8]) -> u16 {
    e.chunks_exact(2).fold(0u16, |a, w| {
        a.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    })
}

/// The validation entry (§2.1), first entry of every catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationEntry {
    /// Platform of the initial/default entry.
    pub platform: Platform,
    /// ID string: manufacturer/developer of the CD-ROM (offsets 4–27).
    pub id_string: [u8; 24],
}

impl ValidationEntry {
    /// Header id 01, platform, id string, the checksum word at 1Ch that
    /// makes all 16 words sum to zero, key bytes 55 AA.
    pub fn encode(&self) -> [u8; ENTRY_LEN] {
        let mut e = [0u8; ENTRY_LEN];
        e[0] = id::VALIDATION;
        e[1] = self.platform.byte();
        e[4..28].copy_from_slice(&self.id_string);
        e[30..32].copy_from_slice(&id::KEY);
        let check = 0u16.wrapping_sub(word_sum(&e));
        e[28..30].copy_from_slice(&check.to_le_bytes());
        e
    }

    /// Decode and check header id, key bytes and checksum.
    pub fn parse(e: &[u8]) -> Result<ValidationEntry, DecodeError> {
        const WHAT: &str = "El Torito validation entry";
        DecodeError::check_len(WHAT, e, ENTRY_LEN)?;
        let e = &e[..ENTRY_LEN];
        if e[0] != id::VALIDATION {
            return Err(DecodeError::invalid(
                WHAT,
                format!("header id {:#04x}, expected 01", e[0]),
            ));
        }
        if e[30..32] != id::KEY {
            return Err(DecodeError::invalid(WHAT, "key bytes are not 55 AA"));
        }
        let sum = word_sum(e);
        if sum != 0 {
            return Err(DecodeError::invalid(
                WHAT,
                format!("checksum does not sum to zero ({sum:#06x})"),
            ));
        }
        let mut id_string = [0u8; 24];
        id_string.copy_from_slice(&e[4..28]);
        Ok(ValidationEntry {
            platform: Platform::from_byte(e[1]),
            id_string,
        })
    }
}

/// A boot entry: the initial/default entry (§2.2) or a section entry
/// (§2.4; the default entry has no selection criteria and its bytes 12–31
/// are zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootEntryRecord {
    /// Boot Indicator 88h (offset 0).
    pub bootable: bool,
    /// Boot media type byte as recorded (offset 1): bits 0–3 the
    /// emulation, in section entries bit 5 "extension follows", bit 6
    /// ATAPI driver, bit 7 SCSI drivers.
    pub media_type: u8,
    /// Load Segment (offset 2); 0 means 07C0h.
    pub load_segment: u16,
    /// System Type (offset 4): byte 5 of the partition table entry of a
    /// hard disk image.
    pub system_type: u8,
    /// Sector Count (offset 6): virtual 512-byte sectors loaded by the BIOS.
    pub sector_count: u16,
    /// Load RBA (offset 8): absolute block of the image.
    pub load_rba: u32,
    /// Selection criteria type (§2.4 offset 12; 0 = none).
    pub criteria_type: u8,
    /// Vendor unique selection criteria (§2.4 offsets 13–31).
    pub criteria: [u8; 19],
}

impl BootEntryRecord {
    /// The emulation of the media type byte.
    pub fn emulation(&self) -> Emulation {
        Emulation::from_media_type(self.media_type)
    }

    /// The 32 bytes of the entry.
    pub fn encode(&self) -> [u8; ENTRY_LEN] {
        let mut e = [0u8; ENTRY_LEN];
        e[0] = if self.bootable {
            id::BOOTABLE
        } else {
            id::NOT_BOOTABLE
        };
        e[1] = self.media_type;
        e[2..4].copy_from_slice(&self.load_segment.to_le_bytes());
        e[4] = self.system_type;
        e[6..8].copy_from_slice(&self.sector_count.to_le_bytes());
        e[8..12].copy_from_slice(&self.load_rba.to_le_bytes());
        e[12] = self.criteria_type;
        e[13..32].copy_from_slice(&self.criteria);
        e
    }

    /// Decode the 32 bytes of an entry. The boot indicator is not checked
    /// (readers list non-bootable entries too).
    pub fn parse(e: &[u8]) -> Result<BootEntryRecord, DecodeError> {
        DecodeError::check_len("El Torito boot entry", e, ENTRY_LEN)?;
        let mut criteria = [0u8; 19];
        criteria.copy_from_slice(&e[13..32]);
        Ok(BootEntryRecord {
            bootable: e[0] == id::BOOTABLE,
            media_type: e[1],
            load_segment: get_u16_le(&e[2..4]).unwrap_or(0),
            system_type: e[4],
            sector_count: get_u16_le(&e[6..8]).unwrap_or(0),
            load_rba: get_u32_le(&e[8..12]).unwrap_or(0),
            criteria_type: e[12],
            criteria,
        })
    }
}

/// A section: header (§2.3) and its entries (§2.4). Extension entries
/// (§2.5) are skipped when decoding and never written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Platform id of the header.
    pub platform: Platform,
    /// ID string of the header (offsets 4–31).
    pub id_string: [u8; 28],
    pub entries: Vec<BootEntryRecord>,
}

/// A whole boot catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    pub validation: ValidationEntry,
    /// The initial/default entry (§2.2).
    pub default: BootEntryRecord,
    /// Sections in order; the last header is written 91h, the others 90h.
    pub sections: Vec<Section>,
}

impl Catalog {
    /// Bytes the entries occupy: validation, default, and per section one
    /// header plus its entries.
    pub fn entries_len(&self) -> usize {
        ENTRY_LEN
            * (2 + self
                .sections
                .iter()
                .map(|s| 1 + s.entries.len())
                .sum::<usize>())
    }

    /// Whole blocks the catalog occupies.
    pub fn blocks(&self) -> u32 {
        self.entries_len().div_ceil(BLOCK) as u32
    }

    /// The catalog, zero-filled to whole blocks. Sections with more than
    /// 65535 entries cannot be recorded (the count is 16-bit): callers
    /// split them.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.blocks() as usize * BLOCK);
        out.extend_from_slice(&self.validation.encode());
        let mut d = self.default.clone();
        // §2.2 offsets 12–31 are unused in the default entry.
        d.criteria_type = 0;
        d.criteria = [0; 19];
        // Bit 5 would announce an extension: not in a §2.2 entry.
        d.media_type &= 0x0f;
        out.extend_from_slice(&d.encode());
        let n = self.sections.len();
        for (i, s) in self.sections.iter().enumerate() {
            let mut h = [0u8; ENTRY_LEN];
            h[0] = if i + 1 == n {
                id::SECTION_FINAL
            } else {
                id::SECTION_MORE
            };
            h[1] = s.platform.byte();
            let count = u16::try_from(s.entries.len()).unwrap_or(u16::MAX);
            h[2..4].copy_from_slice(&count.to_le_bytes());
            h[4..32].copy_from_slice(&s.id_string);
            out.extend_from_slice(&h);
            for e in s.entries.iter().take(usize::from(count)) {
                let mut e = e.clone();
                e.media_type &= !id::CONTINUATION;
                out.extend_from_slice(&e.encode());
            }
        }
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
        out
    }

    /// Decode a catalog from its first bytes. [`DecodeError::Truncated`]
    /// means the entries run past `bytes`: read more and try again.
    ///
    /// After the default entry, section headers (90h/91h) are read until
    /// the final one; an entry that is not a header where one is expected
    /// ends the catalog (what BIOSes do).
    pub fn parse(bytes: &[u8]) -> Result<Catalog, DecodeError> {
        Catalog::parse_with_len(bytes).map(|(c, _)| c)
    }

    /// [`Catalog::parse`], also returning the bytes the entries occupy
    /// (including skipped extension entries).
    pub fn parse_with_len(bytes: &[u8]) -> Result<(Catalog, usize), DecodeError> {
        const WHAT: &str = "El Torito catalog";
        let entry = |pos: usize| -> Result<&[u8], DecodeError> {
            bytes
                .get(pos..pos + ENTRY_LEN)
                .ok_or(DecodeError::Truncated {
                    what: WHAT,
                    need: pos + ENTRY_LEN,
                    have: bytes.len(),
                })
        };
        let validation = ValidationEntry::parse(entry(0)?)?;
        let default = BootEntryRecord::parse(entry(ENTRY_LEN)?)?;
        let mut sections = Vec::new();
        let mut pos = 2 * ENTRY_LEN;
        loop {
            // A catalog that fills its last block exactly ends there.
            let Ok(h) = entry(pos) else {
                if sections.is_empty() {
                    break;
                }
                // After a 90h header another header must follow.
                return Err(DecodeError::Truncated {
                    what: WHAT,
                    need: pos + ENTRY_LEN,
                    have: bytes.len(),
                });
            };
            if h[0] != id::SECTION_MORE && h[0] != id::SECTION_FINAL {
                break;
            }
            let last = h[0] == id::SECTION_FINAL;
            let count = get_u16_le(&h[2..4]).unwrap_or(0);
            let mut id_string = [0u8; 28];
            id_string.copy_from_slice(&h[4..32]);
            let mut s = Section {
                platform: Platform::from_byte(h[1]),
                id_string,
                entries: Vec::new(),
            };
            pos += ENTRY_LEN;
            for _ in 0..count {
                let e = BootEntryRecord::parse(entry(pos)?)?;
                pos += ENTRY_LEN;
                let mut more = e.media_type & id::CONTINUATION != 0;
                s.entries.push(e);
                while more {
                    let x = entry(pos)?;
                    if x[0] != id::EXTENSION {
                        return Err(DecodeError::invalid(
                            WHAT,
                            format!("entry at byte {pos} should be an extension (44h)"),
                        ));
                    }
                    more = x[1] & id::CONTINUATION != 0;
                    pos += ENTRY_LEN;
                }
            }
            sections.push(s);
            if last {
                break;
            }
        }
        Ok((
            Catalog {
                validation,
                default,
                sections,
            },
            pos,
        ))
    }
}

/// The boot info table of mkisofs/genisoimage `-boot-info-table` (and
/// xorriso `boot_info_table=on`): 56 bytes at offset 8 of a no-emulation
/// boot file, filled in by the image writer; ISOLINUX uses it to find the
/// volume and the rest of itself (isolinux.asm `bi_pvd` … `bi_csum`).
///
/// | Offset | Field |
/// |---|---|
/// | 8 | absolute LBA of the Primary Volume Descriptor |
/// | 12 | absolute LBA of the boot file |
/// | 16 | length of the boot file in bytes |
/// | 20 | checksum: 32-bit sum of the little-endian words of the file from byte 64 on |
/// | 24–63 | reserved, written as zeros |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootInfoTable {
    pub pvd_lba: u32,
    pub file_lba: u32,
    pub file_len: u32,
    pub checksum: u32,
}

/// Where the boot info table lies in the boot file.
pub const BOOT_INFO_TABLE: std::ops::Range<usize> = 8..64;

impl BootInfoTable {
    /// The table for `file` (the whole boot file, any bytes at 8–63) at
    /// absolute block `file_lba` of a session whose PVD is at `pvd_lba`.
    /// `None` when the file is too short to hold the table or longer than
    /// the 32-bit length field.
    pub fn for_file(file: &[u8], pvd_lba: u32, file_lba: u32) -> Option<BootInfoTable> {
        if file.len() < BOOT_INFO_TABLE.end {
            return None;
        }
        Some(BootInfoTable {
            pvd_lba,
            file_lba,
            file_len: u32::try_from(file.len()).ok()?,
            checksum: boot_info_checksum(file),
        })
    }

    /// Write the table into bytes 8–63 of `file` (at least 64 bytes).
    pub fn patch(&self, file: &mut [u8]) {
        let t = &mut file[BOOT_INFO_TABLE];
        t.fill(0);
        t[0..4].copy_from_slice(&self.pvd_lba.to_le_bytes());
        t[4..8].copy_from_slice(&self.file_lba.to_le_bytes());
        t[8..12].copy_from_slice(&self.file_len.to_le_bytes());
        t[12..16].copy_from_slice(&self.checksum.to_le_bytes());
    }

    /// The table as recorded in the first 64 bytes of a boot file (whether
    /// it is one is for the caller to judge, e.g. by comparing with the
    /// file's LBA and length).
    pub fn parse(head: &[u8]) -> Option<BootInfoTable> {
        let t = head.get(BOOT_INFO_TABLE)?;
        Some(BootInfoTable {
            pvd_lba: get_u32_le(&t[0..4])?,
            file_lba: get_u32_le(&t[4..8])?,
            file_len: get_u32_le(&t[8..12])?,
            checksum: get_u32_le(&t[12..16])?,
        })
    }
}

/// The boot info table checksum: the wrapping sum of the 32-bit
/// little-endian words of `file` from byte 64 to its end, a last partial
/// word padded with zeros (the file as it lies in its zero-padded blocks).
pub fn boot_info_checksum(file: &[u8]) -> u32 {
    let body = file.get(BOOT_INFO_TABLE.end..).unwrap_or(&[]);
    let mut chunks = body.chunks_exact(4);
    let mut sum = chunks.by_ref().fold(0u32, |a, w| {
        a.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    });
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 4];
        w[..rest.len()].copy_from_slice(rest);
        sum = sum.wrapping_add(u32::from_le_bytes(w));
    }
    sum
}

/// Offset of ISOLINUX's hybrid signature in `isolinux.bin` (isohdpfx.S:
/// `isolinux_hybrid_signature = 0x7c00+64`).
pub const ISOLINUX_HYBRID_SIGNATURE_AT: usize = 64;
/// The signature, 0x7078C0FB little-endian: the boot file can be started
/// by an isohybrid MBR (xorriso reports it as `isohybrid-suitable`).
pub const ISOLINUX_HYBRID_SIGNATURE: [u8; 4] = [0xfb, 0xc0, 0x78, 0x70];

/// Whether the first bytes of a boot file carry the ISOLINUX hybrid
/// signature.
pub fn is_isohybrid_suitable(head: &[u8]) -> bool {
    head.get(ISOLINUX_HYBRID_SIGNATURE_AT..ISOLINUX_HYBRID_SIGNATURE_AT + 4)
        == Some(&ISOLINUX_HYBRID_SIGNATURE[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog `xorriso -as mkisofs -b isolinux/isolinux.bin
    /// -no-emul-boot -boot-load-size 4 -eltorito-alt-boot -e boot/efi.img
    /// -no-emul-boot` wrote (xorriso 1.5.4), first 128 bytes.
    const XORRISO_CATALOG: [u8; 128] = {
        let mut c = [0u8; 128];
        c[0] = 0x01;
        c[28] = 0xaa;
        c[29] = 0x55;
        c[30] = 0x55;
        c[31] = 0xaa;
        // Default entry: bootable, no emulation, 4 sectors at LBA 0x2f3.
        c[32] = 0x88;
        c[38] = 0x04;
        c[40] = 0xf3;
        c[41] = 0x02;
        // Final section header, platform EFh, one entry.
        c[64] = 0x91;
        c[65] = 0xef;
        c[66] = 0x01;
        // Its entry: bootable, 0x0b40 = 2880 sectors at LBA 0x23.
        c[96] = 0x88;
        c[102] = 0x40;
        c[103] = 0x0b;
        c[104] = 0x23;
        c
    };

    fn entry(count: u16, rba: u32) -> BootEntryRecord {
        BootEntryRecord {
            bootable: true,
            media_type: 0,
            load_segment: 0,
            system_type: 0,
            sector_count: count,
            load_rba: rba,
            criteria_type: 0,
            criteria: [0; 19],
        }
    }

    #[test]
    fn encodes_the_catalog_xorriso_writes() {
        let cat = Catalog {
            validation: ValidationEntry {
                platform: Platform::X86,
                id_string: [0; 24],
            },
            default: entry(4, 0x2f3),
            sections: vec![Section {
                platform: Platform::Efi,
                id_string: [0; 28],
                entries: vec![entry(2880, 0x23)],
            }],
        };
        let bytes = cat.encode();
        assert_eq!(bytes.len(), BLOCK);
        assert_eq!(&bytes[..128], &XORRISO_CATALOG[..]);
        assert!(bytes[128..].iter().all(|&b| b == 0));
        assert_eq!(Catalog::parse(&bytes).unwrap(), cat);
        assert_eq!(Catalog::parse_with_len(&bytes).unwrap().1, 128);
    }

    #[test]
    fn validation_checksum_and_key_are_checked() {
        let v = ValidationEntry {
            platform: Platform::Efi,
            id_string: *b"burn test id string.....",
        };
        let e = v.encode();
        assert_eq!(word_sum(&e), 0);
        assert_eq!(ValidationEntry::parse(&e).unwrap(), v);
        let mut bad = e;
        bad[5] ^= 1;
        assert!(
            ValidationEntry::parse(&bad)
                .unwrap_err()
                .to_string()
                .contains("checksum")
        );
        let mut bad = e;
        bad[31] = 0;
        assert!(ValidationEntry::parse(&bad).is_err());
        let mut bad = e;
        bad[0] = 2;
        assert!(ValidationEntry::parse(&bad).is_err());
        assert!(matches!(
            ValidationEntry::parse(&e[..31]),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn sections_continue_into_the_next_block() {
        // Validation, default, a header with 60 entries, a header with 9:
        // 73 entries, more than the 64 of one block.
        let cat = Catalog {
            validation: ValidationEntry {
                platform: Platform::X86,
                id_string: [0; 24],
            },
            default: entry(4, 100),
            sections: vec![
                Section {
                    platform: Platform::X86,
                    id_string: [0; 28],
                    entries: (0..60).map(|i| entry(4, 200 + i)).collect(),
                },
                Section {
                    platform: Platform::Efi,
                    id_string: [b'E'; 28],
                    entries: (0..9).map(|i| entry(8, 300 + i)).collect(),
                },
            ],
        };
        assert_eq!(cat.entries_len(), 73 * ENTRY_LEN);
        let bytes = cat.encode();
        assert_eq!(bytes.len(), 2 * BLOCK);
        // The first block alone is not enough.
        assert!(matches!(
            Catalog::parse(&bytes[..BLOCK]),
            Err(DecodeError::Truncated { .. })
        ));
        assert_eq!(Catalog::parse(&bytes).unwrap(), cat);
        assert_eq!(bytes[64], id::SECTION_MORE);
        assert_eq!(bytes[(2 + 61) * ENTRY_LEN], id::SECTION_FINAL);
    }

    #[test]
    fn extensions_are_skipped() {
        let mut cat = Catalog {
            validation: ValidationEntry {
                platform: Platform::X86,
                id_string: [0; 24],
            },
            default: entry(4, 34),
            sections: vec![Section {
                platform: Platform::Efi,
                id_string: [0; 28],
                entries: vec![entry(140, 36)],
            }],
        }
        .encode();
        // Section entry announces an extension; the extension follows.
        cat[97] |= id::CONTINUATION;
        cat[128] = id::EXTENSION;
        let c = Catalog::parse(&cat).unwrap();
        assert_eq!(c.sections[0].entries[0].emulation(), Emulation::None);
        assert_eq!(Catalog::parse_with_len(&cat).unwrap().1, 160);
        cat[128] = 0;
        assert!(
            Catalog::parse(&cat)
                .unwrap_err()
                .to_string()
                .contains("44h")
        );
    }

    #[test]
    fn boot_record_round_trip() {
        let b = boot_record(33);
        assert_eq!(&b[..7], b"\x00CD001\x01");
        assert_eq!(&b[7..30], BOOT_SYSTEM_ID);
        assert_eq!(&b[0x47..0x4b], &[33, 0, 0, 0]);
        assert_eq!(parse_boot_record(&b), Some(33));
        let mut other = b;
        other[8] = b'X';
        assert_eq!(parse_boot_record(&other), None);
        assert_eq!(parse_boot_record(&b[..40]), None);
    }

    #[test]
    fn boot_info_table_as_isolinux_expects() {
        // A 38912-byte file like isolinux.bin, with the reserved area
        // holding garbage before patching.
        let mut f: Vec<u8> = (0..38_912u32).map(|i| (i * 31 + 7) as u8).collect();
        let t = BootInfoTable::for_file(&f, 16, 755).unwrap();
        t.patch(&mut f);
        assert_eq!(BootInfoTable::parse(&f), Some(t));
        assert_eq!(&f[8..12], &16u32.to_le_bytes());
        assert_eq!(&f[12..16], &755u32.to_le_bytes());
        assert_eq!(&f[16..20], &38_912u32.to_le_bytes());
        assert!(f[24..64].iter().all(|&b| b == 0));
        // Checksum by hand: sum of words from 64.
        let mut sum = 0u32;
        for w in f[64..].chunks(4) {
            sum = sum.wrapping_add(u32::from_le_bytes(w.try_into().unwrap()));
        }
        assert_eq!(t.checksum, sum);
        // Patching does not change the checksum (it covers bytes 64 on).
        assert_eq!(boot_info_checksum(&f), sum);
        // A partial last word counts as zero-padded.
        assert_eq!(
            boot_info_checksum(
                &[0u8; 64]
                    .iter()
                    .copied()
                    .chain([1, 2, 3])
                    .collect::<Vec<_>>()
            ),
            0x0003_0201
        );
        assert_eq!(BootInfoTable::for_file(&[0; 63], 16, 20), None);
    }

    #[test]
    fn isohybrid_signature() {
        let mut f = vec![0u8; 80];
        assert!(!is_isohybrid_suitable(&f));
        f[64..68].copy_from_slice(&0x7078_c0fbu32.to_le_bytes());
        assert!(is_isohybrid_suitable(&f));
        assert!(!is_isohybrid_suitable(&f[..66]));
    }

    #[test]
    fn platform_and_emulation_bytes() {
        for b in [0u8, 1, 2, 0xef, 0x42] {
            assert_eq!(Platform::from_byte(b).byte(), b);
        }
        for b in 0u8..16 {
            assert_eq!(Emulation::from_media_type(b).code(), b);
        }
        assert_eq!(Emulation::from_media_type(0x24), Emulation::HardDisk);
    }
}
