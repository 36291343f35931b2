//! `burn blank`, `burn format`, `burn eject`: what changes a medium or the
//! tray without writing data.

use std::io::{self, Write};

use burn_cli::blank::{BlankAction, BlankReport};
use mmc::Profile;
use mmc::engine::{BlankMode, FormatMode, FormatOutcome, MediaInfo, TrayOutcome};
use serde_json::{Value, json};

use super::{Access, bytes_of, device_name, interrupted, open, run_with_progress};
use crate::cli::{self, BlankArgs, EjectArgs, FormatArgs};
use crate::cmd::{CmdResult, Ctx};
use crate::output::{Outcome, human_bytes};

// ---------------------------------------------------------------------------
// blank
// ---------------------------------------------------------------------------

fn blank_mode(m: cli::BlankMode) -> BlankMode {
    match m {
        cli::BlankMode::AsNeeded => BlankMode::AsNeeded,
        cli::BlankMode::Fast => BlankMode::Fast,
        cli::BlankMode::All => BlankMode::All,
        cli::BlankMode::Deformat => BlankMode::Deformat,
        cli::BlankMode::DeformatQuickest => BlankMode::DeformatQuickest,
    }
}

fn blank_mode_name(m: cli::BlankMode) -> &'static str {
    match m {
        cli::BlankMode::AsNeeded => "as-needed",
        cli::BlankMode::Fast => "fast",
        cli::BlankMode::All => "all",
        cli::BlankMode::Deformat => "deformat",
        cli::BlankMode::DeformatQuickest => "deformat-quickest",
    }
}

pub fn blank(a: BlankArgs, ctx: &Ctx) -> CmdResult {
    let mut rec = open(ctx, Access::Change)?;
    let report = run_with_progress(ctx, |p| {
        Ok(burn_cli::blank::blank(&mut rec, blank_mode(a.mode), p)?)
    })
    .map_err(|f| {
        interrupted(
            ctx,
            f,
            "blanking was stopped; the disc may need `burn blank` again",
        )
    })?;
    let after = rec.inspect()?.clone();
    Ok(Box::new(Blanked {
        device: device_name(ctx),
        mode: blank_mode_name(a.mode),
        profile_after: after.profile,
        report,
    }))
}

struct Blanked {
    device: String,
    mode: &'static str,
    profile_after: Profile,
    report: BlankReport,
}

