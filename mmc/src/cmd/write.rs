//! Data transfer and track/session commands: WRITE(10), WRITE(12),
//! READ(10), READ(12), READ CD, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION,
//! RESERVE TRACK, SEND CUE SHEET.

use std::time::Duration;

use super::{Cdb, Command, DataSpec, Msf, WithParams};

/// Timeout of WRITE, RESERVE TRACK and Immed closes (`sense-and-retries.md`
/// §4.2).
const LONG_IMMED: Duration = Duration::from_secs(200);
/// Timeout of CLOSE TRACK/SESSION and SYNCHRONIZE CACHE without Immed.
const CLOSE_NO_IMMED: Duration = Duration::from_secs(3600);

/// Bytes of a 2048-byte data block.
pub const BLOCK_LEN: u32 = 2048;
/// Bytes of a CD audio (or raw) block.
pub const CD_RAW_BLOCK_LEN: u32 = 2352;

fn transfer(blocks: u32, block_len: u32) -> usize {
    (blocks as usize).saturating_mul(block_len as usize)
}

// ---------------------------------------------------------------------------
// WRITE(10), WRITE(12)

/// WRITE(10) (2Ah), MMC-5 §6.44: bytes 2–5 LBA (two's complement: −150 is
/// `FF FF FF 6A` for CD SAO pre-gaps), bytes 7–8 transfer length in blocks.
/// Timeout 200 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write10 {
    pub lba: i32,
    pub blocks: u16,
    /// Bytes per block for the data phase (2048 data, 2352 audio).
    pub block_len: u32,
}

impl Write10 {
    /// `blocks` 2048-byte blocks at `lba`.
    pub fn new(lba: i32, blocks: u16) -> Self {
        Write10 {
            lba,
            blocks,
            block_len: BLOCK_LEN,
        }
    }
}

impl Command for Write10 {
    const NAME: &'static str = "WRITE(10)";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.lba.to_be_bytes();
        let [h, l] = self.blocks.to_be_bytes();
        Cdb::new(&[0x2A, 0, a, b, c, d, 0, h, l, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::Out(transfer(self.blocks as u32, self.block_len))
    }

    fn timeout(&self) -> Duration {
        LONG_IMMED
    }
}

/// WRITE(12) (AAh), MMC-5 §6.45: bytes 2–5 LBA, bytes 6–9 transfer length,
/// byte 10 bit 7 Streaming (stream recording without verify-after-write;
/// only with feature 0107h SW current, `mmc-recipes.md` §6.5). Timeout 200 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write12 {
    pub lba: i32,
    pub blocks: u32,
    pub streaming: bool,
    pub block_len: u32,
}

impl Write12 {
    pub fn new(lba: i32, blocks: u32, streaming: bool) -> Self {
        Write12 {
            lba,
            blocks,
            streaming,
            block_len: BLOCK_LEN,
        }
    }
}

impl Command for Write12 {
    const NAME: &'static str = "WRITE(12)";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.lba.to_be_bytes();
        let [e, f, g, h] = self.blocks.to_be_bytes();
        Cdb::new(&[
            0xAA,
            0,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            (self.streaming as u8) << 7,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::Out(transfer(self.blocks, self.block_len))
    }

    fn timeout(&self) -> Duration {
        LONG_IMMED
    }
}

// ---------------------------------------------------------------------------
// READ(10), READ(12)

/// READ(10) (28h), MMC-5 §6.15: bytes 2–5 LBA, bytes 7–8 transfer length.
/// The data-in phase is `blocks × block_len` bytes of user data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read10 {
    pub lba: u32,
    pub blocks: u16,
    pub block_len: u32,
}

impl Read10 {
    pub fn new(lba: u32, blocks: u16) -> Self {
        Read10 {
            lba,
            blocks,
            block_len: BLOCK_LEN,
        }
    }
}

impl Command for Read10 {
    const NAME: &'static str = "READ(10)";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.lba.to_be_bytes();
        let [h, l] = self.blocks.to_be_bytes();
        Cdb::new(&[0x28, 0, a, b, c, d, 0, h, l, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(transfer(self.blocks as u32, self.block_len))
    }
}

/// READ(12) (A8h), MMC-5 §6.16: bytes 2–5 LBA, bytes 6–9 transfer length,
/// byte 10 bit 7 Streaming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read12 {
    pub lba: u32,
    pub blocks: u32,
    pub streaming: bool,
    pub block_len: u32,
}

