//! `burn info` and `burn formats`: what the drive and the medium say.

use std::io::{self, Write};

use burn_cli::media::{Layout, MediaReport, Status};
use mmc::Profile;
use mmc::engine::{FormatList, FormatState, FormatsAnswer, TrackEntry};
use serde_json::{Value, json};

use super::{Access, bytes_of, device_name, open};
use crate::cli::InfoArgs;
use crate::cmd::{CmdResult, Ctx};
use crate::output::{Outcome, human_bytes};

// ---------------------------------------------------------------------------
// formats
// ---------------------------------------------------------------------------

pub fn formats(ctx: &Ctx) -> CmdResult {
    let mut rec = open(ctx, Access::Read)?;
    let info = rec.inspect()?.clone();
    info.supported()?;
    Ok(Box::new(Formats {
        device: device_name(ctx),
        profile: info.profile,
        answer: info.formats_answer.clone(),
        bg_format: format!("{:?}", info.bg_format).to_lowercase(),
        profile_formattable: formattable(info.profile),
    }))
}

/// Profiles that FORMAT UNIT applies to (`mmc-recipes.md` §5).
fn formattable(p: Profile) -> bool {
    matches!(
        p,
        Profile::DVD_PLUS_RW
            | Profile::DVD_RW_SEQ
            | Profile::DVD_RW_RO
            | Profile::DVD_RAM
            | Profile::BD_RE
            | Profile::BD_R_SRM
    )
}

fn state_name(s: FormatState) -> &'static str {
    match s {
        FormatState::Formatted => "formatted",
        FormatState::Unformatted => "unformatted",
        FormatState::Unknown => "unknown",
    }
}

struct Formats {
    device: String,
    profile: Profile,
    /// How the drive answered READ FORMAT CAPACITIES: the list, or why
    /// there is none.
    answer: FormatsAnswer,
    bg_format: String,
    profile_formattable: bool,
}

impl Formats {
    fn list(&self) -> Option<&FormatList> {
        self.answer.listed().ok()
    }
}

