//! A drive handle over any [`Transport`]: runs the retry policy of
//! `sense-and-retries.md` and offers typed queries.
//!
//! * [`Drive::exec`] sends one typed command and handles what the drive
//!   answers: WAIT classes are re-issued after the §4.1 delays until the
//!   command's deadline; a unit attention outside writing re-issues the
//!   command once and raises [`Drive::medium_may_have_changed`]; CHECK
//!   CONDITION without sense bytes fetches them with REQUEST SENSE; BUSY
//!   status and transient transport conditions are retried a few times
//!   (never a WRITE on a transport error); everything else surfaces as an
//!   [`Error`].
//! * [`Drive::query`] handles the two-step allocation of variable-length
//!   replies and parses only the bytes the device returned.
//! * [`Drive::wait_ready`] is the TEST UNIT READY polling loop of §4.3.
//!
//! Time goes through a [`Clock`], so tests and the emulator run with virtual
//! or tiny delays ([`Timing::fast`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::cmd::{
    Capabilities, Capacity, Command, Configuration, DataSpec, DiscInformation, DiscStatus,
    FormatCapacities, FormattedToc, GetConfiguration, GetWriteSpeeds, Inquiry, InquiryData,
    ModeSense10, MultiSessionInfo, ParseError, Query, RawToc, ReadCapacity, ReadDiscInformation,
    ReadFormatCapacities, ReadMultiSessionInfo, ReadRawToc, ReadToc, ReadTrackInformation,
    RequestSense, TestUnitReady, TrackInformation, WithParams,
};
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::sense::{
    CommandContext, RetryKind, Sense, SenseClass, SenseKey, classify, is_write_opcode, retry_delay,
    retry_fits,
};
use crate::transport::{Completion, DataPhase, Status, Transport, TransportError};

/// Largest allocation length [`Drive::query`] asks for in its second step:
/// the largest 16-bit allocation length field (MMC-6 §6.1.3).
pub const QUERY_MAX_LEN: usize = 0xFFFF;

// ---------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------

/// A cancellation token shared between the thread running an operation and
/// whoever wants to stop it (a Ctrl-C handler). Long loops check it between
/// commands (`sense-and-retries.md` §5.1); a command already sent is never
/// interrupted.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Requests cancellation.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Error::Cancelled)` once cancellation was requested.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Clock and timing
// ---------------------------------------------------------------------------

/// Monotonic time and sleeping, injectable for tests.
pub trait Clock: Send {
    /// Time since an arbitrary fixed origin.
    fn now(&self) -> Duration;
    /// Blocks for `d`.
    fn sleep(&mut self, d: Duration);
}

/// The real clock: [`Instant`] and [`std::thread::sleep`].
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&mut self, d: Duration) {
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }
}

/// Delays and limits of one polling loop (`sense-and-retries.md` §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollTiming {
    /// Pause before the first TEST UNIT READY.
    pub initial: Duration,
    /// Pause between polls.
    pub interval: Duration,
    /// Give up after this long.
    pub limit: Duration,
}

/// Every delay, limit and retry count of the drive handle. [`Timing::default`]
/// holds the values of `sense-and-retries.md`; [`Timing::fast`] the same
/// policy with (near) zero delays for tests and the emulator.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Delay before re-issuing a command after a WAIT/RETRY answer, per
    /// attempt (§4.1; default [`retry_delay`]).
    pub retry_delay: fn(RetryKind, u32) -> Duration,
    /// Retries of a non-write command after a transient transport
    /// condition (§2: 3).
    pub transport_retries: u32,
    /// Retries after BUSY / RESERVATION CONFLICT / TASK SET FULL status (§2).
    pub busy_retries: u32,
    /// Retries after ABORTED COMMAND (§3, project policy: 3).
    pub aborted_retries: u32,
    /// Polling after CLOSE TRACK/SESSION and SYNCHRONIZE CACHE with Immed:
    /// 0.5 s, every 0.5 s, at most 3600 s.
    pub close_poll: PollTiming,
    /// Polling after BLANK and FORMAT UNIT with Immed: 1 s, every 1 s, at
    /// most 5 h (project policy).
    pub format_poll: PollTiming,
    /// Waiting for a drive to become ready after load or medium change
    /// (`mmc-recipes.md` §3.1 step 3): every 0.5 s, at most 60 s (the §6
    /// "not becoming ready" threshold).
    pub ready_poll: PollTiming,
    /// How long 2/04/00 ("cause not reportable") is waited for before a
    /// clueless adapter is assumed ready (§3, §4.3: about 5 s).
    pub clueless_limit: Duration,
}

fn no_delay(_: RetryKind, _: u32) -> Duration {
    Duration::ZERO
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            retry_delay,
            transport_retries: 3,
            busy_retries: 3,
            aborted_retries: 3,
            close_poll: PollTiming {
                initial: Duration::from_millis(500),
                interval: Duration::from_millis(500),
                limit: Duration::from_secs(3600),
            },
            format_poll: PollTiming {
                initial: Duration::from_secs(1),
                interval: Duration::from_secs(1),
                limit: Duration::from_secs(5 * 3600),
            },
            ready_poll: PollTiming {
                initial: Duration::ZERO,
                interval: Duration::from_millis(500),
                limit: Duration::from_secs(60),
            },
            clueless_limit: Duration::from_secs(5),
        }
    }
}

impl Timing {
    /// The same policy with no retry delays and 1 ms poll intervals; limits
    /// unchanged.
    pub fn fast() -> Timing {
        let ms = Duration::from_millis(1);
        let d = Timing::default();
        Timing {
            retry_delay: no_delay,
            close_poll: PollTiming {
                initial: ms,
                interval: ms,
                ..d.close_poll
            },
            format_poll: PollTiming {
                initial: ms,
                interval: ms,
                ..d.format_poll
            },
            ready_poll: PollTiming {
                initial: Duration::ZERO,
                interval: ms,
                ..d.ready_poll
            },
            clueless_limit: Duration::from_millis(50),
            ..d
        }
    }

    fn poll(&self, kind: WaitKind) -> PollTiming {
        match kind {
            WaitKind::Close => self.close_poll,
            WaitKind::Format => self.format_poll,
            WaitKind::Ready => self.ready_poll,
        }
    }
}

// ---------------------------------------------------------------------------
// Readiness and waiting
// ---------------------------------------------------------------------------

/// What TEST UNIT READY says about the drive (SPC-4 §6.47;
/// `sense-and-retries.md` §3, §4.3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Readiness {
    /// GOOD status.
    Ready,
    /// 2/3A/xx: no medium.
    NoMedium,
    /// 2/04/01: becoming ready (after load or medium insertion).
    Becoming,
    /// 2/04/00: not ready, cause not reportable.
    NotReportable,
    /// Other 2/04/xx (format, operation, long write in progress …), with the
    /// progress indication when the drive gives one (0..=65535).
    InProgress { sense: Sense, progress: Option<u16> },
    /// Unit attention (e.g. 6/28/00 medium may have changed, 6/29/xx reset).
    /// It has been consumed; [`Drive::medium_may_have_changed`] is raised
    /// for 6/28 and 6/29.
    Attention(Sense),
}

/// Which §4.3 polling rules [`Drive::wait_ready`] applies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WaitKind {
    /// After CLOSE TRACK/SESSION or SYNCHRONIZE CACHE with Immed: no medium
    /// counts as done; a long 2/04/00 is a clueless adapter (done); after
    /// GOOD, READ DISC INFORMATION is checked too (Pioneer drives report
    /// 2/04/07 only there).
    Close,
    /// After BLANK or FORMAT UNIT with Immed: progress from sense-key
    /// specific bytes (or REQUEST SENSE); no medium is an error.
    Format,
    /// Waiting for a drive to become ready after load / medium change
    /// (`mmc-recipes.md` §3.1 step 3): unit attentions are consumed, no
    /// medium ends the wait.
    Ready,
}

/// One progress report of [`Drive::wait_ready`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WaitProgress {
    /// Time since the wait started.
    pub elapsed: Duration,
    /// Progress indication 0..=65535 when the drive reports one (many drives
    /// report fake values; never judge success by it).
    pub progress: Option<u16>,
    /// The sense of the last poll, if not GOOD.
    pub sense: Option<Sense>,
}

impl WaitProgress {
    /// Progress as a fraction 0.0..1.0, if reported.
    pub fn fraction(&self) -> Option<f64> {
        self.progress.map(|p| p as f64 / 65536.0)
    }
}

// ---------------------------------------------------------------------------
// The drive handle
// ---------------------------------------------------------------------------

/// A drive above a transport. See the module documentation.
pub struct Drive<T: Transport> {
    transport: T,
    timing: Timing,
    clock: Box<dyn Clock>,
    cancel: Cancel,
    writing: bool,
    medium_changed: bool,
    lost: bool,
    after_timeout: bool,
}

impl<T: Transport> fmt::Debug for Drive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drive")
            .field("transport", &self.transport.describe())
            .field("timing", &self.timing)
            .field("writing", &self.writing)
            .field("medium_changed", &self.medium_changed)
            .field("lost", &self.lost)
            .finish_non_exhaustive()
    }
}

/// What one attempt of a command produced.
enum Attempt {
    Done(Completion),
    Sense(Completion, Sense),
}

impl<T: Transport> Drive<T> {
    /// A drive with the documented timing and the system clock.
    pub fn new(transport: T) -> Drive<T> {
        Drive::with_timing(transport, Timing::default())
    }

