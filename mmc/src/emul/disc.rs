//! The durable state of the medium in the emulated recorder and its state
//! machine: what a WRITE, CLOSE TRACK/SESSION, BLANK, FORMAT UNIT or RESERVE
//! TRACK does to it. No CDB decoding and no I/O here; the command layer
//! (`exec.rs`) decodes, this module decides, the store moves bytes.
//!
//! Model values that MMC leaves to the media format books are stated where
//! they are defined (`session_gap`, capacities in `media.rs`).

use super::fail::{self, Fail};
use super::media::{self, Media};
use crate::profile::{Family, Profile};

/// How a track was (or is being) recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TrackKind {
    /// CD Track At Once (page 05h write type 01h): 2 run-out blocks follow.
    Tao,
    /// CD Session At Once from a cue sheet (write type 02h).
    Sao,
    /// DVD-R/-RW Incremental (write type 00h), fixed 16-block packets.
    Incremental,
    /// DVD-R/-RW Disc At Once (write type 02h), reserved in advance.
    Dao,
    /// DVD+R / BD-R: the fixed write type of those media (no page 05h).
    Fixed,
}

impl TrackKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TrackKind::Tao => "tao",
            TrackKind::Sao => "sao",
            TrackKind::Incremental => "incremental",
            TrackKind::Dao => "dao",
            TrackKind::Fixed => "fixed",
        }
    }

    pub(crate) fn from_name(s: &str) -> Option<TrackKind> {
        [
            TrackKind::Tao,
            TrackKind::Sao,
            TrackKind::Incremental,
            TrackKind::Dao,
            TrackKind::Fixed,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}

/// CD TAO run-out: two unreadable link blocks after each TAO track
/// (`mmc-recipes.md` §3.4 caveat, §6.6; MMC-6 §4.2.3 "Track at Once").
pub(crate) const TAO_RUNOUT: u32 = 2;
/// CD pre-gap of a TAO track (2 s) written by the drive in front of every
/// track after the first of a session.
pub(crate) const CD_PREGAP: u32 = 150;
/// Minimum CD track length; shorter TAO tracks are padded on close
/// (MMC-6 CLOSE TRACK SESSION, "Track at Once": 4 s).
pub(crate) const CD_MIN_TRACK: u32 = 300;
/// Session limit of DVD+R (cookbook "DVD+R[/DL]"; MMC-6 §4.3.6).
pub(crate) const DVD_PLUS_R_MAX_SESSIONS: u16 = 153;
/// DVD+R DL: drives finalize at session 127 (Pioneer R11 reference).
pub(crate) const DVD_PLUS_R_DL_MAX_SESSIONS: u16 = 127;

/// One logical track of a sequentially recorded medium.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Track {
    pub session: u16,
    pub start: u32,
    /// Blocks recorded from `start` (the NWA is `start + recorded`),
    /// including padding added when the track was closed.
    pub recorded: u32,
    /// Fixed size of a reserved track (RESERVE TRACK, DAO, cue sheet).
    pub reserved: Option<u32>,
    pub closed: bool,
    pub kind: TrackKind,
    /// CD CONTROL nibble / track mode (4 = data, uninterrupted).
    pub control: u8,
    /// Data mode: 1 (Mode 1) or 2 (Mode 2 XA).
    pub data_mode: u8,
}

impl Track {
    /// Logical track size as READ TRACK INFORMATION reports it for a
    /// complete or reserved track (CD TAO: with run-out).
    pub(crate) fn size(&self) -> u32 {
        if let Some(r) = self.reserved {
            r
        } else if self.closed && self.kind == TrackKind::Tao {
            self.recorded + TAO_RUNOUT
        } else {
            self.recorded
        }
    }

    pub(crate) fn end(&self) -> u32 {
        self.start.saturating_add(self.size())
    }

    /// Next writable address when the track accepts more data.
    pub(crate) fn nwa(&self) -> Option<u32> {
        if self.closed {
            return None;
        }
        match self.reserved {
            Some(r) if self.recorded >= r => None,
            _ => Some(self.start + self.recorded),
        }
    }
}

/// State of a sequentially recorded medium (CD-R/RW, DVD-R, DVD-RW
/// sequential, DVD+R(/DL), BD-R SRM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seq {
    /// End of the user data area (blocks).
    pub capacity: u32,
    /// Complete, reserved and incomplete tracks in LBA order. The invisible
    /// track (not yet written) is not stored; see [`Seq::invisible_start`].
    pub tracks: Vec<Track>,
    pub closed_sessions: u16,
    pub finalized: bool,
    /// Start of the invisible track when no incomplete open-ended track
    /// exists at the end.
    pub next_start: u32,
    /// CD disc type (READ DISC INFORMATION byte 8): session format of the
    /// first session, 00h CD-ROM or 20h CD-ROM XA.
    pub disc_type: u8,
}

impl Seq {
    pub(crate) fn blank(capacity: u32) -> Seq {
        Seq {
            capacity,
            tracks: Vec::new(),
            closed_sessions: 0,
            finalized: false,
            next_start: 0,
            disc_type: 0,
        }
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.tracks.is_empty() && self.closed_sessions == 0 && !self.finalized
    }

    pub(crate) fn open_session(&self) -> u16 {
        self.closed_sessions + 1
    }

    /// Index of an incomplete open-ended track at the end (the invisible
    /// track after its first WRITE).
    pub(crate) fn open_tail(&self) -> Option<usize> {
        let i = self.tracks.len().checked_sub(1)?;
        let t = &self.tracks[i];
        (!t.closed && t.reserved.is_none()).then_some(i)
    }

    fn has_dao(&self) -> bool {
        self.tracks.iter().any(|t| t.kind == TrackKind::Dao)
    }

    /// True when an invisible (blank, open-ended) track exists that is not
    /// stored in `tracks`.
    pub(crate) fn has_virtual_invisible(&self) -> bool {
        !self.finalized
            && self.open_tail().is_none()
            && !self.has_dao()
            && self.next_start < self.capacity
    }

    /// Track number of the last track including the invisible one.
    pub(crate) fn last_track_number(&self) -> u16 {
        self.tracks.len() as u16 + u16::from(self.has_virtual_invisible())
    }

    /// The NWA of the invisible/incomplete track, when there is one.
    pub(crate) fn invisible_nwa(&self) -> Option<u32> {
        if let Some(i) = self.open_tail() {
            return self.tracks[i].nwa().filter(|&n| n < self.capacity);
        }
        self.has_virtual_invisible().then_some(self.next_start)
    }

