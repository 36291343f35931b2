//! Inspecting drive and medium (`mmc-recipes.md` §3): one [`MediaInfo`]
//! with everything the engine dispatches on and the CLI shows.

use crate::cmd::{
    BgFormatStatus, CdMastering, CdTrackAtOnce, Configuration, DescriptorType, DiscInformation,
    DiscStatus, DvdMinusRWrite, FeatureBody, FormatCapacities, ModeSelect10, RawToc,
    RealTimeStreaming, SessionState, TrackInformation, WriteParameters,
};
use crate::drive::{Drive, Readiness, WaitKind, WriteSpeedList};
use crate::error::{Error, Result, Unsuitable};
use crate::profile::{Family, MediaClass, Profile};
use crate::transport::Transport;

/// Vendor, product and revision from INQUIRY (SPC-4 §6.6.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DriveIdentity {
    pub vendor: String,
    pub product: String,
    pub revision: String,
    /// Peripheral device type (05h for MMC devices).
    pub peripheral_type: u8,
}

/// How the engine writes the medium: the dispatch of `mmc-recipes.md` §2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaKind {
    /// No medium in the drive.
    NoMedium,
    /// CD-ROM, DVD-ROM, BD-ROM, BD-R RRM, and anything finalized that
    /// cannot change class: readable, never written.
    ReadOnly,
    /// CD-R, CD-RW: TAO / SAO with page 05h, raw TOC.
    SequentialCd,
    /// DVD-R, DVD-RW sequential, DVD-R DL: Incremental or DAO with page 05h.
    SequentialDvdMinus,
    /// DVD+R, DVD+R DL, BD-R SRM without Pseudo-Overwrite: one track per
    /// session, no page 05h.
    SequentialPlusOrBd,
    /// DVD-RAM, DVD-RW restricted overwrite, DVD+RW, BD-RE, image files and
    /// block devices (`stdio:` profile FFFFh with feature 0020h current):
    /// random writes; sessions by the ISO 9660 multisession emulation that
    /// the caller reads and writes.
    Overwritable,
    /// A `stdio:` pipe or character device (profile FFFFh without feature
    /// 0020h current): one sequential session, not readable.
    WriteOnceStream,
    /// Known but not supported for writing; the reason says why (BD-R
    /// Pseudo-Overwrite, DVD-R DL layer jump, DVD+RW DL, HD DVD, unknown).
    Unsupported(Unsuitable),
}

impl MediaKind {
    /// True for the sequential kinds written session by session at the NWA.
    pub fn is_sequential(&self) -> bool {
        matches!(
            self,
            MediaKind::SequentialCd
                | MediaKind::SequentialDvdMinus
                | MediaKind::SequentialPlusOrBd
                | MediaKind::WriteOnceStream
        )
    }
}

/// The state of the medium for writing (`mmc-recipes.md` §3.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MediaStatus {
    /// No medium.
    Empty,
    /// Nothing recorded: the first session goes to the start.
    Blank,
    /// Sessions recorded; more can be appended at the NWA.
    Appendable,
    /// Finalized, or read-only: nothing more can be written.
    Closed,
    /// Formatted overwritable medium (DVD+RW, DVD-RAM, DVD-RW restricted
    /// overwrite, BD-RE, image file): MMC says nothing useful, the state
    /// comes from the ISO 9660 head at LBA 0–31 that the caller reads
    /// (`mmc-recipes.md` §3.2 last rows, §8).
    DecidedByContent,
}

/// Damage state of the track at the NWA (READ TRACK INFORMATION byte 5
/// bit 5 with NWA_V; `mmc-recipes.md` §3.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Damage {
    None,
    /// Damage = 1, NWA_V = 1: writable further; warn.
    Writable,
    /// Damage = 1, NWA_V = 0: damaged, not closed, not writable. Offer an
    /// explicit close ([`super::Recorder::close_damaged`]).
    NotWritable,
}

/// One track of the table of contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackEntry {
    pub number: u16,
    pub session: u16,
    pub start: u32,
    /// Blocks from `start` to the next track or the session's lead-out
    /// (CD TAO tracks: including the two run-out blocks).
    pub blocks: u32,
    /// A data track (CONTROL bit 2 on CD; always on DVD/BD).
    pub data: bool,
}

/// One complete session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEntry {
    pub number: u16,
    /// Start of its first track: where its ISO 9660 image starts.
    pub start: u32,
    /// Blocks from `start` to the end of its last track.
    pub blocks: u32,
    pub tracks: Vec<TrackEntry>,
    /// The volume id of the session's PVD; the engine leaves it `None`,
    /// the caller that reads ISO 9660 fills it.
    pub volume_id: Option<String>,
}

impl SessionEntry {
    /// First LBA after the session.
    pub fn end(&self) -> u64 {
        self.start as u64 + self.blocks as u64
    }
}

/// What a formattable capacity descriptor offers (`mmc-recipes.md` §5.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatOffer {
    /// Position in the READ FORMAT CAPACITIES list (for "by index").
    pub index: usize,
    pub format_type: u8,
    pub blocks: u32,
    /// Type Dependent Parameter.
    pub tdp: u32,
}

impl FormatOffer {
    /// What the format type does (`mmc-recipes.md` §5.1 table).
    pub fn meaning(&self) -> &'static str {
        format_meaning(self.format_type)
    }
}

