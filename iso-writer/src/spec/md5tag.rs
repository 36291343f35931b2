//! libisofs checksum tags and the checksum array.
//!
//! Format defined by libisofs (`doc/checksums.txt`; decoder
//! `iso_util_decode_md5_tag`) and checked by xorriso `-check_md5`,
//! `-check_md5_r`, `-check_media`; see `md5-tags.md` §3–§4 of the project
//! documentation.
//!
//! A tag is one ASCII line at byte 0 of a 2048-byte block, zero-filled after
//! its newline:
//!
//! ```text
//! <id> pos=<P> range_start=<RS> range_size=<RN>[ next=<X>| session_start=<X>] md5=<32 hex> self=<32 hex>\n
//! ```
//!
//! `md5` covers the blocks `[range_start, range_start + range_size)`;
//! `self` is the MD5 of the line from byte 0 up to the last hex digit of the
//! `md5=` value.

use md5::{Digest, Md5 as Md5Hasher};

use crate::BLOCK;
use crate::model::Md5;

/// The four tag types (libisofs `iso_util_tag_magic`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TagKind {
    /// Type 1: session tag, right after the checksum array; covers the
    /// whole session up to it.
    Session,
    /// Type 2: superblock tag, right after the volume descriptor set
    /// terminator; `next` = LBA of the tree tag.
    Superblock,
    /// Type 3: tree tag, right after the ECMA-119 directory tree and path
    /// tables; `next` = LBA of the session tag.
    Tree,
    /// Type 4: relocated 64 KiB superblock tag in the head of an emulated
    /// multisession medium; `next` holds `session_start=` of the newest
    /// session.
    RelocatedSuperblock,
}

impl TagKind {
    /// All kinds in type-number order.
    pub const ALL: [TagKind; 4] = [
        TagKind::Session,
        TagKind::Superblock,
        TagKind::Tree,
        TagKind::RelocatedSuperblock,
    ];

    /// The libisofs type number (1–4).
    pub fn number(self) -> u8 {
        match self {
            TagKind::Session => 1,
            TagKind::Superblock => 2,
            TagKind::Tree => 3,
            TagKind::RelocatedSuperblock => 4,
        }
    }

    /// The kind with libisofs type number `n`.
    pub fn from_number(n: u8) -> Option<TagKind> {
        TagKind::ALL.into_iter().find(|k| k.number() == n)
    }

    /// The identifier that opens the line.
    pub fn magic(self) -> &'static str {
        match self {
            TagKind::Session => "libisofs_checksum_tag_v1",
            TagKind::Superblock => "libisofs_sb_checksum_tag_v1",
            TagKind::Tree => "libisofs_tree_checksum_tag_v1",
            TagKind::RelocatedSuperblock => "libisofs_rlsb32_checksum_tag_v1",
        }
    }

    /// Name of the field after `range_size=`, if the kind has one.
    fn extra_field(self) -> Option<&'static str> {
        match self {
            TagKind::Session => None,
            TagKind::Superblock | TagKind::Tree => Some("next="),
            TagKind::RelocatedSuperblock => Some("session_start="),
        }
    }
}

/// A decoded or to-be-written checksum tag.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Tag {
    pub kind: TagKind,
    /// LBA of the block that holds the tag.
    pub pos: u32,
    /// First block covered (the session start S; 0 for type 4).
    pub range_start: u32,
    /// Number of blocks covered; a writer always records `pos - range_start`.
    pub range_size: u32,
    /// `next=` (types 2, 3) or `session_start=` (type 4); 0 for type 1.
    pub next: u32,
    /// MD5 of the covered blocks.
    pub md5: Md5,
}

/// Why a block is not a usable tag.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TagError {
    /// The block does not hold a checksum tag line (any syntax problem).
    #[error("not a libisofs checksum tag")]
    NotATag,
    /// The line parses but its `self=` digest does not match its text.
    #[error("libisofs checksum tag of type {} is corrupted: its self= digest does not match the line", kind.number())]
    Corrupted { kind: TagKind },
}