    /// Last block of recorded data + 1 (READ CAPACITY on sequential media):
    /// the end of the last track holding data; CD TAO tracks include their
    /// run-out (`mmc-recipes.md` §3.4 caveat).
    pub(crate) fn recorded_end(&self) -> u32 {
        self.tracks
            .iter()
            .filter(|t| t.recorded > 0)
            .map(|t| {
                if t.closed && t.kind == TrackKind::Tao {
                    t.start + t.recorded + TAO_RUNOUT
                } else {
                    t.start + t.recorded
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// Tracks of complete sessions.
    pub(crate) fn complete_tracks(&self) -> impl Iterator<Item = (usize, &Track)> {
        let closed = self.closed_sessions;
        self.tracks
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.session <= closed)
    }
}

/// Background format status of DVD+RW (READ DISC INFORMATION byte 7 bits
/// 1–0, MMC-6 §6.21.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bg {
    /// 00b: never formatted.
    None,
    /// 01b: started, then stopped before completion.
    Stopped,
    /// 10b: running.
    Running,
    /// 11b: complete.
    Complete,
}

impl Bg {
    pub(crate) fn bits(self) -> u8 {
        match self {
            Bg::None => 0,
            Bg::Stopped => 1,
            Bg::Running => 2,
            Bg::Complete => 3,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Bg::None => "none",
            Bg::Stopped => "stopped",
            Bg::Running => "running",
            Bg::Complete => "complete",
        }
    }

    pub(crate) fn from_name(s: &str) -> Option<Bg> {
        [Bg::None, Bg::Stopped, Bg::Running, Bg::Complete]
            .into_iter()
            .find(|b| b.name() == s)
    }
}

/// State of an overwritable medium (DVD-RAM, DVD+RW, BD-RE, DVD-RW in
/// restricted overwrite).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ow {
    /// Formatted size in blocks; 0 = unformatted.
    pub formatted: u32,
    /// BD: spare blocks set aside by the format (informational).
    pub spare: u32,
    /// DVD-RW restricted overwrite "intermediate" state after format 13h/15h
    /// (sequential growth at `formatted`, closed by CLOSE SESSION 010b).
    pub intermediate: bool,
    /// DVD+RW background format.
    pub bg: Bg,
    /// DVD+RW background format progress, parts per million, as of the last
    /// change of `bg`.
    pub bg_ppm: u32,
}

impl Ow {
    fn unformatted() -> Ow {
        Ow {
            formatted: 0,
            spare: 0,
            intermediate: false,
            bg: Bg::None,
            bg_ppm: 0,
        }
    }
}

/// BD-R formatting (MMC-6 §6.5.4.2.1: format 00h/32h sub-types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BdRFormat {
    /// Not formatted: SRM without spares on first write.
    None,
    /// SRM with spares, without Pseudo-Overwrite (sub-type 01b).
    Srm,
    /// SRM with spares and Pseudo-Overwrite (sub-type 00b): feature 0038h.
    SrmPow,
}

impl BdRFormat {
    pub(crate) fn name(self) -> &'static str {
        match self {
            BdRFormat::None => "none",
            BdRFormat::Srm => "srm",
            BdRFormat::SrmPow => "srm-pow",
        }
    }

    pub(crate) fn from_name(s: &str) -> Option<BdRFormat> {
        [BdRFormat::None, BdRFormat::Srm, BdRFormat::SrmPow]
            .into_iter()
            .find(|b| b.name() == s)
    }
}

/// How a medium records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Sequential,
    Overwrite,
    Rom,
}

/// The page 05h values that matter to writing (MMC-6 §7.5.4, table 644),
/// plus whether a page 05h was selected since the medium was loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WriteParams {
    pub selected: bool,
    pub write_type: u8,
    pub test_write: bool,
    /// Multi-session field (byte 3 bits 7–6): 11b keeps the disc appendable.
    pub multi: u8,
    pub fixed_packet: bool,
    pub track_mode: u8,
    pub data_block_type: u8,
    pub session_format: u8,
    pub packet_size: u32,
}

/// What a state change costs in (simulated) drive time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Work {
    None,
    CloseTrack,
    CloseSession,
    Finalize,
    BlankMinimal,
    BlankFull,
    FormatQuick,
    FormatFull,
}

/// The durable state of the medium.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Disc {
    pub media: Media,
    /// Tray closed with the medium in it.
    pub loaded: bool,
    pub seq: Seq,
    pub ow: Ow,
    /// DVD-RW currently in restricted overwrite (profile 0013h).
    pub dvdrw_ro: bool,
    /// DVD-RW: Incremental Streaming (feature 0021h) usable; false after a
    /// minimal blank (cookbook "Unformatted DVD-RW").
    pub feat21: bool,
    pub bdr: BdRFormat,
    /// ROM kinds: size of the pressed disc in blocks.
    pub rom_blocks: u32,
}

fn round_up(v: u32, to: u32) -> u32 {
    if to <= 1 {
        v
    } else {
        v.div_ceil(to).saturating_mul(to)
    }
}

impl Disc {
    /// A new medium as sold.
    pub(crate) fn fresh(media: Media, rom_blocks: u32) -> Disc {
        let mut ow = Ow::unformatted();
        if media == Media::DvdRam {
            ow.formatted = media::DVD_RAM_CAPACITY;
        }
        Disc {
            media,
            loaded: true,
            seq: Seq::blank(media.blank_capacity()),
            ow,
            dvdrw_ro: false,
            feat21: true,
            bdr: BdRFormat::None,
            rom_blocks,
        }
    }

    pub(crate) fn mode(&self) -> Mode {
        match self.media {
            Media::CdRom | Media::DvdRom | Media::BdRom => Mode::Rom,
            Media::DvdPlusRw | Media::DvdRam | Media::BdRe => Mode::Overwrite,
            Media::DvdRw if self.dvdrw_ro => Mode::Overwrite,
            _ => Mode::Sequential,
        }
    }

    /// Current profile (GET CONFIGURATION bytes 6–7); 0000h without medium.
    pub(crate) fn profile(&self) -> Profile {
        if !self.loaded {
            return Profile::NONE;
        }
        match self.media {
            Media::DvdRw if self.dvdrw_ro => Profile::DVD_RW_RO,
            m => m.initial_profile(),
        }
    }

