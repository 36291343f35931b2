//! Failures while writing: drive errors, waits, cancellation, lost drives
//! and failing sources (`sense-and-retries.md` §3, §5).

use std::io::{self, Read};

use mmc::drive::Cancel;
use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::engine::{
    Closure, MediaStatus, Phase, SessionOptions, TrayOutcome, WriteMethod, no_progress,
};
use mmc::error::Error;
use mmc::fault;
use mmc::transport::SenseBuf;

use crate::util::*;

const SIZE: u64 = 3_000_000;

/// A source that cancels `cancel` once `after` bytes were read.
struct CancelAfter<R> {
    inner: R,
    after: u64,
    read: u64,
    cancel: Cancel,
}

impl<R: Read> Read for CancelAfter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read >= self.after {
            self.cancel.cancel();
        }
        Ok(n)
    }
}

/// A source that fails after `after` bytes.
struct FailAfter<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for FailAfter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("the image generator failed"));
        }
        let n = (buf.len() as u64).min(self.left) as usize;
        let n = self.inner.read(&mut buf[..n])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn write_error_fails_with_sense_and_lba() {
    for media in [Media::DvdPlusR, Media::DvdR, Media::CdR, Media::BdR] {
        let mut r = faulty_rig(media);
        r.faults().fail_nth(0x2A, 5, fault::write_error());
        let t = r
            .rec
            .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
            .unwrap();
        let mut last_phase = None;
        let e = r
            .rec
            .write_session(&t, Noise::new(1, SIZE), Some(SIZE), &mut |p| {
                last_phase = Some(p.phase)
            })
            .unwrap_err();
        // CD SAO writes its pre-gap (5 WRITEs from LBA −150) first.
        let chunk = t.chunk_blocks as i64;
        let lba = if media == Media::CdR {
            -150 + 4 * chunk
        } else {
            4 * chunk
        };
        match &e {
            Error::Sense {
                command,
                sense,
                lba: at,
            } => {
                assert_eq!(*command, "WRITE(10)");
                assert!(sense.is(3, 0x0C, 0));
                assert_eq!(*at, Some(lba as u32), "{media}");
            }
            other => panic!("{media}: {other}"),
        }
        let text = e.to_string();
        assert!(
            text.contains("write error") && text.contains(&format!("at LBA {lba}")),
            "{text}"
        );
        assert_ne!(
            last_phase,
            Some(Phase::ClosingSession),
            "no close after a failure"
        );
        // Not a complete session; the tray is unlocked.
        let info = r.rec.inspect().unwrap().clone();
        assert!(info.sessions.is_empty(), "{media}: {:?}", info.sessions);
        let a = *r.rec.last_aborted_write().expect("an aborted write");
        let want = match info.status {
            MediaStatus::Blank => mmc::engine::LeftBehind::Blank,
            _ => mmc::engine::LeftBehind::OpenTrack {
                start: t.start,
                next_writable: info.next_writable(),
            },
        };
        assert_eq!(a.left, want, "{media}: {info:?}");
        assert_eq!(r.rec.eject().unwrap(), TrayOutcome::Done);
    }
}

#[test]
fn bd_r_session_left_open_is_closed_before_the_next() {
    let mut r = faulty_rig(Media::BdR);
    r.faults().fail_nth(0x2A, 3, fault::write_error());
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
        .unwrap();
    assert!(
        r.rec
            .write_session(&t, Noise::new(1, SIZE), Some(SIZE), &mut no_progress)
            .is_err()
    );
    assert!(r.rec.inspect().unwrap().last_session_open);
    r.faults().clear();
    let mut phases = Vec::new();
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut |p| {
            phases.push(p.phase)
        })
        .unwrap();
    assert!(t.closed_open_session);
    assert!(phases.contains(&Phase::ClosingOpenSession));
    assert!(t.start > 0);
    let rep = r
        .rec
        .write_session(&t, Noise::new(2, SIZE), Some(SIZE), &mut no_progress)
        .unwrap();
    assert_eq!(rep.closure, Closure::Session);
    assert_eq!(read_md5(&mut r.rec, t.start, SIZE), Noise::md5(2, SIZE));
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.sessions.len(), 2);
    assert_eq!(info.sessions[1].start, t.start);
}

