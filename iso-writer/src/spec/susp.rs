//! System Use Sharing Protocol (SUSP 1.12) entries: the common entry
//! header (§4), `CE` (§5.1), `PD` (§5.2), `SP` (§5.3), `ST` (§5.4), `ER`
//! (§5.5), `ES` (§5.6), and an iterator over a System Use area.

use super::DecodeError;
use super::num::{get_u32_both, put_u32_both};

/// Bytes of the entry header: signature (2), length (1), version (1)
/// (SUSP 1.12 §4.1).
pub const HEADER_LEN: usize = 4;
/// Largest entry: its length is one byte.
pub const MAX_ENTRY_LEN: usize = 255;

/// Length of an `SP` entry (§5.3).
pub const SP_LEN: usize = 7;
/// Length of a `CE` entry (§5.1).
pub const CE_LEN: usize = 28;
/// Length of an `ST` entry (§5.4).
pub const ST_LEN: usize = 4;
/// Length of an `ES` entry (§5.6).
pub const ES_LEN: usize = 5;
/// The check bytes of `SP` (§5.3 "BP 5 to BP 6").
pub const SP_CHECK: [u8; 2] = [0xBE, 0xEF];

/// One System Use entry as found in a System Use area or Continuation
/// Area.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry<'a> {
    /// Signature word, e.g. `*b"PX"`.
    pub sig: [u8; 2],
    /// System Use Entry Version.
    pub version: u8,
    /// The bytes after the 4-byte header, up to the entry's length.
    pub data: &'a [u8],
    /// The whole entry including its header.
    pub raw: &'a [u8],
}

/// Iterates over the entries of a System Use area (SUSP 1.12 §4): stops at
/// the end, at fewer than 4 remaining bytes (padding), at an `ST` entry,
/// or at a zero signature byte; yields an error (and then stops) for an
/// entry whose length is below 4 or beyond the area.
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    rest: &'a [u8],
}

/// Entries of the System Use area `area` (after skipping the `SP`
/// `LEN_SKP` bytes, which the caller does).
pub fn entries(area: &[u8]) -> Entries<'_> {
    Entries { rest: area }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.len() < HEADER_LEN || self.rest[0] == 0 {
            return None;
        }
        let len = self.rest[2] as usize;
        if len < HEADER_LEN || len > self.rest.len() {
            let sig = String::from_utf8_lossy(&self.rest[..2]).into_owned();
            self.rest = &[];
            return Some(Err(DecodeError::invalid(
                "System Use entry",
                format!("entry {sig:?} has length {len}, outside its area"),
            )));
        }
        let raw = &self.rest[..len];
        self.rest = &self.rest[len..];
        let e = Entry {
            sig: [raw[0], raw[1]],
            version: raw[3],
            data: &raw[HEADER_LEN..],
            raw,
        };
        if e.sig == *b"ST" {
            self.rest = &[];
        }
        Some(Ok(e))
    }
}

/// Append a generic entry header for `sig` with total length `len`.
pub fn put_header(out: &mut Vec<u8>, sig: [u8; 2], len: usize) {
    debug_assert!(len <= MAX_ENTRY_LEN);
    out.extend_from_slice(&sig);
    out.push(len as u8);
    out.push(1);
}

/// `SP` (§5.3): SUSP is in use; only in the first record (`.`) of the root
/// directory; `skip` = bytes to skip at the start of every other System
/// Use area (0).
pub fn encode_sp(out: &mut Vec<u8>, skip: u8) {
    put_header(out, *b"SP", SP_LEN);
    out.extend_from_slice(&SP_CHECK);
    out.push(skip);
}

/// Decode the `SP` data; returns LEN_SKP.
pub fn decode_sp(e: &Entry<'_>) -> Result<u8, DecodeError> {
    if e.sig != *b"SP" || e.data.len() < 3 || e.data[..2] != SP_CHECK {
        return Err(DecodeError::invalid(
            "SP entry",
            "missing BE EF check bytes",
        ));
    }
    Ok(e.data[2])
}

/// A `CE` entry (§5.1): where the System Use entries continue.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Continuation {
    /// Block of the Continuation Area.
    pub block: u32,
    /// Byte offset in that block.
    pub offset: u32,
    /// Length of the Continuation Area in bytes.
    pub len: u32,
}

impl Continuation {
    /// Append the 28-byte `CE` entry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_header(out, *b"CE", CE_LEN);
        let at = out.len();
        out.resize(at + 24, 0);
        put_u32_both(&mut out[at..at + 8], self.block);
        put_u32_both(&mut out[at + 8..at + 16], self.offset);
        put_u32_both(&mut out[at + 16..at + 24], self.len);
    }

    /// Decode a `CE` entry.
    pub fn decode(e: &Entry<'_>) -> Result<Continuation, DecodeError> {
        DecodeError::check_len("CE entry", e.data, 24)?;
        let f = |r: std::ops::Range<usize>| get_u32_both(&e.data[r]).map_or(0, |b| b.value());
        Ok(Continuation {
            block: f(0..8),
            offset: f(8..16),
            len: f(16..24),
        })
    }
}

