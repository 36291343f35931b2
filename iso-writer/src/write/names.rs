//! Identifiers derived from Rock Ridge names: ECMA-119 file and directory
//! identifiers (d-characters) and Joliet names (UCS-2).
//!
//! # ECMA-119 identifiers
//!
//! * Each character becomes itself upper-cased if it is an ASCII letter or
//!   digit, else `_` (one `_` per character of a UTF-8 name).
//! * Files: the part after the last `.` (not at position 0) is the
//!   extension; the identifier is `NAME.EXT;1` (`NAME.;1` without one).
//!   Directories have no extension (their dots become `_`).
//! * Lengths (§7.5.1, §7.6.3, §10): level 1: name ≤ 8, extension ≤ 3,
//!   directory ≤ 8; levels 2 and 3: name + extension ≤ 30 (an extension
//!   longer than 10 characters is cut to 10 when the total is too long),
//!   directory ≤ 31.
//! * Collisions (two names mapping to the same `NAME.EXT`, directories
//!   compared as `NAME.` with an empty extension): the entries of a
//!   directory are taken in byte order of their Rock Ridge names; the first
//!   keeps its identifier, each later one gets the end of its name part
//!   replaced by the smallest decimal number 1, 2, … that makes it unique.
//!
//! # Joliet names
//!
//! * The Rock Ridge name decoded as UTF-8 (invalid bytes, characters
//!   outside the BMP and `* / : ; ? \` and control characters become `_`).
//! * More than 64 UCS-2 characters: the extension (after the last `.`, if
//!   it has at most 16 characters) is kept and the part before it is
//!   truncated so that the whole is 64 characters.
//! * Collisions (after truncation or replacement): in Rock Ridge name
//!   order, later entries get the smallest decimal number 1, 2, …
//!   appended to the part before the extension (truncated further when
//!   needed to stay within 64).
//! * Files get the version suffix `;1`.

use std::collections::HashSet;

use super::options::IsoLevel;
use crate::spec::joliet;

fn map_char(c: char) -> u8 {
    if c.is_ascii_alphanumeric() {
        c.to_ascii_uppercase() as u8
    } else {
        b'_'
    }
}

/// (name part, extension) of the ECMA-119 identifier of a Rock Ridge
/// name, before collision handling.
pub(crate) fn iso_parts(name: &[u8], is_dir: bool, level: IsoLevel) -> (Vec<u8>, Vec<u8>) {
    let s = String::from_utf8_lossy(name);
    let (stem, ext) = if is_dir {
        (s.as_ref(), "")
    } else {
        match s.rfind('.') {
            Some(i) if i > 0 => (&s[..i], &s[i + 1..]),
            _ => (s.as_ref(), ""),
        }
    };
    let mut n: Vec<u8> = stem.chars().map(map_char).collect();
    let mut e: Vec<u8> = ext.chars().map(map_char).collect();
    if n.is_empty() {
        n.push(b'_');
    }
    match (level, is_dir) {
        (IsoLevel::L1, true) => n.truncate(8),
        (IsoLevel::L1, false) => {
            n.truncate(8);
            e.truncate(3);
        }
        (_, true) => n.truncate(31),
        (_, false) => {
            if n.len() + e.len() > 30 {
                e.truncate(10);
                n.truncate(30 - e.len());
            }
        }
    }
    (n, e)
}

/// Most characters of the name part for this extension.
fn max_name(level: IsoLevel, is_dir: bool, ext_len: usize) -> usize {
    match (level, is_dir) {
        (IsoLevel::L1, _) => 8,
        (_, true) => 31,
        (_, false) => 30 - ext_len,
    }
}

/// The recorded identifier.
fn iso_id(n: &[u8], e: &[u8], is_dir: bool) -> Vec<u8> {
    let mut id = n.to_vec();
    if !is_dir {
        id.push(b'.');
        id.extend_from_slice(e);
        id.extend_from_slice(b";1");
    }
    id
}

/// `base` with its end replaced by `n` so that it has at most `max`
/// characters.
fn numbered<T: Copy>(base: &[T], n: u32, max: usize, digit: impl Fn(u8) -> T) -> Vec<T> {
    let s = n.to_string();
    let keep = base.len().min(max.saturating_sub(s.len()));
    let mut v = base[..keep].to_vec();
    v.extend(s.bytes().map(digit));
    v
}

