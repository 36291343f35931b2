//! A [`Transport`] wrapper that injects faults: CHECK CONDITION with chosen
//! sense data for the Nth command of an opcode (optionally K times in a
//! row), delays, timeouts and drive loss. Modelled on smoltcp's
//! `phy::FaultInjector`: the wrapped device does not know.
//!
//! Typical uses (sense codes from `sense-and-retries.md` §3):
//!
//! ```
//! use mmc::fault::{self, FaultInjector};
//! # fn demo<T: mmc::Transport>(drive: T) {
//! let mut t = FaultInjector::new(drive);
//! // the 3rd WRITE(10) fails with a write error
//! t.fail_nth(0x2A, 3, fault::write_error());
//! // the 5th–7th WRITE(10) report "long write in progress", the 8th passes
//! t.fail_nth_times(0x2A, 5, 3, fault::long_write_in_progress());
//! // every READ(10) touching LBAs 100–109 fails: a bad spot on the disc
//! t.fail_lbas(0x28, 100..110, fault::read_error());
//! # }
//! ```
//!
//! The emulated recorder's power cut (which also drops its cache and unsaved
//! state) is [`crate::emul::EmulOptions::power_cut_after_blocks`]; this
//! wrapper's [`Action::DriveLost`] only stops commands from reaching the
//! device.

use std::time::Duration;

use crate::transport::{Completion, DataPhase, SenseBuf, Transport, TransportError};

/// What an injected fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Complete the command with CHECK CONDITION and this sense data
    /// without passing it to the device. For READ/WRITE commands with
    /// medium-error sense (key 3) in fixed format, the INFORMATION field is
    /// set to the command's LBA as a drive would.
    Sense(SenseBuf),
    /// Fail with [`TransportError::DriveLost`]; every later command fails
    /// the same way.
    DriveLost,
    /// Fail with [`TransportError::Timeout`] without passing the command on.
    Timeout,
    /// Wait this long, then pass the command on.
    Delay(Duration),
}

/// A fault applying to the `nth`..`nth + times` (1-based) commands that
/// match `opcode` (every command when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub opcode: Option<u8>,
    pub nth: u64,
    pub times: u64,
    pub action: Action,
    /// Only READ/WRITE commands whose blocks intersect these LBAs match.
    pub lbas: Option<std::ops::Range<u32>>,
    /// Matching commands seen so far.
    seen: u64,
}

impl Rule {
    pub fn new(opcode: Option<u8>, nth: u64, times: u64, action: Action) -> Rule {
        Rule {
            opcode,
            nth: nth.max(1),
            times,
            action,
            lbas: None,
            seen: 0,
        }
    }

    /// Counts a command; true when the rule fires for it.
    fn hit(&mut self, op: u8, cdb: &[u8]) -> bool {
        if self.opcode.is_some_and(|o| o != op) {
            return false;
        }
        if let Some(r) = &self.lbas {
            let Some((lba, n)) = cdb_lba(cdb).zip(cdb_blocks(cdb)) else {
                return false;
            };
            let end = u64::from(lba) + u64::from(n);
            if u64::from(r.start) >= end || u64::from(lba) >= u64::from(r.end) {
                return false;
            }
        }
        self.seen += 1;
        self.seen >= self.nth && self.seen - self.nth < self.times
    }
}

/// 3/0C/00 WRITE ERROR.
pub fn write_error() -> SenseBuf {
    SenseBuf::fixed(0x3, 0x0C, 0x00)
}

/// 3/11/00 UNRECOVERED READ ERROR.
pub fn read_error() -> SenseBuf {
    SenseBuf::fixed(0x3, 0x11, 0x00)
}

/// 5/73/03 POWER CALIBRATION AREA ERROR.
pub fn power_calibration_error() -> SenseBuf {
    SenseBuf::fixed(0x5, 0x73, 0x03)
}

/// 2/04/08 LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS (buffer full:
/// the host re-sends the same WRITE).
pub fn long_write_in_progress() -> SenseBuf {
    SenseBuf::fixed(0x2, 0x04, 0x08)
}

/// 6/28/00 NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED.
pub fn medium_may_have_changed() -> SenseBuf {
    SenseBuf::fixed(0x6, 0x28, 0x00)
}

/// 6/29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
pub fn power_on_reset() -> SenseBuf {
    SenseBuf::fixed(0x6, 0x29, 0x00)
}

