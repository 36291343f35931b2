//! Joliet (Microsoft "Joliet Specification", 1995): a Supplementary Volume
//! Descriptor (ECMA-119 §8.5) whose escape sequences announce UCS-2, and
//! identifiers recorded as UCS-2 big-endian.
//!
//! * Escape sequences `%/@`, `%/C`, `%/E` = UCS-2 levels 1, 2, 3
//!   ([`super::ecma119::JOLIET_ESCAPES`]); writers use level 3.
//! * File and directory identifiers: at most 64 UCS-2 characters (128
//!   bytes); the characters `*` `/` `:` `;` `?` `\` and control characters
//!   (below U+0020) are not allowed in names (`;` only as the version
//!   separator).
//! * Text fields of the SVD (volume id etc.) are UCS-2 too, padded with
//!   U+0020; an odd field length leaves a final (00) byte.

/// Most UCS-2 characters in a Joliet name (not counting a `;1` version).
pub const MAX_NAME_UNITS: usize = 64;

/// The replacement for characters Joliet cannot hold.
pub const REPLACEMENT: u16 = b'_' as u16;

/// Whether `c` may appear in a Joliet file or directory name.
pub fn is_allowed(c: u16) -> bool {
    c >= 0x20 && !matches!(c, 0x2A | 0x2F | 0x3A | 0x3B | 0x3F | 0x5C)
}

/// UCS-2 units of `s`: characters outside the Basic Multilingual Plane
/// (which UCS-2 cannot represent) become `_`.
pub fn to_ucs2(s: &str) -> Vec<u16> {
    s.chars()
        .map(|c| u16::try_from(u32::from(c)).unwrap_or(REPLACEMENT))
        .collect()
}

/// Big-endian bytes of UCS-2 units.
pub fn ucs2_bytes(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_be_bytes()).collect()
}

/// Decode big-endian UCS-2 (or UTF-16) bytes; an odd trailing byte is
/// ignored, unpaired surrogates become U+FFFD.
pub fn decode(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A fixed-width SVD text field holding `s` in UCS-2 big-endian, padded
/// with U+0020; longer text is cut at a character boundary.
pub fn text_field<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let units = to_ucs2(s);
    for i in 0..N / 2 {
        let u = units.get(i).copied().unwrap_or(0x20);
        out[2 * i..2 * i + 2].copy_from_slice(&u.to_be_bytes());
    }
    out
}

/// Directory record order (ECMA-119 §9.3) applied to UCS-2 identifiers:
/// name, then extension (split at the first `.` before the `;`), each
/// padded with U+0020, then version number descending.
pub fn cmp_ids(a: &[u16], b: &[u16]) -> std::cmp::Ordering {
    fn split(id: &[u16]) -> (&[u16], &[u16], &[u16]) {
        let (base, ver) = match id.iter().position(|&c| c == u16::from(b';')) {
            Some(i) => (&id[..i], &id[i + 1..]),
            None => (id, &id[id.len()..]),
        };
        match base.iter().position(|&c| c == u16::from(b'.')) {
            Some(i) => (&base[..i], &base[i + 1..], ver),
            None => (base, &base[base.len()..], ver),
        }
    }
    fn padded(a: &[u16], b: &[u16]) -> std::cmp::Ordering {
        let n = a.len().max(b.len());
        (0..n)
            .map(|i| {
                (
                    a.get(i).copied().unwrap_or(0x20),
                    b.get(i).copied().unwrap_or(0x20),
                )
            })
            .map(|(x, y)| x.cmp(&y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    }
    fn version(v: &[u16]) -> u32 {
        v.iter()
            .take_while(|&&c| (u16::from(b'0')..=u16::from(b'9')).contains(&c))
            .fold(0u32, |a, &d| {
                a.saturating_mul(10)
                    .saturating_add(u32::from(d - u16::from(b'0')))
            })
    }
    let (an, ae, av) = split(a);
    let (bn, be, bv) = split(b);
    padded(an, bn)
        .then_with(|| padded(ae, be))
        .then_with(|| version(bv).cmp(&version(av)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ucs2_golden() {
        assert_eq!(ucs2_bytes(&to_ucs2("Aé")), [0x00, 0x41, 0x00, 0xe9]);
        assert_eq!(to_ucs2("a😀b"), [0x61, REPLACEMENT, 0x62]);
        assert_eq!(decode(&[0x00, 0x41, 0x00, 0xe9, 0x00]), "Aé");
        assert_eq!(decode(&[0xd8, 0x00]), "\u{fffd}");
    }

    /// The Joliet SVD volume id of xorriso's `ISOIMAGE` (00 49 00 53 …
    /// then 00 20 pairs) and a 37-byte field ending in a lone 00.
    #[test]
    fn text_fields_like_xorriso() {
        let f: [u8; 32] = text_field("ISOIMAGE");
        assert_eq!(&f[..4], &[0, b'I', 0, b'S']);
        assert_eq!(&f[16..20], &[0, 0x20, 0, 0x20]);
        let g: [u8; 37] = text_field("");
        assert_eq!(&g[..2], &[0, 0x20]);
        assert_eq!(g[36], 0);
    }

    #[test]
    fn allowed_characters() {
        for c in "*/:;?\\".encode_utf16() {
            assert!(!is_allowed(c));
        }
        assert!(!is_allowed(0x1f));
        assert!(is_allowed(u16::from(b'a')) && is_allowed(0xe9) && is_allowed(u16::from(b' ')));
    }

    #[test]
    fn order() {
        let u = |s: &str| to_ucs2(s);
        assert!(cmp_ids(&u("a;1"), &u("b;1")).is_lt());
        assert!(cmp_ids(&u("a.txt;1"), &u("a_b;1")).is_lt());
        assert!(cmp_ids(&u("a.b;2"), &u("a.b;1")).is_lt());
        assert!(cmp_ids(&u("A"), &u("a")).is_lt());
    }
}
