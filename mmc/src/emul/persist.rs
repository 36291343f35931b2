//! The state file beside the image (`IMAGE.emul`): a line-based text format
//! holding the durable state of the medium, replaced atomically (write a
//! temporary file, fsync, rename, fsync the directory).
//!
//! ```text
//! burn-emul-state 1
//! media dvd-r
//! loaded yes
//! capacity 2298496
//! closed-sessions 1
//! finalized no
//! next-start 35744
//! track 1 0 5024 - yes incremental 5 1
//! ```
//!
//! Track lines: `track SESSION START RECORDED RESERVED|- CLOSED KIND CONTROL
//! DATA-MODE`. Unknown keys are ignored (with a log warning) so that newer
//! files stay readable; malformed values are errors.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::disc::{BdRFormat, Bg, Disc, Track, TrackKind};
use super::media::Media;

const MAGIC: &str = "burn-emul-state 1";

/// The state file path for an image path: the image name with `.emul`
/// appended.
pub(crate) fn state_path(image: &Path) -> PathBuf {
    let mut s = image.as_os_str().to_owned();
    s.push(".emul");
    PathBuf::from(s)
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Serializes the durable state.
pub(crate) fn to_text(d: &Disc) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{MAGIC}");
    let _ = writeln!(
        s,
        "# burn emulated recorder: medium state (written by the emulator)"
    );
    let _ = writeln!(s, "media {}", d.media.name());
    let _ = writeln!(s, "loaded {}", yes(d.loaded));
    if d.media.is_rom() {
        let _ = writeln!(s, "rom-blocks {}", d.rom_blocks);
        return s;
    }
    let q = &d.seq;
    let _ = writeln!(s, "capacity {}", q.capacity);
    let _ = writeln!(s, "closed-sessions {}", q.closed_sessions);
    let _ = writeln!(s, "finalized {}", yes(q.finalized));
    let _ = writeln!(s, "next-start {}", q.next_start);
    let _ = writeln!(s, "disc-type {}", q.disc_type);
    let _ = writeln!(s, "dvdrw-restricted-overwrite {}", yes(d.dvdrw_ro));
    let _ = writeln!(s, "incremental-streaming {}", yes(d.feat21));
    let _ = writeln!(s, "bd-r-format {}", d.bdr.name());
    let _ = writeln!(s, "formatted {}", d.ow.formatted);
    let _ = writeln!(s, "spare {}", d.ow.spare);
    let _ = writeln!(s, "intermediate {}", yes(d.ow.intermediate));
    let _ = writeln!(s, "bg-format {}", d.ow.bg.name());
    let _ = writeln!(s, "bg-format-ppm {}", d.ow.bg_ppm);
    for t in &q.tracks {
        let reserved = t
            .reserved
            .map_or_else(|| "-".to_string(), |r| r.to_string());
        let _ = writeln!(
            s,
            "track {} {} {} {} {} {} {} {}",
            t.session,
            t.start,
            t.recorded,
            reserved,
            yes(t.closed),
            t.kind.name(),
            t.control,
            t.data_mode
        );
    }
    s
}

fn bad(line: usize, what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("line {line}: {what}"))
}

fn num<T: std::str::FromStr>(v: Option<&str>, line: usize, key: &str) -> io::Result<T> {
    v.and_then(|v| v.parse().ok())
        .ok_or_else(|| bad(line, &format!("bad value for {key}")))
}

fn flag(v: Option<&str>, line: usize, key: &str) -> io::Result<bool> {
    match v {
        Some("yes") => Ok(true),
        Some("no") => Ok(false),
        _ => Err(bad(line, &format!("bad value for {key} (yes/no)"))),
    }
}

