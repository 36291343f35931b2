//! Reply data of the emulated recorder, built from the medium state. Every
//! builder cites the table it lays out.

use super::disc::{BdRFormat, Disc, Mode, Seq, Track, TrackKind, WriteParams};
use super::media::{self, Media};
use crate::profile::{Family, Profile};

/// Page 05h length including its 2-byte header: page length 32h
/// (MMC-6 §7.5.4, table 644 (MMC-5 numbering)).
pub(crate) const PAGE05_LEN: usize = 0x32 + 2;

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// LBA → absolute CD time (MSF), LBA 0 = 00:02:00; negative LBAs (lead-in)
/// map to minutes ≥ 90 (cookbook: `LBA = (M·60 + S)·75 + F − 450150`).
pub(crate) fn msf(lba: i64) -> [u8; 3] {
    let mut f = lba + 150;
    if f < 0 {
        f += 450_000;
    }
    let f = f.clamp(0, 99 * 4500 + 59 * 75 + 74);
    [(f / 4500) as u8, ((f / 75) % 60) as u8, (f % 75) as u8]
}

/// The drive's default page 05h for a medium (MMC-6 §7.5.4): CD TAO Mode 1,
/// DVD-R/RW Incremental with 16-block fixed packets, BUFE on, multi-session
/// 00b, audio pause 150.
pub(crate) fn default_page05(m: Media) -> [u8; PAGE05_LEN] {
    let mut p = [0u8; PAGE05_LEN];
    p[0] = 0x05;
    p[1] = 0x32;
    match m.family() {
        Family::Cd => {
            p[2] = 0x40 | 0x01;
            p[3] = 0x04;
            p[4] = 8;
        }
        _ => {
            p[2] = 0x40 | 0x20;
            p[3] = 0x20 | 0x05;
            p[4] = 8;
            p[5] = 16;
            put32(&mut p, 10, 16);
        }
    }
    put16(&mut p, 14, 150);
    p
}

/// Decodes the fields of page 05h that writing depends on.
pub(crate) fn decode_page05(p: &[u8; PAGE05_LEN], selected: bool) -> WriteParams {
    WriteParams {
        selected,
        write_type: p[2] & 0x0F,
        test_write: p[2] & 0x10 != 0,
        multi: p[3] >> 6,
        fixed_packet: p[3] & 0x20 != 0,
        track_mode: p[3] & 0x0F,
        data_block_type: p[4] & 0x0F,
        session_format: p[8],
        packet_size: u32::from_be_bytes([p[10], p[11], p[12], p[13]]),
    }
}

/// Bits of page 05h a MODE SELECT may change (MODE SENSE PC = 01b).
pub(crate) fn changeable_page05() -> [u8; PAGE05_LEN] {
    let mut p = [0u8; PAGE05_LEN];
    p[0] = 0x05;
    p[1] = 0x32;
    p[2] = 0x7F;
    p[3] = 0xFF;
    p[4] = 0x0F;
    p[5] = 0xFF;
    p[7] = 0x3F;
    p[8] = 0xFF;
    p[10..16].fill(0xFF);
    p[16..48].fill(0xFF);
    p
}

/// Disc Status (READ DISC INFORMATION byte 2 bits 1–0, MMC-6 §6.21.3.1).
/// Overwritable media: DVD-RAM reports 11b "other" (libburn `mmc.c`); a
/// formatted DVD+RW, BD-RE or restricted-overwrite DVD-RW reports 10b
/// complete, an unformatted one 00b blank, and a DVD-RW in the intermediate
/// state 01b with an incomplete session.
pub(crate) fn disc_status(d: &Disc) -> u8 {
    match d.mode() {
        Mode::Rom => 2,
        Mode::Overwrite => match d.media {
            Media::DvdRam => 3,
            Media::DvdRw if d.ow.intermediate => 1,
            _ if d.ow_writable_size() == 0 => 0,
            _ => 2,
        },
        Mode::Sequential => {
            let s = &d.seq;
            if s.finalized {
                2
            } else if s.is_blank() {
                // A freshly formatted BD-R claims "appendable" with one empty
                // session (`mmc-recipes.md` §3.2, libburn `mmc.c`).
                if d.bdr != BdRFormat::None { 1 } else { 0 }
            } else {
                1
            }
        }
    }
}

