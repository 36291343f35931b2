//! El Torito 1.0 boot catalogs (El Torito Bootable CD-ROM Format
//! Specification 1.0, §2.1–§2.5) and their boot images.

use super::block::read_at;
use super::bytes::{le16, le32};
use super::{BlockRead, Entry, Error, Image, Result, WalkEvent};
use crate::BLOCK;
use crate::model::{Extent, Kind, Name};

/// Catalog entries are 32 bytes (§2.0).
const ENTRY: usize = 32;

/// §2.1 validation entry header id, §2.3/§2.4 section header indicators,
/// §2.5 extension indicator.
mod id {
    pub const VALIDATION: u8 = 0x01;
    pub const SECTION_MORE: u8 = 0x90;
    pub const SECTION_FINAL: u8 = 0x91;
    pub const EXTENSION: u8 = 0x44;
    pub const BOOTABLE: u8 = 0x88;
    /// §2.4 section entry media type bit 5: an extension entry follows.
    pub const CONTINUATION: u8 = 0x20;
}

/// Platform id (§2.1 validation entry byte 1, §2.3 section header byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    X86,
    PowerPc,
    Mac,
    /// 0xEF, defined by UEFI 2.x for El Torito.
    Efi,
    Other(u8),
}

impl Platform {
    fn from(b: u8) -> Platform {
        match b {
            0 => Platform::X86,
            1 => Platform::PowerPc,
            2 => Platform::Mac,
            0xef => Platform::Efi,
            o => Platform::Other(o),
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

/// Boot media type, low nibble of byte 1 of an initial or section entry
/// (§2.2, §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Emulation {
    None,
    Floppy12,
    Floppy144,
    Floppy288,
    HardDisk,
    Other(u8),
}

impl Emulation {
    fn from(b: u8) -> Emulation {
        match b & 0x0f {
            0 => Emulation::None,
            1 => Emulation::Floppy12,
            2 => Emulation::Floppy144,
            3 => Emulation::Floppy288,
            4 => Emulation::HardDisk,
            o => Emulation::Other(o),
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

/// One bootable (or not) image of the catalog: the initial/default entry
/// (§2.2) or a section entry (§2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootEntry {
    /// 1-based number, as xorriso counts them.
    pub number: usize,
    /// From the validation entry (default entry) or the section header.
    pub platform: Platform,
    /// Boot indicator 88h.
    pub bootable: bool,
    pub emulation: Emulation,
    /// Media type byte as recorded (section entries: bit 5 continuation,
    /// bit 6 ATAPI driver, bit 7 SCSI drivers).
    pub media_type: u8,
    /// Load segment; 0 means the traditional 7C0h.
    pub load_segment: u16,
    /// System type (partition type of a hard disk image).
    pub system_type: u8,
    /// Sector count: virtual 512-byte sectors loaded by the BIOS.
    pub sector_count: u16,
    /// Load RBA: absolute LBA of the image.
    pub load_rba: u32,
    /// Selection criteria type and bytes (section entries only).
    pub selection_criteria: Option<(u8, Vec<u8>)>,
    /// Id string of the hosting section header (28 bytes; the validation
    /// entry's 24 bytes for the default entry).
    pub id_string: Vec<u8>,
}

/// The boot catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootCatalog {
    /// Absolute LBA of the catalog.
    pub lba: u32,
    /// 2048-byte blocks the parsed entries occupy.
    pub blocks: u32,
    /// Platform of the validation entry.
    pub platform: Platform,
    /// Manufacturer/developer id string of the validation entry.
    pub id_string: String,
    /// Default entry first, then section entries in order.
    pub entries: Vec<BootEntry>,
}

/// What is known about the size of a boot image. The catalog records only
/// the sectors loaded by the BIOS; a no-emulation image (e.g. an EFI
/// partition image) is usually larger. Heuristics follow xorriso's
/// `-report_el_torito`: the size of a file in the tree starting at the load
/// RBA; otherwise an upper bound up to the next start of any other entity
/// of the image ("El Torito img blks"); for hard disk emulation the end of
/// the last MBR partition ("El Torito hdsiz/512").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootImageSize {
    /// `sector_count × 512`.
    pub load_bytes: u64,
    /// Path and size of the tree file starting at the load RBA, if any.
    pub file: Option<(Name, u64)>,
    /// Blocks up to the next entity (files, directories, catalog, other boot
    /// images, path tables, descriptors, checksum array, end of volume), if
    /// the image is not a file of the trees.
    pub upper_bound_blocks: Option<u32>,
    /// Floppy emulation: the floppy's size.
    pub floppy_bytes: Option<u64>,
    /// Hard disk emulation: lowest 512-byte sector above all MBR partitions.
    pub hd_sectors: Option<u64>,
}

impl BootImageSize {
    /// The best size estimate in bytes.
    pub fn best(&self) -> u64 {
        if let Some(b) = self.floppy_bytes {
            return b;
        }
        if let Some((_, s)) = &self.file {
            return *s;
        }
        if let Some(h) = self.hd_sectors {
            return h * 512;
        }
        if let Some(b) = self.upper_bound_blocks {
            return u64::from(b) * BLOCK as u64;
        }
        self.load_bytes
    }
}

fn entry_fields(e: &[u8]) -> (u16, u8, u16, u32) {
    (le16(e, 2), e[4], le16(e, 6), le32(e, 8))
}

/// Parses a catalog from its bytes (`lba` only for errors).
pub(crate) fn parse_catalog(cat: &[u8], lba: u32) -> Result<BootCatalog> {
    let corrupt = |what: String| Error::corrupt(lba, "El Torito catalog", what);
    let v = cat
        .get(..ENTRY)
        .ok_or_else(|| corrupt("shorter than one entry".into()))?;
    // §2.1 validation entry: header id 1, key bytes 55 AA, and the sum of all
    // 16-bit little-endian words is zero.
    if v[0] != id::VALIDATION {
        return Err(corrupt(format!(
            "validation entry header id {:#04x}, expected 01",
            v[0]
        )));
    }
    if v[30..32] != [0x55, 0xaa] {
        return Err(corrupt("validation entry key bytes are not 55 AA".into()));
    }
    let sum = v.chunks_exact(2).fold(0u16, |a, w| {
        a.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    });
    if sum != 0 {
        return Err(corrupt(format!(
            "validation entry checksum does not sum to zero ({sum:#06x})"
        )));
    }
    let platform = Platform::from(v[1]);
    let id_string = super::bytes::text(&v[4..28]);

    let d = cat
        .get(ENTRY..2 * ENTRY)
        .ok_or_else(|| corrupt("no initial/default entry".into()))?;
    let (load_segment, system_type, sector_count, load_rba) = entry_fields(d);
    let mut entries = vec![BootEntry {
        number: 1,
        platform,
        bootable: d[0] == id::BOOTABLE,
        emulation: Emulation::from(d[1]),
        media_type: d[1],
        load_segment,
        system_type,
        sector_count,
        load_rba,
        selection_criteria: None,
        id_string: v[4..28].to_vec(),
    }];

    // §2.3 section headers, each followed by its section entries (§2.4) and
    // their extensions (§2.5); the last header is 91h.
    let mut pos = 2 * ENTRY;
    while let Some(h) = cat.get(pos..pos + ENTRY) {
        if h[0] != id::SECTION_MORE && h[0] != id::SECTION_FINAL {
            break;
        }
        let last = h[0] == id::SECTION_FINAL;
        let sec_platform = Platform::from(h[1]);
        let n = usize::from(le16(h, 2));
        pos += ENTRY;
        for _ in 0..n {
            let e = cat.get(pos..pos + ENTRY).ok_or_else(|| {
                corrupt(format!("section entry at byte {pos} beyond the catalog"))
            })?;
            let (load_segment, system_type, sector_count, load_rba) = entry_fields(e);
            entries.push(BootEntry {
                number: entries.len() + 1,
                platform: sec_platform,
                bootable: e[0] == id::BOOTABLE,
                emulation: Emulation::from(e[1]),
                media_type: e[1],
                load_segment,
                system_type,
                sector_count,
                load_rba,
                selection_criteria: Some((e[12], e[13..32].to_vec())),
                id_string: h[4..32].to_vec(),
            });
            pos += ENTRY;
            if e[1] & id::CONTINUATION != 0 {
                loop {
                    let x = cat.get(pos..pos + ENTRY).ok_or_else(|| {
                        corrupt(format!("extension entry at byte {pos} beyond the catalog"))
                    })?;
                    if x[0] != id::EXTENSION {
                        return Err(corrupt(format!(
                            "entry at byte {pos} should be an extension (44h)"
                        )));
                    }
                    pos += ENTRY;
                    if x[1] & id::CONTINUATION == 0 {
                        break;
                    }
                }
            }
        }
        if last {
            break;
        }
    }
    Ok(BootCatalog {
        lba,
        blocks: pos.div_ceil(BLOCK) as u32,
        platform,
        id_string,
        entries,
    })
}

/// Lowest 512-byte sector above every partition of an MBR (bytes 446–509,
/// signature 55 AA at 510).
fn mbr_end(first: &[u8]) -> Option<u64> {
    if first.get(510..512)? != [0x55, 0xaa] {
        return None;
    }
    let mut end = 0u64;
    for i in 0..4 {
        let p = &first[446 + 16 * i..446 + 16 * (i + 1)];
        let (start, count) = (le32(p, 8), le32(p, 12));
        if p[4] != 0 && count > 0 {
            end = end.max(u64::from(start) + u64::from(count));
        }
    }
    (end > 0).then_some(end)
}

impl<R: BlockRead> Image<R> {
    /// The El Torito boot catalog, if the session has a boot record.
    pub fn boot_catalog(&mut self) -> Result<Option<BootCatalog>> {
        let Some(lba) = self.info.boot_catalog else {
            return Ok(None);
        };
        let mut cat = Vec::new();
        let max = self.opts.limits.max_catalog_blocks.max(1);
        // Read block by block until the parse no longer runs off the end.
        for n in 1..=max {
            let block = lba
                .checked_add(n - 1)
                .ok_or_else(|| Error::corrupt(lba, "El Torito catalog", "runs past LBA 2^32"))?;
            cat.resize(n as usize * BLOCK, 0);
            read_at(&mut self.src, block, &mut cat[(n as usize - 1) * BLOCK..])?;
            match parse_catalog(&cat, lba) {
                Err(Error::Corrupt { detail, .. })
                    if detail.contains("beyond the catalog") && n < max =>
                {
                    continue;
                }
                Err(Error::Corrupt { detail, .. }) if detail.contains("beyond the catalog") => {
                    return Err(Error::limit(lba, "El Torito catalog blocks", max.into()));
                }
                other => return other.map(Some),
            }
        }
        Err(Error::limit(lba, "El Torito catalog blocks", max.into()))
    }

    /// What is known about a boot image's size (see [`BootImageSize`]).
    pub fn boot_image_size(&mut self, entry: &BootEntry) -> Result<BootImageSize> {
        let rba = entry.load_rba;
        let mut size = BootImageSize {
            load_bytes: u64::from(entry.sector_count) * 512,
            file: None,
            upper_bound_blocks: None,
            floppy_bytes: entry.emulation.floppy_bytes(),
            hd_sectors: None,
        };
        // Starts of every entity of the session.
        let mut starts: Vec<u32> = Vec::new();
        let info = &self.info;
        starts.push(info.session_start.saturating_add(info.volume_space_size));
        starts.extend(info.descriptors.iter().map(|d| d.lba));
        starts.extend(info.terminator_lba.map(|t| t + 1)); // superblock tag
        starts.extend(info.boot_catalog);
        starts.push(info.l_path_table);
        starts.push(info.m_path_table);
        if let Some(c) = &self.checksums {
            starts.push(c.end);
        }
        // The other boot images are entities too.
        if let Some(cat) = self.boot_catalog()? {
            starts.extend(cat.entries.iter().map(|e| e.load_rba));
        }
        let mut roots = vec![self.primary_root()?];
        if let Some(j) = self.joliet_root_entry() {
            roots.push(j);
        }
        for root in roots {
            self.walk_with(&root, &mut |_, ev, path, e| {
                if ev != WalkEvent::Visit {
                    return Ok(());
                }
                if e.kind == Kind::File && e.lba() == Some(rba) && e.size > 0 && size.file.is_none()
                {
                    size.file = Some((path.clone(), e.size));
                }
                if e.size > 0 || e.kind == Kind::Dir {
                    starts.extend(e.extents.iter().map(|x| x.lba));
                }
                Ok(())
            })?;
        }
        if size.file.is_none() {
            size.upper_bound_blocks = starts.iter().filter(|&&s| s > rba).min().map(|&s| s - rba);
        }
        if entry.emulation == Emulation::HardDisk {
            let mut b = vec![0u8; BLOCK];
            if read_at(&mut self.src, rba, &mut b).is_ok() {
                size.hd_sectors = mbr_end(&b);
            }
        }
        Ok(size)
    }

    /// A reader of `len` bytes of a boot image at its load RBA (use
    /// [`boot_image_size`](Self::boot_image_size) to choose `len`).
    pub fn open_boot_image(
        &mut self,
        entry: &BootEntry,
        len: u64,
    ) -> Result<super::FileReader<'_, R>> {
        let mut extents = Vec::new();
        let mut lba = u64::from(entry.load_rba);
        let mut left = len;
        // Split into extents below 4 GiB, block-aligned.
        const MAX: u64 = 0xFFFF_F800;
        while left > 0 {
            let n = left.min(MAX);
            let l = u32::try_from(lba).map_err(|_| {
                Error::corrupt(entry.load_rba, "boot image", "extends past LBA 2^32")
            })?;
            extents.push(Extent {
                lba: l,
                len: n as u32,
            });
            lba += n / BLOCK as u64;
            left -= n;
        }
        let mut e = Entry::placeholder();
        e.kind = Kind::File;
        e.size = len;
        e.extents = extents;
        self.open_file(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validation(platform: u8) -> [u8; 32] {
        let mut v = [0u8; 32];
        v[0] = 1;
        v[1] = platform;
        v[4..8].copy_from_slice(b"TEST");
        v[30] = 0x55;
        v[31] = 0xaa;
        let sum = v.chunks_exact(2).fold(0u16, |a, w| {
            a.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
        });
        let c = 0u16.wrapping_sub(sum);
        v[28..30].copy_from_slice(&c.to_le_bytes());
        v
    }

    fn boot_entry(ind: u8, media: u8, count: u16, rba: u32) -> [u8; 32] {
        let mut e = [0u8; 32];
        e[0] = ind;
        e[1] = media;
        e[6..8].copy_from_slice(&count.to_le_bytes());
        e[8..12].copy_from_slice(&rba.to_le_bytes());
        e
    }

    #[test]
    fn default_and_section_entries() {
        let mut cat = vec![0u8; BLOCK];
        cat[..32].copy_from_slice(&validation(0));
        cat[32..64].copy_from_slice(&boot_entry(0x88, 0, 4, 34));
        let mut h = [0u8; 32];
        h[0] = 0x91;
        h[1] = 0xef;
        h[2] = 1;
        cat[64..96].copy_from_slice(&h);
        cat[96..128].copy_from_slice(&boot_entry(0x88, 0x20, 140, 36));
        let mut x = [0u8; 32];
        x[0] = 0x44;
        cat[128..160].copy_from_slice(&x);
        let c = parse_catalog(&cat, 33).unwrap();
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.entries[0].platform, Platform::X86);
        assert_eq!((c.entries[0].sector_count, c.entries[0].load_rba), (4, 34));
        assert_eq!(c.entries[1].platform, Platform::Efi);
        assert_eq!(c.entries[1].emulation, Emulation::None);
        assert_eq!(
            (c.entries[1].sector_count, c.entries[1].load_rba),
            (140, 36)
        );
        assert_eq!(c.blocks, 1);

        // Bad checksum.
        let mut bad = cat.clone();
        bad[5] ^= 1;
        assert!(
            parse_catalog(&bad, 33)
                .unwrap_err()
                .to_string()
                .contains("checksum")
        );
        // Missing extension entry.
        let mut bad = cat.clone();
        bad[128] = 0;
        assert!(parse_catalog(&bad, 33).is_err());
        // Section count beyond the catalog.
        let mut bad = cat.clone();
        bad[66] = 0xff;
        bad[67] = 0xff;
        assert!(
            parse_catalog(&bad, 33)
                .unwrap_err()
                .to_string()
                .contains("beyond the catalog")
        );
    }

    #[test]
    fn mbr() {
        let mut b = vec![0u8; 512];
        b[510] = 0x55;
        b[511] = 0xaa;
        b[446 + 4] = 0x0c;
        b[446 + 8..446 + 12].copy_from_slice(&63u32.to_le_bytes());
        b[446 + 12..446 + 16].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(mbr_end(&b), Some(1063));
        b[511] = 0;
        assert_eq!(mbr_end(&b), None);
    }
}