#[test]
fn long_write_in_progress_and_not_ready_are_waited_for() {
    let mut r = faulty_rig(Media::DvdPlusR);
    r.faults()
        .fail_nth_times(0x2A, 3, 5, fault::long_write_in_progress())
        .fail_nth_times(0x35, 1, 3, SenseBuf::fixed(2, 0x04, 0x07))
        .fail_nth_times(0x5B, 1, 2, SenseBuf::fixed(2, 0x04, 0x07));
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
        .unwrap();
    let rep = r
        .rec
        .write_session(&t, Noise::new(3, SIZE), Some(SIZE), &mut no_progress)
        .unwrap();
    assert_eq!(rep.closure, Closure::Session);
    assert_eq!(r.faults().injected(), 10);
    assert_eq!(read_md5(&mut r.rec, 0, SIZE), Noise::md5(3, SIZE));
}

#[test]
fn cancellation_leaves_a_closed_consistent_disc() {
    for (media, method) in [
        (Media::DvdPlusR, WriteMethod::Reserved),
        (Media::DvdR, WriteMethod::Incremental),
        (Media::CdR, WriteMethod::CdTao),
        (Media::BdR, WriteMethod::OpenEnded),
    ] {
        let mut r = rig(media);
        let o = SessionOptions {
            // Asked to finalize: an aborted session must not do that.
            close: true,
            write_type: match method {
                WriteMethod::CdTao => mmc::engine::WriteType::Tao,
                WriteMethod::OpenEnded => mmc::engine::WriteType::Tao,
                _ => mmc::engine::WriteType::Auto,
            },
            fifo_bytes: 64 * 1024,
            ..SessionOptions::default()
        };
        let o = if media == Media::DvdR {
            SessionOptions { close: false, ..o }
        } else {
            o
        };
        let size = 6_000_000;
        let t = r.rec.prepare(&o, Some(size), &mut no_progress).unwrap();
        assert_eq!(t.method(Some(size)).unwrap(), method);
        let cancel = r.rec.drive().cancel_token().clone();
        let src = CancelAfter {
            inner: Noise::new(4, size),
            after: 1_000_000,
            read: 0,
            cancel,
        };
        let mut written = 0;
        let e = r
            .rec
            .write_session(&t, src, Some(size), &mut |p| {
                if p.phase == Phase::Writing {
                    written = p.done
                }
            })
            .unwrap_err();
        assert!(matches!(e, Error::Cancelled), "{media}: {e}");
        assert!(written < size, "{media}: stopped early");
        // The token stays cancelled until the caller resets it.
        assert!(r.rec.drive().cancel_token().is_cancelled());
        // The medium was inspected after the stop all the same.
        let a = *r.rec.last_aborted_write().expect("an aborted write");
        assert!(
            matches!(a.left, mmc::engine::LeftBehind::Session { number: 1, start, .. } if start == t.start),
            "{media}: {a:?}"
        );
        r.rec.drive_mut().replace_cancel(Cancel::new());

        let info = r.rec.inspect().unwrap().clone();
        assert_eq!(
            info.status,
            MediaStatus::Appendable,
            "{media}: not finalized"
        );
        assert!(!info.last_session_open, "{media}: session closed");
        assert!(
            r.emu().summary().tracks.iter().all(|t| t.closed),
            "{media}: {:?}",
            r.emu().summary().tracks
        );
        assert_eq!(r.emu().summary().complete_sessions, 1);
        // The aborted session's data that reached the disc reads back.
        let good = (written / 2048 / 16 * 16).min(256) * 2048;
        assert_eq!(
            read_md5(&mut r.rec, t.start, good),
            md5_of(&Noise::bytes(4, good)),
            "{media}"
        );
        // The disc takes the next session; the tray was unlocked.
        let t2 = r
            .rec
            .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
            .unwrap();
        assert!(t2.start > t.start);
        r.rec
            .write_session(&t2, Noise::new(5, SIZE), Some(SIZE), &mut no_progress)
            .unwrap();
        assert_eq!(read_md5(&mut r.rec, t2.start, SIZE), Noise::md5(5, SIZE));
        assert_eq!(r.rec.eject().unwrap(), TrayOutcome::Done);
    }
}