impl Tag {
    /// A tag as a writer records it: `range_size = pos - range_start`.
    ///
    /// # Panics
    /// If `pos < range_start` (a tag covers the blocks before it).
    pub fn new(kind: TagKind, pos: u32, range_start: u32, next: u32, md5: Md5) -> Tag {
        assert!(pos >= range_start, "tag position before its range start");
        Tag {
            kind,
            pos,
            range_start,
            range_size: pos - range_start,
            next: if kind == TagKind::Session { 0 } else { next },
            md5,
        }
    }

    /// The text of the tag up to the end of the `md5=` digits (what `self`
    /// covers).
    fn body(&self) -> String {
        let mut s = format!(
            "{} pos={} range_start={} range_size={}",
            self.kind.magic(),
            self.pos,
            self.range_start,
            self.range_size
        );
        if let Some(field) = self.kind.extra_field() {
            s.push(' ');
            s.push_str(field);
            s.push_str(&self.next.to_string());
        }
        s.push_str(" md5=");
        s.push_str(&crate::model::hex(&self.md5));
        s
    }

    /// The full line including `self=` and the terminating newline.
    pub fn line(&self) -> String {
        let body = self.body();
        let self_md5: [u8; 16] = Md5Hasher::digest(body.as_bytes()).into();
        format!("{body} self={}\n", crate::model::hex(&self_md5))
    }

    /// The tag block: the line at byte 0, zeros after it.
    pub fn to_block(&self) -> [u8; BLOCK] {
        let mut block = [0u8; BLOCK];
        let line = self.line();
        block[..line.len()].copy_from_slice(line.as_bytes());
        block
    }

    /// Decode a tag from a block (or any byte slice holding the line at
    /// byte 0), following libisofs `iso_util_decode_md5_tag`:
    ///
    /// * the id at byte 0, one separator byte, then `pos=` immediately;
    /// * then searching forward: `range_start=`, `range_size=`, `next=`
    ///   (types 2, 3) or `session_start=` (type 4), `md5=` with 32 hex
    ///   digits of either case;
    /// * `self=` with 32 hex digits, which must equal the MD5 of the bytes
    ///   before the end of the `md5=` digits ([`TagError::Corrupted`]
    ///   otherwise), followed by `\n`.
    ///
    /// The text ends at the first zero byte. The caller compares `pos` with
    /// the block's LBA: a tag found elsewhere is payload, not a tag.
    pub fn decode(block: &[u8]) -> Result<Tag, TagError> {
        let text = match block.iter().position(|&b| b == 0) {
            Some(end) => &block[..end],
            None => block,
        };
        let kind = TagKind::ALL
            .into_iter()
            .find(|k| text.starts_with(k.magic().as_bytes()))
            .ok_or(TagError::NotATag)?;
        let mut cur = kind.magic().len() + 1;
        if text.get(cur..cur + 4) != Some(b"pos=") {
            return Err(TagError::NotATag);
        }
        cur += 4;
        let pos = dec_at(text, cur)?;

        let at = find(text, cur, b"range_start=")?;
        let range_start = dec_at(text, at + 12)?;
        cur = at;
        let at = find(text, cur, b"range_size=")?;
        let range_size = dec_at(text, at + 11)?;
        cur = at;
        let next = match kind.extra_field() {
            Some(field) => {
                let at = find(text, cur, field.as_bytes())?;
                cur = at;
                dec_at(text, at + field.len())?
            }
            None => 0,
        };
        let at = find(text, cur, b"md5=")?;
        let md5 = hex_at(text, at + 4)?;
        let body_end = at + 4 + 32;
        let computed: [u8; 16] = Md5Hasher::digest(&text[..body_end]).into();
        let at = find(text, body_end, b"self=")?;
        let recorded = hex_at(text, at + 5)?;
        if recorded != computed {
            return Err(TagError::Corrupted { kind });
        }
        if text.get(at + 5 + 32) != Some(&b'\n') {
            return Err(TagError::NotATag);
        }
        Ok(Tag {
            kind,
            pos,
            range_start,
            range_size,
            next,
            md5,
        })
    }
}