impl Read12 {
    pub fn new(lba: u32, blocks: u32) -> Self {
        Read12 {
            lba,
            blocks,
            streaming: false,
            block_len: BLOCK_LEN,
        }
    }
}

impl Command for Read12 {
    const NAME: &'static str = "READ(12)";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.lba.to_be_bytes();
        let [e, f, g, h] = self.blocks.to_be_bytes();
        Cdb::new(&[
            0xA8,
            0,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            (self.streaming as u8) << 7,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(transfer(self.blocks, self.block_len))
    }
}

// ---------------------------------------------------------------------------
// READ CD

/// Expected Sector Type of READ CD (CDB byte 1 bits 4–2, MMC-5 §6.20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedSectorType {
    Any = 0,
    CdDa = 1,
    Mode1 = 2,
    Mode2Formless = 3,
    Mode2Form1 = 4,
    Mode2Form2 = 5,
}

/// READ CD (BEh), MMC-5 §6.20: byte 1 bits 4–2 expected sector type, bit 1
/// DAP; bytes 2–5 LBA; bytes 6–8 transfer length in blocks; byte 9 bit 7
/// SYNC, bits 6–5 header codes, bit 4 user data, bit 3 EDC & ECC, bits 2–1
/// C2 error information; byte 10 bits 2–0 sub-channel selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadCd {
    pub lba: i32,
    /// Transfer length, 24 bits (higher bits are dropped).
    pub blocks: u32,
    pub sector_type: ExpectedSectorType,
    pub dap: bool,
    /// CDB byte 9 (main channel selection).
    pub flags: u8,
    /// CDB byte 10 bits 2–0 (0 none, 1 raw P-W, 2 Q, 4 R-W).
    pub subchannel: u8,
}

impl ReadCd {
    /// Byte 9 flag: SYNC field.
    pub const SYNC: u8 = 0x80;
    /// Byte 9 header codes: all headers (header and sub-header).
    pub const ALL_HEADERS: u8 = 0x60;
    /// Byte 9 flag: user data.
    pub const USER_DATA: u8 = 0x10;
    /// Byte 9 flag: EDC and ECC.
    pub const EDC_ECC: u8 = 0x08;

    /// Mode 1 user data, 2048 bytes per block.
    pub fn mode1(lba: i32, blocks: u32) -> Self {
        ReadCd {
            lba,
            blocks,
            sector_type: ExpectedSectorType::Mode1,
            dap: false,
            flags: Self::USER_DATA,
            subchannel: 0,
        }
    }

    /// CD-DA audio, 2352 bytes per block.
    pub fn audio(lba: i32, blocks: u32) -> Self {
        ReadCd {
            sector_type: ExpectedSectorType::CdDa,
            ..Self::mode1(lba, blocks)
        }
    }

    /// Whole raw sectors of any type (sync, headers, user data, EDC/ECC):
    /// 2352 bytes per block.
    pub fn raw(lba: i32, blocks: u32) -> Self {
        ReadCd {
            sector_type: ExpectedSectorType::Any,
            flags: Self::SYNC | Self::ALL_HEADERS | Self::USER_DATA | Self::EDC_ECC,
            ..Self::mode1(lba, blocks)
        }
    }