impl Outcome for Formats {
    fn kind(&self) -> &'static str {
        "formats"
    }

    fn json(&self) -> Value {
        let offers: Vec<Value> = self
            .list()
            .iter()
            .flat_map(|l| l.offers.iter())
            .map(|o| {
                json!({
                    "index": o.index,
                    "format_type": o.format_type,
                    "format_name": o.meaning(),
                    "blocks": o.blocks,
                    "bytes": bytes_of(o.blocks as u64),
                    "type_parameter": o.tdp,
                })
            })
            .collect();
        json!({
            "device": self.device,
            "profile": self.profile.name(),
            "formattable": self.profile_formattable,
            "state": self
                .list()
                .filter(|_| self.profile_formattable)
                .map(|l| state_name(l.state)),
            "current_blocks": self.list().map(|l| l.current_blocks),
            "current_bytes": self.list().map(|l| bytes_of(l.current_blocks as u64)),
            "background_format": self.bg_format,
            "format_capacities": self.answer.name(),
            "format_capacities_note": self.answer.why_none(),
            "formats": offers,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "Medium:  {}", self.profile)?;
        let l = match self.answer.listed() {
            Ok(l) => l,
            Err(why) => return writeln!(out, "Formats: none ({why})"),
        };
        let size = |b: u32| format!("{b} blocks ({})", human_bytes(bytes_of(u64::from(b))));
        if !self.profile_formattable {
            writeln!(out, "Capacity: {}", size(l.current_blocks))?;
            return writeln!(out, "This medium cannot be formatted.");
        }
        writeln!(
            out,
            "Current: {}, {}",
            state_name(l.state),
            size(l.current_blocks)
        )?;
        if l.offers.is_empty() {
            return Ok(());
        }
        writeln!(out, "Index  Type  Blocks       Size        Meaning")?;
        for o in &l.offers {
            writeln!(
                out,
                "{:>5}  {:02X}h  {:>11}  {:>10}  {}",
                o.index,
                o.format_type,
                o.blocks,
                human_bytes(bytes_of(o.blocks as u64)),
                o.meaning()
            )?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// info
// ---------------------------------------------------------------------------

pub fn info(a: InfoArgs, ctx: &Ctx) -> CmdResult {
    let mut rec = open(ctx, Access::Read)?;
    let report = burn_cli::media::inspect(&mut rec)?;
    Ok(Box::new(Info {
        device: device_name(ctx),
        diagnostic: a.diagnostic,
        report,
    }))
}

struct Info {
    device: String,
    diagnostic: bool,
    report: MediaReport,
}

fn layout_name(l: Layout) -> &'static str {
    match l {
        Layout::None => "none",
        Layout::ReadOnly => "read-only",
        Layout::Sequential => "sequential",
        Layout::Emulated => "emulated",
        Layout::Stream => "stream",
        Layout::Unsupported => "unsupported",
    }
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Empty => "empty",
        Status::Blank => "blank",
        Status::Appendable => "appendable",
        Status::Closed => "closed",
        Status::UnknownData => "unknown-data",
        Status::Unsupported => "unsupported",
    }
}

impl Info {
    /// The tracks of session `start` from the table of contents
    /// (sequential media).
    fn tracks(&self, start: u32) -> Vec<&TrackEntry> {
        self.report
            .info
            .sessions
            .iter()
            .find(|s| s.start == start)
            .map(|s| s.tracks.iter().collect())
            .unwrap_or_default()
    }

    fn format_state(&self) -> Option<&'static str> {
        self.report
            .info
            .formats()
            .filter(|_| formattable(self.report.info.profile))
            .map(|f| state_name(f.state))
    }

    fn diagnostic_json(&self) -> Value {
        let i = &self.report.info;
        json!({
            "profile_guessed": i.profile_guessed,
            "media_kind": format!("{:?}", i.kind),
            "engine_status": format!("{:?}", i.status),
            "last_session_open": i.last_session_open,
            "next_track": i.next_track.map(|t| json!({
                "number": t.number,
                "nwa": t.nwa,
                "free_blocks": t.free,
                "damage": format!("{:?}", t.damage),
                "reserved": t.reserved,
            })),
            "readable_blocks": i.readable_blocks,
            "background_format": format!("{:?}", i.bg_format),
            "write_speeds_kbps": i.write_speeds.speeds.iter().map(|s| s.kbps).collect::<Vec<_>>(),
            "write_speed_source": format!("{:?}", i.write_speeds.source),
            "features": format!("{:?}", i.features),
            "formats": i.formats().map(|f| format!("{f:?}")),
            "format_capacities": i.formats_answer.name(),
            "format_capacities_note": i.formats_answer.why_none(),
            "disc_information": i.disc_info.as_ref().map(|d| format!("{d:?}")),
        })
    }
}

