//! System Use Sharing Protocol (SUSP 1.12) entries, Rock Ridge (RRIP 1.12)
//! and AAIP 2.0 `AL` attributes of one directory record, including its
//! continuation areas.

use std::collections::HashSet;

use super::Limits;
use super::block::{BlockRead, read_at};
use super::bytes::{both32, date7, date17};
use super::error::{Error, Result};
use crate::BLOCK;
use crate::model::Timestamp;

/// SUSP 1.12 §4: every entry starts with a 2-byte signature, a length byte
/// (including this header) and a version byte.
const HEADER: usize = 4;

/// `SP` check bytes (SUSP 1.12 §5.3).
const SP_CHECK: [u8; 2] = [0xbe, 0xef];

/// RRIP 1.12 §4.1.3 `NM` and §4.1.3.1 `SL` component flags.
pub(crate) mod nm_flag {
    pub const CONTINUE: u8 = 0x01;
    pub const CURRENT: u8 = 0x02;
    pub const PARENT: u8 = 0x04;
    pub const ROOT: u8 = 0x08;
    pub const VOLROOT: u8 = 0x10;
    pub const HOST: u8 = 0x20;
}

/// RRIP 1.12 §4.1.6 `TF` flags, in the order the timestamps are recorded.
pub(crate) mod tf_flag {
    pub const CREATION: u8 = 0x01;
    pub const MODIFY: u8 = 0x02;
    pub const ACCESS: u8 = 0x04;
    pub const ATTRIBUTES: u8 = 0x08;
    pub const BACKUP: u8 = 0x10;
    pub const EXPIRATION: u8 = 0x20;
    pub const EFFECTIVE: u8 = 0x40;
    pub const LONG_FORM: u8 = 0x80;
}

/// An `ER` extension reference (SUSP 1.12 §5.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionRef {
    /// Extension identifier, e.g. `RRIP_1991A`, `IEEE_P1282`, `IEEE_1282`, `AAIP_0200`.
    pub id: String,
    pub descriptor: String,
    pub source: String,
    pub version: u8,
}

/// `PX` POSIX file attributes (RRIP 1.12 §4.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Px {
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// File serial number, only in the 44-byte form of RRIP 1.12.
    pub ino: Option<u32>,
}

/// `TF` time stamps (RRIP 1.12 §4.1.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tf {
    pub created: Option<Timestamp>,
    pub modified: Option<Timestamp>,
    pub accessed: Option<Timestamp>,
    pub attributes: Option<Timestamp>,
}

/// An AAIP 2.0 attribute (libisofs `doc/susp_aaip_2_0.txt`): the name with
/// its namespace prefix expanded (`isofs.ca`, `user.x`), an empty name for
/// a binary ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

/// `ZF` zisofs compression (RRIP extension of mkzftree/libisofs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zisofs {
    /// Algorithm, `pz` for zisofs.
    pub algorithm: [u8; 2],
    /// Uncompressed size in bytes.
    pub uncompressed_size: u32,
    /// log2 of the compression block size.
    pub block_size_log2: u8,
}

/// Everything found in the System Use area of one record.
#[derive(Clone, Debug, Default)]
pub(crate) struct Susp {
    /// `SP` bytes-to-skip, only meaningful on the root `.` record.
    pub sp: Option<u8>,
    pub er: Vec<ExtensionRef>,
    pub px: Option<Px>,
    /// `PN` device number as (high, low) (RRIP 1.12 §4.1.2).
    pub pn: Option<(u32, u32)>,
    pub symlink: Option<Vec<u8>>,
    pub name: Option<Vec<u8>>,
    /// `NM` with the CURRENT or PARENT flag.
    pub name_special: bool,
    pub tf: Tf,
    /// `CL` child link (RRIP 1.12 §4.1.5.1).
    pub cl: Option<u32>,
    /// `PL` parent link (§4.1.5.2).
    pub pl: Option<u32>,
    /// `RE` relocated directory (§4.1.5.3).
    pub re: bool,
    pub zf: Option<Zisofs>,
    pub attrs: Vec<Attribute>,
    /// Any RRIP entry (PX, PN, SL, NM, CL, PL, RE, TF, SF, RR) seen.
    pub rrip: bool,
}

#[derive(Default)]
struct Builder {
    out: Susp,
    // NM accumulation.
    name: Vec<u8>,
    name_open: bool,
    // SL accumulation.
    link: Vec<u8>,
    link_seen: bool,
    link_need_sep: bool,
    link_in_component: bool,
    link_open: bool,
    // AL accumulation: concatenated component records.
    al: Vec<u8>,
}