/// `ST` (§5.4): end of the System Use entries of this record.
pub fn encode_st(out: &mut Vec<u8>) {
    put_header(out, *b"ST", ST_LEN);
}

/// `ES` (§5.6): the following entries belong to extension `seq` (its
/// position among the `ER` entries).
pub fn encode_es(out: &mut Vec<u8>, seq: u8) {
    put_header(out, *b"ES", ES_LEN);
    out.push(seq);
}

/// An `ER` entry (§5.5): identifies an extension specification.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExtensionRef<'a> {
    pub id: &'a [u8],
    pub descriptor: &'a [u8],
    pub source: &'a [u8],
    pub version: u8,
}

impl<'a> ExtensionRef<'a> {
    /// Encoded length: 8 + the three texts.
    pub fn encoded_len(&self) -> usize {
        8 + self.id.len() + self.descriptor.len() + self.source.len()
    }

    /// Append the entry.
    ///
    /// # Panics
    /// If the texts make the entry longer than 255 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = self.encoded_len();
        assert!(len <= MAX_ENTRY_LEN, "ER entry too long");
        put_header(out, *b"ER", len);
        out.extend_from_slice(&[
            self.id.len() as u8,
            self.descriptor.len() as u8,
            self.source.len() as u8,
            self.version,
        ]);
        out.extend_from_slice(self.id);
        out.extend_from_slice(self.descriptor);
        out.extend_from_slice(self.source);
    }

    /// Decode an `ER` entry.
    pub fn decode(e: &Entry<'a>) -> Result<ExtensionRef<'a>, DecodeError> {
        const WHAT: &str = "ER entry";
        DecodeError::check_len(WHAT, e.data, 4)?;
        let (li, ld, ls) = (e.data[0] as usize, e.data[1] as usize, e.data[2] as usize);
        DecodeError::check_len(WHAT, e.data, 4 + li + ld + ls)?;
        let t = &e.data[4..];
        Ok(ExtensionRef {
            id: &t[..li],
            descriptor: &t[li..li + ld],
            source: &t[li + ld..li + ld + ls],
            version: e.data[3],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `md5-tags.md` §10.4: `SP` and `CE` bytes of a root `.` record.
    #[test]
    fn sp_and_ce_golden() {
        let mut out = Vec::new();
        encode_sp(&mut out, 0);
        assert_eq!(out, [0x53, 0x50, 0x07, 0x01, 0xbe, 0xef, 0x00]);
        let mut ce = Vec::new();
        Continuation {
            block: 0x34,
            offset: 0,
            len: 0x118,
        }
        .encode(&mut ce);
        assert_eq!(
            ce,
            [
                0x43, 0x45, 0x1c, 0x01, 0x34, 0, 0, 0, 0, 0, 0, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0x18,
                0x01, 0, 0, 0, 0, 0x01, 0x18
            ]
        );
        out.extend_from_slice(&ce);
        let es: Vec<_> = entries(&out).collect::<Result<_, _>>().unwrap();
        assert_eq!(es.len(), 2);
        assert_eq!(decode_sp(&es[0]).unwrap(), 0);
        assert_eq!(
            Continuation::decode(&es[1]).unwrap(),
            Continuation {
                block: 0x34,
                offset: 0,
                len: 0x118
            }
        );
    }

    #[test]
    fn er_round_trip() {
        let er = ExtensionRef {
            id: b"RRIP_1991A",
            descriptor: b"D",
            source: b"SRC",
            version: 1,
        };
        let mut out = Vec::new();
        er.encode(&mut out);
        assert_eq!(&out[..8], &[b'E', b'R', 22, 1, 10, 1, 3, 1]);
        let e = entries(&out).next().unwrap().unwrap();
        assert_eq!(ExtensionRef::decode(&e).unwrap(), er);
    }

    #[test]
    fn iteration_stops_at_padding_st_and_errors() {
        let mut out = Vec::new();
        encode_es(&mut out, 0);
        encode_st(&mut out);
        encode_es(&mut out, 1);
        let v: Vec<_> = entries(&out).collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].as_ref().unwrap().sig, *b"ST");

        // Trailing padding byte (odd length) and zero fill.
        let mut out = Vec::new();
        encode_es(&mut out, 0);
        out.extend_from_slice(&[0, 0, 0, 0, 0]);
        assert_eq!(entries(&out).count(), 1);

        // Length beyond the area.
        let bad = [b'P', b'X', 40, 1, 0, 0];
        let v: Vec<_> = entries(&bad).collect();
        assert_eq!(v.len(), 1);
        assert!(v[0].is_err());
        // Length below the header size.
        let bad = [b'P', b'X', 2, 1, 0, 0];
        assert!(entries(&bad).next().unwrap().is_err());
        assert!(
            decode_sp(
                &entries(&[b'S', b'P', 7, 1, 0, 0, 0])
                    .next()
                    .unwrap()
                    .unwrap()
            )
            .is_err()
        );
        let short_ce = [b'C', b'E', 8, 1, 0, 0, 0, 0];
        assert!(Continuation::decode(&entries(&short_ce).next().unwrap().unwrap()).is_err());
    }
}
