//! `burn check [--session N | --all]`: read sessions back and check them
//! against what they record — the MD5 tag chain, the session MD5 and every
//! file's MD5 (the glue's `check::check`, what `xorriso -check_media`,
//! `-check_md5` and `-check_md5_r` check). Exit code 3 on a mismatch, 1
//! when blocks could not be read; unreadable blocks are shown as a sector
//! map.

use std::io::{self, Write};

use burn_cli::BlockSpan;
use burn_cli::check::{
    ArrayState, ChainState, CheckReport, Md5Outcome, SessionResult, TagOutcome, Verdict, Which,
};
use serde_json::{Value, json};

use super::{Access, device_name, interrupted, open, run_with_progress};
use crate::cli::CheckArgs;
use crate::cmd::{CmdResult, Ctx};
use crate::exit::Failure;
use crate::output::{Outcome, human_bytes};

pub fn check(a: CheckArgs, ctx: &Ctx) -> CmdResult {
    let which = match (a.all, a.session) {
        (true, _) => Which::All,
        (false, Some(0)) => {
            return Err(Failure::usage(
                "there is no session 0",
                Some("sessions count from 1 (the oldest); `burn info` lists them"),
            ));
        }
        (false, Some(n)) => Which::Session(n),
        (false, None) => Which::Newest,
    };
    let mut rec = open(ctx, Access::Read)?;
    let report = run_with_progress(ctx, |p| Ok(burn_cli::check::check(&mut rec, which, p)?))
        .map_err(|f| interrupted(ctx, f, "the check was stopped; nothing was changed"))?;
    if verdict_of(&report) == Verdict::NoChecksums {
        ctx.ui
            .warn("no MD5 checksums are recorded: only the readability of the blocks was checked");
    }
    Ok(Box::new(Checked {
        device: device_name(ctx),
        report,
    }))
}

pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::NoChecksums => "no-checksums",
        Verdict::Unreadable => "unreadable",
        Verdict::Mismatch => "mismatch",
    }
}

/// Evidence that data differ from what was recorded: a file, a tag, the
/// session MD5, or the checksum array itself.
fn differs(s: &SessionResult) -> bool {
    s.differs()
}

/// A session's verdict, read as [`verdict_of`] reads the whole.
fn session_verdict(s: &SessionResult) -> Verdict {
    if s.verdict == Verdict::Mismatch && !differs(s) && !s.unreadable.is_empty() {
        Verdict::Unreadable
    } else {
        s.verdict
    }
}

/// The verdict that decides the exit code. A session whose checks failed
/// only because blocks could not be read (a tag chain broken at an
/// unreadable block) counts as unreadable (exit 1), not as a mismatch
/// (exit 3): nothing was found to differ.
pub fn verdict_of(r: &CheckReport) -> Verdict {
    if r.verdict != Verdict::Mismatch {
        return r.verdict;
    }
    let head_differs = r.head.as_ref().is_some_and(|h| {
        matches!(
            h.outcome,
            TagOutcome::Mismatch | TagOutcome::Corrupted | TagOutcome::WrongRange
        )
    });
    if head_differs || r.sessions.iter().any(differs) {
        Verdict::Mismatch
    } else if r.sessions.iter().any(|s| !s.unreadable.is_empty()) {
        Verdict::Unreadable
    } else {
        Verdict::Mismatch
    }
}

/// The failure a check report ends with, deciding the exit code: 3 for a
/// mismatch, 1 for unreadable blocks.
pub fn failure_of(r: &CheckReport) -> Option<Failure> {
    match verdict_of(r) {
        Verdict::Mismatch => {
            let mut what = Vec::new();
            for s in r.sessions.iter().filter(|s| differs(s)) {
                let files = s.files.mismatched.len();
                let tags = s
                    .tags
                    .iter()
                    .filter(|t| {
                        matches!(
                            t.outcome,
                            TagOutcome::Mismatch | TagOutcome::Corrupted | TagOutcome::WrongRange
                        )
                    })
                    .count();
                let mut parts = Vec::new();
                if files > 0 {
                    parts.push(format!("{files} file{}", if files == 1 { "" } else { "s" }));
                }
                if tags > 0 {
                    parts.push(format!("{tags} tag{}", if tags == 1 { "" } else { "s" }));
                }
                if s.session_md5 == Md5Outcome::Mismatch {
                    parts.push("the session MD5".into());
                }
                if parts.is_empty() {
                    parts.push("its checksums".into());
                }
                what.push(format!("session {}: {}", s.number, parts.join(", ")));
            }
            Some(Failure::Mismatch(format!(
                "check failed: the data differ from their MD5 checksums ({})",
                what.join("; ")
            )))
        }
        Verdict::Unreadable => {
            let blocks: u64 = r
                .sessions
                .iter()
                .flat_map(|s| s.unreadable.iter())
                .map(|u| u64::from(u.blocks))
                .sum();
            Some(Failure::Incomplete {
                message: format!(
                    "check failed: {blocks} block{} could not be read",
                    if blocks == 1 { "" } else { "s" }
                ),
                hints: vec![
                    "clean the disc and try again, or read it in another drive; what could be \
                     read matched its checksums"
                        .into(),
                ],
            })
        }
        Verdict::Ok | Verdict::NoChecksums => None,
    }
}

struct Checked {
    device: String,
    report: CheckReport,
}