fn text_field(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parses the System Use area `su` (already past the `SP` skip) of a record
/// in block `lba`, following `CE` continuation areas.
pub(crate) fn parse<R: BlockRead + ?Sized>(
    src: &mut R,
    lba: u32,
    su: &[u8],
    limits: &Limits,
) -> Result<Susp> {
    let mut b = Builder::default();
    let mut next = parse_area(&mut b, su, lba)?;
    let mut seen = HashSet::new();
    let mut total: u64 = 0;
    let mut hops: u32 = 0;
    while let Some(ce) = next {
        hops += 1;
        if hops > limits.max_continuation_areas {
            return Err(Error::limit(
                ce.lba,
                "SUSP continuation areas per record",
                limits.max_continuation_areas.into(),
            ));
        }
        if !seen.insert((ce.lba, ce.offset)) {
            return Err(Error::corrupt(
                ce.lba,
                "SUSP CE",
                format!("continuation loop at offset {}", ce.offset),
            ));
        }
        total += u64::from(ce.len);
        if total > u64::from(limits.max_continuation_bytes) {
            return Err(Error::limit(
                ce.lba,
                "SUSP continuation bytes per record",
                limits.max_continuation_bytes.into(),
            ));
        }
        if ce.offset as usize >= BLOCK {
            return Err(Error::corrupt(
                lba,
                "SUSP CE",
                format!("offset {} not inside a block", ce.offset),
            ));
        }
        let end = ce.offset as usize + ce.len as usize;
        let blocks = end.div_ceil(BLOCK);
        let mut area = vec![0u8; blocks * BLOCK];
        read_at(src, ce.lba, &mut area)?;
        next = parse_area(&mut b, &area[ce.offset as usize..end], ce.lba)?;
    }
    finish(b, lba)
}

struct Ce {
    lba: u32,
    offset: u32,
    len: u32,
}

/// Parses the entries of one area; returns the `CE` to follow, if any.
fn parse_area(b: &mut Builder, area: &[u8], lba: u32) -> Result<Option<Ce>> {
    let corrupt = |field: &'static str, what: String| Error::corrupt(lba, field, what);
    let mut pos = 0usize;
    let mut ce = None;
    while area.len() - pos >= HEADER {
        let e = &area[pos..];
        let len = usize::from(e[2]);
        if len < HEADER {
            // Zero padding at the end of an area is common (odd record lengths).
            if e.iter().all(|&c| c == 0) {
                break;
            }
            return Err(corrupt(
                "SUSP entry",
                format!(
                    "entry {:?} at offset {pos} has length {len}",
                    String::from_utf8_lossy(&e[..2])
                ),
            ));
        }
        if len > e.len() {
            return Err(corrupt(
                "SUSP entry",
                format!(
                    "entry {:?} at offset {pos} of length {len} exceeds its area ({} bytes left)",
                    String::from_utf8_lossy(&e[..2]),
                    e.len()
                ),
            ));
        }
        let e = &e[..len];
        let sig = [e[0], e[1]];
        let body = &e[HEADER..];
        match &sig {
            b"SP" => {
                // SUSP 1.12 §5.3: check bytes BE EF, then LEN_SKP.
                if body.len() >= 3 && body[..2] == SP_CHECK {
                    b.out.sp = Some(body[2]);
                } else {
                    return Err(corrupt("SUSP SP", "check bytes are not BE EF".into()));
                }
            }
            b"CE" => {
                // §5.1: location, offset, length, each both-endian 32.
                let (Some(l), Some(o), Some(n)) = (both32(e, 4), both32(e, 12), both32(e, 20))
                else {
                    return Err(corrupt(
                        "SUSP CE",
                        format!("entry of {len} bytes is too short"),
                    ));
                };
                ce = Some(Ce {
                    lba: l,
                    offset: o,
                    len: n,
                });
            }
            b"ST" => break, // §5.4
            b"PD" => {}     // §5.2
            b"ER" => {
                // §5.5: LEN_ID, LEN_DES, LEN_SRC, EXT_VER, then the three texts.
                if body.len() < 4 {
                    return Err(corrupt("SUSP ER", "entry too short".into()));
                }
                let (li, ld, ls) = (
                    usize::from(body[0]),
                    usize::from(body[1]),
                    usize::from(body[2]),
                );
                let texts = &body[4..];
                if li + ld + ls > texts.len() {
                    return Err(corrupt(
                        "SUSP ER",
                        "identifier lengths exceed the entry".into(),
                    ));
                }
                b.out.er.push(ExtensionRef {
                    id: text_field(&texts[..li]),
                    descriptor: text_field(&texts[li..li + ld]),
                    source: text_field(&texts[li + ld..li + ld + ls]),
                    version: body[3],
                });
            }
            b"ES" => {} // §5.6: extension sequence; signatures do not collide
            b"PX" => {
                b.out.rrip = true;
                let f = |at| both32(e, at);
                let (Some(mode), Some(nlink), Some(uid), Some(gid)) = (f(4), f(12), f(20), f(28))
                else {
                    return Err(corrupt(
                        "RRIP PX",
                        format!("entry of {len} bytes is too short"),
                    ));
                };
                b.out.px = Some(Px {
                    mode,
                    nlink,
                    uid,
                    gid,
                    ino: f(36),
                });
            }
            b"PN" => {
                b.out.rrip = true;
                let (Some(hi), Some(lo)) = (both32(e, 4), both32(e, 12)) else {
                    return Err(corrupt(
                        "RRIP PN",
                        format!("entry of {len} bytes is too short"),
                    ));
                };
                b.out.pn = Some((hi, lo));
            }
            b"SL" => {
                b.out.rrip = true;
                sl_entry(b, body, lba)?;
            }
            b"NM" => {
                b.out.rrip = true;
                let Some((&flags, text)) = body.split_first() else {
                    return Err(corrupt("RRIP NM", "entry without flags".into()));
                };
                if !b.name_open {
                    b.name.clear();
                }
                if flags & (nm_flag::CURRENT | nm_flag::PARENT) != 0 {
                    b.out.name_special = true;
                    b.name.extend_from_slice(if flags & nm_flag::CURRENT != 0 {
                        b"."
                    } else {
                        b".."
                    });
                } else if flags & nm_flag::HOST == 0 {
                    b.name.extend_from_slice(text);
                }
                b.name_open = flags & nm_flag::CONTINUE != 0;
                b.out.name = Some(b.name.clone());
            }
            b"CL" => {
                b.out.rrip = true;
                b.out.cl =
                    Some(both32(e, 4).ok_or_else(|| corrupt("RRIP CL", "entry too short".into()))?);
            }
            b"PL" => {
                b.out.rrip = true;
                b.out.pl =
                    Some(both32(e, 4).ok_or_else(|| corrupt("RRIP PL", "entry too short".into()))?);
            }
            b"RE" => {
                b.out.rrip = true;
                b.out.re = true;
            }
            b"TF" => {
                b.out.rrip = true;
                tf_entry(b, body, lba)?;
            }
            b"RR" | b"SF" => b.out.rrip = true,
            b"ZF" => {
                if body.len() >= 12 {
                    b.out.zf = Some(Zisofs {
                        algorithm: [body[0], body[1]],
                        block_size_log2: body[3],
                        uncompressed_size: both32(e, 8).unwrap_or(0),
                    });
                }
            }
            b"AL" => {
                // AAIP 2.0: FLAGS, then component records in SL layout.
                if let Some((_, recs)) = body.split_first() {
                    b.al.extend_from_slice(recs);
                }
            }
            _ => log::trace!("SUSP entry {:?} ignored", String::from_utf8_lossy(&sig)),
        }
        pos += len;
    }
    Ok(ce)
}

fn tf_entry(b: &mut Builder, body: &[u8], lba: u32) -> Result<()> {
    let Some((&flags, mut rest)) = body.split_first() else {
        return Err(Error::corrupt(lba, "RRIP TF", "entry without flags"));
    };
    let size = if flags & tf_flag::LONG_FORM != 0 {
        17
    } else {
        7
    };
    for bit in [
        tf_flag::CREATION,
        tf_flag::MODIFY,
        tf_flag::ACCESS,
        tf_flag::ATTRIBUTES,
        tf_flag::BACKUP,
        tf_flag::EXPIRATION,
        tf_flag::EFFECTIVE,
    ] {
        if flags & bit == 0 {
            continue;
        }
        if rest.len() < size {
            return Err(Error::corrupt(
                lba,
                "RRIP TF",
                "fewer time stamps than flagged",
            ));
        }
        let t = if size == 17 {
            date17(rest)
        } else {
            date7(rest)
        };
        rest = &rest[size..];
        match bit {
            tf_flag::CREATION => b.out.tf.created = t,
            tf_flag::MODIFY => b.out.tf.modified = t,
            tf_flag::ACCESS => b.out.tf.accessed = t,
            tf_flag::ATTRIBUTES => b.out.tf.attributes = t,
            _ => {}
        }
    }
    Ok(())
}

/// RRIP 1.12 §4.1.3: `SL` entries; component records may continue over
/// entries (component flag CONTINUE) and the link over entries (entry flag
/// CONTINUE).
fn sl_entry(b: &mut Builder, body: &[u8], lba: u32) -> Result<()> {
    let Some((&flags, mut comps)) = body.split_first() else {
        return Err(Error::corrupt(lba, "RRIP SL", "entry without flags"));
    };
    if !b.link_open {
        // A new link: a previous complete SL set is replaced.
        b.link.clear();
        b.link_need_sep = false;
        b.link_in_component = false;
    }
    b.link_seen = true;
    while !comps.is_empty() {
        if comps.len() < 2 {
            return Err(Error::corrupt(lba, "RRIP SL", "truncated component record"));
        }
        let (cf, clen) = (comps[0], usize::from(comps[1]));
        let content = comps
            .get(2..2 + clen)
            .ok_or_else(|| Error::corrupt(lba, "RRIP SL", "component length exceeds the entry"))?;
        comps = &comps[2 + clen..];
        if !b.link_in_component && b.link_need_sep {
            b.link.push(b'/');
        }
        let mut is_root = false;
        if cf & (nm_flag::ROOT | nm_flag::VOLROOT) != 0 {
            b.link.push(b'/');
            is_root = true;
        } else if cf & nm_flag::CURRENT != 0 {
            b.link.push(b'.');
        } else if cf & nm_flag::PARENT != 0 {
            b.link.extend_from_slice(b"..");
        } else if cf & nm_flag::HOST == 0 {
            b.link.extend_from_slice(content);
        }
        b.link_in_component = cf & nm_flag::CONTINUE != 0;
        b.link_need_sep = !is_root;
    }
    b.link_open = flags & nm_flag::CONTINUE != 0;
    Ok(())
}

/// AAIP 2.0 namespace prefixes of attribute names (`doc/susp_aaip_2_0.txt`).
fn expand_name(raw: &[u8]) -> Vec<u8> {
    let Some((&first, rest)) = raw.split_first() else {
        return Vec::new();
    };
    let prefix: &[u8] = match first {
        0x01 => b"",
        0x02 => b"system.",
        0x03 => b"user.",
        0x04 => b"isofs.",
        0x05 => b"trusted.",
        0x06 => b"security.",
        _ => return raw.to_vec(),
    };
    let mut n = prefix.to_vec();
    n.extend_from_slice(rest);
    n
}

fn parse_al(buf: &[u8], lba: u32) -> Result<Vec<Attribute>> {
    let mut comps: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let (Some(&cf), Some(&len)) = (buf.get(pos), buf.get(pos + 1)) else {
            return Err(Error::corrupt(lba, "AAIP AL", "truncated component record"));
        };
        let data = buf
            .get(pos + 2..pos + 2 + usize::from(len))
            .ok_or_else(|| Error::corrupt(lba, "AAIP AL", "component length exceeds the entry"))?;
        cur.extend_from_slice(data);
        if cf & 1 == 0 {
            comps.push(std::mem::take(&mut cur));
        }
        pos += 2 + usize::from(len);
    }
    if !cur.is_empty() {
        return Err(Error::corrupt(
            lba,
            "AAIP AL",
            "last component is flagged to continue",
        ));
    }
    if comps.len() % 2 != 0 {
        return Err(Error::corrupt(
            lba,
            "AAIP AL",
            "attribute name without value",
        ));
    }
    Ok(comps
        .chunks_exact(2)
        .map(|p| Attribute {
            name: expand_name(&p[0]),
            value: p[1].clone(),
        })
        .collect())
}