/// Unique ECMA-119 identifiers for the entries of one directory, given as
/// (is_dir, Rock Ridge name) in the order collisions are resolved in
/// (Rock Ridge name order). Returns the identifiers in the same order.
pub(crate) fn assign_iso_ids(entries: &[(bool, &[u8])], level: IsoLevel) -> Vec<Vec<u8>> {
    let parts: Vec<(Vec<u8>, Vec<u8>)> = entries
        .iter()
        .map(|&(d, n)| iso_parts(n, d, level))
        .collect();
    let mut taken: HashSet<(Vec<u8>, Vec<u8>)> = HashSet::with_capacity(entries.len());
    let mut out: Vec<Option<Vec<u8>>> = vec![None; entries.len()];
    for (i, p) in parts.iter().enumerate() {
        if taken.insert(p.clone()) {
            out[i] = Some(iso_id(&p.0, &p.1, entries[i].0));
        }
    }
    for (i, p) in parts.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let is_dir = entries[i].0;
        let max = max_name(level, is_dir, p.1.len());
        let mut k = 1u32;
        loop {
            let cand = (numbered(&p.0, k, max, |d| d), p.1.clone());
            if taken.insert(cand.clone()) {
                out[i] = Some(iso_id(&cand.0, &cand.1, is_dir));
                break;
            }
            k += 1;
        }
    }
    out.into_iter().map(|o| o.unwrap_or_default()).collect()
}

/// Split UCS-2 units at the last `.` (not at position 0) into (stem, ext
/// including the dot); extensions over 16 characters do not count.
fn split_ext(u: &[u16]) -> (&[u16], &[u16]) {
    match u.iter().rposition(|&c| c == u16::from(b'.')) {
        Some(i) if i > 0 && u.len() - i - 1 <= 16 => (&u[..i], &u[i..]),
        _ => (u, &u[u.len()..]),
    }
}

/// The Joliet name of a Rock Ridge name before collision handling
/// (without `;1`).
pub(crate) fn joliet_base(name: &[u8]) -> Vec<u16> {
    let s = String::from_utf8_lossy(name);
    let mut u: Vec<u16> = s
        .chars()
        .map(|c| match u16::try_from(u32::from(c)) {
            Ok(x) if joliet::is_allowed(x) && c != '\u{fffd}' => x,
            _ => joliet::REPLACEMENT,
        })
        .collect();
    if u.len() > joliet::MAX_NAME_UNITS {
        let (stem, ext) = split_ext(&u);
        let mut v = stem[..joliet::MAX_NAME_UNITS - ext.len()].to_vec();
        v.extend_from_slice(ext);
        u = v;
    }
    u
}

