//! isohybrid system areas: an MBR, optionally with a GPT, in blocks 0–15
//! so that the image also boots as a disk (USB stick) — see [`Hybrid`].

use md5::{Digest, Md5 as Md5Hasher};

use super::Error;
use crate::BLOCK;
use crate::spec::ecma119::SYSTEM_AREA_LEN;

/// What the image needs to boot from a disk as well as from a CD.
///
/// # MBR only (`xorriso -as mkisofs -isohybrid-mbr isohdpfx.bin -b …`)
///
/// Sector 0 of the image (byte-compared with xorriso 1.5.4):
///
/// | Bytes | Content |
/// |---|---|
/// | 0–431 | boot code: the first 432 bytes of [`Hybrid::mbr_template`] |
/// | 432–439 | 64-bit LE: LBA of the first BIOS boot image × 4 (512-byte sectors; isohdpfx.S `lba_offset`), for [`MbrBootCode::Isolinux`]; × 4 + 4 for [`MbrBootCode::Grub2`] (libisofs `Libisofs_grub2_mbr_patch_offsT`) |
/// | 440–443 | disk signature ([`Hybrid::disk_signature`], else derived from the volume's identity) |
/// | 444–445 | zero |
/// | 446–461 | partition 1: status 80h, type 17h, start 0, the whole image (CHS with 64 heads × 32 sectors) |
/// | 462–509 | zero (partitions 2–4) |
/// | 510–511 | 55 AA |
///
/// The image is padded to a whole number of cylinders (64 × 32 × 512 =
/// 1 MiB); above 1024 such cylinders the geometry grows (32 sectors and
/// up to 255 heads, then 63 sectors) the way libisofs chooses it, and
/// beyond what 1024 cylinders can describe the image is not padded.
///
/// # With GPT ([`Hybrid::gpt`], the role of `-isohybrid-gpt-basdat`)
///
/// A layout `sgdisk -v` accepts (UEFI 2.x §5.2.3, §5.3), which xorriso's
/// own `-isohybrid-gpt-basdat` is not (its MBR partitions overlap and its
/// GPT partition 1 starts at sector 0, over the GPT itself):
///
/// * sector 0: boot code and pointer as above, and a *protective* MBR:
///   one partition of type EEh from sector 1 to the end (status 00h, or
///   80h with [`Hybrid::mbr_bootable`] for BIOSes that want an active
///   partition). BIOS boot through the MBR code is unaffected: isohdpfx
///   reads the pointer at 432, not the partition table.
/// * sector 1: GPT header; sectors 2–33: 128 partition entries; first
///   usable sector 34.
/// * entries, in disk order: an EFI System Partition (type
///   C12A7328-F81F-11D2-BA4B-00A0C93EC93B) exactly over each EFI (EFh)
///   boot image, and "ISO9660" basic data partitions (type
///   EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, attributes required +
///   read-only as xorriso sets them) over the rest of the image, so that
///   partition tools see no free space to reuse.
/// * the last 33 sectors of the image: backup entries and backup header.
///
/// GUIDs are derived from the volume's identity (reproducible images);
/// CRC-32 is the IEEE 802.3 polynomial as UEFI requires.
///
/// Partitions and sizes are absolute (from LBA 0 of the medium): for a
/// session above LBA 0 on an emulated medium the MBR and GPT take effect
/// through [`Plan::emulated_head`](super::Plan::emulated_head), which
/// carries this system area to LBA 0, and the backup GPT ends the new
/// session. The ISOLINUX signature of the BIOS image is not checked (that
/// would be I/O at plan time); xorriso reports it as
/// `isohybrid-suitable`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hybrid {
    /// MBR boot code, e.g. `/usr/lib/ISOLINUX/isohdpfx.bin` (package
    /// `isolinux`); its first 432 bytes are used (an empty template keeps
    /// bytes 0–431 of [`Options::system_area`](super::Options::system_area)).
    pub mbr_template: Vec<u8>,
    pub boot_code: MbrBootCode,
    /// Add a GPT (see above).
    pub gpt: bool,
    /// Mark the protective MBR partition active (GPT mode; xorriso
    /// `--mbr-force-bootable`). In MBR-only mode partition 1 is always
    /// active.
    pub mbr_bootable: bool,
    /// Disk signature at byte 440; `None`: derived from the volume.
    pub disk_signature: Option<u32>,
}

