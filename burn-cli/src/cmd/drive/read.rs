//! `burn read -o IMAGE|-` (alias `rip`): a disc, or one session, into an
//! image file — the jukebox's way in. The glue's `rip` decides how many
//! blocks (the session's volume descriptor, the head of an overwritable
//! medium, never padding or CD run-out), reads them once with the engine's
//! checkread and checks them against the disc's MD5 tags on the way; this
//! module puts them into the file: under a temporary name beside it,
//! renamed once complete and sound (or kept with `--keep-partial`), or
//! onto standard output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use burn_cli::check::Verdict;
use burn_cli::rip::{self, RipReport, SizeFrom, Which};
use serde_json::{Value, json};

use super::check::{sector_map, verdict_name};
use super::{Access, device_name, interrupted, open, run_with_progress};
use crate::cli::ReadArgs;
use crate::cmd::image_file::{self, ImageFile};
use crate::cmd::{CmdResult, Ctx};
use crate::exit::Failure;
use crate::output::{Outcome, human_bytes, path_text};
use crate::signals;

pub fn read(a: ReadArgs, ctx: &Ctx) -> CmdResult {
    ctx.require_dev()?;
    let which = match a.session {
        Some(0) => {
            return Err(Failure::usage(
                "there is no session 0",
                Some("sessions count from 1 (the oldest); `burn info` lists them"),
            ));
        }
        Some(n) => Which::Session(n),
        None => Which::Disc,
    };
    // The output first: a bad path fails before the drive is opened.
    let mut out = Output::create(&a.output)?;
    let mut rec = open(ctx, Access::Read)?;
    let plan = rip::plan(&mut rec, which)?;
    let report = run_with_progress(ctx, |p| {
        Ok(rip::rip_planned(&mut rec, plan, out.writer(), p)?)
    })
    .map_err(|f| interrupted(ctx, f, &out.lost()));
    let report = match report {
        Ok(r) => r,
        Err(f) => {
            out.discard();
            return Err(f);
        }
    };
    let sound = matches!(report.verdict, Verdict::Ok | Verdict::NoChecksums);
    let name = out.name();
    let kept = if sound || a.keep_partial {
        out.finish()?
    } else {
        out.discard()
    };
    if report.verdict == Verdict::NoChecksums {
        ctx.ui.warn(
            "the disc records no MD5 checksums: the image could not be verified (`burn verify` \
             compares the disc with it again)",
        );
    }
    for n in &report.notes {
        ctx.ui.warn(n);
    }
    Ok(Box::new(Ripped {
        device: device_name(ctx),
        output: name,
        kept,
        report,
    }))
}

/// Where the image goes.
enum Output {
    Stdout(BufWriter<io::Stdout>),
    /// A temporary file beside `dest`, renamed over it when complete.
    Temp {
        writer: BufWriter<File>,
        temp: tempfile::NamedTempFile,
        dest: PathBuf,
    },
    /// An existing device or FIFO, written in place.
    Direct {
        writer: BufWriter<File>,
        path: PathBuf,
    },
}

impl Output {
    fn create(path: &Path) -> Result<Output, Failure> {
        let writer = |file| BufWriter::with_capacity(1 << 20, file);
        Ok(
            match ImageFile::create(
                path,
                "redirect standard output (> FILE, | gzip > FILE.gz) or give -o FILE",
                "disc.iso",
            )? {
                ImageFile::Stdout => {
                    Output::Stdout(BufWriter::with_capacity(1 << 20, io::stdout()))
                }
                ImageFile::Direct { file, path } => Output::Direct {
                    writer: writer(file),
                    path,
                },
                ImageFile::Temp { file: temp, dest } => {
                    let file = temp.as_file().try_clone().map_err(|e| {
                        Failure::io(format!("cannot create {}", path_text(&dest)), e)
                    })?;
                    Output::Temp {
                        writer: writer(file),
                        temp,
                        dest,
                    }
                }
            },
        )
    }

    fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "-".into(),
            Output::Temp { dest, .. } => path_text(dest),
            Output::Direct { path, .. } => path_text(path),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::Temp { writer, .. } | Output::Direct { writer, .. } => writer,
        }
    }

    /// What an interruption leaves.
    fn lost(&self) -> String {
        match self {
            Output::Stdout(_) => "the image on standard output is incomplete".into(),
            Output::Temp { dest, .. } => format!("{} was not written", path_text(dest)),
            Output::Direct { path, .. } => format!("{} holds an incomplete image", path_text(path)),
        }
    }

    /// Makes the image final (flushed, synced, renamed into place).
    /// Returns true when a file holds it.
    fn finish(self) -> Result<bool, Failure> {
        match self {
            Output::Stdout(mut w) => {
                w.flush()
                    .map_err(|e| Failure::io("cannot write to standard output", e))?;
                Ok(false)
            }
            Output::Direct { writer, path } => {
                let file = writer.into_inner().map_err(|e| {
                    Failure::io(format!("cannot write {}", path_text(&path)), e.into_error())
                })?;
                image_file::sync_in_place(&file, &path)?;
                Ok(true)
            }
            Output::Temp { writer, temp, dest } => {
                let name = path_text(&dest);
                let temp_path = temp.path().to_path_buf();
                let result = (|| {
                    writer
                        .into_inner()
                        .map_err(|e| Failure::io(format!("cannot write {name}"), e.into_error()))?;
                    image_file::persist(temp, &dest)?;
                    Ok(true)
                })();
                signals::keep_on_exit(&temp_path);
                result
            }
        }
    }

    /// Drops the image: a temporary file is removed. Returns false (no
    /// file holds the image).
    fn discard(self) -> bool {
        match self {
            Output::Stdout(mut w) => {
                let _ = w.flush();
            }
            Output::Direct { .. } => {}
            Output::Temp { temp, .. } => {
                let p = temp.path().to_path_buf();
                drop(temp);
                signals::keep_on_exit(&p);
            }
        }
        false
    }
}

struct Ripped {
    device: String,
    output: String,
    /// A file holds the image (false: standard output, or removed).
    kept: bool,
    report: RipReport,
}

fn size_from_name(s: SizeFrom) -> &'static str {
    match s {
        SizeFrom::Pvd => "pvd",
        SizeFrom::PvdAbsolute => "pvd-absolute",
        SizeFrom::Head => "head",
        SizeFrom::Toc => "toc",
    }
}

impl Ripped {
    /// The runs of the range read, readable or not.
    fn sector_map(&self) -> Vec<(u32, u32, bool)> {
        let r = &self.report;
        let end = r
            .unreadable
            .iter()
            .map(burn_cli::BlockSpan::end)
            .chain(std::iter::once(u64::from(r.start) + u64::from(r.blocks)))
            .max()
            .unwrap_or(0);
        sector_map(r.start, (end - u64::from(r.start)) as u32, &r.unreadable)
    }

    fn unreadable_blocks(&self) -> u64 {
        self.report
            .unreadable
            .iter()
            .map(|s| u64::from(s.blocks))
            .sum()
    }
}

