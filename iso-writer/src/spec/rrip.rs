//! Rock Ridge Interchange Protocol (RRIP 1.12) System Use entries: `PX`
//! (§4.1.1), `PN` (§4.1.2), `SL` (§4.1.3), `NM` (§4.1.4), `CL` / `PL` /
//! `RE` (§4.1.5), `TF` (§4.1.6), and the `ER` values (§5.5).
//!
//! Entries are appended to a `Vec<u8>` by the encoders; decoders take
//! [`Entry`] values produced by [`super::susp::entries`].

use super::DecodeError;
use super::ecma119::{DecDateTime, DirDate};
use super::num::{get_u32_both, put_u32_both};
use super::susp::{Entry, HEADER_LEN, MAX_ENTRY_LEN, put_header};
use crate::model::Timestamp;

/// `ER` Extension Identifier of RRIP 1.12 (§5.5).
pub const ER_ID: &[u8] = b"IEEE_P1282";
/// `ER` Extension Descriptor of RRIP 1.12 (§5.5).
pub const ER_DESCRIPTOR: &[u8] =
    b"THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.";
/// `ER` Extension Source of RRIP 1.12 (§5.5).
pub const ER_SOURCE: &[u8] =
    b"PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION.";
/// `ER` Extension Version of RRIP 1.12.
pub const ER_VERSION: u8 = 1;
/// Extension identifiers a reader accepts as Rock Ridge: RRIP 1.10
/// (`RRIP_1991A`), 1.12 (`IEEE_P1282`) and its adopted form (`IEEE_1282`,
/// written by libisofs).
pub const ER_IDS_ACCEPTED: [&[u8]; 3] = [b"RRIP_1991A", b"IEEE_P1282", b"IEEE_1282"];

/// The RRIP 1.12 `ER` entry.
pub fn extension_ref() -> super::susp::ExtensionRef<'static> {
    super::susp::ExtensionRef {
        id: ER_ID,
        descriptor: ER_DESCRIPTOR,
        source: ER_SOURCE,
        version: ER_VERSION,
    }
}

// ---------------------------------------------------------------------------
// PX

/// Length of `PX` in RRIP 1.12 (with File Serial Number).
pub const PX_LEN: usize = 44;
/// Length of `PX` in RRIP 1.10 (without serial number).
pub const PX_LEN_110: usize = 36;

/// `PX` (§4.1.1): POSIX file attributes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Px {
    /// `st_mode`: type and permission bits.
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// File Serial Number (`st_ino`); `None` in a 36-byte RRIP 1.10 entry.
    pub serial: Option<u32>,
}

impl Px {
    /// Append the entry (44 bytes with a serial number, else 36).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = if self.serial.is_some() {
            PX_LEN
        } else {
            PX_LEN_110
        };
        put_header(out, *b"PX", len);
        let at = out.len();
        out.resize(at + len - HEADER_LEN, 0);
        let f = &mut out[at..];
        put_u32_both(&mut f[0..8], self.mode);
        put_u32_both(&mut f[8..16], self.nlink);
        put_u32_both(&mut f[16..24], self.uid);
        put_u32_both(&mut f[24..32], self.gid);
        if let Some(s) = self.serial {
            put_u32_both(&mut f[32..40], s);
        }
    }

    /// Decode a 36- or 44-byte `PX`.
    pub fn decode(e: &Entry<'_>) -> Result<Px, DecodeError> {
        DecodeError::check_len("PX entry", e.data, 32)?;
        let f = |r: std::ops::Range<usize>| get_u32_both(&e.data[r]).map_or(0, |b| b.value());
        Ok(Px {
            mode: f(0..8),
            nlink: f(8..16),
            uid: f(16..24),
            gid: f(24..32),
            serial: (e.data.len() >= 40).then(|| f(32..40)),
        })
    }
}

// ---------------------------------------------------------------------------
// PN

/// Length of `PN` (§4.1.2).
pub const PN_LEN: usize = 20;