/// State of Last Session (byte 2 bits 3–2): 00b empty, 01b incomplete,
/// 11b complete.
fn last_session_state(d: &Disc) -> u8 {
    match d.mode() {
        Mode::Rom => 3,
        Mode::Overwrite => match d.media {
            Media::DvdRw if d.ow.intermediate => 1,
            _ if d.ow_writable_size() == 0 => 0,
            _ => 3,
        },
        Mode::Sequential => {
            let s = &d.seq;
            if s.finalized {
                3
            } else if s.tracks.iter().any(|t| t.session == s.open_session()) {
                1
            } else {
                0
            }
        }
    }
}

/// READ DISC INFORMATION, data type 000b (MMC-6 §6.21.3.1, table 323 of
/// MMC-5 numbering): 34 bytes, no OPC tables.
pub(crate) fn disc_information(d: &Disc) -> Vec<u8> {
    let mut b = vec![0u8; 34];
    put16(&mut b, 0, 32);
    let status = disc_status(d);
    let erasable = u8::from(d.is_erasable());
    b[2] = (erasable << 4) | (last_session_state(d) << 2) | status;
    b[3] = 1;
    let (sessions, first_in_last, last_in_last) = match d.mode() {
        Mode::Sequential => {
            let s = &d.seq;
            let sessions = s.closed_sessions + u16::from(!s.finalized);
            let last_session = if s.finalized {
                s.closed_sessions
            } else {
                s.open_session()
            };
            let last = s.last_track_number().max(1);
            let first = s
                .tracks
                .iter()
                .position(|t| t.session == last_session)
                .map_or(last, |i| i as u16 + 1);
            (sessions.max(1), first, last)
        }
        _ => (1, 1, 1),
    };
    b[4] = sessions as u8;
    b[9] = (sessions >> 8) as u8;
    b[5] = first_in_last as u8;
    b[10] = (first_in_last >> 8) as u8;
    b[6] = last_in_last as u8;
    b[11] = (last_in_last >> 8) as u8;
    if d.media == Media::DvdPlusRw {
        b[7] = d.ow.bg.bits();
    }
    // URU: unrestricted use (not a consumer-only audio disc).
    b[7] |= 0x20;
    if d.family() == Family::Cd {
        b[8] = d.seq.disc_type;
    }
    let (lead_in, last_leadout): (Option<i64>, Option<i64>) = match d.mode() {
        Mode::Sequential if d.seq.finalized => (None, None),
        Mode::Sequential => {
            let nwa = d.seq.invisible_nwa();
            let lead_in = if d.family() == Family::Cd {
                // Lead-in of the next session: 4500 blocks of lead-in and the
                // 150-block pre-gap before its first track; on a blank disc
                // the ATIP lead-in start (typically −11635, cookbook SAO).
                Some(match nwa {
                    Some(n) if !d.seq.is_blank() => n as i64 - 150 - 4500,
                    _ => -11_635,
                })
            } else {
                nwa.map(i64::from).or(Some(0))
            };
            (lead_in, Some(d.seq.capacity as i64))
        }
        Mode::Overwrite => (Some(0), Some(d.user_area() as i64)),
        Mode::Rom => (None, None),
    };
    let addr = |b: &mut [u8], at: usize, v: Option<i64>| match v {
        None => put32(b, at, 0xFFFF_FFFF),
        Some(l) if d.family() == Family::Cd => {
            let m = msf(l);
            b[at] = 0;
            b[at + 1..at + 4].copy_from_slice(&m);
        }
        Some(l) => put32(b, at, l as u32),
    };
    // Complete disc: FFFFFFFFh, which on CD also reads as FF/FF/FF in the
    // MSF bytes 17–19 / 21–23.
    addr(&mut b, 16, lead_in);
    addr(&mut b, 20, last_leadout);
    b
}

/// One row of READ TRACK INFORMATION (MMC-6 §6.26.3, table 527 of MMC-5
/// numbering), before encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackRow {
    pub number: u16,
    pub session: u16,
    pub track_mode: u8,
    pub data_mode: u8,
    pub reserved: bool,
    pub blank: bool,
    pub packet: bool,
    pub fixed_packet: bool,
    pub nwa: Option<u32>,
    pub lra: Option<u32>,
    pub start: u32,
    pub free: u32,
    pub packet_size: u32,
    pub size: u32,
}