/// Unique Joliet identifiers (with `;1` for files) for the entries of one
/// directory, in the given (Rock Ridge name) order.
pub(crate) fn assign_joliet_ids(entries: &[(bool, &[u8])]) -> Vec<Vec<u16>> {
    let bases: Vec<Vec<u16>> = entries.iter().map(|&(_, n)| joliet_base(n)).collect();
    let mut taken: HashSet<Vec<u16>> = HashSet::with_capacity(entries.len());
    let mut out: Vec<Option<Vec<u16>>> = vec![None; entries.len()];
    for (i, b) in bases.iter().enumerate() {
        if taken.insert(b.clone()) {
            out[i] = Some(b.clone());
        }
    }
    for (i, b) in bases.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let (stem, ext) = split_ext(b);
        let max = joliet::MAX_NAME_UNITS - ext.len();
        let mut k = 1u32;
        loop {
            let mut cand = numbered(stem, k, max, u16::from);
            cand.extend_from_slice(ext);
            if taken.insert(cand.clone()) {
                out[i] = Some(cand);
                break;
            }
            k += 1;
        }
    }
    out.into_iter()
        .zip(entries)
        .map(|(o, &(is_dir, _))| {
            let mut v = o.unwrap_or_default();
            if !is_dir {
                v.extend_from_slice(&[u16::from(b';'), u16::from(b'1')]);
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(entries: &[(bool, &str)], level: IsoLevel) -> Vec<String> {
        let e: Vec<(bool, &[u8])> = entries.iter().map(|&(d, n)| (d, n.as_bytes())).collect();
        assign_iso_ids(&e, level)
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn iso_mapping() {
        assert_eq!(ids(&[(false, "a.txt")], IsoLevel::L3), ["A.TXT;1"]);
        assert_eq!(ids(&[(false, "Makefile")], IsoLevel::L3), ["MAKEFILE.;1"]);
        assert_eq!(ids(&[(false, ".bashrc")], IsoLevel::L3), ["_BASHRC.;1"]);
        assert_eq!(
            ids(&[(false, "archive.tar.gz")], IsoLevel::L3),
            ["ARCHIVE_TAR.GZ;1"]
        );
        assert_eq!(ids(&[(true, "my.dir")], IsoLevel::L3), ["MY_DIR"]);
        assert_eq!(ids(&[(false, "é-x.c")], IsoLevel::L3), ["__X.C;1"]);
        assert_eq!(
            ids(&[(false, "longfilename.html")], IsoLevel::L1),
            ["LONGFILE.HTM;1"]
        );
        assert_eq!(ids(&[(true, "directoryname")], IsoLevel::L1), ["DIRECTOR"]);
        let long = "x".repeat(40) + ".extension_long";
        let id = &ids(&[(false, &long)], IsoLevel::L3)[0];
        assert_eq!(id, &format!("{}.EXTENSION_;1", "X".repeat(20)));
        assert_eq!(ids(&[(true, &"d".repeat(40))], IsoLevel::L2)[0].len(), 31);
    }

    #[test]
    fn iso_collisions_are_numbered_deterministically() {
        let got = ids(
            &[
                (false, "A.txt"),
                (false, "a.txt"),
                (false, "a_txt.x"),
                (true, "a"),
                (false, "a"),
            ],
            IsoLevel::L3,
        );
        assert_eq!(got, ["A.TXT;1", "A1.TXT;1", "A_TXT.X;1", "A", "A1.;1"]);
        let got = ids(
            &[
                (false, "abcdefgh1.c"),
                (false, "abcdefgh2.c"),
                (false, "abcdefgh3.c"),
            ],
            IsoLevel::L1,
        );
        assert_eq!(got, ["ABCDEFGH.C;1", "ABCDEFG1.C;1", "ABCDEFG2.C;1"]);
        // A generated name never collides with a later base name.
        let got = ids(
            &[(false, "a.c"), (false, "A.c"), (false, "a1.c")],
            IsoLevel::L3,
        );
        assert_eq!(got, ["A.C;1", "A2.C;1", "A1.C;1"]);
        let unique: HashSet<_> = got.iter().collect();
        assert_eq!(unique.len(), 3);
    }

    fn jids(entries: &[(bool, &str)]) -> Vec<String> {
        let e: Vec<(bool, &[u8])> = entries.iter().map(|&(d, n)| (d, n.as_bytes())).collect();
        assign_joliet_ids(&e)
            .into_iter()
            .map(|v| String::from_utf16(&v).unwrap())
            .collect()
    }

    #[test]
    fn joliet_names() {
        assert_eq!(jids(&[(false, "Hello World.txt")]), ["Hello World.txt;1"]);
        assert_eq!(jids(&[(true, "dir.d")]), ["dir.d"]);
        assert_eq!(jids(&[(false, "a:b?c")]), ["a_b_c;1"]);
        assert_eq!(jids(&[(false, "😀")]), ["_;1"]);
        let long = "a".repeat(90) + ".txt";
        let longb = "a".repeat(90) + "b.txt";
        let got = jids(&[(false, &long), (false, &longb)]);
        assert_eq!(got[0], format!("{}.txt;1", "a".repeat(60)));
        assert_eq!(got[1], format!("{}1.txt;1", "a".repeat(59)));
        assert_eq!(got[1].chars().count(), 64 + 2);
        let noext = "b".repeat(70);
        assert_eq!(jids(&[(true, &noext)])[0], "b".repeat(64));
        let got = jids(&[(false, "a*"), (false, "a?")]);
        assert_eq!(got, ["a_;1", "a_1;1"]);
    }
}