impl Hybrid {
    /// `-isohybrid-mbr FILE`: ISOLINUX's hybrid MBR with its bytes.
    pub fn isolinux(mbr_template: Vec<u8>) -> Hybrid {
        Hybrid {
            mbr_template,
            boot_code: MbrBootCode::Isolinux,
            gpt: false,
            mbr_bootable: false,
            disk_signature: None,
        }
    }
}

/// Which pointer to the BIOS boot image the boot code expects at byte 432.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MbrBootCode {
    /// ISOLINUX `isohdpfx.bin`: the boot image's 512-byte sector
    /// (LBA × 4), 64-bit little-endian.
    Isolinux,
    /// GRUB 2 `boot_hybrid.img` (`--grub2-mbr`): LBA × 4 + 4, 64-bit
    /// little-endian (the sector after GRUB's 2048-byte cdboot.img).
    Grub2,
    /// No pointer: bytes 432–439 stay as in the template.
    None,
}

/// MBR layout (the de-facto IBM PC format; UEFI 2.x §5.2.1 table 5-1).
mod mbr {
    pub const BOOT_CODE_LEN: usize = 432;
    pub const BOOT_POINTER: usize = 432;
    pub const DISK_SIGNATURE: usize = 440;
    pub const PARTITIONS: usize = 446;
    pub const SIGNATURE: usize = 510;
    /// Partition type of the isohybrid partition ("hidden NTFS" by
    /// number; what isohybrid and xorriso record).
    pub const TYPE_ISOHYBRID: u8 = 0x17;
    /// Protective MBR partition type (UEFI §5.2.3).
    pub const TYPE_PROTECTIVE: u8 = 0xee;
}

/// GPT layout (UEFI 2.x §5.3.2 table 5-5, §5.3.3 table 5-6).
mod gpt {
    pub const SIGNATURE: &[u8; 8] = b"EFI PART";
    pub const REVISION: u32 = 0x0001_0000;
    pub const HEADER_SIZE: u32 = 92;
    pub const ENTRY_SIZE: usize = 128;
    /// Entries written: the minimum array of 16 KiB the spec asks for.
    pub const ENTRIES: usize = 128;
    /// Sectors of the entry array.
    pub const ARRAY_SECTORS: u64 = (ENTRIES * ENTRY_SIZE / 512) as u64;
    /// First usable sector: right after the entry array (sgdisk warns
    /// about a gap there).
    pub const FIRST_USABLE: u64 = 2 + ARRAY_SECTORS;
    /// Attributes of the partitions over the ISO 9660 data: bit 0
    /// (required by the platform) and bit 60 (read-only), as xorriso.
    pub const ATTR_ISO: u64 = (1 << 60) | 1;
    /// EFI System Partition C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
    pub const TYPE_ESP: [u8; 16] = super::guid(
        0xc12a_7328,
        0xf81f,
        0x11d2,
        [0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b],
    );
    /// Basic data EBD0A0A2-B9E5-4433-87C0-68B6B72699C7.
    pub const TYPE_BASIC_DATA: [u8; 16] = super::guid(
        0xebd0_a0a2,
        0xb9e5,
        0x4433,
        [0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7],
    );
}

/// A GUID in its on-disc byte order (UEFI 2.x appendix A: the first three
/// fields little-endian, the last eight bytes as written).
const fn guid(a: u32, b: u16, c: u16, d: [u8; 8]) -> [u8; 16] {
    let a = a.to_le_bytes();
    let b = b.to_le_bytes();
    let c = c.to_le_bytes();
    [
        a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6],
        d[7],
    ]
}

/// CRC-32 of IEEE 802.3 (reflected polynomial EDB88320h, initial value
/// and final XOR FFFFFFFFh), the checksum of GPT headers and entry arrays
/// (UEFI 2.x §5.3.2). Table-driven; 20 lines do not warrant a dependency.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    !data.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// Cylinder/head/sector geometry of the MBR's CHS fields.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Geometry {
    pub(crate) heads: u32,
    pub(crate) sectors: u32,
}

impl Geometry {
    /// 512-byte sectors per cylinder.
    fn cylinder(self) -> u64 {
        u64::from(self.heads) * u64::from(self.sectors)
    }