impl TrackRow {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        put16(&mut b, 0, 46);
        b[2] = self.number as u8;
        b[3] = self.session as u8;
        b[5] = self.track_mode & 0x0F;
        b[6] = (u8::from(self.reserved) << 7)
            | (u8::from(self.blank) << 6)
            | (u8::from(self.packet) << 5)
            | (u8::from(self.fixed_packet) << 4)
            | (self.data_mode & 0x0F);
        b[7] = (u8::from(self.lra.is_some()) << 1) | u8::from(self.nwa.is_some());
        put32(&mut b, 8, self.start);
        put32(&mut b, 12, self.nwa.unwrap_or(0));
        put32(&mut b, 16, self.free);
        put32(&mut b, 20, self.packet_size);
        put32(&mut b, 24, self.size);
        put32(&mut b, 28, self.lra.unwrap_or(0));
        b[32] = (self.number >> 8) as u8;
        b[33] = (self.session >> 8) as u8;
        b
    }
}

/// The tracks READ TRACK INFORMATION can address, the invisible one
/// included, in track number order.
pub(crate) fn track_rows(d: &Disc, wp: &WriteParams) -> Vec<TrackRow> {
    let cap = d.seq.capacity;
    let fixed = match d.media {
        Media::DvdPlusR | Media::DvdPlusRDl => 16,
        Media::BdR => 32,
        Media::DvdR | Media::DvdRw => 16,
        _ => 0,
    };
    match d.mode() {
        Mode::Sequential => {}
        _ => {
            let size = d.user_area();
            let formatted = size > 0;
            let nwa = match d.media {
                // Intermediate DVD-RW: sequential growth at the formatted end.
                Media::DvdRw if d.ow.intermediate => Some(d.ow.formatted),
                _ if formatted => Some(0),
                _ => None,
            };
            return vec![TrackRow {
                number: 1,
                session: 1,
                track_mode: 4,
                data_mode: 1,
                reserved: false,
                blank: !formatted,
                packet: true,
                fixed_packet: true,
                nwa,
                lra: None,
                start: 0,
                free: if d.mode() == Mode::Rom { 0 } else { size },
                packet_size: d.blocking(),
                size: if d.media == Media::DvdRw && d.ow.intermediate {
                    cap
                } else {
                    size
                },
            }];
        }
    }
    let s = &d.seq;
    let row = |i: usize, t: &Track| -> TrackRow {
        let nwa = t.nwa().filter(|&n| n < cap);
        let (free, size) = match t.reserved {
            Some(r) => (r - t.recorded.min(r), r),
            None if t.closed => (0, t.size()),
            // Incomplete open-ended track: runs to the end of the disc.
            None => (cap - (t.start + t.recorded).min(cap), cap - t.start),
        };
        let inc = t.kind == TrackKind::Incremental || t.kind == TrackKind::Fixed;
        TrackRow {
            number: i as u16 + 1,
            session: t.session,
            track_mode: t.control,
            data_mode: t.data_mode,
            reserved: t.reserved.is_some(),
            blank: t.recorded == 0,
            packet: inc,
            fixed_packet: inc && fixed > 0,
            nwa: nwa.filter(|_| !s.finalized),
            lra: (t.recorded > 0).then(|| t.start + t.recorded - 1),
            start: t.start,
            free: if s.finalized { 0 } else { free },
            packet_size: if inc { fixed } else { 0 },
            size,
        }
    };
    let mut rows: Vec<TrackRow> = s
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| row(i, t))
        .collect();
    if s.has_virtual_invisible() {
        let incremental = match d.media {
            Media::DvdR | Media::DvdRw => wp.write_type == 0,
            Media::DvdPlusR | Media::DvdPlusRDl | Media::BdR => true,
            _ => false,
        };
        let free = cap - s.next_start;
        rows.push(TrackRow {
            number: s.tracks.len() as u16 + 1,
            session: s.open_session(),
            track_mode: match d.family() {
                Family::Cd => wp.track_mode & 0x0F,
                _ if incremental
                    && fixed == 16
                    && matches!(d.media, Media::DvdR | Media::DvdRw) =>
                {
                    5
                }
                _ => 4,
            },
            data_mode: 0x0F,
            reserved: false,
            blank: true,
            packet: incremental,
            fixed_packet: incremental,
            nwa: Some(s.next_start),
            lra: None,
            start: s.next_start,
            free,
            packet_size: if incremental { fixed } else { 0 },
            size: free,
        });
    }
    rows
}

/// One feature descriptor (MMC-6 §5.2.2): code, version, persistent,
/// current, data (padded to a multiple of 4).
fn feature(
    out: &mut Vec<u8>,
    code: u16,
    version: u8,
    persistent: bool,
    current: bool,
    data: &[u8],
) {
    let len = data.len().div_ceil(4) * 4;
    out.extend_from_slice(&code.to_be_bytes());
    out.push((version << 2) | (u8::from(persistent) << 1) | u8::from(current));
    out.push(len as u8);
    out.extend_from_slice(data);
    out.resize(out.len() + (len - data.len()), 0);
}

