//! Extraction of a tree to the local file system, confined to the target
//! directory.
//!
//! Every name from the image is one path component checked here (`.`,
//! `..`, empty, `/` and NUL are refused); every file system call is made
//! relative to a directory file descriptor we opened ourselves with
//! `O_NOFOLLOW | O_DIRECTORY`, and files are created with
//! `O_CREAT | O_EXCL | O_NOFOLLOW`. So neither a crafted name nor a symlink
//! created earlier in the same extraction (or already present in the
//! target) can lead a write outside the target directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{BlockRead, Entry, Error, Guard, Image, Result};
use crate::model::{Kind, Name, Timestamp};

/// What to restore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractOptions {
    /// Apply permission bits (setuid/setgid only with `keep_setid`).
    pub permissions: bool,
    /// Keep setuid and setgid bits.
    pub keep_setid: bool,
    /// Apply modification and access times.
    pub times: bool,
    /// Apply owner and group (needs privileges).
    pub owners: bool,
    /// Create hard links between files sharing a `PX` serial number and data.
    pub hard_links: bool,
    /// Create symbolic links (never followed).
    pub symlinks: bool,
    /// Create FIFOs and device files (devices need privileges).
    pub special_files: bool,
    /// Replace existing non-directories in the target.
    pub overwrite: bool,
}

impl Default for ExtractOptions {
    fn default() -> ExtractOptions {
        ExtractOptions {
            permissions: true,
            keep_setid: false,
            times: true,
            owners: false,
            hard_links: true,
            symlinks: true,
            special_files: false,
            overwrite: false,
        }
    }
}

/// An entry not extracted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Path relative to the extracted entry.
    pub path: Name,
    pub reason: String,
}

/// What an extraction did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtractReport {
    pub dirs: u64,
    pub files: u64,
    pub bytes: u64,
    pub symlinks: u64,
    pub hard_links: u64,
    pub special: u64,
    pub skipped: Vec<Skipped>,
}

