//! What is in the drive, as a burn program shows it: the engine's
//! [`MediaInfo`] plus the ISO 9660 view — the status of overwritable media
//! and image files from their head, the emulated sessions as `xorriso
//! -toc` lists them, the volume id of each session, and where the next
//! session would start.

use iso_writer::read::sessions as emulated_sessions;
use mmc::Transport;
use mmc::engine::{Damage, MediaInfo, MediaKind, MediaStatus, Recorder};
use mmc::profile::Profile;
use serde::Serialize;

use crate::disc::DiscBlocks;
use crate::emulation::{self, HeadState};
use crate::error::{Error, Result};
use crate::round_up_32;

/// How sessions are recorded on the medium.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// No medium.
    None,
    /// Pressed or otherwise read-only media (CD-ROM, DVD-ROM, BD-ROM).
    ReadOnly,
    /// CD-R/RW, DVD-R/RW sequential, DVD+R, BD-R: sessions in the drive's
    /// table of contents, each at the NWA (`mmc-recipes.md` §7).
    Sequential,
    /// DVD+RW, DVD-RAM, DVD-RW restricted overwrite, BD-RE, image files and
    /// block devices: sessions by the ISO 9660 multisession emulation
    /// (`mmc-recipes.md` §8).
    Emulated,
    /// A pipe or character device (`stdio:-`): one session, write only.
    Stream,
    /// A medium the engine does not write (BD-R POW, DVD-R DL layer jump,
    /// HD DVD …); the notes say why.
    Unsupported,
}

/// The state of the medium for writing (`mmc-recipes.md` §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No medium in the drive.
    Empty,
    /// Nothing recorded (or invalidated): the next session is the first.
    Blank,
    /// Sessions recorded, more can be added.
    Appendable,
    /// Closed (finalized) or read-only: nothing can be added.
    Closed,
    /// An overwritable medium or image file holding data that is not an
    /// ISO 9660 session: not written without force.
    UnknownData,
    /// The medium is not supported for writing.
    Unsupported,
}

/// One session as `xorriso -toc` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Session {
    /// 1 = the oldest.
    pub number: u32,
    /// First block (the session's system area; its PVD is at `start + 16`).
    pub start: u32,
    /// Size in blocks: the track range on sequential media (padding
    /// included), the PVD's volume space size on emulated media.
    pub blocks: u32,
    /// The PVD's volume id; `None` when the session holds no ISO 9660
    /// volume (audio, foreign data) or it could not be read.
    pub volume_id: Option<String>,
}

impl Session {
    /// First block after the session.
    pub fn end(&self) -> u64 {
        u64::from(self.start) + u64::from(self.blocks)
    }
}

/// Drive, medium and the ISO 9660 view of it.
#[derive(Clone, Debug, Serialize)]
pub struct MediaReport {
    /// The drive address as the transport describes it.
    pub device: String,
    pub vendor: String,
    pub product: String,
    pub revision: String,
    /// Profile name as xorriso prints it ("DVD+RW", "BD-R sequential
    /// recording", "stdio file").
    pub profile: String,
    /// MMC profile number (FFFFh for `stdio:` targets).
    pub profile_code: u16,
    pub layout: Layout,
    pub status: Status,
    /// BLANK applies (CD-RW, DVD-RW sequential).
    pub erasable: bool,
    /// Complete sessions, oldest first.
    pub sessions: Vec<Session>,
    /// Where [`crate::session::add`] would start the next session: the NWA
    /// on sequential media; on emulated media 32 when blank (0 for a DVD-RW
    /// in the intermediate state), else the 32-block boundary after the
    /// newest session. `None` when nothing can be added.
    pub next_start: Option<u32>,
    /// Blocks free from `next_start`.
    pub free_blocks: Option<u64>,
    /// User capacity in blocks (NWA + free on sequential media, the
    /// formatted size on overwritable media, file size plus free space of
    /// the file system for image files).
    pub capacity_blocks: Option<u64>,
    /// Things worth telling: an open last session, a damaged track, a
    /// broken session chain, the intermediate state of a DVD-RW …
    pub notes: Vec<String>,
    /// Everything the engine found, for details the report does not carry.
    #[serde(skip)]
    pub info: MediaInfo,
    /// The head of emulated media as read.
    #[serde(skip)]
    pub(crate) head: Option<HeadState>,
}

impl MediaReport {
    /// The newest session, if any.
    pub fn newest_session(&self) -> Option<&Session> {
        self.sessions.last()
    }