/// The profiles this drive supports, highest first as drives list them
/// (MMC-6 §5.3.1).
pub(crate) const DRIVE_PROFILES: [Profile; 14] = [
    Profile::BD_RE,
    Profile::BD_R_SRM,
    Profile::BD_ROM,
    Profile::DVD_PLUS_R_DL,
    Profile::DVD_PLUS_R,
    Profile::DVD_PLUS_RW,
    Profile::DVD_RW_SEQ,
    Profile::DVD_RW_RO,
    Profile::DVD_RAM,
    Profile::DVD_R_SEQ,
    Profile::DVD_ROM,
    Profile::CD_RW,
    Profile::CD_R,
    Profile::CD_ROM,
];

/// All feature descriptors with their Current bits for the medium (MMC-6
/// §5.3), as (code, encoded descriptor).
pub(crate) fn features(d: &Disc, last_lba: u32) -> Vec<(u16, bool, Vec<u8>)> {
    let p = d.profile();
    let loaded = d.loaded;
    let m = d.media;
    let fam = d.family();
    let cd = loaded && fam == Family::Cd;
    let dvd = loaded && fam == Family::Dvd;
    let bd = loaded && fam == Family::Bd;
    let cdw = loaded && matches!(m, Media::CdR | Media::CdRw);
    let dvd_minus_seq = loaded && (m == Media::DvdR || (m == Media::DvdRw && !d.dvdrw_ro));
    let random_writable = loaded
        && d.mode() == Mode::Overwrite
        && d.ow_writable_size() > 0
        && !(m == Media::DvdRw && d.ow.intermediate);
    let mut v: Vec<(u16, bool, Vec<u8>)> = Vec::new();
    let mut add = |code: u16, version: u8, persistent: bool, current: bool, data: &[u8]| {
        let mut out = Vec::new();
        feature(&mut out, code, version, persistent, current, data);
        v.push((code, current, out));
    };
    // 0000h Profile List.
    let mut pl = Vec::new();
    for q in DRIVE_PROFILES {
        pl.extend_from_slice(&q.0.to_be_bytes());
        pl.push(u8::from(q == p));
        pl.push(0);
    }
    add(0x0000, 0, true, true, &pl);
    // 0001h Core: physical interface 1 (SCSI family), DBE.
    add(0x0001, 2, true, true, &[0, 0, 0, 1, 0x01, 0, 0, 0]);
    // 0002h Morphing: OCEvent, no Async.
    add(0x0002, 1, true, true, &[0x02, 0, 0, 0]);
    // 0003h Removable Medium: tray (001b), Load, Eject, Lock.
    add(0x0003, 2, true, true, &[0x20 | 0x10 | 0x08 | 0x01, 0, 0, 0]);
    // 0010h Random Readable.
    let blocking = d.blocking() as u16;
    let mut rr = [0u8; 8];
    put32(&mut rr, 0, 2048);
    put16(&mut rr, 4, blocking);
    rr[6] = 1;
    add(0x0010, 0, false, loaded, &rr);
    // 001Dh Multi-Read, 001Eh CD Read, 001Fh DVD Read.
    add(0x001D, 0, false, cd, &[]);
    add(0x001E, 2, false, cd, &[0, 0, 0, 0]);
    add(0x001F, 1, false, dvd, &[0, 0, 0, 0]);
    // 0020h Random Writable.
    let mut rw = [0u8; 12];
    put32(&mut rw, 0, last_lba);
    put32(&mut rw, 4, 2048);
    put16(&mut rw, 8, blocking.max(1));
    rw[10] = 1;
    add(0x0020, 0, false, random_writable, &rw);
    // 0021h Incremental Streaming Writable: data block types 8 and 10
    // (2048-byte Mode 1 / Mode 2 Form 1), BUF, ARSV; link sizes (CD 7,
    // DVD 16).
    let inc = cdw || (dvd_minus_seq && d.feat21);
    let link: u8 = if fam == Family::Cd { 7 } else { 16 };
    add(0x0021, 1, false, inc, &[0x05, 0x00, 0x03, 1, link, 0, 0, 0]);
    // 0023h Formattable: Cert, QCert, Expand, RENoSA (BD-RE 31h).
    let formattable = loaded
        && (matches!(
            m,
            Media::DvdRw | Media::DvdPlusRw | Media::DvdRam | Media::BdRe
        ) || (m == Media::BdR && d.seq.is_blank() && d.bdr == BdRFormat::None));
    add(0x0023, 1, false, formattable, &[0x0F, 0, 0, 0, 0, 0, 0, 0]);
    // 0024h Hardware Defect Management.
    let hdm = loaded
        && (m == Media::DvdRam
            || (m == Media::BdRe && d.ow.spare > 0)
            || (m == Media::BdR && d.bdr != BdRFormat::None));
    add(0x0024, 1, false, hdm, &[0x80, 0, 0, 0]);
    // 0026h Restricted Overwrite.
    add(0x0026, 0, false, loaded && p == Profile::DVD_RW_RO, &[]);
    // 0027h CD-RW CAV Write.
    add(0x0027, 0, false, loaded && m == Media::CdRw, &[0, 0, 0, 0]);
    // 002Ah DVD+RW: Write.
    add(
        0x002A,
        1,
        false,
        loaded && m == Media::DvdPlusRw,
        &[0x01, 0, 0, 0],
    );
    // 002Bh DVD+R: Write.
    add(
        0x002B,
        0,
        false,
        loaded && m == Media::DvdPlusR,
        &[0x01, 0, 0, 0],
    );
    // 002Ch Rigid Restricted Overwrite: Intermediate, Blank.
    add(
        0x002C,
        1,
        false,
        loaded && m == Media::DvdRw,
        &[0x03, 0, 0, 0],
    );
    // 002Dh CD Track at Once: BUF, CD-RW; no Test Write; data types 8, 10.
    add(0x002D, 2, false, cdw, &[0x40 | 0x02, 0, 0x05, 0x00]);
    // 002Eh CD Mastering: BUF, SAO, CD-RW; max cue sheet 4 KiB.
    add(
        0x002E,
        1,
        false,
        cdw,
        &[0x40 | 0x20 | 0x02, 0x00, 0x10, 0x00],
    );
    // 002Fh DVD-R/-RW Write: BUF, DVD-RW SL; no Test Write.
    add(0x002F, 1, false, dvd_minus_seq, &[0x40 | 0x02, 0, 0, 0]);
    // 0038h BD-R Pseudo-Overwrite.
    add(
        0x0038,
        0,
        false,
        loaded && m == Media::BdR && d.bdr == BdRFormat::SrmPow,
        &[0, 0, 0, 0],
    );
    // 003Bh DVD+R Dual Layer: Write.
    add(
        0x003B,
        0,
        false,
        loaded && m == Media::DvdPlusRDl,
        &[0x01, 0, 0, 0],
    );
    // 0040h BD Read: class 0 bitmaps for BD-RE, BD-R, BD-ROM.
    let mut bdr = [0u8; 28];
    put16(&mut bdr, 4, 0x0006);
    put16(&mut bdr, 12, 0x0006);
    put16(&mut bdr, 20, 0x0006);
    add(0x0040, 1, false, bd, &bdr);
    // 0041h BD Write: SVNR; class 0 write bitmaps for BD-RE, BD-R.
    let mut bdw = [0u8; 24];
    bdw[0] = 0x01;
    put16(&mut bdw, 4, 0x0006);
    put16(&mut bdw, 12, 0x0006);
    add(
        0x0041,
        1,
        false,
        loaded && matches!(m, Media::BdR | Media::BdRe),
        &bdw,
    );
    // 0100h Power Management.
    add(0x0100, 0, true, true, &[]);
    // 0107h Real Time Streaming: RBCB, SCS, MP2A, WSPD, SW.
    add(0x0107, 4, false, true, &[0x1F, 0, 0, 0]);
    // 0108h Drive Serial Number.
    add(0x0108, 0, true, true, b"EMUL0001");
    v
}

