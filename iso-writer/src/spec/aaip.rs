//! AAIP 2.0 attribute lists (`AL` System Use entries) and the two libisofs
//! attributes that locate MD5 checksums.
//!
//! Sources: libisofs `doc/susp_aaip_2_0.txt` (entry layout, namespaces),
//! `doc/susp_aaip_isofs_names.txt` (`isofs.ca`, `isofs.cx`); project
//! document `md5-tags.md` §5.
//!
//! ```text
//! 'A' 'L' LEN 01 FLAGS  component-record component-record …
//! component record:  CFLAGS CLEN bytes[CLEN]
//! ```
//!
//! `FLAGS` bit 0 = the list continues in the next `AL` entry; `CFLAGS` bit 0
//! = the component continues in the next record. Components alternate name,
//! value, name, value… Names may start with a namespace byte (01h escape,
//! 02h `system.`, 03h `user.`, 04h `isofs.`, 05h `trusted.`, 06h
//! `security.`).

use super::DecodeError;

/// Signature word of the entry (AAIP 2.0 "BP 1 to BP 2").
pub const SIGNATURE: [u8; 2] = *b"AL";
/// System Use Entry Version (AAIP 2.0 "BP 4").
pub const VERSION: u8 = 1;
/// Bytes before the component area: signature, length, version, flags.
pub const HEADER_LEN: usize = 5;
/// Largest System Use entry (its length is one byte, SUSP 1.12 §4.1).
pub const MAX_ENTRY_LEN: usize = 255;
/// `FLAGS` / `CFLAGS` bit 0.
pub const CONTINUE: u8 = 1;

/// Name of the checksum-array locator attribute (root directory `.`).
pub const ATTR_CA: &[u8] = b"isofs.ca";
/// Name of the per-file checksum index attribute.
pub const ATTR_CX: &[u8] = b"isofs.cx";

/// Namespace prefixes with their one-byte short forms (AAIP 2.0
/// "Namespaces").
const NAMESPACES: [(u8, &[u8]); 5] = [
    (0x02, b"system."),
    (0x03, b"user."),
    (0x04, b"isofs."),
    (0x05, b"trusted."),
    (0x06, b"security."),
];
/// Escape byte for names that really start with a reserved byte.
const ESCAPE: u8 = 0x01;

/// One name/value pair of an attribute list. `name` is the full name
/// (`isofs.ca`), not its encoded short form.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Attribute {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

/// The short form of a name as recorded in the component.
fn encode_name(name: &[u8]) -> Vec<u8> {
    for (byte, prefix) in NAMESPACES {
        if let Some(rest) = name.strip_prefix(prefix) {
            let mut v = Vec::with_capacity(rest.len() + 1);
            v.push(byte);
            v.extend_from_slice(rest);
            return v;
        }
    }
    if matches!(name.first(), Some(0x01..=0x1f)) {
        let mut v = Vec::with_capacity(name.len() + 1);
        v.push(ESCAPE);
        v.extend_from_slice(name);
        return v;
    }
    name.to_vec()
}

/// The full name of an encoded name component.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    match raw.first() {
        Some(&ESCAPE) => raw[1..].to_vec(),
        Some(&b) => match NAMESPACES.iter().find(|(nb, _)| *nb == b) {
            Some((_, prefix)) => {
                let mut v = prefix.to_vec();
                v.extend_from_slice(&raw[1..]);
                v
            }
            None => raw.to_vec(),
        },
        None => Vec::new(),
    }
}

