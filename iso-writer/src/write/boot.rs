//! El Torito boot catalogs and their boot images in the writer (see
//! [`ElTorito`]).

use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;

use super::Error;
use super::error::ChangeKind;
use super::plan::{MAX_SECTION, Plan};
use super::tree::{Content, ContentSrc, Tree};
use crate::BLOCK;
use crate::model::{Kind, Metadata, Timestamp, mode};
use crate::spec::eltorito::{
    self, BootEntryRecord, BootInfoTable, Catalog, ENTRY_LEN, Section, ValidationEntry,
};

pub use crate::spec::eltorito::{Emulation, Platform};

/// Largest boot file the writer patches with a boot info table: the
/// whole file is held in memory to compute the checksum before its first
/// block is written. BIOS no-emulation loaders are a few KiB to a few
/// hundred KiB.
pub const MAX_PATCHED_BOOT_FILE: u64 = 64 << 20;

/// An El Torito boot catalog (El Torito 1.0 §2) and the images it lists:
/// [`Options::el_torito`](super::Options::el_torito).
///
/// The writer records the boot record volume descriptor at block S+17
/// (between the PVD and the Joliet SVD, where §2.0 wants it), the catalog
/// after the Joliet path tables, then the boot images written by this
/// session ahead of all other file data; the catalog knows every image's
/// LBA at plan time.
///
/// # The catalog
///
/// Entry 1 becomes the initial/default entry (§2.2) and gives the
/// validation entry its platform; the following entries are grouped into
/// sections (§2.3/§2.4), one per run of consecutive entries with the same
/// platform, the last header marked 91h (what xorriso writes for
/// `-eltorito-alt-boot`).
///
/// # mkisofs options
///
/// | mkisofs / `xorriso -as mkisofs` | here |
/// |---|---|
/// | `-b PATH` | a [`BootEntry::bios`]`(PATH)` entry ([`BootImage::File`], platform [`Platform::X86`]) |
/// | `-c PATH` | [`ElTorito::catalog_path`] `= Some(PATH)`; default `/boot.catalog` as xorriso |
/// | `--boot-catalog-hide` | [`ElTorito::catalog_path`] `= None` |
/// | `-no-emul-boot` | [`Emulation::None`] (the only emulation written; the default) |
/// | `-boot-load-size N` | [`BootEntry::load_size`] `= LoadSize::Sectors(N)`; without it [`LoadSize::Full`] |
/// | `-boot-info-table` | [`BootEntry::boot_info_table`] `= true` |
/// | `-eltorito-alt-boot` | starts the next entry of [`ElTorito::entries`] |
/// | `-e PATH` (after `-eltorito-alt-boot`) | a [`BootEntry::efi`]`(PATH)` entry (platform EFh, [`LoadSize::Full`]) |
/// | `-eltorito-platform efi` / `0xNN` | [`BootEntry::platform`] |
/// | `-hide PATH` of a boot file | [`BootImage::Hidden`] with the file's bytes ([`BootImage::hidden_file`]) |
/// | `-isohybrid-mbr FILE` | [`Options::hybrid`](super::Options::hybrid) with [`Hybrid::isolinux`](super::Hybrid::isolinux) |
/// | `-isohybrid-gpt-basdat` | [`Hybrid::gpt`](super::Hybrid::gpt) `= true` |
/// | `--grub2-mbr FILE` | [`Hybrid::boot_code`](super::Hybrid::boot_code) `= MbrBootCode::Grub2` |
/// | `--mbr-force-bootable` | [`Hybrid::mbr_bootable`](super::Hybrid::mbr_bootable) |
///
/// Floppy and hard disk emulation (`-hard-disk-boot`, the mkisofs default
/// without `-no-emul-boot`) are refused with [`Error::Boot`] unless the
/// image is already on the medium and only carried over
/// ([`BootImage::InPlace`], or an imported file).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ElTorito {
    /// ISO path of the catalog as a file of the trees (2048 bytes per
    /// catalog block, mode 0444), replacing a file of that path; `None`:
    /// the catalog is in no tree. Default `/boot.catalog`.
    pub catalog_path: Option<Vec<u8>>,
    /// ID string of the validation entry (§2.1, at most 24 bytes; zeros
    /// when empty, as xorriso writes).
    pub id_string: Vec<u8>,
    /// The boot images, at least one.
    pub entries: Vec<BootEntry>,
}