/// GET CONFIGURATION reply (MMC-6 §6.6.2) for request type `rt` and
/// starting feature `start`.
pub(crate) fn configuration(d: &Disc, rt: u8, start: u16, last_lba: u32) -> Vec<u8> {
    let mut out = vec![0u8; 8];
    put16(&mut out, 6, d.profile().0);
    for (code, current, desc) in features(d, last_lba) {
        let take = match rt {
            0 => code >= start,
            1 => code >= start && current,
            _ => code == start,
        };
        if take {
            out.extend_from_slice(&desc);
        }
    }
    let len = (out.len() - 4) as u32;
    put32(&mut out, 0, len);
    out
}

/// READ FORMAT CAPACITIES (MMC-6 §6.23.3): capacity list header, the
/// current/maximum descriptor and the formattable descriptors.
pub(crate) fn format_capacities(d: &Disc) -> Vec<u8> {
    let (cur_blocks, cur_type) = if !d.loaded {
        // 11b: no medium; the largest capacity the drive handles.
        (media::BD_CAPACITY, 3u8)
    } else {
        match d.mode() {
            Mode::Rom => (d.rom_blocks, 2),
            Mode::Overwrite => match d.media {
                // Intermediate DVD-RW: "unknown capacity" (cookbook).
                Media::DvdRw if d.ow.intermediate => (d.seq.capacity, 3),
                _ if d.ow_writable_size() == 0 => (d.seq.capacity, 1),
                _ => (d.ow_writable_size(), 2),
            },
            Mode::Sequential => {
                if d.media == Media::BdR && d.bdr != BdRFormat::None {
                    (d.seq.capacity, 2)
                } else {
                    (d.seq.capacity, 1)
                }
            }
        }
    };
    let list = if d.loaded {
        d.format_descriptors()
    } else {
        Vec::new()
    };
    let mut b = vec![0u8; 12];
    b[3] = (8 * (1 + list.len())) as u8;
    put32(&mut b, 4, cur_blocks);
    b[8] = cur_type;
    b[9..12].copy_from_slice(&[0, 0x08, 0]);
    for (blocks, ftype, tdp) in list {
        let mut e = [0u8; 8];
        put32(&mut e, 0, blocks);
        e[4] = ftype << 2;
        e[5..8].copy_from_slice(&tdp.to_be_bytes()[1..]);
        b.extend_from_slice(&e);
    }
    b
}

