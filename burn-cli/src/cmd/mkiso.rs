//! `burn mkiso`: plan an image from files, then stream it into a file or
//! standard output.
//!
//! A file output is written to a temporary file beside it and renamed over
//! it only once complete and synced, so a failure or Ctrl-C never leaves a
//! half-written image under the requested name. Existing block devices,
//! FIFOs and character devices are written in place.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use iso_writer::model::hex;
use iso_writer::write::{
    BootEntry, ElTorito, GraftSpec, Hybrid, ImportOptions, LoadSize, Options, Plan, ReplaySpec,
    Tree, WritebackFile, import_session, replay_boot,
};
use md5::{Digest, Md5};
use mmc::drive::Cancel;
use serde_json::{Value, json};

use super::image_file::{self, ImageFile};
use super::ls::open_image;
use super::{CmdResult, Ctx, iso_path};
use crate::cli::{BootOpts, ImageOpts, MkisoArgs};
use crate::exit::{Failure, interrupted_io};
use crate::output::{Outcome, human_bytes, path_text};
use crate::progress::{Event, Phase, Renderer};
use crate::signals;

/// ISO 9660 volume identifier: 32 characters (ECMA-119 §8.4.6).
const VOLID_MAX: usize = 32;
/// Joliet records identifiers in UCS-2: 16 characters in the same field.
const VOLID_JOLIET_MAX: usize = 16;

/// The writer options from the command line and `SOURCE_DATE_EPOCH`.
pub(super) fn image_options(o: &ImageOpts, ctx: &Ctx) -> Result<Options, Failure> {
    options_for(
        o.volid.volid.as_deref(),
        o.md5.enabled(),
        o.rock_ridge(),
        o.joliet(),
        ctx,
    )
}

/// The writer options for a volume id, MD5, Rock Ridge and Joliet, with
/// the dates of `SOURCE_DATE_EPOCH`.
pub(crate) fn options_for(
    volid: Option<&str>,
    md5: bool,
    rock_ridge: bool,
    joliet: bool,
    ctx: &Ctx,
) -> Result<Options, Failure> {
    let mut opts = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => {
            let epoch: i64 = v.trim().parse().map_err(|_| {
                Failure::usage(
                    format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds"),
                    Some("set it to a Unix time, e.g. $(git log -1 --format=%ct), or unset it"),
                )
            })?;
            Options::reproducible(epoch)
        }
        Err(_) => Options::default(),
    };
    opts.rock_ridge = rock_ridge;
    opts.joliet = joliet;
    opts.md5 = md5;
    if let Some(v) = volid {
        let n = v.chars().count();
        if n > VOLID_MAX {
            return Err(Failure::usage(
                format!("volume id {v:?} has {n} characters; at most {VOLID_MAX} fit"),
                None,
            ));
        }
        if !v.chars().all(|c| (' '..='~').contains(&c)) {
            ctx.ui.warn(&format!(
                "volume id {v:?}: the ISO 9660 volume id records characters outside ASCII as _"
            ));
        }
        if opts.joliet && n > VOLID_JOLIET_MAX {
            ctx.ui.warn(&format!(
                "volume id {v:?}: the Joliet tree records only its first {VOLID_JOLIET_MAX} characters"
            ));
        }
        opts.ids.volume = v.to_string();
    }
    if opts.md5 && !opts.rock_ridge {
        ctx.ui.warn(
            "without Rock Ridge only the session checksums are recorded, not each file's MD5",
        );
    }
    Ok(opts)
}

/// Builds the tree from `PATH[=ISO_PATH]` arguments.
pub(super) fn build_tree(paths: &[std::ffi::OsString]) -> Result<Tree, Failure> {
    let mut tree = Tree::new();
    for arg in paths {
        let spec = GraftSpec::parse(arg);
        if spec.source.as_os_str().is_empty() {
            return Err(Failure::usage(
                format!("{:?}: no file or directory before `=`", arg),
                Some("write PATH or PATH=ISO_PATH"),
            ));
        }
        tree.graft_spec(&spec)?;
    }
    Ok(tree)
}