    /// Bytes per block that the selected fields add up to (MMC-5 §6.20,
    /// the "Number of bytes returned" table). For type Any the Mode 1 layout
    /// is assumed.
    pub fn block_len(&self) -> u32 {
        use ExpectedSectorType as T;
        let f = self.flags;
        let mut n = 0;
        if self.sector_type == T::CdDa {
            if f & Self::USER_DATA != 0 {
                n += 2352;
            }
        } else {
            let mode2_form = matches!(self.sector_type, T::Mode2Form1 | T::Mode2Form2);
            if f & Self::SYNC != 0 {
                n += 12;
            }
            n += match (f >> 5 & 3, mode2_form) {
                (0, _) => 0,
                (1, _) => 4,
                (2, true) => 8,
                (2, false) => 0,
                (_, true) => 12,
                (_, false) => 4,
            };
            if f & Self::USER_DATA != 0 {
                n += match self.sector_type {
                    T::Mode2Formless => 2336,
                    T::Mode2Form2 => 2324,
                    _ => 2048,
                };
            }
            if f & Self::EDC_ECC != 0 {
                n += match self.sector_type {
                    T::Mode2Formless => 0,
                    T::Mode2Form1 => 280,
                    T::Mode2Form2 => 4,
                    _ => 288,
                };
            }
        }
        n += match f >> 1 & 3 {
            1 => 294,
            2 => 296,
            _ => 0,
        };
        n += match self.subchannel & 7 {
            1 | 4 => 96,
            2 => 16,
            _ => 0,
        };
        n
    }
}

impl Command for ReadCd {
    const NAME: &'static str = "READ CD";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.lba.to_be_bytes();
        let [_, e, f, g] = self.blocks.to_be_bytes();
        Cdb::new(&[
            0xBE,
            (self.sector_type as u8) << 2 | (self.dap as u8) << 1,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            self.flags,
            self.subchannel & 7,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(transfer(self.blocks & 0x00FF_FFFF, self.block_len()))
    }
}

// ---------------------------------------------------------------------------
// SYNCHRONIZE CACHE

/// SYNCHRONIZE CACHE (35h), MMC-5 §6.41: byte 1 bit 1 Immed. Sent after the
/// last WRITE of every track, then poll (`mmc-recipes.md` §6.7). Timeout
/// 200 s with Immed, 3600 s without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynchronizeCache {
    pub immed: bool,
}

impl Command for SynchronizeCache {
    const NAME: &'static str = "SYNCHRONIZE CACHE";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[0x35, (self.immed as u8) << 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }

    fn timeout(&self) -> Duration {
        if self.immed {
            LONG_IMMED
        } else {
            CLOSE_NO_IMMED
        }
    }
}

// ---------------------------------------------------------------------------
// CLOSE TRACK/SESSION

/// Close Function (CDB byte 2 bits 2–0) of CLOSE TRACK/SESSION, MMC-5
/// §6.3.3; uses per medium in `mmc-recipes.md` §6.7.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseFunction {
    /// 000b: stop background format at once (DVD+RW).
    StopBackgroundFormat = 0b000,
    /// 001b: close the logical track given in bytes 4–5.
    Track = 0b001,
    /// 010b: close the session (DVD+RW: stop background format compatibly;
    /// DVD-RW RO: leave the intermediate state).
    Session = 0b010,
    /// 011b: finalize (DVD-RW RO; DVD+RW format completion).
    Finalize = 0b011,
    /// 101b: close session and finalize with minimal radius (DVD+R).
    FinalizeMinimalRadius = 0b101,
    /// 110b: close session and finalize the disc (BD-R, DVD+R).
    FinalizeDisc = 0b110,
}

/// CLOSE TRACK/SESSION (5Bh), MMC-5 §6.3: byte 1 bit 0 Immed, byte 2 bits
/// 2–0 close function, bytes 4–5 logical track number. Timeout 200 s with
/// Immed, 3600 s without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseTrackSession {
    pub immed: bool,
    pub function: CloseFunction,
    /// Track number (function 001b); 0 otherwise.
    pub track: u16,
}

impl CloseTrackSession {
    /// Close logical track `track`, Immed.
    pub fn track(track: u16) -> Self {
        CloseTrackSession {
            immed: true,
            function: CloseFunction::Track,
            track,
        }
    }

    /// Close function `function` with track number 0, Immed.
    pub fn new(function: CloseFunction) -> Self {
        CloseTrackSession {
            immed: true,
            function,
            track: 0,
        }
    }

    /// Close the session (010b), Immed: `5B 01 02 00 00 00 00 00 00 00`.
    pub fn session() -> Self {
        Self::new(CloseFunction::Session)
    }
}

impl Command for CloseTrackSession {
    const NAME: &'static str = "CLOSE TRACK/SESSION";