impl Outcome for Info {
    fn kind(&self) -> &'static str {
        "info"
    }

    fn json(&self) -> Value {
        let r = &self.report;
        let sessions: Vec<Value> = r
            .sessions
            .iter()
            .map(|s| {
                let tracks: Vec<Value> = self
                    .tracks(s.start)
                    .iter()
                    .map(|t| json!({"number": t.number, "start": t.start, "blocks": t.blocks, "data": t.data}))
                    .collect();
                json!({
                    "number": s.number,
                    "start": s.start,
                    "blocks": s.blocks,
                    "bytes": bytes_of(u64::from(s.blocks)),
                    "volume_id": s.volume_id,
                    "tracks": tracks,
                })
            })
            .collect();
        json!({
            "device": self.device,
            "drive": {
                "vendor": r.vendor,
                "product": r.product,
                "revision": r.revision,
            },
            "profile": r.profile,
            "profile_code": r.profile_code,
            "layout": layout_name(r.layout),
            "status": status_name(r.status),
            "erasable": r.erasable,
            "format_state": self.format_state(),
            "sessions": sessions,
            "next_writable": r.next_start,
            "free_blocks": r.free_blocks,
            "free_bytes": r.free_blocks.map(bytes_of),
            "capacity_blocks": r.capacity_blocks,
            "capacity_bytes": r.capacity_blocks.map(bytes_of),
            "notes": r.notes,
            "diagnostic": if self.diagnostic { self.diagnostic_json() } else { Value::Null },
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        let field = |out: &mut dyn Write, k: &str, v: &str| writeln!(out, "{k:<15}{v}");
        field(out, "Drive:", &self.device)?;
        let id = [r.vendor.trim(), r.product.trim(), r.revision.trim()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        if !id.is_empty() {
            field(out, "Model:", &id)?;
        }
        if r.status == Status::Empty {
            field(out, "Medium:", "none (no disc in the drive)")?;
            return Ok(());
        }
        field(out, "Medium:", &r.profile)?;
        let mut status = status_name(r.status).replace('-', " ");
        if r.erasable {
            status.push_str(", erasable");
        }
        if let Some(f) = self.format_state() {
            status.push_str(&format!(", {f}"));
        }
        status.push_str(match r.layout {
            Layout::Emulated => ", sessions by ISO 9660 multisession emulation",
            Layout::Sequential => ", sequential recording",
            _ => "",
        });
        field(out, "Status:", &status)?;
        if let Some(c) = r.capacity_blocks {
            field(
                out,
                "Capacity:",
                &format!("{} ({c} blocks)", human_bytes(bytes_of(c))),
            )?;
        }
        match (r.next_start, r.free_blocks) {
            (Some(n), Some(f)) => {
                field(out, "Next session:", &format!("LBA {n}"))?;
                field(
                    out,
                    "Free:",
                    &format!("{} ({f} blocks)", human_bytes(bytes_of(f))),
                )?;
            }
            (Some(n), None) => field(out, "Next session:", &format!("LBA {n}"))?,
            _ => {}
        }
        if r.sessions.is_empty() {
            field(out, "Sessions:", "none")?;
        } else {
            writeln!(out, "Sessions:")?;
            writeln!(
                out,
                "  {:>3}  {:>10}  {:>10}  {:>10}  Volume id",
                "#", "Start", "Blocks", "Size"
            )?;
            for s in &r.sessions {
                writeln!(
                    out,
                    "  {:>3}  {:>10}  {:>10}  {:>10}  {}",
                    s.number,
                    s.start,
                    s.blocks,
                    human_bytes(bytes_of(u64::from(s.blocks))),
                    s.volume_id.as_deref().unwrap_or("-")
                )?;
                let tracks = self.tracks(s.start);
                if tracks.len() > 1 {
                    for t in tracks {
                        writeln!(
                            out,
                            "       track {:>3}: LBA {} , {} blocks{}",
                            t.number,
                            t.start,
                            t.blocks,
                            if t.data { "" } else { " (audio)" }
                        )?;
                    }
                }
            }
        }
        for n in &r.notes {
            writeln!(out, "Note:          {n}")?;
        }
        if self.diagnostic {
            writeln!(out, "Diagnostic:")?;
            if let Value::Object(m) = self.diagnostic_json() {
                for (k, v) in m {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    writeln!(out, "  {k}: {v}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(answer: FormatsAnswer) -> Formats {
        Formats {
            device: "/dev/sr1".into(),
            profile: Profile::DVD_ROM,
            answer,
            bg_format: "none".into(),
            profile_formattable: false,
        }
    }

    fn human(f: &Formats) -> String {
        let mut out = Vec::new();
        f.human(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A drive that rejected READ FORMAT CAPACITIES with 5/20/00 (tgt) is
    /// not one that answered with an empty list: text and JSON say which.
    #[test]
    fn formats_tell_unsupported_from_empty() {
        let f = formats(FormatsAnswer::Unsupported);
        assert_eq!(
            human(&f),
            "Medium:  DVD-ROM\n\
             Formats: none (the drive does not support READ FORMAT CAPACITIES)\n"
        );
        let j = f.json();
        assert_eq!(j["format_capacities"], "unsupported");
        assert_eq!(
            j["format_capacities_note"],
            "the drive does not support READ FORMAT CAPACITIES"
        );
        assert_eq!(j["formats"], json!([]));

        let f = formats(FormatsAnswer::Empty);
        assert!(
            human(&f).contains("Formats: none (the drive reports no format capacities)"),
            "{}",
            human(&f)
        );
        assert_eq!(f.json()["format_capacities"], "empty");
    }
}
