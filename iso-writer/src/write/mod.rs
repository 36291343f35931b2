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
//! | S … S+15 | System Area: zeros or [`Options::system_area`] |
//! | S+16 … | PVD, Joliet SVD (if on), \[El Torito boot record: later\], terminator |
//! | | superblock checksum tag (if MD5) |
//! | | ECMA-119 directories in path table order, each followed by the SUSP continuation areas of its records |
//! | | L path table, M path table |
//! | | tree checksum tag (if MD5) |
//! | | one zero block: the extent of empty files, symlinks, devices |
//! | | Joliet directories, Joliet L and M path tables (if Joliet) |
//! | | \[El Torito catalog: later\] |
//! | | file data in directory order, each padded to whole blocks |
//! | | checksum array, session checksum tag (if MD5) |
//!
//! Every address recorded is absolute; the PVD's Volume Space Size is the
//! session's own size (relative), as libisofs and genisoimage record it.
//! For emulated multisession (overwritable media, image files) the caller
//! writes [`Plan::emulated_head`] to LBA 0 after the session.

mod emit;
mod error;
mod import;
mod names;
mod options;
mod plan;
mod records;
mod tree;

pub use emit::{EmitReport, Progress};
pub use error::{ChangeKind, Error};
pub use import::{ImportOptions, ImportReport, import_session};
pub use options::{IsoLevel, Options, Relocation, VolumeIds};
pub use plan::{Plan, PlannedFile};
pub use tree::{FileData, GraftSpec, NodeId, NodeKind, Tree};
