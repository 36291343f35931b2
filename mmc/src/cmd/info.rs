//! READ DISC INFORMATION (51h), READ TRACK INFORMATION (52h), READ CAPACITY
//! (25h), READ BUFFER CAPACITY (5Ch).

use super::{
    Cdb, Command, DataSpec, Msf, ParseError, Query, alloc16, be16, be32, bit, bounded, byte, need,
};

// ---------------------------------------------------------------------------
// READ DISC INFORMATION

/// READ DISC INFORMATION (51h), data type 000b, MMC-5 §6.22 (MMC-6 §6.21):
/// byte 1 bits 2–0 data type, bytes 7–8 allocation length (34 covers all
/// fixed fields; more for OPC tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadDiscInformation {
    pub alloc: u16,
}

impl ReadDiscInformation {
    /// Standard disc information without OPC tables.
    pub const STANDARD_LEN: u16 = 34;

    pub fn new() -> Self {
        ReadDiscInformation {
            alloc: Self::STANDARD_LEN,
        }
    }
}

impl Default for ReadDiscInformation {
    fn default() -> Self {
        ReadDiscInformation::new()
    }
}

impl Command for ReadDiscInformation {
    const NAME: &'static str = "READ DISC INFORMATION";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0x51, 0, 0, 0, 0, 0, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Disc Status, byte 2 bits 1–0 (MMC-5 §6.22.3.1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscStatus {
    /// 00b: empty disc.
    Blank,
    /// 01b: incomplete disc, appendable.
    Appendable,
    /// 10b: finalized disc.
    Complete,
    /// 11b: others (random-access media such as DVD-RAM, BD-RE).
    Other,
}

/// State of Last Session, byte 2 bits 3–2 (MMC-5 §6.22.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Empty,
    Incomplete,
    /// 10b: reserved/damaged session.
    Damaged,
    Complete,
}

/// Background format status, byte 7 bits 1–0 (MMC-5 §6.22.3.1; DVD+RW, MRW,
/// BD-RE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BgFormatStatus {
    /// 00b: never formatted (or not applicable).
    None,
    /// 01b: background format started but not running (partial).
    Stopped,
    /// 10b: background format in progress.
    Running,
    /// 11b: formatting complete.
    Complete,
}

/// A 4-byte address field of disc information: an LBA on DVD/BD, 00 M S F
/// on CD (MMC-5 §6.22.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiscAddress(pub u32);

impl DiscAddress {
    /// The field as a two's complement LBA (non-CD media).
    pub fn as_lba(self) -> i32 {
        self.0 as i32
    }

    /// Bytes 1–3 of the field as M, S, F (CD media).
    pub fn as_msf(self) -> Msf {
        let [_, m, s, f] = self.0.to_be_bytes();
        Msf::new(m, s, f)
    }

    /// The LBA, converting from MSF on CD. `None` for FFFFFFFFh (not
    /// available, e.g. no further session possible on a finalized CD).
    pub fn lba(self, cd: bool) -> Option<i32> {
        match (self.0, cd) {
            (u32::MAX, _) => None,
            (_, true) => Some(self.as_msf().to_lba()),
            (_, false) => Some(self.as_lba()),
        }
    }
}

/// One OPC table entry of disc information (MMC-5 §6.22.3.1, bytes 34 + 8i): bytes 0–1 speed (kB/s), 2–7 OPC
/// values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpcTable {
    pub speed: u16,
    pub values: [u8; 6],
}

