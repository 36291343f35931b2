//! CDB decoding and dispatch of the emulated recorder. Field positions come
//! from MMC-6 / SPC-4 (tables named per command); the state machine lives in
//! `disc.rs`, reply layouts in `reply.rs`.
//!
//! Conventions of this drive where the standards leave a choice:
//! * Unit attention is reported to every command except INQUIRY, REQUEST
//!   SENSE (which returns it), GET CONFIGURATION and GET EVENT STATUS
//!   NOTIFICATION (MMC-6 §4.1.6.1: these two never report it).
//! * While an Immed BLANK/FORMAT/CLOSE/SYNC runs, TEST UNIT READY and every
//!   media command answer 2/04/04 (format) or 2/04/07 with the progress in
//!   the sense-key specific bytes; INQUIRY, REQUEST SENSE, GET CONFIGURATION,
//!   GET EVENT STATUS NOTIFICATION, MODE SENSE, MECHANISM STATUS and READ
//!   BUFFER CAPACITY are answered.
//! * No medium: 2/3A/00 (READ FORMAT CAPACITIES answers with descriptor type
//!   11b instead, MMC-6 §6.23.3.2).
//! * Writes to ROM media and to finalized discs: 5/30/05 CANNOT WRITE MEDIUM,
//!   INCOMPATIBLE FORMAT (MMC-6 WRITE(10) error list; tgt answers the same
//!   for DVD-ROM). 7/27/00 is kept for a write-protect switch, which this
//!   drive does not have.
//! * A data phase whose direction or length does not fit the CDB is a host
//!   bug and fails with [`TransportError::Invalid`], not with sense data.

use std::time::Duration;

use super::disc::{Bg, Mode, SaoPlan, Work};
use super::fail::{self, Fail};
use super::media::Media;
use super::reply;
use super::store::BLOCK;
use super::{Clock, Emulator, Op};
use crate::profile::Family;
use crate::transport::{Completion, DataPhase, TransportError};

type Res = Result<usize, Fail>;

fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}

