//! The multisession emulation on overwritable media and image files
//! (`mmc-recipes.md` §8; libisoburn's convention): reading and judging the
//! 64 KiB head at LBA 0, building the head of a new session, and the
//! pseudo-blank that invalidates it.

use iso_writer::spec::md5tag::Tag;
use mmc::Transport;
use mmc::engine::{Recorder, is_unrecorded};

use crate::error::Result;

/// Blocks of the head (64 KiB).
pub(crate) const HEAD_BLOCKS: u32 = 32;
const B: usize = iso_writer::BLOCK;
pub(crate) const HEAD_BYTES: usize = HEAD_BLOCKS as usize * B;

/// What the head at LBA 0 … 31 says (`mmc-recipes.md` §3.2 last rows,
/// §8.2 step 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeadState {
    /// Nothing recorded, zeros, or invalidated descriptors (`CDXX1`).
    Blank,
    /// A primary volume descriptor at LBA 16: the volume space size is the
    /// absolute end of the newest session.
    Iso { end: u32 },
    /// Something else; the text says what.
    Unknown(String),
}

/// Standard identifiers of volume descriptors and of the UDF volume
/// recognition sequence that may follow them (ECMA-119 §8.1.2; ECMA-167
/// 2/9.1: `BEA01`, `NSR02`, `NSR03`, `TEA01`, `BOOT2`, `CDW02`).
const DESCRIPTOR_IDS: [&[u8; 5]; 7] = [
    b"CD001", b"BEA01", b"NSR02", b"NSR03", b"TEA01", b"BOOT2", b"CDW02",
];