    /// The geometry for an image of `sectors` 512-byte sectors and whether
    /// the image can be padded to whole cylinders (at most 1024 of them):
    /// 64 heads × 32 sectors while that reaches; else the fewest heads
    /// (≤ 255) with 32, then 63 sectors per head that reach 1024
    /// cylinders, the cylinder size a multiple of 4 sectors (libisofs
    /// `iso_align_isohybrid`, `try_sph`).
    pub(crate) fn for_image(sectors: u64) -> (Geometry, bool) {
        let default = Geometry {
            heads: 64,
            sectors: 32,
        };
        if default.cylinder() * 1024 >= sectors {
            return (default, true);
        }
        let try_sph = |sph: u64| -> Option<u32> {
            let mut hpc = sectors.div_ceil(sph * 1024);
            if !sph.is_multiple_of(4) {
                hpc = hpc.div_ceil(4) * 4;
            }
            (hpc <= 255).then_some(hpc as u32)
        };
        let g = match try_sph(32) {
            Some(h) => Geometry {
                heads: h,
                sectors: 32,
            },
            None => Geometry {
                heads: try_sph(63).unwrap_or(255),
                sectors: 63,
            },
        };
        let fits = g.cylinder() * 1024 >= sectors && g.cylinder().is_multiple_of(4);
        (g, fits)
    }

    /// The 3 CHS bytes of sector `lba` (head, sector | cylinder bits 8–9
    /// << 6, cylinder bits 0–7); `None` beyond 1024 cylinders.
    fn chs(self, lba: u64) -> Option<[u8; 3]> {
        let cyl = lba / self.cylinder();
        if cyl >= 1024 {
            return None;
        }
        let rem = lba % self.cylinder();
        let head = rem / u64::from(self.sectors);
        let sec = rem % u64::from(self.sectors) + 1;
        Some([
            head as u8,
            (sec as u8) | ((cyl >> 2) as u8 & 0xc0),
            cyl as u8,
        ])
    }

    /// CHS bytes as libisofs records them: beyond 1024 cylinders the
    /// largest address (cylinder 1023, last head, last sector).
    fn chs_clamped(self, lba: u64) -> [u8; 3] {
        self.chs(lba)
            .unwrap_or([(self.heads - 1) as u8, (self.sectors as u8) | 0xc0, 0xff])
    }
}

/// The first block after an image whose data ends at absolute block
/// `data_end`, with `hybrid` (padding to whole cylinders, room for the
/// backup GPT in its last 33 sectors).
pub(crate) fn image_end(hybrid: &Hybrid, data_end: u32) -> Result<u32, Error> {
    let min = u64::from(data_end) + if hybrid.gpt { gpt_tail_blocks() } else { 0 };
    let (g, align) = Geometry::for_image(min * 4);
    let end = if align {
        let cyl_blocks = g.cylinder() / 4;
        min.div_ceil(cyl_blocks) * cyl_blocks
    } else {
        log::warn!(
            "isohybrid: an image of {min} blocks exceeds 1024 cylinders of {}×{}; \
             not padded to whole cylinders (some BIOSes may refuse to boot it as a disk)",
            g.heads,
            g.sectors
        );
        min
    };
    u32::try_from(end).map_err(|_| Error::ImageTooLarge)
}

/// Blocks the backup GPT needs at the end (entries + header, 33 sectors).
fn gpt_tail_blocks() -> u64 {
    ((gpt::ARRAY_SECTORS + 1) * 512).div_ceil(BLOCK as u64)
}

/// The generated system area and backup GPT.
#[derive(Clone, Debug)]
pub(crate) struct HybridArea {
    /// 32 KiB written at the start of the session (and in the head of an
    /// emulated medium).
    pub(crate) system_area: Vec<u8>,
    /// The last 33 sectors of the image (GPT mode).
    pub(crate) gpt_backup: Option<Vec<u8>>,
}

/// Inputs of [`build`].
pub(crate) struct HybridInputs<'a> {
    /// Existing system area to start from (zero-padded).
    pub(crate) base: Option<&'a [u8]>,
    /// First block after the image (absolute): partitions end there.
    pub(crate) end: u32,
    /// First BIOS boot image (LBA, size).
    pub(crate) bios: Option<(u32, u64)>,
    /// EFI boot images (LBA, size).
    pub(crate) efi: Vec<(u32, u64)>,
    /// Bytes identifying the volume, for the disk signature and GUIDs.
    pub(crate) identity: Vec<u8>,
}