/// Standard disc information, MMC-5 §6.22.3.1 (MMC-6 §6.21.3.1); field list
/// in `mmc-recipes.md` §12.2. The first 12 bytes are required; later fields
/// are `None` when the drive did not return them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscInformation {
    /// Disc Information Length (bytes 0–1): bytes that follow byte 1.
    pub length: u16,
    /// Disc information data type (byte 2 bits 7–5), 000b here.
    pub info_type: u8,
    /// Byte 2 bit 4; meaningful only for CD-RW and DVD-RW.
    pub erasable: bool,
    pub last_session_state: SessionState,
    pub disc_status: DiscStatus,
    /// Number of First Track on Disc (byte 3).
    pub first_track: u8,
    /// Number of Sessions (byte 4 LSB + byte 9 MSB).
    pub sessions: u16,
    /// First Track Number in Last Session (byte 5 + byte 10).
    pub first_track_last_session: u16,
    /// Last Track Number in Last Session (byte 6 + byte 11).
    pub last_track_last_session: u16,
    /// Byte 7 bit 7 DID_V.
    pub did_valid: bool,
    /// Byte 7 bit 6 DBC_V.
    pub dbc_valid: bool,
    /// Byte 7 bit 5 URU (unrestricted use).
    pub uru: bool,
    /// Byte 7 bit 4 DAC_V.
    pub dac_valid: bool,
    /// Byte 7 bit 2 Dbit (MRW/DVD+RW dirty bit).
    pub dbit: bool,
    pub bg_format_status: BgFormatStatus,
    /// Disc Type (byte 8): 00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA.
    pub disc_type: u8,
    /// Disc Identification (bytes 12–15).
    pub disc_id: Option<u32>,
    /// Last Session Lead-in Start Address (bytes 16–19).
    pub last_session_lead_in: Option<DiscAddress>,
    /// Last Possible Lead-out Start Address (bytes 20–23).
    pub last_possible_lead_out: Option<DiscAddress>,
    /// Disc Bar Code (bytes 24–31).
    pub disc_bar_code: Option<[u8; 8]>,
    /// Disc Application Code (byte 32).
    pub disc_application_code: Option<u8>,
    /// OPC tables (count in byte 33, 8-byte entries from byte 34); only
    /// complete entries.
    pub opc_tables: Vec<OpcTable>,
}

impl DiscInformation {
    /// The last possible lead-out start as an LBA (MSF → LBA on CD);
    /// `None` when not returned or FFFFFFFFh.
    pub fn last_possible_lead_out_lba(&self, cd: bool) -> Option<i32> {
        self.last_possible_lead_out?.lba(cd)
    }

    /// The last session's lead-in start as an LBA (MSF → LBA on CD).
    pub fn last_session_lead_in_lba(&self, cd: bool) -> Option<i32> {
        self.last_session_lead_in?.lba(cd)
    }

    /// Complete sessions: the count minus the empty or incomplete last one
    /// (`mmc-recipes.md` §3.3).
    pub fn complete_sessions(&self) -> u16 {
        if self.last_session_state == SessionState::Complete {
            self.sessions
        } else {
            self.sessions.saturating_sub(1)
        }
    }
}

impl Query for ReadDiscInformation {
    type Reply = DiscInformation;

    fn parse(&self, data: &[u8]) -> Result<DiscInformation, ParseError> {
        need(data, 12)?;
        let length = be16(data, 0).unwrap_or(0);
        let d = bounded(data, length as usize + 2);
        need(d, 12)?;
        let b2 = d[2];
        let addr = |off| be32(d, off).map(DiscAddress);
        let opc_count = byte(d, 33) as usize;
        let opc_tables = d
            .get(34..)
            .unwrap_or(&[])
            .chunks_exact(8)
            .take(opc_count)
            .map(|e| OpcTable {
                speed: u16::from_be_bytes([e[0], e[1]]),
                values: [e[2], e[3], e[4], e[5], e[6], e[7]],
            })
            .collect();
        Ok(DiscInformation {
            length,
            info_type: b2 >> 5,
            erasable: b2 & 0x10 != 0,
            last_session_state: match b2 >> 2 & 3 {
                0 => SessionState::Empty,
                1 => SessionState::Incomplete,
                2 => SessionState::Damaged,
                _ => SessionState::Complete,
            },
            disc_status: match b2 & 3 {
                0 => DiscStatus::Blank,
                1 => DiscStatus::Appendable,
                2 => DiscStatus::Complete,
                _ => DiscStatus::Other,
            },
            first_track: d[3],
            sessions: u16::from_be_bytes([d[9], d[4]]),
            first_track_last_session: u16::from_be_bytes([d[10], d[5]]),
            last_track_last_session: u16::from_be_bytes([d[11], d[6]]),
            did_valid: bit(d, 7, 7),
            dbc_valid: bit(d, 7, 6),
            uru: bit(d, 7, 5),
            dac_valid: bit(d, 7, 4),
            dbit: bit(d, 7, 2),
            bg_format_status: match d[7] & 3 {
                0 => BgFormatStatus::None,
                1 => BgFormatStatus::Stopped,
                2 => BgFormatStatus::Running,
                _ => BgFormatStatus::Complete,
            },
            disc_type: d[8],
            disc_id: be32(d, 12),
            last_session_lead_in: addr(16),
            last_possible_lead_out: addr(20),
            disc_bar_code: d.get(24..32).map(|s| {
                let mut b = [0u8; 8];
                b.copy_from_slice(s);
                b
            }),
            disc_application_code: d.get(32).copied(),
            opc_tables,
        })
    }

