//! Numeric and date fields of ECMA-119 (§7.1–§7.3, §8.4.26.1, §9.1.5).
//!
//! All accessors take a slice and an offset and return `None` when the
//! slice is too short, so no caller can index out of bounds.

use crate::model::Timestamp;

/// 7.2.1: 16-bit little-endian.
pub(crate) fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// 7.2.2: 16-bit big-endian.
pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// 7.3.1: 32-bit little-endian.
pub(crate) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// 7.3.2: 32-bit big-endian.
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// 7.3.3: 32-bit both-byte orders. The little-endian half wins; writers
/// that get the big-endian half wrong exist and readers (Linux, libisofs)
/// use one half too.
pub(crate) fn both32(b: &[u8], at: usize) -> Option<u32> {
    let le = le32(b, at)?;
    if be32(b, at + 4)? != le {
        log::debug!("both-endian field at offset {at}: halves differ, using little-endian {le}");
    }
    Some(le)
}

/// 7.2.3: 16-bit both-byte orders (little-endian half used).
pub(crate) fn both16(b: &[u8], at: usize) -> Option<u16> {
    let le = le16(b, at)?;
    be16(b, at + 2)?;
    Some(le)
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Shift the year so that it starts in March; February's leap day is then
    // the last day of the shifted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // 0..=399
    let m = i64::from(month);
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn to_unix(year: i64, mon: u32, day: u32, h: u32, mi: u32, s: u32, offset_q: i8) -> Option<i64> {
    if !(1..=12).contains(&mon) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, mon, day);
    let local = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
    // Offset from Greenwich in 15-minute intervals, -48 (west) … +52 (east).
    Some(local - i64::from(offset_q) * 900)
}

/// ECMA-119 §9.1.5 "Recording Date and Time" (7 bytes): years since 1900,
/// month, day, hour, minute, second, offset from GMT in 15-minute units.
/// All zero means "not specified".
pub(crate) fn date7(b: &[u8]) -> Option<Timestamp> {
    let b = b.get(..7)?;
    if b.iter().all(|&x| x == 0) {
        return None;
    }
    let secs = to_unix(
        1900 + i64::from(b[0]),
        u32::from(b[1]),
        u32::from(b[2]),
        u32::from(b[3]),
        u32::from(b[4]),
        u32::from(b[5]),
        b[6] as i8,
    )?;
    Some(Timestamp::from_secs(secs))
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// ECMA-119 §8.4.26.1 date and time (17 bytes): "YYYYMMDDHHMMSScc" as
/// digits plus the GMT offset byte. Used by the volume descriptors and by
/// RRIP `TF` in long form (RRIP 1.12 §4.1.6). All digits zero (or all
/// bytes zero) means "not specified".
pub(crate) fn date17(b: &[u8]) -> Option<Timestamp> {
    let b = b.get(..17)?;
    if b[..16].iter().all(|&c| c == b'0' || c == 0) {
        return None;
    }
    let year = digits(&b[0..4])?;
    let secs = to_unix(
        i64::from(year),
        digits(&b[4..6])?,
        digits(&b[6..8])?,
        digits(&b[8..10])?,
        digits(&b[10..12])?,
        digits(&b[12..14])?,
        b[16] as i8,
    )?;
    let hundredths = digits(&b[14..16])?;
    Some(Timestamp {
        secs,
        nanos: hundredths * 10_000_000,
    })
}

/// A d-/a-character or file identifier field padded with spaces (ECMA-119
/// §7.4); trailing spaces and NULs removed.
pub(crate) fn text(b: &[u8]) -> String {
    let end = b
        .iter()
        .rposition(|&c| c != b' ' && c != 0)
        .map_or(0, |p| p + 1);
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// UCS-2 big-endian (Joliet, SVD with escape sequences `%/@`, `%/C`, `%/E`)
/// to UTF-8. Surrogate pairs are accepted (UTF-16); lone surrogates become
/// U+FFFD. An odd trailing byte is ignored.
pub(crate) fn ucs2be(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// A Joliet text field padded with UCS-2 spaces (00 20) or zeros.
pub(crate) fn ucs2_text(b: &[u8]) -> String {
    let s = ucs2be(b);
    s.trim_end_matches([' ', '\0']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2024, 1, 2), 19_724);
    }

    #[test]
    fn seven_byte_dates() {
        // 2024-01-02 03:04:05 UTC = 1704164645 (md5-tags.md §10.1).
        assert_eq!(date7(&[124, 1, 2, 3, 4, 5, 0]).unwrap().secs, 1_704_164_645);
        // Same instant written as 04:04:05 at GMT+1 (4 quarter hours).
        assert_eq!(date7(&[124, 1, 2, 4, 4, 5, 4]).unwrap().secs, 1_704_164_645);
        assert_eq!(date7(&[0; 7]), None);
        assert_eq!(date7(&[124, 13, 2, 3, 4, 5, 0]), None);
        assert_eq!(date7(&[124, 1]), None);
    }

    #[test]
    fn seventeen_byte_dates() {
        let t = date17(b"2024010203040512\0").unwrap();
        assert_eq!(t.secs, 1_704_164_645);
        assert_eq!(t.nanos, 120_000_000);
        assert_eq!(date17(b"0000000000000000\0"), None);
        assert_eq!(date17(&[0; 17]), None);
        assert_eq!(date17(b"20240102030405xx\0"), None);
        // -8 quarter hours = UTC-2: local 01:04:05 is 03:04:05 UTC.
        let mut b = *b"2024010201040500\0";
        b[16] = (-8i8) as u8;
        assert_eq!(date17(&b).unwrap().secs, 1_704_164_645);
    }

    #[test]
    fn numbers() {
        let b = [0x34, 0x12, 0, 0, 0, 0, 0x12, 0x34];
        assert_eq!(both32(&b, 0), Some(0x1234));
        assert_eq!(le16(&b, 7), None);
        assert_eq!(be16(&b, 6), Some(0x1234));
    }

    #[test]
    fn strings() {
        assert_eq!(text(b"PLAIN   \0\0"), "PLAIN");
        assert_eq!(ucs2_text(&[0, b'a', 0, 0x20, 0, 0x20]), "a");
        assert_eq!(ucs2be(&[0xd8, 0x3d, 0xde, 0x00]), "\u{1f600}");
        assert_eq!(ucs2be(&[0xd8, 0x3d]), "\u{fffd}");
    }
}
