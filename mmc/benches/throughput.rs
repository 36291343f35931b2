//! Write throughput of the burn engine into the emulated recorder, against
//! the limit a plain sequential write of the same bytes to a file on the
//! same filesystem sets. Prints a table; not a timed test.
//!
//! ```sh
//! cargo bench -p mmc --bench throughput
//! BENCH_MIB=256 BENCH_RUNS=3 BENCH_DIR=/var/tmp cargo bench -p mmc --bench throughput
//! ```
//!
//! Every row writes `BENCH_MIB` MiB (default 1024) from an in-memory source
//! and ends with the data on disk: the baseline with `fdatasync`, the
//! recorder rows with SYNCHRONIZE CACHE (which the emulator turns into
//! `fdatasync` of its image) and, for sessions, the closes. Two figures per
//! row: the data phase (what the engine's pipeline costs: FIFO thread,
//! WRITE commands, emulator) and the total (dominated by the disk flush).
//! Each is compared with the file write of the same write size. The best
//! of `BENCH_RUNS` interleaved runs (default 3) is shown. `BENCH_ONLY=TEXT` runs the
//! baseline and the cases whose name contains TEXT (for profiling).

#![allow(clippy::print_stdout)]

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use mmc::drive::{Drive, Timing};
use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::engine::{OverwriteOptions, Phase, Recorder, SessionOptions, no_progress};
use mmc::stdio::StdioDrive;

/// An in-memory source: a 1 MiB pattern repeated.
struct Source {
    pattern: Vec<u8>,
    pos: usize,
    left: u64,
}