/// The meaning of a FORMAT UNIT format type (MMC-5 §6.5.4.2;
/// `mmc-recipes.md` §5.1).
pub fn format_meaning(format_type: u8) -> &'static str {
    match format_type {
        0x00 => "full format",
        0x01 => "spare area expansion",
        0x10 => "full format (DVD-RW)",
        0x11 => "grow session",
        0x13 => "quick grow last session",
        0x15 => "quick format (intermediate state)",
        0x26 => "DVD+RW background format",
        0x30 => "format with spare areas",
        0x31 => "format without spare areas",
        0x32 => "BD-R format with spare areas",
        _ => "other format",
    }
}

/// Formatting state of the medium (READ FORMAT CAPACITIES, MMC-5 §6.24.3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FormatState {
    /// Descriptor type 01b: unformatted or blank.
    Unformatted,
    /// Descriptor type 10b: formatted to the current size.
    Formatted,
    /// Descriptor type 11b: no medium or unknown capacity (DVD-RW in the
    /// intermediate state).
    Unknown,
}

/// READ FORMAT CAPACITIES decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatList {
    pub state: FormatState,
    /// Current / maximum capacity in blocks.
    pub current_blocks: u32,
    pub offers: Vec<FormatOffer>,
}

impl FormatList {
    fn from_reply(r: &FormatCapacities) -> FormatList {
        FormatList {
            state: match r.current.descriptor_type {
                DescriptorType::Formatted => FormatState::Formatted,
                DescriptorType::Unformatted => FormatState::Unformatted,
                _ => FormatState::Unknown,
            },
            current_blocks: r.current.blocks,
            offers: r
                .formattable
                .iter()
                .enumerate()
                .map(|(index, d)| FormatOffer {
                    index,
                    format_type: d.format_type,
                    blocks: d.blocks,
                    tdp: d.tdp,
                })
                .collect(),
        }
    }

    /// The first offer of `format_type`.
    pub fn offer(&self, format_type: u8) -> Option<&FormatOffer> {
        self.offers.iter().find(|o| o.format_type == format_type)
    }
}

/// How the drive answered READ FORMAT CAPACITIES (MMC-6 §6.23): the list,
/// or why there is none — a drive that has nothing to offer is told from
/// one that does not know the command.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatsAnswer {
    /// Not asked: no medium, or the inspection ended before.
    NotAsked,
    /// The list the drive reported.
    Listed(FormatList),
    /// The drive answered with nothing usable: no formattable capacity
    /// descriptor and a current one of type 11b (no medium or unknown
    /// capacity; MMC-6 §6.23).
    Empty,
    /// The drive rejected the command as an invalid operation code
    /// (5/20/00): it does not implement READ FORMAT CAPACITIES (tgt's
    /// emulated recorder, drives of read-only media).
    Unsupported,
    /// The drive rejected the command otherwise, or its reply could not be
    /// decoded: the error, as text.
    Refused(String),
}

impl FormatsAnswer {
    /// The list, or why there is none, in words.
    pub fn listed(&self) -> std::result::Result<&FormatList, String> {
        match self {
            FormatsAnswer::Listed(list) => Ok(list),
            FormatsAnswer::NotAsked => Err("the drive was not asked for format capacities".into()),
            FormatsAnswer::Empty => Err("the drive reports no format capacities".into()),
            FormatsAnswer::Unsupported => {
                Err("the drive does not support READ FORMAT CAPACITIES".into())
            }
            FormatsAnswer::Refused(e) => {
                Err(format!("the drive did not report format capacities: {e}"))
            }
        }
    }

    /// Why there is no format list, in words; `None` for a list.
    pub fn why_none(&self) -> Option<String> {
        self.listed().err()
    }

    /// A short machine name: `listed`, `empty`, `unsupported`, `refused`,
    /// `not-asked`.
    pub fn name(&self) -> &'static str {
        match self {
            FormatsAnswer::NotAsked => "not-asked",
            FormatsAnswer::Listed(_) => "listed",
            FormatsAnswer::Empty => "empty",
            FormatsAnswer::Unsupported => "unsupported",
            FormatsAnswer::Refused(_) => "refused",
        }
    }
}

/// The features that decide write types and options (`mmc-recipes.md`
/// §12.1), each present only when current.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WriteFeatures {
    /// 0021h Incremental Streaming Writable: link size (16 if listed, else
    /// the first) and BUF.
    pub incremental: Option<IncrementalFeature>,
    /// 002Dh CD Track at Once.
    pub cd_tao: Option<CdTrackAtOnce>,
    /// 002Eh CD Mastering (SAO).
    pub cd_mastering: Option<CdMastering>,
    /// 002Fh DVD-R/-RW Write.
    pub dvd_minus: Option<DvdMinusRWrite>,
    /// 0107h Real Time Streaming.
    pub streaming: Option<RealTimeStreaming>,
    /// 0020h Random Writable.
    pub random_writable: bool,
    /// 0038h BD-R Pseudo-Overwrite.
    pub bd_r_pow: bool,
    /// 0023h Formattable: Cert, QCert (BD-RE certification sub-types).
    pub format_cert: bool,
    pub format_qcert: bool,
}

/// Feature 0021h as the engine uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncrementalFeature {
    pub link_size: Option<u8>,
    pub buf: bool,
}

