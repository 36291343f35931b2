//! Directory records with their System Use entries, packed into directory
//! extents and continuation areas.
//!
//! The same code runs twice per directory: when planning (with placeholder
//! addresses, to learn the sizes) and when emitting (with the real ones).
//! Entry sizes never depend on addresses, so both runs pack identically.

use crate::BLOCK;
use crate::spec::aaip::{self, ChecksumArea};
use crate::spec::ecma119::{DirDate, DirRecord};
use crate::spec::rrip::{self, Px, Tf};
use crate::spec::susp::{self, CE_LEN, Continuation};

/// The `AL` attribute of a record.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Al {
    None,
    /// `isofs.cx`: the file's index in the checksum array.
    Cx(u32),
    /// `isofs.ca`: on the root directory's `.` record.
    Ca(ChecksumArea),
}

/// The System Use entries of one record, in recording order: `SP`, `RE`,
/// `PX`, `TF`, `PN`, `SL`, `NM`, `CL`, `PL`, `AL`, `ER`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Su<'a> {
    pub sp: bool,
    pub re: bool,
    pub px: Option<Px>,
    pub tf: Option<Tf>,
    pub pn: Option<(u32, u32)>,
    pub sl: Option<&'a [u8]>,
    pub nm: Option<&'a [u8]>,
    pub cl: Option<u32>,
    pub pl: Option<u32>,
    pub al: Al,
    pub er: bool,
}

impl Su<'_> {
    /// No entries (Rock Ridge off).
    pub(crate) const NONE: Su<'static> = Su {
        sp: false,
        re: false,
        px: None,
        tf: None,
        pn: None,
        sl: None,
        nm: None,
        cl: None,
        pl: None,
        al: Al::None,
        er: false,
    };

    /// Append the entries to `buf`, and the end offset of each to `ends`.
    fn build(&self, buf: &mut Vec<u8>, ends: &mut Vec<usize>) {
        let mark = |buf: &Vec<u8>, ends: &mut Vec<usize>| ends.push(buf.len());
        if self.sp {
            susp::encode_sp(buf, 0);
            mark(buf, ends);
        }
        if self.re {
            rrip::encode_re(buf);
            mark(buf, ends);
        }
        if let Some(px) = &self.px {
            px.encode(buf);
            mark(buf, ends);
        }
        if let Some(tf) = &self.tf {
            tf.encode(buf);
            mark(buf, ends);
        }
        if let Some((ma, mi)) = self.pn {
            rrip::encode_pn(buf, ma, mi);
            mark(buf, ends);
        }
        if let Some(t) = self.sl {
            let start = buf.len();
            rrip::encode_sl(buf, t);
            entry_ends(buf, start, ends);
        }
        if let Some(n) = self.nm {
            let start = buf.len();
            rrip::encode_nm(buf, n);
            entry_ends(buf, start, ends);
        }
        if let Some(b) = self.cl {
            rrip::encode_cl(buf, b);
            mark(buf, ends);
        }
        if let Some(b) = self.pl {
            rrip::encode_pl(buf, b);
            mark(buf, ends);
        }
        match self.al {
            Al::None => {}
            Al::Cx(i) => {
                let start = buf.len();
                buf.extend_from_slice(&aaip::encode_al(&[(aaip::ATTR_CX, &aaip::encode_cx(i))]));
                entry_ends(buf, start, ends);
            }
            Al::Ca(ca) => {
                let start = buf.len();
                buf.extend_from_slice(&aaip::encode_al(&[(aaip::ATTR_CA, &ca.encode())]));
                entry_ends(buf, start, ends);
            }
        }
        if self.er {
            rrip::extension_ref().encode(buf);
            mark(buf, ends);
        }
    }
}

/// Record the end offsets of the entries appended since `start`.
fn entry_ends(buf: &[u8], start: usize, ends: &mut Vec<usize>) {
    let mut at = start;
    while at + 2 < buf.len() {
        at += buf[at + 2] as usize;
        ends.push(at);
    }
}