    /// Bytes 0–1 Disc Information Length + 2.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadDiscInformation {
            alloc: alloc16(len),
        }
    }
}

// ---------------------------------------------------------------------------
// READ TRACK INFORMATION

/// The Logical Block Address/Track/Session Number field of READ TRACK
/// INFORMATION with its Address/Number Type (byte 1 bits 1–0), MMC-5 §6.27.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackAddress {
    /// 00b: the track containing this LBA.
    Lba(u32),
    /// 01b: logical track number (FFh = the invisible/incomplete track on
    /// CD and DVD+R).
    Track(u32),
    /// 10b: the first track of this session.
    Session(u32),
}

/// READ TRACK INFORMATION (52h), MMC-5 §6.27 (MMC-6 §6.26): byte 1 bit 2
/// Open, bits 1–0 address/number type; bytes 2–5 LBA/track/session number;
/// bytes 7–8 allocation length (48 returns every field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadTrackInformation {
    pub address: TrackAddress,
    /// Open: with type 01b, report the first open track at or after the
    /// given number.
    pub open: bool,
    pub alloc: u16,
}

impl ReadTrackInformation {
    /// All fields up to the last layer jump address.
    pub const FULL_LEN: u16 = 48;
    /// The invisible/incomplete track number (CD, DVD+R).
    pub const INVISIBLE_TRACK: u32 = 0xFF;

    /// Logical track `n` (address type 01b).
    pub fn track(n: u32) -> Self {
        ReadTrackInformation {
            address: TrackAddress::Track(n),
            open: false,
            alloc: Self::FULL_LEN,
        }
    }

    /// Track FFh: the invisible track of CD and DVD+R (`mmc-recipes.md` §3.4).
    pub fn invisible() -> Self {
        Self::track(Self::INVISIBLE_TRACK)
    }

    /// The track containing `lba` (address type 00b).
    pub fn lba(lba: u32) -> Self {
        ReadTrackInformation {
            address: TrackAddress::Lba(lba),
            ..Self::track(0)
        }
    }

    /// The first track of session `n` (address type 10b).
    pub fn session(n: u32) -> Self {
        ReadTrackInformation {
            address: TrackAddress::Session(n),
            ..Self::track(0)
        }
    }
}

impl Command for ReadTrackInformation {
    const NAME: &'static str = "READ TRACK INFORMATION";