/// READ TOC/PMA/ATIP format 0000b, formatted TOC (MMC-6 §6.24.3.2): tracks
/// of complete sessions from `first` on, then the lead-out (AAh). `None`
/// when there is nothing to report (blank disc, bad starting track).
pub(crate) fn toc_formatted(d: &Disc, first: u8, msf_mode: bool) -> Option<Vec<u8>> {
    let tracks = toc_tracks(d);
    let (last_no, leadout) = (tracks.last()?.0, toc_leadout(d)?);
    let mut b = vec![0u8; 4];
    b[2] = tracks.first()?.0;
    b[3] = last_no;
    let addr = |lba: i64| -> [u8; 4] {
        if msf_mode {
            let m = msf(lba);
            [0, m[0], m[1], m[2]]
        } else {
            (lba as u32).to_be_bytes()
        }
    };
    let start = if first == 0 { 1 } else { first };
    if start != 0xAA && start > last_no {
        return None;
    }
    for &(no, lba, control) in &tracks {
        if no < start || start == 0xAA {
            continue;
        }
        b.extend_from_slice(&[0, 0x10 | control, no, 0]);
        b.extend_from_slice(&addr(lba as i64));
    }
    let control = tracks.last().map_or(4, |t| t.2);
    b.extend_from_slice(&[0, 0x10 | control, 0xAA, 0]);
    b.extend_from_slice(&addr(leadout as i64));
    let len = (b.len() - 2) as u16;
    put16(&mut b, 0, len);
    Some(b)
}

/// (track number, start, control) of the tracks of complete sessions; the
/// single track of overwritable and ROM media.
fn toc_tracks(d: &Disc) -> Vec<(u8, u32, u8)> {
    match d.mode() {
        Mode::Sequential => d
            .seq
            .complete_tracks()
            .map(|(i, t)| ((i + 1).min(99) as u8, t.start, t.control & 0x0F))
            .collect(),
        _ if d.user_area() > 0 && !(d.media == Media::DvdRw && d.ow.intermediate) => {
            vec![(1, 0, 4)]
        }
        _ => Vec::new(),
    }
}

/// Lead-out of the last complete session.
fn toc_leadout(d: &Disc) -> Option<u32> {
    match d.mode() {
        Mode::Sequential => d.seq.complete_tracks().map(|(_, t)| t.end()).max(),
        _ => Some(d.user_area()),
    }
}