/// Encode `attrs` as one or more complete `AL` entries, each at most 255
/// bytes, the way libisofs does: the attribute list becomes one stream of
/// component records (at most 255 content bytes each, `CFLAGS` `CONTINUE`
/// on all but the last record of a component), and that stream is cut into
/// component areas of up to 250 bytes, so a record may straddle two entries
/// (AAIP 2.0: "The last Component Record in the Component Area of an AL
/// System Use Entry may be continued in the Component Area of the next").
/// Every entry but the last has `CONTINUE` set. Returns no bytes for an
/// empty list.
pub fn encode_al(attrs: &[(&[u8], &[u8])]) -> Vec<u8> {
    const AREA: usize = MAX_ENTRY_LEN - HEADER_LEN;
    if attrs.is_empty() {
        return Vec::new();
    }
    let mut stream: Vec<u8> = Vec::new();
    for (name, value) in attrs {
        let name = encode_name(name);
        for component in [name.as_slice(), value] {
            let mut chunks = component.chunks(255).peekable();
            if chunks.peek().is_none() {
                stream.extend_from_slice(&[0, 0]);
            }
            while let Some(chunk) = chunks.next() {
                stream.push(if chunks.peek().is_some() { CONTINUE } else { 0 });
                stream.push(chunk.len() as u8);
                stream.extend_from_slice(chunk);
            }
        }
    }
    let n = stream.len().div_ceil(AREA);
    let mut out = Vec::with_capacity(stream.len() + n * HEADER_LEN);
    for (i, area) in stream.chunks(AREA).enumerate() {
        out.extend_from_slice(&SIGNATURE);
        out.push((HEADER_LEN + area.len()) as u8);
        out.push(VERSION);
        out.push(if i + 1 < n { CONTINUE } else { 0 });
        out.extend_from_slice(area);
    }
    out
}

/// Decode an attribute list from its `AL` entries in recorded order. Each
/// item is one whole entry starting at its signature; its LEN byte is
/// honoured (the slice may be longer). The component areas are joined
/// before the records are read, so records may straddle entries. Decoding
/// stops after the first entry without `CONTINUE`.
pub fn decode_al<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<Attribute>, DecodeError> {
    const WHAT: &str = "AAIP AL entry";
    let mut stream: Vec<u8> = Vec::new();
    let mut finished = false;
    for entry in entries {
        DecodeError::check_len(WHAT, entry, HEADER_LEN)?;
        if entry[0..2] != SIGNATURE {
            return Err(DecodeError::invalid(WHAT, "signature is not AL"));
        }
        let len = entry[2] as usize;
        if len < HEADER_LEN {
            return Err(DecodeError::invalid(
                WHAT,
                format!("length {len} is shorter than its header"),
            ));
        }
        DecodeError::check_len(WHAT, entry, len)?;
        if entry[3] != VERSION {
            return Err(DecodeError::invalid(
                WHAT,
                format!("version {} is not 1", entry[3]),
            ));
        }
        stream.extend_from_slice(&entry[HEADER_LEN..len]);
        if entry[4] & CONTINUE == 0 {
            finished = true;
            break;
        }
    }
    if !finished {
        return Err(DecodeError::invalid(
            WHAT,
            "attribute list ends with CONTINUE set (its next AL entry is missing)",
        ));
    }
    let mut components: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut component_open = false;
    let mut rest = stream.as_slice();
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(DecodeError::invalid(
                WHAT,
                "component record header cut off",
            ));
        }
        let (cflags, clen) = (rest[0], rest[1] as usize);
        let bytes = rest.get(2..2 + clen).ok_or_else(|| {
            DecodeError::invalid(WHAT, "component record longer than the attribute list")
        })?;
        current.extend_from_slice(bytes);
        component_open = cflags & CONTINUE != 0;
        if !component_open {
            components.push(std::mem::take(&mut current));
        }
        rest = &rest[2 + clen..];
    }
    if component_open {
        return Err(DecodeError::invalid(
            WHAT,
            "last component record has CONTINUE set",
        ));
    }
    if !components.len().is_multiple_of(2) {
        return Err(DecodeError::invalid(WHAT, "attribute name without a value"));
    }
    let mut out = Vec::with_capacity(components.len() / 2);
    let mut it = components.into_iter();
    while let (Some(name), Some(value)) = (it.next(), it.next()) {
        out.push(Attribute {
            name: decode_name(&name),
            value,
        });
    }
    Ok(out)
}

