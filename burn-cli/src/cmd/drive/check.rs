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

/// A session's verdict as shown and as counted by [`verdict_of`]. A
/// session whose checks failed only because blocks could not be read (a
/// tag chain broken where blocks are unreadable) is unreadable, not a
/// mismatch: nothing was found to differ.
fn session_verdict(s: &SessionResult) -> Verdict {
    if differs(s) {
        Verdict::Mismatch
    } else if s.verdict == Verdict::Mismatch && !s.unreadable.is_empty() {
        Verdict::Unreadable
    } else {
        s.verdict
    }
}

/// The verdict that decides the exit code: the worst of the sessions'
/// verdicts as [`session_verdict`] reads them and of the head's tag. A
/// mismatch means exit 3, unreadable blocks exit 1.
pub fn verdict_of(r: &CheckReport) -> Verdict {
    if r.verdict != Verdict::Mismatch {
        return r.verdict;
    }
    let head = match r.head.as_ref().map(|h| h.outcome) {
        Some(o) if o.differs() => Verdict::Mismatch,
        Some(TagOutcome::Unreadable) => Verdict::Unreadable,
        _ => Verdict::Ok,
    };
    let worst = r
        .sessions
        .iter()
        .map(session_verdict)
        .fold(head, Verdict::max);
    // A mismatch that none of the parts explains stands.
    if worst >= Verdict::Unreadable {
        worst
    } else {
        r.verdict
    }
}

/// The failure a check report ends with, deciding the exit code: 3 for a
/// mismatch, 1 for unreadable or missing blocks. The message names what
/// failed: which files, tags or checksums differ, which blocks could not
/// be read, where a session cut short ends.
pub fn failure_of(r: &CheckReport) -> Option<Failure> {
    match verdict_of(r) {
        Verdict::Mismatch => {
            let mut what = Vec::new();
            if let Some(h) = r.head.as_ref().filter(|h| h.outcome.differs()) {
                what.push(format!(
                    "the head's relocated superblock tag at LBA {}: {}",
                    h.lba,
                    tag_outcome_text(h.outcome).to_lowercase()
                ));
            }
            // The sessions shown as a mismatch, not those whose checks
            // failed only where blocks are unreadable.
            for s in r
                .sessions
                .iter()
                .filter(|s| session_verdict(s) == Verdict::Mismatch)
            {
                what.push(format!("session {}: {}", s.number, mismatch_parts(s)));
            }
            let mut message = "check failed: the data differ from their MD5 checksums".to_string();
            if !what.is_empty() {
                message.push_str(&format!(" ({})", what.join("; ")));
            }
            Some(Failure::Mismatch(message))
        }
        Verdict::Unreadable => {
            let mut what = Vec::new();
            if r.head
                .as_ref()
                .is_some_and(|h| h.outcome == TagOutcome::Unreadable)
            {
                what.push("the head's relocated superblock tag could not be read".to_string());
            }
            for s in &r.sessions {
                what.extend(unreadable_parts(s));
            }
            if what.is_empty() {
                what.push("blocks could not be read".into());
            }
            let truncated = r.sessions.iter().any(|s| s.truncated.is_some());
            let matched = r.sessions.iter().any(|s| {
                s.files.matched > 0
                    || s.session_md5 == Md5Outcome::Match
                    || s.tags.iter().any(|t| t.outcome == TagOutcome::Match)
            });
            let mut hints = Vec::new();
            if truncated {
                hints.push(
                    "the session was not written completely (a write that stopped, or an image \
                     file cut short): the missing blocks cannot be read in any drive; write the \
                     data again"
                        .to_string(),
                );
            }
            if r.sessions.iter().any(|s| {
                s.unreadable
                    .iter()
                    .any(|u| s.truncated.is_none_or(|t| u64::from(u.start) < t.data_end))
            }) {
                hints.push("clean the disc and try again, or read it in another drive".into());
            }
            if matched {
                hints.push("what could be read matched its checksums".into());
            }
            Some(Failure::Incomplete {
                message: format!("check failed: {}", what.join("; ")),
                hints,
            })
        }
        Verdict::Ok | Verdict::NoChecksums => None,
    }
}

