//! Raw-CDB helpers for the emulator tests. CDBs are built from the MMC-6 /
//! SPC-4 tables (as summarised in `mmc-recipes.md` §11), independently of
//! `mmc::cmd`, and replies are decoded here from the same tables.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::sense::Sense;
use mmc::{DataPhase, Transport};

pub const T: Duration = Duration::from_secs(30);

/// A medium in a temporary directory.
pub struct Disc {
    pub emu: Emulator,
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// Options for tests: instantaneous operations.
pub fn instant() -> EmulOptions {
    EmulOptions {
        time_scale: 0.0,
        manual_clock: true,
        ..EmulOptions::default()
    }
}

/// Options with real durations on a manual clock (progress tests).
pub fn timed() -> EmulOptions {
    EmulOptions {
        time_scale: 1.0,
        manual_clock: true,
        ..EmulOptions::default()
    }
}

pub fn fresh(media: Media) -> Disc {
    fresh_with(media, instant())
}

pub fn fresh_with(media: Media, opts: EmulOptions) -> Disc {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    let emu = Emulator::open_with(media, &path, opts).unwrap();
    Disc { emu, dir, path }
}

impl Disc {
    /// Drops the emulator (saving its state like a drive left powered) and
    /// opens the image again.
    pub fn reopen(self, opts: EmulOptions) -> Disc {
        let media = self.emu.media();
        let Disc { emu, dir, path } = self;
        drop(emu);
        let emu = Emulator::open_with(media, &path, opts).unwrap();
        Disc { emu, dir, path }
    }
}

/// The outcome of one command.
#[derive(Debug)]
pub struct Reply {
    pub good: bool,
    pub sense: Option<Sense>,
    pub data: Vec<u8>,
    pub residual: usize,
}

impl Reply {
    pub fn triple(&self) -> Option<(u8, u8, u8)> {
        self.sense.map(|s| (s.key.0, s.asc, s.ascq))
    }

    pub fn progress(&self) -> Option<u16> {
        self.sense.and_then(|s| s.progress())
    }

    #[track_caller]
    pub fn ok(self) -> Reply {
        assert!(self.good, "expected GOOD, got {:?}", self.triple());
        self
    }