/// READ TOC format 0001b, multi-session information (MMC-6 §6.24.3.3):
/// first/last complete session and the first track of the last complete
/// session.
pub(crate) fn toc_session_info(d: &Disc, msf_mode: bool) -> Option<Vec<u8>> {
    let tracks = toc_tracks(d);
    tracks.first()?;
    let last_session = match d.mode() {
        Mode::Sequential => d.seq.closed_sessions,
        _ => 1,
    };
    let first_in_last = match d.mode() {
        Mode::Sequential => d
            .seq
            .tracks
            .iter()
            .enumerate()
            .find(|(_, t)| t.session == last_session)
            .map(|(i, t)| ((i + 1) as u8, t.start, t.control & 0x0F))?,
        _ => tracks[0],
    };
    let mut b = vec![0u8; 12];
    put16(&mut b, 0, 10);
    b[2] = 1;
    b[3] = last_session as u8;
    b[5] = 0x10 | first_in_last.2;
    b[6] = first_in_last.0;
    if msf_mode {
        let m = msf(first_in_last.1 as i64);
        b[9..12].copy_from_slice(&m);
    } else {
        put32(&mut b, 8, first_in_last.1);
    }
    Some(b)
}

/// READ TOC format 0010b, raw TOC of a CD (MMC-6 §6.24.3.4, table 489 of
/// MMC-5): per complete session from `first_session` on, points A0h, A1h,
/// A2h, the tracks, and B0h (ADR 5: next possible program area and last
/// possible lead-out; FF FF FF in the last session of a closed disc).
pub(crate) fn toc_raw(d: &Disc, first_session: u8) -> Option<Vec<u8>> {
    let rom;
    let s = if d.mode() == Mode::Rom {
        // A pressed CD: one finalized session with one data track.
        let mut q = Seq::blank(d.rom_blocks);
        q.tracks.push(Track {
            session: 1,
            start: 0,
            recorded: d.rom_blocks,
            reserved: None,
            closed: true,
            kind: TrackKind::Sao,
            control: 4,
            data_mode: 1,
        });
        q.closed_sessions = 1;
        q.finalized = true;
        rom = q;
        &rom
    } else {
        &d.seq
    };
    if s.closed_sessions == 0 {
        return None;
    }
    let mut b = vec![0u8; 4];
    b[2] = 1;
    b[3] = s.closed_sessions as u8;
    let first_session = first_session.max(1);
    let entry = |b: &mut Vec<u8>,
                 session: u16,
                 adr_ctl: u8,
                 point: u8,
                 min_sec_frame: [u8; 3],
                 p: [u8; 3]| {
        b.extend_from_slice(&[session as u8, adr_ctl, 0, point]);
        b.extend_from_slice(&min_sec_frame);
        b.push(0);
        b.extend_from_slice(&p);
    };
    for session in first_session as u16..=s.closed_sessions {
        let tr: Vec<(usize, &Track)> = s
            .tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.session == session)
            .collect();
        let (Some(&(fi, ft)), Some(&(li, lt))) = (tr.first(), tr.last()) else {
            continue;
        };
        let ctl_first = 0x10 | (ft.control & 0x0F);
        let ctl_last = 0x10 | (lt.control & 0x0F);
        entry(
            &mut b,
            session,
            ctl_first,
            0xA0,
            [0; 3],
            [(fi + 1) as u8, s.disc_type, 0],
        );
        entry(
            &mut b,
            session,
            ctl_last,
            0xA1,
            [0; 3],
            [(li + 1) as u8, 0, 0],
        );
        entry(
            &mut b,
            session,
            ctl_last,
            0xA2,
            [0; 3],
            msf(lt.end() as i64),
        );
        for &(i, t) in &tr {
            entry(
                &mut b,
                session,
                0x10 | (t.control & 0x0F),
                (i + 1) as u8,
                [0; 3],
                msf(t.start as i64),
            );
        }
        let last_of_disc = session == s.closed_sessions && s.finalized;
        let next = if last_of_disc {
            [0xFF; 3]
        } else if session == s.closed_sessions {
            // Next possible program area: the next session's pre-gap.
            msf(s.next_start as i64 - 150)
        } else {
            // Start of the next session's program area.
            let next_first = s.tracks.iter().find(|t| t.session == session + 1);
            next_first.map_or([0xFF; 3], |t| msf(t.start as i64 - 150))
        };
        let b0_p = if last_of_disc {
            [0xFF; 3]
        } else {
            msf(s.capacity as i64)
        };
        entry(
            &mut b,
            session,
            0x50 | (ft.control & 0x0F),
            0xB0,
            next,
            b0_p,
        );
    }
    let len = (b.len() - 2) as u16;
    put16(&mut b, 0, len);
    Some(b)
}