    pub(crate) fn family(&self) -> Family {
        self.media.family()
    }

    /// Blocks per ECC block / cluster (alignment of closed tracks).
    pub(crate) fn blocking(&self) -> u32 {
        self.media.blocking()
    }

    /// Size of the area reads may address: formatted size, ROM size, or the
    /// capacity of sequential media.
    pub(crate) fn user_area(&self) -> u32 {
        match self.mode() {
            Mode::Rom => self.rom_blocks,
            Mode::Overwrite => self.ow_writable_size(),
            Mode::Sequential => self.seq.capacity,
        }
    }

    /// Blocks an overwritable medium accepts writes in (0 = unformatted).
    pub(crate) fn ow_writable_size(&self) -> u32 {
        match self.media {
            // Writable while de-icing: the whole disc once formatting started.
            Media::DvdPlusRw if self.ow.bg != Bg::None => self.seq.capacity,
            _ => self.ow.formatted,
        }
    }

    pub(crate) fn is_erasable(&self) -> bool {
        matches!(
            self.media,
            Media::CdRw | Media::DvdRw | Media::DvdPlusRw | Media::DvdRam | Media::BdRe
        )
    }

    /// READ CAPACITY: number of readable blocks (last LBA + 1).
    pub(crate) fn readable_blocks(&self) -> u32 {
        match self.mode() {
            Mode::Rom => self.rom_blocks,
            Mode::Overwrite => self.ow_writable_size(),
            Mode::Sequential => self.seq.recorded_end(),
        }
    }

    /// Session gap: blocks from the end of a closed session's last track to
    /// the start of the next session's first track.
    ///
    /// * CD: lead-out + lead-in + pre-gap = 6750 + 4500 + 150 = 11 400 after
    ///   the first session, 2250 + 4500 + 150 = 6900 after later ones
    ///   (cookbook "Obtaining a Table Of Content from CD"; `mmc-recipes.md`
    ///   §3.4).
    /// * DVD-R/-RW: Border-out + Border-in. MMC-6 leaves the Border Zone size
    ///   to the format books (ECMA-279, ECMA-338); drives report NWAs that
    ///   skip tens of MiB after the first border and a few MiB after later
    ///   ones. Model values: 30 720 blocks (60 MiB) after the first session,
    ///   6 144 blocks (12 MiB) after later ones, ECC-block aligned.
    /// * DVD+R(/DL): session Closure + next Intro (ECMA-349 zones). Model
    ///   value: 4 096 blocks (8 MiB) per session boundary.
    /// * BD-R SRM: sessions have no lead-in/lead-out zones of their own (the
    ///   session structure lives in the TDMA/SRRI); the next session starts
    ///   at the next cluster.
    ///
    /// The burn engine must never compute these: it reads the NWA.
    pub(crate) fn session_gap(&self, first: bool) -> u32 {
        match self.media {
            Media::CdR | Media::CdRw => {
                if first {
                    11_400
                } else {
                    6_900
                }
            }
            Media::DvdR | Media::DvdRw => {
                if first {
                    30_720
                } else {
                    6_144
                }
            }
            Media::DvdPlusR | Media::DvdPlusRDl => 4_096,
            _ => 0,
        }
    }

    fn max_sessions(&self) -> u16 {
        match self.media {
            Media::DvdPlusR => DVD_PLUS_R_MAX_SESSIONS,
            Media::DvdPlusRDl => DVD_PLUS_R_DL_MAX_SESSIONS,
            _ => u16::MAX,
        }
    }

    // ------------------------------------------------------------------
    // Sequential recording
    // ------------------------------------------------------------------

    /// Checks a WRITE of `blocks` at `lba` on a sequential medium and, when
    /// it is acceptable, records it. Returns the LBA to store the data at.
    /// CD SAO writes are handled by [`SaoPlan::write`].
    pub(crate) fn seq_write(
        &mut self,
        lba: i64,
        blocks: u32,
        wp: &WriteParams,
    ) -> Result<u32, Fail> {
        if self.seq.finalized {
            return Err(fail::CANNOT_WRITE.at(lba));
        }
        let family = self.family();
        let kind = match self.media {
            Media::CdR | Media::CdRw => {
                if !wp.selected {
                    return Err(fail::SEQUENCE);
                }
                match wp.write_type {
                    1 => TrackKind::Tao,
                    // SAO without (or after) a cue sheet.
                    _ => return Err(fail::SEQUENCE),
                }
            }
            Media::DvdR | Media::DvdRw => {
                if !wp.selected {
                    return Err(fail::SEQUENCE);
                }
                match wp.write_type {
                    0 => {
                        if !self.feat21 {
                            // Incremental refused after a minimal blank:
                            // `sense-and-retries.md` §5.3.
                            return Err(fail::ILLEGAL_MODE.at(lba));
                        }
                        if self.seq.has_dao() {
                            return Err(fail::SEQUENCE);
                        }
                        TrackKind::Incremental
                    }
                    2 => {
                        if !self.seq.has_dao() {
                            // DAO needs RESERVE TRACK first.
                            return Err(fail::SEQUENCE);
                        }
                        TrackKind::Dao
                    }
                    _ => return Err(fail::ILLEGAL_MODE.at(lba)),
                }
            }
            _ => TrackKind::Fixed,
        };
        if lba < 0 || lba > u32::MAX as i64 {
            return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
        }
        let lba32 = lba as u32;
        // Fixed 16-block packets (DVD+R; DVD-R incremental with FP = 1).
        let packet = match kind {
            TrackKind::Fixed if family == Family::Dvd => 16,
            TrackKind::Incremental if wp.fixed_packet => 16,
            _ => 1,
        };
        if !blocks.is_multiple_of(packet) {
            return Err(fail::INVALID_PACKET_SIZE.at(lba));
        }

        // Which track is written: a reserved/incomplete track at its NWA, or
        // the invisible track.
        let target = self.seq.tracks.iter().position(|t| t.nwa() == Some(lba32));
        let (idx, room) = match target {
            Some(i) => {
                let t = &self.seq.tracks[i];
                if t.kind == TrackKind::Dao && kind != TrackKind::Dao {
                    return Err(fail::SEQUENCE);
                }
                let room = match t.reserved {
                    Some(r) => r - t.recorded,
                    None => self.seq.capacity - lba32,
                };
                (Some(i), room)
            }
            None => {
                if kind == TrackKind::Dao || !self.seq.has_virtual_invisible() {
                    return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
                }
                if lba32 != self.seq.next_start {
                    return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
                }
                (None, self.seq.capacity - lba32)
            }
        };
        if blocks > room {
            return Err(fail::END_OF_USER_AREA.at(lba));
        }
        match idx {
            Some(i) => self.seq.tracks[i].recorded += blocks,
            None => {
                if family == Family::Cd && self.seq.tracks.len() >= 99 {
                    return Err(fail::PMA_FULL);
                }
                if self.seq.tracks.is_empty() && self.seq.closed_sessions == 0 {
                    self.seq.disc_type = wp.session_format;
                }
                let (control, data_mode) = match family {
                    Family::Cd => (
                        wp.track_mode & 0x0F,
                        if wp.data_block_type == 10 { 2 } else { 1 },
                    ),
                    _ => (if kind == TrackKind::Incremental { 5 } else { 4 }, 1),
                };
                let session = self.seq.open_session();
                self.seq.tracks.push(Track {
                    session,
                    start: lba32,
                    recorded: blocks,
                    reserved: None,
                    closed: false,
                    kind,
                    control,
                    data_mode,
                });
            }
        }
        Ok(lba32)
    }