/// Index of the first occurrence of `needle` in `hay[from..]`.
fn find(hay: &[u8], from: usize, needle: &[u8]) -> Result<usize, TagError> {
    hay.get(from..)
        .and_then(|h| h.windows(needle.len()).position(|w| w == needle))
        .map(|i| i + from)
        .ok_or(TagError::NotATag)
}

/// An unsigned 32-bit decimal number starting at `at` (at least one digit).
fn dec_at(text: &[u8], at: usize) -> Result<u32, TagError> {
    let digits = text
        .get(at..)
        .ok_or(TagError::NotATag)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return Err(TagError::NotATag);
    }
    let mut v: u32 = 0;
    for &d in &text[at..at + digits] {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(d - b'0')))
            .ok_or(TagError::NotATag)?;
    }
    Ok(v)
}

/// 32 hex digits (either case) starting at `at`.
fn hex_at(text: &[u8], at: usize) -> Result<Md5, TagError> {
    let digits = text.get(at..at + 32).ok_or(TagError::NotATag)?;
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let hi = hex_val(pair[0]).ok_or(TagError::NotATag)?;
        let lo = hex_val(pair[1]).ok_or(TagError::NotATag)?;
        out[i] = (hi << 4) | lo;
    }
    Ok(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Size of one checksum array entry (`isofs.ca` SIZE).
pub const ARRAY_ENTRY_LEN: usize = 16;

/// Entries per 2048-byte block.
pub const ARRAY_ENTRIES_PER_BLOCK: u32 = (BLOCK / ARRAY_ENTRY_LEN) as u32;

/// Blocks taken by a checksum array of `count` entries (`count` = N + 2,
/// the `isofs.ca` COUNT): `ceil(count / 128)`.
pub fn array_blocks(count: u32) -> u32 {
    count.div_ceil(ARRAY_ENTRIES_PER_BLOCK)
}

/// Encode a checksum array (libisofs `doc/checksums.txt`, `md5-tags.md` §4):
/// entry 0 = `session` (MD5 of the session blocks before the array),
/// entries 1 … N = `files`, entry N+1 = MD5 of the 16·(N+1) bytes of
/// entries 0 … N; zero-filled to whole blocks.
pub fn encode_array(session: &Md5, files: &[Md5]) -> Vec<u8> {
    let count = files.len() + 2;
    let blocks = count.div_ceil(ARRAY_ENTRIES_PER_BLOCK as usize);
    let mut out = Vec::with_capacity(blocks * BLOCK);
    out.extend_from_slice(session);
    for f in files {
        out.extend_from_slice(f);
    }
    let trailer: [u8; 16] = Md5Hasher::digest(&out).into();
    out.extend_from_slice(&trailer);
    out.resize(blocks * BLOCK, 0);
    out
}

/// Why a checksum array is not usable.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArrayError {
    /// COUNT must be at least 2 (entry 0 and the trailing entry).
    #[error("checksum array announces {0} entries, at least 2 are required")]
    CountTooSmall(u32),
    /// Fewer bytes than `16 · count`.
    #[error("checksum array truncated: {count} entries need {need} bytes, only {have} given")]
    Truncated {
        count: u32,
        need: usize,
        have: usize,
    },
    /// Entry N+1 is not the MD5 of entries 0 … N: the whole array is not
    /// trustworthy (libisofs discards it the same way).
    #[error("checksum array appears damaged: its last entry is not the MD5 of the others")]
    Damaged,
}

/// A verified checksum array (entry N+1 matched).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ChecksumArray<'a> {
    entries: &'a [u8],
}