/// Packs the records of one directory into its extent (records never cross
/// a block boundary, ECMA-119 §6.8.1.1) and the overflowing System Use
/// entries into continuation areas (SUSP 1.12 §5.1) in the blocks that
/// follow the extent; an area never crosses a block boundary, and one
/// longer than a block is chained by a `CE` at its end.
#[derive(Debug)]
pub(crate) struct DirPacker {
    pub(crate) dir: Vec<u8>,
    pub(crate) ce: Vec<u8>,
    /// LBA of the first continuation block.
    ce_lba: u32,
    su: Vec<u8>,
    ends: Vec<usize>,
    inline: Vec<u8>,
}

impl DirPacker {
    pub(crate) fn new(ce_lba: u32) -> DirPacker {
        DirPacker {
            dir: Vec::new(),
            ce: Vec::new(),
            ce_lba,
            su: Vec::with_capacity(512),
            ends: Vec::with_capacity(16),
            inline: Vec::with_capacity(256),
        }
    }

    /// Reuse for another directory.
    pub(crate) fn reset(&mut self, ce_lba: u32) {
        self.dir.clear();
        self.ce.clear();
        self.ce_lba = ce_lba;
    }

    /// Place `len` bytes in the continuation blocks; returns the offset in
    /// `self.ce`.
    fn place_area(&mut self, len: usize) -> usize {
        let used = self.ce.len() % BLOCK;
        if used != 0 && used + len > BLOCK {
            self.ce.resize(self.ce.len() + (BLOCK - used), 0);
        }
        let at = self.ce.len();
        self.ce.resize(at + len, 0);
        at
    }

    fn location(&self, at: usize, len: usize) -> Continuation {
        Continuation {
            block: self.ce_lba + (at / BLOCK) as u32,
            offset: (at % BLOCK) as u32,
            len: len as u32,
        }
    }

    /// Write the entries `su[from..]` (entry ends in `ends[k..]`) into
    /// continuation areas; returns the `CE` of the first area.
    fn spill(&mut self, from: usize, k: usize) -> Continuation {
        // Split into areas of at most one block, leaving room for a chain CE.
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        let mut start = from;
        let mut last_end = from;
        for &end in &self.ends[k..] {
            let is_last = end == self.su.len();
            let limit = if is_last { BLOCK } else { BLOCK - CE_LEN };
            if end - start > limit && last_end > start {
                chunks.push((start, last_end));
                start = last_end;
            }
            last_end = end;
        }
        chunks.push((start, last_end));
        // Place them; each non-final area ends with a CE to the next.
        let mut places = Vec::with_capacity(chunks.len());
        for (i, &(s, e)) in chunks.iter().enumerate() {
            let len = e - s + if i + 1 < chunks.len() { CE_LEN } else { 0 };
            places.push((self.place_area(len), len));
        }
        let su = std::mem::take(&mut self.su);
        for (i, &(s, e)) in chunks.iter().enumerate() {
            let (at, _) = places[i];
            self.ce[at..at + (e - s)].copy_from_slice(&su[s..e]);
            if let Some(&(next_at, next_len)) = places.get(i + 1) {
                let mut ce = Vec::with_capacity(CE_LEN);
                self.location(next_at, next_len).encode(&mut ce);
                self.ce[at + (e - s)..at + (e - s) + CE_LEN].copy_from_slice(&ce);
            }
        }
        self.su = su;
        self.location(places[0].0, places[0].1)
    }

    /// Add one record.
    pub(crate) fn add(
        &mut self,
        name: &[u8],
        extent: u32,
        size: u32,
        date: DirDate,
        flags: u8,
        su: &Su<'_>,
    ) {
        self.su.clear();
        self.ends.clear();
        su.build(&mut self.su, &mut self.ends);
        let room = DirRecord::max_su_len(name.len());
        self.inline.clear();
        if self.su.len() <= room {
            self.inline.extend_from_slice(&self.su);
        } else {
            let k = self
                .ends
                .iter()
                .take_while(|&&e| e + CE_LEN <= room)
                .count();
            let split = if k == 0 { 0 } else { self.ends[k - 1] };
            let ce = self.spill(split, k);
            let mut inline = std::mem::take(&mut self.inline);
            inline.extend_from_slice(&self.su[..split]);
            ce.encode(&mut inline);
            self.inline = inline;
        }
        let len = DirRecord::encoded_len(name.len(), self.inline.len());
        let used = self.dir.len() % BLOCK;
        if used + len > BLOCK {
            self.dir.resize(self.dir.len() + (BLOCK - used), 0);
        }
        DirRecord::new(name, extent, size, date, flags, &self.inline).encode_into(&mut self.dir);
    }