    /// SYNCHRONIZE CACHE on a sequential medium: closes a CD TAO track
    /// (libburn relies on it since 0.7.4, cookbook TAO chapter) and closes a
    /// completely written DVD-R DAO disc.
    pub(crate) fn seq_sync(&mut self) -> Work {
        if self.seq.finalized {
            return Work::None;
        }
        if let Some(i) = self.seq.open_tail()
            && self.seq.tracks[i].kind == TrackKind::Tao
        {
            self.close_track_at(i);
            return Work::CloseTrack;
        }
        if let Some(i) = self
            .seq
            .tracks
            .iter()
            .position(|t| t.kind == TrackKind::Dao && !t.closed)
            && self.seq.tracks[i].nwa().is_none()
        {
            self.seq.tracks[i].closed = true;
            self.seq.closed_sessions += 1;
            self.seq.finalized = true;
            return Work::Finalize;
        }
        Work::None
    }

    /// Closes track `i`: pads it (reserved size, CD minimum length, ECC
    /// block / cluster) and moves the invisible track behind it.
    fn close_track_at(&mut self, i: usize) {
        let blocking = self.blocking();
        let capacity = self.seq.capacity;
        let cd = self.family() == Family::Cd;
        let t = &mut self.seq.tracks[i];
        let was_tail = t.reserved.is_none();
        t.recorded = match t.reserved {
            Some(r) => r,
            None if t.kind == TrackKind::Tao => t.recorded.max(CD_MIN_TRACK),
            None => round_up(t.recorded, blocking),
        };
        t.recorded = t.recorded.min(capacity - t.start);
        t.closed = true;
        let end = t.end();
        if was_tail {
            self.seq.next_start = if cd {
                end.saturating_add(CD_PREGAP)
            } else {
                round_up(end, blocking)
            }
            .min(capacity);
        }
    }

    /// RESERVE TRACK (MMC-6 §6.30), ARSV = 0: reserves `size` blocks for a
    /// new track at the invisible track's start.
    pub(crate) fn reserve(&mut self, size: u32, wp: &WriteParams) -> Result<(), Fail> {
        match self.mode() {
            Mode::Rom => return Err(fail::CANNOT_WRITE),
            Mode::Overwrite => return Err(fail::INVALID_CDB),
            Mode::Sequential => {}
        }
        // CD: reservations are not used; drives answer 5/24/00 in TAO
        // (`mmc-recipes.md` §6.4).
        if self.family() == Family::Cd || size == 0 {
            return Err(fail::INVALID_CDB);
        }
        if self.seq.finalized {
            return Err(fail::CANNOT_WRITE);
        }
        let dao = matches!(self.media, Media::DvdR | Media::DvdRw) && wp.write_type == 2;
        if dao {
            if !wp.selected || !self.seq.is_blank() {
                return Err(fail::SEQUENCE);
            }
        } else if matches!(self.media, Media::DvdR | Media::DvdRw) && !wp.selected {
            return Err(fail::SEQUENCE);
        }
        if !self.seq.has_virtual_invisible() {
            // The invisible track already holds data, or the disc is full.
            return Err(fail::SEQUENCE);
        }
        if self.seq.tracks.iter().filter(|t| !t.closed).count() >= 15 {
            return Err(fail::NO_MORE_RESERVATIONS);
        }
        let start = self.seq.next_start;
        let size = round_up(size, self.blocking());
        if size > self.seq.capacity - start {
            return Err(fail::INVALID_CDB);
        }
        let session = self.seq.open_session();
        self.seq.tracks.push(Track {
            session,
            start,
            recorded: 0,
            reserved: Some(size),
            closed: false,
            kind: if dao {
                TrackKind::Dao
            } else if matches!(self.media, Media::DvdR | Media::DvdRw) {
                TrackKind::Incremental
            } else {
                TrackKind::Fixed
            },
            control: if matches!(self.media, Media::DvdR | Media::DvdRw) && !dao {
                5
            } else {
                4
            },
            data_mode: 1,
        });
        self.seq.next_start = start + size;
        Ok(())
    }

    /// CLOSE TRACK/SESSION (MMC-6 §6.3) with close function `func` and
    /// logical track number `number`; close functions per profile as in
    /// `mmc-recipes.md` §6.7.
    pub(crate) fn close(&mut self, func: u8, number: u16, wp: &WriteParams) -> Result<Work, Fail> {
        match self.mode() {
            Mode::Rom => Err(fail::CANNOT_WRITE),
            Mode::Overwrite => self.ow_close(func),
            Mode::Sequential => self.seq_close(func, number, wp),
        }
    }