/// A device number split into the two 32-bit `PN` fields the way libisofs
/// (and so xorriso) records a Linux `dev_t`: the high and low halves of
/// glibc's 64-bit encoding (major bits 0–11 in bits 8–19, minor bits 0–7
/// in bits 0–7 and bits 8–19 in bits 20–31, higher bits above 32). For
/// every number Linux has (major < 2¹², minor < 2²⁰) `high` is 0 and
/// `low` is the kernel's `new_encode_dev` value, which [`pn_major_minor`]
/// inverts.
///
/// RRIP 1.12 §4.1.2 leaves the encoding of the device number to the
/// recording system; readers differ:
///
/// | Device | These fields | Linux kernel reads | xorriso reads |
/// |---|---|---|---|
/// | (1, 3), (8, 17) | (0, 0x103), (0, 0x811) | the same | the same |
/// | (259, 65536) | (0, 0x1001_0300) | (259, 0) | (259, 65536) |
/// | (0, 300) | (0, 0x0010_002c) | (0, 44) | (0, 300) |
///
/// The kernel (fs/isofs/rock.c) takes a non-zero `high` as the major and
/// `low` as the minor (genisoimage's form), else `low >> 8` and
/// `low & 0xff`, so it loses minors above 255 of this form; genisoimage's
/// form in turn is misread by libisofs whenever the major is not 0, and by
/// the kernel for major 0 with a minor above 255. No pair of fields reads
/// right everywhere; this one matches xorriso byte for byte and reads
/// right in the kernel for minors up to 255.
pub fn pn_fields(major: u32, minor: u32) -> (u32, u32) {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    let dev =
        ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff);
    ((dev >> 32) as u32, dev as u32)
}

/// The (major, minor) of `PN` fields (RRIP 1.12 §4.1.2), decoded as the
/// Linux kernel does (fs/isofs/rock.c): with `high` = 0 and bits above the
/// lowest 8 set in `low`, `low` is a Linux `dev_t` (libisofs, see
/// [`pn_fields`]), otherwise `high` is the major and `low` the minor
/// (genisoimage, mkisofs). Where the kernel's 12-bit major / 8-bit minor
/// reading of `low` drops bits, this decodes the whole Linux encoding
/// (`new_decode_dev`: minor bits 8–19 from bits 20–31), as libisofs does.
///
/// The one decoder of `PN` in this crate: the reader and
/// [`decode_pn`] use it. It inverts [`pn_fields`] for every major below
/// 2¹² and minor below 2²⁰.
pub fn pn_major_minor(high: u32, low: u32) -> (u32, u32) {
    if high == 0 && low & !0xff != 0 {
        ((low >> 8) & 0xfff, (low & 0xff) | ((low >> 12) & 0xf_ff00))
    } else {
        (high, low)
    }
}

/// Append `PN` for device (major, minor).
pub fn encode_pn(out: &mut Vec<u8>, major: u32, minor: u32) {
    let (high, low) = pn_fields(major, minor);
    put_header(out, *b"PN", PN_LEN);
    let at = out.len();
    out.resize(at + 16, 0);
    put_u32_both(&mut out[at..at + 8], high);
    put_u32_both(&mut out[at + 8..at + 16], low);
}

/// Decode `PN` into (major, minor).
pub fn decode_pn(e: &Entry<'_>) -> Result<(u32, u32), DecodeError> {
    DecodeError::check_len("PN entry", e.data, 16)?;
    let high = get_u32_both(&e.data[0..8]).map_or(0, |b| b.value());
    let low = get_u32_both(&e.data[8..16]).map_or(0, |b| b.value());
    Ok(pn_major_minor(high, low))
}

// ---------------------------------------------------------------------------
// NM

/// `NM` flags (§4.1.4).
pub mod nm_flags {
    pub const CONTINUE: u8 = 1 << 0;
    pub const CURRENT: u8 = 1 << 1;
    pub const PARENT: u8 = 1 << 2;
    pub const HOST: u8 = 1 << 5;
}

/// Most name bytes in one `NM` entry.
pub const NM_MAX_CHUNK: usize = MAX_ENTRY_LEN - 5;

/// Bytes taken by the `NM` entries of a `name_len`-byte name.
pub fn nm_len(name_len: usize) -> usize {
    let n = name_len.div_ceil(NM_MAX_CHUNK).max(1);
    n * 5 + name_len
}

/// Append `NM` entries for `name` (split into chunks of at most 250 bytes,
/// `CONTINUE` on all but the last).
pub fn encode_nm(out: &mut Vec<u8>, name: &[u8]) {
    let mut chunks = name.chunks(NM_MAX_CHUNK).peekable();
    if chunks.peek().is_none() {
        put_header(out, *b"NM", 5);
        out.push(0);
    }
    while let Some(c) = chunks.next() {
        put_header(out, *b"NM", 5 + c.len());
        out.push(if chunks.peek().is_some() {
            nm_flags::CONTINUE
        } else {
            0
        });
        out.extend_from_slice(c);
    }
}

