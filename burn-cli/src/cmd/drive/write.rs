//! `burn write IMAGE|-`: an image file (or standard input) onto a disc, as
//! it is.
//! The glue's `image::write` decides where (`burn_cli::image`):
//!
//! * sequential media (CD-R/RW, DVD-R/RW, DVD+R, BD-R) and pipes: one
//!   session at the next writable address, with the engine's write type
//!   choice (or `--write-type`), `--close` to finalize, `--dummy` where
//!   the drive simulates;
//! * overwritable media (DVD+RW, DVD-RAM, BD-RE, formatted DVD-RW) and
//!   image files: at LBA 0, replacing what was there (an ISO 9660 image
//!   made for LBA 0 cannot live anywhere else).
//!
//! Nothing is written when the input is missing or unusable, the disc is
//! closed or the image does not fit. `--verify` reads the written blocks
//! back and compares them with the image (block by block for a file, by
//! MD5 for standard input).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use burn_cli::image::{WriteOptions, WriteReport};
use md5::{Digest, Md5};
use mmc::engine::{BlockRange, ReadOptions, WriteType};
use serde_json::{Value, json};

use super::{Access, Rec, device_name, interrupted, open, run_with_progress};
use crate::cli::{self, WriteArgs};
use crate::cmd::{CmdResult, Ctx};
use crate::exit::Failure;
use crate::output::{Outcome, human_bytes, path_text};

/// The input of `burn write`.
enum Input {
    File {
        file: File,
        name: String,
    },
    /// Standard input, its first bytes already read.
    Stdin {
        head: Vec<u8>,
    },
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File { name, .. } => name.clone(),
            Input::Stdin { .. } => "-".into(),
        }
    }
}

/// Opens an image file, refusing what is not one: a missing path, a
/// directory, a FIFO or socket (use `-`), an empty file. Returns the file,
/// its size and its name for messages.
pub fn open_image_file(path: &Path) -> Result<(File, u64, String), Failure> {
    let name = path_text(path);
    let meta =
        std::fs::metadata(path).map_err(|e| Failure::io(format!("cannot open {name}"), e))?;
    let ft = meta.file_type();
    if meta.is_dir() {
        return Err(Failure::io(
            format!("cannot use {name}"),
            io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory, not an image file (to put files on a disc, use `burn add`)",
            ),
        ));
    }
    if !meta.is_file() && !ft.is_block_device() {
        return Err(Failure::io(
            format!("cannot use {name}"),
            io::Error::other(
                "it is not a regular file or block device; to write from a pipe, give - and \
                 --size",
            ),
        ));
    }
    let mut file = File::open(path).map_err(|e| Failure::io(format!("cannot open {name}"), e))?;
    let len = if ft.is_block_device() {
        file.seek(SeekFrom::End(0))
            .and_then(|n| file.seek(SeekFrom::Start(0)).map(|_| n))
            .map_err(|e| Failure::io(format!("cannot read {name}"), e))?
    } else {
        meta.len()
    };
    if len == 0 {
        return Err(Failure::io(
            format!("cannot use {name}"),
            io::Error::other("the file is empty"),
        ));
    }
    Ok((file, len, name))
}

/// The input of `burn write`: standard input for `-`, else the image file.
fn open_input(path: &Path, size: Option<u64>) -> Result<(Input, Option<u64>), Failure> {
    if path == Path::new("-") {
        if size == Some(0) {
            return Err(Failure::usage("--size 0: nothing to write", None));
        }
        // Something must come: an empty input writes nothing (not an
        // empty track).
        let mut head = Vec::with_capacity(HEAD_PEEK);
        io::stdin()
            .lock()
            .take(HEAD_PEEK as u64)
            .read_to_end(&mut head)
            .map_err(|e| Failure::io("cannot read standard input", e))?;
        if head.is_empty() {
            return Err(Failure::io(
                "cannot write",
                io::Error::other("standard input is empty: nothing to write"),
            ));
        }
        return Ok((Input::Stdin { head }, size));
    }
    let (file, len, name) = open_image_file(path)?;
    if let Some(s) = size
        && s != len
    {
        return Err(Failure::usage(
            format!("--size {s} does not match {name}, which has {len} bytes"),
            Some("--size is for standard input (-); leave it out for files"),
        ));
    }
    Ok((Input::File { file, name }, Some(len)))
}

/// Bytes of standard input read before the drive is opened.
const HEAD_PEEK: usize = 64 * 1024;