    fn seq_close(&mut self, func: u8, number: u16, wp: &WriteParams) -> Result<Work, Fail> {
        let allowed: &[u8] = match self.media {
            Media::CdR | Media::CdRw | Media::DvdR | Media::DvdRw => &[1, 2],
            Media::DvdPlusR | Media::DvdPlusRDl => &[1, 2, 5, 6],
            Media::BdR => &[1, 2, 6],
            _ => &[],
        };
        if !allowed.contains(&func) {
            return Err(fail::INVALID_CDB);
        }
        if self.seq.finalized {
            return Err(fail::SEQUENCE);
        }
        // DVD-R DAO: the disc closes itself; a close pads the reservation.
        if let Some(i) = self
            .seq
            .tracks
            .iter()
            .position(|t| t.kind == TrackKind::Dao && !t.closed)
        {
            if func == 1 && usize::from(number) != i + 1 {
                return Err(fail::INVALID_CDB);
            }
            self.close_track_at(i);
            self.seq.closed_sessions += 1;
            self.seq.finalized = true;
            return Ok(Work::Finalize);
        }
        match func {
            1 => self.seq_close_track(number),
            2 => {
                // Page 05h Multi-session: only 11b allows a next session;
                // 00b and 01b (B0 = FF/FF/FF) close the disc (MMC-6 §7.5.4).
                let finalize = match self.media {
                    Media::CdR | Media::CdRw | Media::DvdR | Media::DvdRw => wp.multi != 3,
                    _ => false,
                };
                self.seq_close_session(finalize)
            }
            _ => self.seq_close_session(true),
        }
    }

    fn seq_close_track(&mut self, number: u16) -> Result<Work, Fail> {
        if self.family() == Family::Cd {
            // CD: track FFh or the open track's number; closing after
            // SYNCHRONIZE CACHE already closed it is a no-op (MMC-5 is silent
            // about it; libburn used FFh after the sync until 0.7.4).
            if let Some(i) = self.seq.open_tail() {
                if number == 0xFF || usize::from(number) == i + 1 {
                    self.close_track_at(i);
                    return Ok(Work::CloseTrack);
                }
                return Err(fail::INVALID_CDB);
            }
            let last = self.seq.tracks.len();
            return if number == 0xFF || (number != 0 && usize::from(number) <= last) {
                Ok(Work::None)
            } else {
                Err(fail::INVALID_CDB)
            };
        }
        let i = usize::from(number)
            .checked_sub(1)
            .ok_or(fail::INVALID_CDB)?;
        match self.seq.tracks.get(i) {
            Some(t) if !t.closed => {
                self.close_track_at(i);
                Ok(Work::CloseTrack)
            }
            _ => Err(fail::INVALID_CDB),
        }
    }

    fn seq_close_session(&mut self, finalize: bool) -> Result<Work, Fail> {
        let open = self.seq.open_session();
        let cd = self.family() == Family::Cd;
        let in_session: Vec<usize> = (0..self.seq.tracks.len())
            .filter(|&i| self.seq.tracks[i].session == open)
            .collect();
        if in_session.is_empty() {
            // Finalizing an appendable disc whose sessions are all closed.
            if finalize && self.seq.closed_sessions > 0 {
                self.seq.finalized = true;
                return Ok(Work::Finalize);
            }
            return Err(fail::SEQUENCE);
        }
        for &i in &in_session {
            if !self.seq.tracks[i].closed {
                if cd {
                    self.close_track_at(i);
                } else {
                    return Err(fail::INCOMPLETE_TRACK);
                }
            }
        }
        let first = self.seq.closed_sessions == 0;
        self.seq.closed_sessions += 1;
        let end = self.seq.tracks.iter().map(Track::end).max().unwrap_or(0);
        let next = round_up(end, self.blocking()).saturating_add(self.session_gap(first));
        if finalize || self.seq.closed_sessions >= self.max_sessions() || next >= self.seq.capacity
        {
            self.seq.finalized = true;
            return Ok(Work::Finalize);
        }
        self.seq.next_start = next;
        Ok(Work::CloseSession)
    }

    // ------------------------------------------------------------------
    // Overwritable media
    // ------------------------------------------------------------------

    fn ow_close(&mut self, func: u8) -> Result<Work, Fail> {
        match self.media {
            Media::DvdPlusRw => match func {
                // 000b quick stop, 010b compatible stop of the background
                // format; 011b completes it (MMC-6 §6.3.3; cookbook
                // "Unformatted DVD+RW").
                0 | 2 => match self.ow.bg {
                    Bg::None => Err(fail::SEQUENCE),
                    Bg::Running => {
                        self.ow.bg = Bg::Stopped;
                        Ok(Work::CloseSession)
                    }
                    Bg::Stopped | Bg::Complete => Ok(Work::None),
                },
                3 => match self.ow.bg {
                    Bg::None => Err(fail::SEQUENCE),
                    Bg::Complete => Ok(Work::None),
                    _ => {
                        self.ow.bg = Bg::Complete;
                        self.ow.bg_ppm = 1_000_000;
                        Ok(Work::Finalize)
                    }
                },
                _ => Err(fail::INVALID_CDB),
            },
            Media::DvdRw => match func {
                // 010b brings the session out of the intermediate state
                // (cookbook "Intermediate state DVD-RW"); harmless otherwise.
                2 | 3 => {
                    if self.ow.intermediate {
                        self.ow.intermediate = false;
                        self.ow.formatted = round_up(self.ow.formatted, 16).min(self.seq.capacity);
                        Ok(Work::CloseSession)
                    } else {
                        Ok(Work::None)
                    }
                }
                _ => Err(fail::INVALID_CDB),
            },
            // DVD-RAM, BD-RE: closing has no meaning.
            _ => Err(fail::INVALID_CDB),
        }
    }

    /// Checks a WRITE on an overwritable medium; DVD-RW in the intermediate
    /// state grows its formatted area sequentially.
    pub(crate) fn ow_write(&mut self, lba: i64, blocks: u32) -> Result<u32, Fail> {
        if self.ow_writable_size() == 0 && !self.ow.intermediate {
            return Err(fail::NOT_FORMATTED.at(lba));
        }
        if lba < 0 || lba > u32::MAX as i64 {
            return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
        }
        let lba32 = lba as u32;
        let end = lba32 as u64 + blocks as u64;
        if self.media == Media::DvdRw {
            // Restricted overwrite: whole 32 KiB ECC blocks only
            // (cookbook "Overwriting in general").
            if !lba32.is_multiple_of(16) {
                return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
            }
            if !blocks.is_multiple_of(16) {
                return Err(fail::INVALID_CDB);
            }
            if self.ow.intermediate && lba32 <= self.ow.formatted && end > self.ow.formatted as u64
            {
                if end > self.seq.capacity as u64 {
                    return Err(fail::END_OF_USER_AREA.at(lba));
                }
                self.ow.formatted = end as u32;
                return Ok(lba32);
            }
        }
        if end > self.ow_writable_size() as u64 {
            return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
        }
        if self.media == Media::DvdPlusRw && self.ow.bg == Bg::Stopped {
            // Writing beyond a stopped format restarts it; the model lets
            // the whole disc be written (MMC-6 §4.3.5 DVD+RW).
            self.ow.bg = Bg::Running;
        }
        Ok(lba32)
    }

