//! Keeping an image bootable across a new session: the old El Torito
//! catalog and system area carried into the next plan (see
//! [`replay_boot`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Error;
use super::boot::{BootEntry, BootImage, ElTorito, LoadSize, MAX_PATCHED_BOOT_FILE};
use super::hybrid::{Hybrid, MbrBootCode};
use super::options::Options;
use super::tree::{ContentSrc, FileData, NodeId, Tree};
use crate::model::Kind;
use crate::read::{BlockRead, BootEntry as OldEntry, Emulation, Image, Platform};
use crate::spec::ecma119::VD_SET_START;
use crate::spec::eltorito::{BOOT_INFO_TABLE, BootInfoTable};

/// How [`replay_boot`] carries the old session's boot setup over.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReplaySpec {
    pub system_area: SystemAreaReplay,
    pub hidden_images: HiddenImageReplay,
}

/// What becomes of the old session's System Area (blocks S … S+15).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SystemAreaReplay {
    /// Not carried: the new session's system area is zeros (or what the
    /// caller sets).
    Discard,
    /// Copied byte for byte. Partition sizes then describe the old image
    /// and an isohybrid MBR still points at the old BIOS boot image.
    Verbatim,
    /// An isohybrid MBR (with or without GPT) is made anew for the new
    /// image with the old boot code and disk signature: partition sizes,
    /// the boot image pointer and the GPT follow the new layout (in the
    /// layout of [`Hybrid`], also when the old one was xorriso's). A
    /// system area that is not recognised as isohybrid is copied
    /// verbatim. The default.
    #[default]
    Refresh,
}

/// What becomes of boot images that are in no tree (Windows install
/// media, `-hide`): found through the catalog only.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum HiddenImageReplay {
    /// Referenced where they are ([`BootImage::InPlace`]): right for a new
    /// session on the same medium. The default.
    #[default]
    InPlace,
    /// Read into memory and written again ([`BootImage::Hidden`]), sized
    /// by [`crate::read::BootImageSize::best`].
    Copy,
}

/// The boot setup of an old session, ready for the next plan.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ReplayedBoot {
    /// The old catalog's entries, images resolved (`None`: no catalog).
    pub el_torito: Option<ElTorito>,
    /// The system area to start from.
    pub system_area: Option<Vec<u8>>,
    /// The isohybrid MBR/GPT to make anew ([`SystemAreaReplay::Refresh`]).
    pub hybrid: Option<Hybrid>,
    /// What was decided, in words (for the user).
    pub notes: Vec<String>,
}

impl ReplayedBoot {
    /// Set `opts.el_torito`, `opts.system_area` and `opts.hybrid`.
    pub fn apply(self, opts: &mut Options) {
        opts.el_torito = self.el_torito;
        opts.system_area = self.system_area;
        opts.hybrid = self.hybrid;
    }
}