/// The `isofs.ca` value: where the checksum array of a session is and how
/// many entries it has (`doc/susp_aaip_isofs_names.txt`, `md5-tags.md`
/// §5.3). Recorded on the root directory's `.` record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ChecksumArea {
    /// START: the session start S (first block covered by array entry 0).
    pub start: u32,
    /// END: LBA of the array (end of the range covered by entry 0).
    pub end: u32,
    /// COUNT: number of entries, N + 2.
    pub count: u32,
}

/// Length of the fixed form libisofs writes.
pub const CA_LEN: usize = 20;

impl ChecksumArea {
    /// The fixed 20-byte form libisofs writes:
    /// `04 START(4) 04 END(4) 04 COUNT(4) 01 10 'M' 'D' '5'`.
    pub fn encode(&self) -> [u8; CA_LEN] {
        let mut v = [0u8; CA_LEN];
        v[0] = 4;
        v[1..5].copy_from_slice(&self.start.to_be_bytes());
        v[5] = 4;
        v[6..10].copy_from_slice(&self.end.to_be_bytes());
        v[10] = 4;
        v[11..15].copy_from_slice(&self.count.to_be_bytes());
        v[15] = 1;
        v[16] = 16;
        v[17..20].copy_from_slice(b"MD5");
        v
    }

    /// Decode any valid form: each number is a length byte and that many
    /// big-endian bytes (leading zeros allowed); SIZE must be 16 and the
    /// type `MD5`, as libisofs requires.
    pub fn decode(v: &[u8]) -> Result<ChecksumArea, DecodeError> {
        const WHAT: &str = "isofs.ca value";
        let mut rest = v;
        let mut nums = [0u32; 4];
        for n in &mut nums {
            let (&len, tail) = rest
                .split_first()
                .ok_or_else(|| DecodeError::invalid(WHAT, "number field missing"))?;
            let bytes = tail
                .get(..len as usize)
                .ok_or_else(|| DecodeError::invalid(WHAT, "number longer than the value"))?;
            *n = be_number(bytes)
                .ok_or_else(|| DecodeError::invalid(WHAT, "number does not fit 32 bits"))?;
            rest = &tail[len as usize..];
        }
        let [start, end, count, size] = nums;
        if size != 16 {
            return Err(DecodeError::invalid(
                WHAT,
                format!("checksum size {size} is not 16"),
            ));
        }
        if rest != b"MD5" {
            return Err(DecodeError::invalid(
                WHAT,
                format!(
                    "checksum type {:?} is not MD5",
                    String::from_utf8_lossy(rest)
                ),
            ));
        }
        Ok(ChecksumArea { start, end, count })
    }

    /// Whether `index` (an `isofs.cx` value) names a file entry:
    /// `1 ≤ index ≤ COUNT − 2`.
    pub fn has_file_index(&self, index: u32) -> bool {
        index >= 1 && index.checked_add(2).is_some_and(|i| i <= self.count)
    }
}

/// A big-endian number of any length whose value fits 32 bits.
fn be_number(bytes: &[u8]) -> Option<u32> {
    let mut v: u64 = 0;
    for &b in bytes {
        v = (v << 8) | u64::from(b);
        if v > u64::from(u32::MAX) {
            return None;
        }
    }
    Some(v as u32)
}

/// The `isofs.cx` value libisofs writes: the file's array index as 4
/// big-endian bytes.
pub fn encode_cx(index: u32) -> [u8; 4] {
    index.to_be_bytes()
}