/// Page 2Ah, CD/DVD Capabilities and Mechanical Status (MMC-3 §6.3.11):
/// 32 bytes plus 4 per write speed descriptor.
pub(crate) fn page_2a(
    locked: bool,
    cache_bytes: usize,
    speeds: &[u32],
    write_speed: u32,
    read_speed: u32,
) -> Vec<u8> {
    let mut p = vec![0u8; 32 + 4 * speeds.len()];
    p[0] = 0x2A;
    p[1] = (p.len() - 2) as u8;
    // Read: DVD-RAM, DVD-R, DVD-ROM, Method 2, CD-RW, CD-R.
    p[2] = 0x3F;
    // Write: DVD-RAM, DVD-R, CD-RW, CD-R; no Test Write.
    p[3] = 0x33;
    // BUF, multi-session, Mode 2 Form 1.
    p[4] = 0x80 | 0x40 | 0x10;
    // Tray loading mechanism, Eject, lock state, Lock.
    p[6] = 0x20 | 0x08 | (u8::from(locked) << 1) | 0x01;
    put16(&mut p, 8, read_speed.min(0xFFFF) as u16);
    put16(&mut p, 12, (cache_bytes / 1024).min(0xFFFF) as u16);
    put16(&mut p, 14, read_speed.min(0xFFFF) as u16);
    let max_w = speeds.first().copied().unwrap_or(0);
    put16(&mut p, 18, max_w.min(0xFFFF) as u16);
    put16(&mut p, 20, write_speed.min(0xFFFF) as u16);
    put16(&mut p, 28, write_speed.min(0xFFFF) as u16);
    put16(&mut p, 30, speeds.len() as u16);
    for (i, s) in speeds.iter().enumerate() {
        put16(&mut p, 32 + 4 * i + 2, (*s).min(0xFFFF) as u16);
    }
    p
}

/// Standard INQUIRY data (SPC-4 §6.6.2, table 142): 36 bytes, peripheral
/// device type 05h (MMC), removable.
pub(crate) fn inquiry(m: Media) -> Vec<u8> {
    let mut b = vec![0u8; 36];
    b[0] = 0x05;
    b[1] = 0x80;
    b[2] = 0x05;
    b[3] = 0x02;
    b[4] = 31;
    b[8..16].copy_from_slice(b"BURN    ");
    let product = format!("EMUL {}", m.name().to_ascii_uppercase());
    let mut prod = [b' '; 16];
    for (d, s) in prod.iter_mut().zip(product.bytes()) {
        *d = s;
    }
    b[16..32].copy_from_slice(&prod);
    let mut rev = [b' '; 4];
    for (d, s) in rev.iter_mut().zip(env!("CARGO_PKG_VERSION").bytes()) {
        *d = s;
    }
    b[32..36].copy_from_slice(&rev);
    b
}

/// READ DISC STRUCTURE format 00h for DVD media: physical format
/// information (MMC-6 §6.22.3.2; ECMA-267 §3.3 layer descriptor).
pub(crate) fn dvd_physical(d: &Disc) -> Option<Vec<u8>> {
    if d.family() != Family::Dvd {
        return None;
    }
    let (book, layer_type): (u8, u8) = match d.media {
        Media::DvdRom => (0x0, 0x1),
        Media::DvdRam => (0x1, 0x4),
        Media::DvdR => (0x2, 0x2),
        Media::DvdRw => (0x3, 0x4),
        Media::DvdPlusRw => (0x9, 0x4),
        Media::DvdPlusR => (0xA, 0x2),
        Media::DvdPlusRDl => (0xE, 0x2),
        _ => return None,
    };
    let blocks = match d.mode() {
        Mode::Rom => d.rom_blocks,
        _ => d.seq.capacity,
    };
    let layers = u8::from(d.media == Media::DvdPlusRDl);
    let mut b = vec![0u8; 4 + 2048];
    put16(&mut b, 0, 2050);
    let l = &mut b[4..];
    l[0] = (book << 4) | 0x01;
    l[1] = 0x02; // 120 mm, maximum rate 10.08 Mbit/s
    l[2] = (layers << 5) | layer_type;
    l[3] = 0x10;
    put32(l, 4, 0x030000);
    put32(l, 8, 0x030000 + blocks.saturating_sub(1));
    b.truncate(4 + 2048);
    Some(b)
}

/// READ DISC STRUCTURE format 0Ah for BD: spare area information (MMC-6
/// §6.22.3.x): free and allocated spare blocks.
pub(crate) fn bd_spare_info(d: &Disc) -> Option<Vec<u8>> {
    if d.family() != Family::Bd || d.media == Media::BdRom {
        return None;
    }
    let spare = d.ow.spare;
    let mut b = vec![0u8; 16];
    put16(&mut b, 0, 14);
    put32(&mut b, 8, spare);
    put32(&mut b, 12, spare);
    Some(b)
}
