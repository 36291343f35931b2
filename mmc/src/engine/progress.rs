//! Progress reports of long operations. Libraries never print: every long
//! operation takes a callback `&mut dyn FnMut(&Progress)` and the CLI turns
//! the reports into a progress bar (`style.md` shape 6).

use std::time::{Duration, Instant};

use crate::drive::WaitProgress;
use crate::profile::{Family, Profile};

/// What an operation is doing when it reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Phase {
    /// BLANK with Immed, polling (`mmc-recipes.md` §4 step 4).
    Blanking,
    /// FORMAT UNIT with Immed, polling (`mmc-recipes.md` §5.2).
    Formatting,
    /// CLOSE SESSION of a BD-R whose last session was left open, before a
    /// new session (`mmc-recipes.md` §3.2).
    ClosingOpenSession,
    /// RESERVE TRACK or SEND CUE SHEET.
    Reserving,
    /// WRITE of user data.
    Writing,
    /// WRITE of padding after the data (`mmc-recipes.md` §6.6), or of the
    /// CD SAO pre-gap.
    Padding,
    /// SYNCHRONIZE CACHE with Immed, polling.
    Syncing,
    /// CLOSE TRACK with Immed, polling.
    ClosingTrack,
    /// CLOSE SESSION with Immed, polling.
    ClosingSession,
    /// Finalizing the disc (CLOSE SESSION with multi-session off, 101b, 110b).
    Finalizing,
    /// Stopping DVD+RW background formatting (CLOSE 010b).
    StoppingFormat,
    /// READ of the medium (checkread, verify).
    Reading,
    /// Waiting for the drive to become ready.
    Waiting,
}

/// State of the FIFO between the source reader thread and the writer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FifoState {
    /// Bytes read from the source and not yet sent to the drive.
    pub filled: usize,
    /// Capacity in bytes.
    pub capacity: usize,
}

impl FifoState {
    /// Fill as a fraction 0.0 ..= 1.0.
    pub fn fraction(&self) -> f64 {
        if self.capacity == 0 {
            0.0
        } else {
            (self.filled as f64 / self.capacity as f64).min(1.0)
        }
    }
}

/// Throughput of a transfer.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Rate {
    /// Megabytes (10⁶ bytes) per second.
    pub mb_per_s: f64,
    /// Multiples of the medium's 1× speed: CD 176.4 kB/s, DVD 1385 kB/s,
    /// BD 4495.625 kB/s (`mmc-recipes.md` §9).
    pub times: f64,
}

/// One progress report.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Progress {
    pub phase: Phase,
    /// Bytes transferred so far (writing, reading) in this phase's
    /// operation; 0 while polling.
    pub done: u64,
    /// Bytes to transfer, when known.
    pub total: Option<u64>,
    /// Progress 0.0 ..= 1.0 when the drive reports one while polling
    /// (often fake: never judge success by it, `sense-and-retries.md` §4.3).
    pub fraction: Option<f64>,
    /// Time since the operation started.
    pub elapsed: Duration,
    /// The LBA the operation is at (writing, reading).
    pub lba: Option<i64>,
    /// FIFO fill while writing.
    pub fifo: Option<FifoState>,
    /// Drive buffer fill 0.0 ..= 1.0 from READ BUFFER CAPACITY, sampled
    /// about every 1024 blocks while writing.
    pub drive_buffer: Option<f64>,
    /// Recent throughput.
    pub rate: Option<Rate>,
}

impl Progress {
    /// A report of `phase` with nothing but the elapsed time.
    pub fn phase(phase: Phase, elapsed: Duration) -> Progress {
        Progress {
            phase,
            done: 0,
            total: None,
            fraction: None,
            elapsed,
            lba: None,
            fifo: None,
            drive_buffer: None,
            rate: None,
        }
    }
}

/// A callback that ignores every report.
pub fn no_progress(_: &Progress) {}

/// Bytes per second of 1× speed for a media family (`mmc-recipes.md` §9):
/// CD 176 400, DVD 1 385 000, BD 4 495 625; files use the DVD value.
pub fn one_x_bytes_per_s(profile: Profile) -> f64 {
    match profile.family() {
        Family::Cd => 176_400.0,
        Family::Bd => 4_495_625.0,
        _ => 1_385_000.0,
    }
}

/// Turns a polling report of [`crate::drive::Drive::wait_ready`] into a
/// [`Progress`] of `phase`.
pub(crate) fn from_wait(phase: Phase, w: &WaitProgress, started: Instant) -> Progress {
    Progress {
        fraction: w.fraction(),
        ..Progress::phase(phase, started.elapsed())
    }
}

/// Throughput over a sliding window of about a second.
#[derive(Debug)]
pub(crate) struct RateMeter {
    one_x: f64,
    start: Instant,
    window_start: Instant,
    window_bytes: u64,
    last: Option<Rate>,
}

impl RateMeter {
    pub(crate) fn new(profile: Profile) -> RateMeter {
        let now = Instant::now();
        RateMeter {
            one_x: one_x_bytes_per_s(profile),
            start: now,
            window_start: now,
            window_bytes: 0,
            last: None,
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Counts `bytes` more and returns the current rate (the previous
    /// window's until a window of 0.5 s is complete).
    pub(crate) fn add(&mut self, bytes: u64) -> Option<Rate> {
        self.window_bytes += bytes;
        let dt = self.window_start.elapsed();
        if dt >= Duration::from_millis(500) {
            let bps = self.window_bytes as f64 / dt.as_secs_f64();
            self.last = Some(Rate {
                mb_per_s: bps / 1e6,
                times: bps / self.one_x,
            });
            self.window_start = Instant::now();
            self.window_bytes = 0;
        }
        self.last
    }

    /// The average rate since the start for `total` bytes.
    pub(crate) fn average(&self, total: u64) -> Option<Rate> {
        let dt = self.start.elapsed().as_secs_f64();
        (dt > 0.0).then(|| {
            let bps = total as f64 / dt;
            Rate {
                mb_per_s: bps / 1e6,
                times: bps / self.one_x,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_x_values_of_recipes_section_9() {
        assert_eq!(one_x_bytes_per_s(Profile::CD_R), 176_400.0);
        assert_eq!(one_x_bytes_per_s(Profile::DVD_PLUS_R), 1_385_000.0);
        assert_eq!(one_x_bytes_per_s(Profile::BD_RE), 4_495_625.0);
    }

    #[test]
    fn fifo_fraction() {
        let f = FifoState {
            filled: 1 << 20,
            capacity: 4 << 20,
        };
        assert_eq!(f.fraction(), 0.25);
        assert_eq!(
            FifoState {
                filled: 1,
                capacity: 0
            }
            .fraction(),
            0.0
        );
    }
}
