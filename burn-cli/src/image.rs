//! Burning a stored image as one session (a "jukebox copy"): at the NWA
//! of sequential media, at LBA 0 of overwritable media and image files,
//! sequentially into pipes.

use std::io::{Cursor, Read};

use iso_writer::spec::md5tag::{Tag, TagKind};
use mmc::Transport;
use mmc::engine::{Closure, OverwriteOptions, Recorder, SessionOptions, Speed, WriteType};
use mmc::error::Unsuitable;
use serde::Serialize;

use crate::ProgressFn;
use crate::emulation::HeadState;
use crate::error::{Aftermath, Error, Result};
use crate::media::{self, Layout};
use crate::session::{closed_by_drive, method_name, refuse_dummy, refuse_unwritable};

const B: usize = iso_writer::BLOCK;

/// How an image is written.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Close (finalize) a sequential disc afterwards.
    pub close: bool,
    /// Write type on CD and DVD-R/RW.
    pub write_type: WriteType,
    /// Simulation (CD-R/RW, DVD-R/RW, where the drive offers Test Write);
    /// refused on every other medium before anything is written.
    pub dummy: bool,
    pub speed: Option<Speed>,
    /// Write even when the image's volume descriptors show that it was
    /// built for another start address, or over unknown data on an
    /// overwritable medium.
    pub force: bool,
    /// BD-RE / DVD-RAM: stream recording.
    pub stream_recording: bool,
}

/// What [`write()`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WriteReport {
    pub device: String,
    pub layout: Layout,
    /// LBA the image starts at.
    pub start: u32,
    /// Bytes read from the source.
    pub bytes: u64,
    /// Blocks written, padding included.
    pub written_blocks: u64,
    /// The image's volume id, if it is an ISO 9660 image.
    pub volume_id: Option<String>,
    /// The start address the image was built for, per its volume
    /// descriptors (`None`: not an ISO 9660 image, or not decidable).
    pub built_for: Option<u32>,
    /// Sequential media: the engine's write method.
    pub method: Option<String>,
    pub closed: bool,
    /// An image file target was truncated first (the file is now exactly
    /// the image).
    pub truncated: bool,
    pub notes: Vec<String>,
}