    /// Blocks of the directory extent (at least one).
    pub(crate) fn dir_blocks(&self) -> u32 {
        self.dir.len().div_ceil(BLOCK).max(1) as u32
    }

    /// Blocks of the continuation areas.
    pub(crate) fn ce_blocks(&self) -> u32 {
        self.ce.len().div_ceil(BLOCK) as u32
    }

    /// Pad both buffers to whole blocks.
    pub(crate) fn pad(&mut self) {
        let d = self.dir_blocks() as usize * BLOCK;
        self.dir.resize(d, 0);
        let c = self.ce_blocks() as usize * BLOCK;
        self.ce.resize(c, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::spec::susp::entries;

    fn px() -> Px {
        Px {
            mode: 0o100644,
            nlink: 1,
            uid: 0,
            gid: 0,
            serial: Some(3),
        }
    }

    #[test]
    fn small_record_is_inline() {
        let mut p = DirPacker::new(100);
        let t = Timestamp::from_secs(0);
        let su = Su {
            px: Some(px()),
            tf: Some(Tf::mac(t, t, t)),
            nm: Some(b"a.txt"),
            al: Al::Cx(1),
            ..Su::NONE
        };
        p.add(b"A.TXT;1", 20, 12, DirDate::default(), 0, &su);
        assert_eq!(p.ce_blocks(), 0);
        let r = DirRecord::parse(&p.dir).unwrap().unwrap();
        let sigs: Vec<[u8; 2]> = entries(r.system_use).map(|e| e.unwrap().sig).collect();
        assert_eq!(sigs, [*b"PX", *b"TF", *b"NM", *b"AL"]);
    }

    #[test]
    fn long_name_and_link_spill_into_chained_areas() {
        let mut p = DirPacker::new(100);
        let name = vec![b'n'; 255];
        let mut target = Vec::new();
        for i in 0..300 {
            target.extend_from_slice(format!("/component{i}").as_bytes());
        }
        let su = Su {
            px: Some(px()),
            sl: Some(&target),
            nm: Some(&name),
            ..Su::NONE
        };
        for _ in 0..3 {
            p.add(b"N.;1", 0, 0, DirDate::default(), 0, &su);
        }
        assert!(p.ce_blocks() >= 3);
        // Follow the chain of the first record and rebuild the link.
        let r = DirRecord::parse(&p.dir).unwrap().unwrap();
        let mut link = rrip::LinkBuilder::default();
        let mut nm = rrip::NameBuilder::default();
        let mut area: Vec<u8> = r.system_use.to_vec();
        let mut hops = 0;
        loop {
            let mut next = None;
            for e in entries(&area) {
                let e = e.unwrap();
                match &e.sig {
                    b"SL" => link.push(&e).unwrap(),
                    b"NM" => nm.push(&e).unwrap(),
                    b"CE" => next = Some(Continuation::decode(&e).unwrap()),
                    _ => {}
                }
            }
            let Some(c) = next else { break };
            assert!(
                c.offset as usize + c.len as usize <= BLOCK,
                "area crosses a block"
            );
            let at = (c.block - 100) as usize * BLOCK + c.offset as usize;
            area = p.ce[at..at + c.len as usize].to_vec();
            hops += 1;
        }
        assert!(hops >= 2);
        assert_eq!(link.finish(), target);
        assert_eq!(nm.finish().unwrap(), name);
    }

    #[test]
    fn records_do_not_cross_blocks() {
        let mut p = DirPacker::new(0);
        let su = Su {
            px: Some(px()),
            nm: Some(b"some-file-name"),
            ..Su::NONE
        };
        for _ in 0..100 {
            p.add(b"SOME_FILE_NAME.;1", 0, 0, DirDate::default(), 0, &su);
        }
        p.pad();
        let mut n = 0;
        for block in p.dir.chunks(BLOCK) {
            let mut at = 0;
            while let Some(r) = DirRecord::parse(&block[at..]).unwrap() {
                n += 1;
                let _ = r;
                at += block[at] as usize;
                if at >= BLOCK {
                    break;
                }
            }
        }
        assert_eq!(n, 100);
        assert!(p.dir_blocks() > 1);
    }
}