    fn cdb(&self) -> Cdb {
        let (ty, n) = match self.address {
            TrackAddress::Lba(v) => (0u8, v),
            TrackAddress::Track(v) => (1, v),
            TrackAddress::Session(v) => (2, v),
        };
        let [a, b, c, d] = n.to_be_bytes();
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0x52, (self.open as u8) << 2 | ty, a, b, c, d, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Track information, MMC-5 §6.27.3 (MMC-6 §6.26.3); field list in
/// `mmc-recipes.md` §12.3. The first 28 bytes (through the track size,
/// MMC-1's layout) are required; later fields are `None` when not returned.
/// Addresses are two's complement LBAs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackInformation {
    /// Data Length (bytes 0–1): bytes that follow byte 1.
    pub length: u16,
    /// Logical Track Number (byte 2 LSB + byte 32 MSB when returned).
    pub track_number: u16,
    /// Session Number (byte 3 LSB + byte 33 MSB when returned).
    pub session_number: u16,
    /// Layer jump recording status (byte 5 bits 7–6).
    pub ljrs: u8,
    /// Damage (byte 5 bit 5).
    pub damage: bool,
    /// Copy (byte 5 bit 4).
    pub copy: bool,
    /// Track Mode (byte 5 bits 3–0): CD control nibble, 5 on DVD.
    pub track_mode: u8,
    /// RT, reserved track (byte 6 bit 7).
    pub reserved: bool,
    /// Blank (byte 6 bit 6).
    pub blank: bool,
    /// Packet/Inc (byte 6 bit 5).
    pub packet: bool,
    /// FP, fixed packets (byte 6 bit 4).
    pub fixed_packet: bool,
    /// Data Mode (byte 6 bits 3–0).
    pub data_mode: u8,
    /// LRA_V (byte 7 bit 1).
    pub lra_valid: bool,
    /// NWA_V (byte 7 bit 0).
    pub nwa_valid: bool,
    /// Logical Track Start Address (bytes 8–11).
    pub start: i32,
    /// Next Writable Address (bytes 12–15), meaningful only with NWA_V; see
    /// [`TrackInformation::nwa`].
    pub next_writable: i32,
    /// Free Blocks (bytes 16–19).
    pub free_blocks: u32,
    /// Fixed Packet Size / Blocking Factor (bytes 20–23).
    pub packet_size: u32,
    /// Logical Track Size (bytes 24–27).
    pub size: u32,
    /// Last Recorded Address (bytes 28–31), meaningful only with LRA_V.
    pub last_recorded: Option<i32>,
    /// Read Compatibility LBA (bytes 36–39).
    pub read_compatibility_lba: Option<i32>,
    /// Next Layer Jump Address (bytes 40–43).
    pub next_layer_jump: Option<i32>,
    /// Last Layer Jump Address (bytes 44–47).
    pub last_layer_jump: Option<i32>,
}

impl TrackInformation {
    /// The next writable address when NWA_V is set.
    pub fn nwa(&self) -> Option<i32> {
        self.nwa_valid.then_some(self.next_writable)
    }

    /// The last recorded address when LRA_V is set and it was returned.
    pub fn lra(&self) -> Option<i32> {
        if self.lra_valid {
            self.last_recorded
        } else {
            None
        }
    }

    /// First LBA after the track: start + size.
    pub fn end(&self) -> i64 {
        self.start as i64 + self.size as i64
    }
}

impl Query for ReadTrackInformation {
    type Reply = TrackInformation;

    fn parse(&self, data: &[u8]) -> Result<TrackInformation, ParseError> {
        const MIN: usize = 28;
        need(data, MIN)?;
        let length = be16(data, 0).unwrap_or(0);
        let d = bounded(data, length as usize + 2);
        need(d, MIN)?;
        let lba = |off| be32(d, off).map(|v| v as i32);
        Ok(TrackInformation {
            length,
            track_number: u16::from_be_bytes([byte(d, 32), d[2]]),
            session_number: u16::from_be_bytes([byte(d, 33), d[3]]),
            ljrs: d[5] >> 6,
            damage: d[5] & 0x20 != 0,
            copy: d[5] & 0x10 != 0,
            track_mode: d[5] & 0x0F,
            reserved: d[6] & 0x80 != 0,
            blank: d[6] & 0x40 != 0,
            packet: d[6] & 0x20 != 0,
            fixed_packet: d[6] & 0x10 != 0,
            data_mode: d[6] & 0x0F,
            lra_valid: d[7] & 0x02 != 0,
            nwa_valid: d[7] & 0x01 != 0,
            start: lba(8).unwrap_or(0),
            next_writable: lba(12).unwrap_or(0),
            free_blocks: be32(d, 16).unwrap_or(0),
            packet_size: be32(d, 20).unwrap_or(0),
            size: be32(d, 24).unwrap_or(0),
            last_recorded: lba(28),
            read_compatibility_lba: lba(36),
            next_layer_jump: lba(40),
            last_layer_jump: lba(44),
        })
    }

    /// Bytes 0–1 Data Length + 2.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadTrackInformation {
            alloc: alloc16(len),
            ..*self
        }
    }
}

// ---------------------------------------------------------------------------
// READ CAPACITY

/// READ CAPACITY (25h), MMC-5 §6.19: 10-byte CDB, fixed 8-byte reply. Not
/// the NWA and not the free space (`mmc-recipes.md` §3.4 caveat).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ReadCapacity;

impl Command for ReadCapacity {
    const NAME: &'static str = "READ CAPACITY";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(8)
    }
}