/// Transfer length in blocks of a READ/WRITE CDB (MMC-6 §6.15, §6.16,
/// §6.44, §6.45: bytes 7–8 of the 10-byte forms, 6–9 of the 12-byte ones).
fn cdb_blocks(cdb: &[u8]) -> Option<u32> {
    match cdb.first()? {
        0x28 | 0x2A | 0x2E | 0x2F => {
            let b = cdb.get(7..9)?;
            Some(u16::from_be_bytes([b[0], b[1]]).into())
        }
        0xA8 | 0xAA => {
            let b = cdb.get(6..10)?;
            Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        }
        _ => None,
    }
}

/// The fault-injecting wrapper.
#[derive(Debug)]
pub struct FaultInjector<T: Transport> {
    inner: T,
    rules: Vec<Rule>,
    injected: u64,
    lost: bool,
}

/// LBA of a READ/WRITE CDB, for the INFORMATION field.
fn cdb_lba(cdb: &[u8]) -> Option<u32> {
    match cdb.first()? {
        0x28 | 0x2A | 0x2E | 0x2F | 0xA8 | 0xAA | 0xBE => {
            let b = cdb.get(2..6)?;
            Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        }
        _ => None,
    }
}

impl<T: Transport> FaultInjector<T> {
    pub fn new(inner: T) -> Self {
        FaultInjector {
            inner,
            rules: Vec::new(),
            injected: 0,
            lost: false,
        }
    }

    /// Adds a rule. Rules are checked in the order added; all matching
    /// delays apply, the first failing action wins.
    pub fn add(&mut self, rule: Rule) -> &mut Self {
        self.rules.push(rule);
        self
    }

    /// The `nth` command with `opcode` completes with `sense`.
    pub fn fail_nth(&mut self, opcode: u8, nth: u64, sense: SenseBuf) -> &mut Self {
        self.add(Rule::new(Some(opcode), nth, 1, Action::Sense(sense)))
    }

    /// The `nth` … `nth + times − 1` commands with `opcode` complete with
    /// `sense`; later ones pass (e.g. 2/04/08 K times, then success).
    pub fn fail_nth_times(
        &mut self,
        opcode: u8,
        nth: u64,
        times: u64,
        sense: SenseBuf,
    ) -> &mut Self {
        self.add(Rule::new(Some(opcode), nth, times, Action::Sense(sense)))
    }

    /// Every READ/WRITE command with `opcode` whose blocks intersect `lbas`
    /// completes with `sense` (a bad spot of the medium); a medium error's
    /// INFORMATION field names the first bad LBA of the command.
    pub fn fail_lbas(
        &mut self,
        opcode: u8,
        lbas: std::ops::Range<u32>,
        sense: SenseBuf,
    ) -> &mut Self {
        let mut rule = Rule::new(Some(opcode), 1, u64::MAX, Action::Sense(sense));
        rule.lbas = Some(lbas);
        self.add(rule)
    }

    /// Every command with `opcode` (all commands when `None`) is delayed.
    pub fn delay(&mut self, opcode: Option<u8>, by: Duration) -> &mut Self {
        self.add(Rule::new(opcode, 1, u64::MAX, Action::Delay(by)))
    }

    /// The drive is lost at the `nth` command with `opcode` (any command
    /// when `None`).
    pub fn lose_drive_at(&mut self, opcode: Option<u8>, nth: u64) -> &mut Self {
        self.add(Rule::new(opcode, nth, 1, Action::DriveLost))
    }

    /// Removes all rules (counters included).
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Number of commands a failing action was applied to.
    pub fn injected(&self) -> u64 {
        self.injected
    }

