//! `burn ls`: list files of an image file or a disc, like `ls -l`.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

use iso_writer::model::{Kind, hex};
use iso_writer::read::{BlockRead, Entry, Image, WalkEvent, newest_session};
use mmc::address::Address;
use serde_json::{Value, json};

use super::{CmdResult, Ctx, iso_path};
use crate::cli::LsArgs;
use crate::exit::Failure;
use crate::output::{Outcome, date_rfc3339, date_short, kind_name, mode_string, path_text};

/// Where files are read from.
#[derive(Debug)]
pub(super) enum Source {
    /// An image file (or block device) read directly.
    File(PathBuf),
    /// A disc in a drive.
    Drive(Address),
}

impl Source {
    /// The source of a drive address: `stdio:` targets are files, read
    /// directly; real and emulated drives go through the drive layer.
    pub(super) fn of_address(a: &Address) -> Source {
        match a {
            Address::Stdio(p) if !a.is_stdout() => Source::File(p.clone()),
            other => Source::Drive(other.clone()),
        }
    }

    pub(super) fn name(&self) -> String {
        match self {
            Source::File(p) => path_text(p),
            Source::Drive(a) => a.to_string(),
        }
    }
}

/// Splits `ls`/`extract` positional arguments into the source and the
/// rest (at most `rest_len` arguments): with `--dev` on the command line
/// all of them are the rest; else the first is an image file — unless
/// there are fewer than `with_image` arguments (the least the image form
/// takes) and BURN_DEV names a drive.
pub(super) fn split_source(
    ctx: &Ctx,
    args: Vec<OsString>,
    rest_len: usize,
    with_image: usize,
    usage: &str,
) -> Result<(Source, Vec<OsString>), Failure> {
    let bad = |msg: String| Failure::usage(msg, Some(usage));
    if ctx.dev_explicit {
        let dev = ctx.require_dev()?;
        if args.len() > rest_len {
            return Err(bad(format!(
                "too many arguments: with --dev give only {}",
                if rest_len == 1 {
                    "ISO_PATH"
                } else {
                    "ISO_PATH and DEST"
                }
            )));
        }
        return Ok((Source::of_address(dev), args));
    }
    if args.len() < with_image
        && let Some(dev) = &ctx.dev
    {
        return Ok((Source::of_address(dev), args));
    }
    let mut it = args.into_iter();
    match it.next() {
        Some(img) => Ok((Source::File(PathBuf::from(img)), it.collect())),
        None => Err(bad("no image given".into())),
    }
}

/// Opens the newest session of an image file.
pub(super) fn open_image(path: &PathBuf) -> Result<Image<File>, Failure> {
    let name = path_text(path);
    let mut f = File::open(path).map_err(|e| Failure::io(format!("cannot open {name}"), e))?;
    let meta = f
        .metadata()
        .map_err(|e| Failure::io(format!("cannot open {name}"), e))?;
    if meta.is_dir() {
        return Err(Failure::io(
            format!("cannot read {name}"),
            io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory, not an image file",
            ),
        ));
    }
    let start = newest_session(&mut f).map_err(|e| Failure::read(&name, e))?;
    Image::open(f, start).map_err(|e| Failure::read(&name, e))
}

pub fn run(a: LsArgs, ctx: &Ctx) -> CmdResult {
    let positional: Vec<OsString> = a.first.iter().chain(a.second.iter()).cloned().collect();
    let (source, rest) = split_source(ctx, positional, 1, 1, "see `burn ls --help`")?;
    let path = iso_path(rest.first().map(OsString::as_os_str));
    let name = source.name();
    match &source {
        Source::File(p) => {
            let mut img = open_image(p)?;
            list(&mut img, name, path, &a)
        }
        Source::Drive(_) => {
            let mut rec = super::drive::open(ctx, super::drive::Access::Read)?;
            let mut img = burn_cli::disc::open_image(&mut rec, None)?;
            list(&mut img, name, path, &a)
        }
    }
}