    /// [`mmc::error::Unsuitable::NoMedium`] when the drive holds no disc
    /// (`mmc-recipes.md` §3.2 first row): what reading commands answer
    /// before anything else, rather than calling an empty drive blank.
    pub fn require_medium(&self) -> Result<()> {
        if self.status == Status::Empty && self.info.kind == MediaKind::NoMedium {
            return Err(mmc::Error::Unsuitable(mmc::error::Unsuitable::NoMedium).into());
        }
        Ok(())
    }

    /// Session `n` (1 = oldest), or the newest with `None`. No disc is
    /// [`mmc::error::Unsuitable::NoMedium`], a disc without sessions
    /// [`Error::Blank`].
    pub fn session(&self, n: Option<u32>) -> Result<&Session> {
        self.require_medium()?;
        let available = self.sessions.len() as u32;
        match n {
            None => self
                .newest_session()
                .ok_or_else(|| Error::Blank(self.device.clone())),
            Some(k) => k
                .checked_sub(1)
                .and_then(|i| self.sessions.get(i as usize))
                .ok_or(Error::NoSuchSession {
                    requested: k,
                    available,
                }),
        }
    }

    /// The first block that cannot hold ISO data of this medium, when the
    /// drive says (READ CAPACITY), else the end of the newest session.
    pub fn readable_end(&self) -> Option<u64> {
        let data_end = self.sessions.last().map(Session::end);
        match (self.info.readable_blocks, data_end) {
            (Some(r), Some(d)) => Some(r.max(d)),
            (r, d) => r.or(d),
        }
    }

    /// True for `stdio:` targets (image files, block devices, pipes).
    pub fn is_stdio(&self) -> bool {
        self.info.profile == Profile::STDIO
    }
}

/// Inspects drive and medium (`mmc-recipes.md` §3) and adds the ISO 9660
/// view: on overwritable media and `stdio:` files the status from the head
/// (blank / appendable / unknown data) and the emulated sessions
/// (`mmc-recipes.md` §8.4, `iso_writer::read::sessions`); on sequential
/// media the volume id of each session from its PVD at `start + 16`.
pub fn inspect<T: Transport>(rec: &mut Recorder<T>) -> Result<MediaReport> {
    let info = rec.inspect()?.clone();
    let mut report = MediaReport {
        device: rec.drive().describe(),
        vendor: info.drive.vendor.clone(),
        product: info.drive.product.clone(),
        revision: info.drive.revision.clone(),
        profile: profile_name(info.profile).to_string(),
        profile_code: info.profile.0,
        layout: Layout::None,
        status: Status::Empty,
        erasable: info.erasable,
        sessions: Vec::new(),
        next_start: None,
        free_blocks: None,
        capacity_blocks: info.capacity,
        notes: Vec::new(),
        head: None,
        info,
    };
    match report.info.kind.clone() {
        MediaKind::NoMedium => {}
        MediaKind::Unsupported(u) => {
            report.layout = Layout::Unsupported;
            report.status = Status::Unsupported;
            report.notes.push(u.to_string());
        }
        MediaKind::ReadOnly => {
            report.layout = Layout::ReadOnly;
            report.status = Status::Closed;
            report.sessions = toc_sessions(rec, &report.info);
        }
        MediaKind::WriteOnceStream => {
            report.layout = Layout::Stream;
            report.status = match report.info.status {
                MediaStatus::Closed => Status::Closed,
                MediaStatus::Appendable => Status::Appendable,
                _ => Status::Blank,
            };
            if report.status == Status::Blank {
                report.next_start = report.info.next_writable().or(Some(0));
                report.free_blocks = report.info.free_blocks();
            }
        }
        MediaKind::SequentialCd | MediaKind::SequentialDvdMinus | MediaKind::SequentialPlusOrBd => {
            report.layout = Layout::Sequential;
            report.status = match report.info.status {
                MediaStatus::Empty => Status::Empty,
                MediaStatus::Blank => Status::Blank,
                MediaStatus::Appendable => Status::Appendable,
                MediaStatus::Closed | MediaStatus::DecidedByContent => Status::Closed,
            };
            report.sessions = toc_sessions(rec, &report.info);
            if report.info.last_session_open {
                report.notes.push(
                    "the last session is still open; it is closed before a new one is written"
                        .into(),
                );
            }
            if let Some(t) = report.info.next_track {
                match t.damage {
                    Damage::None => {}
                    Damage::Writable => report.notes.push(format!(
                        "the track at LBA {} is marked damaged but still writable",
                        t.nwa
                    )),
                    Damage::NotWritable => report.notes.push(
                        "the last track is damaged and not writable; it can only be closed".into(),
                    ),
                }
            }
            if matches!(report.status, Status::Blank | Status::Appendable) {
                report.next_start = report.info.next_writable();
                report.free_blocks = report.info.free_blocks();
            }
        }
        MediaKind::Overwritable => {
            report.layout = Layout::Emulated;
            inspect_emulated(rec, &mut report)?;
        }
    }
    Ok(report)
}