fn finish(mut b: Builder, lba: u32) -> Result<Susp> {
    if b.link_seen {
        b.out.symlink = Some(std::mem::take(&mut b.link));
    }
    if !b.al.is_empty() {
        b.out.attrs = parse_al(&b.al, lba)?;
    }
    Ok(b.out)
}

impl Susp {
    /// The value of AAIP attribute `name`.
    pub fn attr(&self, name: &[u8]) -> Option<&[u8]> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| &a.value[..])
    }
}

/// RRIP 1.12 §4.1.2 `PN` to (major, minor). Writers record either
/// (major, minor) in (high, low), or, with high = 0, the Linux/glibc
/// `dev_t` in low (libisofs, genisoimage on Linux).
pub(crate) fn device_number(high: u32, low: u32) -> (u32, u32) {
    if high == 0 {
        let dev = u64::from(low);
        let major = ((dev >> 8) & 0xfff) as u32;
        let minor = ((dev & 0xff) | ((dev >> 12) & 0xfff00)) as u32;
        (major, minor)
    } else {
        (high, low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn both(v: u32) -> [u8; 8] {
        let mut b = [0; 8];
        b[..4].copy_from_slice(&v.to_le_bytes());
        b[4..].copy_from_slice(&v.to_be_bytes());
        b
    }

    fn entry(sig: &[u8; 2], body: &[u8]) -> Vec<u8> {
        let mut e = vec![sig[0], sig[1], (4 + body.len()) as u8, 1];
        e.extend_from_slice(body);
        e
    }

    fn parse_mem(su: &[u8], image: &[u8]) -> Result<Susp> {
        let mut src: &[u8] = image;
        parse(&mut src, 0, su, &limits())
    }

    #[test]
    fn px_tf_nm() {
        let mut px = Vec::new();
        for v in [0o100644, 2, 1000, 100, 77] {
            px.extend_from_slice(&both(v));
        }
        let mut su = entry(b"PX", &px);
        su.extend(entry(
            b"TF",
            &[
                tf_flag::MODIFY | tf_flag::ACCESS,
                124,
                1,
                2,
                3,
                4,
                5,
                0,
                124,
                1,
                2,
                3,
                4,
                6,
                0,
            ],
        ));
        su.extend(entry(b"NM", &[nm_flag::CONTINUE, b'a', b'b']));
        su.extend(entry(b"NM", &[0, b'c']));
        let s = parse_mem(&su, &[]).unwrap();
        let p = s.px.unwrap();
        assert_eq!(
            (p.mode, p.nlink, p.uid, p.gid, p.ino),
            (0o100644, 2, 1000, 100, Some(77))
        );
        assert_eq!(s.tf.modified.unwrap().secs, 1_704_164_645);
        assert_eq!(s.tf.accessed.unwrap().secs, 1_704_164_646);
        assert_eq!(s.name.as_deref(), Some(&b"abc"[..]));
        assert!(s.rrip);
    }

    #[test]
    fn px_without_serial() {
        let mut px = Vec::new();
        for v in [0o40755, 2, 0, 0] {
            px.extend_from_slice(&both(v));
        }
        let s = parse_mem(&entry(b"PX", &px), &[]).unwrap();
        assert_eq!(s.px.unwrap().ino, None);
    }

    #[test]
    fn symlink_components() {
        // "/etc/passwd": ROOT, "etc", "passwd".
        let su = entry(
            b"SL",
            &[
                0,
                nm_flag::ROOT,
                0,
                0,
                3,
                b'e',
                b't',
                b'c',
                0,
                6,
                b'p',
                b'a',
                b's',
                b's',
                b'w',
                b'd',
            ],
        );
        assert_eq!(
            parse_mem(&su, &[]).unwrap().symlink.unwrap(),
            b"/etc/passwd"
        );
        // "../x/y" split over two SL entries, the component "y" continued.
        let mut su = entry(
            b"SL",
            &[
                nm_flag::CONTINUE,
                nm_flag::PARENT,
                0,
                0,
                1,
                b'x',
                nm_flag::CONTINUE,
                1,
                b'y',
            ],
        );
        su.extend(entry(b"SL", &[0, 0, 1, b'z']));
        assert_eq!(parse_mem(&su, &[]).unwrap().symlink.unwrap(), b"../x/yz");
        // "./a"
        let su = entry(b"SL", &[0, nm_flag::CURRENT, 0, 0, 1, b'a']);
        assert_eq!(parse_mem(&su, &[]).unwrap().symlink.unwrap(), b"./a");
        // Component length beyond the entry.
        let su = entry(b"SL", &[0, 0, 9, b'a']);
        assert!(parse_mem(&su, &[]).is_err());
    }

    #[test]
    fn continuation_and_loops() {
        // Root record: SP then CE → block 1 offset 100, which holds NM then ST.
        let mut image = vec![0u8; 2 * BLOCK];
        let cont = {
            let mut c = entry(b"NM", &[0, b'x']);
            c.extend(entry(b"ST", &[]));
            c.extend(entry(b"NM", &[0, b'y'])); // after ST: ignored
            c
        };
        image[BLOCK + 100..BLOCK + 100 + cont.len()].copy_from_slice(&cont);
        let mut ce = Vec::new();
        ce.extend_from_slice(&both(1));
        ce.extend_from_slice(&both(100));
        ce.extend_from_slice(&both(cont.len() as u32));
        let mut su = entry(b"SP", &[0xbe, 0xef, 0]);
        su.extend(entry(b"CE", &ce));
        let s = parse_mem(&su, &image).unwrap();
        assert_eq!(s.sp, Some(0));
        assert_eq!(s.name.unwrap(), b"x");

        // A CE pointing to itself.
        let mut image = vec![0u8; 2 * BLOCK];
        let mut ce = Vec::new();
        ce.extend_from_slice(&both(1));
        ce.extend_from_slice(&both(0));
        ce.extend_from_slice(&both(28));
        let e = entry(b"CE", &ce);
        image[BLOCK..BLOCK + 28].copy_from_slice(&e);
        match parse_mem(&e, &image) {
            Err(Error::Corrupt {
                field: "SUSP CE", ..
            }) => {}
            other => panic!("{other:?}"),
        }
        // A CE with a forged length.
        let mut ce = Vec::new();
        ce.extend_from_slice(&both(1));
        ce.extend_from_slice(&both(0));
        ce.extend_from_slice(&both(u32::MAX));
        assert!(matches!(
            parse_mem(&entry(b"CE", &ce), &image),
            Err(Error::Limit { .. })
        ));
    }

    #[test]
    fn bad_lengths() {
        assert!(parse_mem(b"PX\x02\x01xxxx", &[]).is_err());
        assert!(parse_mem(b"PX\xff\x01xxxx", &[]).is_err());
        // Trailing zero padding is fine.
        assert!(parse_mem(&[0, 0, 0, 0, 0], &[]).is_ok());
        let mut short_px = entry(b"PX", &[0; 8]);
        short_px.truncate(12);
        assert!(parse_mem(&short_px, &[]).is_err());
    }

    #[test]
    fn aaip_attributes() {
        // md5-tags.md §10.4: the AL entry of the root `.` record of session 1.
        let al: [u8; 43] = [
            0x41, 0x4c, 0x2b, 0x01, 0x00, 0x00, 0x03, 0x04, 0x6e, 0x74, 0x00, 0x04, 0x01, 0x01,
            0x01, 0xff, 0x00, 0x03, 0x04, 0x63, 0x61, 0x00, 0x14, 0x04, 0x00, 0x00, 0x00, 0x20,
            0x04, 0x00, 0x00, 0x00, 0x3e, 0x04, 0x00, 0x00, 0x00, 0x04, 0x01, 0x10, 0x4d, 0x44,
            0x35,
        ];
        let s = parse_mem(&al, &[]).unwrap();
        assert_eq!(s.attrs.len(), 2);
        assert_eq!(s.attrs[0].name, b"isofs.nt");
        assert_eq!(s.attr(b"isofs.ca").unwrap().len(), 20);
        // File record: isofs.cx = 1.
        let cx = [
            0x41, 0x4c, 0x10, 0x01, 0x00, 0x00, 0x03, 0x04, 0x63, 0x78, 0x00, 0x04, 0x00, 0x00,
            0x00, 0x01,
        ];
        let s = parse_mem(&cx, &[]).unwrap();
        assert_eq!(s.attr(b"isofs.cx"), Some(&[0, 0, 0, 1][..]));
        // A name split over two AL entries with CONTINUE records.
        let mut su = entry(b"AL", &[1, 1, 2, 0x03, b'a']);
        su.extend(entry(b"AL", &[0, 0, 1, b'b', 0, 1, b'v']));
        let s = parse_mem(&su, &[]).unwrap();
        assert_eq!(
            s.attrs,
            vec![Attribute {
                name: b"user.ab".to_vec(),
                value: b"v".to_vec()
            }]
        );
        // Name without value.
        assert!(parse_mem(&entry(b"AL", &[0, 0, 1, 3]), &[]).is_err());
    }

    #[test]
    fn device_numbers() {
        assert_eq!(device_number(0, 0x103), (1, 3));
        assert_eq!(device_number(8, 17), (8, 17));
        // glibc encoding of 259:65536 in 32 bits.
        let dev: u32 = ((65536u32 & 0xfff00) << 12) | (259 << 8);
        assert_eq!(device_number(0, dev), (259, 65536));
    }
}