impl Default for ElTorito {
    fn default() -> ElTorito {
        ElTorito {
            catalog_path: Some(b"/boot.catalog".to_vec()),
            id_string: Vec::new(),
            entries: Vec::new(),
        }
    }
}

/// One boot image of the catalog.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BootEntry {
    pub image: BootImage,
    /// Platform id of the entry (of the validation entry for entry 1, of
    /// its section header otherwise).
    pub platform: Platform,
    /// Only [`Emulation::None`] is written; see [`ElTorito`].
    pub emulation: Emulation,
    /// Boot Indicator 88h (bootable) or 00h.
    pub bootable: bool,
    /// Load Segment; 0 means the traditional 07C0h.
    pub load_segment: u16,
    /// System Type (byte 5 of the partition entry of a hard disk image);
    /// 0 for no emulation.
    pub system_type: u8,
    pub load_size: LoadSize,
    /// Patch the boot info table into bytes 8–63 of the image as written
    /// (see [`crate::spec::eltorito::BootInfoTable`]); the file's MD5 in
    /// the checksum array is that of the patched bytes, as libisofs
    /// records it. Needs an image this session writes, at least 64 bytes
    /// and at most [`MAX_PATCHED_BOOT_FILE`].
    pub boot_info_table: bool,
}

impl BootEntry {
    /// `-b PATH -no-emul-boot`: a BIOS (platform 0) no-emulation image,
    /// loaded whole ([`LoadSize::Full`]); set
    /// `load_size = LoadSize::Sectors(4)` and `boot_info_table = true` for
    /// the ISOLINUX recipe `-boot-load-size 4 -boot-info-table`.
    pub fn bios(iso_path: impl Into<Vec<u8>>) -> BootEntry {
        BootEntry {
            image: BootImage::File(iso_path.into()),
            platform: Platform::X86,
            emulation: Emulation::None,
            bootable: true,
            load_segment: 0,
            system_type: 0,
            load_size: LoadSize::Full,
            boot_info_table: false,
        }
    }

    /// `-eltorito-alt-boot -e PATH -no-emul-boot`: a UEFI (platform EFh)
    /// no-emulation image, typically a FAT file system image holding
    /// `/EFI/BOOT/BOOTX64.EFI`, its whole size recorded as load size.
    pub fn efi(iso_path: impl Into<Vec<u8>>) -> BootEntry {
        BootEntry {
            platform: Platform::Efi,
            ..BootEntry::bios(iso_path)
        }
    }
}

/// Where a boot image's bytes are.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BootImage {
    /// A regular file of the tree, by ISO (Rock Ridge) path. Its data must
    /// be one extent: at most 4 GiB − 2 KiB when written by this session,
    /// one extent when imported.
    File(Vec<u8>),
    /// Bytes in no tree (what `-hide` of the boot file gives; the hidden
    /// boot images of Windows install media), written by this session
    /// right after the catalog, zero-padded to whole blocks.
    Hidden(Arc<[u8]>),
    /// Data already on the medium at absolute block `lba`, `size` bytes
    /// (a hidden boot image of an earlier session, carried over in place
    /// when growing).
    InPlace { lba: u32, size: u64 },
}

impl BootImage {
    /// A hidden image with the bytes of disk file `path` (mkisofs `-b
    /// FILE` with `-hide FILE`: the boot image in no tree).
    pub fn hidden_file(path: &std::path::Path) -> Result<BootImage, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::Source {
            path: path.to_owned(),
            source: e,
        })?;
        Ok(BootImage::Hidden(bytes.into()))
    }
}

/// The Sector Count of an entry (§2.2 offset 6): virtual 512-byte sectors
/// the BIOS loads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LoadSize {
    /// This many sectors (mkisofs `-boot-load-size`).
    Sectors(u16),
    /// The whole image rounded up to whole 2048-byte blocks (xorriso's
    /// `load_size=full`, the mkisofs default for `-b` and for `-e`); an
    /// image of more than 65535 sectors is recorded as 0, as xorriso does
    /// ("extend ESP to end-of-medium").
    Full,
}

impl LoadSize {
    /// The recorded sector count for an image of `size` bytes.
    pub fn sectors(self, size: u64) -> u16 {
        match self {
            LoadSize::Sectors(n) => n,
            LoadSize::Full => {
                let s = size.div_ceil(BLOCK as u64) * (BLOCK as u64 / eltorito::VIRTUAL_SECTOR);
                u16::try_from(s).unwrap_or_else(|_| {
                    log::warn!(
                        "boot image of {size} bytes exceeds 65535 sectors of 512 bytes: \
                         recording 0 (the whole image for EFI firmware)"
                    );
                    0
                })
            }
        }
    }
}