impl WriteFeatures {
    fn from_config(cfg: &Configuration) -> WriteFeatures {
        let mut w = WriteFeatures {
            random_writable: cfg.is_current(0x0020),
            bd_r_pow: cfg.bd_r_pow_current(),
            ..WriteFeatures::default()
        };
        for f in cfg.features.iter().filter(|f| f.current) {
            match &f.body {
                FeatureBody::IncrementalStreamingWritable(i) => {
                    w.incremental = Some(IncrementalFeature {
                        link_size: i.preferred_link_size(),
                        buf: i.buf,
                    })
                }
                FeatureBody::CdTrackAtOnce(x) => w.cd_tao = Some(*x),
                FeatureBody::CdMastering(x) => w.cd_mastering = Some(*x),
                FeatureBody::DvdMinusRWrite(x) => w.dvd_minus = Some(*x),
                FeatureBody::RealTimeStreaming(x) => w.streaming = Some(*x),
                FeatureBody::Formattable(x) => {
                    w.format_cert = x.cert;
                    w.format_qcert = x.qcert;
                }
                _ => {}
            }
        }
        w
    }
}

/// The track at the NWA (sequential media, `mmc-recipes.md` §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextTrack {
    /// Its logical track number (the number to close).
    pub number: u16,
    /// Next writable address, after the NWA < track start quirk.
    pub nwa: u32,
    /// Free Blocks: NWA + free is the upper write limit.
    pub free: u32,
    pub damage: Damage,
    /// The track was reserved (RESERVE TRACK) and is not complete.
    pub reserved: bool,
}

/// Everything known about drive and medium after [`inspect`].
#[derive(Clone, Debug, PartialEq)]
pub struct MediaInfo {
    pub drive: DriveIdentity,
    /// Current profile; [`Profile::NONE`] without medium.
    pub profile: Profile,
    /// The drive knows no GET CONFIGURATION (MMC-1): the profile was
    /// guessed.
    pub profile_guessed: bool,
    pub kind: MediaKind,
    pub status: MediaStatus,
    /// BLANK applies (CD-RW, DVD-RW); false for every other profile
    /// whatever the drive says (libburn `mmc.c`).
    pub erasable: bool,
    /// Complete sessions: CD from the raw TOC (§7.3), DVD/BD sequential
    /// fabricated from READ TRACK INFORMATION (§7.2), empty for
    /// overwritable media (the caller fills emulated sessions).
    pub sessions: Vec<SessionEntry>,
    /// State of Last Session = incomplete (01b): a BD-R needs CLOSE
    /// SESSION before a new session (done by [`super::Recorder::prepare`]).
    pub last_session_open: bool,
    /// The invisible/incomplete track at the NWA on writable sequential
    /// media.
    pub next_track: Option<NextTrack>,
    /// User data capacity in blocks: NWA + free blocks on sequential media
    /// (when there is no NWA: the last possible lead-out, or — when that is
    /// absent, 0 or less than what is recorded, as on tgt's finalized
    /// DVD-ROM — the readable size), the formatted size on overwritable
    /// media (or the size the as-needed format gives).
    pub capacity: Option<u64>,
    /// READ CAPACITY: readable blocks (never an NWA, `mmc-recipes.md` §3.4).
    pub readable_blocks: Option<u64>,
    /// How the drive answered READ FORMAT CAPACITIES: the list
    /// ([`MediaInfo::formats`]) or why there is none.
    pub formats_answer: FormatsAnswer,
    /// Background format status (DVD+RW; READ DISC INFORMATION byte 7).
    pub bg_format: BgFormatStatus,
    pub write_speeds: WriteSpeedList,
    pub features: WriteFeatures,
    /// The raw disc information, for diagnostics.
    pub disc_info: Option<DiscInformation>,
}

impl MediaInfo {
    fn empty(drive: DriveIdentity) -> MediaInfo {
        MediaInfo {
            drive,
            profile: Profile::NONE,
            profile_guessed: false,
            kind: MediaKind::NoMedium,
            status: MediaStatus::Empty,
            erasable: false,
            sessions: Vec::new(),
            last_session_open: false,
            next_track: None,
            capacity: None,
            readable_blocks: None,
            formats_answer: FormatsAnswer::NotAsked,
            bg_format: BgFormatStatus::None,
            write_speeds: WriteSpeedList {
                source: crate::drive::SpeedSource::None,
                speeds: Vec::new(),
            },
            features: WriteFeatures::default(),
            disc_info: None,
        }
    }

    /// An inspection result of `profile` with nothing else known.
    #[cfg(test)]
    pub(crate) fn for_tests(profile: Profile, kind: MediaKind) -> MediaInfo {
        MediaInfo {
            profile,
            kind,
            ..MediaInfo::empty(DriveIdentity::default())
        }
    }