/// Regular files of `tree` whose data is imported as one extent, by the
/// extent's LBA (the lexicographically first path when several share it).
fn imported_files_by_lba(tree: &Tree) -> BTreeMap<u32, (Vec<u8>, NodeId, u64)> {
    let mut out: BTreeMap<u32, (Vec<u8>, NodeId, u64)> = BTreeMap::new();
    let mut stack = vec![tree.root()];
    while let Some(d) = stack.pop() {
        for c in tree.children(d) {
            match tree.kind(c) {
                Kind::Dir => stack.push(c),
                Kind::File => {
                    let content = &tree.contents[tree.nodes[c.0 as usize].payload as usize];
                    if let ContentSrc::Imported { first, count: 1 } = content.src
                        && content.size > 0
                    {
                        let lba = tree.extents[first as usize].lba;
                        let path = tree.path(c);
                        match out.get(&lba) {
                            Some((p, _, _)) if *p <= path => {}
                            _ => {
                                out.insert(lba, (path, c, content.size));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn read_err(what: String) -> impl FnOnce(crate::read::Error) -> Error {
    move |e| Error::Boot {
        what,
        reason: format!("reading it from the old session failed: {e}"),
    }
}

/// Read the old session's boot setup from `img` into something the next
/// plan of `tree` can use. Call it after [`super::import_session`] of the
/// same session into `tree` and before changing the tree; then
/// [`ReplayedBoot::apply`] it to the new plan's options.
///
/// * Boot images are found through the old catalog, not by name: an
///   entry whose Load RBA is the extent of an imported file becomes
///   [`BootImage::File`] of that path (the file stays where it is); one
///   that is in no tree becomes [`BootImage::InPlace`] or
///   [`BootImage::Hidden`] per [`ReplaySpec::hidden_images`].
/// * Platform, emulation, boot indicator, load segment, system type and
///   sector count are carried as recorded; the validation entry's ID
///   string too; the catalog keeps its path, or stays hidden.
/// * An image carrying a boot info table (bytes 8–23 = old PVD LBA, its
///   own LBA, its length, as xorriso detects it) is read and written
///   again so that the table can point at the new session: a tree file
///   gets its bytes as new data ([`FileData::Memory`], same attributes),
///   a hidden image becomes [`BootImage::Hidden`].
/// * Floppy and hard disk emulation images are carried over in place
///   (they cannot be written anew yet, and need not be).
/// * The system area per [`ReplaySpec::system_area`].
pub fn replay_boot<R: BlockRead>(
    img: &mut Image<R>,
    tree: &mut Tree,
    spec: &ReplaySpec,
) -> Result<ReplayedBoot, Error> {
    let mut out = ReplayedBoot::default();
    let old_pvd = img.session_start() + VD_SET_START;
    let catalog = img.boot_catalog()?;
    let files = imported_files_by_lba(tree);
    let mut old_bios_lba = None;

    if let Some(cat) = &catalog {
        let mut entries = Vec::with_capacity(cat.entries.len());
        for old in &cat.entries {
            let what = format!("old boot entry {}", old.number);
            if old_bios_lba.is_none() && old.platform == Platform::X86 {
                old_bios_lba = Some(old.load_rba);
            }
            let file = files.get(&old.load_rba);
            let size = match file {
                Some((_, _, size)) => *size,
                None => img
                    .boot_image_size(old)
                    .map_err(read_err(what.clone()))?
                    .best(),
            };
            let table = boot_info_table(img, old, size, old_pvd, file.is_some())
                .map_err(read_err(what.clone()))?;
            let mut entry = BootEntry {
                image: BootImage::InPlace {
                    lba: old.load_rba,
                    size,
                },
                platform: old.platform,
                emulation: old.emulation,
                bootable: old.bootable,
                load_segment: old.load_segment,
                system_type: old.system_type,
                load_size: LoadSize::Sectors(old.sector_count),
                boot_info_table: false,
            };
            let in_place = old.emulation != Emulation::None;
            if in_place && table.is_some() {
                out.notes.push(format!(
                    "{what}: an emulated image keeps its old boot info table"
                ));
            }
            match file {
                Some((path, node, _)) => {
                    entry.image = BootImage::File(path.clone());
                    if let (Some(t), false) = (table, in_place) {
                        let bytes = read_image(img, old, u64::from(t.file_len), &what)?;
                        let meta = tree.metadata(*node);
                        let parent = tree.parent(*node);
                        let name = tree.name(*node).to_vec();
                        tree.add_file(parent, &name, &meta, FileData::Memory(bytes))?;
                        entry.boot_info_table = true;
                        out.notes.push(format!(
                            "{what} ({}): boot info table found; the file is written \
                             again with a table for the new session",
                            String::from_utf8_lossy(path)
                        ));
                    }
                }
                None if !in_place
                    && (table.is_some() || spec.hidden_images == HiddenImageReplay::Copy) =>
                {
                    let len = table.map_or(size, |t| u64::from(t.file_len));
                    let bytes = read_image(img, old, len, &what)?;
                    entry.image = BootImage::Hidden(bytes);
                    entry.boot_info_table = table.is_some();
                    out.notes.push(format!(
                        "{what}: image in no tree, {len} bytes copied{}",
                        if table.is_some() {
                            " (boot info table renewed)"
                        } else {
                            ""
                        }
                    ));
                }
                None => out.notes.push(format!(
                    "{what}: image in no tree kept in place at LBA {} ({size} bytes)",
                    old.load_rba
                )),
            }
            entries.push(entry);
        }
        let id = &cat
            .entries
            .first()
            .map(|e| e.id_string.clone())
            .unwrap_or_default();
        let id_len = id.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        out.el_torito = Some(ElTorito {
            catalog_path: files.get(&cat.lba).map(|(p, _, _)| p.clone()),
            id_string: id[..id_len.min(24)].to_vec(),
            entries,
        });
    }

    let sa = img.system_area()?;
    if sa.iter().all(|&b| b == 0) {
        return Ok(out);
    }
    match spec.system_area {
        SystemAreaReplay::Discard => {
            out.notes.push("old system area discarded".into());
        }
        SystemAreaReplay::Verbatim => {
            out.notes.push("old system area copied verbatim".into());
            out.system_area = Some(sa);
        }
        SystemAreaReplay::Refresh => {
            match refresh_hybrid(&sa, old_bios_lba) {
                Some(h) => {
                    out.notes.push(format!(
                        "old isohybrid {} made anew for the new image",
                        if h.gpt { "MBR and GPT" } else { "MBR" }
                    ));
                    out.hybrid = Some(h);
                }
                None => out
                    .notes
                    .push("old system area is no isohybrid MBR: copied verbatim".into()),
            }
            out.system_area = Some(sa);
        }
    }
    Ok(out)
}

/// The boot info table of an old image, if it carries one.
fn boot_info_table<R: BlockRead>(
    img: &mut Image<R>,
    old: &OldEntry,
    size: u64,
    old_pvd: u32,
    is_file: bool,
) -> crate::read::Result<Option<BootInfoTable>> {
    if size < BOOT_INFO_TABLE.end as u64 {
        return Ok(None);
    }
    let mut head = [0u8; 64];
    std::io::Read::read_exact(&mut img.open_boot_image(old, 64)?, &mut head).map_err(|e| {
        crate::read::Error::Io {
            lba: old.load_rba,
            blocks: 1,
            source: e,
        }
    })?;
    let Some(t) = BootInfoTable::parse(&head) else {
        return Ok(None);
    };
    let len_ok = if is_file {
        u64::from(t.file_len) == size
    } else {
        (64..=size.max(64)).contains(&u64::from(t.file_len))
    };
    Ok(
        (t.pvd_lba == old_pvd && t.file_lba == old.load_rba && len_ok)
            .then_some(t)
            .filter(|t| u64::from(t.file_len) <= MAX_PATCHED_BOOT_FILE),
    )
}

fn read_image<R: BlockRead>(
    img: &mut Image<R>,
    old: &OldEntry,
    len: u64,
    what: &str,
) -> Result<Arc<[u8]>, Error> {
    let mut v = Vec::with_capacity(len as usize);
    std::io::Read::read_to_end(
        &mut img
            .open_boot_image(old, len)
            .map_err(read_err(what.to_string()))?,
        &mut v,
    )
    .map_err(|e| Error::Boot {
        what: what.to_string(),
        reason: format!("reading it from the old session failed: {e}"),
    })?;
    Ok(v.into())
}

/// The isohybrid MBR (and GPT) of an old system area, to be made anew.
fn refresh_hybrid(sa: &[u8], old_bios_lba: Option<u32>) -> Option<Hybrid> {
    if sa.get(510..512)? != [0x55, 0xaa] {
        return None;
    }
    let parts: Vec<&[u8]> = (0..4).map(|i| &sa[446 + 16 * i..462 + 16 * i]).collect();
    let protective = parts.iter().find(|p| p[4] == 0xee);
    let gpt = sa.get(512..520)? == b"EFI PART" || protective.is_some();
    // isohybrid: a partition starting in the first 64 KiB (0, or the
    // partition offset of xorriso's -partition_offset 16) or a GPT.
    let isohybrid = gpt
        || parts
            .iter()
            .any(|p| p[4] != 0 && u32::from_le_bytes([p[8], p[9], p[10], p[11]]) < 128);
    if !isohybrid {
        return None;
    }
    let pointer = u64::from_le_bytes(sa[432..440].try_into().ok()?);
    let boot_code = match old_bios_lba.map(|l| u64::from(l) * 4) {
        Some(s) if pointer == s => MbrBootCode::Isolinux,
        Some(s) if pointer == s + 4 => MbrBootCode::Grub2,
        _ => MbrBootCode::None,
    };
    Some(Hybrid {
        mbr_template: Vec::new(),
        boot_code,
        gpt,
        mbr_bootable: protective.is_some_and(|p| p[0] == 0x80),
        disk_signature: Some(u32::from_le_bytes(sa[440..444].try_into().ok()?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isohybrid_system_areas_are_recognised() {
        let mut sa = vec![0u8; 32768];
        assert_eq!(refresh_hybrid(&sa, Some(34)), None);
        sa[510] = 0x55;
        sa[511] = 0xaa;
        // An MBR with one partition at sector 2048: not isohybrid.
        sa[446 + 4] = 0x83;
        sa[446 + 8..446 + 12].copy_from_slice(&2048u32.to_le_bytes());
        assert_eq!(refresh_hybrid(&sa, Some(34)), None);
        // xorriso's isohybrid MBR.
        sa[446 + 4] = 0x17;
        sa[446 + 8..446 + 12].fill(0);
        sa[432] = 0x88;
        sa[440..444].copy_from_slice(&0x4ce2_dbc9u32.to_le_bytes());
        let h = refresh_hybrid(&sa, Some(34)).unwrap();
        assert_eq!(
            (h.boot_code, h.gpt, h.disk_signature),
            (MbrBootCode::Isolinux, false, Some(0x4ce2_dbc9))
        );
        assert!(h.mbr_template.is_empty());
        assert_eq!(
            refresh_hybrid(&sa, Some(35)).unwrap().boot_code,
            MbrBootCode::None
        );
        sa[432] = 0x8c;
        assert_eq!(
            refresh_hybrid(&sa, Some(34)).unwrap().boot_code,
            MbrBootCode::Grub2
        );
        // With a GPT header.
        sa[512..520].copy_from_slice(b"EFI PART");
        assert!(refresh_hybrid(&sa, Some(34)).unwrap().gpt);
    }
}