/// READ CAPACITY data, MMC-5 §6.19: bytes 0–3 last logical block address,
/// bytes 4–7 block length in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capacity {
    pub last_lba: u32,
    pub block_len: u32,
}

impl Capacity {
    /// Number of readable blocks: last LBA + 1.
    pub fn blocks(&self) -> u64 {
        self.last_lba as u64 + 1
    }
}

impl Query for ReadCapacity {
    type Reply = Capacity;

    fn parse(&self, data: &[u8]) -> Result<Capacity, ParseError> {
        need(data, 8)?;
        Ok(Capacity {
            last_lba: be32(data, 0).unwrap_or(0),
            block_len: be32(data, 4).unwrap_or(0),
        })
    }

    fn with_alloc_len(&self, _len: usize) -> Self {
        ReadCapacity
    }
}

// ---------------------------------------------------------------------------
// READ BUFFER CAPACITY

/// READ BUFFER CAPACITY (5Ch), MMC-5 §6.18, with Block = 0 (byte 1 bit 0):
/// bytes 7–8 allocation length (12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadBufferCapacity {
    pub alloc: u16,
}

impl ReadBufferCapacity {
    pub fn new() -> Self {
        ReadBufferCapacity { alloc: 12 }
    }
}

impl Default for ReadBufferCapacity {
    fn default() -> Self {
        ReadBufferCapacity::new()
    }
}

impl Command for ReadBufferCapacity {
    const NAME: &'static str = "READ BUFFER CAPACITY";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0x5C, 0, 0, 0, 0, 0, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Buffer capacity in bytes (Block = 0), MMC-5 §6.18: bytes 0–1 data
/// length, bytes 4–7 length of buffer, bytes 8–11 blank (free) length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferCapacity {
    pub buffer_len: u32,
    pub free: u32,
}

impl BufferCapacity {
    /// Filled fraction 0.0 ..= 1.0 (0 for a zero-sized buffer).
    pub fn fill(&self) -> f64 {
        if self.buffer_len == 0 {
            0.0
        } else {
            1.0 - (self.free.min(self.buffer_len) as f64 / self.buffer_len as f64)
        }
    }
}

impl Query for ReadBufferCapacity {
    type Reply = BufferCapacity;

    fn parse(&self, data: &[u8]) -> Result<BufferCapacity, ParseError> {
        need(data, 12)?;
        Ok(BufferCapacity {
            buffer_len: be32(data, 4).unwrap_or(0),
            free: be32(data, 8).unwrap_or(0),
        })
    }

