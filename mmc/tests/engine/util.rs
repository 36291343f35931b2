//! Helpers: recorders over the emulator with fast timing, a deterministic
//! pseudo-random data source, MD5 sinks.

use std::io::{self, Read};

use md5::{Digest, Md5};
use mmc::Transport;
use mmc::drive::{Drive, Timing};
use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::engine::{BlockRange, Md5Sink, ReadOptions, Recorder, no_progress};
use mmc::fault::FaultInjector;

/// Emulator options: every operation instantaneous.
pub fn instant() -> EmulOptions {
    EmulOptions {
        time_scale: 0.0,
        ..EmulOptions::default()
    }
}

pub struct Rig<T: Transport> {
    pub rec: Recorder<T>,
    /// Holds the medium's image and state files while the rig lives.
    _dir: tempfile::TempDir,
}

/// A fresh medium of `media` in the emulator, driven with fast timing.
pub fn rig(media: Media) -> Rig<Emulator> {
    rig_over(media, |emu| emu)
}

/// As [`rig`], with a fault injector between drive handle and emulator.
pub fn faulty_rig(media: Media) -> Rig<FaultInjector<Emulator>> {
    rig_over(media, FaultInjector::new)
}

fn rig_over<T: Transport>(media: Media, wrap: impl FnOnce(Emulator) -> T) -> Rig<T> {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::open_with(media, &dir.path().join("disc.img"), instant()).unwrap();
    Rig {
        rec: Recorder::new(Drive::with_timing(wrap(emu), Timing::fast())),
        _dir: dir,
    }
}

impl Rig<Emulator> {
    pub fn emu(&self) -> &Emulator {
        self.rec.drive().transport()
    }
}

impl Rig<FaultInjector<Emulator>> {
    pub fn emu(&self) -> &Emulator {
        self.rec.drive().transport().inner()
    }

    pub fn faults(&mut self) -> &mut FaultInjector<Emulator> {
        self.rec.drive_mut().transport_mut()
    }
}

/// A deterministic pseudo-random byte stream (xorshift64*) of `len` bytes;
/// the same whatever the sizes of the reads.
#[derive(Clone)]
pub struct Noise {
    state: u64,
    word: [u8; 8],
    used: usize,
    left: u64,
}

impl Noise {
    pub fn new(seed: u64, len: u64) -> Noise {
        Noise {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            word: [0; 8],
            used: 8,
            left: len,
        }
    }

    fn next_word(&mut self) -> [u8; 8] {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes()
    }

    /// All bytes at once.
    pub fn bytes(seed: u64, len: u64) -> Vec<u8> {
        let mut v = vec![0u8; len as usize];
        Noise::new(seed, len).read_exact(&mut v).unwrap();
        v
    }

    pub fn md5(seed: u64, len: u64) -> [u8; 16] {
        md5_of(&Noise::bytes(seed, len))
    }
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        let mut i = 0;
        while i < n {
            if self.used == 8 {
                // Fast path: whole words straight into the buffer.
                while n - i >= 8 {
                    let w = self.next_word();
                    buf[i..i + 8].copy_from_slice(&w);
                    i += 8;
                }
                if i == n {
                    break;
                }
                self.word = self.next_word();
                self.used = 0;
            }
            let k = (n - i).min(8 - self.used);
            buf[i..i + k].copy_from_slice(&self.word[self.used..self.used + k]);
            self.used += k;
            i += k;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

pub fn md5_of(data: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(data);
    h.finalize().into()
}

/// Reads `bytes` bytes from `start` through checkread and returns their
/// MD5, asserting that every block read well.
pub fn read_md5<T: Transport>(rec: &mut Recorder<T>, start: u32, bytes: u64) -> [u8; 16] {
    let blocks = bytes.div_ceil(2048) as u32;
    let mut sink = Md5Sink::with_limit(bytes);
    let map = rec
        .checkread(
            BlockRange::new(start, blocks),
            &ReadOptions::default(),
            &mut sink,
            &mut no_progress,
        )
        .unwrap();
    assert!(map.is_all_good(), "checkread at {start}: {:?}", map.runs);
    assert_eq!(sink.bytes(), bytes);
    sink.finish().expect("no block missing")
}