impl<'a> ChecksumArray<'a> {
    /// Check `bytes` (read from the array's first block on) as an array of
    /// `count` entries; verifies the trailing entry.
    pub fn parse(bytes: &'a [u8], count: u32) -> Result<ChecksumArray<'a>, ArrayError> {
        if count < 2 {
            return Err(ArrayError::CountTooSmall(count));
        }
        let need = (count as usize)
            .checked_mul(ARRAY_ENTRY_LEN)
            .ok_or(ArrayError::Truncated {
                count,
                need: usize::MAX,
                have: bytes.len(),
            })?;
        let entries = bytes.get(..need).ok_or(ArrayError::Truncated {
            count,
            need,
            have: bytes.len(),
        })?;
        let (body, trailer) = entries.split_at(need - ARRAY_ENTRY_LEN);
        let computed: [u8; 16] = Md5Hasher::digest(body).into();
        if computed.as_slice() != trailer {
            return Err(ArrayError::Damaged);
        }
        Ok(ChecksumArray { entries })
    }

    /// COUNT (N + 2).
    pub fn count(&self) -> u32 {
        (self.entries.len() / ARRAY_ENTRY_LEN) as u32
    }

    /// Number of file entries N.
    pub fn file_count(&self) -> u32 {
        self.count() - 2
    }

    /// Entry 0: MD5 of the session blocks `[START, END)` of `isofs.ca`.
    pub fn session_md5(&self) -> Md5 {
        self.entry(0)
    }

    /// The MD5 of file index `i` (`isofs.cx`), valid for `1 ≤ i ≤ N`.
    pub fn file_md5(&self, i: u32) -> Option<Md5> {
        (i >= 1 && i <= self.file_count()).then(|| self.entry(i))
    }

    fn entry(&self, i: u32) -> Md5 {
        let at = i as usize * ARRAY_ENTRY_LEN;
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.entries[at..at + ARRAY_ENTRY_LEN]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Md5 {
        hex_at(s.as_bytes(), 0).unwrap()
    }

    /// The literal tag lines of `md5-tags.md` §10.3 (xorriso 1.5.4).
    const LINES: [&str; 7] = [
        "libisofs_rlsb32_checksum_tag_v1 pos=18 range_start=0 range_size=18 session_start=64 md5=f0e85acba9910eab119e1b299cecd0ae self=caa12e012fb8ea8428ff7617211f9e78\n",
        "libisofs_sb_checksum_tag_v1 pos=50 range_start=32 range_size=18 next=56 md5=65121bdbb9fa824c7fa302e3015ca0a3 self=1fa636261935b484480fb9b78fb46ceb\n",
        "libisofs_tree_checksum_tag_v1 pos=56 range_start=32 range_size=24 next=63 md5=435317ab53ce4c82a0a45f6c483e4aad self=50300026196412f718b3ccbe229f81c8\n",
        "libisofs_checksum_tag_v1 pos=63 range_start=32 range_size=31 md5=cea4dfd2a277b062944f0557f131664d self=51a07bc9fc5cbc249bfa6f6c26ed46bd\n",
        "libisofs_sb_checksum_tag_v1 pos=82 range_start=64 range_size=18 next=89 md5=c0cbcf8b5e5e28230445f2461071c905 self=d4f61e08cb4bc71544cb77cca540a4ed\n",
        "libisofs_tree_checksum_tag_v1 pos=89 range_start=64 range_size=25 next=93 md5=907d024fb7d546c0e72df07bd6fe2ad2 self=6607440ba65dabcb350978ecb6a6c5f0\n",
        "libisofs_checksum_tag_v1 pos=93 range_start=64 range_size=29 md5=1d1040ac5464a9d711b2edb99d7276b3 self=34ef7f737a6b802b669e1e9c39046fc2\n",
    ];

    fn block_of(line: &str) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK];
        b[..line.len()].copy_from_slice(line.as_bytes());
        b
    }