/// Decode an `isofs.cx` value of 1–4 big-endian bytes (the caller checks
/// the range with [`ChecksumArea::has_file_index`]).
pub fn decode_cx(v: &[u8]) -> Result<u32, DecodeError> {
    if v.is_empty() || v.len() > 4 {
        return Err(DecodeError::invalid(
            "isofs.cx value",
            format!("{} bytes, expected 1 to 4", v.len()),
        ));
    }
    Ok(be_number(v).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `md5-tags.md` §10.4: the `AL` entry of `a.txt`, isofs.cx = 1.
    #[test]
    fn cx_entry_golden_bytes() {
        let e = encode_al(&[(ATTR_CX, &encode_cx(1))]);
        assert_eq!(
            e,
            [
                0x41, 0x4c, 0x10, 0x01, 0x00, 0x00, 0x03, 0x04, 0x63, 0x78, 0x00, 0x04, 0x00, 0x00,
                0x00, 0x01
            ]
        );
        let attrs = decode_al([e.as_slice()]).unwrap();
        assert_eq!(attrs.len(), 1);
        assert_eq!(attrs[0].name, b"isofs.cx");
        assert_eq!(decode_cx(&attrs[0].value).unwrap(), 1);
    }

    /// `md5-tags.md` §10.4: the root's `AL` entry with isofs.nt and
    /// isofs.ca (session 1: START 32, END 62, COUNT 4).
    #[test]
    fn root_entry_golden_bytes() {
        let golden: [u8; 43] = [
            0x41, 0x4c, 0x2b, 0x01, 0x00, //
            0x00, 0x03, 0x04, 0x6e, 0x74, //
            0x00, 0x04, 0x01, 0x01, 0x01, 0xff, //
            0x00, 0x03, 0x04, 0x63, 0x61, //
            0x00, 0x14, 0x04, 0x00, 0x00, 0x00, 0x20, 0x04, 0x00, 0x00, 0x00, 0x3e, 0x04, 0x00,
            0x00, 0x00, 0x04, 0x01, 0x10, 0x4d, 0x44, 0x35,
        ];
        let ca = ChecksumArea {
            start: 32,
            end: 62,
            count: 4,
        };
        let e = encode_al(&[(b"isofs.nt", &[1, 1, 1, 0xff]), (ATTR_CA, &ca.encode())]);
        assert_eq!(e, golden);
        let attrs = decode_al([golden.as_slice()]).unwrap();
        assert_eq!(attrs[1].name, ATTR_CA);
        assert_eq!(ChecksumArea::decode(&attrs[1].value).unwrap(), ca);
    }

    /// The variable-length example of `doc/susp_aaip_isofs_names.txt`.
    #[test]
    fn ca_honours_length_bytes() {
        let v = [
            0x01, 0x20, 0x03, 0x0F, 0x42, 0x40, 0x02, 0x02, 0x08, 0x01, 0x10, b'M', b'D', b'5',
        ];
        let ca = ChecksumArea::decode(&v).unwrap();
        assert_eq!(
            ca,
            ChecksumArea {
                start: 32,
                end: 1_000_000,
                count: 520
            }
        );
        assert!(ca.has_file_index(1));
        assert!(ca.has_file_index(518));
        assert!(!ca.has_file_index(519));
        assert!(!ca.has_file_index(0));
    }

    #[test]
    fn ca_rejects_bad_values() {
        let good = ChecksumArea {
            start: 0,
            end: 5,
            count: 3,
        }
        .encode();
        let mut bad = good;
        bad[16] = 20;
        assert!(ChecksumArea::decode(&bad).is_err());
        let mut bad = good;
        bad[19] = b'6';
        assert!(ChecksumArea::decode(&bad).is_err());
        assert!(ChecksumArea::decode(&good[..12]).is_err());
        assert!(ChecksumArea::decode(&[]).is_err());
        let too_big = [5, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 16, b'M', b'D', b'5'];
        assert!(ChecksumArea::decode(&too_big).is_err());
    }

    #[test]
    fn cx_lengths() {
        assert_eq!(decode_cx(&[7]).unwrap(), 7);
        assert_eq!(decode_cx(&[1, 0]).unwrap(), 256);
        assert_eq!(decode_cx(&encode_cx(0x0102_0304)).unwrap(), 0x0102_0304);
        assert!(decode_cx(&[]).is_err());
        assert!(decode_cx(&[0, 0, 0, 0, 1]).is_err());
    }

    /// The two-entry example of `doc/susp_aaip_2_0.txt`: "name" with a
    /// 262-byte value ("long…content") and "one"="more". The value's first
    /// record (CONTINUE, 255 bytes) straddles the two entries; the second
    /// entry has LEN 38.
    #[test]
    fn long_value_splits_over_entries_like_the_spec_example() {
        let mut long = b"long".to_vec();
        long.resize(255, b'x');
        long.extend_from_slice(b"content");
        assert_eq!(long.len(), 262);
        let e = encode_al(&[(b"name", &long), (b"one", b"more")]);
        assert_eq!(&e[..5], &[b'A', b'L', 255, 1, 1]);
        assert_eq!(&e[5..11], &[0, 4, b'n', b'a', b'm', b'e']);
        assert_eq!(&e[11..17], &[1, 255, b'l', b'o', b'n', b'g']);
        let second = &e[255..];
        assert_eq!(&second[..5], &[b'A', b'L', 38, 1, 0]);
        assert_eq!(second.len(), 38);
        assert_eq!(&second[5 + 13..5 + 13 + 9], b"\x00\x07content");
        assert_eq!(
            &second[27..],
            &[0, 3, b'o', b'n', b'e', 0, 4, b'm', b'o', b'r', b'e']
        );
        let attrs = decode_al([&e[..255], second]).unwrap();
        assert_eq!(attrs[0].name, b"name");
        assert_eq!(attrs[0].value, long);
        assert_eq!(attrs[1].name, b"one");
        assert_eq!(attrs[1].value, b"more");
    }

    #[test]
    fn empty_value_round_trips() {
        let e = encode_al(&[(b"user.e", b"")]);
        assert_eq!(e, [b'A', b'L', 11, 1, 0, 0, 2, 3, b'e', 0, 0]);
        let attrs = decode_al([e.as_slice()]).unwrap();
        assert_eq!(attrs[0].name, b"user.e");
        assert!(attrs[0].value.is_empty());
    }

    #[test]
    fn namespaces_and_escape() {
        for name in [
            &b"user.abc"[..],
            b"system.x",
            b"trusted.t",
            b"security.s",
            b"plain",
            b"\x03abc",
        ] {
            let e = encode_al(&[(name, b"v")]);
            let attrs = decode_al([e.as_slice()]).unwrap();
            assert_eq!(attrs[0].name, name);
        }
        assert_eq!(encode_name(b"user.abc"), [3, b'a', b'b', b'c']);
        assert_eq!(encode_name(b"\x03abc"), [1, 3, b'a', b'b', b'c']);
    }

    #[test]
    fn malformed_lists_are_errors() {
        // CONTINUE on the only entry.
        let mut e = encode_al(&[(ATTR_CX, &encode_cx(1))]);
        e[4] = CONTINUE;
        assert!(decode_al([e.as_slice()]).is_err());
        // Length beyond the slice.
        let mut e = encode_al(&[(ATTR_CX, &encode_cx(1))]);
        e[2] = 40;
        assert!(decode_al([e.as_slice()]).is_err());
        // Component longer than the entry.
        let mut e = encode_al(&[(ATTR_CX, &encode_cx(1))]);
        e[11] = 9;
        assert!(decode_al([e.as_slice()]).is_err());
        // A name without value.
        let e = [b'A', b'L', 10, 1, 0, 0, 3, 4, b'c', b'x'];
        assert!(decode_al([e.as_slice()]).is_err());
        // Wrong signature, short header.
        assert!(decode_al([&b"SL\x05\x01\x00"[..]]).is_err());
        assert!(decode_al([&b"AL\x05"[..]]).is_err());
        assert!(decode_al(std::iter::empty()).is_err());
    }
}