    #[track_caller]
    pub fn check(&self, k: u8, asc: u8, ascq: u8) {
        assert!(!self.good, "expected {k:X}/{asc:02X}/{ascq:02X}, got GOOD");
        assert_eq!(self.triple(), Some((k, asc, ascq)), "sense");
    }
}

fn finish(c: mmc::Completion, data: Vec<u8>) -> Reply {
    let good = c.is_good();
    let sense = if good {
        None
    } else {
        Sense::parse(c.sense.as_bytes())
    };
    let n = data.len().saturating_sub(c.residual);
    let mut data = data;
    data.truncate(n);
    Reply {
        good,
        sense,
        data,
        residual: c.residual,
    }
}

pub fn run_in(t: &mut impl Transport, cdb: &[u8], alloc: usize) -> Reply {
    let mut buf = vec![0u8; alloc];
    let c = t.execute(cdb, DataPhase::In(&mut buf), T).unwrap();
    finish(c, buf)
}

pub fn run_out(t: &mut impl Transport, cdb: &[u8], data: &[u8]) -> Reply {
    let c = t.execute(cdb, DataPhase::Out(data), T).unwrap();
    finish(c, Vec::new())
}

pub fn run(t: &mut impl Transport, cdb: &[u8]) -> Reply {
    let c = t.execute(cdb, DataPhase::None, T).unwrap();
    finish(c, Vec::new())
}

pub fn be16(b: &[u8], at: usize) -> u32 {
    u16::from_be_bytes([b[at], b[at + 1]]) as u32
}

pub fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn a16(v: usize) -> [u8; 2] {
    (v as u16).to_be_bytes()
}

// ---------------------------------------------------------------------
// CDBs
// ---------------------------------------------------------------------

pub fn tur(t: &mut impl Transport) -> Reply {
    run(t, &[0x00, 0, 0, 0, 0, 0])
}

pub fn request_sense(t: &mut impl Transport) -> Reply {
    run_in(t, &[0x03, 0, 0, 0, 18, 0], 18)
}

pub fn inquiry(t: &mut impl Transport) -> Reply {
    run_in(t, &[0x12, 0, 0, 0, 36, 0], 36)
}

/// GET CONFIGURATION, RT = `rt`, starting feature `start`.
pub fn get_config(t: &mut impl Transport, rt: u8, start: u16, alloc: usize) -> Reply {
    let s = start.to_be_bytes();
    let a = a16(alloc);
    run_in(t, &[0x46, rt, s[0], s[1], 0, 0, 0, a[0], a[1], 0], alloc)
}

/// Current profile from the GET CONFIGURATION header (bytes 6–7).
pub fn current_profile(t: &mut impl Transport) -> u16 {
    let r = get_config(t, 0, 0, 8).ok();
    be16(&r.data, 6) as u16
}

/// Feature descriptors of a full GET CONFIGURATION: (code, current, data).
pub fn features(t: &mut impl Transport) -> Vec<(u16, bool, Vec<u8>)> {
    let r = get_config(t, 0, 0, 4096).ok();
    let total = be32(&r.data, 0) as usize + 4;
    assert_eq!(total, r.data.len(), "data length field");
    let mut v = Vec::new();
    let mut i = 8;
    while i + 4 <= r.data.len() {
        let code = be16(&r.data, i) as u16;
        let current = r.data[i + 2] & 1 != 0;
        let n = r.data[i + 3] as usize;
        v.push((code, current, r.data[i + 4..i + 4 + n].to_vec()));
        i += 4 + n;
    }
    v
}

pub fn feature_current(t: &mut impl Transport, code: u16) -> Option<bool> {
    features(t).into_iter().find(|f| f.0 == code).map(|f| f.1)
}

/// Profile list (feature 0000h): (profile, CurrentP).
pub fn profile_list(t: &mut impl Transport) -> Vec<(u16, bool)> {
    let f = features(t).into_iter().find(|f| f.0 == 0).unwrap();
    f.2.chunks(4)
        .map(|c| (be16(c, 0) as u16, c[2] & 1 != 0))
        .collect()
}

pub fn read_disc_info(t: &mut impl Transport) -> Reply {
    run_in(t, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34)
}

/// Decoded READ DISC INFORMATION (MMC-6 §6.21.3.1).
#[derive(Debug, PartialEq, Eq)]
pub struct DiscInfo {
    pub erasable: bool,
    pub last_session_state: u8,
    pub status: u8,
    pub sessions: u32,
    pub first_track_last_session: u32,
    pub last_track_last_session: u32,
    pub bg_format: u8,
    pub lead_in: u32,
    pub last_leadout: u32,
}

pub fn disc_info(t: &mut impl Transport) -> DiscInfo {
    let r = read_disc_info(t).ok();
    let b = &r.data;
    assert_eq!(be16(b, 0), 32);
    DiscInfo {
        erasable: b[2] & 0x10 != 0,
        last_session_state: (b[2] >> 2) & 3,
        status: b[2] & 3,
        sessions: b[4] as u32 | (b[9] as u32) << 8,
        first_track_last_session: b[5] as u32 | (b[10] as u32) << 8,
        last_track_last_session: b[6] as u32 | (b[11] as u32) << 8,
        bg_format: b[7] & 3,
        lead_in: be32(b, 16),
        last_leadout: be32(b, 20),
    }
}

/// READ TRACK INFORMATION with address type `kind` (01b = track number).
pub fn read_track_info(t: &mut impl Transport, kind: u8, value: u32) -> Reply {
    let v = value.to_be_bytes();
    run_in(t, &[0x52, kind, v[0], v[1], v[2], v[3], 0, 0, 48, 0], 48)
}

/// Decoded READ TRACK INFORMATION (MMC-6 §6.26.3).
#[derive(Debug, PartialEq, Eq)]
pub struct TrackInfo {
    pub number: u32,
    pub session: u32,
    pub damage: bool,
    pub reserved: bool,
    pub blank: bool,
    pub nwa_v: bool,
    pub start: u32,
    pub nwa: u32,
    pub free: u32,
    pub packet_size: u32,
    pub size: u32,
    pub lra_v: bool,
    pub lra: u32,
}

pub fn track_info(t: &mut impl Transport, number: u32) -> TrackInfo {
    decode_track(&read_track_info(t, 1, number).ok().data)
}

pub fn decode_track(b: &[u8]) -> TrackInfo {
    assert!(b.len() >= 36);
    TrackInfo {
        number: b[2] as u32 | (b[32] as u32) << 8,
        session: b[3] as u32 | (b[33] as u32) << 8,
        damage: b[5] & 0x20 != 0,
        reserved: b[6] & 0x80 != 0,
        blank: b[6] & 0x40 != 0,
        nwa_v: b[7] & 1 != 0,
        lra_v: b[7] & 2 != 0,
        start: be32(b, 8),
        nwa: be32(b, 12),
        free: be32(b, 16),
        packet_size: be32(b, 20),
        size: be32(b, 24),
        lra: be32(b, 28),
    }
}

/// READ FORMAT CAPACITIES: (current blocks, current type, [(blocks, type, tdp)]).
pub fn format_caps(t: &mut impl Transport) -> (u32, u8, Vec<(u32, u8, u32)>) {
    let r = run_in(t, &[0x23, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0], 256).ok();
    let b = &r.data;
    let len = b[3] as usize;
    assert_eq!(len % 8, 0);
    assert_eq!(b.len(), 4 + len);
    let list = b[12..]
        .chunks(8)
        .map(|c| {
            (
                be32(c, 0),
                c[4] >> 2,
                (c[5] as u32) << 16 | (c[6] as u32) << 8 | c[7] as u32,
            )
        })
        .collect();
    (be32(b, 4), b[8] & 3, list)
}

pub fn read_capacity(t: &mut impl Transport) -> Reply {
    run_in(t, &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8)
}

pub fn read10(t: &mut impl Transport, lba: i64, n: u16) -> Reply {
    let l = (lba as i32).to_be_bytes();
    let c = n.to_be_bytes();
    run_in(
        t,
        &[0x28, 0, l[0], l[1], l[2], l[3], 0, c[0], c[1], 0],
        n as usize * 2048,
    )
}

pub fn write10(t: &mut impl Transport, lba: i64, data: &[u8]) -> Reply {
    assert_eq!(data.len() % 2048, 0);
    let l = (lba as i32).to_be_bytes();
    let c = ((data.len() / 2048) as u16).to_be_bytes();
    run_out(
        t,
        &[0x2A, 0, l[0], l[1], l[2], l[3], 0, c[0], c[1], 0],
        data,
    )
}

/// Blocks filled with a pattern derived from their LBA.
pub fn pattern(lba: i64, blocks: usize) -> Vec<u8> {
    let mut v = vec![0u8; blocks * 2048];
    for (i, b) in v.chunks_mut(2048).enumerate() {
        let tag = (lba + i as i64) as u32;
        for (j, x) in b.iter_mut().enumerate() {
            *x = (tag as usize * 31 + j) as u8;
        }
        b[..4].copy_from_slice(&tag.to_be_bytes());
    }
    v
}

/// Writes `blocks` of pattern from `lba` in chunks of `chunk`.
pub fn write_run(t: &mut impl Transport, lba: i64, blocks: usize, chunk: usize) {
    let mut at = 0;
    while at < blocks {
        let n = chunk.min(blocks - at);
        write10(t, lba + at as i64, &pattern(lba + at as i64, n)).ok();
        at += n;
    }
}

pub fn sync(t: &mut impl Transport, immed: bool) -> Reply {
    run(
        t,
        &[0x35, if immed { 0x02 } else { 0 }, 0, 0, 0, 0, 0, 0, 0, 0],
    )
}

pub fn close(t: &mut impl Transport, immed: bool, func: u8, track: u16) -> Reply {
    let n = track.to_be_bytes();
    run(t, &[0x5B, u8::from(immed), func, 0, n[0], n[1], 0, 0, 0, 0])
}

pub fn reserve(t: &mut impl Transport, size: u32) -> Reply {
    let s = size.to_be_bytes();
    run(t, &[0x53, 0, 0, 0, 0, s[0], s[1], s[2], s[3], 0])
}

pub fn blank(t: &mut impl Transport, immed: bool, kind: u8) -> Reply {
    run(
        t,
        &[
            0xA1,
            (u8::from(immed) << 4) | kind,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ],
    )
}

/// FORMAT UNIT with one descriptor (MMC-6 §6.5.3): header FOV + Immed.
pub fn format(
    t: &mut impl Transport,
    immed: bool,
    blocks: u32,
    ftype: u8,
    sub: u8,
    tdp: u32,
) -> Reply {
    let mut p = vec![0u8; 12];
    p[1] = 0x80 | (u8::from(immed) << 1);
    p[3] = 8;
    p[4..8].copy_from_slice(&blocks.to_be_bytes());
    p[8] = (ftype << 2) | sub;
    p[9..12].copy_from_slice(&tdp.to_be_bytes()[1..]);
    run_out(t, &[0x04, 0x11, 0, 0, 0, 0], &p)
}

/// Page 05h fields as in `mmc-recipes.md` §6.2.
pub struct Page05 {
    pub write_type: u8,
    pub multi: u8,
    pub fp: bool,
    pub track_mode: u8,
    pub data_block_type: u8,
    pub link_size: u8,
    pub packet_size: u32,
}

pub const CD_TAO: Page05 = Page05 {
    write_type: 1,
    multi: 3,
    fp: false,
    track_mode: 4,
    data_block_type: 8,
    link_size: 0,
    packet_size: 0,
};

pub const CD_SAO: Page05 = Page05 {
    write_type: 2,
    multi: 3,
    fp: false,
    track_mode: 0,
    data_block_type: 0,
    link_size: 0,
    packet_size: 0,
};

pub const DVD_INC: Page05 = Page05 {
    write_type: 0,
    multi: 3,
    fp: true,
    track_mode: 5,
    data_block_type: 8,
    link_size: 16,
    packet_size: 16,
};

pub const DVD_DAO: Page05 = Page05 {
    write_type: 2,
    multi: 0,
    fp: false,
    track_mode: 5,
    data_block_type: 8,
    link_size: 0,
    packet_size: 0,
};

pub fn page05_bytes(p: &Page05) -> Vec<u8> {
    let mut b = vec![0u8; 8 + 2 + 0x32];
    let pg = &mut b[8..];
    pg[0] = 0x05;
    pg[1] = 0x32;
    pg[2] = 0x40 | if p.link_size > 0 { 0x20 } else { 0 } | p.write_type;
    pg[3] = (p.multi << 6) | if p.fp { 0x20 } else { 0 } | p.track_mode;
    pg[4] = p.data_block_type;
    pg[5] = p.link_size;
    pg[10..14].copy_from_slice(&p.packet_size.to_be_bytes());
    pg[14..16].copy_from_slice(&150u16.to_be_bytes());
    b
}

/// MODE SELECT(10) of page 05h (PF = 1).
pub fn select05(t: &mut impl Transport, p: &Page05) -> Reply {
    let b = page05_bytes(p);
    let l = a16(b.len());
    run_out(t, &[0x55, 0x10, 0, 0, 0, 0, 0, l[0], l[1], 0], &b)
}

pub fn mode_sense(t: &mut impl Transport, pc_page: u8, alloc: usize) -> Reply {
    let a = a16(alloc);
    run_in(t, &[0x5A, 0x08, pc_page, 0, 0, 0, 0, a[0], a[1], 0], alloc)
}

pub fn read_toc(t: &mut impl Transport, format: u8, msf: bool, track: u8) -> Reply {
    run_in(
        t,
        &[
            0x43,
            if msf { 2 } else { 0 },
            format,
            0,
            0,
            0,
            track,
            0x10,
            0,
            0,
        ],
        4096,
    )
}

pub fn start_stop(t: &mut impl Transport, loej: bool, start: bool) -> Reply {
    run(
        t,
        &[0x1B, 0, 0, 0, (u8::from(loej) << 1) | u8::from(start), 0],
    )
}

pub fn prevent(t: &mut impl Transport, on: bool) -> Reply {
    run(t, &[0x1E, 0, 0, 0, u8::from(on), 0])
}

pub fn send_cue(t: &mut impl Transport, cue: &[u8]) -> Reply {
    let l = (cue.len() as u32).to_be_bytes();
    run_out(t, &[0x5D, 0, 0, 0, 0, 0, l[1], l[2], l[3], 0], cue)
}

pub fn event_media(t: &mut impl Transport) -> Reply {
    run_in(t, &[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0], 8)
}

pub fn read_buffer_capacity(t: &mut impl Transport) -> (u32, u32) {
    let r = run_in(t, &[0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0], 12).ok();
    (be32(&r.data, 4), be32(&r.data, 8))
}

/// Image path helper for child processes.
pub fn image_in(dir: &Path) -> PathBuf {
    dir.join("disc.img")
}
