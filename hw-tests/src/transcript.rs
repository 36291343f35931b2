//! Transcripts of raw MMC exchanges: one record per command, with the CDB,
//! the data direction, and the device's status, sense and data-in bytes.
//!
//! The format is what `lab/guest/tgt-raw-sequence.sh` prints in the lab (from
//! `sg_raw -v` output) and what [`Transcript`]'s `Display` writes, so a
//! transcript captured from tgt through a real kernel and one produced by
//! replaying the same CDBs against another device can be compared line by
//! line:
//!
//! ```text
//! # comment lines (how the transcript was made)
//!
//! === inquiry: INQUIRY
//! cdb: 12 00 00 00 24 00
//! dir: in 36
//! status: GOOD
//! data: 36
//!  05 80 05 12 3d 00 00 02 49 45 54 20 20 20 20 20
//!  ...
//!
//! === reserve-track: RESERVE TRACK, 16 blocks
//! cdb: 53 00 00 00 00 00 00 00 10 00
//! dir: none
//! status: CHECK CONDITION
//! sense: 70 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00 00 00
//! ```
//!
//! * `dir:` is `none`, `in ALLOC` or `out LEN seq`; data-out is always the
//!   first LEN bytes of [`seq_pattern`].
//! * `sense:` appears only when the status is not GOOD.
//! * `data: N` gives the data-in bytes received; above [`FULL_HEX_MAX`]
//!   bytes it is `data: N md5 HEX` and only the first [`PREFIX_HEX`] bytes
//!   follow as hex.
//! * `error: TEXT` replaces `status:` when the command never completed.

use std::fmt;
use std::fmt::Write as _;

use md5::{Digest, Md5};

/// Data-in replies up to this size are kept in full.
pub const FULL_HEX_MAX: usize = 256;
/// Bytes of hex kept for larger replies (the rest is represented by MD5).
pub const PREFIX_HEX: usize = 64;

/// A sequence of recorded exchanges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Comment lines without the leading `# `.
    pub comments: Vec<String>,
    pub steps: Vec<Step>,
}

/// One command and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Stable identifier, e.g. `read-track-information-ff`.
    pub name: String,
    /// Human description, e.g. `READ TRACK INFORMATION, track FFh`.
    pub title: String,
    pub cdb: Vec<u8>,
    pub dir: Direction,
    pub reply: Reply,
}

/// Data phase of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    None,
    /// Data-in with this allocation length.
    In(usize),
    /// Data-out of this many bytes of [`seq_pattern`].
    Out(usize),
}

/// How a command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The device completed the command with a status.
    Completed {
        /// Status name as SAM-5 table 33 spells it, upper case
        /// (`GOOD`, `CHECK CONDITION`, …).
        status: String,
        /// Sense bytes (empty with GOOD).
        sense: Vec<u8>,
        /// Data-in received, for data-in commands.
        data: Option<DataIn>,
    },
    /// The command did not complete (transport failure).
    Failed(String),
}

/// Data-in bytes of a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataIn {
    /// Bytes received.
    pub len: usize,
    /// Lower-case hex MD5 of all received bytes, for replies longer than
    /// [`FULL_HEX_MAX`].
    pub md5: Option<String>,
    /// All bytes, or the first [`PREFIX_HEX`] when `md5` is set.
    pub bytes: Vec<u8>,
}

impl DataIn {
    /// Records `bytes` as received: in full up to [`FULL_HEX_MAX`], else as
    /// MD5 plus a prefix.
    pub fn from_received(bytes: &[u8]) -> DataIn {
        if bytes.len() > FULL_HEX_MAX {
            DataIn {
                len: bytes.len(),
                md5: Some(md5_hex(bytes)),
                bytes: bytes[..PREFIX_HEX].to_vec(),
            }
        } else {
            DataIn {
                len: bytes.len(),
                md5: None,
                bytes: bytes.to_vec(),
            }
        }
    }

    /// True when all received bytes are kept.
    pub fn is_complete(&self) -> bool {
        self.md5.is_none() && self.bytes.len() == self.len
    }

