//! ISO 9660 images: planned up front, streamed in LBA order.
//!
//! * [`write`](mod@write) — build a [`write::Plan`] from a tree (files on disk, or an
//!   imported earlier session plus changes) with no I/O, learn its exact size,
//!   then stream it block by block into any `Write`.
//! * [`read`] — parse descriptors, directories, Rock Ridge, Joliet, El Torito
//!   and MD5 tags from any block source; list, stat, extract, verify.
//! * [`spec`] — on-disc constants and field layouts shared by both.
//! * [`model`] — the file metadata both sides speak.
//!
//! The crate knows nothing about drives: a session on a disc is read through
//! the [`read::BlockRead`] trait, which the caller implements.

#![deny(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod model;
pub mod read;
pub mod spec;
pub mod write;

/// Size of a logical block (ECMA-119 §6.1.2: 2048 bytes for all images here).
pub const BLOCK: usize = 2048;