    /// Bytes 0–1 data length + 2.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadBufferCapacity {
            alloc: alloc16(len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_disc_information_cdb_mmc5_6_22() {
        // MMC-5 §6.22 (MMC-6 §6.21): data type 000b, alloc 34 = 0022h.
        let c = ReadDiscInformation::new();
        assert_eq!(c.cdb().as_bytes(), &[0x51, 0, 0, 0, 0, 0, 0, 0, 0x22, 0]);
        assert_eq!(c.data(), DataSpec::In(34));
        assert_eq!(c.with_alloc_len(290).cdb().as_bytes()[7..9], [0x01, 0x22]);
    }

    /// tgt's blank DVD+R (`peers-and-oracles.md` §4.1): status 00b (empty),
    /// one session, last possible lead-out 230540h.
    fn tgt_blank_dvd_plus_r() -> [u8; 34] {
        let mut b = [0u8; 34];
        b[1] = 0x20; // length 32
        b[2] = 0x00; // empty session, blank disc
        b[3] = 1; // first track
        b[4] = 1; // sessions
        b[5] = 1; // first track in last session
        b[6] = 1; // last track in last session
        b[16..20].copy_from_slice(&0x0023_0540u32.to_be_bytes()); // lead-in = lead-out
        b[20..24].copy_from_slice(&0x0023_0540u32.to_be_bytes());
        b
    }

    #[test]
    fn disc_information_tgt_dvd_plus_r_mmc5_6_22_3_1() {
        // MMC-5 §6.22.3.1 (MMC-6 §6.21.3.1) table "Disc Information Block".
        let raw = tgt_blank_dvd_plus_r();
        let q = ReadDiscInformation::new();
        assert_eq!(q.available_len(&raw), Some(34));
        assert_eq!(q.larger_alloc_len(&raw), None);
        let d = q.parse(&raw).unwrap();
        assert_eq!(d.disc_status, DiscStatus::Blank);
        assert_eq!(d.last_session_state, SessionState::Empty);
        assert!(!d.erasable);
        assert_eq!(d.sessions, 1);
        assert_eq!(d.complete_sessions(), 0);
        assert_eq!(d.first_track, 1);
        assert_eq!(d.last_track_last_session, 1);
        assert_eq!(d.bg_format_status, BgFormatStatus::None);
        assert_eq!(d.last_possible_lead_out, Some(DiscAddress(0x230540)));
        assert_eq!(d.last_possible_lead_out_lba(false), Some(2_295_104));
        assert_eq!(d.disc_application_code, Some(0));
        assert!(d.opc_tables.is_empty());
    }

    #[test]
    fn disc_information_all_fields_and_16_bit_counts() {
        let mut b = vec![0u8; 34 + 16];
        b[0..2].copy_from_slice(&48u16.to_be_bytes());
        b[2] = 0x15; // erasable, incomplete session (01b), appendable (01b)
        b[3] = 1;
        b[4] = 0x2C; // sessions LSB
        b[5] = 0x2C;
        b[6] = 0x2D;
        b[7] = 0xF6; // DID_V DBC_V URU DAC_V Dbit, BG 10b
        b[8] = 0x20; // CD-ROM XA
        b[9] = 0x01; // sessions MSB → 012Ch = 300
        b[10] = 0x01;
        b[11] = 0x01;
        b[12..16].copy_from_slice(&0xDEADBEEFu32.to_be_bytes());
        b[16..20].copy_from_slice(&[0x00, 0x61, 0x1A, 0x42]); // 97:26:66
        b[20..24].copy_from_slice(&[0x00, 0x4F, 0x3B, 0x4A]); // 79:59:74
        b[24..32].copy_from_slice(b"BARCODE!");
        b[32] = 0x40;
        b[33] = 2;
        b[34..42].copy_from_slice(&[0x1B, 0x90, 1, 2, 3, 4, 5, 6]);
        b[42..50].copy_from_slice(&[0x37, 0x20, 7, 8, 9, 10, 11, 12]);
        let d = ReadDiscInformation::new().parse(&b).unwrap();
        assert!(d.erasable);
        assert_eq!(d.last_session_state, SessionState::Incomplete);
        assert_eq!(d.disc_status, DiscStatus::Appendable);
        assert_eq!(d.sessions, 300);
        assert_eq!(d.complete_sessions(), 299);
        assert_eq!(d.first_track_last_session, 300);
        assert_eq!(d.last_track_last_session, 301);
        assert!(d.did_valid && d.dbc_valid && d.uru && d.dac_valid && d.dbit);
        assert_eq!(d.bg_format_status, BgFormatStatus::Running);
        assert_eq!(d.disc_type, 0x20);
        assert_eq!(d.disc_id, Some(0xDEADBEEF));
        // CD: MSF in bytes 1–3 (recipes §12.2), lead-in 97:26:66 = −11634.
        assert_eq!(d.last_session_lead_in_lba(true), Some(-11634));
        assert_eq!(
            d.last_possible_lead_out.unwrap().as_msf(),
            Msf::new(79, 59, 74)
        );
        assert_eq!(d.last_possible_lead_out_lba(true), Some(359_849));
        assert_eq!(d.disc_bar_code, Some(*b"BARCODE!"));
        assert_eq!(d.disc_application_code, Some(0x40));
        assert_eq!(
            d.opc_tables,
            [
                OpcTable {
                    speed: 7056,
                    values: [1, 2, 3, 4, 5, 6]
                },
                OpcTable {
                    speed: 14112,
                    values: [7, 8, 9, 10, 11, 12]
                }
            ]
        );
        // A finalized CD reports FFFFFFFFh: no lead-out LBA.
        assert_eq!(DiscAddress(u32::MAX).lba(true), None);
    }

    #[test]
    fn disc_information_short_replies() {
        let raw = tgt_blank_dvd_plus_r();
        let q = ReadDiscInformation::new();
        // 24 bytes: lead-out present, bar code and later absent.
        let d = q.parse(&raw[..24]).unwrap();
        assert_eq!(d.last_possible_lead_out_lba(false), Some(0x230540));
        assert_eq!(d.disc_bar_code, None);
        assert_eq!(d.disc_application_code, None);
        // 20 bytes: lead-out absent.
        assert_eq!(q.parse(&raw[..20]).unwrap().last_possible_lead_out, None);
        assert_eq!(
            q.parse(&raw[..11]),
            Err(ParseError::Short { need: 12, got: 11 })
        );
        // Length field 10 (12 bytes): everything beyond is ignored.
        let mut r = raw;
        r[1] = 10;
        let d = q.parse(&r).unwrap();
        assert_eq!(d.disc_id, None);
        assert_eq!(d.last_possible_lead_out, None);
        // Length field smaller than the required part.
        r[1] = 4;
        assert_eq!(q.parse(&r), Err(ParseError::Short { need: 12, got: 6 }));
    }

    #[test]
    fn read_track_information_cdb_mmc5_6_27() {
        // MMC-5 §6.27 (MMC-6 §6.26): type 01b, track FFh, alloc 48.
        assert_eq!(
            ReadTrackInformation::invisible().cdb().as_bytes(),
            &[0x52, 0x01, 0, 0, 0, 0xFF, 0, 0, 0x30, 0]
        );
        assert_eq!(
            ReadTrackInformation::lba(0x12345678).cdb().as_bytes(),
            &[0x52, 0x00, 0x12, 0x34, 0x56, 0x78, 0, 0, 0x30, 0]
        );
        assert_eq!(
            ReadTrackInformation::session(2).cdb().as_bytes(),
            &[0x52, 0x02, 0, 0, 0, 2, 0, 0, 0x30, 0]
        );
        let open = ReadTrackInformation {
            open: true,
            ..ReadTrackInformation::track(1)
        };
        assert_eq!(
            open.with_alloc_len(36).cdb().as_bytes(),
            &[0x52, 0x05, 0, 0, 0, 1, 0, 0, 0x24, 0]
        );
    }

    /// tgt on a blank DVD+R, track FFh (`peers-and-oracles.md` §4.1):
    /// NWA_V = 1, NWA 0, free = size = 230540h, blocking factor 16.
    fn tgt_track_ff() -> [u8; 36] {
        let mut b = [0u8; 36];
        b[1] = 34;
        b[2] = 1; // track 1
        b[3] = 1; // session 1
        b[5] = 0x05; // track mode 5 (DVD)
        b[6] = 0x41; // Blank, data mode 1
        b[7] = 0x01; // NWA_V
        b[16..20].copy_from_slice(&0x0023_0540u32.to_be_bytes());
        b[20..24].copy_from_slice(&16u32.to_be_bytes());
        b[24..28].copy_from_slice(&0x0023_0540u32.to_be_bytes());
        b
    }

    #[test]
    fn track_information_tgt_mmc5_6_27_3() {
        // MMC-5 §6.27.3 (MMC-6 §6.26.3) "Track Information Block".
        let raw = tgt_track_ff();
        let q = ReadTrackInformation::invisible();
        assert_eq!(q.available_len(&raw), Some(36));
        let t = q.parse(&raw).unwrap();
        assert_eq!(t.track_number, 1);
        assert_eq!(t.session_number, 1);
        assert_eq!(t.track_mode, 5);
        assert!(t.blank && !t.damage && !t.reserved && !t.packet && !t.fixed_packet);
        assert_eq!(t.data_mode, 1);
        assert_eq!(t.nwa(), Some(0));
        assert_eq!(t.free_blocks, 0x230540);
        assert_eq!(t.packet_size, 16);
        assert_eq!(t.size, 0x230540);
        assert_eq!(t.end(), 0x230540);
        assert_eq!(t.last_recorded, Some(0));
        assert_eq!(t.lra(), None);
        assert_eq!(t.read_compatibility_lba, None); // only 36 bytes returned
        assert_eq!(t.next_layer_jump, None);
    }

    #[test]
    fn track_information_48_bytes_and_msbs() {
        let mut b = [0u8; 48];
        b[1] = 46;
        b[2] = 0x2C; // track LSB
        b[3] = 0x2B; // session LSB
        b[5] = 0xB4; // LJRS 10b, Damage, Copy, mode 4
        b[6] = 0xBF; // RT, Packet, FP, data mode 0Fh
        b[7] = 0x02; // LRA_V, no NWA_V
        b[8..12].copy_from_slice(&(-150i32).to_be_bytes());
        b[12..16].copy_from_slice(&(-150i32).to_be_bytes());
        b[28..32].copy_from_slice(&1234u32.to_be_bytes());
        b[32] = 0x01; // track MSB → 012Ch
        b[33] = 0x01; // session MSB → 012Bh
        b[36..40].copy_from_slice(&7u32.to_be_bytes());
        b[40..44].copy_from_slice(&8u32.to_be_bytes());
        b[44..48].copy_from_slice(&9u32.to_be_bytes());
        let t = ReadTrackInformation::track(300).parse(&b).unwrap();
        assert_eq!(t.track_number, 300);
        assert_eq!(t.session_number, 299);
        assert_eq!(t.ljrs, 2);
        assert!(t.damage && t.copy);
        assert_eq!(t.track_mode, 4);
        assert!(t.reserved && !t.blank && t.packet && t.fixed_packet);
        assert_eq!(t.data_mode, 0x0F);
        assert_eq!(t.start, -150); // some drives report −150 (recipes §3.4)
        assert_eq!(t.nwa(), None);
        assert_eq!(t.lra(), Some(1234));
        assert_eq!(t.read_compatibility_lba, Some(7));
        assert_eq!(t.next_layer_jump, Some(8));
        assert_eq!(t.last_layer_jump, Some(9));
    }

    #[test]
    fn track_information_short_replies() {
        let raw = tgt_track_ff();
        let q = ReadTrackInformation::invisible();
        // 28 bytes (MMC-1 size): no LRA, no MSBs.
        let t = q.parse(&raw[..28]).unwrap();
        assert_eq!(t.last_recorded, None);
        assert_eq!(t.nwa(), Some(0));
        assert_eq!(
            q.parse(&raw[..27]),
            Err(ParseError::Short { need: 28, got: 27 })
        );
        let mut r = raw;
        r[1] = 20; // length says 22 bytes
        assert_eq!(q.parse(&r), Err(ParseError::Short { need: 28, got: 22 }));
    }

    #[test]
    fn read_capacity_mmc5_6_19() {
        // MMC-5 §6.19: 10-byte CDB, reply last LBA (0–3) and block length (4–7).
        assert_eq!(
            ReadCapacity.cdb().as_bytes(),
            &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(ReadCapacity.data(), DataSpec::In(8));
        // tgt after close: last LBA = file size − 1, block 2048.
        let c = ReadCapacity
            .parse(&[0x00, 0x00, 0x03, 0xE7, 0x00, 0x00, 0x08, 0x00])
            .unwrap();
        assert_eq!(c.last_lba, 999);
        assert_eq!(c.block_len, 2048);
        assert_eq!(c.blocks(), 1000);
        assert_eq!(
            Capacity {
                last_lba: u32::MAX,
                block_len: 2048
            }
            .blocks(),
            1 << 32
        );
        assert_eq!(
            ReadCapacity.parse(&[0; 7]),
            Err(ParseError::Short { need: 8, got: 7 })
        );
        assert_eq!(ReadCapacity.with_alloc_len(100).alloc_len(), 8);
    }

    #[test]
    fn read_buffer_capacity_mmc5_6_18() {
        // MMC-5 §6.18: Block = 0, alloc 12 (recipes §6.5).
        let q = ReadBufferCapacity::new();
        assert_eq!(q.cdb().as_bytes(), &[0x5C, 0, 0, 0, 0, 0, 0, 0, 0x0C, 0]);
        // 2 MiB buffer, 512 KiB free.
        let raw = [
            0x00, 0x0A, 0, 0, 0x00, 0x20, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
        ];
        assert_eq!(q.available_len(&raw), Some(12));
        let b = q.parse(&raw).unwrap();
        assert_eq!(b.buffer_len, 2 << 20);
        assert_eq!(b.free, 512 << 10);
        assert!((b.fill() - 0.75).abs() < 1e-9);
        assert_eq!(
            q.parse(&raw[..11]),
            Err(ParseError::Short { need: 12, got: 11 })
        );
    }
}