    /// All received bytes, when the transcript determines them: the kept
    /// bytes when complete; for a reply kept as prefix and MD5, the prefix
    /// zero-filled to the received length when that has the recorded MD5
    /// (a reply whose rest was zeros, like the padding the lab path adds
    /// after tgt's data). `None` when the rest is not known.
    pub fn zero_filled(&self) -> Option<Vec<u8>> {
        if self.is_complete() {
            return Some(self.bytes.clone());
        }
        let md5 = self.md5.as_deref()?;
        if self.bytes.len() > self.len {
            return None;
        }
        let mut all = self.bytes.clone();
        all.resize(self.len, 0);
        (md5_hex(&all) == md5).then_some(all)
    }
}

/// Lower-case hex MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    let digest = Md5::digest(bytes);
    let mut s = String::with_capacity(32);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The data-out pattern: the first `len` bytes of the output of
/// `seq 1 10000` ("1\n2\n3\n…"), easy to recognise in a hex dump and to
/// produce with busybox in the guest.
pub fn seq_pattern(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 8);
    let mut i = 1u32;
    while v.len() < len {
        v.extend_from_slice(format!("{i}\n").as_bytes());
        i += 1;
    }
    v.truncate(len);
    v
}

impl Step {
    /// GOOD status (or CONDITION MET).
    pub fn is_good(&self) -> bool {
        matches!(&self.reply, Reply::Completed { status, .. } if status == "GOOD" || status == "CONDITION MET")
    }

    /// Status name, or `None` when the command did not complete.
    pub fn status(&self) -> Option<&str> {
        match &self.reply {
            Reply::Completed { status, .. } => Some(status),
            Reply::Failed(_) => None,
        }
    }

    /// Sense key, ASC, ASCQ of a CHECK CONDITION.
    pub fn sense_triplet(&self) -> Option<(u8, u8, u8)> {
        match &self.reply {
            Reply::Completed { sense, .. } if !self.is_good() => decode::sense_triplet(sense),
            _ => None,
        }
    }

    /// Data-in bytes kept in the transcript (possibly only a prefix).
    pub fn data(&self) -> Option<&DataIn> {
        match &self.reply {
            Reply::Completed { data, .. } => data.as_ref(),
            Reply::Failed(_) => None,
        }
    }

    /// Data-in bytes if they are complete.
    pub fn full_data(&self) -> Option<&[u8]> {
        self.data()
            .filter(|d| d.is_complete())
            .map(|d| d.bytes.as_slice())
    }

    /// Operation code.
    pub fn opcode(&self) -> Option<u8> {
        self.cdb.first().copied()
    }

    /// One-line decoded summary of the reply (see [`decode::summarize`]).
    pub fn summary(&self) -> String {
        decode::summarize(self)
    }
}