    // ------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------

    /// Checks a READ of `blocks` from `lba`. Errors carry the first failing
    /// LBA in the INFORMATION field.
    ///
    /// Choices (MMC-6 leaves them to the drive): beyond the user area or in
    /// the lead-out/lead-in gap between sessions → 5/21/00; unrecorded
    /// blocks inside the recordable area of a write-once medium → 8/00/00
    /// BLANK CHECK; CD TAO run-out blocks → 3/11/00; unformatted
    /// overwritable medium → 5/30/10.
    pub(crate) fn read_check(&self, lba: i64, blocks: u32) -> Result<(), Fail> {
        let end = lba + blocks as i64;
        match self.mode() {
            Mode::Rom | Mode::Overwrite => {
                if self.mode() == Mode::Overwrite && self.user_area() == 0 {
                    return Err(fail::NOT_FORMATTED.at(lba));
                }
                if lba < 0 {
                    return Err(fail::LBA_OUT_OF_RANGE.at(lba));
                }
                if end > self.user_area() as i64 {
                    return Err(fail::LBA_OUT_OF_RANGE.at(lba.max(self.user_area() as i64)));
                }
                Ok(())
            }
            Mode::Sequential => {
                let mut at = lba;
                while at < end {
                    at = self.seq_readable_run(at)?.min(end);
                }
                Ok(())
            }
        }
    }

    /// Returns the end of the readable run starting at `lba`, or the error
    /// for reading `lba`.
    fn seq_readable_run(&self, lba: i64) -> Result<i64, Fail> {
        let s = &self.seq;
        if lba < 0 || lba >= s.capacity as i64 {
            return Err(fail::LBA_OUT_OF_RANGE.at(lba));
        }
        let l = lba as u32;
        for t in &s.tracks {
            if l < t.start {
                continue;
            }
            let data_end = t.start + t.recorded;
            if l < data_end {
                return Ok(data_end as i64);
            }
            if t.closed && t.kind == TrackKind::Tao && l < data_end + TAO_RUNOUT {
                return Err(fail::UNRECOVERED_READ.at(lba));
            }
            let track_end = match (t.reserved, t.closed) {
                (Some(r), _) => t.start + r,
                (None, true) => t.end(),
                // Incomplete open-ended track: up to the end of the disc.
                (None, false) => s.capacity,
            };
            if l < track_end {
                return Err(fail::BLANK_CHECK.at(lba));
            }
        }
        if s.has_virtual_invisible() && l >= s.next_start {
            return Err(fail::BLANK_CHECK.at(lba));
        }
        Err(fail::LBA_OUT_OF_RANGE.at(lba))
    }

    // ------------------------------------------------------------------
    // BLANK and FORMAT UNIT
    // ------------------------------------------------------------------

    /// BLANK (MMC-6 §6.2) type 000b (full) or 001b (minimal). Only CD-RW and
    /// DVD-RW are blankable (`mmc-recipes.md` §4).
    pub(crate) fn blank(&mut self, minimal: bool) -> Result<Work, Fail> {
        match self.media {
            Media::CdRw => {
                self.seq = Seq::blank(self.media.blank_capacity());
            }
            Media::DvdRw => {
                // Restricted overwrite goes back to sequential; only a full
                // blank restores Incremental Streaming (cookbook "Unformatted
                // DVD-RW").
                self.dvdrw_ro = false;
                self.ow = Ow::unformatted();
                self.seq = Seq::blank(self.media.blank_capacity());
                self.feat21 = !minimal;
            }
            _ => return Err(fail::INCOMPATIBLE_MEDIUM),
        }
        Ok(if minimal {
            Work::BlankMinimal
        } else {
            Work::BlankFull
        })
    }

    /// The formattable capacity descriptors of READ FORMAT CAPACITIES
    /// (MMC-6 §6.23.3.3): (blocks, format type, type dependent parameter).
    pub(crate) fn format_descriptors(&self) -> Vec<(u32, u8, u32)> {
        let cap = self.seq.capacity;
        match self.media {
            Media::DvdRw if !self.dvdrw_ro => {
                vec![(cap, 0x00, 0x800), (cap, 0x10, 16), (cap, 0x15, 16)]
            }
            Media::DvdRw => {
                let mut v = vec![(cap, 0x00, 0x800), (cap, 0x10, 16)];
                if !self.ow.intermediate {
                    let grow = cap - self.ow.formatted.min(cap);
                    v.push((grow, 0x11, 16));
                    v.push((grow, 0x13, 16));
                }
                v
            }
            Media::DvdPlusRw => vec![(cap, 0x26, 0)],
            Media::DvdRam => vec![
                (media::DVD_RAM_CAPACITY, 0x00, 0x800),
                (media::DVD_RAM_CAPACITY, 0x01, 0x800),
            ],
            // BD-RE list as reported by a real drive (libburn `mmc.c`,
            // dvd+rw-mediainfo of an LG BE06LU10): 00h default, 30h default /
            // maximum spare / minimum spare, 31h without spares.
            Media::BdRe => vec![
                (media::BD_DEFAULT_FORMAT, 0x00, 0x3000),
                (media::BD_DEFAULT_FORMAT, 0x30, 0x3000),
                (media::BD_MAX_SPARE_FORMAT, 0x30, 0x5000),
                (media::BD_MIN_SPARE_FORMAT, 0x30, 0x1000),
                (media::BD_CAPACITY, 0x31, 0x800),
            ],
            Media::BdR if self.seq.is_blank() && self.bdr == BdRFormat::None => vec![
                (media::BD_DEFAULT_FORMAT, 0x00, 0x3000),
                (media::BD_DEFAULT_FORMAT, 0x32, 0x3000),
                (media::BD_MAX_SPARE_FORMAT, 0x32, 0x5000),
                (media::BD_MIN_SPARE_FORMAT, 0x32, 0x1000),
            ],
            _ => Vec::new(),
        }
    }

