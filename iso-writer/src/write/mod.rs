//! The image writer: build a [`Tree`], compute a [`Plan`] (no I/O), learn
//! its exact size, then stream it into any [`std::io::Write`].
//!
//! ```no_run
//! use iso_writer::write::{Options, Plan, Tree};
//!
//! let mut tree = Tree::new();
//! tree.graft(std::path::Path::new("/home/me/photos"), Some(b"/photos"))?;
//! let plan = Plan::new(tree, &Options::default())?;
//! println!("{} blocks", plan.total_blocks());
//! let mut out = std::fs::File::create("photos.iso")?;
//! let report = plan.emit(&mut out)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout of a session (start LBA `S`)
//!
//! Like libisofs (project document `md5-tags.md` §2):
//!
//! | Blocks | Content |
//! |---|---|
//! | S … S+15 | System Area: zeros, [`Options::system_area`], or the isohybrid MBR/GPT of [`Options::hybrid`] |
//! | S+16 … | PVD, El Torito boot record (S+17, if [`Options::el_torito`]), Joliet SVD (if on), terminator |
//! | | superblock checksum tag (if MD5) |
//! | | ECMA-119 directories in path table order, each followed by the SUSP continuation areas of its records |
//! | | L path table, M path table |
//! | | tree checksum tag (if MD5) |
//! | | one zero block: the extent of empty files, symlinks, devices |
//! | | Joliet directories, Joliet L and M path tables (if Joliet) |
//! | | El Torito boot catalog |
//! | | boot images this session writes, in catalog order (patched with a boot info table where asked) |
//! | | file data in directory order, each padded to whole blocks |
//! | | checksum array, session checksum tag (if MD5) |
//! | | isohybrid tail: padding to whole cylinders, backup GPT in the last 33 sectors |
//!
//! Every address recorded is absolute; the PVD's Volume Space Size is the
//! session's own size (relative), as libisofs and genisoimage record it.
//! For emulated multisession (overwritable media, image files) the caller
//! writes [`Plan::emulated_head`] to LBA 0 after the session.
//!
//! # What is recorded
//!
//! * **ECMA-119** at [`IsoLevel::L3`] by default (30-character names,
//!   multi-extent files above 4 GiB − 2 KiB); identifiers as described in
//!   [Names](#names). Directories deeper than 8 levels are relocated
//!   ([`Relocation`]).
//! * **Rock Ridge** (RRIP 1.12, `ER` `IEEE_P1282`): `SP`, `ER` on the root,
//!   `PX` with file serial numbers, `TF` (modification, access, attribute
//!   change; 7-byte form), `NM`, `SL`, `PN`, `CL`/`PL`/`RE`; entries that do
//!   not fit a record go to continuation areas right after the directory.
//! * **Joliet** level 3: names up to 64 UCS-2 characters (longer ones are
//!   truncated keeping the extension, collisions numbered), `;1` on files;
//!   symlinks and special files are left out (Joliet cannot express them).
//! * **MD5** (libisofs format): superblock, tree and session tags, the
//!   checksum array, `isofs.ca` on the root `.` record and `isofs.cx` on
//!   every file record, as AAIP `AL` entries in the SUSP 1.10 manner of
//!   xorriso's default (no `ER`/`ES` for AAIP; `md5-tags.md` §5.2).
//! * Times and reproducibility: see [`Options`].
//!
//! # Names
//!
//! ## ECMA-119 identifiers
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
//! ## Joliet names
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
//!
//! # Bootable images
//!
//! [`ElTorito`] describes the boot catalog and its images (with the
//! mapping of the mkisofs options), [`Hybrid`] the MBR/GPT that makes the
//! image boot from a disk too, and [`replay_boot`] carries an old
//! session's boot setup into a new session.
//!
//! # Limits
//!
//! * ECMA-119's 255-character path limit (§6.8.2.1) is not enforced.
//! * With more than 65535 directories, path table parent numbers above
//!   65535 are recorded as 65535 (readers use the directory records).
//! * zisofs-compressed or interleaved files of an imported session cannot
//!   be carried over (an error names them).

mod boot;
mod digest;
mod emit;
mod error;
mod hybrid;
mod import;
mod names;
mod options;
mod plan;
mod records;
mod replay;
mod tree;

pub use boot::{
    BootEntry, BootImage, ElTorito, Emulation, LoadSize, MAX_PATCHED_BOOT_FILE, PlannedBootImage,
    Platform,
};
pub use emit::{EmitReport, Progress, WritebackFile};
pub use error::{ChangeKind, Error};
pub use hybrid::{Hybrid, MbrBootCode};
pub use import::{ImportOptions, ImportReport, import_session};
pub use options::{IsoLevel, Options, Relocation, VolumeIds};
pub use plan::{Plan, PlannedFile};
pub use replay::{HiddenImageReplay, ReplaySpec, ReplayedBoot, SystemAreaReplay, replay_boot};
pub use tree::{Children, FileData, GraftSpec, NodeId, NodeKind, Tree};