impl Transcript {
    /// The step with this name.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// Parses the text format described in the module documentation.
    pub fn parse(text: &str) -> Result<Transcript, ParseError> {
        let mut t = Transcript::default();
        let mut cur: Option<Partial> = None;
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let err = |message: String| ParseError {
                line: lineno,
                message,
            };
            if let Some(c) = raw.strip_prefix('#') {
                if cur.is_some() {
                    return Err(err("comment inside a step".into()));
                }
                t.comments
                    .push(c.strip_prefix(' ').unwrap_or(c).to_string());
                continue;
            }
            if raw.trim().is_empty() {
                if let Some(p) = cur.take() {
                    t.steps.push(p.finish().map_err(err)?);
                }
                continue;
            }
            if let Some(head) = raw.strip_prefix("=== ") {
                if let Some(p) = cur.take() {
                    t.steps.push(p.finish().map_err(err)?);
                }
                let (name, title) = head
                    .split_once(": ")
                    .ok_or_else(|| err(format!("step header without ': ': {head:?}")))?;
                cur = Some(Partial::new(name, title));
                continue;
            }
            let p = cur
                .as_mut()
                .ok_or_else(|| err(format!("line outside a step: {raw:?}")))?;
            if raw.starts_with(' ') {
                let d = p
                    .data
                    .as_mut()
                    .ok_or_else(|| err("hex bytes without a 'data:' line".into()))?;
                d.bytes.extend(parse_hex(raw).map_err(err)?);
                continue;
            }
            let (key, value) = raw
                .split_once(": ")
                .map(|(k, v)| (k, v.trim()))
                .or_else(|| raw.strip_suffix(':').map(|k| (k, "")))
                .ok_or_else(|| err(format!("expected 'key: value': {raw:?}")))?;
            match key {
                "cdb" => p.cdb = Some(parse_hex(value).map_err(err)?),
                "dir" => p.dir = Some(parse_dir(value).map_err(err)?),
                "status" => p.status = Some(value.to_string()),
                "sense" => p.sense = parse_hex(value).map_err(err)?,
                "error" => p.error = Some(value.to_string()),
                "data" => {
                    let mut words = value.split_whitespace();
                    let len = words
                        .next()
                        .and_then(|w| w.parse().ok())
                        .ok_or_else(|| err(format!("bad data length: {value:?}")))?;
                    let md5 = match (words.next(), words.next()) {
                        (None, _) => None,
                        (Some("md5"), Some(h)) if h.len() == 32 => Some(h.to_ascii_lowercase()),
                        _ => return Err(err(format!("bad data line: {value:?}"))),
                    };
                    p.data = Some(DataIn {
                        len,
                        md5,
                        bytes: Vec::new(),
                    });
                }
                _ => return Err(err(format!("unknown key {key:?}"))),
            }
        }
        if let Some(p) = cur.take() {
            let n = text.lines().count();
            t.steps.push(
                p.finish()
                    .map_err(|message| ParseError { line: n, message })?,
            );
        }
        Ok(t)
    }
}

struct Partial {
    name: String,
    title: String,
    cdb: Option<Vec<u8>>,
    dir: Option<Direction>,
    status: Option<String>,
    sense: Vec<u8>,
    data: Option<DataIn>,
    error: Option<String>,
}

impl Partial {
    fn new(name: &str, title: &str) -> Partial {
        Partial {
            name: name.to_string(),
            title: title.to_string(),
            cdb: None,
            dir: None,
            status: None,
            sense: Vec::new(),
            data: None,
            error: None,
        }
    }

    fn finish(self) -> Result<Step, String> {
        let cdb = self
            .cdb
            .ok_or_else(|| format!("step {}: no cdb", self.name))?;
        let dir = self
            .dir
            .ok_or_else(|| format!("step {}: no dir", self.name))?;
        if let Some(d) = &self.data {
            let want = if d.md5.is_some() {
                PREFIX_HEX.min(d.len)
            } else {
                d.len
            };
            if d.bytes.len() != want {
                return Err(format!(
                    "step {}: data says {} bytes, {} hex bytes follow",
                    self.name,
                    d.len,
                    d.bytes.len()
                ));
            }
        }
        let reply = match (self.status, self.error) {
            (Some(status), None) => Reply::Completed {
                status,
                sense: self.sense,
                data: self.data,
            },
            (None, Some(e)) => Reply::Failed(e),
            _ => {
                return Err(format!(
                    "step {}: needs exactly one of status/error",
                    self.name
                ));
            }
        };
        Ok(Step {
            name: self.name,
            title: self.title,
            cdb,
            dir,
            reply,
        })
    }
}

/// A line of a transcript that does not fit the format.
#[derive(Debug, thiserror::Error)]
#[error("transcript line {line}: {message}")]
#[non_exhaustive]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    s.split_whitespace()
        .map(|w| {
            if w.len() == 2 {
                u8::from_str_radix(w, 16).map_err(|_| format!("bad hex byte {w:?}"))
            } else {
                Err(format!("bad hex byte {w:?}"))
            }
        })
        .collect()
}

