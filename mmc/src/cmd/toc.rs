//! READ TOC/PMA/ATIP (43h), formats 0000b (formatted TOC), 0001b
//! (multi-session information) and 0010b (raw TOC), MMC-5 §6.26 (MMC-6
//! §6.25). One command struct per format, each with its own reply type.

use super::{Cdb, Command, DataSpec, Msf, ParseError, Query, alloc16, be16, bounded, need};

/// CDB of READ TOC/PMA/ATIP: byte 1 bit 1 MSF, byte 2 bits 3–0 format,
/// byte 6 track/session number, bytes 7–8 allocation length.
fn toc_cdb(msf: bool, format: u8, number: u8, alloc: u16) -> Cdb {
    let [hi, lo] = alloc.to_be_bytes();
    Cdb::new(&[
        0x43,
        (msf as u8) << 1,
        format & 0x0F,
        0,
        0,
        0,
        number,
        hi,
        lo,
        0,
    ])
}

/// A track start address of the formatted TOC or the multi-session info
/// (MMC-5 §6.26.3.2, §6.26.3.3): an LBA, or 00 M S F when the MSF bit was
/// set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TocAddress {
    Lba(i32),
    Msf(Msf),
}

impl TocAddress {
    fn decode(b: &[u8], msf: bool) -> TocAddress {
        if msf {
            TocAddress::Msf(Msf::new(
                b.get(1).copied().unwrap_or(0),
                b.get(2).copied().unwrap_or(0),
                b.get(3).copied().unwrap_or(0),
            ))
        } else {
            TocAddress::Lba(super::be32(b, 0).unwrap_or(0) as i32)
        }
    }

    /// The address as an LBA (MSF converted).
    pub fn lba(self) -> i32 {
        match self {
            TocAddress::Lba(l) => l,
            TocAddress::Msf(m) => m.to_lba(),
        }
    }
}

// ---------------------------------------------------------------------------
// Format 0000b

/// READ TOC/PMA/ATIP format 0000b, formatted TOC (MMC-5 §6.26): the
/// track descriptors from `track` on, then the lead-out (AAh).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadToc {
    /// Addresses as MSF instead of LBA.
    pub msf: bool,
    /// Starting track number (0 or 1 = all tracks).
    pub track: u8,
    pub alloc: u16,
}

impl ReadToc {
    /// Room for 99 tracks plus lead-out: 4 + 100 × 8.
    pub const FULL_LEN: u16 = 804;

    /// All tracks with LBA addresses.
    pub fn new() -> Self {
        ReadToc {
            msf: false,
            track: 0,
            alloc: Self::FULL_LEN,
        }
    }
}

impl Default for ReadToc {
    fn default() -> Self {
        ReadToc::new()
    }
}

impl Command for ReadToc {
    const NAME: &'static str = "READ TOC/PMA/ATIP";

    fn cdb(&self) -> Cdb {
        toc_cdb(self.msf, 0, self.track, self.alloc)
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Formatted TOC, MMC-5 §6.26.3.2: bytes 0–1 TOC Data Length, byte 2 First
/// Track, byte 3 Last Track; 8-byte track descriptors from byte 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormattedToc {
    pub first_track: u8,
    pub last_track: u8,
    pub entries: Vec<TocEntry>,
}

/// One track descriptor of the formatted TOC (MMC-5 §6.26.3.2): byte 1 ADR (bits 7–4) / CONTROL (bits 3–0), byte 2
/// track number (AAh = lead-out), bytes 4–7 track start address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TocEntry {
    pub adr: u8,
    /// CONTROL nibble: bit 2 = data track.
    pub control: u8,
    pub track: u8,
    pub start: TocAddress,
}

impl TocEntry {
    /// Track number of the lead-out descriptor.
    pub const LEAD_OUT: u8 = 0xAA;

    /// CONTROL bit 2: data track.
    pub fn is_data(&self) -> bool {
        self.control & 0x04 != 0
    }
}