/// Append an `NM` entry with only `flags` (e.g. [`nm_flags::CURRENT`] for
/// `.`, [`nm_flags::PARENT`] for `..`).
pub fn encode_nm_flags(out: &mut Vec<u8>, flags: u8) {
    put_header(out, *b"NM", 5);
    out.push(flags);
}

/// Accumulates the name of a record from its `NM` entries.
#[derive(Clone, Debug, Default)]
pub struct NameBuilder {
    name: Vec<u8>,
    flags: u8,
    done: bool,
}

impl NameBuilder {
    /// Feed one `NM` entry; later entries after a final one are ignored.
    pub fn push(&mut self, e: &Entry<'_>) -> Result<(), DecodeError> {
        if self.done {
            return Ok(());
        }
        let (&flags, text) = e
            .data
            .split_first()
            .ok_or_else(|| DecodeError::invalid("NM entry", "no flags byte"))?;
        self.flags |= flags & !nm_flags::CONTINUE;
        self.name.extend_from_slice(text);
        self.done = flags & nm_flags::CONTINUE == 0;
        Ok(())
    }

    /// The alternate name, or `None` for a `.` / `..` / host marker or when
    /// no entry was fed.
    pub fn finish(self) -> Option<Vec<u8>> {
        let special = nm_flags::CURRENT | nm_flags::PARENT | nm_flags::HOST;
        (self.flags & special == 0 && (self.done || !self.name.is_empty())).then_some(self.name)
    }
}

// ---------------------------------------------------------------------------
// SL

/// `SL` component record flags (§4.1.3.1).
pub mod sl_flags {
    pub const CONTINUE: u8 = 1 << 0;
    pub const CURRENT: u8 = 1 << 1;
    pub const PARENT: u8 = 1 << 2;
    pub const ROOT: u8 = 1 << 3;
    pub const VOLROOT: u8 = 1 << 4;
    pub const HOST: u8 = 1 << 5;
}

/// The component records of a symbolic link target (flags, bytes), with
/// components longer than `max` split into CONTINUE records.
fn sl_components(target: &[u8], max: usize) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    let mut rest = target;
    if let Some(r) = rest.strip_prefix(b"/") {
        out.push((sl_flags::ROOT, &r[..0]));
        rest = r;
        if rest.is_empty() {
            return out;
        }
    }
    for comp in rest.split(|&c| c == b'/') {
        match comp {
            b"." => out.push((sl_flags::CURRENT, &comp[..0])),
            b".." => out.push((sl_flags::PARENT, &comp[..0])),
            _ => {
                let mut chunks = comp.chunks(max).peekable();
                if chunks.peek().is_none() {
                    out.push((0, comp));
                }
                while let Some(c) = chunks.next() {
                    out.push((
                        if chunks.peek().is_some() {
                            sl_flags::CONTINUE
                        } else {
                            0
                        },
                        c,
                    ));
                }
            }
        }
    }
    out
}

/// Most bytes in one component record inside an `SL` entry.
const SL_MAX_RECORD: usize = MAX_ENTRY_LEN - 5 - 2;

/// Append `SL` entries for a symbolic link pointing to `target`
/// (§4.1.3): a leading `/` becomes a ROOT component, `.` and `..` become
/// CURRENT and PARENT, other components are recorded as text; component
/// records never straddle entries, a component too long for the space left
/// is split into records with CONTINUE, and every `SL` entry but the last
/// has its own CONTINUE flag set.
pub fn encode_sl(out: &mut Vec<u8>, target: &[u8]) {
    let mut entries: Vec<Vec<u8>> = vec![Vec::new()];
    for (flags, text) in sl_components(target, SL_MAX_RECORD) {
        let area = entries.last_mut().expect("one entry");
        if 5 + area.len() + 2 + text.len() > MAX_ENTRY_LEN {
            entries.push(Vec::new());
        }
        let area = entries.last_mut().expect("one entry");
        area.push(flags);
        area.push(text.len() as u8);
        area.extend_from_slice(text);
    }
    let n = entries.len();
    for (i, area) in entries.into_iter().enumerate() {
        put_header(out, *b"SL", 5 + area.len());
        out.push(if i + 1 < n { sl_flags::CONTINUE } else { 0 });
        out.extend_from_slice(&area);
    }
}