fn plural(n: u64, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// What differs in a session whose check found a mismatch.
fn mismatch_parts(s: &SessionResult) -> String {
    let mut parts = Vec::new();
    let files = s.files.mismatched.len() as u64;
    if files > 0 {
        let names = s
            .files
            .mismatched
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if files > 3 { ", …" } else { "" };
        parts.push(format!("{} ({names}{more})", plural(files, "file")));
    }
    for t in s.tags.iter().filter(|t| t.outcome.differs()) {
        parts.push(format!(
            "the {} tag at LBA {}: {}",
            t.kind.name(),
            t.lba,
            tag_outcome_text(t.outcome).to_lowercase()
        ));
    }
    if s.session_md5 == Md5Outcome::Mismatch {
        parts.push("the session MD5".into());
    }
    if s.array == ArrayState::Damaged {
        parts.push("the checksum array is damaged".into());
    }
    if let ChainState::Broken { lba, reason } = &s.chain
        && !parts.iter().any(|p| p.contains(&format!("LBA {lba}")))
    {
        parts.push(format!("the tag chain breaks at LBA {lba}: {reason}"));
    }
    if parts.is_empty() {
        parts.push("its checksums".into());
    }
    parts.join(", ")
}

/// LBA runs as "a–b, c, …" (at most three).
fn runs_text(spans: &[&BlockSpan]) -> String {
    let mut v: Vec<String> = spans
        .iter()
        .take(3)
        .map(|u| {
            if u.blocks == 1 {
                u.start.to_string()
            } else {
                format!("{}–{}", u.start, u.end() - 1)
            }
        })
        .collect();
    if spans.len() > 3 {
        v.push("…".into());
    }
    v.join(", ")
}

/// What could not be read in a session: its missing tail, unreadable
/// runs, files.
fn unreadable_parts(s: &SessionResult) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(t) = s.truncated {
        parts.push(format!(
            "session {} is incomplete: its data end at LBA {}, but it refers to blocks up to LBA \
             {} ({} missing)",
            s.number,
            t.data_end,
            t.referenced_end.saturating_sub(1),
            plural(t.missing(), "block")
        ));
    }
    // Unreadable runs before a missing tail (the tail is said above).
    let bad: Vec<&BlockSpan> = s
        .unreadable
        .iter()
        .filter(|u| s.truncated.is_none_or(|t| u64::from(u.start) < t.data_end))
        .collect();
    if !bad.is_empty() {
        let blocks: u64 = bad.iter().map(|u| u64::from(u.blocks)).sum();
        parts.push(format!(
            "{} of session {} could not be read (LBA {})",
            plural(blocks, "block"),
            s.number,
            runs_text(&bad)
        ));
    }
    let files = s.files.unreadable.len() as u64;
    if files > 0 {
        parts.push(format!(
            "{} of session {} could not be read completely",
            plural(files, "file"),
            s.number
        ));
    }
    if parts.is_empty() && session_verdict(s) == Verdict::Unreadable {
        parts.push(format!("session {} could not be read completely", s.number));
    }
    parts
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
        .map(|t| format!("{} {}", t.kind.name(), tag_outcome_text(t.outcome)))
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
    if let Some(t) = s.truncated {
        writeln!(
            out,
            "  INCOMPLETE:  the data end at LBA {}, but the session refers to blocks up to LBA {} \
             ({} missing)",
            t.data_end,
            t.referenced_end.saturating_sub(1),
            plural(t.missing(), "block")
        )?;
    }
    for n in &s.notes {
        writeln!(out, "  note:        {n}")?;
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
                Verdict::Unreadable if r.sessions.iter().any(|s| s.truncated.is_some()) => {
                    "INCOMPLETE: blocks are missing"
                }
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
    use burn_cli::check::{FileResults, TagKind, TagResult, Truncation};

    fn session(verdict: Verdict) -> SessionResult {
        SessionResult {
            number: 1,
            start: 0,
            blocks: 24432,
            volume_id: Some("LAB50".into()),
            tags: Vec::new(),
            chain: ChainState::Complete,
            array: ArrayState::Valid,
            session_md5: Md5Outcome::Match,
            files: FileResults::default(),
            unreadable: Vec::new(),
            truncated: None,
            notes: Vec::new(),
            verdict,
        }
    }

    fn report(head: Option<TagResult>, sessions: Vec<SessionResult>) -> CheckReport {
        let verdict = sessions
            .iter()
            .map(|s| s.verdict)
            .max()
            .unwrap_or(Verdict::Ok);
        CheckReport {
            device: "/dev/sr1".into(),
            head,
            sessions,
            blocks_read: 24432,
            verdict,
        }
    }

    fn message(r: &CheckReport) -> String {
        match failure_of(r) {
            Some(Failure::Mismatch(m)) => m,
            Some(Failure::Incomplete { message, .. }) => message,
            other => panic!("{other:?}"),
        }
    }

    /// Every failure names what failed; never an empty list.
    #[test]
    fn failure_messages_name_what_failed() {
        // A chain broken by a block that holds no tag: a mismatch.
        let mut s = session(Verdict::Mismatch);
        s.chain = ChainState::Broken {
            lba: 24451,
            reason: "no session tag at LBA 24451".into(),
        };
        s.session_md5 = Md5Outcome::NotRecorded;
        assert_eq!(
            message(&report(None, vec![s])),
            "check failed: the data differ from their MD5 checksums (session 1: the tag chain \
             breaks at LBA 24451: no session tag at LBA 24451)"
        );
        // Only the head's tag differs.
        let head = TagResult {
            kind: TagKind::Head,
            lba: 17,
            range_start: 0,
            range_size: 17,
            outcome: TagOutcome::Mismatch,
        };
        let r = CheckReport {
            verdict: Verdict::Mismatch,
            ..report(Some(head), vec![session(Verdict::Ok)])
        };
        assert_eq!(
            message(&r),
            "check failed: the data differ from their MD5 checksums (the head's relocated \
             superblock tag at LBA 17: mismatch)"
        );
        // Files and the session MD5.
        let mut s = session(Verdict::Mismatch);
        s.files.mismatched = vec!["/a".into(), "/b".into(), "/c".into(), "/d".into()];
        s.session_md5 = Md5Outcome::Mismatch;
        assert_eq!(
            message(&report(None, vec![s])),
            "check failed: the data differ from their MD5 checksums (session 1: 4 files (/a, \
             /b, /c, …), the session MD5)"
        );
        // A session cut short, with a bad block before the cut.
        let mut s = session(Verdict::Unreadable);
        s.truncated = Some(Truncation {
            data_end: 24000,
            referenced_end: 24432,
        });
        s.unreadable = vec![BlockSpan::new(100, 1), BlockSpan::new(24000, 432)];
        s.files.unreadable = vec!["/data/random.bin".into()];
        s.session_md5 = Md5Outcome::Unreadable;
        let r = report(None, vec![s]);
        assert_eq!(
            message(&r),
            "check failed: session 1 is incomplete: its data end at LBA 24000, but it refers to \
             blocks up to LBA 24431 (432 blocks missing); 1 block of session 1 could not be read \
             (LBA 100); 1 file of session 1 could not be read completely"
        );
        let Some(Failure::Incomplete { hints, .. }) = failure_of(&r) else {
            panic!()
        };
        assert!(hints[0].starts_with("the session was not written completely"));
        assert!(hints[1].starts_with("clean the disc"));
        assert_eq!(hints.len(), 2, "nothing matched: {hints:?}");
    }

    /// A session whose tag chain broke where blocks are unreadable is
    /// shown as unreadable: the mismatch message does not name it, and it
    /// does not make the whole a mismatch.
    #[test]
    fn the_message_names_the_sessions_shown_as_a_mismatch() {
        let mut cut = session(Verdict::Mismatch);
        cut.chain = ChainState::Broken {
            lba: 300,
            reason: "no tree tag at LBA 300".into(),
        };
        cut.unreadable = vec![BlockSpan::new(280, 30)];
        assert_eq!(session_verdict(&cut), Verdict::Unreadable);
        let mut changed = session(Verdict::Mismatch);
        changed.number = 2;
        changed.files.mismatched = vec!["/b/more.bin".into()];
        let r = report(None, vec![cut.clone(), changed]);
        assert_eq!(verdict_of(&r), Verdict::Mismatch);
        assert_eq!(
            message(&r),
            "check failed: the data differ from their MD5 checksums (session 2: 1 file \
             (/b/more.bin))"
        );
        // Beside a session whose chain breaks at a readable block (shown
        // as a mismatch), the whole is a mismatch too.
        let mut broken = session(Verdict::Mismatch);
        broken.number = 2;
        broken.chain = ChainState::Broken {
            lba: 24451,
            reason: "no session tag at LBA 24451".into(),
        };
        let r = report(None, vec![cut.clone(), broken]);
        assert_eq!(verdict_of(&r), Verdict::Mismatch);
        assert_eq!(
            message(&r),
            "check failed: the data differ from their MD5 checksums (session 2: the tag chain \
             breaks at LBA 24451: no session tag at LBA 24451)"
        );
        // Alone, it is unreadable (exit 1).
        let r = report(None, vec![cut]);
        assert_eq!(verdict_of(&r), Verdict::Unreadable);
        assert!(matches!(failure_of(&r), Some(Failure::Incomplete { .. })));
        // A mismatch nothing names still reads without a report beside
        // it (under --json none is printed).
        let r = CheckReport {
            verdict: Verdict::Mismatch,
            ..report(None, Vec::new())
        };
        assert_eq!(
            message(&r),
            "check failed: the data differ from their MD5 checksums"
        );
    }

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