    fn cdb(&self) -> Cdb {
        let [h, l] = self.track.to_be_bytes();
        Cdb::new(&[
            0x5B,
            self.immed as u8,
            self.function as u8,
            0,
            h,
            l,
            0,
            0,
            0,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }

    fn timeout(&self) -> Duration {
        if self.immed {
            LONG_IMMED
        } else {
            CLOSE_NO_IMMED
        }
    }
}

// ---------------------------------------------------------------------------
// RESERVE TRACK

/// RESERVE TRACK (53h), MMC-5 §6.31, with ARSV = 0 and RMZ = 0: bytes 5–8
/// reservation size in blocks (`mmc-recipes.md` §6.4). Timeout 200 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReserveTrack {
    pub blocks: u32,
}

impl Command for ReserveTrack {
    const NAME: &'static str = "RESERVE TRACK";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.blocks.to_be_bytes();
        Cdb::new(&[0x53, 0, 0, 0, 0, a, b, c, d, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }

    fn timeout(&self) -> Duration {
        LONG_IMMED
    }
}

// ---------------------------------------------------------------------------
// SEND CUE SHEET

/// One 8-byte cue sheet entry, MMC-5 §6.33 (`mmc-recipes.md` §6.8): CTL/ADR
/// (CTL in bits 7–4, ADR in bits 3–0), TNO, INDEX, DATA FORM, SCMS, MIN,
/// SEC, FRAME (binary).
///
/// Catalog (ADR 2) and ISRC (ADR 3) entries carry characters in bytes 1–7;
/// build them with [`CueEntry::catalog`] and [`CueEntry::isrc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CueEntry {
    pub ctl_adr: u8,
    pub tno: u8,
    pub index: u8,
    pub data_form: u8,
    pub scms: u8,
    pub msf: Msf,
}

impl CueEntry {
    /// CTL nibble of a data track.
    pub const CTL_DATA: u8 = 0x4;
    /// ADR 1: a time point.
    pub const ADR_POSITION: u8 = 1;
    /// TNO of the lead-out.
    pub const LEAD_OUT: u8 = 0xAA;
    /// DATA FORM: CD-DA audio.
    pub const FORM_AUDIO: u8 = 0x00;
    /// DATA FORM: audio pause.
    pub const FORM_AUDIO_PAUSE: u8 = 0x01;
    /// DATA FORM: Mode 1 data, 2048 bytes from the host.
    pub const FORM_MODE1: u8 = 0x10;
    /// DATA FORM: data pause (generated by the drive).
    pub const FORM_DATA_PAUSE: u8 = 0x14;

    /// A time-point entry (ADR 1) at `msf`.
    pub fn point(ctl: u8, tno: u8, index: u8, data_form: u8, msf: Msf) -> CueEntry {
        CueEntry {
            ctl_adr: (ctl & 0x0F) << 4 | Self::ADR_POSITION,
            tno,
            index,
            data_form,
            scms: 0,
            msf,
        }
    }

    /// An entry from its 8 bytes.
    pub fn from_bytes(b: [u8; 8]) -> CueEntry {
        CueEntry {
            ctl_adr: b[0],
            tno: b[1],
            index: b[2],
            data_form: b[3],
            scms: b[4],
            msf: Msf::new(b[5], b[6], b[7]),
        }
    }

    pub fn to_bytes(&self) -> [u8; 8] {
        [
            self.ctl_adr,
            self.tno,
            self.index,
            self.data_form,
            self.scms,
            self.msf.m,
            self.msf.s,
            self.msf.f,
        ]
    }

    /// The two catalog number (MCN) entries, ADR 2: `02 N1…N7` and
    /// `02 N8…N13 00`. They go before the lead-in entry.
    pub fn catalog(mcn: &[u8; 13]) -> [CueEntry; 2] {
        let mut a = [0x02, 0, 0, 0, 0, 0, 0, 0];
        a[1..8].copy_from_slice(&mcn[..7]);
        let mut b = [0x02, 0, 0, 0, 0, 0, 0, 0];
        b[1..7].copy_from_slice(&mcn[7..]);
        [CueEntry::from_bytes(a), CueEntry::from_bytes(b)]
    }