/// Why a name cannot be one path component, if it cannot.
pub(crate) fn unsafe_name(name: &[u8]) -> Option<&'static str> {
    match name {
        b"" => Some("empty name"),
        b"." | b".." => Some("name is . or .."),
        _ if name.contains(&b'/') => Some("name contains /"),
        _ if name.contains(&0) => Some("name contains NUL"),
        _ => None,
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use nix::errno::Errno;
    use nix::fcntl::{AtFlags, OFlag, openat};
    use nix::sys::stat::{
        FchmodatFlags, Mode, SFlag, UtimensatFlags, fchmodat, makedev, mkdirat, mknodat, utimensat,
    };
    use nix::sys::time::TimeSpec;
    use nix::unistd::{Gid, Uid, UnlinkatFlags, fchownat, linkat, mkfifoat, symlinkat, unlinkat};
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::fs::PermissionsExt;

    const DIR_FLAGS: OFlag = OFlag::O_RDONLY
        .union(OFlag::O_DIRECTORY)
        .union(OFlag::O_NOFOLLOW)
        .union(OFlag::O_CLOEXEC);

    /// A failure that concerns one entry (reported as skipped) or the
    /// destination as a whole (returned as an error).
    enum Fail {
        Skip(String),
        Fatal(Error),
    }

    impl From<Error> for Fail {
        fn from(e: Error) -> Fail {
            Fail::Fatal(e)
        }
    }

    struct Ctx<'o> {
        opts: &'o ExtractOptions,
        dest: PathBuf,
        root_fd: OwnedFd,
        report: ExtractReport,
        /// (serial, first LBA, size) → path components of the first copy.
        links: HashMap<(u64, u32, u64), Vec<Vec<u8>>>,
    }

    impl Ctx<'_> {
        fn io(&self, rel: &[Vec<u8>], e: Errno) -> Fail {
            let mut p = self.dest.clone();
            for c in rel {
                p.push(String::from_utf8_lossy(c).as_ref());
            }
            Fail::Fatal(Error::Extract {
                path: p,
                source: std::io::Error::from(e),
            })
        }

        /// Errors that an entry of the image (not the destination) causes.
        fn classify(&self, rel: &[Vec<u8>], e: Errno) -> Fail {
            match e {
                Errno::EEXIST => Fail::Skip("already exists".into()),
                Errno::ELOOP | Errno::ENOTDIR => {
                    Fail::Skip("a symlink or non-directory is in the way".into())
                }
                Errno::ENAMETOOLONG => Fail::Skip("name too long for the file system".into()),
                _ => self.io(rel, e),
            }
        }

        /// Opens the directory `rel` below the root, never following symlinks.
        fn open_rel(&self, rel: &[Vec<u8>]) -> std::result::Result<OwnedFd, Fail> {
            let mut fd = self.root_fd.try_clone().map_err(|e| {
                Fail::Fatal(Error::Extract {
                    path: self.dest.clone(),
                    source: e,
                })
            })?;
            for (i, c) in rel.iter().enumerate() {
                fd = openat(fd.as_fd(), c.as_slice(), DIR_FLAGS, Mode::empty())
                    .map_err(|e| self.classify(&rel[..=i], e))?;
            }
            Ok(fd)
        }
    }

    fn timespec(t: Timestamp) -> TimeSpec {
        TimeSpec::new(t.secs, i64::from(t.nanos.min(999_999_999)))
    }

    fn perm(opts: &ExtractOptions, mode: u32) -> u32 {
        if opts.keep_setid {
            mode & 0o7777
        } else {
            mode & 0o1777
        }
    }

    /// Applies owner, permissions and times to `name` in `dir`.
    fn finish_attrs(
        ctx: &Ctx<'_>,
        dir: &OwnedFd,
        name: &[u8],
        e: &Entry,
        file: Option<&File>,
        rel: &[Vec<u8>],
    ) -> std::result::Result<(), Fail> {
        let m = &e.metadata;
        if ctx.opts.owners {
            fchownat(
                dir.as_fd(),
                name,
                Some(Uid::from_raw(m.uid)),
                Some(Gid::from_raw(m.gid)),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(|er| ctx.io(rel, er))?;
        }
        if ctx.opts.permissions && e.kind != Kind::Symlink {
            let p = std::fs::Permissions::from_mode(perm(ctx.opts, m.mode));
            let r = match (file, e.kind) {
                (Some(f), _) => f.set_permissions(p),
                (None, Kind::Dir) => {
                    let fd = openat(dir.as_fd(), name, DIR_FLAGS, Mode::empty())
                        .map_err(|er| ctx.io(rel, er))?;
                    File::from(fd).set_permissions(p)
                }
                // FIFOs and devices cannot be opened without side effects;
                // the entry was just created by us and is no symlink.
                (None, _) => fchmodat(
                    dir.as_fd(),
                    name,
                    Mode::from_bits_truncate(perm(ctx.opts, m.mode)),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(std::io::Error::from),
            };
            r.map_err(|er| {
                Fail::Fatal(Error::Extract {
                    path: ctx.dest.join(String::from_utf8_lossy(name).as_ref()),
                    source: er,
                })
            })?;
        }
        if ctx.opts.times {
            utimensat(
                dir.as_fd(),
                name,
                &timespec(m.atime),
                &timespec(m.mtime),
                UtimensatFlags::NoFollowSymlink,
            )
            .map_err(|er| ctx.io(rel, er))?;
        }
        Ok(())
    }

    fn remove_existing(ctx: &Ctx<'_>, dir: &OwnedFd, name: &[u8]) {
        if ctx.opts.overwrite {
            // Only non-directories are replaced; ENOENT and EISDIR are fine.
            let _ = unlinkat(dir.as_fd(), name, UnlinkatFlags::NoRemoveDir);
        }
    }

    fn copy_file<R: BlockRead>(
        img: &mut Image<R>,
        ctx: &mut Ctx<'_>,
        dir: &OwnedFd,
        name: &[u8],
        e: &Entry,
        rel: &[Vec<u8>],
    ) -> std::result::Result<(), Fail> {
        if e.interleave.is_some() {
            return Err(Fail::Skip("interleaved file".into()));
        }
        if e.zisofs.is_some() {
            return Err(Fail::Skip(
                "zisofs-compressed content is not decompressed".into(),
            ));
        }
        // Hard links: same serial number, same data.
        let key = (e.metadata.ino, e.lba().unwrap_or(0), e.size);
        if ctx.opts.hard_links
            && e.metadata.ino != 0
            && e.metadata.nlink > 1
            && let Some(first) = ctx.links.get(&key).cloned()
        {
            let (parent, fname) = first.split_at(first.len() - 1);
            let src_dir = ctx.open_rel(parent)?;
            remove_existing(ctx, dir, name);
            linkat(
                src_dir.as_fd(),
                fname[0].as_slice(),
                dir.as_fd(),
                name,
                AtFlags::empty(),
            )
            .map_err(|er| ctx.classify(rel, er))?;
            ctx.report.hard_links += 1;
            return Ok(());
        }
        remove_existing(ctx, dir, name);
        let fd = openat(
            dir.as_fd(),
            name,
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(|er| ctx.classify(rel, er))?;
        let mut out = File::from(fd);
        let copied = (|| -> std::result::Result<u64, Fail> {
            let mut r = img.open_file(e)?;
            let mut buf = vec![0u8; 256 * 1024];
            let mut total = 0u64;
            loop {
                let n = r
                    .read(&mut buf)
                    .map_err(|er| Fail::Fatal(super::super::file::unwrap_io(er, e)))?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n]).map_err(|er| {
                    Fail::Fatal(Error::Extract {
                        path: ctx.dest.join(String::from_utf8_lossy(name).as_ref()),
                        source: er,
                    })
                })?;
                total += n as u64;
            }
            Ok(total)
        })();
        let total = match copied {
            Ok(t) => t,
            // Unreadable data in the image: drop the partial copy, go on.
            Err(Fail::Fatal(err))
                if err.is_corrupt()
                    || matches!(err, Error::Io { .. } | Error::Unsupported { .. }) =>
            {
                let _ = unlinkat(dir.as_fd(), name, UnlinkatFlags::NoRemoveDir);
                return Err(Fail::Skip(format!("data not readable: {err}")));
            }
            Err(f) => return Err(f),
        };
        finish_attrs(ctx, dir, name, e, Some(&out), rel)?;
        ctx.report.files += 1;
        ctx.report.bytes += total;
        if ctx.opts.hard_links && e.metadata.ino != 0 && e.metadata.nlink > 1 {
            ctx.links.insert(key, rel.to_vec());
        }
        Ok(())
    }

    /// Creates one non-directory entry.
    fn make_leaf<R: BlockRead>(
        img: &mut Image<R>,
        ctx: &mut Ctx<'_>,
        dir: &OwnedFd,
        name: &[u8],
        e: &Entry,
        rel: &[Vec<u8>],
    ) -> std::result::Result<(), Fail> {
        match e.kind {
            Kind::Dir => unreachable_dir(),
            Kind::File => copy_file(img, ctx, dir, name, e, rel),
            Kind::Symlink => {
                if !ctx.opts.symlinks {
                    return Err(Fail::Skip("symlinks not requested".into()));
                }
                let target = e
                    .symlink_target
                    .as_ref()
                    .map(|t| t.as_bytes())
                    .unwrap_or_default();
                if target.is_empty() || target.contains(&0) {
                    return Err(Fail::Skip("symlink without a valid target".into()));
                }
                remove_existing(ctx, dir, name);
                symlinkat(target, dir.as_fd(), name).map_err(|er| ctx.classify(rel, er))?;
                finish_attrs(ctx, dir, name, e, None, rel)?;
                ctx.report.symlinks += 1;
                Ok(())
            }
            Kind::Fifo | Kind::CharDevice | Kind::BlockDevice => {
                if !ctx.opts.special_files {
                    return Err(Fail::Skip("special files not requested".into()));
                }
                remove_existing(ctx, dir, name);
                let mode = Mode::from_bits_truncate(0o600);
                let r = match e.kind {
                    Kind::Fifo => mkfifoat(dir.as_fd(), name, mode),
                    k => {
                        let (maj, min) = e.metadata.rdev.unwrap_or((0, 0));
                        let kind = if k == Kind::CharDevice {
                            SFlag::S_IFCHR
                        } else {
                            SFlag::S_IFBLK
                        };
                        mknodat(
                            dir.as_fd(),
                            name,
                            kind,
                            mode,
                            makedev(u64::from(maj), u64::from(min)),
                        )
                    }
                };
                r.map_err(|er| match er {
                    Errno::EPERM => Fail::Skip("no privilege to create a device".into()),
                    er => ctx.classify(rel, er),
                })?;
                finish_attrs(ctx, dir, name, e, None, rel)?;
                ctx.report.special += 1;
                Ok(())
            }
            Kind::Socket => Err(Fail::Skip("sockets are not extracted".into())),
        }
    }

    fn unreachable_dir() -> std::result::Result<(), Fail> {
        Err(Fail::Skip("internal: directory handled as leaf".into()))
    }

    struct Frame {
        fd: OwnedFd,
        rel: Vec<Vec<u8>>,
        entry: Entry,
        children: std::vec::IntoIter<Entry>,
    }

    fn show(rel: &[Vec<u8>]) -> Name {
        let mut p = Vec::new();
        for c in rel {
            p.push(b'/');
            p.extend_from_slice(c);
        }
        if p.is_empty() {
            p.push(b'/');
        }
        Name(p)
    }

    pub(super) fn extract<R: BlockRead>(
        img: &mut Image<R>,
        from: &Entry,
        dest: &Path,
        opts: &ExtractOptions,
    ) -> Result<ExtractReport> {
        let fatal = |path: &Path, e: std::io::Error| Error::Extract {
            path: path.to_path_buf(),
            source: e,
        };
        if !from.is_dir() {
            // A single entry: `dest` names the copy; its parent must exist.
            let parent = dest
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = dest.file_name().ok_or_else(|| {
                fatal(
                    dest,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "destination has no file name",
                    ),
                )
            })?;
            let pfd = nix::fcntl::open(
                parent,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| fatal(parent, e.into()))?;
            let mut ctx = Ctx {
                opts,
                dest: parent.to_path_buf(),
                root_fd: pfd.try_clone().map_err(|e| fatal(parent, e))?,
                report: ExtractReport::default(),
                links: HashMap::new(),
            };
            use std::os::unix::ffi::OsStrExt;
            let rel = vec![name.as_bytes().to_vec()];
            match make_leaf(img, &mut ctx, &pfd, name.as_bytes(), from, &rel) {
                Ok(()) => {}
                Err(Fail::Skip(reason)) => ctx.report.skipped.push(Skipped {
                    path: show(&rel),
                    reason,
                }),
                Err(Fail::Fatal(e)) => return Err(e),
            }
            return Ok(ctx.report);
        }

        // A directory: `dest` becomes its copy (created if missing).
        match std::fs::create_dir(dest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dest.is_dir() => {}
            Err(e) => return Err(fatal(dest, e)),
        }
        let root_fd = nix::fcntl::open(
            dest,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| fatal(dest, e.into()))?;
        let mut ctx = Ctx {
            opts,
            dest: dest.to_path_buf(),
            root_fd: root_fd.try_clone().map_err(|e| fatal(dest, e))?,
            report: ExtractReport::default(),
            links: HashMap::new(),
        };
        let mut guard = Guard::new(&img.opts.limits);
        guard.enter(from, 0)?;
        let children = img.read_dir(from)?;
        let mut stack = vec![Frame {
            fd: root_fd,
            rel: Vec::new(),
            entry: from.clone(),
            children: children.into_iter(),
        }];
        ctx.report.dirs += 1;
        loop {
            let depth = stack.len() as u32;
            let Some(top) = stack.last_mut() else { break };
            let Some(child) = top.children.next() else {
                let Some(done) = stack.pop() else { break };
                // Directory attributes last, so read-only directories could be filled.
                let res = match stack.last() {
                    Some(parent) => {
                        let name = done.rel.last().cloned().unwrap_or_default();
                        finish_attrs(&ctx, &parent.fd, &name, &done.entry, None, &done.rel)
                    }
                    None => {
                        // The destination itself: only permissions and times.
                        let f = File::from(done.fd);
                        let mut r = Ok(());
                        if opts.permissions {
                            r = f
                                .set_permissions(std::fs::Permissions::from_mode(perm(
                                    opts,
                                    done.entry.metadata.mode,
                                )))
                                .map_err(|e| Fail::Fatal(fatal(dest, e)));
                        }
                        if r.is_ok() && opts.times {
                            let m = &done.entry.metadata;
                            r = nix::sys::stat::futimens(
                                f.as_fd(),
                                &timespec(m.atime),
                                &timespec(m.mtime),
                            )
                            .map_err(|e| Fail::Fatal(fatal(dest, e.into())));
                        }
                        r
                    }
                };
                match res {
                    Ok(()) => {}
                    Err(Fail::Skip(reason)) => ctx.report.skipped.push(Skipped {
                        path: show(&done.rel),
                        reason,
                    }),
                    Err(Fail::Fatal(e)) => return Err(e),
                }
                continue;
            };
            guard.count(child.record_lba)?;
            let mut rel = top.rel.clone();
            rel.push(child.name.0.clone());
            if let Some(why) = unsafe_name(child.name.as_bytes()) {
                log::warn!("not extracting {:?}: {why}", child.name);
                ctx.report.skipped.push(Skipped {
                    path: show(&rel),
                    reason: why.into(),
                });
                continue;
            }
            let name = child.name.0.clone();
            if child.is_dir() {
                guard.enter(&child, depth)?;
                let parent_fd = &top.fd;
                let made = match mkdirat(
                    parent_fd.as_fd(),
                    name.as_slice(),
                    Mode::from_bits_truncate(0o700),
                ) {
                    Ok(()) | Err(Errno::EEXIST) => {
                        openat(parent_fd.as_fd(), name.as_slice(), DIR_FLAGS, Mode::empty())
                            .map_err(|e| ctx.classify(&rel, e))
                    }
                    Err(e) => Err(ctx.classify(&rel, e)),
                };
                match made {
                    Ok(fd) => {
                        let children = img.read_dir(&child)?;
                        ctx.report.dirs += 1;
                        stack.push(Frame {
                            fd,
                            rel,
                            entry: child,
                            children: children.into_iter(),
                        });
                    }
                    Err(Fail::Skip(reason)) => ctx.report.skipped.push(Skipped {
                        path: show(&rel),
                        reason,
                    }),
                    Err(Fail::Fatal(e)) => return Err(e),
                }
                continue;
            }
            let dir_fd = top.fd.try_clone().map_err(|e| fatal(dest, e))?;
            match make_leaf(img, &mut ctx, &dir_fd, &name, &child, &rel) {
                Ok(()) => {}
                Err(Fail::Skip(reason)) => ctx.report.skipped.push(Skipped {
                    path: show(&rel),
                    reason,
                }),
                Err(Fail::Fatal(e)) => return Err(e),
            }
        }
        Ok(ctx.report)
    }
}