/// The El Torito catalog and isohybrid MBR/GPT of the boot options.
pub(crate) fn apply_boot(b: &BootOpts, opts: &mut Options) -> Result<(), Failure> {
    if !b.any() {
        return Ok(());
    }
    let mut el = ElTorito::default();
    if let Some(c) = &b.boot_catalog {
        el.catalog_path = Some(iso_path(Some(c)));
    }
    if let Some(p) = &b.boot_image {
        let mut e = BootEntry::bios(iso_path(Some(p)));
        if let Some(n) = b.boot_load_size {
            e.load_size = LoadSize::Sectors(n);
        }
        e.boot_info_table = b.boot_info_table;
        el.entries.push(e);
    }
    if let Some(p) = &b.efi_boot {
        el.entries.push(BootEntry::efi(iso_path(Some(p))));
    }
    opts.el_torito = Some(el);
    if let Some(f) = &b.isohybrid {
        let name = path_text(f);
        let bytes = std::fs::read(f).map_err(|e| Failure::io(format!("cannot read {name}"), e))?;
        if bytes.len() < MBR_BOOT_CODE {
            return Err(Failure::usage(
                format!(
                    "{name} has {} bytes: an isohybrid MBR template has at least {MBR_BOOT_CODE}",
                    bytes.len()
                ),
                Some("ISOLINUX's is /usr/lib/ISOLINUX/isohdpfx.bin (package isolinux)"),
            ));
        }
        let mut h = Hybrid::isolinux(bytes);
        h.gpt = b.isohybrid_gpt;
        opts.hybrid = Some(h);
    }
    Ok(())
}

/// Bytes of MBR boot code an isohybrid template provides.
const MBR_BOOT_CODE: usize = 432;

/// What `--from OLD.iso` contributes: the tree of its newest session with
/// the new grafts over it, its boot setup with `--boot-replay`, and what
/// precedes the new session in the output.
fn from_old(
    old: &Path,
    paths: &[std::ffi::OsString],
    opts: &mut Options,
    keep_volid: bool,
    replay: bool,
    ctx: &Ctx,
) -> Result<(Tree, File, u64), Failure> {
    let name = path_text(old);
    let mut img = open_image(&old.to_path_buf())?;
    let vol = img.volume().clone();
    if keep_volid {
        opts.ids.volume = vol.volume_id.trim_end().to_string();
    }
    let mut tree = Tree::new();
    if let Some(t) = opts.volume_time {
        tree.set_default_time(t);
    }
    let io = ImportOptions {
        compute_missing_md5: opts.md5 && opts.rock_ridge,
    };
    import_session(&mut img, &mut tree, &io)?;
    if replay {
        let r = replay_boot(&mut img, &mut tree, &ReplaySpec::default())?;
        if r.el_torito.is_none() && r.system_area.is_none() {
            ctx.ui.warn(&format!(
                "{name} has no boot setup to keep: the image will not boot"
            ));
        }
        for n in &r.notes {
            log::info!("{n}");
        }
        r.apply(opts);
    }
    drop(img);
    for arg in paths {
        let spec = GraftSpec::parse(arg);
        if spec.source.as_os_str().is_empty() {
            return Err(Failure::usage(
                format!("{:?}: no file or directory before `=`", arg),
                Some("write PATH or PATH=ISO_PATH"),
            ));
        }
        tree.graft_spec(&spec)?;
    }
    let file = File::open(old).map_err(|e| Failure::io(format!("cannot open {name}"), e))?;
    let old_len = file
        .metadata()
        .map_err(|e| Failure::io(format!("cannot read {name}"), e))?
        .len();
    // The new session goes after everything OLD.iso holds, at a 64 KiB
    // boundary (the session alignment of the multisession emulation).
    let end = old_len
        .div_ceil(iso_writer::BLOCK as u64)
        .max(u64::from(vol.session_start) + u64::from(vol.volume_space_size));
    let start = u32::try_from(end.div_ceil(HEAD_BLOCKS) * HEAD_BLOCKS)
        .map_err(|_| Failure::usage(format!("{name} is too large to grow"), None))?;
    opts.start_lba = start;
    Ok((tree, file, old_len))
}

/// Blocks of the head at LBA 0 that the new session's descriptors take.
const HEAD_BLOCKS: u64 = 32;