/// The runs of a session as (start, blocks, readable): the complement of
/// its unreadable spans.
pub fn sector_map(start: u32, blocks: u32, unreadable: &[BlockSpan]) -> Vec<(u32, u32, bool)> {
    let end = u64::from(start) + u64::from(blocks);
    let mut bad: Vec<BlockSpan> = unreadable.to_vec();
    bad.sort_by_key(|s| s.start);
    let mut out = Vec::new();
    let mut at = u64::from(start);
    for b in bad {
        let (bs, be) = (u64::from(b.start).max(at), b.end().min(end));
        if be <= bs {
            continue;
        }
        if bs > at {
            out.push((at as u32, (bs - at) as u32, true));
        }
        out.push((bs as u32, (be - bs) as u32, false));
        at = be;
    }
    if at < end {
        out.push((at as u32, (end - at) as u32, true));
    }
    out
}

fn tag_outcome_text(o: TagOutcome) -> &'static str {
    match o {
        TagOutcome::Match => "match",
        TagOutcome::Mismatch => "MISMATCH",
        TagOutcome::Corrupted => "CORRUPTED",
        TagOutcome::WrongRange => "WRONG RANGE",
        TagOutcome::Unreadable => "unreadable",
    }
}

fn session_lines(out: &mut dyn Write, s: &SessionResult) -> io::Result<()> {
    writeln!(
        out,
        "session {} at LBA {}, {} blocks ({}), volume id {}: {}",
        s.number,
        s.start,
        s.blocks,
        human_bytes(u64::from(s.blocks) * 2048),
        s.volume_id
            .as_deref()
            .map_or("-".to_string(), |v| format!("{v:?}")),
        verdict_name(session_verdict(s)).to_uppercase()
    )?;
    let tags: Vec<String> = s
        .tags
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                serde_json::to_value(t.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                tag_outcome_text(t.outcome)
            )
        })
        .collect();
    match &s.chain {
        ChainState::Complete => writeln!(out, "  tags:        {}", tags.join(", "))?,
        ChainState::Absent => writeln!(out, "  tags:        none recorded")?,
        ChainState::Broken { lba, reason } => writeln!(
            out,
            "  tags:        {} — chain broken at LBA {lba}: {reason}",
            tags.join(", ")
        )?,
    }
    let md5 = match s.session_md5 {
        Md5Outcome::Match => "match",
        Md5Outcome::Mismatch => "MISMATCH",
        Md5Outcome::NotRecorded => "not recorded",
        Md5Outcome::Unreadable => "unreadable",
    };
    let array = match &s.array {
        ArrayState::Valid => String::new(),
        ArrayState::Absent => " (no checksum array)".into(),
        ArrayState::Damaged => " (checksum array DAMAGED)".into(),
        ArrayState::Unreadable { reason } => format!(" (checksum array unreadable: {reason})"),
    };
    writeln!(out, "  session MD5: {md5}{array}")?;
    let f = &s.files;
    write!(out, "  files:       {} of {} match", f.matched, f.total)?;
    if f.without_md5 > 0 {
        write!(out, ", {} without MD5 (not verified)", f.without_md5)?;
    }
    writeln!(out)?;
    for p in &f.mismatched {
        writeln!(out, "    MD5 MISMATCH: {p}")?;
    }
    for p in &f.unreadable {
        writeln!(out, "    UNREADABLE:   {p}")?;
    }
    if !s.unreadable.is_empty() {
        writeln!(out, "  sector map:")?;
        for (start, n, good) in sector_map(s.start, s.blocks, &s.unreadable) {
            writeln!(
                out,
                "    LBA {:>10} … {:>10}  {:>10} blocks  {}",
                start,
                u64::from(start) + u64::from(n) - 1,
                n,
                if good { "read" } else { "UNREADABLE" }
            )?;
        }
    }
    Ok(())
}

impl Outcome for Checked {
    fn kind(&self) -> &'static str {
        "check"
    }

    fn json(&self) -> Value {
        let r = &self.report;
        let sessions: Vec<Value> = r
            .sessions
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.insert("verdict".into(), verdict_name(session_verdict(s)).into());
                    m.insert(
                        "sector_map".into(),
                        sector_map(s.start, s.blocks, &s.unreadable)
                            .into_iter()
                            .map(|(start, blocks, good)| {
                                json!({"start": start, "blocks": blocks, "readable": good})
                            })
                            .collect(),
                    );
                }
                v
            })
            .collect();
        json!({
            "device": self.device,
            "verdict": verdict_name(verdict_of(r)),
            "blocks_read": r.blocks_read,
            "head": r.head.as_ref().map(|h| serde_json::to_value(h).unwrap_or(Value::Null)),
            "sessions": sessions,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        if let Some(h) = &r.head {
            writeln!(
                out,
                "head (LBA 0): relocated superblock tag {}",
                tag_outcome_text(h.outcome)
            )?;
        }
        for s in &r.sessions {
            session_lines(out, s)?;
        }
        writeln!(
            out,
            "{}: {} session{}, {} blocks read: {}",
            self.device,
            r.sessions.len(),
            if r.sessions.len() == 1 { "" } else { "s" },
            r.blocks_read,
            match verdict_of(r) {
                Verdict::Ok => "ok, every checksum matched",
                Verdict::NoChecksums => "readable; no checksums recorded",
                Verdict::Unreadable => "UNREADABLE blocks",
                Verdict::Mismatch => "MISMATCH",
            }
        )
    }

    fn failure(&self) -> Option<Failure> {
        failure_of(&self.report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sector_map_is_the_complement_of_unreadable_runs() {
        assert_eq!(sector_map(32, 100, &[]), vec![(32, 100, true)]);
        assert_eq!(
            sector_map(
                32,
                100,
                &[
                    BlockSpan::new(40, 2),
                    BlockSpan::new(131, 5),
                    BlockSpan::new(32, 1)
                ]
            ),
            vec![
                (32, 1, false),
                (33, 7, true),
                (40, 2, false),
                (42, 89, true),
                (131, 1, false)
            ]
        );
        assert_eq!(
            sector_map(0, 4, &[BlockSpan::new(0, 4)]),
            vec![(0, 4, false)]
        );
    }
}