    pub fn with_timing(transport: T, timing: Timing) -> Drive<T> {
        Drive {
            transport,
            timing,
            clock: Box::new(SystemClock::default()),
            cancel: Cancel::new(),
            writing: false,
            medium_changed: false,
            lost: false,
            after_timeout: false,
        }
    }

    /// Replaces the clock (tests use a virtual one).
    pub fn with_clock(mut self, clock: Box<dyn Clock>) -> Drive<T> {
        self.clock = clock;
        self
    }

    /// Uses `cancel` as this drive's cancellation token.
    pub fn with_cancel(mut self, cancel: Cancel) -> Drive<T> {
        self.cancel = cancel;
        self
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Short description of the device for messages.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    pub fn set_timing(&mut self, timing: Timing) {
        self.timing = timing;
    }

    /// The cancellation token checked by long loops.
    pub fn cancel_token(&self) -> &Cancel {
        &self.cancel
    }

    /// Installs `cancel` as the cancellation token and returns the previous
    /// one. The burn engine uses it to run the closing commands after a
    /// cancellation (SYNCHRONIZE CACHE, CLOSE, ALLOW) with a fresh token,
    /// then puts the cancelled one back.
    pub fn replace_cancel(&mut self, cancel: Cancel) -> Cancel {
        std::mem::replace(&mut self.cancel, cancel)
    }

    /// Marks the span between the first WRITE of a session and the end of
    /// its close: unit attentions and deferred errors then end the burn
    /// (`sense-and-retries.md` §5.4) instead of being retried.
    pub fn set_writing(&mut self, writing: bool) {
        self.writing = writing;
    }

    pub fn is_writing(&self) -> bool {
        self.writing
    }

    /// True once a unit attention said the medium may have changed or the
    /// drive was reset (6/28/xx, 6/29/xx) since the flag was last cleared:
    /// re-inspect the medium before any write decision.
    pub fn medium_may_have_changed(&self) -> bool {
        self.medium_changed
    }

    /// Reads and clears [`Drive::medium_may_have_changed`].
    pub fn take_medium_changed(&mut self) -> bool {
        std::mem::take(&mut self.medium_changed)
    }

    /// True after the transport reported the drive gone (EBUSY/ENODEV,
    /// DID_NO_CONNECT …): only a final PREVENT ALLOW attempt makes sense
    /// (`sense-and-retries.md` §5.1).
    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// Sends `cmd` with `data` and applies the retry policy. `data` must
    /// match `cmd.data()` in direction and length.
    ///
    /// Returns the completion of the successful attempt (GOOD, or CHECK
    /// CONDITION with a sense that classifies as OK, e.g. RECOVERED ERROR).
    pub fn exec<C: Command>(&mut self, cmd: &C, mut data: DataPhase<'_>) -> Result<Completion> {
        let cdb = cmd.cdb();
        let cdb = cdb.as_bytes();
        check_data_phase::<C>(cmd.data(), &data)?;
        let opcode = cdb.first().copied().unwrap_or(0);
        // After a host timeout the drive may still be busy: poll TEST UNIT
        // READY before anything else (§2).
        if self.after_timeout && !matches!(opcode, 0x00 | 0x03) {
            self.after_timeout = false;
            self.wait_ready(WaitKind::Ready, None, &mut |_| {})?;
        }
        let write = is_write_opcode(opcode);
        let ctx = if write {
            CommandContext::Write
        } else if self.writing {
            CommandContext::Burn
        } else {
            CommandContext::Other
        };
        let kind = RetryKind::for_opcode(opcode);
        let timeout = cmd.timeout();
        let lba = cdb_lba(cdb);
        let start = self.clock.now();
        let (mut waits, mut transports, mut busies, mut aborts) = (0u32, 0u32, 0u32, 0u32);
        let mut resynced = false;
        let sense_error = |sense: Sense| Error::Sense {
            command: C::NAME,
            sense,
            lba,
        };

        loop {
            let attempt = self.attempt::<C>(cdb, reborrow(&mut data), timeout);
            let (completion, sense) = match attempt {
                Ok(Attempt::Done(c)) => return Ok(c),
                Ok(Attempt::Sense(c, s)) => (c, s),
                Err(AttemptError::Status(status)) => {
                    if busies < self.timing.busy_retries {
                        let delay = (self.timing.retry_delay)(kind, busies);
                        busies += 1;
                        log::debug!("{}: {status}, retry {busies} in {delay:?}", C::NAME);
                        self.clock.sleep(delay);
                        continue;
                    }
                    return Err(Error::Status {
                        command: C::NAME,
                        status,
                    });
                }
                Err(AttemptError::Transport(TransportError::Transient { host, driver }))
                    if !write && transports < self.timing.transport_retries =>
                {
                    transports += 1;
                    log::debug!(
                        "{}: transient transport condition (host {host:#x}, driver {driver:#x}), retry {transports}",
                        C::NAME
                    );
                    continue;
                }
                Err(AttemptError::Transport(e)) => {
                    match e {
                        TransportError::DriveLost => self.lost = true,
                        TransportError::Timeout(_) => self.after_timeout = true,
                        _ => {}
                    }
                    return Err(Error::Transport {
                        command: C::NAME,
                        source: e,
                    });
                }
                Err(AttemptError::Other(e)) => return Err(e),
            };

            match classify(&sense, ctx) {
                SenseClass::Ok => {
                    if sense.is_recovered_warning() {
                        log::warn!("{}: {}", C::NAME, crate::sense::describe(&sense));
                    } else {
                        log::debug!("{}: {}", C::NAME, crate::sense::describe(&sense));
                    }
                    return Ok(completion);
                }
                SenseClass::Wait => {
                    let delay = (self.timing.retry_delay)(kind, waits);
                    let elapsed = self.clock.now().saturating_sub(start);
                    if !retry_fits(elapsed, delay, timeout) {
                        log::debug!(
                            "{}: timeout exceeded ({} ms), retry canceled",
                            C::NAME,
                            timeout.as_millis()
                        );
                        return Err(sense_error(sense));
                    }
                    if !write {
                        // A WRITE is one step of a stream and is re-sent even
                        // when cancelled; everything else stops here.
                        self.cancel.check()?;
                    }
                    waits += 1;
                    log::trace!("{}: {} — waiting {delay:?}", C::NAME, sense.triple());
                    self.clock.sleep(delay);
                }
                SenseClass::Resync => {
                    if sense.key == SenseKey::UNIT_ATTENTION && sense.asc != 0x5A {
                        self.medium_changed = true;
                    }
                    if resynced {
                        return Err(sense_error(sense));
                    }
                    resynced = true;
                    log::debug!(
                        "{}: unit attention {}, re-issuing once",
                        C::NAME,
                        sense.triple()
                    );
                }
                SenseClass::Retry => {
                    if aborts >= self.timing.aborted_retries {
                        return Err(sense_error(sense));
                    }
                    let delay = (self.timing.retry_delay)(kind, aborts);
                    aborts += 1;
                    log::debug!("{}: {}, retry {aborts}", C::NAME, sense.triple());
                    self.clock.sleep(delay);
                }
                SenseClass::NoMedium | SenseClass::Fail => return Err(sense_error(sense)),
            }
        }
    }

    /// One attempt: transport call, then status and sense (REQUEST SENSE
    /// when CHECK CONDITION came without sense bytes).
    fn attempt<C: Command>(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> std::result::Result<Attempt, AttemptError> {
        let c = self
            .transport
            .execute(cdb, data, timeout)
            .map_err(AttemptError::Transport)?;
        if c.is_good() {
            return Ok(Attempt::Done(c));
        }
        if c.status != Status::CHECK_CONDITION {
            return Err(AttemptError::Status(c.status));
        }
        let sense = if c.sense.is_empty() {
            self.request_sense_after::<C>()
                .map_err(AttemptError::Other)?
        } else {
            Sense::parse(c.sense.as_bytes())
        };
        match sense {
            Some(s) => Ok(Attempt::Sense(c, s)),
            None => Err(AttemptError::Other(Error::Status {
                command: C::NAME,
                status: c.status,
            })),
        }
    }

    /// REQUEST SENSE (fixed format, 18 bytes) for a CHECK CONDITION that
    /// arrived without autosense (`sense-and-retries.md` §1). Never retried.
    fn request_sense_after<C: Command>(&mut self) -> Result<Option<Sense>> {
        let rs = RequestSense::new();
        let mut buf = vec![0u8; rs.alloc_len()];
        let c = self
            .transport
            .execute(rs.cdb().as_bytes(), DataPhase::In(&mut buf), rs.timeout())
            .map_err(|source| Error::Transport {
                command: RequestSense::NAME,
                source,
            })?;
        if !c.is_good() {
            log::debug!("{}: REQUEST SENSE failed too: {}", C::NAME, c.status);
            return Ok(None);
        }
        let got = c.transferred(buf.len());
        Ok(Sense::parse(&buf[..got]))
    }

    /// Sends a query and decodes its reply. When the reply says more is
    /// available than the command asked for, asks again with that length
    /// (capped at [`QUERY_MAX_LEN`] and the command's own field). Only the
    /// bytes actually transferred (buffer length minus residual) are parsed.
    pub fn query<Q: Query>(&mut self, q: &Q) -> Result<Q::Reply> {
        let (data, used) = self.query_bytes(q)?;
        match used {
            Some(larger) => larger.parse(&data),
            None => q.parse(&data),
        }
        .map_err(|source| Error::Reply {
            command: Q::NAME,
            source,
        })
    }

    /// The raw reply bytes of a query after the two-step allocation, and
    /// the command that produced them when it is not `q` itself.
    fn query_bytes<Q: Query>(&mut self, q: &Q) -> Result<(Vec<u8>, Option<Q>)> {
        let first = data_in_len::<Q>(q.data())?;
        let mut buf = vec![0u8; first];
        let c = self.exec(q, DataPhase::In(&mut buf))?;
        buf.truncate(c.transferred(first));
        let Some(avail) = q.available_len(&buf) else {
            return Ok((buf, None));
        };
        if avail <= first {
            return Ok((buf, None));
        }
        let larger = q.with_alloc_len(avail.min(QUERY_MAX_LEN));
        let second = data_in_len::<Q>(larger.data())?;
        if second <= first {
            return Ok((buf, None));
        }
        let mut buf = vec![0u8; second];
        let c = self.exec(&larger, DataPhase::In(&mut buf))?;
        buf.truncate(c.transferred(second));
        Ok((buf, Some(larger)))
    }

    /// Sends a command whose parameter list it builds itself (MODE SELECT,
    /// FORMAT UNIT, SET STREAMING, SEND CUE SHEET).
    pub fn send<W: WithParams>(&mut self, w: &W) -> Result<Completion> {
        let params = w.params();
        self.exec(w, DataPhase::Out(&params))
    }

    /// Sends a command without data phase.
    pub fn run<C: Command>(&mut self, cmd: &C) -> Result<Completion> {
        self.exec(cmd, DataPhase::None)
    }

    // -----------------------------------------------------------------------
    // TEST UNIT READY and polling
    // -----------------------------------------------------------------------

    /// One TEST UNIT READY, never retried (§4.1): `None` for GOOD, else the
    /// sense.
    fn tur_sense(&mut self) -> Result<Option<Sense>> {
        let tur = TestUnitReady;
        match self.attempt::<TestUnitReady>(tur.cdb().as_bytes(), DataPhase::None, tur.timeout()) {
            Ok(Attempt::Done(_)) => Ok(None),
            Ok(Attempt::Sense(_, s)) => Ok(Some(s)),
            Err(e) => Err(self.attempt_error::<TestUnitReady>(e)),
        }
    }

    fn attempt_error<C: Command>(&mut self, e: AttemptError) -> Error {
        match e {
            AttemptError::Status(status) => Error::Status {
                command: C::NAME,
                status,
            },
            AttemptError::Transport(source) => {
                if matches!(source, TransportError::DriveLost) {
                    self.lost = true;
                }
                Error::Transport {
                    command: C::NAME,
                    source,
                }
            }
            AttemptError::Other(e) => e,
        }
    }

    /// TEST UNIT READY, once (`sense-and-retries.md` §3, §4.3). Unit
    /// attentions are reported as [`Readiness::Attention`] (consumed) and
    /// raise [`Drive::medium_may_have_changed`] for 6/28 and 6/29. 2/04/02,
    /// 2/04/03 and other sense are errors.
    pub fn test_unit_ready(&mut self) -> Result<Readiness> {
        let Some(sense) = self.tur_sense()? else {
            return Ok(Readiness::Ready);
        };
        if sense.is_medium_or_reset_attention() {
            self.medium_changed = true;
        }
        match (sense.key.0, sense.asc, sense.ascq) {
            (0x1, _, _) | (0x0, 0x00, 0x00) => Ok(Readiness::Ready),
            (_, 0x3A, _) => Ok(Readiness::NoMedium),
            (0x2, 0x04, 0x00) => Ok(Readiness::NotReportable),
            (0x2, 0x04, 0x01) => Ok(Readiness::Becoming),
            (0x2, 0x04, q) if q != 0x02 && q != 0x03 => Ok(Readiness::InProgress {
                sense,
                progress: sense.progress(),
            }),
            (0x6, _, _) => Ok(Readiness::Attention(sense)),
            _ => Err(Error::Sense {
                command: TestUnitReady::NAME,
                sense,
                lba: None,
            }),
        }
    }

    /// Polls TEST UNIT READY until the drive is ready (`sense-and-retries.md`
    /// §4.3), reporting each poll to `progress`. `deadline` overrides the
    /// limit of `kind` in [`Timing`]. Checks the cancellation token before
    /// every poll.
    ///
    /// Returns [`Readiness::Ready`] or, for [`WaitKind::Close`] and
    /// [`WaitKind::Ready`], [`Readiness::NoMedium`]. 2/04/02, 2/04/03 and
    /// unexpected sense ("asynchronous SCSI error") are [`Error::Sense`] of
    /// TEST UNIT READY; exceeding the limit is [`Error::Timeout`].
    pub fn wait_ready(
        &mut self,
        kind: WaitKind,
        deadline: Option<Duration>,
        progress: &mut dyn FnMut(&WaitProgress),
    ) -> Result<Readiness> {
        let poll = self.timing.poll(kind);
        let limit = deadline.unwrap_or(poll.limit);
        let start = self.clock.now();
        let mut clueless_since: Option<Duration> = None;
        let mut poll_disc_info = false;
        self.clock.sleep(poll.initial);
        loop {
            self.cancel.check()?;
            let sense = if poll_disc_info {
                self.disc_info_sense()?
            } else {
                self.tur_sense()?
            };
            let elapsed = self.clock.now().saturating_sub(start);
            let mut report = WaitProgress {
                elapsed,
                progress: None,
                sense,
            };
            let Some(sense) = sense else {
                // Some drives answer GOOD to TEST UNIT READY while a close is
                // still running and report 2/04/07 only to READ DISC
                // INFORMATION (Pioneer R8/R11): check it, and poll it instead.
                if kind == WaitKind::Close
                    && !poll_disc_info
                    && let Some(s) = self.disc_info_sense()?
                    && classify(&s, CommandContext::Poll) == SenseClass::Wait
                {
                    log::debug!(
                        "TEST UNIT READY is GOOD but READ DISC INFORMATION says {}; polling it",
                        s.triple()
                    );
                    poll_disc_info = true;
                    report.sense = Some(s);
                    progress(&report);
                    self.pause(elapsed, poll.interval, limit)?;
                    continue;
                }
                report.progress = Some(u16::MAX);
                progress(&report);
                return Ok(Readiness::Ready);
            };

            // Unit attentions while waiting for readiness are expected
            // (medium inserted, power on): consume and poll again.
            if kind == WaitKind::Ready && sense.key == SenseKey::UNIT_ATTENTION {
                if sense.is_medium_or_reset_attention() {
                    self.medium_changed = true;
                }
                progress(&report);
                self.pause(elapsed, poll.interval, limit)?;
                continue;
            }

            match classify(&sense, CommandContext::Poll) {
                SenseClass::Ok => {
                    progress(&report);
                    return Ok(Readiness::Ready);
                }
                SenseClass::NoMedium => {
                    if kind == WaitKind::Format {
                        return Err(Error::Sense {
                            command: TestUnitReady::NAME,
                            sense,
                            lba: None,
                        });
                    }
                    progress(&report);
                    return Ok(Readiness::NoMedium);
                }
                SenseClass::Wait => {
                    if sense.is_medium_or_reset_attention() {
                        self.medium_changed = true;
                    }
                    if sense.is(0x2, 0x04, 0x00) && kind != WaitKind::Format {
                        let since = *clueless_since.get_or_insert(elapsed);
                        if elapsed.saturating_sub(since) >= self.timing.clueless_limit {
                            log::debug!(
                                "2/04/00 for {:?}: assuming a clueless adapter, treating the drive as ready",
                                elapsed.saturating_sub(since)
                            );
                            progress(&report);
                            return Ok(Readiness::Ready);
                        }
                    } else {
                        clueless_since = None;
                    }
                    report.progress = sense.progress();
                    if report.progress.is_none() && kind == WaitKind::Format {
                        report.progress = self.progress_by_request_sense();
                    }
                    progress(&report);
                    self.pause(elapsed, poll.interval, limit)?;
                }
                _ => {
                    return Err(Error::Sense {
                        command: TestUnitReady::NAME,
                        sense,
                        lba: None,
                    });
                }
            }
        }
    }

    /// Sleeps one poll interval unless that would pass `limit`.
    fn pause(&mut self, elapsed: Duration, interval: Duration, limit: Duration) -> Result<()> {
        if elapsed.saturating_add(interval) > limit {
            return Err(Error::Timeout {
                command: TestUnitReady::NAME,
                after: elapsed,
            });
        }
        self.clock.sleep(interval);
        Ok(())
    }

    /// One READ DISC INFORMATION without retries, for the close pitfall of
    /// §4.3: `None` when it succeeds.
    fn disc_info_sense(&mut self) -> Result<Option<Sense>> {
        let rdi = ReadDiscInformation::new();
        let mut buf = vec![0u8; rdi.alloc_len()];
        match self.attempt::<ReadDiscInformation>(
            rdi.cdb().as_bytes(),
            DataPhase::In(&mut buf),
            rdi.timeout(),
        ) {
            Ok(Attempt::Done(_)) => Ok(None),
            Ok(Attempt::Sense(_, s)) => Ok(Some(s)),
            Err(e) => Err(self.attempt_error::<ReadDiscInformation>(e)),
        }
    }

    /// Progress from REQUEST SENSE (DESC = 0) when TEST UNIT READY carried
    /// none (§4.3, BLANK/FORMAT column).
    fn progress_by_request_sense(&mut self) -> Option<u16> {
        match self.request_sense_after::<TestUnitReady>() {
            Ok(Some(s)) => s.progress(),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Typed queries
// ---------------------------------------------------------------------------

/// The current profile and how it was learned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CurrentProfile {
    /// Current profile; [`Profile::NONE`] when there is no medium.
    pub profile: Profile,
    /// True when the drive does not know GET CONFIGURATION (MMC-1) and the
    /// profile was guessed from READ DISC INFORMATION and page 2Ah
    /// (`mmc-recipes.md` §3.1; libburn `mmc_guess_profile`).
    pub guessed: bool,
}

/// Where a write speed list came from (`mmc-recipes.md` §9).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpeedSource {
    /// GET PERFORMANCE type 03h write speed descriptors.
    GetPerformance,
    /// Write speed descriptors of mode page 2Ah (bytes 30 ff.).
    ModePage2A,
    /// Neither answered: the drive offers no list.
    None,
}

/// One write speed the drive offers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WriteSpeedEntry {
    /// Write speed, kB/s (k = 1000).
    pub kbps: u32,
    /// Last LBA the speed applies to (GET PERFORMANCE only): the end LBA
    /// SET STREAMING should use.
    pub end_lba: Option<u32>,
}

/// The write speeds of the current medium, fastest first, without
/// duplicates.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WriteSpeedList {
    pub source: SpeedSource,
    pub speeds: Vec<WriteSpeedEntry>,
}

impl WriteSpeedList {
    fn new(source: SpeedSource, mut speeds: Vec<WriteSpeedEntry>) -> WriteSpeedList {
        speeds.retain(|s| s.kbps > 0);
        speeds.sort_by_key(|s| std::cmp::Reverse(s.kbps));
        speeds.dedup_by_key(|s| s.kbps);
        WriteSpeedList { source, speeds }
    }