pub fn run(a: MkisoArgs, ctx: &Ctx) -> CmdResult {
    let mut opts = image_options(&a.image, ctx)?;
    if a.boot_replay && a.boot.any() {
        return Err(Failure::usage(
            "--boot-replay keeps the boot setup of the --from image; give it or boot options, \
             not both",
            None,
        ));
    }
    apply_boot(&a.boot, &mut opts)?;
    // The output first: a bad output path fails before a long scan.
    let mut out = match &a.output {
        None => None,
        Some(p) => Some(ImageFile::create(
            p,
            "redirect standard output (> FILE, | burn write -) or give -o FILE",
            "image.iso",
        )?),
    };

    let mut progress = Renderer::new(&ctx.ui);
    progress.update(Event::bytes(Phase::Scanning, 0, None));
    let (tree, old) = match &a.from {
        None => (build_tree(&a.paths)?, None),
        Some(old) => {
            let keep_volid = a.image.volid.volid.is_none();
            let (t, f, len) = from_old(old, &a.paths, &mut opts, keep_volid, a.boot_replay, ctx)?;
            (t, Some((f, len)))
        }
    };
    let plan = Plan::new(tree, &opts)?;
    progress.finish();
    let base = match old {
        None => None,
        Some((old, old_len)) => Some(base_for(&plan, old, old_len)?),
    };
    let files = plan.file_count() as u64;
    // With --from the output is the old image and the new session.
    let (blocks, bytes) = if base.is_some() {
        let b = plan.end_lba();
        (b, u64::from(b) * iso_writer::BLOCK as u64)
    } else {
        (plan.total_blocks(), plan.total_bytes())
    };
    let boot = plan.boot_catalog_lba().is_some();
    let summary = |output: Option<String>, md5: Option<String>| Made {
        output,
        blocks,
        bytes,
        files,
        volume_id: opts.ids.volume.clone(),
        rock_ridge: opts.rock_ridge,
        joliet: opts.joliet,
        md5_tags: opts.md5,
        md5,
        bootable: boot,
        hybrid: opts.hybrid.is_some(),
    };
    let Some(out) = out.take() else {
        return Ok(Box::new(summary(None, None)));
    };

    let shown = out.name();
    let total = plan.total_bytes();
    signals::graceful(true);
    let result = write_image(out, &plan, base, &ctx.cancel, &mut |p| {
        progress.update(Event::bytes(
            Phase::Writing,
            u64::from(p.done_blocks) * iso_writer::BLOCK as u64,
            Some(total),
        ));
    });
    signals::graceful(false);
    progress.finish();
    drop(progress);
    let report = result.map_err(|f| {
        if ctx.cancel.is_cancelled() {
            Failure::Interrupted {
                note: Some(if shown == "-" {
                    "the image on standard output is incomplete".into()
                } else {
                    format!("{shown} was not written")
                }),
            }
        } else {
            f
        }
    })?;
    let (report, whole_md5) = report;
    let md5 = whole_md5.or_else(|| report.md5.map(|m| m.to_vec()));
    Ok(Box::new(summary(Some(shown), md5.map(|m| hex(&m)))))
}

/// The base of a `--from` output; refuses a plan that would keep data
/// of OLD.iso in the blocks the new head overwrites.
fn base_for(plan: &Plan, old: File, old_len: u64) -> Result<Base, Failure> {
    let head = plan.emulated_head();
    let head_blocks = (head.len() / iso_writer::BLOCK) as u32;
    let kept_low = plan
        .files()
        .into_iter()
        .find(|f| !f.written && f.extents.iter().any(|x| x.len > 0 && x.lba < head_blocks))
        .map(|f| String::from_utf8_lossy(&f.path).into_owned())
        .or_else(|| {
            plan.boot_images()
                .iter()
                .find(|b| !b.written && b.lba < head_blocks)
                .map(|b| format!("the boot image at LBA {}", b.lba))
        });
    if let Some(what) = kept_low {
        return Err(Failure::usage(
            format!(
                "{what} lies in the first {head_blocks} blocks of the old image, which the new \
                 session's descriptors replace"
            ),
            Some("make the new image from the old one's files instead (extract, then mkiso)"),
        ));
    }
    Ok(Base {
        head,
        old,
        old_len,
        start_bytes: u64::from(plan.start_lba()) * iso_writer::BLOCK as u64,
    })
}

/// Emits the plan (after `base`, with --from), then makes the output
/// final. Returns the emitter's report and, with a base, the MD5 of
/// everything written.
fn write_image(
    out: ImageFile,
    plan: &Plan,
    base: Option<Base>,
    cancel: &Cancel,
    progress: &mut dyn FnMut(iso_writer::write::Progress),
) -> Result<(iso_writer::write::EmitReport, Option<Vec<u8>>), Failure> {
    match out {
        ImageFile::Stdout => {
            let mut w = Cancellable::new(io::stdout().lock(), cancel);
            let r = emit_into(&mut w, plan, base, progress)?;
            w.inner
                .flush()
                .map_err(|e| Failure::io("cannot write to standard output", e))?;
            Ok(r)
        }
        ImageFile::Direct { file, path } => {
            let mut w = Cancellable::new(&file, cancel);
            let r = emit_into(&mut w, plan, base, progress)?;
            image_file::sync_in_place(&file, &path)?;
            Ok(r)
        }
        ImageFile::Temp { file, dest } => {
            let temp_path = file.path().to_path_buf();
            let result = (|| {
                // Start writeback early so the final sync has little left.
                let mut w = Cancellable::new(WritebackFile::new(file.as_file()), cancel);
                let r = emit_into(&mut w, plan, base, progress)?;
                image_file::persist(file, &dest)?;
                Ok(r)
            })();
            // Done or removed (NamedTempFile deletes itself on drop).
            signals::keep_on_exit(&temp_path);
            result
        }
    }
}