/// Where a planned boot image's data is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ImageRef {
    /// A content of the tree (file, imported file or hidden bytes).
    Content { c: u32, hidden: bool },
    /// Data already on the medium.
    InPlace { lba: u32, size: u64 },
}

/// The El Torito part of a plan.
#[derive(Clone, Debug)]
pub(crate) struct BootLayout {
    pub(crate) spec: ElTorito,
    /// Resolved image of each entry.
    pub(crate) images: Vec<ImageRef>,
    /// Content of the visible catalog file.
    pub(crate) catalog_content: Option<u32>,
    pub(crate) catalog_blocks: u32,
    /// Contents to patch with a boot info table.
    pub(crate) patched: Vec<u32>,
}

fn boot_err(what: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Boot {
        what: what.into(),
        reason: reason.into(),
    }
}

/// The name of entry `i` (0-based) for messages.
fn entry_name(i: usize, e: &BootEntry) -> String {
    match &e.image {
        BootImage::File(p) => format!("boot entry {} ({})", i + 1, String::from_utf8_lossy(p)),
        BootImage::Hidden(_) => format!("boot entry {} (hidden image)", i + 1),
        BootImage::InPlace { lba, .. } => format!("boot entry {} (image at LBA {lba})", i + 1),
    }
}

/// Sections of entries 2…n: runs of the same platform, at most 65535
/// entries each (the §2.3 count is 16-bit). Returns index ranges.
fn section_runs(entries: &[BootEntry]) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for i in 1..entries.len() {
        match runs.last_mut() {
            Some(r)
                if entries[r.start].platform == entries[i].platform
                    && r.len() < usize::from(u16::MAX) =>
            {
                r.end = i + 1
            }
            _ => runs.push(i..i + 1),
        }
    }
    runs
}

/// Blocks of the catalog of `spec`.
fn catalog_blocks(spec: &ElTorito) -> u32 {
    let runs = section_runs(&spec.entries);
    let entries = 2 + runs.len() + spec.entries.len().saturating_sub(1);
    (entries * ENTRY_LEN).div_ceil(BLOCK) as u32
}