    /// FORMAT UNIT (MMC-6 §6.5) with one format descriptor. Returns the work
    /// and whether the image content is erased.
    pub(crate) fn format(
        &mut self,
        blocks: u32,
        ftype: u8,
        subtype: u8,
        tdp: u32,
    ) -> Result<(Work, bool), Fail> {
        let cap = self.seq.capacity;
        match self.media {
            Media::DvdPlusRw => {
                if ftype != 0x26 {
                    return Err(fail::INVALID_PARAM);
                }
                let restart = tdp & 1 != 0;
                let erase = match self.ow.bg {
                    Bg::Stopped if restart => false,
                    Bg::None => false,
                    _ => {
                        self.ow.bg_ppm = 0;
                        true
                    }
                };
                self.ow.formatted = cap;
                self.ow.bg = Bg::Running;
                Ok((Work::None, erase))
            }
            Media::DvdRw => {
                match ftype {
                    0x00 | 0x10 => {
                        if blocks == 0 || blocks > cap {
                            return Err(fail::INVALID_PARAM);
                        }
                        self.dvdrw_ro = true;
                        self.ow = Ow::unformatted();
                        self.ow.formatted = round_up(blocks, 16).min(cap);
                        self.seq = Seq::blank(cap);
                        Ok((Work::FormatFull, true))
                    }
                    0x15 => {
                        if self.dvdrw_ro || blocks > cap {
                            return Err(fail::INVALID_PARAM);
                        }
                        self.dvdrw_ro = true;
                        self.ow = Ow::unformatted();
                        self.ow.formatted = round_up(blocks, 16).min(cap);
                        self.ow.intermediate = true;
                        self.seq = Seq::blank(cap);
                        Ok((Work::FormatQuick, true))
                    }
                    0x13 | 0x11 => {
                        if !self.dvdrw_ro || self.ow.intermediate {
                            return Err(fail::INVALID_PARAM);
                        }
                        let room = cap - self.ow.formatted.min(cap);
                        if blocks > room {
                            return Err(fail::INVALID_PARAM);
                        }
                        if ftype == 0x13 {
                            // Quick grow: back to the intermediate state.
                            self.ow.intermediate = true;
                            self.ow.formatted += round_up(blocks, 16).min(room);
                            Ok((Work::FormatQuick, false))
                        } else {
                            if blocks == 0 {
                                return Err(fail::INVALID_PARAM);
                            }
                            self.ow.formatted += round_up(blocks, 16).min(room);
                            Ok((Work::FormatFull, false))
                        }
                    }
                    _ => Err(fail::INVALID_PARAM),
                }
            }
            Media::DvdRam => {
                if !matches!(ftype, 0x00 | 0x01) || blocks == 0 || blocks > media::DVD_RAM_CAPACITY
                {
                    return Err(fail::INVALID_PARAM);
                }
                self.ow.formatted = blocks;
                Ok((Work::FormatFull, true))
            }
            Media::BdRe => {
                let (size, spare) = match (ftype, subtype) {
                    (0x00, 0) if blocks == media::BD_DEFAULT_FORMAT => {
                        (blocks, media::BD_CAPACITY - blocks)
                    }
                    // 30h: any size between the maximum- and minimum-spare
                    // descriptors, in whole clusters; sub-type = certification.
                    (0x30, _)
                        if (media::BD_MAX_SPARE_FORMAT..=media::BD_MIN_SPARE_FORMAT)
                            .contains(&blocks)
                            && blocks.is_multiple_of(32) =>
                    {
                        (blocks, media::BD_CAPACITY - blocks)
                    }
                    // 31h: no spares; sub-types 00b quick reformat, 01b no
                    // certification (certification needs spares).
                    (0x31, 0 | 1) if blocks == media::BD_CAPACITY => (blocks, 0),
                    _ => return Err(fail::INVALID_PARAM),
                };
                self.ow.formatted = size;
                self.ow.spare = spare;
                let full = ftype == 0x30 && subtype == 2;
                Ok((
                    if full {
                        Work::FormatFull
                    } else {
                        Work::FormatQuick
                    },
                    true,
                ))
            }
            Media::BdR => {
                if !self.seq.is_blank() || self.bdr != BdRFormat::None {
                    return Err(fail::CANNOT_FORMAT);
                }
                let ok_size = match ftype {
                    0x00 => blocks == media::BD_DEFAULT_FORMAT,
                    0x32 => {
                        (media::BD_MAX_SPARE_FORMAT..=media::BD_MIN_SPARE_FORMAT).contains(&blocks)
                            && blocks.is_multiple_of(32)
                    }
                    _ => false,
                };
                // Sub-types: 00b SRM+POW, 01b SRM without POW, 10b RRM (not
                // offered by this drive: no profile 0042h).
                if !ok_size || subtype > 1 {
                    return Err(fail::INVALID_PARAM);
                }
                self.bdr = if subtype == 0 {
                    BdRFormat::SrmPow
                } else {
                    BdRFormat::Srm
                };
                self.ow.spare = media::BD_CAPACITY - blocks;
                self.seq = Seq::blank(blocks);
                Ok((Work::FormatQuick, true))
            }
            _ => Err(fail::CANNOT_FORMAT),
        }
    }
}

/// A CD cue sheet being written in Session At Once (MMC-6 §6.32 SEND CUE
/// SHEET; cookbook "SAO CD Cookbook").
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SaoPlan {
    /// (track number, start LBA of index 1, CONTROL nibble, data mode).
    pub tracks: Vec<(u8, u32, u8, u8)>,
    /// First LBA the host writes (index 0 of the first track: −150).
    pub first: i64,
    /// Lead-out start LBA.
    pub leadout: u32,
    /// Next LBA the host must write.
    pub next: i64,
}