    /// The fastest speed, kB/s.
    pub fn max_kbps(&self) -> Option<u32> {
        self.speeds.first().map(|s| s.kbps)
    }
}

/// Sense and reply errors make a speed source count as "not offered";
/// transport and cancellation errors are real failures.
fn is_answer_error(e: &Error) -> bool {
    matches!(
        e,
        Error::Sense { .. } | Error::Reply { .. } | Error::Status { .. }
    )
}

impl<T: Transport> Drive<T> {
    /// INQUIRY, standard data (SPC-4 §6.6.2): peripheral type, vendor,
    /// product, revision (`mmc-recipes.md` §3.1 step 1).
    pub fn inquiry(&mut self) -> Result<InquiryData> {
        self.query(&Inquiry::new())
    }

    /// All features and profiles: GET CONFIGURATION RT = 00b, first 8 bytes,
    /// then the announced length (`mmc-recipes.md` §3.1 step 5).
    pub fn features(&mut self) -> Result<Configuration> {
        self.query(&GetConfiguration::all())
    }

    /// The current profile from the GET CONFIGURATION header (bytes 6–7,
    /// MMC-6 §6.6.2.1). A drive answering 5/20/00 is MMC-1: the profile is
    /// guessed as libburn does (blank/appendable CD → CD-R, or CD-RW when
    /// erasable; finalized → CD-ROM; a drive that cannot write that type
    /// per page 2Ah → CD-ROM) (`sense-and-retries.md` §5.3).
    pub fn current_profile(&mut self) -> Result<CurrentProfile> {
        let q = GetConfiguration::all();
        let len = q.alloc_len();
        let mut buf = vec![0u8; len];
        match self.exec(&q, DataPhase::In(&mut buf)) {
            Ok(c) => {
                let got = c.transferred(len);
                if got < 8 {
                    return Err(Error::Reply {
                        command: GetConfiguration::NAME,
                        source: ParseError::Short { need: 8, got },
                    });
                }
                Ok(CurrentProfile {
                    profile: Profile(u16::from_be_bytes([buf[6], buf[7]])),
                    guessed: false,
                })
            }
            Err(Error::Sense { sense, .. }) if sense.is_invalid_opcode() => {
                log::debug!("GET CONFIGURATION unsupported (MMC-1 drive): guessing the profile");
                self.guess_profile()
            }
            Err(e) => Err(e),
        }
    }