/// 16 bytes derived from the volume identity and a label.
fn derive(identity: &[u8], label: &[u8]) -> [u8; 16] {
    let mut h = Md5Hasher::new();
    h.update(b"burn isohybrid ");
    h.update(label);
    h.update(identity);
    h.finalize().into()
}

/// A version 4 (random) GUID from derived bytes (RFC 4122 §4.4 bits).
fn derived_guid(identity: &[u8], label: &[u8]) -> [u8; 16] {
    let mut g = derive(identity, label);
    g[7] = (g[7] & 0x0f) | 0x40;
    g[8] = (g[8] & 0x3f) | 0x80;
    g
}

/// One MBR partition entry (16 bytes at 446 + 16·i).
fn mbr_entry(
    status: u8,
    kind: u8,
    start: u64,
    count: u64,
    g: Geometry,
    protective: bool,
) -> [u8; 16] {
    let mut e = [0u8; 16];
    e[0] = status;
    let last = start + count.max(1) - 1;
    e[1..4].copy_from_slice(&g.chs_clamped(start));
    e[4] = kind;
    let end = if protective {
        // UEFI §5.2.3: FFFFFFh when not representable.
        g.chs(last).unwrap_or([0xff; 3])
    } else {
        g.chs_clamped(last)
    };
    e[5..8].copy_from_slice(&end);
    e[8..12].copy_from_slice(&u32::try_from(start).unwrap_or(u32::MAX).to_le_bytes());
    e[12..16].copy_from_slice(&u32::try_from(count).unwrap_or(u32::MAX).to_le_bytes());
    e
}

/// A GPT partition entry (UEFI §5.3.3).
struct GptEntry {
    type_guid: [u8; 16],
    guid: [u8; 16],
    first: u64,
    last: u64,
    attributes: u64,
    name: &'static str,
}