/// Reads `inner`, records the MD5 of what passes, pads with zeros up to
/// `size` and fails when `inner` holds more than `size` bytes.
struct Source<R> {
    inner: R,
    size: Option<u64>,
    pos: u64,
    eof: bool,
    md5: Arc<Mutex<Md5>>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = match self.size {
            Some(s) => (s - self.pos).min(buf.len() as u64) as usize,
            None => buf.len(),
        };
        if want == 0 {
            return Ok(0);
        }
        let n = if self.eof {
            0
        } else {
            self.inner.read(&mut buf[..want])?
        };
        let n = if n == 0 {
            self.eof = true;
            if self.size.is_none() {
                return Ok(0);
            }
            // Standard input shorter than --size: zeros.
            buf[..want].fill(0);
            want
        } else {
            n
        };
        self.pos += n as u64;
        if let Some(s) = self.size
            && self.pos == s
            && !self.eof
        {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? > 0 {
                return Err(io::Error::other(format!(
                    "the input is longer than --size ({s} bytes)"
                )));
            }
        }
        if let Ok(mut m) = self.md5.lock() {
            m.update(&buf[..n]);
        }
        Ok(n)
    }
}

fn write_type(t: cli::WriteType) -> WriteType {
    match t {
        cli::WriteType::Auto => WriteType::Auto,
        cli::WriteType::Tao => WriteType::Tao,
        cli::WriteType::Sao => WriteType::Sao,
    }
}

/// The engine's speed for `--speed`.
pub fn engine_speed(s: cli::Speed) -> mmc::engine::Speed {
    match s {
        cli::Speed::Max => mmc::engine::Speed::Max,
        cli::Speed::Min => mmc::engine::Speed::Min,
        cli::Speed::Times(x) => mmc::engine::Speed::Times(x),
        cli::Speed::KilobytesPerSecond(k) => mmc::engine::Speed::Kbps(k),
    }
}

pub fn write(a: WriteArgs, ctx: &Ctx) -> CmdResult {
    ctx.require_dev()?;
    // The input first: nothing is opened on the drive for a bad input.
    let (input, size) = open_input(&a.image, a.size)?;
    let image_name = input.name();
    let mut rec = open(ctx, Access::Write)?;
    if a.dummy {
        refuse_dummy(&mut rec)?;
    }

    let md5 = Arc::new(Mutex::new(Md5::new()));
    let reader: Box<dyn Read + Send> = match input {
        Input::File { file, .. } => Box::new(file),
        Input::Stdin { head } => Box::new(io::Cursor::new(head).chain(io::stdin())),
    };
    let source = Source {
        inner: reader,
        size,
        pos: 0,
        eof: false,
        md5: Arc::clone(&md5),
    };
    let opts = WriteOptions {
        close: a.close,
        write_type: write_type(a.write_type),
        dummy: a.dummy,
        speed: a.speed.speed.map(engine_speed),
        force: a.force,
        stream_recording: false,
    };
    let report = run_with_progress(ctx, |p| {
        Ok(burn_cli::image::write(&mut rec, source, size, &opts, p)?)
    })
    .map_err(|f| interrupted(ctx, f, "writing was stopped"))?;
    for n in &report.notes {
        ctx.ui.warn(n);
    }
    let image_md5 = md5
        .lock()
        .map(|m| m.clone().finalize().to_vec())
        .unwrap_or_default();

    let verify = if a.verify && !a.dummy {
        Some(verify_written(
            ctx,
            &mut rec,
            &a.image,
            report.start,
            report.bytes,
            &image_md5,
        )?)
    } else {
        None
    };
    Ok(Box::new(Written {
        device: device_name(ctx),
        image: image_name,
        dummy: a.dummy,
        report,
        md5: iso_writer::model::hex(&image_md5),
        verify,
    }))
}

/// Simulation exists only on sequential media (CD-R/RW, DVD-R/RW write
/// types with Test Write); anything else is refused before a byte is
/// written. The engine decides for sequential media.
fn refuse_dummy(rec: &mut Rec) -> Result<(), Failure> {
    let media = burn_cli::media::inspect(rec)?;
    if media.layout == burn_cli::media::Layout::Sequential {
        return Ok(());
    }
    Err(
        mmc::Error::Unsuitable(mmc::error::Unsuitable::Other(format!(
            "simulation (--dummy) is not possible on {}; only CD-R/RW and DVD-R/RW support it",
            media.profile
        )))
        .into(),
    )
}

/// How the read-back after writing went.
enum Verified {
    Identical,
    Differs(String),
    Unreadable(String),
}