#[test]
fn failing_source_aborts_and_closes() {
    let mut r = rig(Media::DvdPlusR);
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
        .unwrap();
    let src = FailAfter {
        inner: Noise::new(6, SIZE),
        left: 500_000,
    };
    let e = r
        .rec
        .write_session(&t, src, Some(SIZE), &mut no_progress)
        .unwrap_err();
    assert!(
        matches!(&e, Error::Io { source, .. } if source.to_string().contains("generator")),
        "{e}"
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::Appendable);
    assert!(!info.last_session_open);
}

#[test]
fn a_source_shorter_than_announced_is_an_error() {
    let mut r = rig(Media::DvdPlusR);
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
        .unwrap();
    let e = r
        .rec
        .write_session(&t, Noise::new(6, SIZE - 1), Some(SIZE), &mut no_progress)
        .unwrap_err();
    assert!(e.to_string().contains("ended after"), "{e}");
}

/// A source that fails part way stops the write; what the recorder then
/// says the medium holds is what a new inspection finds: DVD-R, DVD+R and
/// BD-R close what was written as a session of its own (DVD+R and BD-R:
/// the reservation's size), a CD SAO session that was never completed
/// leaves the disc blank.
#[test]
fn a_failing_source_leaves_what_the_drive_reports() {
    use mmc::engine::LeftBehind;
    for media in [Media::DvdR, Media::DvdPlusR, Media::BdR, Media::CdR] {
        let mut r = rig(media);
        let t = r
            .rec
            .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
            .unwrap();
        let padded = t.blocks_needed(SIZE, t.method(Some(SIZE)).unwrap());
        let src = FailAfter {
            inner: Noise::new(8, SIZE),
            left: 1_000_000,
        };
        let e = r
            .rec
            .write_session(&t, src, Some(SIZE), &mut no_progress)
            .unwrap_err();
        assert!(e.to_string().contains("generator"), "{media}: {e}");
        let a = *r.rec.last_aborted_write().expect("an aborted write");
        assert_eq!((a.start, a.first_session), (t.start, true), "{media}");
        assert!(a.written > 0 && a.written < padded, "{media}: {a:?}");
        let info = r.rec.inspect().unwrap().clone();
        match media {
            Media::CdR => {
                assert_eq!(info.status, MediaStatus::Blank, "{media}");
                assert_eq!(a.left, LeftBehind::Blank, "{media}");
                assert!(a.to_string().starts_with("no session was recorded"), "{a}");
            }
            _ => {
                assert_eq!(info.status, MediaStatus::Appendable, "{media}");
                let s = &info.sessions[0];
                let blocks = if media == Media::DvdR {
                    a.written
                } else {
                    padded
                };
                assert_eq!(u64::from(s.blocks), blocks, "{media}");
                assert_eq!(
                    a.left,
                    LeftBehind::Session {
                        number: 1,
                        start: t.start,
                        blocks: s.blocks,
                        next_writable: info.next_writable(),
                    },
                    "{media}"
                );
                assert_eq!(
                    a.to_string(),
                    format!(
                        "the {} blocks written were closed as session 1 (LBA 0, {} blocks), which \
                         holds an incomplete copy of the data; the disc stays appendable (next \
                         session at LBA {})",
                        a.written,
                        s.blocks,
                        info.next_writable().unwrap()
                    )
                );
            }
        }
        // The next session (prepared and written) forgets the aborted one.
        let t2 = r
            .rec
            .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
            .unwrap();
        r.rec
            .write_session(&t2, Noise::new(9, SIZE), Some(SIZE), &mut no_progress)
            .unwrap();
        assert_eq!(r.rec.last_aborted_write(), None, "{media}");
    }
}