impl Outcome for Blanked {
    fn kind(&self) -> &'static str {
        "blank"
    }

    fn is_summary(&self) -> bool {
        true
    }

    fn json(&self) -> Value {
        let (action, full, descriptors, blocks) = match &self.report.action {
            BlankAction::Blanked { full } => ("blanked", Some(*full), None, None),
            BlankAction::NothingToDo => ("nothing", None, None, None),
            BlankAction::Invalidated { descriptors } => {
                ("invalidated", None, Some(*descriptors), None)
            }
            BlankAction::HeadZeroed => ("head-zeroed", None, None, None),
            BlankAction::Truncated => ("truncated", None, None, None),
            BlankAction::Zeroed { blocks } => ("zeroed", None, None, Some(*blocks)),
            _ => ("other", None, None, None),
        };
        json!({
            "device": self.device,
            "mode": self.mode,
            "action": action,
            "full": full,
            "descriptors": descriptors,
            "zeroed_blocks": blocks,
            "profile": self.report.profile,
            "profile_after": self.profile_after.name(),
            "status": serde_json::to_value(self.report.status).unwrap_or(Value::Null),
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let p = &self.report.profile;
        let what = match &self.report.action {
            BlankAction::Blanked { full: true } => format!("blanked the {p} (full)"),
            BlankAction::Blanked { full: false } => format!("blanked the {p} (minimal)"),
            BlankAction::NothingToDo => format!("the {p} is blank already: nothing to do"),
            BlankAction::Invalidated { .. } => format!(
                "invalidated the ISO 9660 volume descriptors of the {p}: it reads as blank now"
            ),
            BlankAction::HeadZeroed => format!("zeroed the first 64 KiB of the {p}"),
            BlankAction::Truncated => "truncated the image file to 0 bytes".to_string(),
            BlankAction::Zeroed { blocks } => {
                format!("wrote zeros over {blocks} recorded blocks of the {p}")
            }
            _ => format!("blanked the {p}"),
        };
        writeln!(out, "{}: {what}", self.device)?;
        if self.profile_after.name() != p.as_str() && self.profile_after != Profile::STDIO {
            writeln!(out, "the disc is now {}", self.profile_after)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// format
// ---------------------------------------------------------------------------

fn format_mode(a: &FormatArgs) -> FormatMode {
    if let Some(i) = a.index {
        return FormatMode::ByIndex(i as usize);
    }
    if let Some(bytes) = a.size {
        let blocks = bytes.div_ceil(mmc::engine::BLOCK).min(u32::MAX as u64) as u32;
        return FormatMode::BySize(blocks);
    }
    match a.mode {
        cli::FormatMode::AsNeeded => FormatMode::AsNeeded,
        cli::FormatMode::Full => FormatMode::Full,
        cli::FormatMode::Fast => FormatMode::Fast,
        cli::FormatMode::WithoutSpare => FormatMode::WithoutSpare,
    }
}

/// With `--size`: when no format has exactly the size, the smallest one
/// that holds it.
fn at_least(info: &MediaInfo, blocks: u32) -> Option<u32> {
    info.formats()?
        .offers
        .iter()
        .map(|o| o.blocks)
        .filter(|&b| b >= blocks)
        .min()
}

pub fn format(a: FormatArgs, ctx: &Ctx) -> CmdResult {
    let mut rec = open(ctx, Access::Change)?;
    let before = rec.inspect()?.clone();
    let mode = format_mode(&a);
    // Image files are "formatted" to their size: nothing to do as needed.
    if before.profile == Profile::STDIO && mode == FormatMode::AsNeeded {
        return Ok(Box::new(Formatted {
            device: device_name(ctx),
            profile: before.profile,
            outcome: FormatOutcome::NothingToDo,
            capacity: before.capacity,
        }));
    }
    let outcome = run_with_progress(ctx, |p| match rec.format(mode, p) {
        Err(mmc::Error::Invalid(m)) => match mode {
            FormatMode::BySize(n) => match at_least(&before, n) {
                Some(b) if b != n => Ok(rec.format(FormatMode::BySize(b), p)?),
                _ => Err(mmc::Error::Invalid(m).into()),
            },
            _ => Err(mmc::Error::Invalid(m).into()),
        },
        r => Ok(r?),
    })
    .map_err(|f| {
        interrupted(
            ctx,
            f,
            "formatting was stopped; run `burn format` again before writing",
        )
    })?;
    let after = rec.inspect()?.clone();
    Ok(Box::new(Formatted {
        device: device_name(ctx),
        profile: after.profile,
        outcome,
        capacity: after.capacity,
    }))
}

struct Formatted {
    device: String,
    profile: Profile,
    outcome: FormatOutcome,
    /// Formatted capacity afterwards, blocks.
    capacity: Option<u64>,
}

impl Outcome for Formatted {
    fn kind(&self) -> &'static str {
        "format"
    }

    fn is_summary(&self) -> bool {
        true
    }

    fn json(&self) -> Value {
        let (action, ty, blocks, bg) = match self.outcome {
            FormatOutcome::Formatted {
                format_type,
                blocks,
                background,
            } => ("formatted", Some(format_type), Some(blocks), background),
            FormatOutcome::NothingToDo => ("nothing", None, None, false),
        };
        json!({
            "device": self.device,
            "action": action,
            "format_type": ty,
            "format_name": ty.map(mmc::engine::format_meaning),
            "blocks": blocks,
            "background": bg,
            "profile": self.profile.name(),
            "capacity_blocks": self.capacity,
            "capacity_bytes": self.capacity.map(bytes_of),
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        match self.outcome {
            FormatOutcome::Formatted {
                format_type,
                background,
                ..
            } => {
                write!(
                    out,
                    "{}: formatted ({}, type {format_type:02X}h)",
                    self.device,
                    mmc::engine::format_meaning(format_type)
                )?;
                if background {
                    write!(out, "; formatting goes on in the background while writing")?;
                }
                writeln!(out)?;
            }
            FormatOutcome::NothingToDo => writeln!(
                out,
                "{}: the {} needs no formatting: nothing to do",
                self.device, self.profile
            )?,
        }
        if let Some(c) = self.capacity {
            writeln!(
                out,
                "{}, capacity {} ({c} blocks)",
                self.profile,
                human_bytes(bytes_of(c))
            )?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// eject
// ---------------------------------------------------------------------------

pub fn eject(a: EjectArgs, ctx: &Ctx) -> CmdResult {
    let mut rec = open(ctx, Access::Change)?;
    let outcome = if a.load { rec.load()? } else { rec.eject()? };
    let medium = if a.load {
        let info = rec.inspect()?;
        Some(info.profile)
    } else {
        None
    };
    Ok(Box::new(Ejected {
        device: device_name(ctx),
        load: a.load,
        outcome,
        medium,
    }))
}

struct Ejected {
    device: String,
    load: bool,
    outcome: TrayOutcome,
    /// After a load: the medium now in the drive.
    medium: Option<Profile>,
}

impl Outcome for Ejected {
    fn kind(&self) -> &'static str {
        "eject"
    }

    fn is_summary(&self) -> bool {
        true
    }

    fn json(&self) -> Value {
        let (done, note) = match self.outcome {
            TrayOutcome::Done => (true, None),
            TrayOutcome::NotApplicable(n) => (false, Some(n)),
        };
        json!({
            "device": self.device,
            "action": if self.load { "load" } else { "eject" },
            "done": done,
            "note": note,
            "medium": self.medium.filter(|p| *p != Profile::NONE).map(Profile::name),
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        match self.outcome {
            TrayOutcome::NotApplicable(n) => writeln!(out, "{}: nothing to do: {n}", self.device),
            _ if self.load => match self.medium {
                Some(p) if p != Profile::NONE => {
                    writeln!(out, "{}: tray closed; {p} loaded", self.device)
                }
                _ => writeln!(out, "{}: tray closed; no disc in the drive", self.device),
            },
            _ => writeln!(out, "{}: tray opened", self.device),
        }
    }
}