/// Check `spec`, resolve its images in `tree` and add what the tree must
/// hold: the catalog file and the hidden images' contents. Runs before
/// the plan sizes its per-node tables.
pub(crate) fn prepare(
    tree: &mut Tree,
    spec: &ElTorito,
    volume_time: Timestamp,
) -> Result<BootLayout, Error> {
    if spec.entries.is_empty() {
        return Err(boot_err("El Torito", "at least one boot entry is needed"));
    }
    if spec.id_string.len() > 24 {
        return Err(boot_err(
            "El Torito",
            format!(
                "the validation entry ID string holds 24 bytes, {} given",
                spec.id_string.len()
            ),
        ));
    }
    let mut images = Vec::with_capacity(spec.entries.len());
    let mut patched = Vec::new();
    for (i, e) in spec.entries.iter().enumerate() {
        let name = || entry_name(i, e);
        let (image, written, size) = match &e.image {
            BootImage::File(path) => {
                let node = tree.lookup(path).ok_or_else(|| {
                    boot_err(name(), "no such file in the tree (give its full ISO path)")
                })?;
                if tree.kind(node) != Kind::File {
                    return Err(boot_err(name(), "not a regular file"));
                }
                let c = tree.nodes[node.0 as usize].payload;
                let content = &tree.contents[c as usize];
                let written = match content.src {
                    ContentSrc::Imported { count, .. } => {
                        if count != 1 {
                            return Err(boot_err(
                                name(),
                                format!(
                                    "the imported file has {count} extents; a boot image needs one"
                                ),
                            ));
                        }
                        false
                    }
                    _ => true,
                };
                if content.size == 0 {
                    return Err(boot_err(name(), "the file is empty"));
                }
                if written && content.size > MAX_SECTION {
                    return Err(boot_err(
                        name(),
                        format!(
                            "{} bytes do not fit one extent (at most {MAX_SECTION})",
                            content.size
                        ),
                    ));
                }
                (
                    ImageRef::Content { c, hidden: false },
                    written,
                    content.size,
                )
            }
            BootImage::Hidden(bytes) => {
                if bytes.is_empty() {
                    return Err(boot_err(name(), "the image is empty"));
                }
                if bytes.len() as u64 > MAX_SECTION {
                    return Err(boot_err(name(), "larger than one extent of 4 GiB − 2 KiB"));
                }
                let c = tree.contents.len() as u32;
                tree.memory.push(bytes.clone());
                tree.contents.push(Content {
                    size: bytes.len() as u64,
                    src: ContentSrc::Memory((tree.memory.len() - 1) as u32),
                });
                (
                    ImageRef::Content { c, hidden: true },
                    true,
                    bytes.len() as u64,
                )
            }
            BootImage::InPlace { lba, size } => {
                if *size == 0 {
                    return Err(boot_err(name(), "the image is empty"));
                }
                (
                    ImageRef::InPlace {
                        lba: *lba,
                        size: *size,
                    },
                    false,
                    *size,
                )
            }
        };
        if e.emulation != Emulation::None && written {
            return Err(boot_err(
                name(),
                format!(
                    "{} emulation boot images are not supported yet; only no-emulation \
                     images (-no-emul-boot) can be written (emulated images of an earlier \
                     session can be carried over in place)",
                    match e.emulation {
                        Emulation::HardDisk => "hard disk".to_string(),
                        Emulation::Other(o) => format!("media type {o:#x}"),
                        _ => "floppy".to_string(),
                    }
                ),
            ));
        }
        if e.boot_info_table {
            if !written {
                return Err(boot_err(
                    name(),
                    "a boot info table needs an image this session writes; the image is \
                     already on the medium (give its bytes, e.g. as the file's new data)",
                ));
            }
            if size < eltorito::BOOT_INFO_TABLE.end as u64 {
                return Err(boot_err(
                    name(),
                    format!("{size} bytes cannot hold a boot info table (64 bytes needed)"),
                ));
            }
            if size > MAX_PATCHED_BOOT_FILE {
                return Err(boot_err(
                    name(),
                    format!(
                        "{size} bytes: a boot info table is patched only into images up to \
                         {MAX_PATCHED_BOOT_FILE} bytes"
                    ),
                ));
            }
            if let ImageRef::Content { c, .. } = image
                && !patched.contains(&c)
            {
                patched.push(c);
            }
        }
        images.push(image);
    }
    // Two entries may share an image (a patched one is patched alike for
    // all). The catalog file replaces a file of its path: it must not be
    // a boot image.
    let blocks = catalog_blocks(spec);
    let catalog_content = match &spec.catalog_path {
        None => None,
        Some(path) => {
            if let Some(existing) = tree.lookup(path) {
                if tree.kind(existing) == Kind::Dir {
                    return Err(boot_err(
                        "El Torito",
                        format!(
                            "the boot catalog path {} is a directory",
                            String::from_utf8_lossy(path)
                        ),
                    ));
                }
                for (i, e) in spec.entries.iter().enumerate() {
                    if matches!(&e.image, BootImage::File(p) if tree.lookup(p) == Some(existing)) {
                        return Err(boot_err(
                            entry_name(i, e),
                            "the boot catalog path names the boot image itself",
                        ));
                    }
                }
            }
            let meta = Metadata::new(mode::S_IFREG | 0o444, volume_time);
            let (parent, name) = split_parent(path)?;
            let dir = tree.mkdir_p(parent)?;
            let zeros: Arc<[u8]> = vec![0u8; blocks as usize * BLOCK].into();
            let node = tree.add_file(dir, name, &meta, super::FileData::Memory(zeros))?;
            Some(tree.nodes[node.0 as usize].payload)
        }
    };
    Ok(BootLayout {
        spec: spec.clone(),
        images,
        catalog_content,
        catalog_blocks: blocks,
        patched,
    })
}

/// `/a/b/c` → (`/a/b`, `c`).
fn split_parent(path: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let trimmed = path.strip_suffix(b"/").unwrap_or(path);
    let cut = trimmed.iter().rposition(|&b| b == b'/');
    let (parent, name) = match cut {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => (&b""[..], trimmed),
    };
    if name.is_empty() {
        return Err(Error::BadIsoPath {
            path: String::from_utf8_lossy(path).into_owned(),
            reason: "the boot catalog needs a file name",
        });
    }
    Ok((parent, name))
}