    fn guess_profile(&mut self) -> Result<CurrentProfile> {
        let guessed = |profile| {
            Ok(CurrentProfile {
                profile,
                guessed: true,
            })
        };
        let info = match self.disc_info() {
            Ok(i) => i,
            Err(Error::Sense { sense, .. }) if sense.is_no_medium() => {
                return guessed(Profile::NONE);
            }
            // Old read-only emulations (QEMU -cdrom) know no READ DISC
            // INFORMATION either: a read-only disc described by READ TOC.
            Err(Error::Sense { sense, .. }) if sense.is_invalid_opcode() => {
                return guessed(Profile::CD_ROM);
            }
            Err(e) => return Err(e),
        };
        let profile = match info.disc_status {
            DiscStatus::Blank | DiscStatus::Appendable if info.erasable => Profile::CD_RW,
            DiscStatus::Blank | DiscStatus::Appendable => Profile::CD_R,
            DiscStatus::Complete => Profile::CD_ROM,
            DiscStatus::Other => Profile::NONE,
        };
        let profile = if matches!(profile, Profile::CD_R | Profile::CD_RW) {
            match self.capabilities() {
                Ok(caps) => {
                    let writable = if profile == Profile::CD_RW {
                        caps.write_cd_rw
                    } else {
                        caps.write_cd_r
                    };
                    if writable { profile } else { Profile::CD_ROM }
                }
                Err(e) if is_answer_error(&e) => profile,
                Err(e) => return Err(e),
            }
        } else {
            profile
        };
        guessed(profile)
    }

    /// READ DISC INFORMATION, data type 000b (MMC-6 §6.21;
    /// `mmc-recipes.md` §12.2).
    pub fn disc_info(&mut self) -> Result<DiscInformation> {
        self.query(&ReadDiscInformation::new())
    }

    /// READ TRACK INFORMATION for logical track `number` (address type 01b;
    /// 0xFF = the invisible track of CD and DVD+R, MMC-6 §6.26).
    pub fn track_info(&mut self, number: u32) -> Result<TrackInformation> {
        self.query(&ReadTrackInformation::track(number))
    }

    /// READ TOC/PMA/ATIP format 0000b, formatted TOC with LBA addresses
    /// (MMC-6 §6.25.3.2).
    pub fn toc(&mut self) -> Result<FormattedToc> {
        self.query(&ReadToc::new())
    }

    /// READ TOC/PMA/ATIP format 0001b, multi-session information
    /// (MMC-6 §6.25.3.3; reliable on CD only).
    pub fn multi_session_info(&mut self) -> Result<MultiSessionInfo> {
        self.query(&ReadMultiSessionInfo::new())
    }

    /// READ TOC/PMA/ATIP format 0010b, raw TOC (MMC-6 §6.25.3.4; CD).
    pub fn raw_toc(&mut self) -> Result<RawToc> {
        self.query(&ReadRawToc::new())
    }

    /// READ CAPACITY (MMC-6 §6.18): last readable LBA and block length. Not
    /// the NWA (`mmc-recipes.md` §3.4 caveat).
    pub fn capacity(&mut self) -> Result<Capacity> {
        self.query(&ReadCapacity)
    }

    /// READ FORMAT CAPACITIES (MMC-6 §6.23), alloc 4 then the list length.
    pub fn format_capacities(&mut self) -> Result<FormatCapacities> {
        self.query(&ReadFormatCapacities::new())
    }

    /// MODE SENSE(10) page 2Ah, CD/DVD Capabilities and Mechanical Status
    /// (MMC-3 §6.3.11; `mmc-recipes.md` §3.1 step 6, §12.7).
    pub fn capabilities(&mut self) -> Result<Capabilities> {
        let page = self.query(&ModeSense10::capabilities())?;
        page.capabilities().map_err(|source| Error::Reply {
            command: ModeSense10::NAME,
            source,
        })
    }