/// Parses a state file. `expected` is the media kind the caller asked for;
/// a different kind in the file is an error.
pub(crate) fn from_text(text: &str, expected: Media) -> io::Result<Disc> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim() == MAGIC => {}
        _ => return Err(bad(1, "not a burn emulator state file")),
    }
    let mut d: Option<Disc> = None;
    for (i, raw) in lines {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut w = line.split_ascii_whitespace();
        let key = w.next().unwrap_or_default();
        if key == "media" {
            let m: Media = w
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad(n, "bad media kind"))?;
            if m != expected {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("the image holds a {m} medium, not {expected}"),
                ));
            }
            d = Some(Disc::fresh(m, 0));
            continue;
        }
        let Some(d) = d.as_mut() else {
            return Err(bad(n, "\"media\" must come first"));
        };
        let v = w.next();
        match key {
            "loaded" => d.loaded = flag(v, n, key)?,
            "rom-blocks" => d.rom_blocks = num(v, n, key)?,
            "capacity" => d.seq.capacity = num(v, n, key)?,
            "closed-sessions" => d.seq.closed_sessions = num(v, n, key)?,
            "finalized" => d.seq.finalized = flag(v, n, key)?,
            "next-start" => d.seq.next_start = num(v, n, key)?,
            "disc-type" => d.seq.disc_type = num(v, n, key)?,
            "dvdrw-restricted-overwrite" => d.dvdrw_ro = flag(v, n, key)?,
            "incremental-streaming" => d.feat21 = flag(v, n, key)?,
            "bd-r-format" => {
                d.bdr = v
                    .and_then(BdRFormat::from_name)
                    .ok_or_else(|| bad(n, "bad bd-r-format"))?
            }
            "formatted" => d.ow.formatted = num(v, n, key)?,
            "spare" => d.ow.spare = num(v, n, key)?,
            "intermediate" => d.ow.intermediate = flag(v, n, key)?,
            "bg-format" => {
                d.ow.bg = v
                    .and_then(Bg::from_name)
                    .ok_or_else(|| bad(n, "bad bg-format"))?
            }
            "bg-format-ppm" => d.ow.bg_ppm = num::<u32>(v, n, key)?.min(1_000_000),
            "track" => {
                let session = num(v, n, "track session")?;
                let start: u32 = num(w.next(), n, "track start")?;
                let recorded: u32 = num(w.next(), n, "track recorded")?;
                let reserved = match w.next() {
                    Some("-") => None,
                    other => Some(num::<u32>(other, n, "track reserved")?),
                };
                let closed = flag(w.next(), n, "track closed")?;
                let kind = w
                    .next()
                    .and_then(TrackKind::from_name)
                    .ok_or_else(|| bad(n, "bad track kind"))?;
                let control = num(w.next(), n, "track control")?;
                let data_mode = num(w.next(), n, "track data mode")?;
                if start.checked_add(recorded).is_none()
                    || reserved.is_some_and(|r| recorded > r || start.checked_add(r).is_none())
                {
                    return Err(bad(n, "track extent overflows"));
                }
                d.seq.tracks.push(Track {
                    session,
                    start,
                    recorded,
                    reserved,
                    closed,
                    kind,
                    control,
                    data_mode,
                });
            }
            other => log::warn!("emulator state: ignoring unknown key {other:?} on line {n}"),
        }
    }
    let d = d.ok_or_else(|| bad(1, "no media line"))?;
    validate(&d).map_err(|w| bad(0, w))?;
    Ok(d)
}

/// Consistency checks that keep later arithmetic in range.
fn validate(d: &Disc) -> Result<(), &'static str> {
    let cap = d.seq.capacity;
    if !d.media.is_rom() && (cap == 0 || cap > d.media.blank_capacity()) {
        return Err("capacity out of range");
    }
    if d.seq.next_start > cap || d.ow.formatted > d.media.blank_capacity() {
        return Err("address out of range");
    }
    let mut prev_end = 0u32;
    for t in &d.seq.tracks {
        if t.start < prev_end || t.end() > cap || t.start.saturating_add(t.recorded) > cap {
            return Err("tracks overlap or exceed the capacity");
        }
        if t.session == 0 || t.session > d.seq.closed_sessions + 1 {
            return Err("track session out of range");
        }
        prev_end = t.end();
    }
    Ok(())
}

/// Writes the state file atomically: temporary file, fsync, rename, fsync
/// of the directory.
pub(crate) fn save(path: &Path, text: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        // Directory fsync makes the rename durable; not all filesystems
        // allow opening a directory, which is not fatal.
        if let Ok(f) = File::open(dir) {
            let _ = f.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut d = Disc::fresh(Media::DvdR, 0);
        d.seq.tracks.push(Track {
            session: 1,
            start: 0,
            recorded: 5024,
            reserved: None,
            closed: true,
            kind: TrackKind::Incremental,
            control: 5,
            data_mode: 1,
        });
        d.seq.closed_sessions = 1;
        d.seq.next_start = 35_744;
        let text = to_text(&d);
        assert_eq!(from_text(&text, Media::DvdR).unwrap(), d);
        assert!(from_text(&text, Media::DvdPlusR).is_err());
        assert!(from_text("garbage", Media::DvdR).is_err());
        let broken = text.replace("track 1 0 5024", "track 1 0 x");
        assert!(from_text(&broken, Media::DvdR).is_err());
    }
}