/// A stopped write whose CLOSE TRACK went through and whose CLOSE SESSION
/// failed leaves a closed track in an open session: the recorder says so,
/// not that the track is open. A CD TAO write error is the same without
/// any close: SYNCHRONIZE CACHE closes a TAO track.
#[test]
fn a_closed_track_in_an_open_session_is_told_as_such() {
    use mmc::engine::{LeftBehind, WriteType};
    let refused = || SenseBuf::fixed(5, 0x2C, 0x00);
    for (media, write_type, method) in [
        (Media::DvdPlusR, WriteType::Auto, WriteMethod::Reserved),
        (Media::BdR, WriteType::Tao, WriteMethod::OpenEnded),
        (Media::DvdR, WriteType::Auto, WriteMethod::Incremental),
        (Media::CdR, WriteType::Tao, WriteMethod::CdTao),
    ] {
        let mut r = faulty_rig(media);
        let o = SessionOptions {
            write_type,
            ..SessionOptions::default()
        };
        let t = r.rec.prepare(&o, Some(SIZE), &mut no_progress).unwrap();
        assert_eq!(t.method(Some(SIZE)).unwrap(), method, "{media}");
        let e = if method == WriteMethod::CdTao {
            r.faults().fail_nth(0x2A, 5, fault::write_error());
            r.rec
                .write_session(&t, Noise::new(10, SIZE), Some(SIZE), &mut no_progress)
                .unwrap_err()
        } else {
            // CLOSE TRACK passes, CLOSE SESSION is refused.
            r.faults().fail_nth(0x5B, 2, refused());
            let src = FailAfter {
                inner: Noise::new(10, SIZE),
                left: 1_000_000,
            };
            r.rec
                .write_session(&t, src, Some(SIZE), &mut no_progress)
                .unwrap_err()
        };
        assert!(
            matches!(e, Error::Io { .. } | Error::Sense { .. }),
            "{media}: {e}"
        );
        let a = *r.rec.last_aborted_write().expect("an aborted write");
        assert!(a.written > 0, "{media}: {a:?}");
        // What the drive reports: the track closed, its session not.
        let summary = r.emu().summary();
        let track = &summary.tracks[0];
        assert!(track.closed, "{media}: {summary:?}");
        assert_eq!(summary.complete_sessions, 0, "{media}");
        let info = r.rec.inspect().unwrap().clone();
        assert!(info.last_session_open, "{media}: {info:?}");
        assert!(info.sessions.is_empty(), "{media}");
        let next = info.next_writable().expect("an NWA");
        assert!(next > t.start, "{media}");
        assert_eq!(
            a.left,
            LeftBehind::OpenSession {
                start: t.start,
                next_writable: Some(next),
            },
            "{media}"
        );
        assert_eq!(
            a.to_string(),
            format!(
                "the track at LBA {} with the {} blocks written was closed, but its session was \
                 left open (incomplete); the next writable address is LBA {next}",
                t.start, a.written
            ),
            "{media}"
        );
        assert!(
            !a.to_string().contains("left open (incomplete) with"),
            "{a}"
        );
    }
}

/// A write that fails in its setup, before any data (RESERVE TRACK refused
/// on a DVD-RW written DAO), has begun all the same: it is remembered with
/// nothing written. Reading does not forget it; the start of an operation
/// that may change the medium does.
#[test]
fn an_aborted_write_is_kept_until_the_medium_may_change() {
    use mmc::engine::{BlankMode, FormatMode, LeftBehind, WriteType};
    type Op = fn(&mut Rig<mmc::fault::FaultInjector<Emulator>>);
    let ops: [(&str, Op); 5] = [
        ("prepare", |r| {
            let _ = r
                .rec
                .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress);
        }),
        ("blank", |r| {
            let _ = r.rec.blank(BlankMode::All, &mut no_progress);
        }),
        ("format", |r| {
            let _ = r.rec.format(FormatMode::Full, &mut no_progress);
        }),
        ("eject", |r| {
            let _ = r.rec.eject();
        }),
        ("load", |r| {
            let _ = r.rec.load();
        }),
    ];
    for (name, op) in ops {
        let mut r = faulty_rig(Media::DvdRw);
        let o = SessionOptions {
            write_type: WriteType::Dao,
            ..SessionOptions::default()
        };
        let t = r.rec.prepare(&o, Some(SIZE), &mut no_progress).unwrap();
        assert_eq!(t.method(Some(SIZE)).unwrap(), WriteMethod::Dao);
        r.faults().fail_nth(0x53, 1, SenseBuf::fixed(5, 0x24, 0x00));
        let e = r
            .rec
            .write_session(&t, Noise::new(11, SIZE), Some(SIZE), &mut no_progress)
            .unwrap_err();
        assert!(e.to_string().contains("RESERVE TRACK"), "{e}");
        let a = *r.rec.last_aborted_write().expect("an aborted write");
        assert_eq!((a.start, a.written), (t.start, 0));
        assert_eq!(a.left, LeftBehind::Blank);
        r.rec.inspect().unwrap();
        assert_eq!(
            r.rec.last_aborted_write(),
            Some(&a),
            "{name}: kept by reads"
        );
        op(&mut r);
        assert_eq!(r.rec.last_aborted_write(), None, "{name}");
    }
}