    /// The write speeds for the current medium: GET PERFORMANCE type 03h,
    /// falling back to the descriptors of page 2Ah (`mmc-recipes.md` §9).
    /// A drive that answers neither gives an empty list
    /// ([`SpeedSource::None`]); speed is only a hint.
    pub fn write_speeds(&mut self) -> Result<WriteSpeedList> {
        match self.query(&GetWriteSpeeds::default()) {
            Ok(list) if !list.descriptors.is_empty() => {
                let speeds = list
                    .descriptors
                    .iter()
                    .map(|d| WriteSpeedEntry {
                        kbps: d.write_speed,
                        end_lba: Some(d.end_lba),
                    })
                    .collect();
                return Ok(WriteSpeedList::new(SpeedSource::GetPerformance, speeds));
            }
            Ok(_) => log::debug!("GET PERFORMANCE type 03h returned no descriptors"),
            Err(e) if is_answer_error(&e) => {
                log::debug!("GET PERFORMANCE type 03h: {e}; trying page 2Ah");
            }
            Err(e) => return Err(e),
        }
        match self.capabilities() {
            Ok(caps) if !caps.write_speeds.is_empty() => {
                let speeds = caps
                    .write_speeds
                    .iter()
                    .map(|w| WriteSpeedEntry {
                        kbps: w.speed as u32,
                        end_lba: None,
                    })
                    .collect();
                Ok(WriteSpeedList::new(SpeedSource::ModePage2A, speeds))
            }
            Ok(_) => Ok(WriteSpeedList::new(SpeedSource::None, Vec::new())),
            Err(e) if is_answer_error(&e) => {
                log::debug!("page 2Ah: {e}; no write speed list");
                Ok(WriteSpeedList::new(SpeedSource::None, Vec::new()))
            }
            Err(e) => Err(e),
        }
    }
}

/// Failure of one attempt before sense classification.
enum AttemptError {
    Transport(TransportError),
    Status(Status),
    Other(Error),
}

/// Re-borrows a data phase for one more attempt.
fn reborrow<'b>(data: &'b mut DataPhase<'_>) -> DataPhase<'b> {
    match data {
        DataPhase::None => DataPhase::None,
        DataPhase::In(b) => DataPhase::In(b),
        DataPhase::Out(b) => DataPhase::Out(b),
    }
}

/// The data phase must match what the command declares (our bug otherwise).
fn check_data_phase<C: Command>(spec: DataSpec, data: &DataPhase<'_>) -> Result<()> {
    let ok = match (spec, data) {
        (DataSpec::None, DataPhase::None) => true,
        (DataSpec::None, d) => d.is_empty(),
        (DataSpec::In(n), DataPhase::In(b)) => b.len() == n,
        (DataSpec::Out(n), DataPhase::Out(b)) => b.len() == n,
        (DataSpec::In(0) | DataSpec::Out(0), DataPhase::None) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{}: data phase {} of {} bytes does not match the command's {:?}",
            C::NAME,
            data.direction_name(),
            data.len(),
            spec
        )))
    }
}

fn data_in_len<Q: Command>(spec: DataSpec) -> Result<usize> {
    match spec {
        DataSpec::In(n) => Ok(n),
        other => Err(Error::Invalid(format!(
            "{} is used as a query but its data phase is {other:?}",
            Q::NAME
        ))),
    }
}