/// Reads the head; blocks that are not recorded read as zeros.
pub(crate) fn read_head<T: Transport>(rec: &mut Recorder<T>) -> Result<Vec<u8>> {
    match rec.read_blocks(0, HEAD_BLOCKS) {
        Ok(h) => Ok(h),
        Err(e) if is_unrecorded(&e) => {
            // Partly recorded (a short image file): read what is there.
            let mut head = vec![0u8; HEAD_BYTES];
            for lba in 0..HEAD_BLOCKS {
                match rec.read_blocks(lba, 1) {
                    Ok(b) => head[lba as usize * B..(lba as usize + 1) * B].copy_from_slice(&b),
                    Err(e) if is_unrecorded(&e) => break,
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(head)
        }
        Err(e) => Err(e.into()),
    }
}

/// Judges a head.
pub(crate) fn classify(head: &[u8]) -> HeadState {
    let Some(b16) = head.get(16 * B..17 * B) else {
        return HeadState::Blank;
    };
    if b16[0] == 1 && &b16[1..6] == b"CD001" {
        let end = u32::from_le_bytes([b16[80], b16[81], b16[82], b16[83]]);
        return HeadState::Iso { end };
    }
    if &b16[1..6] == b"CDXX1" {
        return HeadState::Blank;
    }
    if head.iter().all(|&b| b == 0) {
        return HeadState::Blank;
    }
    let what = if &b16[1..6] == b"BEA01" {
        "a UDF file system".to_string()
    } else if &b16[1..6] == b"CD001" {
        format!("an ISO 9660 descriptor of type {} at LBA 16", b16[0])
    } else {
        "unrecognised data in its first 64 KiB".to_string()
    };
    HeadState::Unknown(what)
}

/// Invalidates the volume descriptors of a head in place
/// (`mmc-recipes.md` §8.5, libisoburn `isoburn_invalidate_iso`): in every
/// descriptor from LBA 16 on, up to the first block that is none, byte 4
/// of the standard identifier becomes `X` (`CD001` → `CDXX1` changes
/// bytes 3 and 4, `BEA01` → `BEAX1`, `NSR02` → `NSRX2`, `TEA01` →
/// `TEAX1`). Returns the number of descriptors changed.
pub(crate) fn invalidate(head: &mut [u8]) -> u32 {
    let mut n = 0;
    for lba in 16..HEAD_BLOCKS as usize {
        let Some(b) = head.get_mut(lba * B..(lba + 1) * B) else {
            break;
        };
        let id: [u8; 5] = [b[1], b[2], b[3], b[4], b[5]];
        if !DESCRIPTOR_IDS.iter().any(|d| **d == id) {
            break;
        }
        if &id == b"CD001" {
            b[3] = b'X';
        }
        b[4] = b'X';
        n += 1;
    }
    n
}

/// The head to write after a new session (`mmc-recipes.md` §8.2 step 6,
/// `md5-tags.md` §6): `new` is the head the writer built (system area, the
/// session's descriptors with the absolute end, the relocated superblock
/// tag, zeros). With `keep_old_tail` (the medium had an ISO head) the
/// blocks after the new descriptors and tag keep the old content — an
/// image written at LBA 0 may have directories and file data there that
/// later sessions still use — with stale checksum tags (a tag block whose
/// `pos` is its own LBA) invalidated by zeroing their first byte, as
/// libisoburn does; otherwise they are zeros.
pub(crate) fn merge_head(new: &[u8], old: &[u8], keep_old_tail: bool) -> Vec<u8> {
    let mut head = new.to_vec();
    head.resize(HEAD_BYTES, 0);
    if !keep_old_tail || old.len() < HEAD_BYTES {
        return head;
    }
    let used = head_used_blocks(&head);
    for lba in used..HEAD_BLOCKS as usize {
        let block = &old[lba * B..(lba + 1) * B];
        let dst = &mut head[lba * B..(lba + 1) * B];
        dst.copy_from_slice(block);
        if Tag::decode(block).is_ok_and(|t| t.pos as usize == lba) {
            dst[0] = 0;
        }
    }
    head
}

/// Blocks of a head that carry the new content: the system area, the
/// descriptors up to the terminator and a tag right after it.
pub(crate) fn head_used_blocks(head: &[u8]) -> usize {
    let mut lba = 16usize;
    while lba < HEAD_BLOCKS as usize {
        let b = &head[lba * B..(lba + 1) * B];
        lba += 1;
        if b[0] == 255 && &b[1..6] == b"CD001" {
            break;
        }
    }
    if lba < HEAD_BLOCKS as usize && Tag::decode(&head[lba * B..(lba + 1) * B]).is_ok() {
        lba += 1;
    }
    lba
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vd(kind: u8, id: &[u8; 5]) -> Vec<u8> {
        let mut b = vec![0u8; B];
        b[0] = kind;
        b[1..6].copy_from_slice(id);
        b[6] = 1;
        b
    }

    fn head_with(blocks: &[(usize, Vec<u8>)]) -> Vec<u8> {
        let mut h = vec![0u8; HEAD_BYTES];
        for (lba, b) in blocks {
            h[lba * B..lba * B + b.len()].copy_from_slice(b);
        }
        h
    }

    /// mmc-recipes.md §8.5: on a two-session xorriso image `-blank fast`
    /// changed exactly bytes 3–4 of blocks 16 and 17.
    #[test]
    fn invalidate_changes_bytes_3_and_4_of_each_descriptor() {
        let mut pvd = vd(1, b"CD001");
        pvd[80..84].copy_from_slice(&94u32.to_le_bytes());
        let h = head_with(&[
            (16, pvd),
            (17, vd(255, b"CD001")),
            (18, b"libisofs".to_vec()),
        ]);
        let mut h2 = h.clone();
        assert_eq!(classify(&h), HeadState::Iso { end: 94 });
        assert_eq!(invalidate(&mut h2), 2);
        let changed: Vec<usize> = (0..h.len()).filter(|&i| h[i] != h2[i]).collect();
        assert_eq!(
            changed,
            vec![16 * B + 3, 16 * B + 4, 17 * B + 3, 17 * B + 4]
        );
        assert_eq!(&h2[16 * B + 1..16 * B + 6], b"CDXX1");
        assert_eq!(classify(&h2), HeadState::Blank);
    }

    #[test]
    fn invalidate_mangles_udf_recognition_sequence() {
        let mut h = head_with(&[
            (16, vd(1, b"CD001")),
            (17, vd(255, b"CD001")),
            (18, vd(0, b"BEA01")),
            (19, vd(0, b"NSR02")),
            (20, vd(0, b"TEA01")),
        ]);
        assert_eq!(invalidate(&mut h), 5);
        assert_eq!(&h[18 * B + 1..18 * B + 6], b"BEAX1");
        assert_eq!(&h[19 * B + 1..19 * B + 6], b"NSRX2");
        assert_eq!(&h[20 * B + 1..20 * B + 6], b"TEAX1");
    }

    #[test]
    fn classify_blank_and_unknown() {
        assert_eq!(classify(&vec![0u8; HEAD_BYTES]), HeadState::Blank);
        let mut h = vec![0u8; HEAD_BYTES];
        h[5] = 7;
        assert!(matches!(classify(&h), HeadState::Unknown(_)));
        let h = head_with(&[(16, vd(0, b"BEA01"))]);
        assert_eq!(classify(&h), HeadState::Unknown("a UDF file system".into()));
    }

    #[test]
    fn merge_keeps_old_tail_and_kills_stale_tags() {
        let tag = iso_writer::spec::md5tag::Tag::new(
            iso_writer::spec::md5tag::TagKind::Superblock,
            19,
            0,
            25,
            [1; 16],
        )
        .to_block();
        // File data that happens to hold a tag of another position (an
        // image stored as a file) is data, not a stale tag.
        let foreign = iso_writer::spec::md5tag::Tag::new(
            iso_writer::spec::md5tag::TagKind::Superblock,
            40,
            0,
            40,
            [2; 16],
        )
        .to_block();
        let old = head_with(&[
            (16, vd(1, b"CD001")),
            (17, vd(2, b"CD001")),
            (18, vd(255, b"CD001")),
            (19, tag.to_vec()),
            (20, vec![0xAB; B]),
            (21, foreign.to_vec()),
        ]);
        let new = head_with(&[(16, vd(1, b"CD001")), (17, vd(255, b"CD001"))]);
        assert_eq!(head_used_blocks(&new), 18);
        let m = merge_head(&new, &old, true);
        assert_eq!(&m[..18 * B], &new[..18 * B]);
        // Old terminator kept (harmless after the new one), tag killed.
        assert_eq!(m[19 * B], 0);
        assert_eq!(&m[19 * B + 1..20 * B], &tag[1..]);
        assert_eq!(&m[20 * B..21 * B], &vec![0xAB; B][..]);
        assert_eq!(&m[21 * B..22 * B], &foreign[..]);
        let z = merge_head(&new, &old, false);
        assert!(z[18 * B..].iter().all(|&b| b == 0));
    }
}