    /// Human name of the profile.
    pub fn profile_name(&self) -> &'static str {
        self.profile.name()
    }

    /// READ FORMAT CAPACITIES, when the drive answered it with a list
    /// ([`MediaInfo::formats_answer`] says why there is none).
    pub fn formats(&self) -> Option<&FormatList> {
        self.formats_answer.listed().ok()
    }

    /// The NWA of writable sequential media.
    pub fn next_writable(&self) -> Option<u32> {
        self.next_track.map(|t| t.nwa)
    }

    /// Free blocks at the NWA on writable sequential media.
    pub fn free_blocks(&self) -> Option<u64> {
        self.next_track.map(|t| t.free as u64)
    }

    /// Start of the last complete session (`msc1`, `mmc-recipes.md` §3.6),
    /// where the previous ISO 9660 superblock of a new session lives.
    pub fn msc1(&self) -> Option<u32> {
        self.sessions.last().map(|s| s.start)
    }

    /// End of the recorded data: the end of the last session.
    pub fn data_end(&self) -> u64 {
        self.sessions.last().map_or(0, SessionEntry::end)
    }

    /// The block ranges of the complete sessions, in LBA order (what
    /// [`super::Recorder::checkread_all`] reads). Empty for overwritable
    /// media, whose sessions the caller knows.
    pub fn recorded_ranges(&self) -> Vec<super::BlockRange> {
        self.sessions
            .iter()
            .map(|s| super::BlockRange::new(s.start, s.blocks))
            .collect()
    }

    /// All tracks of all complete sessions.
    pub fn tracks(&self) -> impl Iterator<Item = &TrackEntry> {
        self.sessions.iter().flat_map(|s| s.tracks.iter())
    }

    /// The formatted (or as-needed formattable) size of an overwritable
    /// medium, in blocks.
    pub fn overwritable_capacity(&self) -> Option<u64> {
        (self.kind == MediaKind::Overwritable)
            .then_some(self.capacity)
            .flatten()
    }

    /// A DVD-RW in restricted overwrite that is in the intermediate state
    /// after a quick format (15h) or quick grow (13h): it must be written
    /// sequentially from its formatted end and closed with CLOSE SESSION
    /// 010b (`mmc-recipes.md` §5.3).
    pub fn dvd_rw_intermediate(&self) -> bool {
        self.profile == Profile::DVD_RW_RO
            && self
                .formats()
                .is_some_and(|f| f.state == FormatState::Unknown)
    }

    /// The kind as a result: `Err` with the reason for unsupported media.
    pub fn supported(&self) -> Result<()> {
        match &self.kind {
            MediaKind::Unsupported(u) => Err(Error::Unsuitable(u.clone())),
            MediaKind::NoMedium => Err(Error::Unsuitable(Unsuitable::NoMedium)),
            _ => Ok(()),
        }
    }
}

/// The answer to a query that a drive may not know: sense and reply errors
/// are "not offered", transport errors and cancellation are failures.
pub(crate) fn optional<T>(r: Result<T>) -> Result<Option<T>> {
    Ok(answered(r)?
        .inspect_err(|e| log::debug!("optional query: {e}"))
        .ok())
}

/// As [`optional`], keeping the drive's refusal: `Ok(Err(e))` for sense
/// and reply errors, `Err(e)` for transport errors and cancellation.
pub(crate) fn answered<T>(r: Result<T>) -> Result<Result<T>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e @ (Error::Sense { .. } | Error::Reply { .. } | Error::Status { .. })) => Ok(Err(e)),
        Err(e) => Err(e),
    }
}

/// The kind of a profile, before feature checks.
fn kind_of(profile: Profile, cfg: Option<&Configuration>) -> MediaKind {
    if profile == Profile::NONE {
        return MediaKind::NoMedium;
    }
    if profile == Profile::STDIO {
        let random = cfg.is_some_and(|c| c.is_current(0x0020));
        return if random {
            MediaKind::Overwritable
        } else {
            MediaKind::WriteOnceStream
        };
    }
    if profile == Profile::BD_R_SRM && cfg.is_some_and(Configuration::bd_r_pow_current) {
        return MediaKind::Unsupported(Unsuitable::BdRPow);
    }
    match profile.class() {
        MediaClass::ReadOnly => MediaKind::ReadOnly,
        MediaClass::SequentialCd => MediaKind::SequentialCd,
        MediaClass::SequentialDvdMinus => MediaKind::SequentialDvdMinus,
        MediaClass::SequentialPlusOrBd => MediaKind::SequentialPlusOrBd,
        MediaClass::Overwritable => MediaKind::Overwritable,
        MediaClass::Unsupported => MediaKind::Unsupported(Unsuitable::UnsupportedProfile(profile)),
    }
}