/// Reads back what was written: block by block against the file, or its
/// MD5 against the MD5 of what standard input delivered.
fn verify_written(
    ctx: &Ctx,
    rec: &mut Rec,
    image: &Path,
    start: u32,
    bytes: u64,
    md5: &[u8],
) -> Result<Verified, Failure> {
    if image != Path::new("-") {
        let file = File::open(image)
            .map_err(|e| Failure::io(format!("cannot open {}", path_text(image)), e))?;
        let r = run_with_progress(ctx, |p| {
            Ok(burn_cli::verify::against_image(
                rec,
                file,
                bytes,
                Some(start),
                p,
            )?)
        })
        .map_err(|f| interrupted(ctx, f, "verification was stopped"))?;
        return Ok(if r.identical {
            Verified::Identical
        } else if let Some(m) = r.first_mismatch {
            Verified::Differs(format!(
                "verification failed: the disc differs from the image, first at LBA {m} \
                 ({} blocks differ)",
                r.mismatches
                    .iter()
                    .map(|s| u64::from(s.blocks))
                    .sum::<u64>()
            ))
        } else {
            Verified::Unreadable(format!(
                "verification failed: {} blocks could not be read back",
                r.unreadable
                    .iter()
                    .map(|s| u64::from(s.blocks))
                    .sum::<u64>()
            ))
        });
    }
    let blocks = u32::try_from(bytes.div_ceil(mmc::engine::BLOCK))
        .map_err(|_| Failure::usage("the image is too large to verify", None))?;
    let mut hasher = Md5::new();
    let mut left = bytes;
    let map = run_with_progress(ctx, |p| {
        let mut sink = |_lba: u32, data: &[u8]| -> io::Result<()> {
            let n = (data.len() as u64).min(left) as usize;
            hasher.update(&data[..n]);
            left -= n as u64;
            Ok(())
        };
        Ok(rec.checkread(
            BlockRange::new(start, blocks),
            &ReadOptions::default(),
            &mut sink,
            p,
        )?)
    })
    .map_err(|f| interrupted(ctx, f, "verification was stopped"))?;
    if !map.is_all_good() {
        return Ok(Verified::Unreadable(format!(
            "verification failed: {} blocks could not be read back",
            u64::from(map.range.blocks) - map.good_blocks()
        )));
    }
    Ok(if hasher.finalize().as_slice() == md5 {
        Verified::Identical
    } else {
        Verified::Differs(format!(
            "verification failed: the {blocks} blocks read back from LBA {start} differ from \
             what was sent"
        ))
    })
}

struct Written {
    device: String,
    image: String,
    dummy: bool,
    report: WriteReport,
    md5: String,
    verify: Option<Verified>,
}

impl Outcome for Written {
    fn kind(&self) -> &'static str {
        "write"
    }

    fn is_summary(&self) -> bool {
        true
    }

    fn json(&self) -> Value {
        let r = &self.report;
        json!({
            "device": self.device,
            "image": self.image,
            "layout": serde_json::to_value(r.layout).unwrap_or(Value::Null),
            "start": r.start,
            "bytes": r.bytes,
            "written_blocks": r.written_blocks,
            "volume_id": r.volume_id,
            "built_for": r.built_for,
            "method": r.method,
            "closed": r.closed,
            "dummy": self.dummy,
            "truncated": r.truncated,
            "md5": self.md5,
            "verified": self.verify.as_ref().map(|v| matches!(v, Verified::Identical)),
            "notes": r.notes,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        let name = if self.image == "-" {
            "standard input"
        } else {
            &self.image
        };
        write!(
            out,
            "{}{name}: {} ({} bytes) written to {} at LBA {}",
            if self.dummy { "simulated: " } else { "" },
            human_bytes(r.bytes),
            r.bytes,
            self.device,
            r.start,
        )?;
        if let Some(m) = &r.method {
            write!(out, " ({m})")?;
        }
        writeln!(out)?;
        if r.closed {
            writeln!(out, "the disc is closed")?;
        }
        writeln!(out, "MD5 of the image: {}", self.md5)?;
        if matches!(self.verify, Some(Verified::Identical)) {
            writeln!(out, "verified: the disc matches the image")?;
        }
        Ok(())
    }

    fn failure(&self) -> Option<Failure> {
        match &self.verify {
            Some(Verified::Differs(m)) => Some(Failure::Mismatch(m.clone())),
            Some(Verified::Unreadable(m)) => Some(Failure::Incomplete {
                message: m.clone(),
                hints: vec!["the disc may be faulty; try another disc or a lower speed".into()],
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(data: &[u8], size: Option<u64>) -> (Source<&[u8]>, Arc<Mutex<Md5>>) {
        let md5 = Arc::new(Mutex::new(Md5::new()));
        (
            Source {
                inner: data,
                size,
                pos: 0,
                eof: false,
                md5: Arc::clone(&md5),
            },
            md5,
        )
    }

    #[test]
    fn shorter_input_is_padded_to_the_size() {
        let (mut s, md5) = source(b"abc", Some(8));
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc\0\0\0\0\0");
        // The MD5 is that of what was sent, padding included.
        let got = md5.lock().unwrap().clone().finalize();
        assert_eq!(got.as_slice(), Md5::digest(b"abc\0\0\0\0\0").as_slice());
    }

    #[test]
    fn longer_input_than_the_size_fails() {
        let (mut s, _) = source(b"abcdefghij", Some(8));
        let mut out = Vec::new();
        let e = s.read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().contains("longer than --size"), "{e}");
        // Exactly the size is fine; so is no size at all.
        let (mut s, _) = source(b"abcdefgh", Some(8));
        s.read_to_end(&mut out).unwrap();
        let (mut s, md5) = source(b"xyz", None);
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"xyz");
        let got = md5.lock().unwrap().clone().finalize();
        assert_eq!(got.as_slice(), Md5::digest(b"xyz").as_slice());
    }
}