impl FormattedToc {
    /// The lead-out descriptor (track AAh).
    pub fn lead_out(&self) -> Option<&TocEntry> {
        self.entries.iter().find(|e| e.track == TocEntry::LEAD_OUT)
    }
}

impl Query for ReadToc {
    type Reply = FormattedToc;

    /// Needs the 4-byte header; only complete descriptors are returned.
    fn parse(&self, data: &[u8]) -> Result<FormattedToc, ParseError> {
        need(data, 4)?;
        let d = bounded(data, be16(data, 0).unwrap_or(0) as usize + 2);
        need(d, 4)?;
        let entries = d[4..]
            .chunks_exact(8)
            .map(|e| TocEntry {
                adr: e[1] >> 4,
                control: e[1] & 0x0F,
                track: e[2],
                start: TocAddress::decode(&e[4..8], self.msf),
            })
            .collect();
        Ok(FormattedToc {
            first_track: d[2],
            last_track: d[3],
            entries,
        })
    }

    /// Bytes 0–1 TOC Data Length + 2.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadToc {
            alloc: alloc16(len),
            ..*self
        }
    }
}

// ---------------------------------------------------------------------------
// Format 0001b

/// READ TOC/PMA/ATIP format 0001b, multi-session information (MMC-5
/// §6.26): fixed 12-byte reply. Defined for CD; drives vary on DVD/BD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadMultiSessionInfo {
    pub msf: bool,
    pub alloc: u16,
}

impl ReadMultiSessionInfo {
    pub fn new() -> Self {
        ReadMultiSessionInfo {
            msf: false,
            alloc: 12,
        }
    }
}

impl Default for ReadMultiSessionInfo {
    fn default() -> Self {
        ReadMultiSessionInfo::new()
    }
}

impl Command for ReadMultiSessionInfo {
    const NAME: &'static str = "READ TOC/PMA/ATIP";

    fn cdb(&self) -> Cdb {
        toc_cdb(self.msf, 1, 0, self.alloc)
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Multi-session information, MMC-5 §6.26.3.3: bytes 0–1 length (000Ah),
/// byte 2 First Complete Session, byte 3 Last Complete Session; byte 5
/// ADR/CONTROL, byte 6 first track number in the last complete session,
/// bytes 8–11 its start address (msc1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MultiSessionInfo {
    pub first_session: u8,
    pub last_session: u8,
    pub adr: u8,
    pub control: u8,
    pub first_track_last_session: u8,
    pub start: TocAddress,
}

impl Query for ReadMultiSessionInfo {
    type Reply = MultiSessionInfo;

    fn parse(&self, data: &[u8]) -> Result<MultiSessionInfo, ParseError> {
        need(data, 12)?;
        let d = bounded(data, be16(data, 0).unwrap_or(0) as usize + 2);
        need(d, 12)?;
        Ok(MultiSessionInfo {
            first_session: d[2],
            last_session: d[3],
            adr: d[5] >> 4,
            control: d[5] & 0x0F,
            first_track_last_session: d[6],
            start: TocAddress::decode(&d[8..12], self.msf),
        })
    }

    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadMultiSessionInfo {
            alloc: alloc16(len),
            ..*self
        }
    }
}

// ---------------------------------------------------------------------------
// Format 0010b

/// READ TOC/PMA/ATIP format 0010b, raw TOC (MMC-5 §6.26), MSF = 1 as
/// the recipes send it: `43 02 02 00 00 00 01 LL LL 00` (`mmc-recipes.md`
/// §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadRawToc {
    /// First session number to report (1 = all).
    pub session: u8,
    pub alloc: u16,
}

impl ReadRawToc {
    /// All sessions; header-sized allocation (ask again with
    /// [`Query::available_len`]).
    pub fn new() -> Self {
        ReadRawToc {
            session: 1,
            alloc: 4,
        }
    }
}