    /// The two ISRC entries of track `tno`, ADR 3: `CTL|3 TNO I1…I6` and
    /// `CTL|3 TNO I7…I12`. They go before the track's first entry.
    pub fn isrc(ctl: u8, tno: u8, isrc: &[u8; 12]) -> [CueEntry; 2] {
        let head = (ctl & 0x0F) << 4 | 0x03;
        let mut a = [head, tno, 0, 0, 0, 0, 0, 0];
        a[2..8].copy_from_slice(&isrc[..6]);
        let mut b = [head, tno, 0, 0, 0, 0, 0, 0];
        b[2..8].copy_from_slice(&isrc[6..]);
        [CueEntry::from_bytes(a), CueEntry::from_bytes(b)]
    }
}

/// SEND CUE SHEET (5Dh), MMC-5 §6.33: bytes 6–8 cue sheet size (8 × entries).
/// Sent after page 05h with write type SAO (`mmc-recipes.md` §6.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendCueSheet {
    pub entries: Vec<CueEntry>,
}

impl SendCueSheet {
    /// The cue sheet of one Mode 1 data track of `blocks` blocks starting at
    /// LBA 0 with the 2-second pre-gap from LBA −150 (`mmc-recipes.md` §6.8):
    /// lead-in, track 1 index 0 at 00:00:00, index 1 at 00:02:00, lead-out at
    /// LBA `blocks`. `None` if the lead-out lies beyond 89:59:74.
    pub fn single_data_track(blocks: u32) -> Option<SendCueSheet> {
        let lead_out = Msf::from_lba(i32::try_from(blocks).ok()?)?;
        let data = CueEntry::CTL_DATA;
        Some(SendCueSheet {
            entries: vec![
                CueEntry::point(data, 0, 0, CueEntry::FORM_DATA_PAUSE, Msf::default()),
                CueEntry::point(data, 1, 0, CueEntry::FORM_MODE1, Msf::new(0, 0, 0)),
                CueEntry::point(data, 1, 1, CueEntry::FORM_MODE1, Msf::new(0, 2, 0)),
                CueEntry::point(
                    data,
                    CueEntry::LEAD_OUT,
                    1,
                    CueEntry::FORM_DATA_PAUSE,
                    lead_out,
                ),
            ],
        })
    }

    fn len(&self) -> usize {
        (self.entries.len() * 8).min(0x00FF_FFF8)
    }
}

impl Command for SendCueSheet {
    const NAME: &'static str = "SEND CUE SHEET";

