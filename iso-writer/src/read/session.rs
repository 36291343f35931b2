//! Sessions of an emulated multisession image (overwritable media and image
//! files, mmc-recipes.md §8): a 64 KiB head at LBA 0 … 31 describing the
//! newest session, sessions at 32-block boundaries from LBA 32.

use super::block::{BlockRead, read_block};
use super::checksum::{TagKind, tag_in};
use super::error::{Error, Result};
use super::volume::probe_pvd;

/// One session of the emulated table of contents, as `xorriso -toc` shows
/// it for `stdio:` files (`ISO session : i , start , sizes , volid`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// First block of the session (its system area).
    pub start: u32,
    /// Volume Space Size of the session's PVD, in blocks.
    pub size: u32,
    pub volume_id: String,
}

/// Alignment of emulated sessions (libisoburn `Libisoburn_nwa_alignemenT`).
const ALIGN: u64 = 32;

/// Most sessions followed before the chain is called runaway.
const MAX_SESSIONS: usize = 65_536;

fn round_up(x: u64) -> u64 {
    x.div_ceil(ALIGN) * ALIGN
}

/// The emulated session table (mmc-recipes.md §8.4): the head at LBA 16
/// gives the end; sessions are followed from LBA 32, each at the next
/// 32-block boundary after the previous one's end (also probing a start 16
/// blocks earlier for growisofs-style 16-block alignment). A broken chain,
/// or an image without a session at 32, yields one session spanning
/// `0 … end` with the head's volume id — as `xorriso -toc` reports it.
pub fn sessions<R: BlockRead + ?Sized>(src: &mut R) -> Result<Vec<SessionInfo>> {
    let Some((head_id, end)) = probe_pvd(src, 16)? else {
        return Err(Error::NotIso { lba: 16 });
    };
    let single = vec![SessionInfo {
        start: 0,
        size: end,
        volume_id: head_id.clone(),
    }];
    let mut out: Vec<SessionInfo> = Vec::new();
    let mut lba: u64 = 32;
    let count = src.block_count();
    while lba < u64::from(end) {
        if out.len() >= MAX_SESSIONS {
            log::warn!("more than {MAX_SESSIONS} sessions; chain ignored");
            return Ok(single);
        }
        let probe = |src: &mut R, pvd: u64| -> Result<Option<(String, u32)>> {
            if count.is_some_and(|c| pvd >= c) || pvd > u64::from(u32::MAX) {
                return Ok(None);
            }
            probe_pvd(src, pvd as u32)
        };
        let found = match probe(src, lba + 16)? {
            Some(p) => Some((lba, p)),
            None => probe(src, lba)?.map(|p| (lba - 16, p)),
        };
        let Some((start, (volume_id, size))) = found else {
            log::debug!("chain of ISO session headers broken at LBA {lba}");
            return Ok(single);
        };
        if size == 0 {
            log::debug!("session at {start} has volume space size 0; chain ignored");
            return Ok(single);
        }
        out.push(SessionInfo {
            start: start as u32,
            size,
            volume_id,
        });
        lba = round_up(start + u64::from(size));
    }
    if out.is_empty() {
        return Ok(single);
    }
    Ok(out)
}

/// Start of the newest session of an image or emulated medium: the
/// `session_start=` of a valid relocated superblock tag in the head
/// (md5-tags.md §6), else the last session of the chain (§8.4), else 0.
pub fn newest_session<R: BlockRead + ?Sized>(src: &mut R) -> Result<u32> {
    for lba in 16..32u32 {
        if src.block_count().is_some_and(|c| u64::from(lba) >= c) {
            break;
        }
        let b = read_block(src, lba)?;
        if let Some(t) = tag_in(&b[..], lba, TagKind::RelocatedSuperblock)
            && let s = t.next
            && s.checked_add(16).is_some()
            && src.block_count().is_none_or(|c| u64::from(s) + 16 < c)
            && probe_pvd(src, s + 16)?.is_some()
        {
            return Ok(s);
        }
    }
    Ok(sessions(src)?.last().map_or(0, |s| s.start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BLOCK;

    fn pvd(img: &mut [u8], lba: usize, id: &[u8], vss: u32) {
        let b = &mut img[lba * BLOCK..(lba + 1) * BLOCK];
        b[0] = 1;
        b[1..6].copy_from_slice(b"CD001");
        b[6] = 1;
        b[40..72].fill(b' ');
        b[40..40 + id.len()].copy_from_slice(id);
        b[80..84].copy_from_slice(&vss.to_le_bytes());
        b[84..88].copy_from_slice(&vss.to_be_bytes());
        b[128..132].copy_from_slice(&[0, 8, 8, 0]);
        // A root directory record, so that the descriptor decodes.
        b[156] = 34;
        b[156 + 25] = 2;
        b[156 + 32] = 1;
    }

    #[test]
    fn chain_with_32_and_16_block_alignment() {
        // Head says the image ends at 130; session 1 at 32 (40 blocks);
        // session 2 at 80, aligned to 16 only (growisofs), 50 blocks.
        let mut img = vec![0u8; 140 * BLOCK];
        pvd(&mut img, 16, b"HEAD", 130);
        pvd(&mut img, 48, b"ONE", 40);
        pvd(&mut img, 96, b"TWO", 50);
        let mut src: &[u8] = &img;
        let s = sessions(&mut src).unwrap();
        assert_eq!(
            s,
            [
                SessionInfo {
                    start: 32,
                    size: 40,
                    volume_id: "ONE".into()
                },
                SessionInfo {
                    start: 80,
                    size: 50,
                    volume_id: "TWO".into()
                },
            ]
        );
        assert_eq!(newest_session(&mut src).unwrap(), 80);
    }

    #[test]
    fn broken_chain_and_plain_images_are_one_session() {
        let mut img = vec![0u8; 100 * BLOCK];
        pvd(&mut img, 16, b"PLAIN", 90);
        let mut src: &[u8] = &img;
        let one = [SessionInfo {
            start: 0,
            size: 90,
            volume_id: "PLAIN".into(),
        }];
        assert_eq!(sessions(&mut src).unwrap(), one);
        assert_eq!(newest_session(&mut src).unwrap(), 0);
        // Session 1 present, session 2 missing: the chain is broken.
        pvd(&mut img, 48, b"ONE", 10);
        let mut src: &[u8] = &img;
        assert_eq!(sessions(&mut src).unwrap(), one);
        // A zero-size session must not loop.
        pvd(&mut img, 48, b"ONE", 0);
        let mut src: &[u8] = &img;
        assert_eq!(sessions(&mut src).unwrap(), one);
        // No descriptor at 16 at all.
        let blank = vec![0u8; 40 * BLOCK];
        let mut src: &[u8] = &blank;
        assert!(matches!(sessions(&mut src), Err(Error::NotIso { lba: 16 })));
    }
}