/// Bytes taken by the `SL` entries of `target`.
pub fn sl_len(target: &[u8]) -> usize {
    let mut v = Vec::new();
    encode_sl(&mut v, target);
    v.len()
}

/// Accumulates a symbolic link target from its `SL` entries.
#[derive(Clone, Debug, Default)]
pub struct LinkBuilder {
    target: Vec<u8>,
    /// A component is being continued.
    open: bool,
    /// At least one component was added.
    any: bool,
    /// The previous component was ROOT (no separator after it).
    after_root: bool,
    done: bool,
}

impl LinkBuilder {
    /// Feed one `SL` entry.
    pub fn push(&mut self, e: &Entry<'_>) -> Result<(), DecodeError> {
        const WHAT: &str = "SL entry";
        if self.done {
            return Ok(());
        }
        let (&flags, mut area) = e
            .data
            .split_first()
            .ok_or_else(|| DecodeError::invalid(WHAT, "no flags byte"))?;
        while !area.is_empty() {
            if area.len() < 2 {
                return Err(DecodeError::invalid(
                    WHAT,
                    "component record header cut off",
                ));
            }
            let (cf, len) = (area[0], area[1] as usize);
            let text = area
                .get(2..2 + len)
                .ok_or_else(|| DecodeError::invalid(WHAT, "component longer than the entry"))?;
            if !self.open {
                if self.any && !self.after_root {
                    self.target.push(b'/');
                }
                self.after_root = false;
                if cf & (sl_flags::ROOT | sl_flags::VOLROOT | sl_flags::HOST) != 0 {
                    self.target.push(b'/');
                    self.after_root = true;
                } else if cf & sl_flags::CURRENT != 0 {
                    self.target.push(b'.');
                } else if cf & sl_flags::PARENT != 0 {
                    self.target.extend_from_slice(b"..");
                }
                self.any = true;
            }
            self.target.extend_from_slice(text);
            self.open = cf & sl_flags::CONTINUE != 0;
            area = &area[2 + len..];
        }
        self.done = flags & sl_flags::CONTINUE == 0;
        Ok(())
    }

    /// The link target.
    pub fn finish(self) -> Vec<u8> {
        self.target
    }
}

// ---------------------------------------------------------------------------
// CL, PL, RE

/// Length of `CL` and `PL` (§4.1.5.1, §4.1.5.2).
pub const CL_LEN: usize = 12;
/// Length of `RE` (§4.1.5.3).
pub const RE_LEN: usize = 4;

/// `CL` (§4.1.5.1): this file record stands for a directory relocated to
/// the extent at `block`.
pub fn encode_cl(out: &mut Vec<u8>, block: u32) {
    encode_location(out, *b"CL", block);
}

/// `PL` (§4.1.5.2): in the `..` record of a relocated directory, the
/// extent of its original parent.
pub fn encode_pl(out: &mut Vec<u8>, block: u32) {
    encode_location(out, *b"PL", block);
}

/// `RE` (§4.1.5.3): this directory record is a relocated directory (or a
/// relocation directory to hide).
pub fn encode_re(out: &mut Vec<u8>) {
    put_header(out, *b"RE", RE_LEN);
}

fn encode_location(out: &mut Vec<u8>, sig: [u8; 2], block: u32) {
    put_header(out, sig, CL_LEN);
    let at = out.len();
    out.resize(at + 8, 0);
    put_u32_both(&mut out[at..at + 8], block);
}

/// Decode the block of a `CL` or `PL` entry.
pub fn decode_location(e: &Entry<'_>) -> Result<u32, DecodeError> {
    DecodeError::check_len("CL/PL entry", e.data, 8)?;
    Ok(get_u32_both(&e.data[0..8]).map_or(0, |b| b.value()))
}

// ---------------------------------------------------------------------------
// TF

/// `TF` flags (§4.1.6): which timestamps are recorded, in this order.
pub mod tf_flags {
    pub const CREATION: u8 = 1 << 0;
    pub const MODIFY: u8 = 1 << 1;
    pub const ACCESS: u8 = 1 << 2;
    pub const ATTRIBUTES: u8 = 1 << 3;
    pub const BACKUP: u8 = 1 << 4;
    pub const EXPIRATION: u8 = 1 << 5;
    pub const EFFECTIVE: u8 = 1 << 6;
    /// 17-byte §8.4.26.1 form instead of the 7-byte §9.1.5 form.
    pub const LONG_FORM: u8 = 1 << 7;
}