    #[test]
    fn decodes_the_literal_xorriso_lines() {
        let t = Tag::decode(&block_of(LINES[0])).unwrap();
        assert_eq!(t.kind, TagKind::RelocatedSuperblock);
        assert_eq!(
            (t.pos, t.range_start, t.range_size, t.next),
            (18, 0, 18, 64)
        );
        assert_eq!(t.md5, unhex("f0e85acba9910eab119e1b299cecd0ae"));

        let t = Tag::decode(&block_of(LINES[1])).unwrap();
        assert_eq!(t.kind, TagKind::Superblock);
        assert_eq!(
            (t.pos, t.range_start, t.range_size, t.next),
            (50, 32, 18, 56)
        );

        let t = Tag::decode(&block_of(LINES[2])).unwrap();
        assert_eq!(t.kind, TagKind::Tree);
        assert_eq!(
            (t.pos, t.range_start, t.range_size, t.next),
            (56, 32, 24, 63)
        );

        let t = Tag::decode(&block_of(LINES[3])).unwrap();
        assert_eq!(t.kind, TagKind::Session);
        assert_eq!(
            (t.pos, t.range_start, t.range_size, t.next),
            (63, 32, 31, 0)
        );
        assert_eq!(t.md5, unhex("cea4dfd2a277b062944f0557f131664d"));
    }

