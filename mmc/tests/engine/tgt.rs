//! The engine against tgt's emulated recorder as the lab recorded it
//! through a real kernel (`hw-tests/fixtures/tgt-dvd+r-transcript.txt`):
//! a transport that answers each command with tgt's recorded reply for the
//! state of the medium being replayed.
//!
//! tgt turns a DVD+R into a finalized DVD-ROM on any CLOSE TRACK/SESSION;
//! that DVD-ROM reports a Last Possible Lead-out of 0 in READ DISC
//! INFORMATION, rejects READ FORMAT CAPACITIES as an invalid operation code
//! (5/20/00), and gives its size only through READ CAPACITY and READ TRACK
//! INFORMATION.

use std::path::PathBuf;
use std::time::Duration;

use hw_tests::transcript::{Reply, Step, Transcript};
use mmc::drive::{Drive, Timing};
use mmc::engine::{FormatsAnswer, MediaKind, MediaStatus, Recorder};
use mmc::transport::{SenseBuf, Status};
use mmc::{Completion, DataPhase, Profile, Transport, TransportError};

/// The fixture, parsed by the lab's own reader.
fn fixture() -> Transcript {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../hw-tests/fixtures")
        .join(hw_tests::TGT_TRANSCRIPT);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Transcript::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// tgt's closed medium: answers from the steps recorded after CLOSE
/// SESSION, and from the earlier ones for what the close does not change
/// (identity, capabilities, unsupported commands).
struct ClosedTgt {
    transcript: Transcript,
}

impl ClosedTgt {
    fn new() -> ClosedTgt {
        ClosedTgt {
            transcript: fixture(),
        }
    }

    /// The recorded step that answers `cdb`; panics for a command the
    /// transcript does not cover, so nothing is made up.
    fn step_for(&self, cdb: &[u8]) -> &Step {
        let name = match cdb[0] {
            0x00 => "tur-close-session",
            0x12 => "inquiry",
            0x46 => "get-configuration-8-closed",
            0x51 => "read-disc-information-closed",
            0x52 if cdb[1] & 3 == 1 && cdb[2..6] == [0, 0, 0, 1] => {
                "read-track-information-1-closed"
            }
            0x23 => "read-format-capacities",
            0x5A if cdb[2] & 0x3F == 0x2A => "mode-sense-2a",
            0x5A if cdb[2] & 0x3F == 0x05 => "mode-sense-05",
            0xAC if cdb[10] == 0x03 => "get-performance-03",
            0x5C => "read-buffer-capacity",
            0x43 if cdb[2] & 0x0F == 0 => "read-toc-0",
            0x43 if cdb[2] & 0x0F == 1 => "read-toc-1",
            0x25 => "read-capacity",
            0x28 if cdb[2..6] == [0, 0, 0, 0] => "read-10-0",
            _ => panic!("the tgt transcript has no reply for CDB {cdb:02x?}"),
        };
        self.transcript
            .step(name)
            .unwrap_or_else(|| panic!("the tgt transcript has no step {name}"))
    }
}

impl Transport for ClosedTgt {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let step = self.step_for(cdb);
        let requested = data.len();
        if !step.is_good() {
            let Reply::Completed { sense, .. } = &step.reply else {
                panic!("{}: {:?}", step.name, step.reply);
            };
            return Ok(Completion {
                status: Status::CHECK_CONDITION,
                sense: SenseBuf::new(sense),
                residual: requested,
            });
        }
        if let DataPhase::In(buf) = data {
            // A reply recorded as a hex prefix plus MD5 is the prefix
            // zero-filled to the recorded length when that has the MD5
            // (tgt's data followed by the lab path's zero padding).
            let reply = step
                .data()
                .and_then(|d| d.zero_filled())
                .unwrap_or_else(|| panic!("only a prefix of the reply to {cdb:02x?} is recorded"));
            // The lab path reports no residual: the reply fills the
            // allocation length, zero padded after tgt's data.
            buf.fill(0);
            let n = buf.len().min(reply.len());
            buf[..n].copy_from_slice(&reply[..n]);
        }
        Ok(Completion::good(0))
    }

    fn describe(&self) -> String {
        "tgt DVD+R after CLOSE SESSION (transcript)".into()
    }
}

fn closed_tgt() -> Recorder<ClosedTgt> {
    Recorder::new(Drive::with_timing(ClosedTgt::new(), Timing::fast()))
}

/// The closed tgt disc says DVD-ROM, disc status complete, Last Possible
/// Lead-out 0, READ CAPACITY 1016 blocks, track 1 of 1016 blocks: the
/// capacity is what is readable, not the lead-out of 0.
#[test]
fn closed_tgt_disc_has_the_readable_size_as_capacity() {
    let mut rec = closed_tgt();
    let info = rec.inspect().unwrap().clone();
    assert_eq!(info.profile, Profile::DVD_ROM);
    assert_eq!(info.kind, MediaKind::ReadOnly);
    assert_eq!(info.status, MediaStatus::Closed);
    let lead_out = info
        .disc_info
        .as_ref()
        .and_then(|d| d.last_possible_lead_out_lba(false));
    assert_eq!(lead_out, Some(0), "what tgt reports");
    assert_eq!(info.readable_blocks, Some(1016));
    assert_eq!(
        info.sessions
            .iter()
            .map(|s| (s.number, s.start, s.blocks))
            .collect::<Vec<_>>(),
        vec![(1, 0, 1016)]
    );
    assert_eq!(info.capacity, Some(1016));
    assert_eq!(info.free_blocks(), None);
}

/// READ FORMAT CAPACITIES answered 5/20/00: the drive does not implement
/// it, which is not the same as an empty list.
#[test]
fn tgt_rejecting_read_format_capacities_is_unsupported_not_empty() {
    let mut rec = closed_tgt();
    let info = rec.inspect().unwrap().clone();
    assert_eq!(info.formats(), None);
    assert_eq!(info.formats_answer, FormatsAnswer::Unsupported);
}