/// `TF` (§4.1.6): time stamps; slots in flag-bit order (creation, modify,
/// access, attributes, backup, expiration, effective).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Tf {
    pub times: [Option<Timestamp>; 7],
    /// Record in the 17-byte long form.
    pub long_form: bool,
}

/// Indices into [`Tf::times`].
pub mod tf_slot {
    pub const CREATION: usize = 0;
    pub const MODIFY: usize = 1;
    pub const ACCESS: usize = 2;
    pub const ATTRIBUTES: usize = 3;
    pub const BACKUP: usize = 4;
    pub const EXPIRATION: usize = 5;
    pub const EFFECTIVE: usize = 6;
}

impl Tf {
    /// Modification, access and attribute-change times in the short form
    /// (what libisofs records).
    pub fn mac(mtime: Timestamp, atime: Timestamp, ctime: Timestamp) -> Tf {
        let mut t = Tf::default();
        t.times[tf_slot::MODIFY] = Some(mtime);
        t.times[tf_slot::ACCESS] = Some(atime);
        t.times[tf_slot::ATTRIBUTES] = Some(ctime);
        t
    }

    /// Encoded length.
    pub fn encoded_len(&self) -> usize {
        let n = self.times.iter().filter(|t| t.is_some()).count();
        5 + n * if self.long_form { 17 } else { 7 }
    }

    /// Append the entry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_header(out, *b"TF", self.encoded_len());
        let mut flags = if self.long_form {
            tf_flags::LONG_FORM
        } else {
            0
        };
        for (i, t) in self.times.iter().enumerate() {
            if t.is_some() {
                flags |= 1 << i;
            }
        }
        out.push(flags);
        for t in self.times.iter().flatten() {
            if self.long_form {
                out.extend_from_slice(&DecDateTime::from_timestamp(*t).0);
            } else {
                out.extend_from_slice(&DirDate::from_timestamp(*t).0);
            }
        }
    }

    /// Decode a `TF` entry; a stamp that does not decode is `None`.
    pub fn decode(e: &Entry<'_>) -> Result<Tf, DecodeError> {
        const WHAT: &str = "TF entry";
        let (&flags, mut rest) = e
            .data
            .split_first()
            .ok_or_else(|| DecodeError::invalid(WHAT, "no flags byte"))?;
        let long_form = flags & tf_flags::LONG_FORM != 0;
        let size = if long_form { 17 } else { 7 };
        let mut tf = Tf {
            times: [None; 7],
            long_form,
        };
        for (i, slot) in tf.times.iter_mut().enumerate() {
            if flags & (1 << i) == 0 {
                continue;
            }
            let bytes = rest.get(..size).ok_or_else(|| {
                DecodeError::invalid(WHAT, "fewer time stamps than its flags announce")
            })?;
            *slot = if long_form {
                let mut a = [0u8; 17];
                a.copy_from_slice(bytes);
                DecDateTime(a).to_timestamp()
            } else {
                let mut a = [0u8; 7];
                a.copy_from_slice(bytes);
                DirDate(a).to_timestamp()
            };
            rest = &rest[size..];
        }
        Ok(tf)
    }
}

#[cfg(test)]
mod tests {
    use super::super::susp::entries;
    use super::*;