impl Plan {
    /// The data order of a bootable plan: the catalog leaves the file data
    /// (it has its own slot after the Joliet path tables) and the boot
    /// images this session writes come first, in entry order.
    pub(crate) fn order_boot_data(&mut self) {
        let Some(boot) = &self.boot else {
            return;
        };
        let mut first: Vec<u32> = Vec::new();
        for img in &boot.images {
            if let ImageRef::Content { c, .. } = *img
                && !matches!(
                    self.tree.contents[c as usize].src,
                    ContentSrc::Imported { .. }
                )
                && !first.contains(&c)
            {
                first.push(c);
            }
        }
        let catalog = boot.catalog_content;
        self.data_order
            .retain(|c| !first.contains(c) && Some(*c) != catalog);
        first.append(&mut self.data_order);
        self.data_order = first;
    }

    /// Absolute LBA and size in bytes of entry `i`'s image.
    pub(crate) fn boot_image_location(&self, img: &ImageRef) -> (u32, u64) {
        match *img {
            ImageRef::Content { c, .. } => {
                let lba = self.content_extents(c).first().map_or(0, |x| x.lba);
                (lba, self.tree.contents[c as usize].size)
            }
            ImageRef::InPlace { lba, size } => (lba, size),
        }
    }

    /// The catalog as written (whole blocks).
    pub(crate) fn catalog_bytes(&self) -> Vec<u8> {
        let Some(boot) = &self.boot else {
            return Vec::new();
        };
        let entries = &boot.spec.entries;
        let record = |i: usize| -> BootEntryRecord {
            let e = &entries[i];
            let (lba, size) = self.boot_image_location(&boot.images[i]);
            BootEntryRecord {
                bootable: e.bootable,
                media_type: e.emulation.code(),
                load_segment: e.load_segment,
                system_type: e.system_type,
                sector_count: e.load_size.sectors(size),
                load_rba: lba,
                criteria_type: 0,
                criteria: [0; 19],
            }
        };
        let mut id_string = [0u8; 24];
        id_string[..boot.spec.id_string.len()].copy_from_slice(&boot.spec.id_string);
        let cat = Catalog {
            validation: ValidationEntry {
                platform: entries[0].platform,
                id_string,
            },
            default: record(0),
            sections: section_runs(entries)
                .into_iter()
                .map(|r| Section {
                    platform: entries[r.start].platform,
                    id_string: [0; 28],
                    entries: r.map(record).collect(),
                })
                .collect(),
        };
        cat.encode()
    }

    /// Whether content `c` gets a boot info table.
    pub(crate) fn is_patched_boot_file(&self, c: u32) -> bool {
        self.boot.as_ref().is_some_and(|b| b.patched.contains(&c))
    }

    /// The bytes of boot file `c` with its boot info table (read whole).
    pub(crate) fn patched_boot_file(&self, c: u32) -> Result<Vec<u8>, Error> {
        let mut bytes = self.content_bytes(c)?;
        let lba = self.contents[c as usize].lba;
        let table = BootInfoTable::for_file(&bytes, self.layout.pvd, lba).ok_or_else(|| {
            Error::Internal(format!(
                "boot file content {c} cannot hold a boot info table"
            ))
        })?;
        table.patch(&mut bytes);
        Ok(bytes)
    }