    #[test]
    fn encodes_the_literal_xorriso_lines_byte_for_byte() {
        let lens = [159, 147, 149, 136, 147, 149, 136];
        for (line, len) in LINES.iter().zip(lens) {
            assert_eq!(line.len(), len);
            let t = Tag::decode(line.as_bytes()).unwrap();
            let again = Tag::new(t.kind, t.pos, t.range_start, t.next, t.md5);
            assert_eq!(again, t);
            assert_eq!(again.line(), *line);
            let block = again.to_block();
            assert_eq!(&block[..len], line.as_bytes());
            assert!(block[len..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn upper_case_hex_is_accepted_in_md5() {
        // The self digest covers the md5 text, so recompute it for the
        // upper-case variant rather than reusing the literal.
        let body = "libisofs_checksum_tag_v1 pos=63 range_start=32 range_size=31 md5=CEA4DFD2A277B062944F0557F131664D";
        let s: [u8; 16] = Md5Hasher::digest(body.as_bytes()).into();
        let line = format!("{body} self={}\n", crate::model::hex(&s).to_uppercase());
        let t = Tag::decode(line.as_bytes()).unwrap();
        assert_eq!(t.md5, unhex("cea4dfd2a277b062944f0557f131664d"));
    }

    #[test]
    fn flipped_md5_digit_is_corrupted_not_absent() {
        let mut b = block_of(LINES[3]);
        let at = LINES[3].find("md5=").unwrap() + 4;
        b[at] = b'0';
        assert_eq!(
            Tag::decode(&b),
            Err(TagError::Corrupted {
                kind: TagKind::Session
            })
        );
        let mut b = block_of(LINES[1]);
        let at = LINES[1].find("self=").unwrap() + 5;
        b[at] = if b[at] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            Tag::decode(&b),
            Err(TagError::Corrupted {
                kind: TagKind::Superblock
            })
        );
    }

    #[test]
    fn syntax_problems_are_not_a_tag() {
        assert_eq!(Tag::decode(&[0u8; BLOCK]), Err(TagError::NotATag));
        assert_eq!(Tag::decode(b"hello"), Err(TagError::NotATag));
        // Missing newline after self.
        let no_nl = LINES[3].trim_end_matches('\n');
        assert_eq!(Tag::decode(no_nl.as_bytes()), Err(TagError::NotATag));
        // pos= not right after the id.
        let moved = LINES[3].replacen(" pos=", "  pos=", 1);
        assert_eq!(Tag::decode(moved.as_bytes()), Err(TagError::NotATag));
        // A type-2 tag without next=.
        let no_next = LINES[1].replacen("next=", "nxt=", 1);
        assert_eq!(Tag::decode(no_next.as_bytes()), Err(TagError::NotATag));
        // Number overflow.
        let big = LINES[3].replacen("pos=63", "pos=99999999999", 1);
        assert_eq!(Tag::decode(big.as_bytes()), Err(TagError::NotATag));
        // Truncated in the md5 digits.
        let cut = &LINES[3][..LINES[3].find("md5=").unwrap() + 10];
        assert_eq!(Tag::decode(cut.as_bytes()), Err(TagError::NotATag));
        // Non-hex digit in md5.
        let bad = LINES[3].replacen("md5=c", "md5=g", 1);
        assert_eq!(Tag::decode(bad.as_bytes()), Err(TagError::NotATag));
    }

    #[test]
    fn trailing_lines_are_ignored() {
        let mut line = LINES[3].to_string();
        line.push_str("scdbackup_checksum_tag_v0.1 2048 ...\n");
        assert!(Tag::decode(line.as_bytes()).is_ok());
    }

    #[test]
    fn kind_numbers() {
        for k in TagKind::ALL {
            assert_eq!(TagKind::from_number(k.number()), Some(k));
        }
        assert_eq!(TagKind::from_number(0), None);
        assert_eq!(TagKind::from_number(5), None);
    }

    /// Array of session 2 in `md5-tags.md` §10.5.
    #[test]
    fn array_matches_the_xorriso_example() {
        let session = unhex("b8a524afcfbb067750b9010e4d7955e8");
        let files = [
            unhex("6f5902ac237024bdd0c176cb93063dc4"),
            unhex("c0bc4958b80e4daec7af39ec18984de7"),
            unhex("59d0d19fc45ca69230d858f60a5557f8"),
        ];
        let bytes = encode_array(&session, &files);
        assert_eq!(bytes.len(), BLOCK);
        assert_eq!(&bytes[64..80], &unhex("fd0de361b8759b8134844fe4f51d9953"));
        assert!(bytes[80..].iter().all(|&b| b == 0));
        let a = ChecksumArray::parse(&bytes, 5).unwrap();
        assert_eq!(a.count(), 5);
        assert_eq!(a.file_count(), 3);
        assert_eq!(a.session_md5(), session);
        assert_eq!(a.file_md5(1), Some(files[0]));
        assert_eq!(a.file_md5(3), Some(files[2]));
        assert_eq!(a.file_md5(0), None);
        assert_eq!(a.file_md5(4), None);

        let s1 = encode_array(
            &unhex("5d747f0c3a561b6b0a4914b557249116"),
            &[files[0], files[1]],
        );
        assert_eq!(&s1[48..64], &unhex("8c2f5849ed6f8b022b5108ad2b4d3173"));
    }

    #[test]
    fn damaged_array_is_rejected_whole() {
        let mut bytes = encode_array(&[1; 16], &[[2; 16], [3; 16]]);
        bytes[20] ^= 1;
        assert_eq!(ChecksumArray::parse(&bytes, 4), Err(ArrayError::Damaged));
        assert_eq!(
            ChecksumArray::parse(&bytes, 1),
            Err(ArrayError::CountTooSmall(1))
        );
        assert!(matches!(
            ChecksumArray::parse(&bytes[..10], 4),
            Err(ArrayError::Truncated { .. })
        ));
        assert!(matches!(
            ChecksumArray::parse(&bytes, u32::MAX),
            Err(ArrayError::Truncated { .. })
        ));
    }

    #[test]
    fn array_block_counts() {
        assert_eq!(array_blocks(2), 1);
        assert_eq!(array_blocks(128), 1);
        assert_eq!(array_blocks(129), 2);
        let files = vec![[7u8; 16]; 127];
        assert_eq!(encode_array(&[0; 16], &files).len(), 2 * BLOCK);
    }
}