/// The starting LBA a READ/WRITE/VERIFY CDB addresses (MMC-6 §6.15, §6.44:
/// bytes 2–5 of the 10- and 12-byte forms; SBC-3 READ/WRITE(16): bytes
/// 2–9, kept when it fits 32 bits).
fn cdb_lba(cdb: &[u8]) -> Option<u32> {
    let be32 = |off: usize| {
        cdb.get(off..off + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match cdb.first()? {
        0x28 | 0x2A | 0x2E | 0x2F | 0xA8 | 0xAA => be32(2),
        0x88 | 0x8A => {
            let b = cdb.get(2..10)?;
            let v = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            u32::try_from(v).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::cmd::{Cdb, ParseError};
    use crate::transport::SenseBuf;

    // -- virtual clock ------------------------------------------------------

    #[derive(Default)]
    struct ClockState {
        now: Duration,
        sleeps: Vec<Duration>,
    }

    #[derive(Clone, Default)]
    struct FakeClock(Arc<Mutex<ClockState>>);

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            self.0.lock().unwrap().now
        }
        fn sleep(&mut self, d: Duration) {
            let mut s = self.0.lock().unwrap();
            s.now += d;
            s.sleeps.push(d);
        }
    }

    // -- scripted transport -------------------------------------------------

    struct Step {
        reply: std::result::Result<Completion, TransportError>,
        /// Bytes written to a data-in buffer; the residual is set from it.
        fill: Option<Vec<u8>>,
    }

    /// Returns a programmed sequence of completions and records every CDB.
    /// Each command takes `cost` of virtual time.
    struct Script {
        steps: VecDeque<Step>,
        sent: Vec<Vec<u8>>,
        clock: FakeClock,
        cost: Duration,
        /// Reply for commands beyond the script (None: panic).
        then: Option<Completion>,
    }

    impl Transport for Script {
        fn execute(
            &mut self,
            cdb: &[u8],
            data: DataPhase<'_>,
            _timeout: Duration,
        ) -> std::result::Result<Completion, TransportError> {
            self.sent.push(cdb.to_vec());
            self.clock.0.lock().unwrap().now += self.cost;
            let step = match self.steps.pop_front() {
                Some(s) => s,
                None => Step {
                    reply: Ok(self.then.clone().expect("script exhausted")),
                    fill: None,
                },
            };
            let mut reply = step.reply?;
            if let (Some(fill), DataPhase::In(buf)) = (step.fill, data) {
                let n = fill.len().min(buf.len());
                buf[..n].copy_from_slice(&fill[..n]);
                reply.residual = buf.len() - n;
            }
            Ok(reply)
        }
        fn describe(&self) -> String {
            "script".into()
        }
    }

    fn ok() -> Step {
        Step {
            reply: Ok(Completion::good(0)),
            fill: None,
        }
    }
    fn data(bytes: &[u8]) -> Step {
        Step {
            reply: Ok(Completion::good(0)),
            fill: Some(bytes.to_vec()),
        }
    }
    fn chk(key: u8, asc: u8, ascq: u8) -> Step {
        Step {
            reply: Ok(Completion::check(SenseBuf::fixed(key, asc, ascq), 0)),
            fill: None,
        }
    }
    fn chk_sense(sense: SenseBuf) -> Step {
        Step {
            reply: Ok(Completion::check(sense, 0)),
            fill: None,
        }
    }
    fn status(s: u8) -> Step {
        Step {
            reply: Ok(Completion {
                status: Status(s),
                sense: SenseBuf::default(),
                residual: 0,
            }),
            fill: None,
        }
    }
    fn terr(e: TransportError) -> Step {
        Step {
            reply: Err(e),
            fill: None,
        }
    }

    fn drive(steps: Vec<Step>) -> (Drive<Script>, FakeClock) {
        drive_with(steps, Timing::default(), Duration::ZERO)
    }

    fn drive_with(steps: Vec<Step>, timing: Timing, cost: Duration) -> (Drive<Script>, FakeClock) {
        let clock = FakeClock::default();
        let script = Script {
            steps: steps.into(),
            sent: Vec::new(),
            clock: clock.clone(),
            cost,
            then: None,
        };
        let d = Drive::with_timing(script, timing).with_clock(Box::new(clock.clone()));
        (d, clock)
    }

    fn sleeps(c: &FakeClock) -> Vec<u64> {
        c.0.lock()
            .unwrap()
            .sleeps
            .iter()
            .map(|d| d.as_millis() as u64)
            .collect()
    }

    fn opcodes(d: &Drive<Script>) -> Vec<u8> {
        d.transport().sent.iter().map(|c| c[0]).collect()
    }

    // -- test commands (fixtures, not MMC commands of the crate) -----------

    /// A command with a given CDB and data phase.
    struct Raw {
        cdb: Vec<u8>,
        data: DataSpec,
        timeout: Duration,
    }

    impl Command for Raw {
        const NAME: &'static str = "RAW";
        fn cdb(&self) -> Cdb {
            Cdb::new(&self.cdb)
        }
        fn data(&self) -> DataSpec {
            self.data
        }
        fn timeout(&self) -> Duration {
            self.timeout
        }
    }

    fn read10() -> Raw {
        Raw {
            cdb: vec![0x28, 0, 0, 0, 0x01, 0x00, 0, 0, 1, 0],
            data: DataSpec::In(2048),
            timeout: Duration::from_secs(30),
        }
    }

    fn write10(lba: u32) -> Raw {
        let l = lba.to_be_bytes();
        Raw {
            cdb: vec![0x2A, 0, l[0], l[1], l[2], l[3], 0, 0, 16, 0],
            data: DataSpec::Out(32768),
            timeout: Duration::from_secs(200),
        }
    }

    fn no_data(op: u8) -> Raw {
        Raw {
            cdb: vec![op, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            data: DataSpec::None,
            timeout: Duration::from_secs(30),
        }
    }

    /// A list reply: bytes 0–1 length of what follows (like READ DISC
    /// INFORMATION), allocation length in CDB bytes 7–8.
    #[derive(Clone, Copy)]
    struct List {
        alloc: usize,
    }

    impl Command for List {
        const NAME: &'static str = "LIST";
        fn cdb(&self) -> Cdb {
            let a = (self.alloc as u16).to_be_bytes();
            Cdb::new(&[0x51, 0, 0, 0, 0, 0, 0, a[0], a[1], 0])
        }
        fn data(&self) -> DataSpec {
            DataSpec::In(self.alloc)
        }
    }

    impl Query for List {
        type Reply = Vec<u8>;
        fn parse(&self, data: &[u8]) -> std::result::Result<Vec<u8>, ParseError> {
            if data.len() < 2 {
                return Err(ParseError::Short {
                    need: 2,
                    got: data.len(),
                });
            }
            Ok(data.to_vec())
        }
        fn available_len(&self, data: &[u8]) -> Option<usize> {
            Some(u16::from_be_bytes([*data.first()?, *data.get(1)?]) as usize + 2)
        }
        fn with_alloc_len(&self, len: usize) -> Self {
            List {
                alloc: len.min(u16::MAX as usize),
            }
        }
    }

    fn out_buf() -> Vec<u8> {
        vec![0u8; 32768]
    }

    fn sense_of(e: &Error) -> (String, &'static str, Option<u32>) {
        match e {
            Error::Sense {
                command,
                sense,
                lba,
            } => (sense.triple(), command, *lba),
            other => panic!("expected a sense error, got {other:?}"),
        }
    }

    // -- exec: WAIT -----------------------------------------------------------

    #[test]
    fn long_write_in_progress_resends_the_same_write_with_write_delays() {
        // §3 row 2/04/08 on WRITE: buffer full, re-send the same WRITE;
        // §4.1: delays 0, 2, 4 ms.
        let (mut d, clock) = drive(vec![chk(2, 4, 8), chk(2, 4, 8), chk(2, 4, 8), ok()]);
        let buf = out_buf();
        d.exec(&write10(0x1234), DataPhase::Out(&buf)).unwrap();
        assert_eq!(d.transport().sent.len(), 4);
        assert!(d.transport().sent.iter().all(|c| c == &write10(0x1234).cdb));
        assert_eq!(sleeps(&clock), vec![0, 2, 4]);
    }

    #[test]
    fn becoming_ready_waits_with_the_other_schedule() {
        // 2/04/01 WAIT; §4.1 "all other": 100, 200, 300 ms.
        let (mut d, clock) = drive(vec![
            chk(2, 4, 1),
            chk(2, 4, 1),
            chk(2, 4, 7),
            data(&[7; 2048]),
        ]);
        let mut buf = vec![0u8; 2048];
        let c = d.exec(&read10(), DataPhase::In(&mut buf)).unwrap();
        assert_eq!(c.residual, 0);
        assert_eq!(buf[0], 7);
        assert_eq!(sleeps(&clock), vec![100, 200, 300]);
    }

    #[test]
    fn wait_gives_up_at_the_command_deadline() {
        // Every attempt takes 10 s; timeout 30 s: give up when
        // elapsed + delay > 30 s + 1 s, surfacing the last sense.
        let steps = (0..10).map(|_| chk(2, 4, 7)).collect();
        let (mut d, _clock) = drive_with(steps, Timing::default(), Duration::from_secs(10));
        let mut buf = vec![0u8; 2048];
        let e = d.exec(&read10(), DataPhase::In(&mut buf)).unwrap_err();
        assert_eq!(sense_of(&e), ("2/04/07".to_string(), "RAW", Some(0x100)));
        // Answers at 10 s (+100 ms delay), 20.1 s (+200 ms), 30.3 s (30.3 +
        // 0.3 <= 31: one more after 300 ms), 40.6 s (40.6 + 0.4 > 31: stop).
        // Four attempts.
        assert_eq!(d.transport().sent.len(), 4);
    }

    #[test]
    fn no_seek_complete_with_any_key_waits() {
        let (mut d, _) = drive(vec![chk(3, 2, 0), chk(0xB, 8, 3), ok()]);
        d.run(&no_data(0x35)).unwrap();
        assert_eq!(d.transport().sent.len(), 3);
    }

    // -- exec: unit attention --------------------------------------------------

    #[test]
    fn unit_attention_outside_writing_reissues_once_and_flags_the_medium() {
        let (mut d, clock) = drive(vec![chk(6, 0x28, 0), data(&[1; 2048])]);
        let mut buf = vec![0u8; 2048];
        d.exec(&read10(), DataPhase::In(&mut buf)).unwrap();
        assert_eq!(d.transport().sent.len(), 2);
        assert!(sleeps(&clock).is_empty());
        assert!(d.medium_may_have_changed());
        assert!(d.take_medium_changed());
        assert!(!d.medium_may_have_changed());

        // A second unit attention for the same command fails it.
        let (mut d, _) = drive(vec![chk(6, 0x29, 0), chk(6, 0x28, 0), ok()]);
        let e = d.run(&no_data(0x1E)).unwrap_err();
        assert_eq!(sense_of(&e).0, "6/28/00");
        assert_eq!(d.transport().sent.len(), 2);
    }

    #[test]
    fn unit_attention_while_writing_fails_without_resending() {
        // §5.4: between the first WRITE and the end of the close.
        let (mut d, _) = drive(vec![chk(6, 0x29, 0), ok()]);
        let buf = out_buf();
        let e = d.exec(&write10(5000), DataPhase::Out(&buf)).unwrap_err();
        assert_eq!(sense_of(&e), ("6/29/00".into(), "RAW", Some(5000)));
        assert_eq!(d.transport().sent.len(), 1);

        let (mut d, _) = drive(vec![chk(6, 0x28, 0), ok()]);
        d.set_writing(true);
        let e = d.run(&no_data(0x35)).unwrap_err(); // SYNCHRONIZE CACHE
        assert_eq!(sense_of(&e).0, "6/28/00");
        assert_eq!(d.transport().sent.len(), 1);
    }

    #[test]
    fn deferred_error_ends_a_burn() {
        let (mut d, _) = drive(vec![
            chk_sense(SenseBuf::fixed(3, 0x0C, 0).deferred()),
            ok(),
        ]);
        d.set_writing(true);
        let e = d.run(&no_data(0x35)).unwrap_err();
        match e {
            Error::Sense { sense, .. } => assert!(sense.is_deferred()),
            other => panic!("{other:?}"),
        }
        assert_eq!(d.transport().sent.len(), 1);
    }

    // -- exec: FAIL, OK ---------------------------------------------------------

    #[test]
    fn fail_class_surfaces_with_lba_and_recovered_is_ok() {
        let (mut d, _) = drive(vec![chk(5, 0x21, 2)]);
        let buf = out_buf();
        let e = d
            .exec(&write10(0x00FF_FFF0), DataPhase::Out(&buf))
            .unwrap_err();
        assert_eq!(sense_of(&e), ("5/21/02".into(), "RAW", Some(0x00FF_FFF0)));
        assert!(e.to_string().contains("invalid address for write"), "{e}");

        let (mut d, _) = drive(vec![chk(5, 0x24, 0)]);
        let e = d.run(&no_data(0x5B)).unwrap_err();
        assert_eq!(sense_of(&e).2, None);

        let (mut d, _) = drive(vec![chk(1, 0x0C, 1)]);
        let buf = out_buf();
        let c = d.exec(&write10(0), DataPhase::Out(&buf)).unwrap();
        assert_eq!(c.status, Status::CHECK_CONDITION);
        assert_eq!(d.transport().sent.len(), 1);
    }

    #[test]
    fn no_medium_fails_at_once() {
        let (mut d, clock) = drive(vec![chk(2, 0x3A, 1)]);
        let e = d.run(&no_data(0x1E)).unwrap_err();
        assert!(e.sense().unwrap().is_no_medium());
        assert!(e.is_unsuitable());
        assert!(sleeps(&clock).is_empty());
    }

    #[test]
    fn aborted_command_retries_three_times_then_fails() {
        let steps = (0..5).map(|_| chk(0xB, 0x47, 0)).collect();
        let (mut d, clock) = drive(steps);
        let e = d.run(&no_data(0x35)).unwrap_err();
        assert_eq!(sense_of(&e).0, "B/47/00");
        assert_eq!(d.transport().sent.len(), 4);
        assert_eq!(sleeps(&clock), vec![100, 200, 300]);
        // Never for WRITE.
        let (mut d, _) = drive(vec![chk(0xB, 0x47, 0), ok()]);
        let buf = out_buf();
        assert!(d.exec(&write10(0), DataPhase::Out(&buf)).is_err());
        assert_eq!(d.transport().sent.len(), 1);
    }

    // -- exec: REQUEST SENSE, status, transport --------------------------------

    #[test]
    fn check_condition_without_sense_asks_request_sense() {
        let rs_reply = SenseBuf::fixed(5, 0x24, 0);
        let (mut d, _) = drive(vec![
            Step {
                reply: Ok(Completion::check(SenseBuf::default(), 0)),
                fill: None,
            },
            data(rs_reply.as_bytes()),
        ]);
        let e = d.run(&no_data(0x5B)).unwrap_err();
        assert_eq!(sense_of(&e), ("5/24/00".into(), "RAW", None));
        // REQUEST SENSE 03 00 00 00 12 00 (§1: DESC = 0, 18 bytes).
        assert_eq!(d.transport().sent[1], vec![0x03, 0, 0, 0, 18, 0]);

        // The fetched sense takes part in the policy: WAIT, then success.
        let (mut d, _) = drive(vec![
            Step {
                reply: Ok(Completion::check(SenseBuf::default(), 0)),
                fill: None,
            },
            data(SenseBuf::fixed(2, 4, 1).as_bytes()),
            ok(),
        ]);
        d.run(&no_data(0x1E)).unwrap();
        assert_eq!(opcodes(&d), vec![0x1E, 0x03, 0x1E]);
    }

    #[test]
    fn busy_status_is_retried_then_fails() {
        let (mut d, clock) = drive(vec![status(0x08), status(0x08), ok()]);
        d.run(&no_data(0x1E)).unwrap();
        assert_eq!(sleeps(&clock), vec![100, 200]);
        let steps = (0..5).map(|_| status(0x18)).collect();
        let (mut d, _) = drive(steps);
        match d.run(&no_data(0x1E)).unwrap_err() {
            Error::Status { status, command } => {
                assert_eq!(status, Status::RESERVATION_CONFLICT);
                assert_eq!(command, "RAW");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.transport().sent.len(), 4);
    }

    #[test]
    fn transient_transport_retries_reads_but_never_writes() {
        let t = || {
            terr(TransportError::Transient {
                host: 0x08,
                driver: 0,
            })
        };
        let (mut d, _) = drive(vec![t(), t(), t(), data(&[0; 2048])]);
        let mut buf = vec![0u8; 2048];
        d.exec(&read10(), DataPhase::In(&mut buf)).unwrap();
        assert_eq!(d.transport().sent.len(), 4);

        let (mut d, _) = drive(vec![t(), t(), t(), t(), ok()]);
        let e = d.exec(&read10(), DataPhase::In(&mut buf)).unwrap_err();
        assert!(matches!(
            e,
            Error::Transport {
                source: TransportError::Transient { .. },
                ..
            }
        ));
        assert_eq!(d.transport().sent.len(), 4);

        let (mut d, _) = drive(vec![t(), ok()]);
        let out = out_buf();
        let e = d.exec(&write10(16), DataPhase::Out(&out)).unwrap_err();
        assert!(matches!(e, Error::Transport { command: "RAW", .. }));
        assert_eq!(d.transport().sent.len(), 1);
    }

    #[test]
    fn drive_loss_and_timeout() {
        let (mut d, _) = drive(vec![terr(TransportError::DriveLost), ok()]);
        assert!(d.run(&no_data(0x1E)).is_err());
        assert!(d.is_lost());
        assert_eq!(d.transport().sent.len(), 1);

        // After a host timeout the next command first polls TEST UNIT READY.
        let (mut d, _) = drive(vec![
            terr(TransportError::Timeout(Duration::from_secs(30))),
            chk(2, 4, 7),
            ok(),
            ok(),
        ]);
        assert!(d.run(&no_data(0x35)).is_err());
        d.run(&no_data(0x1E)).unwrap();
        assert_eq!(opcodes(&d), vec![0x35, 0x00, 0x00, 0x1E]);
    }

    #[test]
    fn mismatched_data_phase_is_refused_before_sending() {
        let (mut d, _) = drive(vec![]);
        let mut small = vec![0u8; 10];
        assert!(matches!(
            d.exec(&read10(), DataPhase::In(&mut small)),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            d.exec(&read10(), DataPhase::None),
            Err(Error::Invalid(_))
        ));
        assert!(d.transport().sent.is_empty());
    }

    // -- query -----------------------------------------------------------------

    #[test]
    fn query_asks_small_then_full_and_trims_by_residual() {
        // First reply: header says 40 bytes follow; second: 30 bytes arrive
        // of 42 asked (residual 12).
        let mut full = vec![0u8, 40];
        full.extend(1..=28u8);
        let (mut d, _) = drive(vec![data(&[0, 40, 9, 9]), data(&full)]);
        let reply = d.query(&List { alloc: 4 }).unwrap();
        assert_eq!(reply, full);
        let sent = &d.transport().sent;
        assert_eq!(sent.len(), 2);
        assert_eq!(&sent[0][7..9], &[0, 4]);
        assert_eq!(&sent[1][7..9], &[0, 42]);
    }

    #[test]
    fn query_single_step_when_complete_and_capped_when_huge() {
        let (mut d, _) = drive(vec![data(&[0, 2, 5, 6])]);
        assert_eq!(d.query(&List { alloc: 8 }).unwrap(), vec![0, 2, 5, 6]);
        assert_eq!(d.transport().sent.len(), 1);

        // A header claiming 65535 + 2 bytes is capped at QUERY_MAX_LEN.
        let (mut d, _) = drive(vec![data(&[0xFF, 0xFF]), data(&[0, 1, 0])]);
        d.query(&List { alloc: 2 }).unwrap();
        assert_eq!(&d.transport().sent[1][7..9], &[0xFF, 0xFF]);

        // A short reply is a Reply error naming the command.
        let (mut d, _) = drive(vec![data(&[0])]);
        assert!(matches!(
            d.query(&List { alloc: 8 }),
            Err(Error::Reply {
                command: "LIST",
                ..
            })
        ));
    }

    // -- test unit ready and wait_ready ---------------------------------------

    #[test]
    fn test_unit_ready_readiness() {
        let (mut d, _) = drive(vec![
            ok(),
            chk(2, 0x3A, 2),
            chk(2, 4, 1),
            chk(2, 4, 0),
            chk_sense(SenseBuf::fixed(2, 4, 4).with_progress(0x8000)),
            chk(6, 0x28, 0),
            chk(2, 4, 3),
        ]);
        assert_eq!(d.test_unit_ready().unwrap(), Readiness::Ready);
        assert_eq!(d.test_unit_ready().unwrap(), Readiness::NoMedium);
        assert_eq!(d.test_unit_ready().unwrap(), Readiness::Becoming);
        assert_eq!(d.test_unit_ready().unwrap(), Readiness::NotReportable);
        match d.test_unit_ready().unwrap() {
            Readiness::InProgress { progress, .. } => assert_eq!(progress, Some(0x8000)),
            other => panic!("{other:?}"),
        }
        assert!(!d.medium_may_have_changed());
        assert!(matches!(
            d.test_unit_ready().unwrap(),
            Readiness::Attention(_)
        ));
        assert!(d.medium_may_have_changed());
        assert!(d.test_unit_ready().is_err()); // 2/04/03 manual intervention
        // Never retried: one CDB per call.
        assert_eq!(d.transport().sent.len(), 7);
    }

    #[test]
    fn format_wait_reports_progress_from_sks_or_request_sense() {
        let (mut d, clock) = drive(vec![
            chk_sense(SenseBuf::fixed(2, 4, 4).with_progress(0x4000)),
            chk(2, 4, 4),
            data(SenseBuf::fixed(0, 0, 0).with_progress(0x9000).as_bytes()),
            ok(),
        ]);
        let mut seen = Vec::new();
        let r = d
            .wait_ready(WaitKind::Format, None, &mut |p| seen.push(p.progress))
            .unwrap();
        assert_eq!(r, Readiness::Ready);
        assert_eq!(seen, vec![Some(0x4000), Some(0x9000), Some(0xFFFF)]);
        assert_eq!(opcodes(&d), vec![0x00, 0x00, 0x03, 0x00]);
        // §4.3: initial 1 s, then every 1 s.
        assert_eq!(sleeps(&clock), vec![1000, 1000, 1000]);
    }

    #[test]
    fn close_wait_no_medium_is_done_but_format_wait_fails() {
        let (mut d, _) = drive(vec![chk(2, 4, 7), chk(2, 0x3A, 0)]);
        assert_eq!(
            d.wait_ready(WaitKind::Close, None, &mut |_| {}).unwrap(),
            Readiness::NoMedium
        );
        let (mut d, _) = drive(vec![chk(2, 0x3A, 0)]);
        let e = d
            .wait_ready(WaitKind::Format, None, &mut |_| {})
            .unwrap_err();
        assert_eq!(sense_of(&e), ("2/3A/00".into(), "TEST UNIT READY", None));
    }

    #[test]
    fn close_wait_treats_long_not_reportable_as_done() {
        // "Clueless" adapters answer 2/04/00 forever; after ~5 s: done.
        let steps = (0..100).map(|_| chk(2, 4, 0)).collect();
        let (mut d, clock) = drive(steps);
        let r = d.wait_ready(WaitKind::Close, None, &mut |_| {}).unwrap();
        assert_eq!(r, Readiness::Ready);
        // 0.5 s initial, polls every 0.5 s; the first 2/04/00 at 0.5 s, done
        // at 5.5 s: 11 polls.
        assert_eq!(d.transport().sent.len(), 11);
        assert_eq!(clock.now(), Duration::from_millis(5500));

        // For BLANK/FORMAT 2/04/00 keeps waiting until the limit.
        let steps = (0..100).map(|_| chk(2, 4, 0)).collect();
        let (mut d, _) = drive(steps);
        let e = d
            .wait_ready(WaitKind::Format, Some(Duration::from_secs(20)), &mut |_| {})
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Timeout {
                    command: "TEST UNIT READY",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn close_wait_checks_disc_information_after_good() {
        // Pioneer pitfall of §4.3: TUR GOOD while RDI still says 2/04/07.
        let (mut d, _) = drive(vec![
            ok(),         // TUR
            chk(2, 4, 7), // RDI
            chk(2, 4, 7), // RDI
            data(&[0, 32]),
        ]);
        let r = d.wait_ready(WaitKind::Close, None, &mut |_| {}).unwrap();
        assert_eq!(r, Readiness::Ready);
        assert_eq!(opcodes(&d), vec![0x00, 0x51, 0x51, 0x51]);
    }

    #[test]
    fn wait_fails_on_asynchronous_errors_and_honours_cancel() {
        let (mut d, _) = drive(vec![chk(2, 4, 7), chk(3, 0x0C, 0)]);
        let e = d
            .wait_ready(WaitKind::Close, None, &mut |_| {})
            .unwrap_err();
        assert_eq!(sense_of(&e).0, "3/0C/00");

        let (mut d, _) = drive(vec![chk(2, 4, 2)]);
        assert!(d.wait_ready(WaitKind::Format, None, &mut |_| {}).is_err());

        let cancel = Cancel::new();
        let (d, _) = drive(vec![chk(2, 4, 7), chk(2, 4, 7), ok()]);
        let mut d = d.with_cancel(cancel.clone());
        let mut polls = 0;
        let e = d
            .wait_ready(WaitKind::Close, None, &mut |_| {
                polls += 1;
                cancel.cancel();
            })
            .unwrap_err();
        assert!(matches!(e, Error::Cancelled));
        assert_eq!(polls, 1);
    }

    #[test]
    fn ready_wait_consumes_unit_attentions() {
        let (mut d, _) = drive(vec![chk(6, 0x29, 0), chk(6, 0x28, 0), chk(2, 4, 1), ok()]);
        let r = d.wait_ready(WaitKind::Ready, None, &mut |_| {}).unwrap();
        assert_eq!(r, Readiness::Ready);
        assert!(d.medium_may_have_changed());
        assert_eq!(d.transport().sent.len(), 4);
    }

    #[test]
    fn fast_timing_sleeps_nothing_in_retries() {
        let (mut d, clock) = drive_with(
            vec![chk(2, 4, 8), chk(2, 4, 8), ok()],
            Timing::fast(),
            Duration::ZERO,
        );
        let buf = out_buf();
        d.exec(&write10(0), DataPhase::Out(&buf)).unwrap();
        assert_eq!(sleeps(&clock), vec![0, 0]);
    }

    #[test]
    fn cdb_lba_of_read_write_forms() {
        assert_eq!(cdb_lba(&[0x2A, 0, 0, 1, 0, 0, 0, 0, 16, 0]), Some(65536));
        assert_eq!(
            cdb_lba(&[0xA8, 0, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0, 0, 1, 0, 0]),
            Some(0xFFFF_FF6A)
        );
        assert_eq!(
            cdb_lba(&[0x8A, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0]),
            Some(0x1000)
        );
        assert_eq!(
            cdb_lba(&[0x8A, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
            None
        );
        assert_eq!(cdb_lba(&[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]), None);
        assert_eq!(cdb_lba(&[0x2A, 0]), None);
    }

    // -- typed queries -------------------------------------------------------

    /// READ DISC INFORMATION reply, 34 bytes (MMC-6 §6.21.3.1): length 32,
    /// byte 2 = erasable (bit 4) | disc status (bits 1–0).
    fn disc_info_reply(erasable: bool, status: u8) -> Vec<u8> {
        let mut r = vec![0u8; 34];
        r[1] = 32;
        r[2] = (erasable as u8) << 4 | status;
        r[3] = 1;
        r[4] = 1;
        r
    }

    /// MODE SENSE(10) reply with page 2Ah (MMC-3 §6.3.11): 8-byte header,
    /// page of length 26 with write bits in byte 3 and `speeds` as write
    /// speed descriptors from page byte 32.
    fn page_2a_reply(write_bits: u8, speeds: &[u16]) -> Vec<u8> {
        let mut page = vec![0u8; 32];
        page[0] = 0x2A;
        page[3] = write_bits;
        page[30..32].copy_from_slice(&(speeds.len() as u16).to_be_bytes());
        for &sp in speeds {
            page.extend_from_slice(&[0, 0]);
            page.extend_from_slice(&sp.to_be_bytes());
        }
        page[1] = (page.len() - 2) as u8;
        let mut r = vec![0u8; 8];
        r[0..2].copy_from_slice(&((6 + page.len()) as u16).to_be_bytes());
        r.extend_from_slice(&page);
        r
    }

    #[test]
    fn current_profile_from_the_configuration_header() {
        // MMC-6 §6.6.2.1: bytes 6–7 current profile; only the header is asked.
        let (mut d, _) = drive(vec![data(&[0, 0, 0, 0x3C, 0, 0, 0x00, 0x1B])]);
        assert_eq!(
            d.current_profile().unwrap(),
            CurrentProfile {
                profile: Profile::DVD_PLUS_R,
                guessed: false
            }
        );
        let sent = &d.transport().sent;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0], vec![0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]);
    }

    #[test]
    fn mmc1_drive_profile_is_guessed() {
        // §5.3: 5/20/00 on GET CONFIGURATION → READ DISC INFORMATION and
        // page 2Ah. Blank erasable disc in a CD-RW writer: CD-RW.
        let (mut d, _) = drive(vec![
            chk(5, 0x20, 0),
            data(&disc_info_reply(true, 0)),
            // MODE SENSE(10) asks 30 bytes first, then the announced 42.
            data(&page_2a_reply(0b11, &[])),
            data(&page_2a_reply(0b11, &[])),
        ]);
        assert_eq!(
            d.current_profile().unwrap(),
            CurrentProfile {
                profile: Profile::CD_RW,
                guessed: true
            }
        );
        assert_eq!(opcodes(&d), vec![0x46, 0x51, 0x5A, 0x5A]);

        // Appendable CD-R in a drive that cannot write CD-R: CD-ROM.
        let (mut d, _) = drive(vec![
            chk(5, 0x20, 0),
            data(&disc_info_reply(false, 1)),
            data(&page_2a_reply(0, &[])),
            data(&page_2a_reply(0, &[])),
        ]);
        assert_eq!(d.current_profile().unwrap().profile, Profile::CD_ROM);

        // Finalized disc: CD-ROM without asking page 2Ah.
        let (mut d, _) = drive(vec![chk(5, 0x20, 0), data(&disc_info_reply(false, 2))]);
        assert_eq!(d.current_profile().unwrap().profile, Profile::CD_ROM);
        assert_eq!(d.transport().sent.len(), 2);

        // Old QEMU -cdrom: no READ DISC INFORMATION either.
        let (mut d, _) = drive(vec![chk(5, 0x20, 0), chk(5, 0x20, 0)]);
        assert_eq!(d.current_profile().unwrap().profile, Profile::CD_ROM);

        // No medium.
        let (mut d, _) = drive(vec![chk(5, 0x20, 0), chk(2, 0x3A, 0)]);
        assert_eq!(d.current_profile().unwrap().profile, Profile::NONE);

        // Other errors of GET CONFIGURATION are not guessed away.
        let (mut d, _) = drive(vec![chk(2, 0x3A, 0)]);
        assert!(
            d.current_profile()
                .unwrap_err()
                .sense()
                .unwrap()
                .is_no_medium()
        );
    }

    #[test]
    fn write_speeds_from_get_performance() {
        // MMC-6 GET PERFORMANCE type 03h: 8-byte header (data length), then
        // 16-byte descriptors: 4–7 end LBA, 8–11 read, 12–15 write speed.
        let desc = |end: u32, w: u32| {
            let mut v = vec![0u8; 16];
            v[4..8].copy_from_slice(&end.to_be_bytes());
            v[12..16].copy_from_slice(&w.to_be_bytes());
            v
        };
        let mut full = (4u32 + 3 * 16).to_be_bytes().to_vec();
        full.extend_from_slice(&[0; 4]);
        full.extend(desc(2_295_103, 5540));
        full.extend(desc(2_295_103, 11080));
        full.extend(desc(2_295_103, 5540));
        let (mut d, _) = drive(vec![data(&full[..8]), data(&full)]);
        let list = d.write_speeds().unwrap();
        assert_eq!(list.source, SpeedSource::GetPerformance);
        assert_eq!(
            list.speeds,
            vec![
                WriteSpeedEntry {
                    kbps: 11080,
                    end_lba: Some(2_295_103)
                },
                WriteSpeedEntry {
                    kbps: 5540,
                    end_lba: Some(2_295_103)
                },
            ]
        );
        assert_eq!(list.max_kbps(), Some(11080));
        // AC 00 … 00 00 03 00 first (0 descriptors), then 3 descriptors.
        let sent = &d.transport().sent;
        assert_eq!(&sent[0][8..11], &[0, 0, 3]);
        assert_eq!(&sent[1][8..11], &[0, 3, 3]);
    }

    #[test]
    fn write_speeds_fall_back_to_page_2a() {
        let (mut d, _) = drive(vec![
            chk(5, 0x24, 0),
            data(&page_2a_reply(1, &[4234, 7056, 4234])),
            data(&page_2a_reply(1, &[4234, 7056, 4234])),
        ]);
        let list = d.write_speeds().unwrap();
        assert_eq!(list.source, SpeedSource::ModePage2A);
        let kbps: Vec<u32> = list.speeds.iter().map(|s| s.kbps).collect();
        assert_eq!(kbps, vec![7056, 4234]);

        // Neither source: an empty list, not an error.
        let (mut d, _) = drive(vec![chk(5, 0x20, 0), chk(5, 0x24, 0)]);
        let list = d.write_speeds().unwrap();
        assert_eq!(list.source, SpeedSource::None);
        assert!(list.speeds.is_empty());

        // A lost drive is an error.
        let (mut d, _) = drive(vec![terr(TransportError::DriveLost)]);
        assert!(matches!(d.write_speeds(), Err(Error::Transport { .. })));
    }

    #[test]
    fn typed_queries_send_their_commands() {
        let mut inq = vec![0x05, 0x80, 0x05, 0x32, 31, 0, 0, 0];
        inq.extend_from_slice(b"HL-DT-STBD-RE  WH16NS60 1.02");
        let (mut d, _) = drive(vec![
            data(&inq),
            data(&disc_info_reply(false, 1)),
            data(&[0x00, 0x8F, 0xFF, 0xFF, 0, 0, 0x08, 0]),
        ]);
        let i = d.inquiry().unwrap();
        assert!(i.is_mmc());
        assert_eq!(i.vendor, "HL-DT-ST");
        assert_eq!(d.disc_info().unwrap().disc_status, DiscStatus::Appendable);
        let cap = d.capacity().unwrap();
        assert_eq!((cap.last_lba, cap.block_len), (0x008F_FFFF, 2048));
        assert_eq!(opcodes(&d), vec![0x12, 0x51, 0x25]);
    }
}
