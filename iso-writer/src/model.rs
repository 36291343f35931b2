//! File metadata as both the reader produces it and the writer consumes it.
//!
//! Names are raw bytes: Rock Ridge `NM` names (RRIP 1.12 §4.1.4) are POSIX
//! file names and need not be UTF-8. Joliet names are derived from them.

use std::fmt;

/// POSIX file type bits of `st_mode` (RRIP 1.12 §4.1.1, `PX` "file mode").
pub mod mode {
    pub const S_IFMT: u32 = 0o170000;
    pub const S_IFSOCK: u32 = 0o140000;
    pub const S_IFLNK: u32 = 0o120000;
    pub const S_IFREG: u32 = 0o100000;
    pub const S_IFBLK: u32 = 0o060000;
    pub const S_IFDIR: u32 = 0o040000;
    pub const S_IFCHR: u32 = 0o020000;
    pub const S_IFIFO: u32 = 0o010000;
}

/// What a directory entry is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Dir,
    File,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl Kind {
    /// The `S_IFMT` bits for this kind.
    pub fn mode_bits(self) -> u32 {
        use mode::*;
        match self {
            Kind::Dir => S_IFDIR,
            Kind::File => S_IFREG,
            Kind::Symlink => S_IFLNK,
            Kind::CharDevice => S_IFCHR,
            Kind::BlockDevice => S_IFBLK,
            Kind::Fifo => S_IFIFO,
            Kind::Socket => S_IFSOCK,
        }
    }

    /// The kind named by the `S_IFMT` bits of `mode`, if any.
    pub fn from_mode(mode: u32) -> Option<Kind> {
        use mode::*;
        Some(match mode & S_IFMT {
            S_IFDIR => Kind::Dir,
            S_IFREG => Kind::File,
            S_IFLNK => Kind::Symlink,
            S_IFCHR => Kind::CharDevice,
            S_IFBLK => Kind::BlockDevice,
            S_IFIFO => Kind::Fifo,
            S_IFSOCK => Kind::Socket,
            _ => return None,
        })
    }
}

/// A point in time, seconds since the Unix epoch (UTC) plus nanoseconds.
/// ISO 9660 directory record dates (ECMA-119 §9.1.5) have one-second
/// resolution; `TF` long form (17 bytes) has hundredths.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }
}

/// POSIX attributes carried by Rock Ridge (`PX`, `TF`, `PN`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Metadata {
    /// Full `st_mode`: type bits and permissions.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Link count as recorded in `PX` (RRIP 1.12 §4.1.1).
    pub nlink: u32,
    /// File serial number (`PX` 5th field, RRIP 1.12); records sharing a
    /// non-zero serial and data are hard links.
    pub ino: u64,
    pub mtime: Timestamp,
    pub atime: Timestamp,
    pub ctime: Timestamp,
    /// Device number (`PN`, RRIP 1.12 §4.1.2) as (major, minor).
    pub rdev: Option<(u32, u32)>,
}

impl Metadata {
    /// `mode` owned by root (uid and gid 0), one link, no serial number or
    /// device, and `time` as modification, access and attribute-change
    /// time: the attributes of nodes that have none of their own (a record
    /// without Rock Ridge, a boot catalog, an implied directory).
    pub const fn new(mode: u32, time: Timestamp) -> Metadata {
        Metadata {
            mode,
            uid: 0,
            gid: 0,
            nlink: 1,
            ino: 0,
            mtime: time,
            atime: time,
            ctime: time,
            rdev: None,
        }
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::from_mode(self.mode)
    }

    /// Permission bits (including setuid/setgid/sticky).
    pub fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// A contiguous run of file data on the medium (one ECMA-119 extent; a file
/// larger than 4 GiB − 2 KiB has several, ECMA-119 §6.5.1 multi-extent).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Extent {
    /// Absolute LBA of the first block.
    pub lba: u32,
    /// Length in bytes.
    pub len: u32,
}

/// A name as raw bytes, shown lossily.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Name(pub Vec<u8>);

impl Name {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(s.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Name {
    fn from(s: &[u8]) -> Name {
        Name(s.to_vec())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

/// An MD5 digest.
pub type Md5 = [u8; 16];

/// Lower-case hex of a digest.
pub fn hex(d: &[u8]) -> String {
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
