//! `burn extract`: copy files out of an image file or a disc, never
//! outside the destination (the reader's confinement: every name checked,
//! every call relative to directories opened with `O_NOFOLLOW`).

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use iso_writer::read::{BlockRead, ExtractOptions, ExtractReport, Image};
use serde_json::{Value, json};

use super::ls::{Source, open_image, split_source};
use super::{CmdResult, Ctx, iso_path};
use crate::cli::ExtractArgs;
use crate::exit::Failure;
use crate::output::{Outcome, human_bytes, path_text};

const USAGE: &str =
    "usage: burn extract IMAGE ISO_PATH DEST, or burn extract --dev ADDR ISO_PATH DEST";

pub fn run(a: ExtractArgs, ctx: &Ctx) -> CmdResult {
    let positional: Vec<OsString> = [Some(a.first), Some(a.second), a.third]
        .into_iter()
        .flatten()
        .collect();
    let (source, rest) = split_source(ctx, positional, 2, 3, USAGE)?;
    let [path, dest]: [OsString; 2] = rest
        .try_into()
        .map_err(|_| Failure::usage("missing DEST", Some(USAGE)))?;
    let path = iso_path(Some(&path));
    let mut dest = PathBuf::from(dest);

    let opts = ExtractOptions {
        overwrite: a.overwrite,
        owners: a.owners,
        special_files: a.special,
        ..ExtractOptions::default()
    };
    let name = source.name();
    let report = match &source {
        Source::File(p) => {
            let mut img = open_image(p)?;
            extract(&mut img, &name, &path, &mut dest, &opts)?
        }
        Source::Drive(_) => {
            let mut rec = super::drive::open(ctx, super::drive::Access::Read)?;
            let mut img = burn_cli::disc::open_image(&mut rec, None)?;
            extract(&mut img, &name, &path, &mut dest, &opts)?
        }
    };
    for s in &report.skipped {
        ctx.ui.warn(&format!(
            "skipped {}: {}",
            s.path.to_string_lossy(),
            s.reason
        ));
    }
    Ok(Box::new(Extracted {
        source: name,
        path: String::from_utf8_lossy(&path).into_owned(),
        dest: path_text(&dest),
        report,
    }))
}

/// Extracts `path` of an open session into `dest` (adjusted to DEST/NAME
/// for a single file into an existing directory).
fn extract<R: BlockRead>(
    img: &mut Image<R>,
    name: &str,
    path: &[u8],
    dest: &mut PathBuf,
    opts: &ExtractOptions,
) -> Result<ExtractReport, Failure> {
    let entry = img.lookup(path).map_err(|e| Failure::read(name, e))?;
    // A single file into an existing directory goes in as DEST/NAME (as cp
    // does). The name is one component that the lookup matched, but check
    // anyway: it must not lead out of DEST.
    if !entry.is_dir() && dest.is_dir() {
        let n = entry.name.as_bytes();
        if n.is_empty() || n == b"." || n == b".." || n.contains(&b'/') || n.contains(&0) {
            return Err(Failure::usage(
                format!(
                    "cannot extract {:?} into a directory under its own name",
                    entry.name.to_string_lossy()
                ),
                Some("give the destination file name as DEST"),
            ));
        }
        dest.push(std::ffi::OsStr::from_bytes(n));
    }
    img.extract(&entry, dest, opts)
        .map_err(|e| Failure::read(name, e))
}

struct Extracted {
    source: String,
    path: String,
    dest: String,
    report: ExtractReport,
}

impl Outcome for Extracted {
    fn kind(&self) -> &'static str {
        "extract"
    }

    fn is_summary(&self) -> bool {
        true
    }

    fn json(&self) -> Value {
        let r = &self.report;
        let skipped: Vec<Value> = r
            .skipped
            .iter()
            .map(|s| json!({"path": s.path.to_string_lossy(), "reason": s.reason}))
            .collect();
        json!({
            "source": self.source,
            "path": self.path,
            "destination": self.dest,
            "directories": r.dirs,
            "files": r.files,
            "bytes": r.bytes,
            "symlinks": r.symlinks,
            "hard_links": r.hard_links,
            "special_files": r.special,
            "skipped": skipped,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        let count =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = vec![format!(
            "{} ({})",
            count(r.files, "file", "files"),
            human_bytes(r.bytes)
        )];
        for (n, one, many) in [
            (r.dirs, "directory", "directories"),
            (r.symlinks, "symlink", "symlinks"),
            (r.hard_links, "hard link", "hard links"),
            (r.special, "special file", "special files"),
        ] {
            if n > 0 {
                parts.push(count(n, one, many));
            }
        }
        writeln!(
            out,
            "extracted {} to {}: {}",
            self.path,
            self.dest,
            parts.join(", ")
        )
    }

    fn failure(&self) -> Option<Failure> {
        let n = self.report.skipped.len();
        if n == 0 {
            return None;
        }
        Some(Failure::Incomplete {
            message: format!(
                "extraction incomplete: {n} entr{} skipped",
                if n == 1 { "y" } else { "ies" }
            ),
            hints: vec![
                "--overwrite replaces existing files, --special creates FIFOs and device files"
                    .into(),
            ],
        })
    }
}