fn be24(b: &[u8], at: usize) -> usize {
    ((b[at] as usize) << 16) | ((b[at + 1] as usize) << 8) | b[at + 2] as usize
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn invalid(msg: &str) -> TransportError {
    TransportError::Invalid(msg.to_string())
}

/// Copies `reply` into the data-in buffer, truncated to the allocation
/// length and the buffer, as a drive does (MMC-6 §4.1.5: the reply is
/// truncated, the length fields keep the full length).
fn give(data: &mut DataPhase<'_>, reply: &[u8], alloc: usize) -> Result<Res, TransportError> {
    match data {
        DataPhase::In(buf) => {
            let n = reply.len().min(alloc).min(buf.len());
            buf[..n].copy_from_slice(&reply[..n]);
            Ok(Ok(n))
        }
        DataPhase::None => Ok(Ok(0)),
        DataPhase::Out(_) => Err(invalid("data-out buffer given to a data-in command")),
    }
}

/// The data-out bytes of a command that expects `len` of them.
fn take<'a>(data: &'a DataPhase<'_>, len: usize) -> Result<&'a [u8], TransportError> {
    let b: &[u8] = match data {
        DataPhase::Out(b) => b,
        DataPhase::None => &[],
        DataPhase::In(_) => return Err(invalid("data-in buffer given to a data-out command")),
    };
    if b.len() < len {
        return Err(TransportError::Invalid(format!(
            "the CDB announces {len} parameter bytes but only {} are given",
            b.len()
        )));
    }
    Ok(&b[..len])
}

fn io(e: std::io::Error) -> TransportError {
    TransportError::Io(e)
}

/// Base durations (seconds at time scale 1) of the drive's long work.
fn work_secs(w: Work) -> f64 {
    match w {
        Work::None => 0.0,
        Work::CloseTrack => 0.2,
        Work::CloseSession => 1.0,
        Work::Finalize => 1.5,
        Work::BlankMinimal => 1.0,
        Work::BlankFull => 2.0,
        Work::FormatQuick => 0.5,
        Work::FormatFull => 2.0,
    }
}

/// SYNCHRONIZE CACHE base duration.
const SYNC_SECS: f64 = 0.1;

impl Emulator {
    /// Executes one CDB (called by [`crate::transport::Transport::execute`]).
    pub(super) fn run(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let op = *cdb.first().ok_or_else(|| invalid("empty CDB"))?;
        // CDB length by group code (SPC-4 §4.2.5.1).
        let need = match op >> 5 {
            0 => 6,
            1 | 2 => 10,
            4 => 16,
            5 => 12,
            _ => 6,
        };
        if cdb.len() < need {
            return Err(TransportError::Invalid(format!(
                "CDB of opcode {op:02X}h has {} bytes, needs {need}",
                cdb.len()
            )));
        }
        let requested = data.len();
        match self.dispatch(op, cdb, data, timeout)? {
            Ok(n) => Ok(Completion::good(requested.saturating_sub(n))),
            Err(f) => {
                log::debug!(
                    "emul: CDB {:02X?} -> CHECK CONDITION {:X}/{:02X}/{:02X}",
                    cdb,
                    f.key,
                    f.asc,
                    f.ascq
                );
                Ok(Completion::check(f.sense(), requested))
            }
        }
    }

    fn busy_fail(&self) -> Option<Fail> {
        let (op, progress) = self.op_running()?;
        let f = if op.format {
            fail::FORMAT_IN_PROGRESS
        } else {
            fail::OP_IN_PROGRESS
        };
        Some(f.with_progress(progress))
    }

    fn dispatch(
        &mut self,
        op: u8,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Res, TransportError> {
        self.bg_update();
        if self.drive.op.is_some() && self.op_running().is_none() {
            self.drive.op = None;
        }
        let ua_exempt = matches!(op, 0x12 | 0x03 | 0x46 | 0x4A);
        if !ua_exempt && let Some(ua) = self.drive.ua.take() {
            return Ok(Err(ua));
        }
        let answers_while_busy =
            matches!(op, 0x12 | 0x03 | 0x46 | 0x4A | 0x5A | 0x1A | 0xBD | 0x5C);
        if !answers_while_busy && let Some(f) = self.busy_fail() {
            return Ok(Err(f));
        }
        let needs_medium = matches!(
            op,
            0x00 | 0x04
                | 0x25
                | 0x28
                | 0x2A
                | 0x2E
                | 0x2F
                | 0x35
                | 0x43
                | 0x51
                | 0x52
                | 0x53
                | 0x54
                | 0x5B
                | 0x5D
                | 0xA1
                | 0xA8
                | 0xAA
                | 0xAC
                | 0xAD
                | 0xBE
        );
        if needs_medium && !self.disc.loaded {
            return Ok(Err(fail::NO_MEDIUM));
        }
        match op {
            0x00 => Ok(Ok(0)),
            0x03 => self.request_sense(cdb, data),
            0x04 => self.format_unit(cdb, data, timeout),
            0x12 => self.inquiry(cdb, data),
            0x15 => self.mode_select(cdb, data, false),
            0x55 => self.mode_select(cdb, data, true),
            0x1A => self.mode_sense(cdb, data, false),
            0x5A => self.mode_sense(cdb, data, true),
            0x1B => self.start_stop(cdb),
            0x1E => {
                // PREVENT ALLOW MEDIUM REMOVAL (MMC-6 §6.13): byte 4 bits
                // 1–0; 00b allows removal.
                self.drive.prevent = cdb[4] & 0x03 != 0;
                Ok(Ok(0))
            }
            0x23 => {
                let r = reply::format_capacities(&self.disc);
                give(data, &r, be16(cdb, 7))
            }
            0x25 => self.read_capacity(cdb, data),
            0x28 => {
                let (lba, n) = (be32(cdb, 2) as i32 as i64, be16(cdb, 7) as u32);
                self.read(lba, n, data)
            }
            0xA8 => {
                let (lba, n) = (be32(cdb, 2) as i32 as i64, be32(cdb, 6));
                self.read(lba, n, data)
            }
            0xBE => self.read_cd(cdb, data),
            0x2A | 0x2E => {
                let (lba, n) = (be32(cdb, 2) as i32 as i64, be16(cdb, 7) as u32);
                self.write(lba, n, data)
            }
            0xAA => {
                let (lba, n) = (be32(cdb, 2) as i32 as i64, be32(cdb, 6));
                self.write(lba, n, data)
            }
            0x2F => {
                // VERIFY(10) without byte compare: the range must be readable.
                if cdb[1] & 0x02 != 0 {
                    return Ok(Err(fail::INVALID_CDB));
                }
                let (lba, n) = (be32(cdb, 2) as i32 as i64, be16(cdb, 7) as u32);
                Ok(self.disc.read_check(lba, n).map(|_| 0))
            }
            0x35 => self.sync_cache(cdb, timeout),
            0x43 => self.read_toc(cdb, data),
            0x46 => {
                // GET CONFIGURATION (MMC-6 §6.6): RT in byte 1 bits 1–0.
                let rt = cdb[1] & 0x03;
                if rt == 3 {
                    return Ok(Err(fail::INVALID_CDB));
                }
                let last = self.disc.user_area().saturating_sub(1);
                let r = reply::configuration(&self.disc, rt, be16(cdb, 2) as u16, last);
                give(data, &r, be16(cdb, 7))
            }
            0x4A => self.event_status(cdb, data),
            0x51 => {
                // READ DISC INFORMATION (MMC-6 §6.21): only data type 000b.
                if cdb[1] & 0x07 != 0 {
                    return Ok(Err(fail::INVALID_CDB));
                }
                let r = reply::disc_information(&self.disc);
                give(data, &r, be16(cdb, 7))
            }
            0x52 => self.read_track_info(cdb, data),
            0x53 => self.reserve_track(cdb),
            0x5B => self.close(cdb, timeout),
            0x5C => {
                // READ BUFFER CAPACITY (MMC-6 §6.18).
                let (cap, fill) = self
                    .store
                    .as_ref()
                    .map_or((0, 0), |s| (s.capacity(), s.fill()));
                let mut r = [0u8; 12];
                r[1] = 10;
                if cdb[1] & 1 != 0 {
                    r[3] = 1;
                    r[8..12].copy_from_slice(
                        &((cap.saturating_sub(fill) / BLOCK) as u32).to_be_bytes(),
                    );
                } else {
                    r[4..8].copy_from_slice(&(cap as u32).to_be_bytes());
                    r[8..12].copy_from_slice(&(cap.saturating_sub(fill) as u32).to_be_bytes());
                }
                give(data, &r, be16(cdb, 7))
            }
            0x5D => self.send_cue_sheet(cdb, data),
            0x54 => {
                // SEND OPC INFORMATION (MMC-6 §6.32): DoOpc runs a power
                // calibration, which this drive does instantly; an OPC table
                // sent by the host is accepted and not used.
                let len = be16(cdb, 7);
                take(data, len)?;
                if self.disc.mode() == Mode::Rom {
                    return Ok(Err(fail::CANNOT_WRITE));
                }
                Ok(Ok(len))
            }
            0xA1 => self.blank(cdb, timeout),
            0xAC => self.get_performance(cdb, data),
            0xAD => self.read_disc_structure(cdb, data),
            0xB6 => self.set_streaming(cdb, data),
            0xBB => {
                // SET CD SPEED (MMC-6 §6.36): rotation control 00b CLV or
                // 01b CAV; speeds in kB/s, FFFFh = maximum.
                if cdb[1] & 0x03 > 1 {
                    return Ok(Err(fail::INVALID_CDB));
                }
                self.drive.read_speed = be16(cdb, 2).min(self.media.read_speed() as usize) as u32;
                self.drive.write_speed = self.pick_speed(be16(cdb, 4) as u32);
                Ok(Ok(0))
            }
            0xBD => {
                // MECHANISM STATUS (MMC-6 §6.11): door open bit, no changer.
                let mut r = [0u8; 8];
                if !self.disc.loaded {
                    r[1] = 0x10;
                }
                give(data, &r, be16(cdb, 8))
            }
            _ => Ok(Err(fail::INVALID_OPCODE)),
        }
    }

    /// Largest offered write speed not above `want` (drives round down); the
    /// slowest one when `want` is below all of them.
    fn pick_speed(&self, want: u32) -> u32 {
        let speeds = self.media.write_speeds();
        speeds
            .iter()
            .copied()
            .find(|&s| s <= want)
            .or_else(|| speeds.last().copied())
            .unwrap_or(0)
    }

    /// Starts the drive-side duration of `work` (plus `extra` seconds).
    /// With Immed the command returns at once and the drive reports "in
    /// progress" until the time has passed; without Immed the command
    /// takes that long (the manual clock jumps, the wall clock sleeps, and a
    /// host timeout shorter than the work is honoured).
    fn start_work(
        &mut self,
        work: Work,
        extra: f64,
        immed: bool,
        format: bool,
        timeout: Duration,
    ) -> Result<Res, TransportError> {
        let len = self.scaled(work_secs(work) + extra);
        if len.is_zero() {
            return Ok(Ok(0));
        }
        let start = self.now();
        if immed {
            self.drive.op = Some(Op { format, start, len });
            return Ok(Ok(0));
        }
        match &mut self.clock {
            Clock::Manual(t) => {
                *t += len;
                Ok(Ok(0))
            }
            Clock::Wall(_) => {
                if len > timeout {
                    self.drive.op = Some(Op { format, start, len });
                    std::thread::sleep(timeout);
                    return Err(TransportError::Timeout(timeout));
                }
                std::thread::sleep(len);
                Ok(Ok(0))
            }
        }
    }

    fn save(&mut self) -> Result<(), TransportError> {
        self.persist().map_err(io)
    }

    // ------------------------------------------------------------------

    /// REQUEST SENSE (SPC-4 §6.29): fixed format only (DESC = 1 → 5/24/00).
    fn request_sense(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        if cdb[1] & 0x01 != 0 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let f = if let Some(ua) = self.drive.ua.take() {
            ua
        } else if let Some(busy) = self.busy_fail() {
            busy
        } else if !self.disc.loaded {
            fail::NO_MEDIUM
        } else {
            Fail::new(0, 0, 0)
        };
        let s = f.sense();
        give(data, s.as_bytes(), cdb[4] as usize)
    }

    /// INQUIRY (SPC-4 §6.6): standard data, VPD pages 00h and 80h.
    fn inquiry(&mut self, cdb: &[u8], data: &mut DataPhase<'_>) -> Result<Res, TransportError> {
        let alloc = be16(cdb, 3);
        let evpd = cdb[1] & 0x01 != 0;
        let page = cdb[2];
        let r: Vec<u8> = match (evpd, page) {
            (false, 0) => reply::inquiry(self.media),
            (true, 0x00) => vec![0x05, 0x00, 0x00, 0x02, 0x00, 0x80],
            (true, 0x80) => {
                let mut v = vec![0x05, 0x80, 0x00, 8];
                v.extend_from_slice(b"EMUL0001");
                v
            }
            _ => return Ok(Err(fail::INVALID_CDB)),
        };
        give(data, &r, alloc)
    }

    /// MODE SENSE(6)/(10) (SPC-4 §6.11/6.12; MMC-6 §6.12): pages 05h and
    /// 2Ah (and 3Fh = both), no block descriptors, PC 00b/01b/10b.
    fn mode_sense(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
        ten: bool,
    ) -> Result<Res, TransportError> {
        let pc = cdb[2] >> 6;
        let page = cdb[2] & 0x3F;
        let sub = cdb[3];
        if pc == 3 {
            return Ok(Err(fail::SAVING_UNSUPPORTED));
        }
        if sub != 0 && sub != 0xFF {
            return Ok(Err(fail::INVALID_CDB));
        }
        let p05 = match pc {
            0 => self.drive.page05.to_vec(),
            1 => reply::changeable_page05().to_vec(),
            _ => reply::default_page05(self.media).to_vec(),
        };
        let mut p2a = reply::page_2a(
            self.drive.prevent,
            self.store.as_ref().map_or(0, |s| s.capacity()),
            self.media.write_speeds(),
            self.drive.write_speed,
            self.drive.read_speed,
        );
        if pc == 1 {
            // Nothing in page 2Ah is changeable.
            p2a[2..].fill(0);
        }
        let pages: Vec<u8> = match page {
            0x05 => p05,
            0x2A => p2a,
            0x3F => [p05, p2a].concat(),
            _ => return Ok(Err(fail::INVALID_CDB)),
        };
        let r = if ten {
            let mut h = vec![0u8; 8];
            h[0..2].copy_from_slice(&((6 + pages.len()) as u16).to_be_bytes());
            [h, pages].concat()
        } else {
            let h = vec![(3 + pages.len()).min(255) as u8, 0, 0, 0];
            [h, pages].concat()
        };
        let alloc = if ten { be16(cdb, 7) } else { cdb[4] as usize };
        give(data, &r, alloc)
    }

    /// MODE SELECT(6)/(10) (SPC-4 §6.9/6.10): PF must be 1, SP 0. Only page
    /// 05h may be selected; its fields are checked against what this drive
    /// supports for the loaded medium (5/26/00 otherwise). Page 05h is not
    /// durable: it resets when a medium is loaded and at power-on.
    fn mode_select(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
        ten: bool,
    ) -> Result<Res, TransportError> {
        if cdb[1] & 0x10 == 0 || cdb[1] & 0x01 != 0 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let len = if ten { be16(cdb, 7) } else { cdb[4] as usize };
        let params = take(data, len)?;
        if len == 0 {
            return Ok(Ok(0));
        }
        let hdr = if ten { 8 } else { 4 };
        if params.len() < hdr {
            return Ok(Err(fail::PARAM_LIST_LENGTH));
        }
        let bdl = if ten {
            be16(params, 6)
        } else {
            params[3] as usize
        };
        let mut pos = hdr + bdl;
        if pos > params.len() {
            return Ok(Err(fail::PARAM_LIST_LENGTH));
        }
        while pos < params.len() {
            if pos + 2 > params.len() {
                return Ok(Err(fail::PARAM_LIST_LENGTH));
            }
            let code = params[pos] & 0x3F;
            let end = pos + 2 + params[pos + 1] as usize;
            if end > params.len() {
                return Ok(Err(fail::PARAM_LIST_LENGTH));
            }
            let r = match code {
                0x05 => self.select_page05(&params[pos..end]),
                _ => Err(fail::INVALID_PARAM),
            };
            if let Err(f) = r {
                return Ok(Err(f));
            }
            pos = end;
        }
        Ok(Ok(len))
    }

    /// Checks and installs a Write Parameters page (MMC-6 §7.5.4).
    fn select_page05(&mut self, page: &[u8]) -> Result<(), Fail> {
        if page.len() != 0x32 + 2 && page.len() != 0x36 + 2 {
            return Err(fail::INVALID_PARAM);
        }
        let mut p = [0u8; reply::PAGE05_LEN];
        p.copy_from_slice(&page[..reply::PAGE05_LEN]);
        p[0] &= 0x3F;
        let mask = reply::changeable_page05();
        if p.iter().zip(mask.iter()).skip(2).any(|(v, m)| v & !m != 0) {
            return Err(fail::INVALID_PARAM);
        }
        let wp = reply::decode_page05(&p, true);
        if wp.test_write || wp.multi == 0b10 {
            // Simulation writes are not modelled (feature 002Dh/002Fh say
            // Test Write = 0); multi-session 10b is reserved.
            return Err(fail::INVALID_PARAM);
        }
        if self.disc.loaded {
            match self.media {
                Media::CdR | Media::CdRw
                    // TAO and SAO with 2048-byte Mode 1 / Mode 2 Form 1 data.
                    if (!matches!(wp.write_type, 1 | 2)
                        || (wp.write_type == 1 && !matches!(wp.data_block_type, 8 | 10))
                        || !matches!(wp.session_format, 0x00 | 0x10 | 0x20))
                    => {
                        return Err(fail::INVALID_PARAM);
                    }
                Media::DvdR | Media::DvdRw if self.disc.mode() == Mode::Sequential
                    // Incremental (00h) with 16-block packets, or DAO (02h).
                    && (!matches!(wp.write_type, 0 | 2)
                        || wp.data_block_type != 8
                        || (wp.write_type == 0 && wp.fixed_packet && wp.packet_size != 16))
                    => {
                        return Err(fail::INVALID_PARAM);
                    }
                // DVD+R, BD, overwritable and ROM media ignore page 05h
                // (MMC-6 §7.5.3).
                _ => {}
            }
        } else if wp.write_type > 3 {
            return Err(fail::INVALID_PARAM);
        }
        self.drive.page05 = p;
        self.drive.wp = wp;
        Ok(())
    }

    /// START STOP UNIT (MMC-6 §6.39): LoEj with Start = 0 ejects (refused
    /// with 5/53/02 while removal is prevented), with Start = 1 loads. A
    /// load reports 6/28/00 once and a new-media event; an eject a
    /// media-removal event. Eject flushes the cache.
    fn start_stop(&mut self, cdb: &[u8]) -> Result<Res, TransportError> {
        let loej = cdb[4] & 0x02 != 0;
        let start = cdb[4] & 0x01 != 0;
        if !loej {
            return Ok(Ok(0));
        }
        if !start {
            if self.drive.prevent {
                return Ok(Err(fail::REMOVAL_PREVENTED));
            }
            if self.disc.loaded {
                if let Some(s) = self.store.as_mut() {
                    s.sync().map_err(io)?;
                }
                self.disc.loaded = false;
                self.drive.media_event = 3;
                self.drive.op = None;
                self.drive.sao = None;
                self.save()?;
            }
        } else if !self.disc.loaded {
            self.disc.loaded = true;
            self.drive.ua = Some(fail::MEDIUM_CHANGED);
            self.drive.media_event = 2;
            self.drive.page05 = reply::default_page05(self.media);
            self.drive.wp = reply::decode_page05(&self.drive.page05, false);
            self.drive.write_speed = self.pick_speed(u32::MAX);
            self.save()?;
        }
        Ok(Ok(0))
    }

    /// READ CAPACITY (MMC-6 §6.19): last readable LBA and 2048.
    fn read_capacity(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        if cdb[8] & 0x01 == 0 && be32(cdb, 2) != 0 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let last = self.disc.readable_blocks().saturating_sub(1);
        let mut r = [0u8; 8];
        r[0..4].copy_from_slice(&last.to_be_bytes());
        r[4..8].copy_from_slice(&(BLOCK as u32).to_be_bytes());
        give(data, &r, 8)
    }

    fn read(&mut self, lba: i64, n: u32, data: &mut DataPhase<'_>) -> Result<Res, TransportError> {
        let bytes = n as usize * BLOCK;
        let DataPhase::In(buf) = data else {
            if n == 0 {
                return Ok(Ok(0));
            }
            return Err(invalid("READ needs a data-in buffer"));
        };
        if buf.len() < bytes {
            return Err(TransportError::Invalid(format!(
                "READ of {n} blocks needs {bytes} bytes, buffer has {}",
                buf.len()
            )));
        }
        if n == 0 {
            return Ok(Ok(0));
        }
        if let Err(f) = self.disc.read_check(lba, n) {
            return Ok(Err(f));
        }
        let store = self.store.as_ref().ok_or(TransportError::DriveLost)?;
        store.read(lba as u32, &mut buf[..bytes]).map_err(io)?;
        Ok(Ok(bytes))
    }

    /// READ CD (MMC-6 §6.17) for the user data of 2048-byte data sectors
    /// (byte 9 = 10h) or no data (00h); raw sectors and sub-channels are not
    /// modelled (5/24/00).
    fn read_cd(&mut self, cdb: &[u8], data: &mut DataPhase<'_>) -> Result<Res, TransportError> {
        if self.disc.family() != Family::Cd {
            return Ok(Err(fail::ILLEGAL_MODE));
        }
        let sector_type = (cdb[1] >> 2) & 0x07;
        let lba = be32(cdb, 2) as i32 as i64;
        let n = be24(cdb, 6) as u32;
        if cdb[10] & 0x07 != 0 || !matches!(cdb[9], 0x00 | 0x10) {
            return Ok(Err(fail::INVALID_CDB));
        }
        // Expected sector type: 0 any, 2 Mode 1, 4 Mode 2 Form 1.
        if !matches!(sector_type, 0 | 2 | 4) {
            return Ok(Err(fail::ILLEGAL_MODE.at(lba)));
        }
        if sector_type != 0 && n > 0 {
            let want_mode = if sector_type == 2 { 1 } else { 2 };
            let mode = self
                .disc
                .seq
                .tracks
                .iter()
                .find(|t| lba >= t.start as i64 && lba < t.end() as i64)
                .map(|t| t.data_mode);
            if mode.is_some_and(|m| m != want_mode) {
                return Ok(Err(fail::ILLEGAL_MODE.at(lba)));
            }
        }
        if cdb[9] == 0x00 {
            return Ok(self.disc.read_check(lba, n).map(|_| 0));
        }
        self.read(lba, n, data)
    }

    /// WRITE(10)/(12), WRITE AND VERIFY(10) (MMC-6 §6.43/6.44).
    fn write(&mut self, lba: i64, n: u32, data: &mut DataPhase<'_>) -> Result<Res, TransportError> {
        let bytes = n as usize * BLOCK;
        let payload: &[u8] = match data {
            DataPhase::Out(b) => b,
            DataPhase::None => &[],
            DataPhase::In(_) => return Err(invalid("WRITE needs a data-out buffer")),
        };
        if payload.len() != bytes {
            return Err(TransportError::Invalid(format!(
                "WRITE of {n} blocks needs {bytes} bytes, {} given",
                payload.len()
            )));
        }
        if n == 0 {
            return Ok(Ok(0));
        }
        if let Some(limit) = self.opts.power_cut_after_blocks
            && self.blocks_written + n as u64 >= limit
        {
            self.blocks_written += n as u64;
            self.power_cut();
            return Err(TransportError::DriveLost);
        }
        let target = match self.disc.mode() {
            Mode::Rom => Err(fail::CANNOT_WRITE.at(lba)),
            Mode::Overwrite => self.disc.ow_write(lba, n).map(|l| (l as i64, 0usize)),
            Mode::Sequential => {
                let sao = self.drive.wp.write_type == 2 && self.disc.family() == Family::Cd;
                match (sao, self.drive.sao.as_mut()) {
                    (true, Some(plan)) => {
                        if self.disc.seq.finalized {
                            Err(fail::CANNOT_WRITE.at(lba))
                        } else {
                            // Pre-gap blocks before LBA 0 are not stored.
                            plan.write(lba, n).map(|_| {
                                let skip = (-lba).clamp(0, n as i64) as usize;
                                (lba + skip as i64, skip)
                            })
                        }
                    }
                    _ => self
                        .disc
                        .seq_write(lba, n, &self.drive.wp)
                        .map(|l| (l as i64, 0usize)),
                }
            }
        };
        let (at, skip) = match target {
            Ok(t) => t,
            Err(f) => return Ok(Err(f)),
        };
        self.blocks_written += n as u64;
        if skip < n as usize {
            let store = self.store.as_mut().ok_or(TransportError::DriveLost)?;
            store
                .write(at as u32, &payload[skip * BLOCK..])
                .map_err(io)?;
        }
        Ok(Ok(bytes))
    }

    /// SYNCHRONIZE CACHE (MMC-6 §6.40): the cache reaches the image with
    /// `fdatasync`; CD TAO tracks close, a finished SAO session or DVD-R DAO
    /// disc closes; the state is saved. Immed = byte 1 bit 1.
    fn sync_cache(&mut self, cdb: &[u8], timeout: Duration) -> Result<Res, TransportError> {
        let immed = cdb[1] & 0x02 != 0;
        if let Some(s) = self.store.as_mut() {
            s.sync().map_err(io)?;
        }
        let mut work = Work::None;
        if self.disc.mode() == Mode::Sequential {
            let done = self.drive.sao.as_ref().is_some_and(SaoPlan::complete);
            if done {
                if let Some(plan) = self.drive.sao.take() {
                    let wp = self.drive.wp;
                    work = plan.commit(&mut self.disc, wp.multi, wp.session_format);
                }
            } else if self.drive.sao.is_none() {
                work = self.disc.seq_sync();
            }
        }
        self.save()?;
        self.start_work(work, SYNC_SECS, immed, false, timeout)
    }

    /// READ TOC/PMA/ATIP (MMC-6 §6.24): formats 0000b, 0001b, and 0010b on
    /// CD. A blank disc has no TOC (5/24/00); ATIP, PMA and CD-TEXT are not
    /// modelled (5/24/00).
    fn read_toc(&mut self, cdb: &[u8], data: &mut DataPhase<'_>) -> Result<Res, TransportError> {
        let msf = cdb[1] & 0x02 != 0;
        let mut format = cdb[2] & 0x0F;
        if format == 0 {
            // Older drives took the format from byte 9 bits 7–6.
            format = cdb[9] >> 6;
        }
        let r = match format {
            0 => reply::toc_formatted(&self.disc, cdb[6], msf),
            1 => reply::toc_session_info(&self.disc, msf),
            2 if self.disc.family() == Family::Cd => reply::toc_raw(&self.disc, cdb[6]),
            _ => None,
        };
        match r {
            Some(r) => give(data, &r, be16(cdb, 7)),
            None => Ok(Err(fail::INVALID_CDB)),
        }
    }

    /// GET EVENT STATUS NOTIFICATION (MMC-6 §6.7), polled only: the media
    /// class (04h) with new-media / media-removal events.
    fn event_status(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        if cdb[1] & 0x01 == 0 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let r: Vec<u8> = if cdb[4] & 0x10 != 0 {
            let code = std::mem::take(&mut self.drive.media_event);
            let status = if self.disc.loaded { 0x02 } else { 0x01 };
            vec![0, 6, 0x04, 0x10, code, status, 0, 0]
        } else {
            vec![0, 2, 0x80, 0x10]
        };
        give(data, &r, be16(cdb, 7))
    }

    /// READ TRACK INFORMATION (MMC-6 §6.26): address types 00b (LBA), 01b
    /// (track; FFh = invisible track, defined for CD and DVD+R only,
    /// `mmc-recipes.md` §3.4), 10b (session); Open bit.
    fn read_track_info(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        let open = cdb[1] & 0x04 != 0;
        let kind = cdb[1] & 0x03;
        let value = be32(cdb, 2);
        let rows = reply::track_rows(&self.disc, &self.drive.wp);
        let capacity = self.disc.seq.capacity;
        let row = match kind {
            0 => rows.iter().find(|r| {
                let end = if r.nwa.is_some() && r.blank && !r.reserved {
                    capacity
                } else {
                    r.start.saturating_add(r.size)
                };
                value >= r.start && value < end
            }),
            1 => {
                let ff_ok = matches!(
                    self.media,
                    Media::CdR | Media::CdRw | Media::DvdPlusR | Media::DvdPlusRDl
                ) && self.disc.mode() == Mode::Sequential;
                if value == 0xFF && ff_ok {
                    let nwa = self.disc.seq.invisible_nwa();
                    rows.iter().find(|r| nwa.is_some() && r.nwa == nwa)
                } else if value == 0 {
                    None
                } else if open {
                    rows.iter()
                        .find(|r| r.number as u32 >= value && r.nwa.is_some())
                } else {
                    rows.iter().find(|r| r.number as u32 == value)
                }
            }
            2 => rows.iter().find(|r| r.session as u32 == value),
            _ => None,
        };
        match row {
            Some(r) => give(data, &r.encode(), be16(cdb, 7)),
            None => Ok(Err(fail::INVALID_CDB)),
        }
    }

    /// RESERVE TRACK (MMC-6 §6.30): ARSV = RMZ = 0, size in bytes 5–8.
    fn reserve_track(&mut self, cdb: &[u8]) -> Result<Res, TransportError> {
        if cdb[1] & 0x03 != 0 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let size = be32(cdb, 5);
        let wp = self.drive.wp;
        if let Err(f) = self.disc.reserve(size, &wp) {
            return Ok(Err(f));
        }
        self.save()?;
        Ok(Ok(0))
    }

    /// CLOSE TRACK/SESSION (MMC-6 §6.3): Immed byte 1 bit 0, close function
    /// byte 2 bits 2–0, track number bytes 4–5.
    fn close(&mut self, cdb: &[u8], timeout: Duration) -> Result<Res, TransportError> {
        let immed = cdb[1] & 0x01 != 0;
        let func = cdb[2] & 0x07;
        let number = be16(cdb, 4) as u16;
        if self.drive.sao.is_some() && self.disc.family() == Family::Cd {
            // SAO closes itself at SYNCHRONIZE CACHE.
            return Ok(Err(fail::SEQUENCE));
        }
        if let Some(s) = self.store.as_mut() {
            s.sync().map_err(io)?;
        }
        let wp = self.drive.wp;
        let was_bg = self.disc.ow.bg;
        let work = match self.disc.close(func, number, &wp) {
            Ok(w) => w,
            Err(f) => return Ok(Err(f)),
        };
        if was_bg != Bg::Running && self.disc.ow.bg == Bg::Running {
            self.bg_start();
        }
        self.save()?;
        self.start_work(work, 0.0, immed, false, timeout)
    }

    /// SEND CUE SHEET (MMC-6 §6.32): CD only, after page 05h with write type
    /// SAO, on a blank disc (SAO on appendable CDs is unreliable on real
    /// drives, cookbook "SAO CD Cookbook"; this drive refuses it with
    /// 5/2C/00).
    fn send_cue_sheet(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        let len = be24(cdb, 6);
        let cue = take(data, len)?;
        let r = (|| {
            match self.disc.mode() {
                Mode::Rom => return Err(fail::CANNOT_WRITE),
                Mode::Overwrite => return Err(fail::INVALID_CDB),
                Mode::Sequential => {}
            }
            if self.disc.family() != Family::Cd {
                return Err(fail::INVALID_CDB);
            }
            let wp = self.drive.wp;
            if !wp.selected || wp.write_type != 2 || !self.disc.seq.is_blank() {
                return Err(fail::SEQUENCE);
            }
            let plan = SaoPlan::parse(cue, self.disc.seq.capacity)?;
            self.drive.sao = Some(plan);
            Ok(len)
        })();
        Ok(r)
    }

    /// BLANK (MMC-6 §6.2): Immed byte 1 bit 4, type bits 2–0; only 000b
    /// (full) and 001b (minimal) are implemented.
    fn blank(&mut self, cdb: &[u8], timeout: Duration) -> Result<Res, TransportError> {
        let immed = cdb[1] & 0x10 != 0;
        let kind = cdb[1] & 0x07;
        if self.disc.mode() == Mode::Rom {
            return Ok(Err(fail::CANNOT_WRITE));
        }
        if kind > 1 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let work = match self.disc.blank(kind == 1) {
            Ok(w) => w,
            Err(f) => return Ok(Err(f)),
        };
        self.drive.sao = None;
        let cap = self.media.blank_capacity();
        if let Some(s) = self.store.as_mut() {
            s.erase(cap).map_err(io)?;
        }
        self.save()?;
        self.start_work(work, 0.0, immed, false, timeout)
    }

    /// FORMAT UNIT (MMC-6 §6.5): FmtData = 1, Format Code 001b; a 4-byte
    /// header (Immed = byte 1 bit 1) and one 8-byte format descriptor.
    fn format_unit(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Res, TransportError> {
        if cdb[1] & 0x10 == 0 || cdb[1] & 0x07 != 1 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let params: &[u8] = match data {
            DataPhase::Out(b) => b,
            DataPhase::None => &[],
            DataPhase::In(_) => return Err(invalid("FORMAT UNIT needs a data-out buffer")),
        };
        if params.len() < 12 {
            return Ok(Err(fail::PARAM_LIST_LENGTH));
        }
        if be16(params, 2) != 8 {
            return Ok(Err(fail::INVALID_PARAM));
        }
        let immed = params[1] & 0x02 != 0;
        let blocks = be32(params, 4);
        let ftype = params[8] >> 2;
        let subtype = params[8] & 0x03;
        let tdp = be24(params, 9) as u32;
        let was_bg = self.disc.ow.bg;
        let (work, erase) = match self.disc.format(blocks, ftype, subtype, tdp) {
            Ok(r) => r,
            Err(f) => return Ok(Err(f)),
        };
        self.drive.sao = None;
        if erase {
            let cap = self.media.blank_capacity();
            if let Some(s) = self.store.as_mut() {
                s.erase(cap).map_err(io)?;
            }
        }
        if self.disc.ow.bg == Bg::Running && (was_bg != Bg::Running || erase) {
            self.bg_start();
        }
        self.save()?;
        self.start_work(work, 0.0, immed, true, timeout)
            .map(|r| r.map(|_| 12))
    }

    /// GET PERFORMANCE (MMC-6 §6.8): type 00h (nominal performance) and 03h
    /// (write speed descriptors). The length field always counts every
    /// available descriptor, so a first request for 0 descriptors learns
    /// the number.
    fn get_performance(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        let max = be16(cdb, 8);
        let end = self.disc.user_area().max(1) - 1;
        let (mut r, count) = match cdb[10] {
            0x03 => {
                let speeds = self.media.write_speeds();
                let mut r = vec![0u8; 8];
                for &s in speeds {
                    let mut e = [0u8; 16];
                    e[4..8].copy_from_slice(&end.to_be_bytes());
                    e[8..12].copy_from_slice(&self.media.read_speed().to_be_bytes());
                    e[12..16].copy_from_slice(&s.to_be_bytes());
                    r.extend_from_slice(&e);
                }
                (r, speeds.len())
            }
            0x00 => {
                let write = cdb[1] & 0x04 != 0;
                let except = cdb[1] & 0x03;
                let mut r = vec![0u8; 8];
                r[4] = u8::from(write) << 1;
                if except == 0 {
                    let perf = if write {
                        self.drive.write_speed
                    } else {
                        self.drive.read_speed
                    };
                    let mut e = [0u8; 16];
                    e[4..8].copy_from_slice(&perf.to_be_bytes());
                    e[8..12].copy_from_slice(&end.to_be_bytes());
                    e[12..16].copy_from_slice(&perf.to_be_bytes());
                    r.extend_from_slice(&e);
                    (r, 1)
                } else {
                    (r, 0)
                }
            }
            _ => return Ok(Err(fail::INVALID_CDB)),
        };
        let len = (4 + 16 * count) as u32;
        r[0..4].copy_from_slice(&len.to_be_bytes());
        let alloc = 8 + 16 * max.min(count);
        give(data, &r, alloc)
    }

    /// READ DISC STRUCTURE (MMC-6 §6.22): DVD format 00h (physical format
    /// information) and BD format 0Ah (spare area information).
    fn read_disc_structure(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        let media_type = cdb[1] & 0x0F;
        let r = match (media_type, cdb[7]) {
            (0, 0x00) => reply::dvd_physical(&self.disc),
            (1, 0x0A) => reply::bd_spare_info(&self.disc),
            _ => None,
        };
        match r {
            Some(r) => give(data, &r, be16(cdb, 8)),
            None => Ok(Err(fail::INVALID_CDB)),
        }
    }

    /// SET STREAMING (MMC-6 §6.38), type 00h performance descriptor: the
    /// write speed is write size (kB) per write time (ms), rounded down to
    /// an offered speed; RDD restores the defaults.
    fn set_streaming(
        &mut self,
        cdb: &[u8],
        data: &mut DataPhase<'_>,
    ) -> Result<Res, TransportError> {
        if cdb[8] != 0 {
            return Ok(Err(fail::INVALID_CDB));
        }
        let len = be16(cdb, 9);
        let p = take(data, len)?;
        if p.len() < 28 {
            return Ok(Err(fail::PARAM_LIST_LENGTH));
        }
        if p[0] & 0x04 != 0 {
            self.drive.write_speed = self.pick_speed(u32::MAX);
            self.drive.read_speed = self.media.read_speed();
            return Ok(Ok(len));
        }
        let (rs, rt, ws, wt) = (be32(p, 12), be32(p, 16), be32(p, 20), be32(p, 24));
        if rt == 0 || wt == 0 {
            return Ok(Err(fail::INVALID_PARAM));
        }
        let kbps =
            |size: u32, ms: u32| (size as u64 * 1000 / ms as u64).min(u32::MAX as u64) as u32;
        self.drive.read_speed = kbps(rs, rt).min(self.media.read_speed());
        self.drive.write_speed = self.pick_speed(kbps(ws, wt));
        Ok(Ok(len))
    }
}