fn parse_dir(s: &str) -> Result<Direction, String> {
    let w: Vec<&str> = s.split_whitespace().collect();
    let num = |x: &str| x.parse::<usize>().map_err(|_| format!("bad length {x:?}"));
    match w.as_slice() {
        ["none"] => Ok(Direction::None),
        ["in", n] => Ok(Direction::In(num(n)?)),
        ["out", n, "seq"] => Ok(Direction::Out(num(n)?)),
        _ => Err(format!("bad dir {s:?}")),
    }
}

fn write_hex_line(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, " {b:02x}")?;
    }
    writeln!(f)
}

impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.comments {
            if c.is_empty() {
                writeln!(f, "#")?;
            } else {
                writeln!(f, "# {c}")?;
            }
        }
        if !self.comments.is_empty() {
            writeln!(f)?;
        }
        for s in &self.steps {
            writeln!(f, "{s}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== {}: {}", self.name, self.title)?;
        write!(f, "cdb:")?;
        write_hex_line(f, &self.cdb)?;
        match self.dir {
            Direction::None => writeln!(f, "dir: none")?,
            Direction::In(n) => writeln!(f, "dir: in {n}")?,
            Direction::Out(n) => writeln!(f, "dir: out {n} seq")?,
        }
        match &self.reply {
            Reply::Failed(e) => writeln!(f, "error: {e}")?,
            Reply::Completed {
                status,
                sense,
                data,
            } => {
                writeln!(f, "status: {status}")?;
                if status != "GOOD" {
                    write!(f, "sense:")?;
                    write_hex_line(f, sense)?;
                }
                if let Some(d) = data {
                    match &d.md5 {
                        Some(m) => writeln!(f, "data: {} md5 {m}", d.len)?,
                        None => writeln!(f, "data: {}", d.len)?,
                    }
                    for chunk in d.bytes.chunks(16) {
                        write_hex_line(f, chunk)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Decoders for the replies in a transcript, written from the MMC-6 and
/// SPC-4 tables independently of the `mmc` crate, so that they can judge it.
/// Every accessor is bounds-checked: short replies give `None`.
pub mod decode {
    use super::{Reply, Step};

    fn be(d: &[u8], off: usize, len: usize) -> Option<u64> {
        let b = d.get(off..off.checked_add(len)?)?;
        Some(b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
    }

    /// Sense key, ASC, ASCQ from fixed (70h/71h; SPC-4 §4.5.3) or descriptor
    /// (72h/73h; SPC-4 §4.5.2) format sense data.
    pub fn sense_triplet(s: &[u8]) -> Option<(u8, u8, u8)> {
        match s.first()? & 0x7F {
            0x70 | 0x71 => Some((s.get(2)? & 0x0F, *s.get(12)?, *s.get(13)?)),
            0x72 | 0x73 => Some((s.get(1)? & 0x0F, *s.get(2)?, *s.get(3)?)),
            _ => None,
        }
    }

    /// INQUIRY standard data (SPC-4 §6.6.2): peripheral device type and the
    /// vendor, product and revision strings.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Inquiry {
        pub device_type: u8,
        pub vendor: String,
        pub product: String,
        pub revision: String,
    }

    pub fn inquiry(d: &[u8]) -> Option<Inquiry> {
        let s = |r: std::ops::Range<usize>| {
            d.get(r)
                .map(|b| String::from_utf8_lossy(b).trim_end().to_string())
        };
        Some(Inquiry {
            device_type: d.first()? & 0x1F,
            vendor: s(8..16)?,
            product: s(16..32)?,
            revision: s(32..36)?,
        })
    }

    /// GET CONFIGURATION header (MMC-6 §6.6.2.1): (Data Length, Current Profile).
    pub fn configuration_header(d: &[u8]) -> Option<(u32, u16)> {
        Some((be(d, 0, 4)? as u32, be(d, 6, 2)? as u16))
    }

    /// Feature descriptors (MMC-6 §5.2.2) after the 8-byte header:
    /// (feature code, current bit, additional data). Stops at the Data
    /// Length or at the first truncated descriptor.
    pub fn features(d: &[u8]) -> Vec<(u16, bool, &[u8])> {
        let mut out = Vec::new();
        let end = be(d, 0, 4)
            .and_then(|l| usize::try_from(l).ok())
            .and_then(|l| l.checked_add(4))
            .map_or(0, |e| e.min(d.len()));
        let mut off = 8;
        while off + 4 <= end {
            let (Some(code), Some(flags), Some(n)) =
                (be(d, off, 2), d.get(off + 2), d.get(off + 3))
            else {
                break;
            };
            let Some(body) = d.get(off + 4..off + 4 + usize::from(*n)) else {
                break;
            };
            out.push((code as u16, flags & 1 != 0, body));
            off += 4 + usize::from(*n);
        }
        out
    }

    /// Profile List feature (0000h, MMC-6 §5.3.1): (profile, CurrentP).
    pub fn profiles(d: &[u8]) -> Vec<(u16, bool)> {
        features(d)
            .into_iter()
            .find(|(code, _, _)| *code == 0)
            .map(|(_, _, body)| {
                body.chunks_exact(4)
                    .map(|p| (u16::from_be_bytes([p[0], p[1]]), p[2] & 1 != 0))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// READ DISC INFORMATION, data type 000b (MMC-6 §6.21.3.1).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct DiscInfo {
        /// Disc Information Length (bytes that follow byte 1).
        pub length: u16,
        /// Byte 2 bits 1–0: 00b empty, 01b incomplete, 10b complete, 11b other.
        pub disc_status: u8,
        /// Byte 2 bits 3–2: 00b empty, 01b incomplete, 10b damaged, 11b complete.
        pub last_session_state: u8,
        pub first_track: u8,
        /// Number of Sessions, bytes 4 (LSB) and 9 (MSB).
        pub sessions: u16,
        /// First Track Number in Last Session, bytes 5 and 10.
        pub first_track_last_session: u16,
        /// Last Track Number in Last Session, bytes 6 and 11.
        pub last_track_last_session: u16,
        /// Last Possible Lead-out Start Address, bytes 20–23.
        pub last_possible_lead_out: u32,
    }

    pub fn disc_info(d: &[u8]) -> Option<DiscInfo> {
        let b2 = *d.get(2)?;
        let pair =
            |lsb: usize, msb: usize| Some(u16::from(*d.get(msb)?) << 8 | u16::from(*d.get(lsb)?));
        Some(DiscInfo {
            length: be(d, 0, 2)? as u16,
            disc_status: b2 & 3,
            last_session_state: (b2 >> 2) & 3,
            first_track: *d.get(3)?,
            sessions: pair(4, 9)?,
            first_track_last_session: pair(5, 10)?,
            last_track_last_session: pair(6, 11)?,
            last_possible_lead_out: be(d, 20, 4)? as u32,
        })
    }

    /// READ TRACK INFORMATION (MMC-6 §6.26.3).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct TrackInfo {
        /// Data Length (bytes that follow byte 1).
        pub length: u16,
        /// Logical Track Number, bytes 2 and 32.
        pub track: u16,
        /// Session Number, bytes 3 and 33.
        pub session: u16,
        /// Byte 5 bit 5.
        pub damage: bool,
        /// Byte 6 bit 6.
        pub blank: bool,
        /// Byte 7 bit 0.
        pub nwa_valid: bool,
        /// Byte 7 bit 1.
        pub lra_valid: bool,
        pub start: u32,
        pub nwa: u32,
        pub free_blocks: u32,
        pub size: u32,
        pub last_recorded: u32,
    }

    pub fn track_info(d: &[u8]) -> Option<TrackInfo> {
        let msb = |i: usize| u16::from(d.get(i).copied().unwrap_or(0)) << 8;
        Some(TrackInfo {
            length: be(d, 0, 2)? as u16,
            track: msb(32) | u16::from(*d.get(2)?),
            session: msb(33) | u16::from(*d.get(3)?),
            damage: d.get(5)? & 0x20 != 0,
            blank: d.get(6)? & 0x40 != 0,
            nwa_valid: d.get(7)? & 1 != 0,
            lra_valid: d.get(7)? & 2 != 0,
            start: be(d, 8, 4)? as u32,
            nwa: be(d, 12, 4)? as u32,
            free_blocks: be(d, 16, 4)? as u32,
            size: be(d, 24, 4)? as u32,
            last_recorded: be(d, 28, 4)? as u32,
        })
    }

    /// READ TOC/PMA/ATIP format 0000b (MMC-6 §6.25.3.2).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Toc {
        /// TOC Data Length (bytes that follow byte 1).
        pub length: u16,
        pub first_track: u8,
        pub last_track: u8,
        /// (track number, ADR/CONTROL, start LBA) per descriptor; AAh is the lead-out.
        pub entries: Vec<(u8, u8, u32)>,
    }

    pub fn toc(d: &[u8]) -> Option<Toc> {
        let length = be(d, 0, 2)? as u16;
        let end = (usize::from(length) + 2).min(d.len());
        let entries = d
            .get(4..end)?
            .chunks_exact(8)
            .map(|e| (e[2], e[1], u32::from_be_bytes([e[4], e[5], e[6], e[7]])))
            .collect();
        Some(Toc {
            length,
            first_track: *d.get(2)?,
            last_track: *d.get(3)?,
            entries,
        })
    }

    /// READ CAPACITY (MMC-6 §6.23.3): (last LBA, block length).
    pub fn capacity(d: &[u8]) -> Option<(u32, u32)> {
        Some((be(d, 0, 4)? as u32, be(d, 4, 4)? as u32))
    }

    /// MODE SENSE(10) (SPC-4 §7.5.5): the page code and length of the first
    /// page after the header and block descriptors.
    pub fn mode_page(d: &[u8]) -> Option<(u8, u8)> {
        let bdl = usize::try_from(be(d, 6, 2)?).ok()?;
        let p = 8 + bdl;
        Some((d.get(p)? & 0x3F, *d.get(p + 1)?))
    }

    /// One-line decoded summary of a step's reply, per operation code.
    pub fn summarize(s: &Step) -> String {
        summarize_with(s, None)
    }

    /// Like [`summarize`], decoding `full` (all data-in bytes received)
    /// instead of what the transcript keeps of a long reply.
    pub fn summarize_with(s: &Step, full: Option<&[u8]>) -> String {
        let (status, sense, data) = match &s.reply {
            Reply::Failed(e) => return format!("error: {e}"),
            Reply::Completed {
                status,
                sense,
                data,
            } => (status, sense, data),
        };
        if !s.is_good() {
            return match sense_triplet(sense) {
                Some((k, a, q)) => format!("{status} {k:X}/{a:02X}/{q:02X}"),
                None => format!("{status} (no sense)"),
            };
        }
        let Some(data) = data else {
            return status.clone();
        };
        let d = full.unwrap_or(data.bytes.as_slice());
        let op = s.opcode().unwrap_or(0xFF);
        let detail = match op {
            0x12 => inquiry(d).map(|i| {
                format!(
                    "type {:02X}h, {} {} {}",
                    i.device_type, i.vendor, i.product, i.revision
                )
            }),
            0x46 => configuration_header(d).map(|(len, p)| {
                let feats = features(d);
                if feats.is_empty() {
                    format!("profile {p:04X}h, length {}", len + 4)
                } else {
                    let list: Vec<String> = feats
                        .iter()
                        .map(|(c, cur, _)| format!("{c:04X}{}", if *cur { "" } else { "-" }))
                        .collect();
                    format!(
                        "profile {p:04X}h, length {}, features {}",
                        len + 4,
                        list.join(" ")
                    )
                }
            }),
            0x51 => disc_info(d).map(|i| {
                format!(
                    "disc {:02b}b, last session {:02b}b, sessions {}, tracks {}-{}, lead-out max {}",
                    i.disc_status,
                    i.last_session_state,
                    i.sessions,
                    i.first_track_last_session,
                    i.last_track_last_session,
                    i.last_possible_lead_out
                )
            }),
            0x52 => track_info(d).map(|t| {
                format!(
                    "track {} session {}, {}NWA_V {} NWA {}, start {}, size {}, free {}",
                    t.track,
                    t.session,
                    if t.blank { "blank, " } else { "" },
                    u8::from(t.nwa_valid),
                    t.nwa,
                    t.start,
                    t.size,
                    t.free_blocks
                )
            }),
            0x43 if s.cdb.get(2).is_some_and(|f| f & 0x0F == 0) => toc(d).map(|t| {
                let e: Vec<String> = t
                    .entries
                    .iter()
                    .map(|(n, _, a)| format!("{n:02X}h@{a}"))
                    .collect();
                format!(
                    "length {}+2, tracks {}-{}, {}",
                    t.length,
                    t.first_track,
                    t.last_track,
                    e.join(" ")
                )
            }),
            0x43 => be(d, 0, 2).and_then(|len| {
                Some(format!(
                    "length {len}+2, sessions {}-{}, track {} @{}",
                    d.get(2)?,
                    d.get(3)?,
                    d.get(6)?,
                    be(d, 8, 4)?
                ))
            }),
            0x25 => capacity(d).map(|(l, b)| format!("last LBA {l}, block {b}")),
            0x5A => mode_page(d).map(|(p, l)| format!("page {p:02X}h, page length {l}")),
            0xAC => be(d, 0, 4).map(|len| {
                let n = len.saturating_sub(4) / 16;
                let speed = be(d, 20, 4).map_or(String::new(), |w| format!(", write {w} kB/s"));
                format!("{n} descriptor(s){speed}")
            }),
            0x5C => be(d, 4, 4)
                .zip(be(d, 8, 4))
                .map(|(len, free)| format!("buffer {len}, free {free}")),
            _ => None,
        };
        let md5 = data
            .md5
            .as_ref()
            .map_or(String::new(), |m| format!(" md5 {}", &m[..8]));
        match detail {
            Some(x) => format!("{status}, {} bytes{md5}: {x}", data.len),
            None => format!("{status}, {} bytes{md5}", data.len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# made by hand

=== tur: TEST UNIT READY
cdb: 00 00 00 00 00 00
dir: none
status: GOOD

=== rft: READ FORMAT CAPACITIES
cdb: 23 00 00 00 00 00 00 00 fc 00
dir: in 252
status: CHECK CONDITION
sense: 70 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00 00 00
data: 0

=== cap: READ CAPACITY
cdb: 25 00 00 00 00 00 00 00 00 00
dir: in 8
status: GOOD
data: 8
 00 00 03 f7 00 00 08 00

=== w: WRITE(10)
cdb: 2a 00 00 00 00 00 00 00 10 00
dir: out 32768 seq
error: Error 2 occurred
";

    #[test]
    fn parse_and_print_round_trip() {
        let t = Transcript::parse(SAMPLE).unwrap();
        assert_eq!(t.comments, ["made by hand"]);
        assert_eq!(t.steps.len(), 4);
        assert_eq!(t.steps[1].sense_triplet(), Some((5, 0x20, 0)));
        assert_eq!(
            t.steps[2].full_data(),
            Some(&[0, 0, 3, 0xf7, 0, 0, 8, 0][..])
        );
        assert_eq!(t.steps[3].reply, Reply::Failed("Error 2 occurred".into()));
        assert_eq!(t.steps[3].dir, Direction::Out(32768));
        assert_eq!(t.to_string(), SAMPLE.to_string() + "\n");
        assert_eq!(Transcript::parse(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn parse_rejects_inconsistent_data() {
        let bad = "=== x: X\ncdb: 25 00\ndir: in 8\nstatus: GOOD\ndata: 8\n 00 01\n";
        let e = Transcript::parse(bad).unwrap_err();
        assert!(e.message.contains("data says 8 bytes, 2 hex"), "{e}");
        assert!(Transcript::parse("cdb: 00\n").is_err());
        assert!(Transcript::parse("=== x: X\ncdb: 0g\n").is_err());
    }

    #[test]
    fn large_data_keeps_md5_and_prefix() {
        let bytes = seq_pattern(2048);
        let d = DataIn::from_received(&bytes);
        assert_eq!(d.len, 2048);
        assert_eq!(d.bytes.len(), PREFIX_HEX);
        assert!(!d.is_complete());
        // md5sum of `seq 1 10000 | head -c 2048`, as computed by coreutils
        assert_eq!(d.md5.as_deref(), Some("291c31dfa507c3721c1759d20833ed17"));
    }

    #[test]
    fn a_zero_padded_reply_is_restored_from_prefix_and_md5() {
        let mut reply = seq_pattern(PREFIX_HEX);
        reply.resize(1024, 0);
        let d = DataIn::from_received(&reply);
        assert!(!d.is_complete());
        assert_eq!(d.zero_filled(), Some(reply));
        // Data after the prefix that is not zeros stays unknown.
        let d = DataIn::from_received(&seq_pattern(2048));
        assert_eq!(d.zero_filled(), None);
        // A complete reply is itself.
        let d = DataIn::from_received(&[1, 2, 3]);
        assert_eq!(d.zero_filled(), Some(vec![1, 2, 3]));
    }

    #[test]
    fn seq_pattern_matches_seq_output() {
        assert_eq!(seq_pattern(12), b"1\n2\n3\n4\n5\n6\n");
        assert_eq!(&seq_pattern(24)[18..], b"10\n11\n");
        assert_eq!(seq_pattern(32768).len(), 32768);
    }

    #[test]
    fn decoders_follow_mmc_layouts() {
        // READ TRACK INFORMATION of a blank DVD+R, tgt's reply with NWA set to 16
        let rti = [
            0x00, 0x26, 0x01, 0x01, 0x00, 0x07, 0x41, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0x23,
            0x05, 0x40, 0, 0, 0, 0x10, 0x00, 0x23, 0x05, 0x40, 0, 0, 0, 0,
        ];
        let t = decode::track_info(&rti).unwrap();
        assert_eq!((t.track, t.session), (1, 1));
        assert!(t.blank && t.nwa_valid && !t.damage);
        assert_eq!((t.nwa, t.free_blocks, t.size), (16, 0x230540, 0x230540));
        assert_eq!(decode::track_info(&rti[..20]), None);

        let di = [
            0x00, 0x20, 0x0e, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23, 0x05,
            0x40,
        ];
        let i = decode::disc_info(&di).unwrap();
        assert_eq!((i.disc_status, i.last_session_state, i.sessions), (2, 3, 1));
        assert_eq!(i.last_possible_lead_out, 0x230540);

        let toc = [
            0x00, 0x12, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0, 0x14, 0xaa, 0, 0, 0, 3, 0xf8,
        ];
        let t = decode::toc(&toc).unwrap();
        assert_eq!(t.entries, [(1, 0x14, 0), (0xaa, 0x14, 0x3f8)]);

        let cfg = [
            0, 0, 0, 0x14, 0, 0, 0, 0x1b, 0, 0, 3, 8, 0, 0x10, 0, 0, 0, 0x1b, 1, 0, 0, 1, 3, 4,
        ];
        assert_eq!(decode::configuration_header(&cfg), Some((0x14, 0x1b)));
        assert_eq!(decode::profiles(&cfg), [(0x10, false), (0x1b, true)]);
        // the Data Length claims more than is there: the truncated descriptor is dropped
        assert_eq!(decode::features(&cfg).len(), 1);

        assert_eq!(
            decode::sense_triplet(&[0x72, 0x05, 0x21, 0x02]),
            Some((5, 0x21, 2))
        );
        assert_eq!(decode::sense_triplet(&[0x70, 0, 5]), None);
        assert_eq!(
            decode::mode_page(&[0, 0x46, 0, 0, 0, 0, 0, 0, 0x2a, 0x3e]),
            Some((0x2a, 0x3e))
        );
    }
}