/// Writes `base` (if any) and the plan into `w`.
fn emit_into<W: Write>(
    w: &mut W,
    plan: &Plan,
    base: Option<Base>,
    progress: &mut dyn FnMut(iso_writer::write::Progress),
) -> Result<(iso_writer::write::EmitReport, Option<Vec<u8>>), Failure> {
    let Some(mut base) = base else {
        return Ok((plan.emit_with_progress(w, progress)?, None));
    };
    let mut h = Hashing {
        inner: w,
        md5: Md5::new(),
    };
    base.write_to(&mut h)
        .map_err(iso_writer::write::Error::Output)?;
    let r = plan.emit_with_progress(&mut h, progress)?;
    Ok((r, Some(h.md5.finalize().to_vec())))
}

/// A writer that hashes what passes.
struct Hashing<W: Write> {
    inner: W,
    md5: Md5,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What precedes the new session with `--from OLD.iso`: the new 64 KiB
/// head (the session's system area and volume descriptors, which readers
/// find at LBA 16), then OLD.iso after its first 64 KiB, then zeros up to
/// the session's start — the multisession emulation of image files
/// (`mmc-recipes.md` §8.2), streamed in LBA order.
pub(super) struct Base {
    head: Vec<u8>,
    old: File,
    old_len: u64,
    start_bytes: u64,
}

impl Base {
    fn write_to(&mut self, w: &mut dyn Write) -> io::Result<()> {
        let head_len = self.head.len() as u64;
        w.write_all(&self.head)?;
        let mut at = head_len;
        if self.old_len > head_len {
            self.old.seek(SeekFrom::Start(head_len))?;
            let want = self.old_len - head_len;
            let n = io::copy(&mut (&mut self.old).take(want), w)?;
            if n != want {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the old image became shorter while it was copied",
                ));
            }
            at += n;
        }
        let zeros = vec![0u8; 64 * 1024];
        while at < self.start_bytes {
            let n = (self.start_bytes - at).min(zeros.len() as u64) as usize;
            w.write_all(&zeros[..n])?;
            at += n as u64;
        }
        Ok(())
    }
}

/// A writer that fails once cancellation was requested, so that emission
/// stops at the next chunk.
struct Cancellable<'c, W: Write> {
    inner: W,
    cancel: &'c Cancel,
}

impl<'c, W: Write> Cancellable<'c, W> {
    fn new(inner: W, cancel: &'c Cancel) -> Self {
        Cancellable { inner, cancel }
    }
}

impl<W: Write> Write for Cancellable<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.is_cancelled() {
            return Err(interrupted_io());
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What was made (or, with --print-size, would be).
struct Made {
    /// `None` with --print-size.
    output: Option<String>,
    blocks: u32,
    bytes: u64,
    files: u64,
    volume_id: String,
    rock_ridge: bool,
    joliet: bool,
    md5_tags: bool,
    /// MD5 of the whole image as written (= `md5sum` of the file).
    md5: Option<String>,
    /// An El Torito boot catalog is recorded.
    bootable: bool,
    /// An isohybrid MBR (and GPT) is recorded.
    hybrid: bool,
}

impl Outcome for Made {
    fn kind(&self) -> &'static str {
        "mkiso"
    }

    fn is_summary(&self) -> bool {
        self.output.is_some()
    }

    fn json(&self) -> Value {
        json!({
            "output": self.output,
            "written": self.output.is_some(),
            "blocks": self.blocks,
            "bytes": self.bytes,
            "files": self.files,
            "volume_id": self.volume_id,
            "rock_ridge": self.rock_ridge,
            "joliet": self.joliet,
            "md5_tags": self.md5_tags,
            "md5": self.md5,
            "bootable": self.bootable,
            "isohybrid": self.hybrid,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let size = format!(
            "{} blocks of 2048 bytes ({} bytes, {})",
            self.blocks,
            self.bytes,
            human_bytes(self.bytes)
        );
        match &self.output {
            None => writeln!(out, "{size}"),
            Some(o) => {
                writeln!(
                    out,
                    "{}: {size}, {} file{}, volume id {:?}",
                    if o == "-" { "standard output" } else { o },
                    self.files,
                    if self.files == 1 { "" } else { "s" },
                    self.volume_id
                )?;
                match (self.bootable, self.hybrid) {
                    (true, true) => writeln!(out, "bootable from CD/DVD and USB (isohybrid)")?,
                    (true, false) => writeln!(out, "bootable (El Torito)")?,
                    _ => {}
                }
                if let Some(m) = &self.md5 {
                    writeln!(out, "MD5 of the image: {m}")?;
                }
                Ok(())
            }
        }
    }
}