    pub fn inner(&self) -> &T {
        &self.inner
    }

    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: Transport> Transport for FaultInjector<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        if self.lost {
            return Err(TransportError::DriveLost);
        }
        let Some(&op) = cdb.first() else {
            return self.inner.execute(cdb, data, timeout);
        };
        let mut fire: Option<Action> = None;
        let mut first_bad: Option<u32> = None;
        for rule in &mut self.rules {
            if !rule.hit(op, cdb) {
                continue;
            }
            match &rule.action {
                Action::Delay(d) => std::thread::sleep(*d),
                a => {
                    if fire.is_none() {
                        fire = Some(a.clone());
                        first_bad = rule.lbas.as_ref().map(|r| r.start);
                    }
                }
            }
        }
        match fire {
            None => self.inner.execute(cdb, data, timeout),
            Some(action) => {
                self.injected += 1;
                log::debug!("fault: injecting {action:?} for CDB {cdb:02X?}");
                match action {
                    Action::Sense(mut s) => {
                        let b = s.as_bytes();
                        let fixed_medium_error =
                            b.len() >= 18 && b[0] & 0x7E == 0x70 && b[2] & 0x0F == 3;
                        if let (true, Some(lba)) = (fixed_medium_error, cdb_lba(cdb)) {
                            s = s.with_information(lba.max(first_bad.unwrap_or(0)));
                        }
                        Ok(Completion::check(s, data.len()))
                    }
                    Action::DriveLost => {
                        self.lost = true;
                        Err(TransportError::DriveLost)
                    }
                    Action::Timeout => Err(TransportError::Timeout(timeout)),
                    Action::Delay(_) => self.inner.execute(cdb, data, timeout),
                }
            }
        }
    }

    fn describe(&self) -> String {
        format!("{} (fault injection)", self.inner.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device that answers GOOD to everything and counts commands.
    #[derive(Debug, Default)]
    struct Good(u32);

    impl Transport for Good {
        fn execute(
            &mut self,
            _: &[u8],
            _: DataPhase<'_>,
            _: Duration,
        ) -> Result<Completion, TransportError> {
            self.0 += 1;
            Ok(Completion::good(0))
        }
        fn describe(&self) -> String {
            "good".into()
        }
    }

    fn write10(lba: u32) -> [u8; 10] {
        let l = lba.to_be_bytes();
        [0x2A, 0, l[0], l[1], l[2], l[3], 0, 0, 1, 0]
    }

    #[test]
    fn nth_times_then_pass() {
        let mut t = FaultInjector::new(Good::default());
        t.fail_nth_times(0x2A, 2, 2, long_write_in_progress());
        let d = Duration::from_secs(1);
        let buf = [0u8; 2048];
        let r: Vec<bool> = (0..5)
            .map(|i| {
                t.execute(&write10(i), DataPhase::Out(&buf), d)
                    .unwrap()
                    .is_good()
            })
            .collect();
        assert_eq!(r, [true, false, false, true, true]);
        // other opcodes are not counted
        assert!(
            t.execute(&[0, 0, 0, 0, 0, 0], DataPhase::None, d)
                .unwrap()
                .is_good()
        );
        assert_eq!(t.inner().0, 4);
        assert_eq!(t.injected(), 2);
    }

    fn read10(lba: u32, blocks: u16) -> [u8; 10] {
        let l = lba.to_be_bytes();
        let b = blocks.to_be_bytes();
        [0x28, 0, l[0], l[1], l[2], l[3], 0, b[0], b[1], 0]
    }

    #[test]
    fn lba_rules_fail_only_reads_touching_the_bad_spot() {
        let mut t = FaultInjector::new(Good::default());
        t.fail_lbas(0x28, 100..110, read_error());
        let d = Duration::from_secs(1);
        let mut buf = vec![0u8; 32 * 2048];
        let mut read = |lba: u32, n: u16| {
            let c = t
                .execute(
                    &read10(lba, n),
                    DataPhase::In(&mut buf[..n as usize * 2048]),
                    d,
                )
                .unwrap();
            crate::sense::Sense::parse(c.sense.as_bytes()).map(|s| s.information)
        };
        assert_eq!(read(64, 32), None);
        assert_eq!(read(96, 32), Some(Some(100)));
        assert_eq!(read(105, 1), Some(Some(105)));
        assert_eq!(read(99, 1), None);
        assert_eq!(read(110, 1), None);
        assert!(
            t.execute(&write10(100), DataPhase::Out(&[0u8; 2048]), d)
                .unwrap()
                .is_good(),
            "other opcodes pass"
        );
    }

    #[test]
    fn medium_error_carries_lba_and_drive_loss_sticks() {
        let mut t = FaultInjector::new(Good::default());
        t.fail_nth(0x2A, 1, write_error()).lose_drive_at(None, 3);
        let d = Duration::from_secs(1);
        let buf = [0u8; 2048];
        let c = t
            .execute(&write10(0x1234), DataPhase::Out(&buf), d)
            .unwrap();
        assert_eq!(c.residual, 2048);
        let s = crate::sense::Sense::parse(c.sense.as_bytes()).unwrap();
        assert_eq!(
            (s.key.0, s.asc, s.ascq, s.information),
            (3, 0x0C, 0, Some(0x1234))
        );
        assert!(
            t.execute(&write10(1), DataPhase::Out(&buf), d)
                .unwrap()
                .is_good()
        );
        assert!(matches!(
            t.execute(&write10(2), DataPhase::Out(&buf), d),
            Err(TransportError::DriveLost)
        ));
        assert!(matches!(
            t.execute(&[0, 0, 0, 0, 0, 0], DataPhase::None, d),
            Err(TransportError::DriveLost)
        ));
    }
}