    fn one(bytes: &[u8]) -> Entry<'_> {
        entries(bytes).next().unwrap().unwrap()
    }

    /// The 44-byte `PX` of a root directory written by xorriso
    /// `-compliance new_rr` (mode 040755, nlink 1, uid 0, gid 0, serial 1).
    #[test]
    fn px_golden() {
        let golden: [u8; 44] = [
            0x50, 0x58, 0x2c, 0x01, 0xed, 0x41, 0, 0, 0, 0, 0x41, 0xed, 0x01, 0, 0, 0, 0, 0, 0,
            0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0x01,
        ];
        let px = Px {
            mode: 0o40755,
            nlink: 1,
            uid: 0,
            gid: 0,
            serial: Some(1),
        };
        let mut out = Vec::new();
        px.encode(&mut out);
        assert_eq!(out, golden);
        assert_eq!(Px::decode(&one(&out)).unwrap(), px);
        // RRIP 1.10 form.
        let mut out = Vec::new();
        Px { serial: None, ..px }.encode(&mut out);
        assert_eq!(out.len(), 36);
        assert_eq!(
            &out[..36],
            &{
                let mut g = golden;
                g[2] = 36;
                g
            }[..36]
        );
        assert_eq!(Px::decode(&one(&out)).unwrap().serial, None);
        assert!(Px::decode(&one(&[b'P', b'X', 8, 1, 0, 0, 0, 0])).is_err());
    }

    /// The fields libisofs writes (read back from an image of device
    /// nodes made by `xorriso -as mkisofs -R`) and those genisoimage
    /// writes (`genisoimage -R`) for the same nodes; the devices the Linux
    /// 6.1 kernel shows for them (loop-mounted in the VM lab); our fields
    /// equal xorriso's.
    #[test]
    fn pn_device_numbers() {
        // (device, xorriso's fields, kernel's reading of them).
        let libisofs = [
            ((1, 3), (0, 0x103), (1, 3)),
            ((8, 17), (0, 0x811), (8, 17)),
            ((259, 65536), (0, 0x1001_0300), (259, 0)),
            ((0, 300), (0, 0x0010_002c), (0, 44)),
            ((4095, 1_048_575), (0, 0xffff_ffff), (4095, 255)),
        ];
        for (dev, fields, kernel) in libisofs {
            assert_eq!(pn_fields(dev.0, dev.1), fields, "{dev:?}");
            assert_eq!(pn_major_minor(fields.0, fields.1), dev, "{dev:?}");
            // The kernel agrees while the minor fits its 8-bit reading.
            assert_eq!(dev.1 < 256, kernel == dev, "{dev:?}");
        }
        // (device, genisoimage's fields, kernel's reading of them).
        let genisoimage = [
            ((1, 3), (1, 3), (1, 3)),
            ((8, 17), (8, 17), (8, 17)),
            ((259, 65536), (259, 65536), (259, 65536)),
            ((4095, 1_048_575), (4095, 1_048_575), (4095, 1_048_575)),
            // Ambiguous with the libisofs form: read as the kernel does.
            ((0, 300), (0, 300), (1, 44)),
        ];
        for (_, fields, kernel) in genisoimage {
            assert_eq!(pn_major_minor(fields.0, fields.1), kernel, "{fields:?}");
        }
        // Major 0, minor < 256: the same in both forms.
        assert_eq!(pn_fields(0, 5), (0, 5));
        assert_eq!(pn_major_minor(0, 5), (0, 5));
        assert_eq!(pn_major_minor(0, 0), (0, 0));

        let mut out = Vec::new();
        encode_pn(&mut out, 1, 3);
        assert_eq!(out.len(), PN_LEN);
        assert_eq!(&out[..4], &[b'P', b'N', 20, 1]);
        assert_eq!(&out[12..20], &[3, 1, 0, 0, 0, 0, 1, 3]);
        assert_eq!(decode_pn(&one(&out)).unwrap(), (1, 3));
        let mut out = Vec::new();
        encode_pn(&mut out, 259, 65536);
        assert_eq!(decode_pn(&one(&out)).unwrap(), (259, 65536));
    }

    proptest::proptest! {
        /// Every Linux device number survives our fields and decoder.
        #[test]
        fn pn_round_trip(major in 0u32..1 << 12, minor in 0u32..1 << 20) {
            let (high, low) = pn_fields(major, minor);
            proptest::prop_assert_eq!(high, 0);
            proptest::prop_assert_eq!(pn_major_minor(high, low), (major, minor));
        }
    }

    /// `NM` of `a.txt` as xorriso writes it (`md5-tags.md` §10.4 layout).
    #[test]
    fn nm_golden_and_split() {
        let mut out = Vec::new();
        encode_nm(&mut out, b"a");
        assert_eq!(out, [0x4e, 0x4d, 0x06, 0x01, 0x00, 0x61]);
        assert_eq!(nm_len(1), 6);
        let long: Vec<u8> = (0..300).map(|i| b'a' + (i % 26) as u8).collect();
        let mut out = Vec::new();
        encode_nm(&mut out, &long);
        assert_eq!(out.len(), nm_len(300));
        assert_eq!(out[2], 255);
        assert_eq!(out[4], nm_flags::CONTINUE);
        assert_eq!(out[255 + 2] as usize, 5 + 50);
        assert_eq!(out[255 + 4], 0);
        let mut b = NameBuilder::default();
        for e in entries(&out) {
            b.push(&e.unwrap()).unwrap();
        }
        assert_eq!(b.finish().unwrap(), long);
        let mut dot = Vec::new();
        encode_nm_flags(&mut dot, nm_flags::CURRENT);
        assert_eq!(dot, [b'N', b'M', 5, 1, 2]);
        let mut b = NameBuilder::default();
        b.push(&one(&dot)).unwrap();
        assert_eq!(b.finish(), None);
    }

    fn sl_round_trip(target: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_sl(&mut out, target);
        assert_eq!(out.len(), sl_len(target));
        let mut b = LinkBuilder::default();
        for e in entries(&out) {
            let e = e.unwrap();
            assert_eq!(e.sig, *b"SL");
            assert!(e.raw.len() <= 255);
            b.push(&e).unwrap();
        }
        assert_eq!(b.finish(), target);
        out
    }

    /// RRIP 1.12 §4.1.3 component records.
    #[test]
    fn sl_golden_and_round_trips() {
        let out = sl_round_trip(b"../a/./b");
        assert_eq!(
            out,
            [b'S', b'L', 15, 1, 0, 4, 0, 0, 1, b'a', 2, 0, 0, 1, b'b']
        );
        let out = sl_round_trip(b"/usr/bin");
        assert_eq!(
            out,
            [
                b'S', b'L', 17, 1, 0, 8, 0, 0, 3, b'u', b's', b'r', 0, 3, b'b', b'i', b'n'
            ]
        );
        sl_round_trip(b"/");
        sl_round_trip(b"plain");
        sl_round_trip(b"a//b/");
        // Long targets: components over 248 bytes and many components.
        let long: Vec<u8> = std::iter::repeat_n(b'x', 600).collect();
        let out = sl_round_trip(&long);
        assert!(out.len() > 600);
        let mut many = Vec::new();
        for i in 0..200 {
            many.extend_from_slice(format!("/dir{i}").as_bytes());
        }
        sl_round_trip(&many);
    }

    #[test]
    fn cl_pl_re() {
        let mut out = Vec::new();
        encode_cl(&mut out, 0x1234);
        assert_eq!(out, [b'C', b'L', 12, 1, 0x34, 0x12, 0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(decode_location(&one(&out)).unwrap(), 0x1234);
        let mut out = Vec::new();
        encode_pl(&mut out, 7);
        assert_eq!(&out[..4], b"PL\x0c\x01");
        let mut out = Vec::new();
        encode_re(&mut out);
        assert_eq!(out, *b"RE\x04\x01");
    }

    /// xorriso's `TF` of `md5-tags.md` §10.4: flags 0x0e, three 7-byte
    /// stamps of 2024-01-02 03:04:05.
    #[test]
    fn tf_golden() {
        let t = Timestamp::from_secs(1_704_164_645);
        let tf = Tf::mac(t, t, t);
        let mut out = Vec::new();
        tf.encode(&mut out);
        let stamp = [124, 1, 2, 3, 4, 5, 0];
        let mut golden = vec![0x54, 0x46, 0x1a, 0x01, 0x0e];
        for _ in 0..3 {
            golden.extend_from_slice(&stamp);
        }
        assert_eq!(out, golden);
        assert_eq!(Tf::decode(&one(&out)).unwrap(), tf);
        let long = Tf {
            long_form: true,
            ..Tf::mac(t, t, t)
        };
        let mut out = Vec::new();
        long.encode(&mut out);
        assert_eq!(out.len(), 5 + 3 * 17);
        assert_eq!(out[4], 0x8e);
        assert_eq!(Tf::decode(&one(&out)).unwrap(), long);
        assert!(Tf::decode(&one(&[b'T', b'F', 8, 1, 0x02, 1, 2, 3])).is_err());
    }

    #[test]
    fn er_is_rrip_112() {
        let er = extension_ref();
        assert_eq!(er.encoded_len(), 8 + 10 + 73 + 94);
        let mut out = Vec::new();
        er.encode(&mut out);
        assert_eq!(out[2] as usize, 185);
        assert!(ER_IDS_ACCEPTED.contains(&er.id));
    }
}