    fn cdb(&self) -> Cdb {
        let [_, a, b, c] = (self.len() as u32).to_be_bytes();
        Cdb::new(&[0x5D, 0, 0, 0, 0, 0, a, b, c, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::Out(self.len())
    }
}

impl WithParams for SendCueSheet {
    fn params(&self) -> Vec<u8> {
        let mut v: Vec<u8> = self.entries.iter().flat_map(|e| e.to_bytes()).collect();
        v.truncate(self.len());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write10_mmc5_6_44() {
        // MMC-5 §6.44; recipes §6.5: 2A 00 LL LL LL LL 00 NN NN 00; −150 = FF FF FF 6A.
        let w = Write10::new(-150, 16);
        assert_eq!(
            w.cdb().as_bytes(),
            &[0x2A, 0, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0, 0x10, 0]
        );
        assert_eq!(w.data(), DataSpec::Out(32768));
        assert_eq!(w.timeout(), Duration::from_secs(200));
        let w = Write10::new(0x0012_3456, 32);
        assert_eq!(
            w.cdb().as_bytes(),
            &[0x2A, 0, 0x00, 0x12, 0x34, 0x56, 0, 0, 0x20, 0]
        );
        let audio = Write10 {
            block_len: CD_RAW_BLOCK_LEN,
            ..Write10::new(0, 10)
        };
        assert_eq!(audio.data(), DataSpec::Out(23520));
    }

    #[test]
    fn write12_mmc5_6_45_streaming() {
        // MMC-5 §6.45: byte 10 bit 7 Streaming (recipes §6.5).
        let w = Write12::new(0x100, 32, true);
        assert_eq!(
            w.cdb().as_bytes(),
            &[0xAA, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0x20, 0x80, 0]
        );
        assert_eq!(w.data(), DataSpec::Out(65536));
        assert_eq!(w.timeout(), Duration::from_secs(200));
        assert_eq!(
            Write12::new(-1, 1, false).cdb().as_bytes()[2..11],
            [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0]
        );
    }

    #[test]
    fn read10_read12_mmc5_6_15_6_16() {
        // MMC-5 §6.15 / §6.16: LBA in bytes 2–5, length in 7–8 resp. 6–9.
        let r = Read10::new(16, 32);
        assert_eq!(r.cdb().as_bytes(), &[0x28, 0, 0, 0, 0, 0x10, 0, 0, 0x20, 0]);
        assert_eq!(r.data(), DataSpec::In(65536));
        assert_eq!(r.timeout(), Duration::from_secs(30));
        let r = Read12 {
            streaming: true,
            ..Read12::new(0x01020304, 0x05060708)
        };
        assert_eq!(
            r.cdb().as_bytes(),
            &[0xA8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0]
        );
    }

    #[test]
    fn read_cd_mmc5_6_20() {
        // MMC-5 §6.20. Mode 1 user data: type 010b in byte 1 bits 4–2, byte 9 = 10h.
        let r = ReadCd::mode1(16, 2);
        assert_eq!(
            r.cdb().as_bytes(),
            &[0xBE, 0x08, 0, 0, 0, 0x10, 0, 0, 2, 0x10, 0, 0]
        );
        assert_eq!(r.block_len(), 2048);
        assert_eq!(r.data(), DataSpec::In(4096));
        // CD-DA: type 001b, 2352 bytes.
        let a = ReadCd::audio(0, 1);
        assert_eq!(a.cdb().as_bytes()[1], 0x04);
        assert_eq!(a.block_len(), 2352);
        // Raw sectors of any type: byte 9 = F8h, 2352 bytes.
        let raw = ReadCd::raw(-150, 1);
        assert_eq!(
            raw.cdb().as_bytes(),
            &[0xBE, 0x00, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0, 1, 0xF8, 0, 0]
        );
        assert_eq!(raw.block_len(), 2352);
        // Mode 2 Form 1 raw = 12 + 12 + 2048 + 280 = 2352; with C2 + block
        // error byte (296) and raw P-W sub-channel (96).
        let f1 = ReadCd {
            sector_type: ExpectedSectorType::Mode2Form1,
            flags: 0xFC,
            subchannel: 1,
            ..ReadCd::raw(0, 1)
        };
        assert_eq!(f1.block_len(), 2352 + 296 + 96);
        assert_eq!(f1.cdb().as_bytes()[1], 0x10);
        assert_eq!(f1.cdb().as_bytes()[10], 0x01);
        // Mode 2 Form 2 user data only: 2324; formless: 2336.
        let f2 = ReadCd {
            sector_type: ExpectedSectorType::Mode2Form2,
            ..ReadCd::mode1(0, 1)
        };
        assert_eq!(f2.block_len(), 2324);
        let m2 = ReadCd {
            sector_type: ExpectedSectorType::Mode2Formless,
            flags: 0xF8,
            ..ReadCd::mode1(0, 1)
        };
        assert_eq!(m2.block_len(), 12 + 4 + 2336);
        // Transfer length is 24 bits.
        let big = ReadCd::mode1(0, 0x0102_0304);
        assert_eq!(&big.cdb().as_bytes()[6..9], &[0x02, 0x03, 0x04]);
        assert_eq!(big.data(), DataSpec::In(0x0002_0304 * 2048));
    }

    #[test]
    fn synchronize_cache_mmc5_6_41() {
        // MMC-5 §6.41; recipes §6.7: 35 02 00 00 00 00 00 00 00 00.
        let s = SynchronizeCache { immed: true };
        assert_eq!(s.cdb().as_bytes(), &[0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(s.timeout(), Duration::from_secs(200));
        let s = SynchronizeCache { immed: false };
        assert_eq!(s.cdb().as_bytes()[1], 0);
        assert_eq!(s.timeout(), Duration::from_secs(3600));
    }

    #[test]
    fn close_track_session_mmc5_6_3() {
        // MMC-5 §6.3; recipes §6.7: close session 5B 01 02 00 00 00 00 00 00 00.
        let c = CloseTrackSession::session();
        assert_eq!(c.cdb().as_bytes(), &[0x5B, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(c.timeout(), Duration::from_secs(200));
        assert_eq!(
            CloseTrackSession::track(0x0102).cdb().as_bytes(),
            &[0x5B, 0x01, 0x01, 0, 0x01, 0x02, 0, 0, 0, 0]
        );
        // The close function codes of recipes §6.7 (MMC-5 §6.3.3).
        let codes: Vec<u8> = [
            CloseFunction::StopBackgroundFormat,
            CloseFunction::Track,
            CloseFunction::Session,
            CloseFunction::Finalize,
            CloseFunction::FinalizeMinimalRadius,
            CloseFunction::FinalizeDisc,
        ]
        .iter()
        .map(|f| CloseTrackSession::new(*f).cdb().as_bytes()[2])
        .collect();
        assert_eq!(codes, [0b000, 0b001, 0b010, 0b011, 0b101, 0b110]);
        let slow = CloseTrackSession {
            immed: false,
            ..CloseTrackSession::new(CloseFunction::FinalizeDisc)
        };
        assert_eq!(
            slow.cdb().as_bytes(),
            &[0x5B, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(slow.timeout(), Duration::from_secs(3600));
    }

    #[test]
    fn reserve_track_mmc5_6_31() {
        // MMC-5 §6.31; recipes §6.4: 53 00 00 00 00 NN NN NN NN 00.
        let r = ReserveTrack {
            blocks: 0x0023_0540,
        };
        assert_eq!(
            r.cdb().as_bytes(),
            &[0x53, 0, 0, 0, 0, 0x00, 0x23, 0x05, 0x40, 0]
        );
        assert_eq!(r.data(), DataSpec::None);
        assert_eq!(r.timeout(), Duration::from_secs(200));
    }

    #[test]
    fn cue_sheet_recipes_6_8_example() {
        // mmc-recipes.md §6.8, N = 1000 → lead-out 00:15:25.
        let c = SendCueSheet::single_data_track(1000).unwrap();
        assert_eq!(
            c.params(),
            [
                0x41, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, //
                0x41, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, //
                0x41, 0x01, 0x01, 0x10, 0x00, 0x00, 0x02, 0x00, //
                0x41, 0xAA, 0x01, 0x14, 0x00, 0x00, 0x0F, 0x19,
            ]
        );
        // MMC-5 §6.33: bytes 6–8 cue sheet size = 32.
        assert_eq!(c.cdb().as_bytes(), &[0x5D, 0, 0, 0, 0, 0, 0, 0, 0x20, 0]);
        assert_eq!(c.data(), DataSpec::Out(32));
        // An 80-minute disc fits; from 90:00:00 on MSF means lead-in.
        assert!(SendCueSheet::single_data_track(359_850).is_some());
        assert!(SendCueSheet::single_data_track(404_850).is_none());
        assert!(SendCueSheet::single_data_track(u32::MAX).is_none());
    }

    #[test]
    fn cue_entries_catalog_and_isrc() {
        let [a, b] = CueEntry::catalog(b"0123456789012");
        assert_eq!(
            a.to_bytes(),
            [0x02, b'0', b'1', b'2', b'3', b'4', b'5', b'6']
        );
        assert_eq!(b.to_bytes(), [0x02, b'7', b'8', b'9', b'0', b'1', b'2', 0]);
        let [a, b] = CueEntry::isrc(0x0, 1, b"DEA123456789");
        assert_eq!(a.to_bytes(), [0x03, 1, b'D', b'E', b'A', b'1', b'2', b'3']);
        assert_eq!(b.to_bytes(), [0x03, 1, b'4', b'5', b'6', b'7', b'8', b'9']);
        let e = CueEntry::point(0, 2, 1, CueEntry::FORM_AUDIO, Msf::new(4, 5, 6));
        assert_eq!(CueEntry::from_bytes(e.to_bytes()), e);
        assert_eq!(e.to_bytes(), [0x01, 2, 1, 0, 0, 4, 5, 6]);
    }
}