    /// All bytes of a content written by this session.
    fn content_bytes(&self, c: u32) -> Result<Vec<u8>, Error> {
        let content = &self.tree.contents[c as usize];
        let size = content.size;
        match content.src {
            ContentSrc::Memory(i) => Ok(self.tree.memory[i as usize].to_vec()),
            ContentSrc::Node(_) | ContentSrc::Path(_) => {
                let path = self
                    .tree
                    .content_path(c)
                    .ok_or_else(|| Error::Internal(format!("content {c} has no source path")))?;
                let changed = |change| Error::InputChanged {
                    path: path.clone(),
                    change,
                };
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
                    .open(&path);
                let f = match f {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(changed(ChangeKind::Vanished));
                    }
                    Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => {
                        return Err(changed(ChangeKind::NotAFile));
                    }
                    Err(e) => {
                        return Err(Error::Source {
                            path: path.clone(),
                            source: e,
                        });
                    }
                };
                if !f.metadata().map(|m| m.is_file()).unwrap_or(false) {
                    return Err(changed(ChangeKind::NotAFile));
                }
                let mut bytes = Vec::with_capacity(size as usize);
                f.take(size + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::Source {
                        path: path.clone(),
                        source: e,
                    })?;
                match (bytes.len() as u64).cmp(&size) {
                    std::cmp::Ordering::Less => Err(changed(ChangeKind::Shrunk {
                        planned: size,
                        found: bytes.len() as u64,
                    })),
                    std::cmp::Ordering::Greater => Err(changed(ChangeKind::Grew { planned: size })),
                    std::cmp::Ordering::Equal => Ok(bytes),
                }
            }
            ContentSrc::Imported { .. } => Err(Error::Internal(format!(
                "imported content {c} cannot be patched"
            ))),
        }
    }

    /// LBA of the El Torito boot catalog, if the plan has one.
    pub fn boot_catalog_lba(&self) -> Option<u32> {
        self.layout.catalog
    }

    /// The boot images of the catalog in entry order.
    pub fn boot_images(&self) -> Vec<PlannedBootImage> {
        let Some(boot) = &self.boot else {
            return Vec::new();
        };
        boot.spec
            .entries
            .iter()
            .zip(&boot.images)
            .map(|(e, img)| {
                let (lba, size) = self.boot_image_location(img);
                PlannedBootImage {
                    lba,
                    size,
                    sectors: e.load_size.sectors(size),
                    platform: e.platform,
                    written: match *img {
                        ImageRef::Content { c, .. } => !matches!(
                            self.tree.contents[c as usize].src,
                            ContentSrc::Imported { .. }
                        ),
                        ImageRef::InPlace { .. } => false,
                    },
                    hidden: matches!(img, ImageRef::Content { hidden: true, .. }),
                    boot_info_table: e.boot_info_table,
                }
            })
            .collect()
    }

    /// The first BIOS (platform 0) boot image: (LBA, size).
    pub(crate) fn first_bios_image(&self) -> Option<(u32, u64)> {
        let boot = self.boot.as_ref()?;
        boot.spec
            .entries
            .iter()
            .zip(&boot.images)
            .find(|(e, _)| e.platform == Platform::X86)
            .map(|(_, img)| self.boot_image_location(img))
    }

    /// EFI (platform EFh) boot images: (LBA, size), in entry order.
    pub(crate) fn efi_images(&self) -> Vec<(u32, u64)> {
        let Some(boot) = &self.boot else {
            return Vec::new();
        };
        boot.spec
            .entries
            .iter()
            .zip(&boot.images)
            .filter(|(e, _)| e.platform == Platform::Efi)
            .map(|(_, img)| self.boot_image_location(img))
            .collect()
    }
}

/// A boot image as planned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PlannedBootImage {
    /// Absolute LBA (the Load RBA of the entry).
    pub lba: u32,
    /// Size in bytes.
    pub size: u64,
    /// Sector count recorded.
    pub sectors: u16,
    pub platform: Platform,
    /// Whether this session writes the image's data.
    pub written: bool,
    /// Whether the image is in no tree.
    pub hidden: bool,
    pub boot_info_table: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_size_full_rounds_to_blocks_and_caps() {
        assert_eq!(LoadSize::Full.sectors(38_912), 76);
        assert_eq!(LoadSize::Full.sectors(1_474_560), 2880);
        assert_eq!(LoadSize::Full.sectors(1), 4);
        assert_eq!(LoadSize::Full.sectors(40 << 20), 0);
        assert_eq!(LoadSize::Sectors(4).sectors(1 << 30), 4);
    }

    #[test]
    fn sections_group_runs_of_one_platform() {
        let b = BootEntry::bios(&b"/a"[..]);
        let e = BootEntry::efi(&b"/e"[..]);
        let v = vec![b.clone(), b.clone(), b.clone(), e.clone(), e, b];
        assert_eq!(section_runs(&v), vec![1..3, 3..5, 5..6]);
        assert_eq!(section_runs(&v[..1]), Vec::<std::ops::Range<usize>>::new());
        let spec = ElTorito {
            entries: v,
            ..ElTorito::default()
        };
        assert_eq!(catalog_blocks(&spec), 1);
        let spec = ElTorito {
            entries: vec![BootEntry::bios(&b"/a"[..]); 63],
            ..ElTorito::default()
        };
        // validation + default + header + 62 = 65 entries.
        assert_eq!(catalog_blocks(&spec), 2);
    }

    #[test]
    fn parent_split() {
        assert_eq!(split_parent(b"/a/b/c").unwrap(), (&b"/a/b"[..], &b"c"[..]));
        assert_eq!(
            split_parent(b"boot.cat").unwrap(),
            (&b""[..], &b"boot.cat"[..])
        );
        assert!(split_parent(b"/").is_err());
    }
}