/// Lists `path` of an open session.
fn list<R: BlockRead>(img: &mut Image<R>, name: String, path: Vec<u8>, a: &LsArgs) -> CmdResult {
    let rerr = |e| Failure::read(&name, e);
    let entry = img.lookup(&path).map_err(rerr)?;

    let mut rows = Vec::new();
    if a.directory || !entry.is_dir() {
        rows.push(row(img, path.clone(), path.clone(), &entry));
    } else if a.recursive {
        let mut found: Vec<(Vec<Vec<u8>>, Entry)> = Vec::new();
        img.walk(&entry, |ev, rel, e| {
            if ev == WalkEvent::Visit && rel.as_bytes() != b"/" {
                let comps = rel
                    .as_bytes()
                    .split(|&b| b == b'/')
                    .filter(|c| !c.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect();
                found.push((comps, e.clone()));
            }
            Ok(())
        })
        .map_err(rerr)?;
        // Directory order: each directory's entries sorted by name,
        // children right after their directory.
        found.sort_by(|x, y| x.0.cmp(&y.0));
        for (comps, e) in found {
            let full = join(&path, &comps);
            rows.push(row(img, full.clone(), full, &e));
        }
    } else {
        let mut list = img.read_dir(&entry).map_err(rerr)?;
        list.sort_by(|x, y| x.name.cmp(&y.name));
        for e in list {
            let full = join(&path, std::slice::from_ref(&e.name.0));
            rows.push(row(img, full, e.name.0.clone(), &e));
        }
    }
    let vol = img.volume();
    Ok(Box::new(Listing {
        source: name,
        session_start: vol.session_start,
        volume_id: vol.volume_id.trim_end().to_string(),
        path: String::from_utf8_lossy(&path).into_owned(),
        long: a.long,
        rows,
    }))
}

fn join(base: &[u8], comps: &[Vec<u8>]) -> Vec<u8> {
    let mut p = base.to_vec();
    for c in comps {
        if p.last() != Some(&b'/') {
            p.push(b'/');
        }
        p.extend_from_slice(c);
    }
    p
}

/// One listed entry.
struct Row {
    /// Full path in the image.
    path: Vec<u8>,
    /// What the plain listing shows: the name, or the path with -R / for
    /// an argument that is not a directory.
    shown: Vec<u8>,
    name: Vec<u8>,
    kind: Kind,
    mode: u32,
    nlink: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: iso_writer::model::Timestamp,
    target: Option<String>,
    device: Option<(u32, u32)>,
    lba: Option<u32>,
    md5: Option<String>,
}

fn row<R: BlockRead>(img: &Image<R>, path: Vec<u8>, shown: Vec<u8>, e: &Entry) -> Row {
    let name = if e.name.as_bytes().is_empty() {
        b"/".to_vec()
    } else {
        e.name.0.clone()
    };
    Row {
        path,
        shown,
        name,
        kind: e.kind,
        mode: e.metadata.permissions(),
        nlink: e.metadata.nlink,
        uid: e.metadata.uid,
        gid: e.metadata.gid,
        size: e.size,
        mtime: e.metadata.mtime,
        target: e.symlink_target.as_ref().map(|t| t.to_string_lossy()),
        device: e.device(),
        lba: if e.kind == Kind::File && e.size > 0 {
            e.lba()
        } else {
            None
        },
        md5: if e.kind == Kind::File {
            img.file_md5(e).map(|m| hex(&m))
        } else {
            None
        },
    }
}

struct Listing {
    source: String,
    session_start: u32,
    volume_id: String,
    path: String,
    long: bool,
    rows: Vec<Row>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Outcome for Listing {
    fn kind(&self) -> &'static str {
        "ls"
    }

    fn json(&self) -> Value {
        let entries: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "path": lossy(&r.path),
                    "name": lossy(&r.name),
                    "kind": kind_name(r.kind),
                    "permissions": r.mode,
                    "mode_text": mode_string(r.kind, r.mode),
                    "nlink": r.nlink,
                    "uid": r.uid,
                    "gid": r.gid,
                    "size": r.size,
                    "mtime": date_rfc3339(r.mtime),
                    "mtime_unix": r.mtime.secs,
                    "target": r.target,
                    "device": r.device.map(|(a, b)| vec![a, b]),
                    "lba": r.lba,
                    "md5": r.md5,
                })
            })
            .collect();
        json!({
            "source": self.source,
            "session_start": self.session_start,
            "volume_id": self.volume_id,
            "path": self.path,
            "entries": entries,
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        if !self.long {
            for r in &self.rows {
                out.write_all(&r.shown)?;
                out.write_all(b"\n")?;
            }
            return Ok(());
        }
        let size_text = |r: &Row| match r.device {
            Some((a, b)) => format!("{a}, {b}"),
            None => r.size.to_string(),
        };
        let width =
            |f: &dyn Fn(&Row) -> String| self.rows.iter().map(|r| f(r).len()).max().unwrap_or(0);
        let wl = width(&|r| r.nlink.to_string());
        let wu = width(&|r| r.uid.to_string());
        let wg = width(&|r| r.gid.to_string());
        let ws = width(&size_text);
        for r in &self.rows {
            write!(
                out,
                "{} {:>wl$} {:<wu$} {:<wg$} {:>ws$} {} ",
                mode_string(r.kind, r.mode),
                r.nlink,
                r.uid,
                r.gid,
                size_text(r),
                date_short(r.mtime),
            )?;
            out.write_all(&r.shown)?;
            if let Some(t) = &r.target {
                write!(out, " -> {t}")?;
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