impl Default for ReadRawToc {
    fn default() -> Self {
        ReadRawToc::new()
    }
}

impl Command for ReadRawToc {
    const NAME: &'static str = "READ TOC/PMA/ATIP";

    fn cdb(&self) -> Cdb {
        toc_cdb(true, 2, self.session, self.alloc)
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Raw TOC, MMC-5 §6.26.3.4 (table 489): 4-byte header (length, first and
/// last complete session), 11-byte descriptors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawToc {
    pub first_session: u8,
    pub last_session: u8,
    pub entries: Vec<RawTocEntry>,
}

/// One raw TOC descriptor (MMC-5 §6.26.3.4, table 489): 0 session, 1 ADR/CONTROL, 2 TNO, 3 POINT, 4–6
/// MIN/SEC/FRAME, 7 ZERO, 8–10 PMIN/PSEC/PFRAME.
///
/// POINT 01h–63h: track start at PMSF; A0h: PMIN = first track of the
/// session; A1h: PMIN = last track; A2h: lead-out start at PMSF; B0h (ADR 5):
/// MSF = next possible program area (FF:FF:FF when finalized), PMSF = last
/// possible lead-out (`mmc-recipes.md` §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawTocEntry {
    pub session: u8,
    pub adr: u8,
    pub control: u8,
    pub tno: u8,
    pub point: u8,
    pub msf: Msf,
    pub zero: u8,
    pub pmsf: Msf,
}

impl RawTocEntry {
    pub const POINT_FIRST_TRACK: u8 = 0xA0;
    pub const POINT_LAST_TRACK: u8 = 0xA1;
    pub const POINT_LEAD_OUT: u8 = 0xA2;
    pub const POINT_NEXT_PROGRAM_AREA: u8 = 0xB0;

    /// POINT designates a track (01h–63h).
    pub fn is_track(&self) -> bool {
        (0x01..=0x63).contains(&self.point) && self.adr == 1
    }
}

impl RawToc {
    /// Start LBA of `track` from its POINT descriptor (ADR 1).
    pub fn track_start(&self, track: u8) -> Option<i32> {
        self.entries
            .iter()
            .find(|e| e.is_track() && e.point == track)
            .map(|e| e.pmsf.to_lba())
    }

    /// First track number of `session` (POINT A0h PMIN).
    pub fn first_track_of_session(&self, session: u8) -> Option<u8> {
        self.entries
            .iter()
            .find(|e| {
                e.session == session && e.adr == 1 && e.point == RawTocEntry::POINT_FIRST_TRACK
            })
            .map(|e| e.pmsf.m)
    }

    /// Start LBA of the first track of `session`: msc1 when `session` is
    /// the last complete one (`mmc-recipes.md` §3.6).
    pub fn session_start(&self, session: u8) -> Option<i32> {
        self.track_start(self.first_track_of_session(session)?)
    }

    /// Lead-out LBA of `session` (POINT A2h).
    pub fn session_lead_out(&self, session: u8) -> Option<i32> {
        self.entries
            .iter()
            .find(|e| e.session == session && e.adr == 1 && e.point == RawTocEntry::POINT_LEAD_OUT)
            .map(|e| e.pmsf.to_lba())
    }

    /// Next possible program area start of `session` (POINT B0h, ADR 5);
    /// `None` when absent or FF:FF:FF (disc finalized).
    pub fn next_program_area(&self, session: u8) -> Option<i32> {
        self.entries
            .iter()
            .find(|e| {
                e.session == session
                    && e.adr == 5
                    && e.point == RawTocEntry::POINT_NEXT_PROGRAM_AREA
            })
            .filter(|e| e.msf != Msf::new(0xFF, 0xFF, 0xFF))
            .map(|e| e.msf.to_lba())
    }
}

impl Query for ReadRawToc {
    type Reply = RawToc;

