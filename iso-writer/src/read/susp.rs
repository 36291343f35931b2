//! System Use Sharing Protocol (SUSP 1.12) entries, Rock Ridge (RRIP 1.12)
//! and AAIP 2.0 `AL` attributes of one directory record, following its
//! continuation areas. Entry decoding is [`crate::spec`]'s; this module
//! follows `CE` chains under [`Limits`] and gathers what a record says.

use std::collections::HashSet;

use super::Limits;
use super::block::{BlockRead, read_at};
use super::error::{Error, Result};
use crate::BLOCK;
pub use crate::spec::aaip::Attribute;
use crate::spec::num::get_u32_both;
use crate::spec::rrip::{LinkBuilder, NameBuilder, Px, Tf, decode_location};
use crate::spec::susp::{Continuation, Entry, decode_sp, entries};
use crate::spec::{DecodeError, aaip, susp as spec_susp};

/// An `ER` extension reference (SUSP 1.12 §5.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionRef {
    /// Extension identifier, e.g. `RRIP_1991A`, `IEEE_P1282`, `IEEE_1282`, `AAIP_0200`.
    pub id: String,
    pub descriptor: String,
    pub source: String,
    pub version: u8,
}

/// `ZF` zisofs compression (the RRIP extension of mkzftree / libisofs).
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
    /// `PN` device number as recorded (high, low) (RRIP 1.12 §4.1.2).
    pub pn: Option<(u32, u32)>,
    pub symlink: Option<Vec<u8>>,
    pub name: Option<Vec<u8>>,
    pub tf: Option<Tf>,
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
    name: Option<NameBuilder>,
    link: Option<LinkBuilder>,
    /// Raw `AL` entries in recorded order.
    al: Vec<Vec<u8>>,
}

fn lossy(b: &[u8]) -> String {
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
                ce.block,
                "SUSP continuation areas per record",
                limits.max_continuation_areas.into(),
            ));
        }
        if !seen.insert((ce.block, ce.offset)) {
            return Err(Error::corrupt(
                ce.block,
                "SUSP CE",
                format!("continuation loop at offset {}", ce.offset),
            ));
        }
        total += u64::from(ce.len);
        if total > u64::from(limits.max_continuation_bytes) {
            return Err(Error::limit(
                ce.block,
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
        super::block::check_range(src, ce.block, end.div_ceil(BLOCK) as u64)?;
        let mut area = vec![0u8; end.div_ceil(BLOCK) * BLOCK];
        read_at(src, ce.block, &mut area)?;
        next = parse_area(&mut b, &area[ce.offset as usize..end], ce.block)?;
    }
    finish(b, lba)
}

fn bad(lba: u32, field: &'static str) -> impl Fn(DecodeError) -> Error {
    move |e| Error::corrupt(lba, field, e.to_string())
}

/// Parses the entries of one area; returns the `CE` to follow, if any.
fn parse_area(b: &mut Builder, area: &[u8], lba: u32) -> Result<Option<Continuation>> {
    let mut ce = None;
    for e in entries(area) {
        let e: Entry<'_> = e.map_err(bad(lba, "SUSP entry"))?;
        match &e.sig {
            b"SP" => b.out.sp = Some(decode_sp(&e).map_err(bad(lba, "SUSP SP"))?),
            b"CE" => ce = Some(Continuation::decode(&e).map_err(bad(lba, "SUSP CE"))?),
            b"ST" | b"PD" | b"ES" => {} // §5.4, §5.2, §5.6 (signatures do not collide)
            b"ER" => {
                let r = spec_susp::ExtensionRef::decode(&e).map_err(bad(lba, "SUSP ER"))?;
                b.out.er.push(ExtensionRef {
                    id: lossy(r.id),
                    descriptor: lossy(r.descriptor),
                    source: lossy(r.source),
                    version: r.version,
                });
            }
            b"PX" => {
                b.out.rrip = true;
                b.out.px = Some(Px::decode(&e).map_err(bad(lba, "RRIP PX"))?);
            }
            b"PN" => {
                b.out.rrip = true;
                let f = |r: std::ops::Range<usize>| {
                    e.data.get(r).and_then(get_u32_both).map(|v| v.value())
                };
                let (Some(hi), Some(lo)) = (f(0..8), f(8..16)) else {
                    return Err(Error::corrupt(
                        lba,
                        "RRIP PN",
                        format!("entry of {} bytes is too short", e.raw.len()),
                    ));
                };
                b.out.pn = Some((hi, lo));
            }
            b"SL" => {
                b.out.rrip = true;
                b.link
                    .get_or_insert_default()
                    .push(&e)
                    .map_err(bad(lba, "RRIP SL"))?;
            }
            b"NM" => {
                b.out.rrip = true;
                b.name
                    .get_or_insert_default()
                    .push(&e)
                    .map_err(bad(lba, "RRIP NM"))?;
            }
            b"CL" => {
                b.out.rrip = true;
                b.out.cl = Some(decode_location(&e).map_err(bad(lba, "RRIP CL"))?);
            }
            b"PL" => {
                b.out.rrip = true;
                b.out.pl = Some(decode_location(&e).map_err(bad(lba, "RRIP PL"))?);
            }
            b"RE" => {
                b.out.rrip = true;
                b.out.re = true;
            }
            b"TF" => {
                b.out.rrip = true;
                b.out.tf = Some(Tf::decode(&e).map_err(bad(lba, "RRIP TF"))?);
            }
            b"RR" | b"SF" => b.out.rrip = true,
            b"ZF" => {
                if e.data.len() >= 12 {
                    b.out.zf = Some(Zisofs {
                        algorithm: [e.data[0], e.data[1]],
                        block_size_log2: e.data[3],
                        uncompressed_size: get_u32_both(&e.data[4..12]).map_or(0, |v| v.value()),
                    });
                }
            }
            b"AL" => b.al.push(e.raw.to_vec()),
            _ => log::trace!("SUSP entry {:?} ignored", String::from_utf8_lossy(&e.sig)),
        }
    }
    Ok(ce)
}

fn finish(mut b: Builder, lba: u32) -> Result<Susp> {
    if let Some(l) = b.link {
        b.out.symlink = Some(l.finish());
    }
    if let Some(n) = b.name {
        b.out.name = n.finish();
    }
    if !b.al.is_empty() {
        b.out.attrs = aaip::decode_al(b.al.iter().map(|v| &v[..])).map_err(bad(lba, "AAIP AL"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::rrip::{sl_flags as nm_flag, tf_flags as tf_flag, tf_slot};

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
            (p.mode, p.nlink, p.uid, p.gid, p.serial),
            (0o100644, 2, 1000, 100, Some(77))
        );
        let tf = s.tf.unwrap();
        assert_eq!(tf.times[tf_slot::MODIFY].unwrap().secs, 1_704_164_645);
        assert_eq!(tf.times[tf_slot::ACCESS].unwrap().secs, 1_704_164_646);
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
        assert_eq!(s.px.unwrap().serial, None);
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
}