impl Outcome for Ripped {
    fn kind(&self) -> &'static str {
        "read"
    }

    fn json(&self) -> Value {
        let r = &self.report;
        let sessions: Vec<Value> = r
            .sessions
            .iter()
            .map(|s| {
                json!({
                    "number": s.number,
                    "start": s.start,
                    "blocks": s.blocks,
                    "volume_id": s.volume_id,
                    "tags": serde_json::to_value(&s.tags).unwrap_or(Value::Null),
                    "chain": serde_json::to_value(&s.chain).unwrap_or(Value::Null),
                    "session_md5": serde_json::to_value(s.session_md5).unwrap_or(Value::Null),
                    "verdict": verdict_name(s.verdict),
                })
            })
            .collect();
        json!({
            "device": self.device,
            "output": self.output,
            "kept": self.kept,
            "session": r.session,
            "start": r.start,
            "blocks": r.blocks,
            "bytes": r.bytes,
            "size_from": size_from_name(r.size_from),
            "volume_id": r.volume_id,
            "md5": r.md5,
            "verdict": verdict_name(r.verdict),
            "head": r.head.as_ref().map(|h| serde_json::to_value(h).unwrap_or(Value::Null)),
            "sessions": sessions,
            "unreadable": r.unreadable.iter()
                .map(|s| json!({"start": s.start, "blocks": s.blocks}))
                .collect::<Vec<_>>(),
            "sector_map": self.sector_map().into_iter()
                .map(|(start, blocks, good)| json!({"start": start, "blocks": blocks, "readable": good}))
                .collect::<Vec<_>>(),
            "notes": r.notes,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        let what = match r.session {
            Some(n) => format!("session {n} at LBA {}", r.start),
            None => format!("the whole disc from LBA {}", r.start),
        };
        let target = if self.output == "-" {
            "standard output"
        } else {
            &self.output
        };
        writeln!(
            out,
            "{} blocks ({}) of {} ({what}, volume id {}) read into {target}",
            r.blocks,
            human_bytes(r.bytes),
            self.device,
            r.volume_id
                .as_deref()
                .map_or("-".to_string(), |v| format!("{v:?}")),
        )?;
        writeln!(out, "MD5 of the image: {}", r.md5)?;
        let tags: usize =
            r.sessions.iter().map(|s| s.tags.len()).sum::<usize>() + usize::from(r.head.is_some());
        let verdict = match r.verdict {
            Verdict::Ok => format!(
                "every block read; {tags} MD5 tag{} of {} session{} match",
                if tags == 1 { "" } else { "s" },
                r.sessions.len(),
                if r.sessions.len() == 1 { "" } else { "s" }
            ),
            Verdict::NoChecksums => "every block read; no MD5 checksums recorded".into(),
            Verdict::Unreadable => format!("{} blocks UNREADABLE", self.unreadable_blocks()),
            Verdict::Mismatch => "MISMATCH: the data differ from the disc's MD5 checksums".into(),
        };
        writeln!(out, "check: {verdict}")?;
        if !r.unreadable.is_empty() {
            writeln!(out, "sector map:")?;
            for (start, n, good) in self.sector_map() {
                writeln!(
                    out,
                    "  LBA {:>10} … {:>10}  {:>10} blocks  {}",
                    start,
                    u64::from(start) + u64::from(n) - 1,
                    n,
                    if good { "read" } else { "UNREADABLE" }
                )?;
            }
        }
        if matches!(r.verdict, Verdict::Unreadable | Verdict::Mismatch) && self.output != "-" {
            if self.kept {
                writeln!(out, "{} kept as it is (--keep-partial)", self.output)?;
            } else {
                writeln!(out, "{} was not written", self.output)?;
            }
        }
        Ok(())
    }

    fn failure(&self) -> Option<Failure> {
        let r = &self.report;
        let fate = if self.output == "-" {
            "the image on standard output has zeros for them".to_string()
        } else if self.kept {
            format!("{} has zeros for them", self.output)
        } else {
            format!(
                "{} was not written; --keep-partial keeps an image with zeros for them",
                self.output
            )
        };
        match r.verdict {
            Verdict::Mismatch => Some(Failure::Mismatch(format!(
                "the data read differ from the disc's MD5 checksums{}",
                if self.kept || self.output == "-" {
                    ""
                } else {
                    " (the image was not written; --keep-partial keeps it)"
                }
            ))),
            Verdict::Unreadable => {
                let n = self.unreadable_blocks();
                Some(Failure::Incomplete {
                    message: format!(
                        "{n} block{} could not be read",
                        if n == 1 { "" } else { "s" }
                    ),
                    hints: vec![
                        fate,
                        "clean the disc and try again, or read it in another drive".into(),
                    ],
                })
            }
            Verdict::Ok | Verdict::NoChecksums => None,
        }
    }
}