impl Source {
    fn new(bytes: u64) -> Source {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let pattern = (0..1 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        Source {
            pattern,
            pos: 0,
            left: bytes,
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64)
            .min(self.left)
            .min((self.pattern.len() - self.pos) as u64) as usize;
        buf[..n].copy_from_slice(&self.pattern[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % self.pattern.len();
        self.left -= n as u64;
        Ok(n)
    }
}

fn emulator(media: Media, dir: &Path, name: &str) -> Recorder<Emulator> {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("img.emul"));
    let emu = Emulator::open_with(
        media,
        &path,
        EmulOptions {
            time_scale: 0.0,
            ..EmulOptions::default()
        },
    )
    .expect("emulator");
    Recorder::new(Drive::with_timing(emu, Timing::fast()))
}

/// Time to get the data out of the program (into the page cache, or to
/// the drive until SYNCHRONIZE CACHE starts) and time until it is on disk.
#[derive(Clone, Copy, Debug, Default)]
struct Times {
    data: Duration,
    /// CPU time of the calling thread (the one that sends the WRITE
    /// commands, and runs the emulator) during the data phase.
    data_cpu: Duration,
    total: Duration,
}

/// CPU time (user + system) from `/proc/{thread-self,self}/stat`, in
/// clock ticks of 10 ms (USER_HZ = 100 on Linux).
fn cpu_of(path: &str) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn thread_cpu() -> Duration {
    cpu_of("/proc/thread-self/stat")
}

/// Plain sequential write of the same bytes, `chunk` bytes at a time,
/// then `fdatasync`.
fn baseline(dir: &Path, bytes: u64, chunk: usize) -> Times {
    let path = dir.join("baseline.bin");
    let _ = std::fs::remove_file(&path);
    let mut src = Source::new(bytes);
    let mut f = File::create(&path).expect("baseline file");
    let mut buf = vec![0u8; chunk];
    let t = Instant::now();
    let c = thread_cpu();
    loop {
        let n = src.read(&mut buf).expect("source");
        if n == 0 {
            break;
        }
        f.write_all(&buf[..n]).expect("write");
    }
    let data = t.elapsed();
    let data_cpu = thread_cpu() - c;
    f.sync_data().expect("fdatasync");
    let total = t.elapsed();
    drop(f);
    let _ = std::fs::remove_file(&path);
    Times {
        data,
        data_cpu,
        total,
    }
}

fn session(media: Media, dir: &Path, bytes: u64) -> Times {
    let mut rec = emulator(media, dir, "session.img");
    let target = rec
        .prepare(&SessionOptions::default(), Some(bytes), &mut no_progress)
        .expect("prepare");
    let t0 = Instant::now();
    let c0 = thread_cpu();
    let mut data = None;
    rec.write_session(&target, Source::new(bytes), Some(bytes), &mut |p| {
        if p.phase == Phase::Syncing && data.is_none() {
            data = Some((t0.elapsed(), thread_cpu() - c0));
        }
    })
    .expect("write_session");
    let total = t0.elapsed();
    drop(rec);
    let _ = std::fs::remove_file(dir.join("session.img"));
    let _ = std::fs::remove_file(dir.join("session.img.emul"));
    let (data, data_cpu) = data.unwrap_or((total, thread_cpu() - c0));
    Times {
        data,
        data_cpu,
        total,
    }
}

fn overwrite<T: mmc::Transport>(rec: &mut Recorder<T>, bytes: u64) -> Times {
    // Formatting as needed happens in `overwrite`, before the clock starts.
    let mut ow = rec
        .overwrite(&OverwriteOptions::default(), &mut no_progress)
        .expect("overwrite");
    let t0 = Instant::now();
    let c0 = thread_cpu();
    ow.write_at(32, Source::new(bytes), Some(bytes), &mut no_progress)
        .expect("write_at");
    let data = t0.elapsed();
    let data_cpu = thread_cpu() - c0;
    ow.sync(&mut no_progress).expect("sync");
    let total = t0.elapsed();
    ow.finish(&mut no_progress).expect("finish");
    Times {
        data,
        data_cpu,
        total,
    }
}

fn overwrite_emulated(media: Media, dir: &Path, bytes: u64) -> Times {
    let mut rec = emulator(media, dir, "overwrite.img");
    let t = overwrite(&mut rec, bytes);
    drop(rec);
    let _ = std::fs::remove_file(dir.join("overwrite.img"));
    let _ = std::fs::remove_file(dir.join("overwrite.img.emul"));
    t
}

fn overwrite_file(dir: &Path, bytes: u64) -> Times {
    let path = dir.join("stdio.iso");
    let _ = std::fs::remove_file(&path);
    let dev = StdioDrive::open(&path, true).expect("stdio");
    let mut rec = Recorder::new(Drive::with_timing(dev, Timing::fast()));
    let t = overwrite(&mut rec, bytes);
    drop(rec);
    let _ = std::fs::remove_file(&path);
    t
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let mib = env_u64("BENCH_MIB", 1024);
    let runs = env_u64("BENCH_RUNS", 3).max(1);
    let bytes = mib << 20;
    let base_dir = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&base_dir).expect("bench dir");
    let dir = tempfile::tempdir_in(&base_dir).expect("temp dir");
    let dir = dir.path();

    // (name, the baseline row with the same write size, run)
    type Case<'a> = (&'a str, usize, Box<dyn Fn() -> Times + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "file write 64 KiB",
            0,
            Box::new(|| baseline(dir, bytes, 64 << 10)),
        ),
        (
            "file write 32 KiB",
            1,
            Box::new(|| baseline(dir, bytes, 32 << 10)),
        ),
        (
            "write_session DVD+R (32 KiB)",
            1,
            Box::new(|| session(Media::DvdPlusR, dir, bytes)),
        ),
        (
            "write_session BD-R (64 KiB)",
            0,
            Box::new(|| session(Media::BdR, dir, bytes)),
        ),
        (
            "write_at BD-RE (64 KiB)",
            0,
            Box::new(|| overwrite_emulated(Media::BdRe, dir, bytes)),
        ),
        (
            "write_at DVD+RW (32 KiB)",
            1,
            Box::new(|| overwrite_emulated(Media::DvdPlusRw, dir, bytes)),
        ),
        (
            "write_at stdio file (64 KiB)",
            0,
            Box::new(|| overwrite_file(dir, bytes)),
        ),
    ];
    let only = std::env::var("BENCH_ONLY").ok();
    let selected: Vec<usize> = (0..cases.len())
        .filter(|&i| i < 2 || only.as_deref().is_none_or(|o| cases[i].0.contains(o)))
        .collect();

    // Runs interleave the cases, so that load changes of a shared machine
    // spread over all of them; the best run of each case counts.
    let mut best: Vec<Option<Times>> = vec![None; cases.len()];
    for _ in 0..runs {
        for &i in &selected {
            let t = (cases[i].2)();
            let b = best[i].get_or_insert(t);
            b.data = b.data.min(t.data);
            b.data_cpu = b.data_cpu.min(t.data_cpu);
            b.total = b.total.min(t.total);
        }
    }

    let mbps = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{mib} MiB per run, best of {runs}, in {}",
        base_dir.display()
    );
    println!(
        "data: until the last WRITE (file: write(2) done), wall clock and CPU time of the \
         writing thread; total: until on disk (SYNCHRONIZE CACHE + closes / fdatasync)"
    );
    println!(
        "{:<30} {:>9} {:>6} {:>8} {:>6} {:>10} {:>6}",
        "case", "data MB/s", "×lim", "CPU MB/s", "×lim", "total MB/s", "×lim"
    );
    for &i in &selected {
        let (name, reference, _) = &cases[i];
        let (Some(t), Some(r)) = (best[i], best[*reference]) else {
            continue;
        };
        println!(
            "{:<30} {:>9.0} {:>6.2} {:>8.0} {:>6.2} {:>10.0} {:>6.2}",
            name,
            mbps(t.data),
            mbps(t.data) / mbps(r.data),
            mbps(t.data_cpu),
            mbps(t.data_cpu) / mbps(r.data_cpu),
            mbps(t.total),
            mbps(t.total) / mbps(r.total),
        );
    }
}