impl GptEntry {
    fn encode(&self) -> [u8; gpt::ENTRY_SIZE] {
        let mut e = [0u8; gpt::ENTRY_SIZE];
        e[0..16].copy_from_slice(&self.type_guid);
        e[16..32].copy_from_slice(&self.guid);
        e[32..40].copy_from_slice(&self.first.to_le_bytes());
        e[40..48].copy_from_slice(&self.last.to_le_bytes());
        e[48..56].copy_from_slice(&self.attributes.to_le_bytes());
        // Partition name: UTF-16LE, 36 code units.
        for (i, u) in self.name.encode_utf16().take(36).enumerate() {
            e[56 + 2 * i..58 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
        e
    }
}

/// A GPT header (UEFI §5.3.2) in its 512-byte sector.
fn gpt_header(
    my_lba: u64,
    alternate: u64,
    last_usable: u64,
    disk_guid: &[u8; 16],
    entries_lba: u64,
    entries_crc: u32,
) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[0..8].copy_from_slice(gpt::SIGNATURE);
    h[8..12].copy_from_slice(&gpt::REVISION.to_le_bytes());
    h[12..16].copy_from_slice(&gpt::HEADER_SIZE.to_le_bytes());
    h[24..32].copy_from_slice(&my_lba.to_le_bytes());
    h[32..40].copy_from_slice(&alternate.to_le_bytes());
    h[40..48].copy_from_slice(&gpt::FIRST_USABLE.to_le_bytes());
    h[48..56].copy_from_slice(&last_usable.to_le_bytes());
    h[56..72].copy_from_slice(disk_guid);
    h[72..80].copy_from_slice(&entries_lba.to_le_bytes());
    h[80..84].copy_from_slice(&(gpt::ENTRIES as u32).to_le_bytes());
    h[84..88].copy_from_slice(&(gpt::ENTRY_SIZE as u32).to_le_bytes());
    h[88..92].copy_from_slice(&entries_crc.to_le_bytes());
    let crc = crc32(&h[..gpt::HEADER_SIZE as usize]);
    h[16..20].copy_from_slice(&crc.to_le_bytes());
    h
}

fn hybrid_err(reason: impl Into<String>) -> Error {
    Error::Boot {
        what: "isohybrid system area".into(),
        reason: reason.into(),
    }
}

/// The system area (and backup GPT) of `h` for an image described by
/// `inp`.
pub(crate) fn build(h: &Hybrid, inp: &HybridInputs<'_>) -> Result<HybridArea, Error> {
    let mut sa = vec![0u8; SYSTEM_AREA_LEN];
    if let Some(base) = inp.base {
        sa[..base.len()].copy_from_slice(base);
    }
    if !h.mbr_template.is_empty() {
        if h.mbr_template.len() < mbr::BOOT_CODE_LEN {
            return Err(hybrid_err(format!(
                "the MBR template has {} bytes; its first {} bytes are the boot code",
                h.mbr_template.len(),
                mbr::BOOT_CODE_LEN
            )));
        }
        sa[..mbr::BOOT_CODE_LEN].copy_from_slice(&h.mbr_template[..mbr::BOOT_CODE_LEN]);
    }
    let pointer = match h.boot_code {
        MbrBootCode::None => None,
        code => {
            let (lba, _) = inp.bios.ok_or_else(|| {
                hybrid_err("the MBR boot code needs a BIOS (platform 0) El Torito boot image")
            })?;
            let s = u64::from(lba) * 4;
            Some(if code == MbrBootCode::Grub2 { s + 4 } else { s })
        }
    };
    if let Some(p) = pointer {
        sa[mbr::BOOT_POINTER..mbr::BOOT_POINTER + 8].copy_from_slice(&p.to_le_bytes());
    }
    let identity = &inp.identity;
    let sig = h.disk_signature.unwrap_or_else(|| {
        u32::from_le_bytes(
            derive(identity, b"disk signature")[..4]
                .try_into()
                .unwrap_or([0; 4]),
        )
    });
    sa[mbr::DISK_SIGNATURE..mbr::DISK_SIGNATURE + 4].copy_from_slice(&sig.to_le_bytes());
    sa[mbr::DISK_SIGNATURE + 4..mbr::DISK_SIGNATURE + 6].fill(0);
    sa[mbr::PARTITIONS..mbr::SIGNATURE].fill(0);
    sa[mbr::SIGNATURE..mbr::SIGNATURE + 2].copy_from_slice(&[0x55, 0xaa]);

    let total = u64::from(inp.end) * 4;
    let (g, _) = Geometry::for_image(total);
    if !h.gpt {
        let e = mbr_entry(0x80, mbr::TYPE_ISOHYBRID, 0, total, g, false);
        sa[mbr::PARTITIONS..mbr::PARTITIONS + 16].copy_from_slice(&e);
        return Ok(HybridArea {
            system_area: sa,
            gpt_backup: None,
        });
    }

    let status = if h.mbr_bootable { 0x80 } else { 0 };
    let e = mbr_entry(status, mbr::TYPE_PROTECTIVE, 1, total - 1, g, true);
    sa[mbr::PARTITIONS..mbr::PARTITIONS + 16].copy_from_slice(&e);

    // Partition entries: ESPs over the EFI images, basic data elsewhere.
    let last_usable = total - 1 - gpt::ARRAY_SECTORS - 1;
    let mut esps: Vec<(u64, u64)> = inp
        .efi
        .iter()
        .map(|&(lba, size)| {
            let first = u64::from(lba) * 4;
            (first, first + size.div_ceil(512).max(1) - 1)
        })
        .collect();
    esps.sort_unstable();
    esps.dedup();
    for w in esps.windows(2) {
        if w[1].0 <= w[0].1 {
            return Err(hybrid_err("two EFI boot images overlap"));
        }
    }
    if let Some(&(first, last)) = esps
        .iter()
        .find(|&&(f, l)| f < gpt::FIRST_USABLE || l > last_usable)
    {
        return Err(hybrid_err(format!(
            "the EFI boot image at sectors {first}–{last} lies outside the GPT's usable sectors"
        )));
    }
    let disk_guid = derived_guid(identity, b"disk guid");
    let mut parts: Vec<GptEntry> = Vec::new();
    let mut next = gpt::FIRST_USABLE;
    let push_gap = |parts: &mut Vec<GptEntry>, from: u64, to_incl: u64| {
        if from <= to_incl {
            let n = parts.len();
            parts.push(GptEntry {
                type_guid: gpt::TYPE_BASIC_DATA,
                guid: derived_guid(identity, format!("partition {n}").as_bytes()),
                first: from,
                last: to_incl,
                attributes: gpt::ATTR_ISO,
                name: "ISO9660",
            });
        }
    };
    for &(first, last) in &esps {
        push_gap(&mut parts, next, first.saturating_sub(1));
        let n = parts.len();
        parts.push(GptEntry {
            type_guid: gpt::TYPE_ESP,
            guid: derived_guid(identity, format!("partition {n}").as_bytes()),
            first,
            last,
            attributes: 0,
            name: "EFI boot image",
        });
        next = last + 1;
    }
    push_gap(&mut parts, next, last_usable);
    if parts.len() > gpt::ENTRIES {
        return Err(hybrid_err("more GPT partitions than the 128 entries hold"));
    }
    let mut array = vec![0u8; gpt::ENTRIES * gpt::ENTRY_SIZE];
    for (i, p) in parts.iter().enumerate() {
        array[i * gpt::ENTRY_SIZE..(i + 1) * gpt::ENTRY_SIZE].copy_from_slice(&p.encode());
    }
    let array_crc = crc32(&array);
    let backup_lba = total - 1;
    let backup_array = backup_lba - gpt::ARRAY_SECTORS;
    let primary = gpt_header(1, backup_lba, last_usable, &disk_guid, 2, array_crc);
    sa[512..1024].copy_from_slice(&primary);
    sa[1024..1024 + array.len()].copy_from_slice(&array);
    let backup = gpt_header(
        backup_lba,
        1,
        last_usable,
        &disk_guid,
        backup_array,
        array_crc,
    );
    let mut tail = array;
    tail.extend_from_slice(&backup);
    Ok(HybridArea {
        system_area: sa,
        gpt_backup: Some(tail),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_values() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn guids_in_disc_order() {
        // sgdisk prints C12A7328-F81F-11D2-BA4B-00A0C93EC93B for these bytes.
        assert_eq!(
            gpt::TYPE_ESP,
            [
                0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e,
                0xc9, 0x3b
            ]
        );
        // xorriso -report_system_area prints a2a0d0ebe5b9334487c068b6b72699c7.
        assert_eq!(
            gpt::TYPE_BASIC_DATA,
            [
                0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44, 0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26,
                0x99, 0xc7
            ]
        );
    }

    #[test]
    fn geometry_like_libisofs() {
        // Up to 1 GiB: 64 × 32.
        let (g, a) = Geometry::for_image(4096);
        assert_eq!((g.heads, g.sectors, a), (64, 32, true));
        // 4 GiB: 32 sectors, 256 heads would be needed → 63 sectors.
        let (g, a) = Geometry::for_image(8 << 20);
        assert_eq!((g.heads, g.sectors, a), (132, 63, true));
        // 2 GiB: 128 heads × 32.
        let (g, a) = Geometry::for_image(4 << 20);
        assert_eq!((g.heads, g.sectors, a), (128, 32, true));
        // Beyond 255 × 63 × 1024: no alignment.
        let (_, a) = Geometry::for_image(1 << 40);
        assert!(!a);
    }

    #[test]
    fn chs_of_xorriso_isohybrid_partition() {
        // A 4096-sector image: partition 1 ends at CHS 1/63/32 (bytes 3f 20 01).
        let g = Geometry {
            heads: 64,
            sectors: 32,
        };
        assert_eq!(g.chs(0), Some([0, 1, 0]));
        assert_eq!(g.chs(1), Some([0, 2, 0]));
        assert_eq!(g.chs(4095), Some([0x3f, 0x20, 0x01]));
        assert_eq!(g.chs(2048 * 1024), None);
        assert_eq!(g.chs_clamped(2048 * 1024), [0x3f, 0xe0, 0xff]);
    }

    fn inputs(end: u32) -> HybridInputs<'static> {
        HybridInputs {
            base: None,
            end,
            bios: Some((34, 38_912)),
            efi: vec![(35, 1_474_560)],
            identity: b"test".to_vec(),
        }
    }

    #[test]
    fn mbr_only_matches_xorriso_sector_zero() {
        // xorriso 1.5.4 `-isohybrid-mbr isohdpfx.bin -b …` with the boot
        // image at LBA 34 in a 1024-block image: bytes 432–511.
        let h = Hybrid {
            disk_signature: Some(0x4ce2_dbc9),
            ..Hybrid::isolinux(vec![0xaa; 432])
        };
        let a = build(&h, &inputs(1024)).unwrap();
        let expect: [u8; 80] = {
            let mut e = [0u8; 80];
            e[0] = 0x88;
            e[8..12].copy_from_slice(&[0xc9, 0xdb, 0xe2, 0x4c]);
            e[14..30].copy_from_slice(&[
                0x80, 0x00, 0x01, 0x00, 0x17, 0x3f, 0x20, 0x01, 0, 0, 0, 0, 0x00, 0x10, 0, 0,
            ]);
            e[78] = 0x55;
            e[79] = 0xaa;
            e
        };
        assert_eq!(&a.system_area[432..512], &expect[..]);
        assert!(a.system_area[..432].iter().all(|&b| b == 0xaa));
        assert!(a.gpt_backup.is_none());
        assert_eq!(image_end(&h, 984).unwrap(), 1024);
        assert_eq!(image_end(&h, 1024).unwrap(), 1024);
        assert_eq!(image_end(&h, 1025).unwrap(), 1536);
    }

    #[test]
    fn grub2_pointer_and_missing_bios_image() {
        let h = Hybrid {
            boot_code: MbrBootCode::Grub2,
            ..Hybrid::isolinux(vec![0; 512])
        };
        let a = build(&h, &inputs(1024)).unwrap();
        assert_eq!(&a.system_area[432..440], &140u64.to_le_bytes());
        let mut i = inputs(1024);
        i.bios = None;
        assert!(build(&h, &i).unwrap_err().to_string().contains("BIOS"));
        assert!(
            build(&Hybrid::isolinux(vec![0; 100]), &inputs(1024))
                .unwrap_err()
                .to_string()
                .contains("432")
        );
    }

    #[test]
    fn gpt_headers_entries_and_backup() {
        let h = Hybrid {
            gpt: true,
            ..Hybrid::isolinux(vec![0; 432])
        };
        assert_eq!(image_end(&h, 1015).unwrap(), 1024);
        assert_eq!(image_end(&h, 1016).unwrap(), 1536);
        let a = build(&h, &inputs(1024)).unwrap();
        let sa = &a.system_area;
        // Protective partition.
        assert_eq!(
            &sa[446..462],
            &[
                0, 0, 2, 0, 0xee, 0x3f, 0x20, 0x01, 1, 0, 0, 0, 0xff, 0x0f, 0, 0
            ]
        );
        let hdr = &sa[512..1024];
        assert_eq!(&hdr[..8], b"EFI PART");
        let mut check = hdr[..92].to_vec();
        check[16..20].fill(0);
        assert_eq!(crc32(&check).to_le_bytes(), hdr[16..20]);
        assert_eq!(crc32(&sa[1024..1024 + 16384]).to_le_bytes(), hdr[88..92]);
        let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        assert_eq!(u64_at(hdr, 32), 4095);
        assert_eq!(u64_at(hdr, 48), 4095 - 33);
        // Entries: ISO 34..139, ESP 140..3019, ISO 3020..4062.
        let ent = |i: usize| &sa[1024 + 128 * i..1024 + 128 * (i + 1)];
        assert_eq!(&ent(0)[..16], &gpt::TYPE_BASIC_DATA);
        assert_eq!((u64_at(ent(0), 32), u64_at(ent(0), 40)), (34, 139));
        assert_eq!(&ent(1)[..16], &gpt::TYPE_ESP);
        assert_eq!(
            (u64_at(ent(1), 32), u64_at(ent(1), 40)),
            (140, 140 + 2880 - 1)
        );
        assert_eq!((u64_at(ent(2), 32), u64_at(ent(2), 40)), (3020, 4062));
        assert!(ent(3).iter().all(|&b| b == 0));
        // Backup: same array, header pointing back.
        let tail = a.gpt_backup.unwrap();
        assert_eq!(tail.len(), 33 * 512);
        assert_eq!(&tail[..16384], &sa[1024..1024 + 16384]);
        let b = &tail[16384..];
        assert_eq!(
            (u64_at(b, 24), u64_at(b, 32), u64_at(b, 72)),
            (4095, 1, 4063)
        );
    }
}
