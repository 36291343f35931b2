//! El Torito 1.0 boot catalogs (El Torito Bootable CD-ROM Format
//! Specification 1.0, §2.1–§2.5) and their boot images.

use super::block::read_at;
use super::bytes::le32;
use super::{BlockRead, Entry, Error, Image, Result, WalkEvent};
use crate::BLOCK;
use crate::model::{Extent, Kind, Name};
use crate::spec::DecodeError;
use crate::spec::eltorito::{BootEntryRecord, Catalog};

pub use crate::spec::eltorito::{Emulation, Platform};

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

/// A reader's entry from a decoded record.
fn boot_entry(
    number: usize,
    platform: Platform,
    r: &BootEntryRecord,
    section: bool,
    id_string: &[u8],
) -> BootEntry {
    BootEntry {
        number,
        platform,
        bootable: r.bootable,
        emulation: r.emulation(),
        media_type: r.media_type,
        load_segment: r.load_segment,
        system_type: r.system_type,
        sector_count: r.sector_count,
        load_rba: r.load_rba,
        selection_criteria: section.then(|| (r.criteria_type, r.criteria.to_vec())),
        id_string: id_string.to_vec(),
    }
}

/// Decodes a catalog from its first bytes (the shared decoder of
/// [`crate::spec::eltorito`]); `Truncated` means more blocks are needed.
fn decode_catalog(cat: &[u8], lba: u32) -> std::result::Result<BootCatalog, DecodeError> {
    let (c, len) = Catalog::parse_with_len(cat)?;
    let platform = c.validation.platform;
    let mut entries = vec![boot_entry(
        1,
        platform,
        &c.default,
        false,
        &c.validation.id_string,
    )];
    for s in &c.sections {
        for r in &s.entries {
            entries.push(boot_entry(
                entries.len() + 1,
                s.platform,
                r,
                true,
                &s.id_string,
            ));
        }
    }
    Ok(BootCatalog {
        lba,
        blocks: len.div_ceil(BLOCK) as u32,
        platform,
        id_string: super::bytes::text(&c.validation.id_string),
        entries,
    })
}

/// Parses a catalog from its bytes (`lba` only for errors).
pub(crate) fn parse_catalog(cat: &[u8], lba: u32) -> Result<BootCatalog> {
    decode_catalog(cat, lba).map_err(|e| Error::corrupt(lba, "El Torito catalog", e.to_string()))
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
        // Read block by block until the entries no longer run off the end.
        for n in 1..=max {
            let block = lba
                .checked_add(n - 1)
                .ok_or_else(|| Error::corrupt(lba, "El Torito catalog", "runs past LBA 2^32"))?;
            cat.resize(n as usize * BLOCK, 0);
            read_at(&mut self.src, block, &mut cat[(n as usize - 1) * BLOCK..])?;
            match decode_catalog(&cat, lba) {
                Ok(c) => return Ok(Some(c)),
                Err(DecodeError::Truncated { .. }) => continue,
                Err(e) => return Err(Error::corrupt(lba, "El Torito catalog", e.to_string())),
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
        let mut roots = vec![self.primary_root().clone()];
        roots.extend(self.joliet_root().cloned());
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

    /// The bytes of a boot image, as many as [`BootImageSize::best`]
    /// estimates (the file's size when the image is a file of the trees,
    /// else up to the next entity of the image), refusing more than
    /// `max`. An image hidden from the trees comes with the zeros that pad
    /// its last block; a no-emulation image that is a file comes exactly.
    pub fn read_boot_image(&mut self, entry: &BootEntry, max: u64) -> Result<Vec<u8>> {
        let len = self.boot_image_size(entry)?.best();
        let e = boot_image_entry(entry, len)?;
        self.read_file(&e, max)
    }

    /// The session's System Area, blocks S … S+15 (ECMA-119 §6.2.1):
    /// the MBR and GPT of an isohybrid image, or zeros.
    pub fn system_area(&mut self) -> Result<Vec<u8>> {
        let mut b = vec![0u8; crate::spec::ecma119::SYSTEM_AREA_LEN];
        read_at(&mut self.src, self.info.session_start, &mut b)?;
        Ok(b)
    }

    /// A reader of `len` bytes of a boot image at its load RBA (use
    /// [`boot_image_size`](Self::boot_image_size) to choose `len`).
    pub fn open_boot_image(
        &mut self,
        entry: &BootEntry,
        len: u64,
    ) -> Result<super::FileReader<'_, R>> {
        let e = boot_image_entry(entry, len)?;
        self.open_file(&e)
    }
}

/// A file entry for `len` bytes from a boot image's load RBA, split into
/// block-aligned extents below 4 GiB.
fn boot_image_entry(entry: &BootEntry, len: u64) -> Result<Entry> {
    const MAX: u64 = 0xFFFF_F800;
    let mut extents = Vec::new();
    let mut lba = u64::from(entry.load_rba);
    let mut left = len;
    while left > 0 {
        let n = left.min(MAX);
        let l = u32::try_from(lba)
            .map_err(|_| Error::corrupt(entry.load_rba, "boot image", "extends past LBA 2^32"))?;
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
    Ok(e)
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
                .contains("truncated")
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