/// Sends the default page 05h that some drives need before they report
/// the NWA of a blank or appendable CD / DVD-R (`mmc-recipes.md` §3.4):
/// TAO for an appendable CD, SAO for a blank one; Incremental for DVD-R/RW
/// when feature 0021h is current, else DAO. Failures are only logged.
pub(crate) fn send_default_page05<T: Transport>(
    drive: &mut Drive<T>,
    profile: Profile,
    blank: bool,
    features: &WriteFeatures,
) -> Result<()> {
    let page = match profile.family() {
        Family::Cd if blank => WriteParameters::cd_sao(true, false, false),
        Family::Cd => WriteParameters::cd_tao_data(true, false, false),
        _ => match features.incremental {
            Some(inc) => {
                WriteParameters::dvd_incremental(inc.link_size.unwrap_or(16), true, false, false)
            }
            None => WriteParameters::dvd_dao(false, false),
        },
    };
    match drive.send(&ModeSelect10::write_parameters(&page)) {
        Ok(_) => Ok(()),
        Err(e @ (Error::Sense { .. } | Error::Status { .. })) => {
            log::debug!("default page 05h not accepted: {e}");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The track number whose READ TRACK INFORMATION gives the NWA
/// (`mmc-recipes.md` §3.4): FFh on CD and DVD+R, the last track in the last
/// session on DVD-R and BD-R, 1 for stdio streams.
fn nwa_track_number(profile: Profile, di: &DiscInformation) -> u32 {
    match profile {
        Profile::CD_R | Profile::CD_RW | Profile::DVD_PLUS_R | Profile::DVD_PLUS_R_DL => 0xFF,
        Profile::STDIO => 1,
        _ => (di.last_track_last_session as u32).max(1),
    }
}

/// Applies the §3.4 quirks to a track information reply.
pub(crate) fn next_track_of(ti: &TrackInformation) -> Option<NextTrack> {
    let damage = match (ti.damage, ti.nwa_valid) {
        (false, _) => Damage::None,
        (true, true) => Damage::Writable,
        (true, false) => Damage::NotWritable,
    };
    let nwa = match ti.nwa() {
        Some(n) => {
            // Some Pioneer and LITE-ON drives report −150 on blank media:
            // use the track start (libburn `mmc.c`).
            let n = if n < ti.start && ti.blank {
                ti.start
            } else {
                n
            };
            u32::try_from(n).ok()?
        }
        None if damage == Damage::NotWritable => u32::try_from(ti.start).unwrap_or(0),
        None => return None,
    };
    Some(NextTrack {
        number: ti.track_number,
        nwa,
        free: if damage == Damage::NotWritable {
            0
        } else {
            ti.free_blocks
        },
        damage,
        reserved: ti.reserved,
    })
}

/// Inspects drive and medium (`mmc-recipes.md` §3.1). `identity` is the
/// cached INQUIRY result, asked for when `None`.
pub fn inspect<T: Transport>(
    drive: &mut Drive<T>,
    identity: Option<&DriveIdentity>,
) -> Result<MediaInfo> {
    let identity = match identity {
        Some(i) => i.clone(),
        None => {
            let inq = drive.inquiry()?;
            DriveIdentity {
                vendor: inq.vendor,
                product: inq.product,
                revision: inq.revision,
                peripheral_type: inq.peripheral_type,
            }
        }
    };
    // Step 3: wait while the drive is becoming ready; no medium ends here.
    if drive.wait_ready(WaitKind::Ready, None, &mut |_| {})? == Readiness::NoMedium {
        return Ok(MediaInfo::empty(identity));
    }
    drive.take_medium_changed();

    // Step 5: profile and features.
    let (profile, guessed, cfg) = match drive.features() {
        Ok(cfg) => (cfg.current_profile, false, Some(cfg)),
        Err(Error::Sense { sense, .. }) if sense.is_invalid_opcode() => {
            let p = drive.current_profile()?;
            (p.profile, p.guessed, None)
        }
        Err(Error::Sense { sense, .. }) if sense.is_no_medium() => {
            return Ok(MediaInfo::empty(identity));
        }
        Err(e) => return Err(e),
    };
    let mut info = MediaInfo::empty(identity);
    info.profile = profile;
    info.profile_guessed = guessed;
    info.kind = kind_of(profile, cfg.as_ref());
    if info.kind == MediaKind::NoMedium {
        return Ok(info);
    }
    info.features = cfg
        .as_ref()
        .map(WriteFeatures::from_config)
        .unwrap_or_default();

    // Step 7: disc information. 5/20/00 (old QEMU -cdrom): a read-only disc
    // described by READ TOC format 0 and READ CAPACITY.
    let di = match drive.disc_info() {
        Ok(d) => Some(d),
        Err(Error::Sense { sense, .. }) if sense.is_invalid_opcode() => None,
        Err(Error::Sense { sense, .. }) if sense.is_no_medium() => {
            info.kind = MediaKind::NoMedium;
            info.profile = Profile::NONE;
            return Ok(info);
        }
        Err(e) => return Err(e),
    };
    info.readable_blocks = optional(drive.capacity())?
        .filter(|c| c.block_len == 2048 || c.block_len == 0)
        .map(|c| c.blocks());
    info.formats_answer = match answered(drive.format_capacities())? {
        Ok(f) => {
            let list = FormatList::from_reply(&f);
            if !list.offers.is_empty() || list.state != FormatState::Unknown {
                FormatsAnswer::Listed(list)
            } else {
                FormatsAnswer::Empty
            }
        }
        Err(Error::Sense { sense, .. }) if sense.is_invalid_opcode() => {
            log::debug!("READ FORMAT CAPACITIES: invalid operation code");
            FormatsAnswer::Unsupported
        }
        Err(e) => {
            log::debug!("READ FORMAT CAPACITIES: {e}");
            FormatsAnswer::Refused(e.to_string())
        }
    };
    info.write_speeds = drive.write_speeds().unwrap_or_else(|_| WriteSpeedList {
        source: crate::drive::SpeedSource::None,
        speeds: Vec::new(),
    });

    let Some(di) = di else {
        info.status = MediaStatus::Closed;
        info.kind = MediaKind::ReadOnly;
        info.sessions = toc_format0_sessions(drive)?;
        return Ok(info);
    };
    info.bg_format = di.bg_format_status;
    info.erasable = di.erasable && profile.is_blankable();
    info.last_session_open = di.last_session_state == SessionState::Incomplete;

    info.status = status_of(&info, &di);
    info.capacity = match info.kind {
        MediaKind::Overwritable => overwritable_capacity(profile, info.formats()),
        _ => None,
    };

    // Sessions (steps 8b, 8c).
    info.sessions = match info.kind {
        MediaKind::Overwritable | MediaKind::WriteOnceStream => Vec::new(),
        _ if info.status == MediaStatus::Blank => Vec::new(),
        // CD: raw TOC; a drive without it gives session numbers through
        // READ TRACK INFORMATION, and the formatted TOC is the last resort.
        MediaKind::SequentialCd => match optional(drive.raw_toc())? {
            Some(raw) if !raw.entries.is_empty() => cd_sessions(&raw),
            _ => {
                let s = fabricated_toc(drive, &di)?;
                if s.is_empty() {
                    toc_format0_sessions(drive)?
                } else {
                    s
                }
            }
        },
        MediaKind::ReadOnly if profile.family() == Family::Cd => match optional(drive.raw_toc())? {
            Some(raw) if !raw.entries.is_empty() => cd_sessions(&raw),
            _ => toc_format0_sessions(drive)?,
        },
        _ => fabricated_toc(drive, &di)?,
    };

    // NWA and free blocks (step 8a).
    let writable_seq = info.kind.is_sequential()
        && matches!(info.status, MediaStatus::Blank | MediaStatus::Appendable);
    if writable_seq {
        if matches!(
            info.kind,
            MediaKind::SequentialCd | MediaKind::SequentialDvdMinus
        ) {
            send_default_page05(
                drive,
                profile,
                info.status == MediaStatus::Blank,
                &info.features,
            )?;
        }
        let number = nwa_track_number(profile, &di);
        if let Some(ti) = optional(drive.track_info(number))? {
            info.next_track = next_track_of(&ti);
        }
    }
    info.capacity = match (&info.kind, info.next_track) {
        (MediaKind::Overwritable, _) => info.capacity,
        (MediaKind::WriteOnceStream, _) => None,
        (_, Some(t)) if t.damage != Damage::NotWritable => Some(t.nwa as u64 + t.free as u64),
        _ => closed_capacity(&info, &di),
    };
    info.disc_info = Some(di);
    Ok(info)
}

/// The capacity of a disc without an NWA (closed, read-only, damaged):
/// the Last Possible Lead-out Start Address of READ DISC INFORMATION
/// (MMC-6 §6.21.3.1, bytes 20–23), unless it is absent (FFFFFFFFh, a
/// finalized CD), 0, or smaller than what is recorded or readable — tgt's
/// finalized DVD-ROM reports 0 there. Then the larger of READ CAPACITY and
/// the end of the last session is the size.
fn closed_capacity(info: &MediaInfo, di: &DiscInformation) -> Option<u64> {
    let recorded = Some(info.data_end()).filter(|&e| e > 0);
    let readable = info.readable_blocks.max(recorded);
    let lead_out = di
        .last_possible_lead_out_lba(info.profile.family() == Family::Cd)
        .and_then(|l| u64::try_from(l).ok())
        .filter(|&l| l > 0 && readable.is_none_or(|r| l >= r));
    if lead_out.is_none() {
        log::debug!(
            "last possible lead-out {:?} is not a capacity; using the readable size {readable:?}",
            di.last_possible_lead_out
        );
    }
    lead_out.or(readable)
}

/// `mmc-recipes.md` §3.2.
fn status_of(info: &MediaInfo, di: &DiscInformation) -> MediaStatus {
    match &info.kind {
        MediaKind::NoMedium => return MediaStatus::Empty,
        MediaKind::ReadOnly => return MediaStatus::Closed,
        MediaKind::Overwritable => {
            // An unformatted DVD+RW / BD-RE / DVD-RAM holds nothing.
            let unformatted = info
                .formats()
                .is_some_and(|f| f.state == FormatState::Unformatted)
                && (info.profile != Profile::DVD_PLUS_RW
                    || di.bg_format_status == BgFormatStatus::None);
            return if unformatted {
                MediaStatus::Blank
            } else {
                MediaStatus::DecidedByContent
            };
        }
        _ => {}
    }
    match di.disc_status {
        DiscStatus::Blank => MediaStatus::Blank,
        DiscStatus::Appendable => {
            // A freshly formatted BD-R claims "appendable": one empty
            // session and nothing readable (libburn `mmc.c`).
            if info.profile == Profile::BD_R_SRM
                && di.sessions <= 1
                && di.last_session_state == SessionState::Empty
                && info.readable_blocks.unwrap_or(0) <= 1
            {
                MediaStatus::Blank
            } else {
                MediaStatus::Appendable
            }
        }
        DiscStatus::Complete => MediaStatus::Closed,
        DiscStatus::Other => MediaStatus::Closed,
    }
}

/// Capacity of an overwritable medium (`mmc-recipes.md` §3.5): the
/// formatted size, else what the as-needed format gives (DVD+RW 26h,
/// BD-RE/DVD-RAM 00h), else the maximum.
fn overwritable_capacity(profile: Profile, formats: Option<&FormatList>) -> Option<u64> {
    let f = formats?;
    if f.state == FormatState::Formatted {
        return Some(f.current_blocks as u64);
    }
    let offer = match profile {
        Profile::DVD_PLUS_RW => f.offer(0x26),
        Profile::DVD_RW_RO => f.offer(0x15).or(f.offer(0x00)),
        _ => f.offer(0x00),
    };
    Some(offer.map_or(f.current_blocks, |o| o.blocks) as u64)
}

/// Sessions from the CD raw TOC (`mmc-recipes.md` §7.3): per session, the
/// tracks named by POINT 01h–63h, the lead-out of POINT A2h.
pub(crate) fn cd_sessions(raw: &RawToc) -> Vec<SessionEntry> {
    let mut sessions = Vec::new();
    for s in raw.first_session..=raw.last_session {
        let Some(lead_out) = raw.session_lead_out(s) else {
            continue;
        };
        let mut starts: Vec<(u8, i32, bool)> = raw
            .entries
            .iter()
            .filter(|e| e.session == s && e.is_track())
            .map(|e| (e.point, e.pmsf.to_lba(), e.control & 0x04 != 0))
            .collect();
        starts.sort_by_key(|t| t.1);
        let mut tracks = Vec::new();
        for (i, &(number, start, data)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(lead_out, |n| n.1);
            let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) else {
                continue;
            };
            tracks.push(TrackEntry {
                number: number as u16,
                session: s as u16,
                start,
                blocks: end.saturating_sub(start),
                data,
            });
        }
        if let Some(first) = tracks.first() {
            let start = first.start;
            let end = u32::try_from(lead_out).unwrap_or(start);
            sessions.push(SessionEntry {
                number: s as u16,
                start,
                blocks: end.saturating_sub(start),
                tracks,
                volume_id: None,
            });
        }
    }
    sessions
}

/// Most tracks the fabricated TOC asks about (hostile replies).
const MAX_TRACKS: u16 = 2048;

/// The TOC of DVD/BD sequential media (and the CD fallback), fabricated
/// from READ TRACK INFORMATION per track (`mmc-recipes.md` §7.2; libburn
/// `mmc_fake_toc`): tracks of incomplete sessions are dropped.
fn fabricated_toc<T: Transport>(
    drive: &mut Drive<T>,
    di: &DiscInformation,
) -> Result<Vec<SessionEntry>> {
    let complete = di.complete_sessions();
    let last = di.last_track_last_session.min(MAX_TRACKS);
    let first = (di.first_track as u16).max(1);
    let mut sessions: Vec<SessionEntry> = Vec::new();
    for n in first..=last {
        let Some(ti) = optional(drive.track_info(n as u32))? else {
            break;
        };
        if ti.session_number == 0 || ti.session_number > complete {
            continue;
        }
        let Ok(start) = u32::try_from(ti.start) else {
            continue;
        };
        let track = TrackEntry {
            number: ti.track_number,
            session: ti.session_number,
            start,
            blocks: ti.size,
            data: true,
        };
        match sessions.last_mut() {
            Some(s) if s.number == ti.session_number => {
                s.blocks = (track.start as u64 + track.blocks as u64)
                    .saturating_sub(s.start as u64)
                    .min(u32::MAX as u64) as u32;
                s.tracks.push(track);
            }
            _ => sessions.push(SessionEntry {
                number: ti.session_number,
                start,
                blocks: ti.size,
                tracks: vec![track],
                volume_id: None,
            }),
        }
    }
    Ok(sessions)
}

/// One session from READ TOC format 0000b (drives without READ DISC
/// INFORMATION, `mmc-recipes.md` §3.1 last paragraph).
fn toc_format0_sessions<T: Transport>(drive: &mut Drive<T>) -> Result<Vec<SessionEntry>> {
    let Some(toc) = optional(drive.toc())? else {
        return Ok(Vec::new());
    };
    let lead_out = toc.lead_out().map(|e| e.start.lba());
    let mut tracks: Vec<TrackEntry> = Vec::new();
    let entries: Vec<_> = toc
        .entries
        .iter()
        .filter(|e| e.track != crate::cmd::TocEntry::LEAD_OUT)
        .collect();
    for (i, e) in entries.iter().enumerate() {
        let end = entries.get(i + 1).map(|n| n.start.lba()).or(lead_out);
        let (Ok(start), Some(Ok(end))) = (u32::try_from(e.start.lba()), end.map(u32::try_from))
        else {
            continue;
        };
        tracks.push(TrackEntry {
            number: e.track as u16,
            session: 1,
            start,
            blocks: end.saturating_sub(start),
            data: e.is_data(),
        });
    }
    let Some(first) = tracks.first() else {
        return Ok(Vec::new());
    };
    let start = first.start;
    let end = tracks
        .last()
        .map_or(start as u64, |t| t.start as u64 + t.blocks as u64);
    Ok(vec![SessionEntry {
        number: 1,
        start,
        blocks: (end - start as u64).min(u32::MAX as u64) as u32,
        tracks,
        volume_id: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::{Msf, RawTocEntry};

    fn point(session: u8, point: u8, control: u8, pmsf: Msf) -> RawTocEntry {
        RawTocEntry {
            session,
            adr: 1,
            control,
            tno: 0,
            point,
            msf: Msf::new(0, 0, 0),
            zero: 0,
            pmsf,
        }
    }

    /// MMC-5 §6.26.3.4 (table 489): POINT A0h PMIN = first track, A2h PMSF
    /// = lead-out, 01h–63h PMSF = track start; MSF → LBA = (M·60+S)·75+F−150.
    #[test]
    fn cd_sessions_from_raw_toc() {
        let lba = |l: i32| Msf::from_lba(l).unwrap();
        let raw = RawToc {
            first_session: 1,
            last_session: 2,
            entries: vec![
                point(1, 0xA0, 4, Msf::new(1, 0, 0)),
                point(1, 0xA1, 4, Msf::new(2, 0, 0)),
                point(1, 0xA2, 4, lba(1554)),
                point(1, 1, 4, lba(0)),
                point(1, 2, 4, lba(1152)),
                point(2, 0xA0, 4, Msf::new(3, 0, 0)),
                point(2, 0xA1, 4, Msf::new(3, 0, 0)),
                point(2, 0xA2, 4, lba(12954 + 502)),
                point(2, 3, 4, lba(12954)),
            ],
        };
        let s = cd_sessions(&raw);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].start, s[0].blocks), (0, 1554));
        assert_eq!(
            s[0].tracks
                .iter()
                .map(|t| (t.number, t.start, t.blocks))
                .collect::<Vec<_>>(),
            vec![(1, 0, 1152), (2, 1152, 402)]
        );
        assert_eq!((s[1].number, s[1].start, s[1].blocks), (2, 12954, 502));
    }

    fn ti(damage: bool, nwa_valid: bool, start: i32, nwa: i32, blank: bool) -> TrackInformation {
        TrackInformation {
            length: 46,
            track_number: 3,
            session_number: 2,
            ljrs: 0,
            damage,
            copy: false,
            track_mode: 4,
            reserved: false,
            blank,
            packet: false,
            fixed_packet: false,
            data_mode: 1,
            lra_valid: false,
            nwa_valid,
            start,
            next_writable: nwa,
            free_blocks: 1000,
            packet_size: 16,
            size: 1000,
            last_recorded: None,
            read_compatibility_lba: None,
            next_layer_jump: None,
            last_layer_jump: None,
        }
    }

    /// `mmc-recipes.md` §3.4 quirks: NWA < start on a blank track → start;
    /// damage with and without NWA_V; no NWA_V and no damage → no NWA.
    #[test]
    fn nwa_quirks() {
        let t = next_track_of(&ti(false, true, 0, -150, true)).unwrap();
        assert_eq!((t.nwa, t.free, t.damage), (0, 1000, Damage::None));
        let t = next_track_of(&ti(true, true, 100, 200, false)).unwrap();
        assert_eq!((t.nwa, t.damage), (200, Damage::Writable));
        let t = next_track_of(&ti(true, false, 100, 0, false)).unwrap();
        assert_eq!((t.nwa, t.free, t.damage), (100, 0, Damage::NotWritable));
        assert_eq!(next_track_of(&ti(false, false, 100, 0, false)), None);
    }

    #[test]
    fn kinds_per_profile() {
        assert_eq!(kind_of(Profile::NONE, None), MediaKind::NoMedium);
        assert_eq!(kind_of(Profile::CD_ROM, None), MediaKind::ReadOnly);
        assert_eq!(kind_of(Profile::BD_R_RRM, None), MediaKind::ReadOnly);
        assert_eq!(
            kind_of(Profile::DVD_R_DL_LJ, None),
            MediaKind::Unsupported(Unsuitable::UnsupportedProfile(Profile::DVD_R_DL_LJ))
        );
        assert_eq!(kind_of(Profile::STDIO, None), MediaKind::WriteOnceStream);
        assert_eq!(kind_of(Profile::BD_RE, None), MediaKind::Overwritable);
    }

    /// Disc information (MMC-6 §6.21.3.1) of a finalized disc with this
    /// Last Possible Lead-out Start Address (bytes 20–23).
    fn closed_disc_info(lead_out: u32) -> DiscInformation {
        use crate::cmd::{Query, ReadDiscInformation};
        let mut b = [0u8; 34];
        b[1] = 32;
        b[2] = 0x0E; // last session complete, disc complete
        b[3] = 1;
        b[4] = 1;
        b[5] = 1;
        b[6] = 1;
        b[20..24].copy_from_slice(&lead_out.to_be_bytes());
        ReadDiscInformation::new().parse(&b).unwrap()
    }

    fn closed(profile: Profile, readable: Option<u64>, session_blocks: u32) -> MediaInfo {
        let mut i = MediaInfo::for_tests(profile, MediaKind::ReadOnly);
        i.status = MediaStatus::Closed;
        i.readable_blocks = readable;
        i.sessions = vec![SessionEntry {
            number: 1,
            start: 0,
            blocks: session_blocks,
            tracks: Vec::new(),
            volume_id: None,
        }];
        i
    }

    /// The lead-out is the capacity when it is plausible; 0 (tgt's DVD-ROM),
    /// FFFFFFFFh (finalized CD) or less than what is recorded give way to
    /// READ CAPACITY or the end of the last session.
    #[test]
    fn capacity_of_closed_discs() {
        let dvd = closed(Profile::DVD_R_SEQ, Some(1016), 1016);
        assert_eq!(
            closed_capacity(&dvd, &closed_disc_info(2_298_496)),
            Some(2_298_496)
        );
        let tgt = closed(Profile::DVD_ROM, Some(1016), 1016);
        assert_eq!(closed_capacity(&tgt, &closed_disc_info(0)), Some(1016));
        assert_eq!(closed_capacity(&tgt, &closed_disc_info(500)), Some(1016));
        let no_read_capacity = closed(Profile::DVD_ROM, None, 2000);
        assert_eq!(
            closed_capacity(&no_read_capacity, &closed_disc_info(0)),
            Some(2000)
        );
        let cd = closed(Profile::CD_R, Some(30_000), 29_998);
        assert_eq!(
            closed_capacity(&cd, &closed_disc_info(u32::MAX)),
            Some(30_000)
        );
    }

    #[test]
    fn format_meanings() {
        assert_eq!(format_meaning(0x31), "format without spare areas");
        assert_eq!(format_meaning(0x26), "DVD+RW background format");
    }
}