/// xorriso's names where ours differ.
fn profile_name(p: Profile) -> &'static str {
    if p == Profile::STDIO {
        "stdio file"
    } else {
        p.name()
    }
}

/// Sessions of the table of contents with the volume id of each PVD.
fn toc_sessions<T: Transport>(rec: &mut Recorder<T>, info: &MediaInfo) -> Vec<Session> {
    info.sessions
        .iter()
        .enumerate()
        .map(|(i, s)| Session {
            number: i as u32 + 1,
            start: s.start,
            blocks: s.blocks,
            volume_id: s.volume_id.clone().or_else(|| pvd_volume_id(rec, s.start)),
        })
        .collect()
}

/// The volume id of the PVD at `start + 16` (ECMA-119 §8.4.6, bytes
/// 40–71, trailing spaces trimmed), if there is one.
pub(crate) fn pvd_volume_id<T: Transport>(rec: &mut Recorder<T>, start: u32) -> Option<String> {
    let b = rec.read_blocks(start.checked_add(16)?, 1).ok()?;
    (b[0] == 1 && &b[1..6] == b"CD001").then(|| {
        String::from_utf8_lossy(&b[40..72])
            .trim_end_matches([' ', '\0'])
            .to_string()
    })
}

fn inspect_emulated<T: Transport>(rec: &mut Recorder<T>, report: &mut MediaReport) -> Result<()> {
    let info = report.info.clone();
    let capacity = info.capacity;
    if info.status == MediaStatus::Blank {
        // Unformatted: nothing can be recorded yet.
        report.status = Status::Blank;
        report.head = Some(HeadState::Blank);
    } else {
        let head = emulation::read_head(rec)?;
        let state = emulation::classify(&head);
        report.status = match &state {
            HeadState::Blank => Status::Blank,
            HeadState::Iso { .. } => Status::Appendable,
            HeadState::Unknown(what) => {
                report.notes.push(format!("the medium holds {what}"));
                Status::UnknownData
            }
        };
        report.head = Some(state);
    }
    if info.dvd_rw_intermediate() {
        report.notes.push(
            "DVD-RW in the intermediate state (quick formatted): the first session goes to LBA 0"
                .into(),
        );
    }
    match report.head.clone() {
        Some(HeadState::Blank) => {
            report.next_start = Some(if info.dvd_rw_intermediate() { 0 } else { 32 });
        }
        Some(HeadState::Iso { end }) => {
            let end_hint = info.readable_blocks;
            let mut src = match end_hint {
                Some(e) => DiscBlocks::with_end(rec, e),
                None => DiscBlocks::new(rec),
            };
            match emulated_sessions(&mut src) {
                Ok(list) => {
                    if list.len() == 1 && list[0].start == 0 && end > 32 {
                        report.notes.push(
                            "one session at LBA 0 (a plain image, or the chain of session \
                             headers is broken): adding keeps only a single-session view"
                                .into(),
                        );
                    }
                    report.sessions = list
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| Session {
                            number: i as u32 + 1,
                            start: s.start,
                            blocks: s.size,
                            volume_id: Some(s.volume_id),
                        })
                        .collect();
                }
                Err(e) => {
                    report
                        .notes
                        .push(format!("the session table cannot be read: {e}"));
                    report.sessions = vec![Session {
                        number: 1,
                        start: 0,
                        blocks: end,
                        volume_id: pvd_volume_id(rec, 0),
                    }];
                }
            }
            report.next_start = u32::try_from(round_up_32(u64::from(end))).ok();
        }
        _ => {}
    }
    if let (Some(n), Some(c)) = (report.next_start, capacity) {
        report.free_blocks = Some(c.saturating_sub(u64::from(n)));
    }
    Ok(())
}
