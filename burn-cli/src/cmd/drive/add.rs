//! `burn add PATH[=ISO_PATH]…`: files onto a disc as a new ISO 9660
//! session — the multisession backup. The glue's `session::add` decides
//! where (the next writable address of sequential media, the next 64 KiB
//! boundary of overwritable media and image files, whose 64 KiB head it
//! rewrites last), imports the previous session so that its files stay
//! visible, and refuses before writing anything when the disc is closed,
//! an input is missing or the session does not fit.

use std::ffi::OsString;
use std::io::{self, Write};

use burn_cli::check::{CheckReport, Verdict, Which};
use burn_cli::session::{AddOptions, AddReport};
use iso_writer::write::GraftSpec;
use serde_json::{Value, json};

use super::check::{verdict_name, verdict_of};
use super::write::engine_speed;
use super::{Access, bytes_of, device_name, interrupted, open, run_with_progress};
use crate::cli::AddArgs;
use crate::cmd::mkiso::{apply_boot, options_for};
use crate::cmd::{CmdResult, Ctx};
use crate::exit::Failure;
use crate::output::{Outcome, human_bytes};

/// The grafts of the command line; every source must exist.
fn grafts(paths: &[OsString]) -> Result<Vec<GraftSpec>, Failure> {
    paths
        .iter()
        .map(|arg| {
            let spec = GraftSpec::parse(arg);
            if spec.source.as_os_str().is_empty() {
                return Err(Failure::usage(
                    format!("{arg:?}: no file or directory before `=`"),
                    Some("write PATH or PATH=ISO_PATH"),
                ));
            }
            std::fs::symlink_metadata(&spec.source).map_err(|e| {
                Failure::Image(iso_writer::write::Error::Source {
                    path: spec.source.clone(),
                    source: e,
                })
            })?;
            Ok(spec)
        })
        .collect()
}

pub fn add(a: AddArgs, ctx: &Ctx) -> CmdResult {
    ctx.require_dev()?;
    // Inputs first: a missing file fails before the drive is opened.
    let grafts = grafts(&a.paths)?;
    let mut rec = open(ctx, Access::Write)?;
    // The volume id stays the previous session's unless --volid is given.
    let volid = match &a.volid.volid {
        Some(v) => Some(v.clone()),
        None => burn_cli::media::inspect(&mut rec)?
            .newest_session()
            .and_then(|s| s.volume_id.clone())
            .filter(|v| !v.is_empty()),
    };
    let mut image = options_for(volid.as_deref(), a.md5.enabled(), true, true, ctx)?;
    apply_boot(&a.boot, &mut image)?;
    if !a.boot.any() && !a.boot_replay {
        warn_if_bootable(&mut rec, ctx);
    }
    let opts = AddOptions {
        image,
        close: a.close,
        speed: a.speed.speed.map(engine_speed),
        force: a.force,
        boot_replay: a.boot_replay,
        ..AddOptions::default()
    };
    let report = run_with_progress(ctx, |p| {
        Ok(burn_cli::session::add(&mut rec, &grafts, &opts, p)?)
    })
    .map_err(|f| interrupted(ctx, f, "adding the session was stopped"))?;
    for n in &report.notes {
        ctx.ui.warn(n);
    }
    let check = if a.verify {
        Some(
            run_with_progress(ctx, |p| {
                Ok(burn_cli::check::check(
                    &mut rec,
                    Which::Session(report.session),
                    p,
                )?)
            })
            .map_err(|f| interrupted(ctx, f, "the check was stopped; the session is written"))?,
        )
    } else {
        None
    };
    Ok(Box::new(Added {
        device: device_name(ctx),
        report,
        check,
    }))
}

/// A new session without boot options makes a bootable disc unbootable
/// (the newest session is what firmware reads): say so.
fn warn_if_bootable(rec: &mut super::Rec, ctx: &Ctx) {
    let bootable = burn_cli::disc::open_image(rec, None)
        .ok()
        .and_then(|mut img| img.boot_catalog().ok().flatten())
        .is_some();
    if bootable {
        ctx.ui.warn(
            "the newest session is bootable (El Torito); the new session records no boot \
             catalog, so the disc will not boot from it (--boot-replay keeps its boot setup)",
        );
    }
}

struct Added {
    device: String,
    report: AddReport,
    check: Option<CheckReport>,
}

impl Outcome for Added {
    fn kind(&self) -> &'static str {
        "add"
    }

    fn is_summary(&self) -> bool {
        true
    }

    fn json(&self) -> Value {
        let r = &self.report;
        json!({
            "device": self.device,
            "layout": serde_json::to_value(r.layout).unwrap_or(Value::Null),
            "session": r.session,
            "start": r.start,
            "blocks": r.blocks,
            "bytes": bytes_of(u64::from(r.blocks)),
            "written_blocks": r.written_blocks,
            "volume_id": r.volume_id,
            "files": r.files,
            "new_files": r.new_files,
            "carried_files": r.carried_files,
            "md5": r.md5,
            "method": r.method,
            "closed": r.closed,
            "bootable": r.bootable,
            "import": r.import.as_ref().map(|i| serde_json::to_value(i).unwrap_or(Value::Null)),
            "notes": r.notes,
            "verified": self.check.as_ref().map(|c| verdict_name(verdict_of(c))),
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        writeln!(
            out,
            "session {} added to {} at LBA {}{}: {} blocks ({}), volume id {:?}",
            r.session,
            self.device,
            r.start,
            r.method
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default(),
            r.blocks,
            human_bytes(bytes_of(u64::from(r.blocks))),
            r.volume_id
        )?;
        write!(
            out,
            "{} file{} ({} new",
            r.files,
            if r.files == 1 { "" } else { "s" },
            r.new_files
        )?;
        if r.carried_files > 0 {
            write!(out, ", {} kept from earlier sessions", r.carried_files)?;
        }
        writeln!(out, ")")?;
        if r.bootable {
            writeln!(out, "bootable (El Torito)")?;
        }
        if r.closed {
            writeln!(out, "the disc is closed: nothing more can be added")?;
        }
        if let Some(m) = &r.md5 {
            writeln!(out, "MD5 of the session: {m}")?;
        }
        if let Some(c) = &self.check {
            writeln!(out, "check: {}", verdict_text(verdict_of(c)))?;
        }
        Ok(())
    }

    fn failure(&self) -> Option<Failure> {
        self.check.as_ref().and_then(super::check::failure_of)
    }
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "every block read and every checksum matched",
        Verdict::NoChecksums => "every block read; no checksums recorded to compare",
        Verdict::Unreadable => "some blocks could not be read",
        Verdict::Mismatch => "MISMATCH: the session differs from its checksums",
    }
}