impl SaoPlan {
    /// Decodes and checks a data-only cue sheet. Errors are 5/26/00.
    pub(crate) fn parse(cue: &[u8], capacity: u32) -> Result<SaoPlan, Fail> {
        if cue.is_empty() || !cue.len().is_multiple_of(8) {
            return Err(fail::INVALID_PARAM);
        }
        let msf_lba =
            |e: &[u8]| -> i64 { (e[5] as i64 * 60 + e[6] as i64) * 75 + e[7] as i64 - 150 };
        let mut tracks: Vec<(u8, u32, u8, u8)> = Vec::new();
        let mut first: Option<i64> = None;
        let mut leadout: Option<u32> = None;
        let mut last_lba = i64::MIN;
        let mut saw_leadin = false;
        for e in cue.chunks_exact(8) {
            let ctl = e[0] >> 4;
            let adr = e[0] & 0x0F;
            let (tno, index, form) = (e[1], e[2], e[3]);
            match adr {
                // MCN / ISRC entries carry no time.
                2 | 3 => continue,
                1 => {}
                _ => return Err(fail::INVALID_PARAM),
            }
            if e[6] >= 60 || e[7] >= 75 {
                return Err(fail::INVALID_PARAM);
            }
            if leadout.is_some() {
                return Err(fail::INVALID_PARAM);
            }
            // Data forms: 10h Mode 1 data, 14h data pause (lead-in/out). Audio
            // and CD-TEXT are not modelled.
            let data_form = form & 0x3F;
            if form & 0x40 != 0 || !matches!(data_form, 0x10 | 0x14) {
                return Err(fail::INVALID_PARAM);
            }
            if tno == 0 {
                if saw_leadin || !tracks.is_empty() || first.is_some() {
                    return Err(fail::INVALID_PARAM);
                }
                saw_leadin = true;
                continue;
            }
            if !saw_leadin {
                return Err(fail::INVALID_PARAM);
            }
            let lba = msf_lba(e);
            if lba < last_lba {
                return Err(fail::INVALID_PARAM);
            }
            last_lba = lba;
            if tno == 0xAA {
                if tracks.is_empty() || lba < 0 {
                    return Err(fail::INVALID_PARAM);
                }
                leadout = Some(lba as u32);
                continue;
            }
            if !(1..=99).contains(&tno) {
                return Err(fail::INVALID_PARAM);
            }
            let expected = tracks.last().map_or(tno, |t| t.0 + 1);
            match index {
                0 => {
                    if first.is_none() {
                        first = Some(lba);
                    }
                    if tracks.last().is_some_and(|t| t.0 == tno)
                        || tno != expected && !tracks.is_empty()
                    {
                        return Err(fail::INVALID_PARAM);
                    }
                }
                1 => {
                    if tracks.last().is_some_and(|t| t.0 == tno) || tno != expected || lba < 0 {
                        return Err(fail::INVALID_PARAM);
                    }
                    if first.is_none() {
                        first = Some(lba);
                    }
                    tracks.push((tno, lba as u32, if ctl & 0x4 != 0 { 4 } else { 0 }, 1));
                }
                // Further indexes only subdivide a track.
                2..=99 => {
                    if tracks.last().is_none_or(|t| t.0 != tno) {
                        return Err(fail::INVALID_PARAM);
                    }
                }
                _ => return Err(fail::INVALID_PARAM),
            }
        }
        let (Some(first), Some(leadout)) = (first, leadout) else {
            return Err(fail::INVALID_PARAM);
        };
        // The first track starts at LBA 0 after a pre-gap of at least 2 s.
        if first > -150 || tracks.first().is_none_or(|t| t.1 != 0) || leadout > capacity {
            return Err(fail::INVALID_PARAM);
        }
        Ok(SaoPlan {
            tracks,
            first,
            leadout,
            next: first,
        })
    }

    /// Checks and records a WRITE; returns the part of the range at LBA ≥ 0
    /// that is stored (pre-gap blocks before LBA 0 are not kept).
    pub(crate) fn write(&mut self, lba: i64, blocks: u32) -> Result<(), Fail> {
        if lba != self.next {
            return Err(fail::INVALID_WRITE_ADDRESS.at(lba));
        }
        if lba + blocks as i64 > self.leadout as i64 {
            return Err(fail::END_OF_USER_AREA.at(lba));
        }
        self.next += blocks as i64;
        Ok(())
    }

    pub(crate) fn complete(&self) -> bool {
        self.next >= self.leadout as i64
    }

    /// Turns the written plan into closed tracks of the first session and
    /// closes it (appendable only when `multi` = 11b).
    pub(crate) fn commit(&self, disc: &mut Disc, multi: u8, session_format: u8) -> Work {
        let n = self.tracks.len();
        for (i, &(_, start, control, data_mode)) in self.tracks.iter().enumerate() {
            let end = if i + 1 < n {
                self.tracks[i + 1].1
            } else {
                self.leadout
            };
            disc.seq.tracks.push(Track {
                session: 1,
                start,
                recorded: end - start,
                reserved: None,
                closed: true,
                kind: TrackKind::Sao,
                control,
                data_mode,
            });
        }
        disc.seq.disc_type = session_format;
        disc.seq.closed_sessions = 1;
        let next = self.leadout.saturating_add(disc.session_gap(true));
        if multi != 3 || next >= disc.seq.capacity {
            disc.seq.finalized = true;
            Work::Finalize
        } else {
            disc.seq.next_start = next;
            Work::CloseSession
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tao() -> WriteParams {
        WriteParams {
            selected: true,
            write_type: 1,
            test_write: false,
            multi: 3,
            fixed_packet: false,
            track_mode: 4,
            data_block_type: 8,
            session_format: 0,
            packet_size: 0,
        }
    }

    #[test]
    fn cd_tao_gaps_follow_the_cookbook() {
        let mut d = Disc::fresh(Media::CdR, 0);
        let wp = tao();
        assert_eq!(d.seq_write(0, 1000, &wp), Ok(0));
        assert_eq!(
            d.seq_write(5, 10, &wp),
            Err(fail::INVALID_WRITE_ADDRESS.at(5))
        );
        assert_eq!(d.seq_sync(), Work::CloseTrack);
        // second track of the same session: run-out 2 + pre-gap 150
        assert_eq!(d.seq.invisible_nwa(), Some(1152));
        d.seq_write(1152, 400, &wp).unwrap();
        d.seq_sync();
        assert_eq!(d.close(2, 0, &wp), Ok(Work::CloseSession));
        assert_eq!(d.seq.invisible_nwa(), Some(1152 + 402 + 11_400));
    }

    #[test]
    fn sao_cue_sheet_example_from_recipes() {
        // mmc-recipes.md §6.8: single data track of 1000 blocks.
        let cue = [
            0x41, 0x00, 0x00, 0x14, 0, 0, 0, 0, //
            0x41, 0x01, 0x00, 0x10, 0, 0, 0, 0, //
            0x41, 0x01, 0x01, 0x10, 0, 0, 2, 0, //
            0x41, 0xAA, 0x01, 0x14, 0, 0, 0x0F, 0x19,
        ];
        let p = SaoPlan::parse(&cue, 359_847).unwrap();
        assert_eq!(p.first, -150);
        assert_eq!(p.leadout, 1000);
        assert_eq!(p.tracks, vec![(1, 0, 4, 1)]);
        assert!(SaoPlan::parse(&cue[..24], 359_847).is_err());
    }
}