    /// Needs the 4-byte header; descriptor count = (length − 2) / 11,
    /// limited to the complete descriptors returned.
    fn parse(&self, data: &[u8]) -> Result<RawToc, ParseError> {
        need(data, 4)?;
        let d = bounded(data, be16(data, 0).unwrap_or(0) as usize + 2);
        need(d, 4)?;
        let entries = d[4..]
            .chunks_exact(11)
            .map(|e| RawTocEntry {
                session: e[0],
                adr: e[1] >> 4,
                control: e[1] & 0x0F,
                tno: e[2],
                point: e[3],
                msf: Msf::new(e[4], e[5], e[6]),
                zero: e[7],
                pmsf: Msf::new(e[8], e[9], e[10]),
            })
            .collect();
        Ok(RawToc {
            first_session: d[2],
            last_session: d[3],
            entries,
        })
    }

    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadRawToc {
            alloc: alloc16(len),
            ..*self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdbs_mmc5_6_26() {
        // MMC-5 §6.26 (MMC-6 §6.25): byte 1 bit 1 MSF, byte 2 format,
        // byte 6 track/session, bytes 7–8 allocation length.
        assert_eq!(
            ReadToc::new().cdb().as_bytes(),
            &[0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0]
        );
        let msf = ReadToc {
            msf: true,
            track: 1,
            alloc: 12,
        };
        assert_eq!(msf.cdb().as_bytes(), &[0x43, 2, 0, 0, 0, 0, 1, 0, 12, 0]);
        assert_eq!(
            ReadMultiSessionInfo::new().cdb().as_bytes(),
            &[0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0]
        );
        // mmc-recipes.md §7.3: 43 02 02 00 00 00 01 LL LL 00.
        assert_eq!(
            ReadRawToc::new().with_alloc_len(0x0130).cdb().as_bytes(),
            &[0x43, 0x02, 0x02, 0, 0, 0, 0x01, 0x01, 0x30, 0]
        );
    }

    /// A closed single-session data disc of 1000 blocks as tgt reports it
    /// after CLOSE (`peers-and-oracles.md` §4.1: one track at 0 + lead-out),
    /// LBA form.
    #[test]
    fn formatted_toc_lba_mmc5_6_26_3_2() {
        let raw = [
            0x00, 0x12, 0x01, 0x01, // length 18, tracks 1..1
            0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, // track 1, data, LBA 0
            0x00, 0x14, 0xAA, 0x00, 0x00, 0x00, 0x03, 0xE8, // lead-out, LBA 1000
        ];
        let q = ReadToc::new();
        assert_eq!(q.available_len(&raw), Some(20));
        let t = q.parse(&raw).unwrap();
        assert_eq!((t.first_track, t.last_track), (1, 1));
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[0].adr, 1);
        assert!(t.entries[0].is_data());
        assert_eq!(t.entries[0].start, TocAddress::Lba(0));
        assert_eq!(t.lead_out().unwrap().start.lba(), 1000);
        // Cut in the lead-out descriptor: one complete entry.
        assert_eq!(q.parse(&raw[..15]).unwrap().entries.len(), 1);
        assert_eq!(
            q.parse(&raw[..3]),
            Err(ParseError::Short { need: 4, got: 3 })
        );
    }

    #[test]
    fn formatted_toc_msf() {
        let raw = [
            0x00, 0x12, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x14,
            0xAA, 0x00, 0x00, 0x00, 0x0F, 0x19,
        ];
        let q = ReadToc {
            msf: true,
            ..ReadToc::new()
        };
        let t = q.parse(&raw).unwrap();
        assert_eq!(t.entries[0].start, TocAddress::Msf(Msf::new(0, 2, 0)));
        assert_eq!(t.entries[0].start.lba(), 0);
        assert_eq!(t.lead_out().unwrap().start.lba(), 1000);
    }