/// Writes the image read from `source` (`size` bytes when known; required
/// for DAO/SAO) as one session:
///
/// * sequential media: at the NWA. An ISO 9660 image whose directory
///   addresses show it was built for a lower start (a plain image, built
///   for LBA 0) is refused when the NWA is not that start
///   ([`crate::Error::WrongStart`]: it would be unreadable there) unless
///   `force`;
/// * overwritable media and image files: at LBA 0 — the image's own
///   volume descriptors become the head, so it reads as one session and
///   later `add`s append to it. A regular image file is truncated first,
///   so the result is byte-identical to the image. An image built for a
///   start other than 0 is refused unless `force`; so is unknown data on
///   the medium;
/// * pipes (`stdio:-`): streamed.
pub fn write<T: Transport, R: Read + Send>(
    rec: &mut Recorder<T>,
    source: R,
    size: Option<u64>,
    opts: &WriteOptions,
    progress: ProgressFn<'_>,
) -> Result<WriteReport> {
    rec.drive().cancel_token().check()?;
    let media = media::inspect(rec)?;
    refuse_unwritable(&media, opts.force)?;
    refuse_dummy(&media, opts.dummy)?;
    if let Some(speed) = opts.speed {
        let r = rec.set_speed(speed)?;
        log::debug!("speed: {r:?}");
    }
    // The first 64 KiB tell what the image is and where it belongs.
    let mut source = source;
    let mut peek = Vec::with_capacity(32 * B);
    (&mut source)
        .take(32 * B as u64)
        .read_to_end(&mut peek)
        .map_err(|e| Error::io("reading the image", e))?;
    let id = identify(&peek);
    let stream = Cursor::new(peek).chain(source);
    let mut notes = Vec::new();
    if let Some(HeadState::Unknown(what)) = &media.head {
        // Only with force (refuse_unwritable).
        notes.push(format!("the medium held {what}: overwritten as forced"));
    }
    let check_start = |start: u32| -> Result<()> {
        match &id {
            Some(i) if !i.fits(start) => {
                let built_for = i.built_for.unwrap_or(0);
                if opts.force {
                    log::warn!(
                        "writing an image built for LBA {built_for} at LBA {start}, as forced"
                    );
                    Ok(())
                } else {
                    Err(Error::WrongStart { built_for, start })
                }
            }
            _ => Ok(()),
        }
    };

    if media.layout == Layout::Emulated {
        check_start(0)?;
        if let (Some(bytes), Some(cap)) = (size, media.capacity_blocks)
            && bytes.div_ceil(B as u64) > cap
        {
            return Err(mmc::Error::Unsuitable(Unsuitable::DoesNotFit {
                need: bytes.div_ceil(B as u64),
                free: cap,
            })
            .into());
        }
        if opts.close {
            notes.push(format!(
                "{} cannot be closed; --close has no effect",
                media.profile
            ));
        }
        let mut truncated = false;
        if media.is_stdio() {
            let cmd = mmc::cmd::Blank {
                immed: false,
                kind: mmc::cmd::BlankType::Full,
                start: 0,
            };
            match rec.drive_mut().run(&cmd) {
                Ok(_) => truncated = true,
                Err(e) if e.sense().is_some_and(|s| s.is_invalid_opcode()) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let ow_opts = OverwriteOptions {
            stream_recording: opts.stream_recording,
            ..OverwriteOptions::default()
        };
        let mut ow = rec.overwrite(&ow_opts, progress)?;
        let w = ow.write_at(0, stream, size, progress).map_err(|e| {
            let blocks = ow.failed_write().map(|r| u64::from(r.blocks));
            Error::Drive(e).aborted(Aftermath::PartialImage { blocks })
        })?;
        ow.finish(progress)
            .map_err(|e| Error::Drive(e).aborted(Aftermath::PartialImage { blocks: None }))?;
        return Ok(WriteReport {
            device: media.device.clone(),
            layout: media.layout,
            start: 0,
            bytes: w.bytes,
            written_blocks: w.blocks,
            volume_id: id.as_ref().map(|i| i.volume_id.clone()),
            built_for: id.as_ref().and_then(|i| i.built_for),
            method: None,
            closed: false,
            truncated,
            notes,
        });
    }

    let sopts = SessionOptions {
        write_type: opts.write_type,
        close: opts.close,
        dummy: opts.dummy,
        ..SessionOptions::default()
    };
    let target = rec.prepare(&sopts, size, progress)?;
    check_start(target.start)?;
    let w = rec
        .write_session(&target, stream, size, progress)
        .map_err(|e| Error::sequential_write(rec, e, |e, a| Error::Drive(e).aborted(a)))?;
    if w.dummy {
        notes.push("simulation: nothing was recorded".into());
    }
    let mut closed = w.closure == Closure::Disc;
    if !closed
        && !w.dummy
        && media.layout == Layout::Sequential
        && let Some(note) = media::inspect(rec).ok().as_ref().and_then(closed_by_drive)
    {
        closed = true;
        notes.push(note);
    }
    Ok(WriteReport {
        device: media.device.clone(),
        layout: media.layout,
        start: w.start,
        bytes: w.image_bytes,
        written_blocks: w.blocks_written,
        volume_id: id.as_ref().map(|i| i.volume_id.clone()),
        built_for: id.as_ref().and_then(|i| i.built_for),
        method: Some(method_name(w.method).into()),
        closed,
        truncated: false,
        notes,
    })
}

/// What the volume descriptors of an image say.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ImageId {
    volume_id: String,
    /// PVD volume space size (ECMA-119 §8.4.8).
    vss: u32,
    /// Root directory extent (§8.4.18, bytes 156+2, LE).
    root: u32,
    /// The session start the image was built for: from the MD5 tag after
    /// the terminator (its `pos` is absolute, `md5-tags.md` §3), else
    /// `None`.
    built_for: Option<u32>,
}

impl ImageId {
    /// True when the image's directory addresses are consistent with a
    /// session starting at `start`: the root directory lies after the
    /// descriptors and inside the volume counted from `start`.
    fn fits(&self, start: u32) -> bool {
        if let Some(b) = self.built_for {
            return b == start;
        }
        let s = u64::from(start);
        let root = u64::from(self.root);
        root >= s + 17 && root < s + u64::from(self.vss.max(18))
    }
}

/// Reads the PVD at block 16 of an image's first 64 KiB and the checksum
/// tag after the descriptor set terminator.
fn identify(head: &[u8]) -> Option<ImageId> {
    let pvd = head.get(16 * B..17 * B)?;
    if pvd[0] != 1 || &pvd[1..6] != b"CD001" {
        return None;
    }
    let le = |o: usize| u32::from_le_bytes([pvd[o], pvd[o + 1], pvd[o + 2], pvd[o + 3]]);
    let volume_id = String::from_utf8_lossy(&pvd[40..72])
        .trim_end_matches([' ', '\0'])
        .to_string();
    let mut built_for = None;
    let mut lba = 17usize;
    while let Some(b) = head.get(lba * B..(lba + 1) * B) {
        lba += 1;
        if &b[1..6] != b"CD001" {
            break;
        }
        if b[0] == 255 {
            if let Some(t) = head.get(lba * B..(lba + 1) * B)
                && let Ok(tag) = Tag::decode(t)
                && matches!(tag.kind, TagKind::Superblock | TagKind::RelocatedSuperblock)
            {
                built_for = tag.pos.checked_sub(lba as u32);
            }
            break;
        }
    }
    Some(ImageId {
        volume_id,
        vss: le(80),
        root: le(158),
        built_for,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_for(start: u32) -> Vec<u8> {
        let mut tree = iso_writer::write::Tree::new();
        tree.add_file(
            tree.root(),
            b"a",
            &iso_writer::model::Metadata::new(0o100644, Default::default()),
            iso_writer::write::FileData::Memory(std::sync::Arc::from(&b"x"[..])),
        )
        .unwrap();
        let mut o = iso_writer::write::Options::reproducible(0);
        o.start_lba = start;
        let plan = iso_writer::write::Plan::new(tree, &o).unwrap();
        let mut v = Vec::new();
        plan.emit(&mut v).unwrap();
        v
    }

    #[test]
    fn identifies_the_start_an_image_was_built_for() {
        let plain = identify(&image_for(0)).unwrap();
        assert_eq!(plain.built_for, Some(0));
        assert!(plain.fits(0));
        assert!(!plain.fits(1000));
        let later = identify(&image_for(1000)).unwrap();
        assert_eq!(later.built_for, Some(1000));
        assert!(later.fits(1000) && !later.fits(0));
        // Without tags: from the root directory's address.
        let mut o = image_for(0);
        let terminator = (17..).find(|&l| o[l * B] == 255).unwrap();
        o[(terminator + 1) * B..(terminator + 2) * B].fill(0);
        let id = identify(&o).unwrap();
        assert_eq!(id.built_for, None);
        assert!(id.fits(0) && !id.fits(5000));
        assert_eq!(identify(&vec![0u8; 40 * B]), None);
    }
}