impl<R: BlockRead> Image<R> {
    /// Extracts `entry` to `dest`: a directory's contents go into `dest`
    /// (created if missing, must otherwise be a directory); a single file,
    /// symlink or special file is created as `dest` itself. Nothing is ever
    /// written outside `dest` (see the module notes); entries that cannot be
    /// extracted safely are listed in [`ExtractReport::skipped`].
    #[cfg(unix)]
    pub fn extract(
        &mut self,
        entry: &Entry,
        dest: impl AsRef<Path>,
        opts: &ExtractOptions,
    ) -> Result<ExtractReport> {
        imp::extract(self, entry, dest.as_ref(), opts)
    }

    /// [`lookup`](Self::lookup) then [`extract`](Self::extract).
    #[cfg(unix)]
    pub fn extract_path(
        &mut self,
        path: impl AsRef<[u8]>,
        dest: impl AsRef<Path>,
        opts: &ExtractOptions,
    ) -> Result<ExtractReport> {
        let e = self.lookup(path)?;
        self.extract(&e, dest, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(unsafe_name(b"..").is_some());
        assert!(unsafe_name(b".").is_some());
        assert!(unsafe_name(b"").is_some());
        assert!(unsafe_name(b"a/b").is_some());
        assert!(unsafe_name(b"/etc").is_some());
        assert!(unsafe_name(b"a\0b").is_some());
        assert!(unsafe_name(b"...").is_none());
        assert!(unsafe_name(b"a b").is_none());
    }
}