#[test]
fn power_cut_while_writing_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    let emu = Emulator::open_with(
        Media::DvdPlusR,
        &path,
        EmulOptions {
            power_cut_after_blocks: Some(200),
            ..instant()
        },
    )
    .unwrap();
    let mut rec = mmc::engine::Recorder::new(mmc::drive::Drive::with_timing(
        emu,
        mmc::drive::Timing::fast(),
    ));
    let t = rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
        .unwrap();
    let e = rec
        .write_session(&t, Noise::new(7, SIZE), Some(SIZE), &mut no_progress)
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                command: "WRITE(10)",
                source: mmc::TransportError::DriveLost
            }
        ),
        "{e}"
    );
    assert!(rec.drive().is_lost());
    let a = rec.last_aborted_write().expect("an aborted write");
    assert_eq!(a.left, mmc::engine::LeftBehind::Unknown);
}

#[test]
fn dvd_rw_incremental_refused_on_the_first_write_is_redone_as_dao() {
    // Feature 0021h is offered, but the drive refuses the first
    // Incremental WRITE with 5/64/00 (`sense-and-retries.md` §5.3).
    let mut r = faulty_rig(Media::DvdRw);
    r.faults().fail_nth(0x2A, 1, SenseBuf::fixed(5, 0x64, 0x00));
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
        .unwrap();
    assert_eq!(t.method(Some(SIZE)).unwrap(), WriteMethod::Incremental);
    let rep = r
        .rec
        .write_session(&t, Noise::new(12, SIZE), Some(SIZE), &mut no_progress)
        .unwrap();
    assert_eq!(
        (rep.method, rep.closure, rep.blocks_written),
        (
            WriteMethod::Dao,
            Closure::Disc,
            SIZE.div_ceil(2048).div_ceil(16) * 16
        )
    );
    assert_eq!(r.rec.inspect().unwrap().status, MediaStatus::Closed);
    assert_eq!(read_md5(&mut r.rec, 0, SIZE), Noise::md5(12, SIZE));

    // Without the size in advance DAO is impossible: the error stands.
    let mut r = faulty_rig(Media::DvdRw);
    r.faults().fail_nth(0x2A, 1, SenseBuf::fixed(5, 0x64, 0x00));
    let t = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap();
    let e = r
        .rec
        .write_session(&t, Noise::new(12, SIZE), None, &mut no_progress)
        .unwrap_err();
    assert!(e.sense().is_some_and(|s| s.is(5, 0x64, 0)), "{e}");
    assert!(r.rec.inspect().unwrap().sessions.is_empty());
}

#[test]
fn a_refused_optional_reservation_falls_back_to_open_ended() {
    // tgt answers RESERVE TRACK with 5/20/00 (`sense-and-retries.md` §5.3).
    for sense in [SenseBuf::fixed(5, 0x20, 0), SenseBuf::fixed(5, 0x24, 0)] {
        let mut r = faulty_rig(Media::DvdPlusR);
        r.faults().fail_nth(0x53, 1, sense);
        let t = r
            .rec
            .prepare(&SessionOptions::default(), Some(SIZE), &mut no_progress)
            .unwrap();
        let rep = r
            .rec
            .write_session(&t, Noise::new(13, SIZE), Some(SIZE), &mut no_progress)
            .unwrap();
        assert_eq!(
            (rep.method, rep.closure),
            (WriteMethod::OpenEnded, Closure::Session)
        );
        assert_eq!(read_md5(&mut r.rec, 0, SIZE), Noise::md5(13, SIZE));
    }
    // DAO needs its reservation: no fallback there.
    let mut r = faulty_rig(Media::DvdR);
    r.faults().fail_nth(0x53, 1, SenseBuf::fixed(5, 0x24, 0));
    let o = SessionOptions {
        close: true,
        ..SessionOptions::default()
    };
    let t = r.rec.prepare(&o, Some(SIZE), &mut no_progress).unwrap();
    let e = r
        .rec
        .write_session(&t, Noise::new(13, SIZE), Some(SIZE), &mut no_progress)
        .unwrap_err();
    assert!(e.to_string().contains("RESERVE TRACK"), "{e}");
    assert!(r.emu().summary().tracks.is_empty());
}