    #[test]
    fn multisession_info_mmc5_6_26_3_3() {
        // Two sessions; the last complete one starts with track 2 at 18000.
        let raw = [
            0x00, 0x0A, 0x01, 0x02, 0x00, 0x14, 0x02, 0x00, 0x00, 0x00, 0x46, 0x50,
        ];
        let m = ReadMultiSessionInfo::new().parse(&raw).unwrap();
        assert_eq!((m.first_session, m.last_session), (1, 2));
        assert_eq!((m.adr, m.control), (1, 4));
        assert_eq!(m.first_track_last_session, 2);
        assert_eq!(m.start, TocAddress::Lba(18000));
        assert_eq!(
            ReadMultiSessionInfo::new().parse(&raw[..11]),
            Err(ParseError::Short { need: 12, got: 11 })
        );
    }

    /// A two-session CD: session 1 track 1 at 0, lead-out at 00:15:25 (LBA
    /// 1000), B0 next area 03:49:25 (LBA 17050); session 2 track 2 at 03:51:25.
    fn two_session_raw_toc() -> Vec<u8> {
        let d: [[u8; 11]; 8] = [
            [1, 0x14, 0, 0xA0, 0, 0, 0, 0, 1, 0x00, 0], // first track 1, disc type 00
            [1, 0x14, 0, 0xA1, 0, 0, 0, 0, 1, 0, 0],    // last track 1
            [1, 0x14, 0, 0xA2, 0, 0, 0, 0, 0, 15, 25],  // lead-out 00:15:25
            [1, 0x14, 0, 0x01, 0, 0, 0, 0, 0, 2, 0],    // track 1 at 00:02:00
            [1, 0x54, 0, 0xB0, 3, 49, 25, 2, 79, 59, 74], // next area, 2 pointers
            [2, 0x14, 0, 0xA0, 0, 0, 0, 0, 2, 0x00, 0],
            [2, 0x14, 0, 0xA2, 0, 0, 0, 0, 5, 0, 0],
            [2, 0x14, 0, 0x02, 0, 0, 0, 0, 3, 51, 25],
        ];
        let mut r = vec![0u8, (2 + 11 * d.len()) as u8, 1, 2];
        for e in d {
            r.extend_from_slice(&e);
        }
        r
    }

    #[test]
    fn raw_toc_mmc5_table_489() {
        let raw = two_session_raw_toc();
        let q = ReadRawToc::new();
        assert_eq!(q.available_len(&raw[..4]), Some(raw.len()));
        let t = q.with_alloc_len(raw.len()).parse(&raw).unwrap();
        assert_eq!((t.first_session, t.last_session), (1, 2));
        assert_eq!(t.entries.len(), 8);
        let b0 = t.entries[4];
        assert_eq!((b0.adr, b0.control, b0.point), (5, 4, 0xB0));
        assert_eq!(b0.zero, 2);
        assert_eq!(t.first_track_of_session(1), Some(1));
        assert_eq!(t.session_start(1), Some(0));
        assert_eq!(t.session_lead_out(1), Some(1000));
        assert_eq!(t.next_program_area(1), Some(17050));
        // msc1 of the last complete session (recipes §3.6).
        assert_eq!(t.first_track_of_session(2), Some(2));
        assert_eq!(t.session_start(2), Some(17200));
        assert_eq!(t.session_lead_out(2), Some(22350));
        assert_eq!(t.next_program_area(2), None);
        assert_eq!(t.track_start(3), None);
        // A cut descriptor is dropped.
        assert_eq!(q.parse(&raw[..4 + 11 * 3 + 5]).unwrap().entries.len(), 3);
    }

    #[test]
    fn raw_toc_finalized_b0() {
        let mut raw = vec![0u8, 13, 1, 1];
        raw.extend_from_slice(&[1, 0x54, 0, 0xB0, 0xFF, 0xFF, 0xFF, 0, 79, 59, 74]);
        let t = ReadRawToc::new().parse(&raw).unwrap();
        assert_eq!(t.next_program_area(1), None);
    }
}
