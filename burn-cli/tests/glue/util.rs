//! Helpers: recorders over the emulator and `stdio:` files with fast
//! timing, source trees of deterministic data, xorriso as the oracle.

use std::ffi::OsString;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use burn_cli::{Access, BoxedRecorder, open_recorder};
use iso_writer::write::{GraftSpec, Options};
use md5::{Digest, Md5};
use mmc::Transport;
use mmc::address::Address;
use mmc::drive::{Drive, Timing};
use mmc::emul::EmulOptions;
use mmc::engine::Recorder;

/// Emulator options: every operation instantaneous.
pub fn instant() -> EmulOptions {
    EmulOptions {
        time_scale: 0.0,
        ..EmulOptions::default()
    }
}

pub fn open_opts(emul: EmulOptions) -> mmc::open::OpenOptions {
    mmc::open::OpenOptions {
        timing: Timing::fast(),
        emul,
        ..mmc::open::OpenOptions::default()
    }
}

/// A medium: an emulated disc or a `stdio:` image file, in a temporary
/// directory, reopened at will (as a new process would).
pub struct Rig {
    pub dir: tempfile::TempDir,
    /// The image file: the `stdio:` file, or the emulator's backing image.
    pub path: PathBuf,
    pub address: Address,
    pub rec: Option<BoxedRecorder>,
}

impl Rig {
    /// `kind` is an emulated media name (`dvd+rw`, `bd-r` …) or `stdio`.
    pub fn new(kind: &str) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disc.img");
        let address = if kind == "stdio" {
            Address::parse(&format!("stdio:{}", path.display())).unwrap()
        } else {
            Address::parse(&format!("emul:{kind}:{}", path.display())).unwrap()
        };
        let mut rig = Rig {
            dir,
            path,
            address,
            rec: None,
        };
        rig.open();
        rig
    }

    pub fn open_with(&mut self, emul: EmulOptions) {
        self.rec = None;
        self.rec = Some(open_recorder(&self.address, Access::Write, &open_opts(emul)).unwrap());
    }

    pub fn open(&mut self) {
        self.open_with(instant());
    }

    pub fn close(&mut self) {
        self.rec = None;
    }

    pub fn rec(&mut self) -> &mut BoxedRecorder {
        self.rec.as_mut().expect("open")
    }

    /// A source directory under the rig's temporary directory.
    pub fn src(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// Bytes of the backing image from `lba`, `blocks` long.
    pub fn image_blocks(&self, lba: u64, blocks: u64) -> Vec<u8> {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::open(&self.path).unwrap();
        let mut v = vec![0u8; (blocks * 2048) as usize];
        let n = f.read_at(&mut v, lba * 2048).unwrap_or(0);
        v.truncate(n);
        v.resize((blocks * 2048) as usize, 0);
        v
    }

    /// Flips one bit of the backing image at byte `offset`.
    pub fn flip(&self, offset: u64) {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .unwrap();
        let mut b = [0u8];
        f.read_exact_at(&mut b, offset).unwrap();
        b[0] ^= 0x01;
        f.write_all_at(&b, offset).unwrap();
    }
}

/// A recorder over any transport with fast timing.
pub fn recorder<T: Transport>(t: T) -> Recorder<T> {
    Recorder::new(Drive::with_timing(t, Timing::fast()))
}

/// Image options for tests: reproducible, with a volume id.
pub fn image_opts(volid: &str) -> Options {
    let mut o = Options::reproducible(1_704_164_645);
    o.ids.volume = volid.into();
    o
}

pub fn add_opts(volid: &str) -> burn_cli::session::AddOptions {
    burn_cli::session::AddOptions {
        image: image_opts(volid),
        ..burn_cli::session::AddOptions::default()
    }
}

pub fn graft(src: &Path, iso: Option<&str>) -> GraftSpec {
    let mut a = OsString::from(src.as_os_str());
    if let Some(i) = iso {
        a.push("=");
        a.push(i);
    }
    GraftSpec::parse(&a)
}

/// Writes `len` deterministic bytes (seed) to `path`.
pub fn write_file(path: &Path, seed: u64, len: u64) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, Noise::bytes(seed, len)).unwrap();
}

/// A deterministic pseudo-random byte stream (xorshift64*).
#[derive(Clone)]
pub struct Noise {
    state: u64,
    left: u64,
}

impl Noise {
    pub fn new(seed: u64, len: u64) -> Noise {
        Noise {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            left: len,
        }
    }

    pub fn bytes(seed: u64, len: u64) -> Vec<u8> {
        let mut v = vec![0u8; len as usize];
        Noise::new(seed, len).read_exact(&mut v).unwrap();
        v
    }
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for b in &mut buf[..n] {
            let mut x = self.state;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.state = x;
            *b = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

pub fn md5_hex(data: &[u8]) -> String {
    let mut h = Md5::new();
    h.update(data);
    iso_writer::model::hex(&h.finalize())
}

/// Runs xorriso; returns (exit status, stdout + stderr).
pub fn xorriso(args: &[&str]) -> (i32, String) {
    let out = Command::new("xorriso")
        .args(args)
        .output()
        .expect("xorriso is installed");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// `xorriso -toc` session lines as (start, size, volid).
pub fn xorriso_toc(image: &Path) -> Vec<(u32, u32, String)> {
    let dev = format!("stdio:{}", image.display());
    let (_, text) = xorriso(&["-indev", &dev, "-toc"]);
    text.lines()
        .filter(|l| l.starts_with("ISO session"))
        .map(|l| {
            let f: Vec<&str> = l.split(':').nth(1).unwrap().split(',').collect();
            (
                f[1].trim().parse().unwrap(),
                f[2].trim().trim_end_matches('s').parse().unwrap(),
                f[3].trim().to_string(),
            )
        })
        .collect()
}

/// `xorriso -check_md5_r` over the whole tree of the newest session (or
/// the session at `sbsector`): asserts the success line and no "files
/// without MD5" line.
pub fn xorriso_files_match(image: &Path, sbsector: Option<u32>) {
    let dev = format!("stdio:{}", image.display());
    let mut args = vec!["-md5", "on"];
    let sb = sbsector.map(|s| s.to_string());
    if let Some(s) = &sb {
        args.extend(["-load", "sbsector", s.as_str()]);
    }
    args.extend(["-indev", &dev, "-check_md5_r", "sorry", "/", "--"]);
    let (code, text) = xorriso(&args);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("File contents and their MD5 checksums match."),
        "{text}"
    );
    assert!(
        !text.contains("There were data files which have no MD5"),
        "{text}"
    );
}

/// `xorriso -check_media` (it reads the sessions of the emulated table of
/// contents): asserts that every `MD5 tag range:` line ends in `+
/// md5_match`, that no region is unreadable, and returns their count.
pub fn xorriso_tag_ranges_match(image: &Path) -> usize {
    let dev = format!("stdio:{}", image.display());
    let (_, text) = xorriso(&["-md5", "on", "-indev", &dev, "-check_media", "--"]);
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("Media region") && l.contains("- ")),
        "{text}"
    );
    let ranges: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("MD5 tag range"))
        .collect();
    assert!(!ranges.is_empty(), "{text}");
    for r in &ranges {
        assert!(r.trim_end().ends_with("+ md5_match"), "{r}\n{text}");
    }
    ranges.len()
}
