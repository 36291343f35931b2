//! `burn mkiso`: plan an image from files, then stream it into a file or
//! standard output.
//!
//! A file output is written to a temporary file beside it and renamed over
//! it only once complete and synced, so a failure or Ctrl-C never leaves a
//! half-written image under the requested name. Existing block devices,
//! FIFOs and character devices are written in place.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use iso_writer::model::hex;
use iso_writer::write::{GraftSpec, Options, Plan, Tree};
use mmc::drive::Cancel;
use serde_json::{Value, json};

use super::{CmdResult, Ctx};
use crate::cli::{ImageOpts, MkisoArgs};
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
    opts.rock_ridge = o.rock_ridge();
    opts.joliet = o.joliet();
    opts.md5 = o.md5.enabled();
    if let Some(v) = &o.volid.volid {
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
        opts.ids.volume = v.clone();
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

pub fn run(a: MkisoArgs, ctx: &Ctx) -> CmdResult {
    let opts = image_options(&a.image, ctx)?;
    // The output first: a bad output path fails before a long scan.
    let mut out = match &a.output {
        None => None,
        Some(p) => Some(Output::create(p)?),
    };

    let mut progress = Renderer::new(&ctx.ui);
    progress.update(Event::bytes(Phase::Scanning, 0, None));
    let tree = build_tree(&a.paths)?;
    let plan = Plan::new(tree, &opts)?;
    progress.finish();
    let files = plan.files().len() as u64;
    let summary = |output: Option<String>, md5: Option<String>| Made {
        output,
        blocks: plan.total_blocks(),
        bytes: plan.total_bytes(),
        files,
        volume_id: opts.ids.volume.clone(),
        rock_ridge: opts.rock_ridge,
        joliet: opts.joliet,
        md5_tags: opts.md5,
        md5,
    };
    let Some(out) = out.take() else {
        return Ok(Box::new(summary(None, None)));
    };

    let shown = out.name();
    let total = plan.total_bytes();
    signals::graceful(true);
    let result = out.write(&plan, &ctx.cancel, &mut |p| {
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
    Ok(Box::new(summary(Some(shown), report.md5.map(|m| hex(&m)))))
}

/// Where the image goes.
enum Output {
    Stdout,
    /// A temporary file beside `dest`, renamed over it when complete.
    Temp {
        file: tempfile::NamedTempFile,
        dest: PathBuf,
    },
    /// An existing device or FIFO, written in place.
    Direct {
        file: File,
        path: PathBuf,
    },
}

impl Output {
    fn create(path: &Path) -> Result<Output, Failure> {
        if path == Path::new("-") {
            if io::stdout().is_terminal() {
                return Err(Failure::usage(
                    "refusing to write an image to a terminal",
                    Some("redirect standard output (> FILE, | burn write -) or give -o FILE"),
                ));
            }
            return Ok(Output::Stdout);
        }
        let shown = path_text(path);
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(Failure::usage(
                    format!("{shown} is a directory"),
                    Some("give the image file's name, e.g. -o DIR/image.iso"),
                ));
            }
            Ok(m) if !m.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Failure::io(format!("cannot open {shown}"), e))?;
                return Ok(Output::Direct {
                    file,
                    path: path.to_path_buf(),
                });
            }
            _ => {}
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Failure::usage(format!("{shown} is not a file name"), None))?;
        let file = tempfile::Builder::new()
            .prefix(&format!(".{base}."))
            .suffix(".part")
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| Failure::io(format!("cannot create {shown}"), e))?;
        signals::remove_on_exit(file.path());
        Ok(Output::Temp {
            file,
            dest: path.to_path_buf(),
        })
    }

    fn name(&self) -> String {
        match self {
            Output::Stdout => "-".into(),
            Output::Temp { dest, .. } => path_text(dest),
            Output::Direct { path, .. } => path_text(path),
        }
    }

    /// Emits the plan, then makes the output final.
    fn write(
        self,
        plan: &Plan,
        cancel: &Cancel,
        progress: &mut dyn FnMut(iso_writer::write::Progress),
    ) -> Result<iso_writer::write::EmitReport, Failure> {
        match self {
            Output::Stdout => {
                let mut w = Cancellable::new(io::stdout().lock(), cancel);
                let r = plan.emit_with_progress(&mut w, progress)?;
                w.inner
                    .flush()
                    .map_err(|e| Failure::io("cannot write to standard output", e))?;
                Ok(r)
            }
            Output::Direct { file, path } => {
                let mut w = Cancellable::new(&file, cancel);
                let r = plan.emit_with_progress(&mut w, progress)?;
                // Block devices must reach the medium; FIFOs and character
                // devices cannot be synced.
                if let Err(e) = file.sync_all()
                    && e.raw_os_error() != Some(libc::EINVAL)
                {
                    return Err(Failure::io(format!("cannot write {}", path_text(&path)), e));
                }
                Ok(r)
            }
            Output::Temp { file, dest } => {
                let temp_path = file.path().to_path_buf();
                let result = (|| {
                    let mut w = Cancellable::new(file.as_file(), cancel);
                    let r = plan.emit_with_progress(&mut w, progress)?;
                    file.as_file().sync_all().map_err(|e| {
                        Failure::io(format!("cannot write {}", path_text(&dest)), e)
                    })?;
                    file.persist(&dest).map_err(|e| {
                        Failure::io(format!("cannot create {}", path_text(&dest)), e.error)
                    })?;
                    Ok(r)
                })();
                // Done or removed (NamedTempFile deletes itself on drop).
                signals::keep_on_exit(&temp_path);
                result
            }
        }
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
                if let Some(m) = &self.md5 {
                    writeln!(out, "MD5 of the image: {m}")?;
                }
                Ok(())
            }
        }
    }
}
