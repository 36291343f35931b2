//! Linux SG_IO transport: the sg(4) version 3 interface on `/dev/srN`,
//! `/dev/sgN` or any other node whose driver answers `ioctl(SG_IO)`
//! (`mmc-recipes.md` §1).
//!
//! This module holds the only `unsafe` code of the workspace: one `ioctl(2)`
//! call in `sg_ioctl`, whose arguments are built only by
//! `SgIoRequest::new` from borrowed buffers.
//!
//! Opening follows libburn `sg-linux.c`: `O_RDWR | O_NONBLOCK` (read-write
//! because the kernel's SG_IO filter allows write-type commands only on a
//! writable fd, non-blocking so the cdrom layer neither checks the medium nor
//! answers EROFS), optionally `O_EXCL`, and EBUSY is retried three more times
//! two seconds apart — unless `/proc/self/mountinfo` shows the medium
//! mounted, which is reported at once (`mmc-recipes.md` §1).
//!
//! An exclusive open covers the whole drive, not just the node named: the
//! drive's other nodes (`/dev/sgN` of `/dev/srN` and the reverse, found
//! through sysfs by [`crate::discovery::sibling_nodes`]) are opened with
//! `O_EXCL` too and held while the [`SgIo`] lives, as libburn does, so that
//! no other burner reaches the drive through them during a burn.

use std::ffi::{c_int, c_uchar, c_uint, c_ushort, c_void};
use std::fs::{File, OpenOptions};
use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;

use crate::discovery::{DeviceNumber, NodeType, SiblingNode, sibling_nodes_of};
use crate::error::{Error, OpenErrorKind, Result};
use crate::transport::{
    Completion, DataPhase, SENSE_MAX, SenseBuf, Status, Transport, TransportError,
};

/// `SG_IO` ioctl request (`<scsi/sg.h>`).
const SG_IO: libc::Ioctl = 0x2285;
/// `SG_GET_VERSION_NUM` ioctl request (`<scsi/sg.h>`): harmless, answered by
/// the sg driver and by every block driver that implements SG_IO.
const SG_GET_VERSION_NUM: libc::Ioctl = 0x2282;

/// `sg_io_hdr.interface_id` for the v3 interface.
const SG_INTERFACE_ID: c_int = b'S' as c_int;
const SG_DXFER_NONE: c_int = -1;
const SG_DXFER_TO_DEV: c_int = -2;
const SG_DXFER_FROM_DEV: c_int = -3;

/// `host_status` values (Linux `include/scsi/scsi_status.h`, `DID_*`).
mod did {
    pub const OK: u16 = 0x00;
    pub const NO_CONNECT: u16 = 0x01;
    pub const TIME_OUT: u16 = 0x03;
    pub const BAD_TARGET: u16 = 0x04;
    pub const TRANSPORT_FAILFAST: u16 = 0x0F;
}

/// `driver_status` values (Linux `drivers/scsi/sg.c` / old `scsi.h`): the low
/// nibble is the driver byte; `DRIVER_SENSE` (08h) only says that sense data
/// was returned and is not an error.
mod driver {
    pub const MASK: u16 = 0x07;
    pub const TIMEOUT: u16 = 0x06;
}

/// The `sg_io_hdr_t` of `<scsi/sg.h>` (Linux sg(4) version 3 interface,
/// `mmc-recipes.md` §1.1). Layout checked below against the C header of this
/// machine: 88 bytes on 64-bit Linux, 64 on 32-bit.
#[repr(C)]
struct SgIoHdr {
    /// [in] `'S'`.
    interface_id: c_int,
    /// [in] `SG_DXFER_NONE` / `_TO_DEV` / `_FROM_DEV`.
    dxfer_direction: c_int,
    /// [in] CDB length, at most 16.
    cmd_len: c_uchar,
    /// [in] capacity of the sense buffer at `sbp`.
    mx_sb_len: c_uchar,
    /// [in] 0: `dxferp` is one buffer, not a scatter list.
    iovec_count: c_ushort,
    /// [in] data transfer length in bytes.
    dxfer_len: c_uint,
    /// [in] data buffer (read by the kernel for TO_DEV, written for FROM_DEV).
    dxferp: *mut c_void,
    /// [in] CDB (only read by the kernel; `unsigned char *` in C).
    cmdp: *const c_uchar,
    /// [in] sense buffer (written by the kernel).
    sbp: *mut c_uchar,
    /// [in] timeout in milliseconds (`UINT_MAX` = none).
    timeout: c_uint,
    /// [in] `SG_FLAG_*`, 0 = indirect I/O.
    flags: c_uint,
    /// [in→out] unused by SG_IO.
    pack_id: c_int,
    /// [in→out] unused by SG_IO.
    usr_ptr: *mut c_void,
    /// [out] SCSI status byte.
    status: c_uchar,
    /// [out] status shifted right by one (obsolete).
    masked_status: c_uchar,
    /// [out] messaging level data.
    msg_status: c_uchar,
    /// [out] sense bytes written to `sbp`.
    sb_len_wr: c_uchar,
    /// [out] `DID_*` host adapter status.
    host_status: c_ushort,
    /// [out] driver status (`DRIVER_*`, `DRIVER_SENSE` flag).
    driver_status: c_ushort,
    /// [out] `dxfer_len` minus bytes actually transferred.
    resid: c_int,
    /// [out] milliseconds the command took.
    duration: c_uint,
    /// [out] `SG_INFO_*` flags.
    info: c_uint,
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<SgIoHdr>() == 88);
    assert!(offset_of!(SgIoHdr, interface_id) == 0);
    assert!(offset_of!(SgIoHdr, dxfer_direction) == 4);
    assert!(offset_of!(SgIoHdr, cmd_len) == 8);
    assert!(offset_of!(SgIoHdr, mx_sb_len) == 9);
    assert!(offset_of!(SgIoHdr, iovec_count) == 10);
    assert!(offset_of!(SgIoHdr, dxfer_len) == 12);
    assert!(offset_of!(SgIoHdr, dxferp) == 16);
    assert!(offset_of!(SgIoHdr, cmdp) == 24);
    assert!(offset_of!(SgIoHdr, sbp) == 32);
    assert!(offset_of!(SgIoHdr, timeout) == 40);
    assert!(offset_of!(SgIoHdr, flags) == 44);
    assert!(offset_of!(SgIoHdr, pack_id) == 48);
    assert!(offset_of!(SgIoHdr, usr_ptr) == 56);
    assert!(offset_of!(SgIoHdr, status) == 64);
    assert!(offset_of!(SgIoHdr, masked_status) == 65);
    assert!(offset_of!(SgIoHdr, msg_status) == 66);
    assert!(offset_of!(SgIoHdr, sb_len_wr) == 67);
    assert!(offset_of!(SgIoHdr, host_status) == 68);
    assert!(offset_of!(SgIoHdr, driver_status) == 70);
    assert!(offset_of!(SgIoHdr, resid) == 72);
    assert!(offset_of!(SgIoHdr, duration) == 76);
    assert!(offset_of!(SgIoHdr, info) == 80);
};

#[cfg(target_pointer_width = "32")]
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<SgIoHdr>() == 64);
    assert!(offset_of!(SgIoHdr, interface_id) == 0);
    assert!(offset_of!(SgIoHdr, dxfer_direction) == 4);
    assert!(offset_of!(SgIoHdr, cmd_len) == 8);
    assert!(offset_of!(SgIoHdr, mx_sb_len) == 9);
    assert!(offset_of!(SgIoHdr, iovec_count) == 10);
    assert!(offset_of!(SgIoHdr, dxfer_len) == 12);
    assert!(offset_of!(SgIoHdr, dxferp) == 16);
    assert!(offset_of!(SgIoHdr, cmdp) == 20);
    assert!(offset_of!(SgIoHdr, sbp) == 24);
    assert!(offset_of!(SgIoHdr, timeout) == 28);
    assert!(offset_of!(SgIoHdr, flags) == 32);
    assert!(offset_of!(SgIoHdr, pack_id) == 36);
    assert!(offset_of!(SgIoHdr, usr_ptr) == 40);
    assert!(offset_of!(SgIoHdr, status) == 44);
    assert!(offset_of!(SgIoHdr, masked_status) == 45);
    assert!(offset_of!(SgIoHdr, msg_status) == 46);
    assert!(offset_of!(SgIoHdr, sb_len_wr) == 47);
    assert!(offset_of!(SgIoHdr, host_status) == 48);
    assert!(offset_of!(SgIoHdr, driver_status) == 50);
    assert!(offset_of!(SgIoHdr, resid) == 52);
    assert!(offset_of!(SgIoHdr, duration) == 56);
    assert!(offset_of!(SgIoHdr, info) == 60);
};

// SENSE_MAX must fit `mx_sb_len` (an unsigned char).
const _: () = assert!(SENSE_MAX <= u8::MAX as usize);

/// One SG_IO request. Invariant: the only constructor is [`SgIoRequest::new`],
/// which points `cmdp`, `dxferp` and `sbp` at buffers borrowed for `'a`, with
/// `cmd_len`, `dxfer_len` and `mx_sb_len` equal to their lengths and
/// `dxfer_direction` matching the borrow (`TO_DEV` only for shared borrows).
struct SgIoRequest<'a> {
    hdr: SgIoHdr,
    _buffers: PhantomData<&'a mut [u8]>,
}

/// Output fields of a completed request.
#[derive(Clone, Copy, Debug)]
struct SgIoOutcome {
    status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: i32,
    duration_ms: u32,
}

impl<'a> SgIoRequest<'a> {
    fn new(
        cdb: &'a [u8],
        data: &'a mut DataPhase<'_>,
        sense: &'a mut [u8; SENSE_MAX],
        timeout_ms: u32,
    ) -> std::result::Result<Self, TransportError> {
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(TransportError::Invalid(format!(
                "CDB of {} bytes (SG_IO takes 1 to 16)",
                cdb.len()
            )));
        }
        let len = data.len();
        let dxfer_len = c_uint::try_from(len).map_err(|_| TransportError::TooLarge(len))?;
        let (direction, dxferp): (c_int, *mut c_void) = match data {
            _ if len == 0 => (SG_DXFER_NONE, std::ptr::null_mut()),
            DataPhase::None => (SG_DXFER_NONE, std::ptr::null_mut()),
            DataPhase::In(buf) => (SG_DXFER_FROM_DEV, buf.as_mut_ptr().cast()),
            // The kernel only reads a TO_DEV buffer; the C field is not const.
            DataPhase::Out(buf) => (SG_DXFER_TO_DEV, buf.as_ptr().cast_mut().cast()),
        };
        Ok(SgIoRequest {
            hdr: SgIoHdr {
                interface_id: SG_INTERFACE_ID,
                dxfer_direction: direction,
                cmd_len: cdb.len() as c_uchar,
                mx_sb_len: SENSE_MAX as c_uchar,
                iovec_count: 0,
                dxfer_len: if direction == SG_DXFER_NONE {
                    0
                } else {
                    dxfer_len
                },
                dxferp,
                cmdp: cdb.as_ptr(),
                sbp: sense.as_mut_ptr(),
                timeout: timeout_ms,
                flags: 0,
                pack_id: 0,
                usr_ptr: std::ptr::null_mut(),
                status: 0,
                masked_status: 0,
                msg_status: 0,
                sb_len_wr: 0,
                host_status: 0,
                driver_status: 0,
                resid: 0,
                duration: 0,
                info: 0,
            },
            _buffers: PhantomData,
        })
    }

    fn outcome(&self) -> SgIoOutcome {
        SgIoOutcome {
            status: self.hdr.status,
            sb_len_wr: self.hdr.sb_len_wr,
            host_status: self.hdr.host_status,
            driver_status: self.hdr.driver_status,
            resid: self.hdr.resid,
            duration_ms: self.hdr.duration,
        }
    }
}

/// The two ioctls this module issues.
enum SgIoctl<'r, 'a> {
    /// `SG_IO` with a request whose buffers live for `'a`.
    Io(&'r mut SgIoRequest<'a>),
    /// `SG_GET_VERSION_NUM`, writing an `int`.
    GetVersion(&'r mut c_int),
}

/// Issues one sg ioctl on `fd`.
#[allow(unsafe_code)]
fn sg_ioctl(fd: BorrowedFd<'_>, op: SgIoctl<'_, '_>) -> std::result::Result<(), Errno> {
    let (request, arg): (libc::Ioctl, *mut c_void) = match op {
        SgIoctl::Io(req) => (SG_IO, std::ptr::from_mut(&mut req.hdr).cast()),
        SgIoctl::GetVersion(v) => (SG_GET_VERSION_NUM, std::ptr::from_mut(v).cast()),
    };
    // SAFETY: `fd` is an open descriptor borrowed for the call. For SG_GET_VERSION_NUM
    // `arg` points to a live, exclusively borrowed `c_int` the kernel writes.
    // For SG_IO `arg` points to an exclusively borrowed `SgIoHdr` whose layout
    // matches `struct sg_io_hdr` (size/offset assertions above) and which was
    // built by `SgIoRequest::new`: `cmdp`, `dxferp` and `sbp` point to buffers
    // borrowed for the request's lifetime `'a`, which outlives this call, with
    // lengths `cmd_len`, `dxfer_len` and `mx_sb_len`; the kernel writes only
    // the sense buffer, the header and, for SG_DXFER_FROM_DEV, the mutably
    // borrowed data buffer, and keeps no pointer after SG_IO returns (SG_IO is
    // synchronous).
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request, arg) };
    Errno::result(rc).map(drop)
}

/// Maps an `ioctl(SG_IO)` errno (`sense-and-retries.md` §2).
fn map_ioctl_errno(errno: Errno, data_len: usize) -> TransportError {
    match errno {
        Errno::EPERM | Errno::EACCES => TransportError::PermissionDenied,
        Errno::EBUSY | Errno::ENODEV | Errno::ENXIO => TransportError::DriveLost,
        Errno::ENOMEM | Errno::EINVAL if data_len > 0 => TransportError::TooLarge(data_len),
        other => TransportError::Io(io::Error::from_raw_os_error(other as i32)),
    }
}

/// Maps `host_status` / `driver_status` of a completed SG_IO
/// (`sense-and-retries.md` §2). `Ok(())` when both report success; then the
/// SCSI status and sense decide.
fn map_host_driver(
    host: u16,
    driver_status: u16,
    timeout: Duration,
) -> std::result::Result<(), TransportError> {
    let drv = driver_status & driver::MASK;
    if host == did::TIME_OUT || drv == driver::TIMEOUT {
        return Err(TransportError::Timeout(timeout));
    }
    match host {
        did::OK if drv == 0 => Ok(()),
        did::NO_CONNECT | did::BAD_TARGET | did::TRANSPORT_FAILFAST => {
            Err(TransportError::DriveLost)
        }
        // DID_BUS_BUSY, DID_RESET, DID_SOFT_ERROR are the documented transient
        // ones; other host or driver codes (abort, parity, requeue, …) are
        // treated alike: retried for non-write commands, fatal for WRITE.
        _ => Err(TransportError::Transient {
            host,
            driver: driver_status,
        }),
    }
}

/// How [`SgIo::open_with`] opens a device.
#[derive(Clone, Debug)]
pub struct SgOpenOptions {
    /// Add `O_EXCL`: Linux exclusive open, keeping automounters, udev probes
    /// and other burners off the drive (libburn does this for burns). The
    /// drive's other device nodes are opened with `O_EXCL` too and held
    /// while the device is open.
    pub exclusive: bool,
    /// How many more times an open failing with EBUSY is retried (libburn: 3).
    pub busy_retries: u32,
    /// Pause between EBUSY retries (libburn: 2 s).
    pub busy_delay: Duration,
}

impl Default for SgOpenOptions {
    fn default() -> Self {
        SgOpenOptions {
            exclusive: false,
            busy_retries: 3,
            busy_delay: Duration::from_secs(2),
        }
    }
}

/// A Linux SG_IO device: `/dev/srN`, `/dev/sgN`, `/dev/scdN`, or any node
/// whose driver implements SG_IO.
#[derive(Debug)]
pub struct SgIo {
    file: File,
    path: PathBuf,
    version: i32,
    /// Other nodes of the drive, held with `O_EXCL` (exclusive opens).
    siblings: Vec<HeldNode>,
}

impl SgIo {
    /// Opens `path` read-write and non-blocking, with `O_EXCL` (on it and
    /// the drive's other nodes) when `exclusive`; EBUSY is retried 3 more
    /// times, 2 s apart.
    pub fn open(path: impl AsRef<Path>, exclusive: bool) -> Result<SgIo> {
        SgIo::open_with(
            path,
            &SgOpenOptions {
                exclusive,
                ..SgOpenOptions::default()
            },
        )
    }

    /// Opens with explicit options. Errors are [`Error::Open`] with kind
    /// `NotFound`, `PermissionDenied` (EACCES, EPERM, EROFS), `Busy` (EBUSY
    /// after the retries), `Mounted` (EBUSY with the medium mounted, at
    /// once), `NotScsi` (not a device node, or the driver does not answer
    /// SG_GET_VERSION_NUM) or `Io`.
    ///
    /// An exclusive open then refuses a drive whose medium is mounted
    /// (`Mounted`, also when `path` is the sg node, which the mount does not
    /// keep busy) and opens the drive's other nodes with `O_EXCL`, the same
    /// EBUSY retries and no commands: `/dev/sgN` for `/dev/srN`, `/dev/srN`
    /// for `/dev/sgN`. One that stays busy is `SiblingBusy` (or `Mounted`);
    /// one the user may not open, or that is missing, is skipped with a log
    /// message (info level): the burn goes on, only less protected.
    pub fn open_with(path: impl AsRef<Path>, opts: &SgOpenOptions) -> Result<SgIo> {
        let path = path.as_ref();
        let fail = |kind| Error::Open {
            path: path.to_path_buf(),
            kind,
        };

        // Refuse regular files, directories, FIFOs and sockets before opening
        // anything: only device nodes can answer SG_IO.
        let meta = std::fs::metadata(path).map_err(|e| fail(open_error_kind(e)))?;
        if !is_device(&meta) {
            return Err(fail(OpenErrorKind::NotScsi));
        }

        let file = match open_node(path, true, opts) {
            Ok(f) => f,
            Err(NodeOpenError::Mounted(mp)) => return Err(fail(OpenErrorKind::Mounted(mp))),
            Err(NodeOpenError::Busy) => return Err(fail(OpenErrorKind::Busy)),
            Err(NodeOpenError::Os(e)) => return Err(fail(open_error_kind(e))),
        };

        // The node may have been replaced between stat and open.
        let meta = file.metadata().map_err(|e| fail(OpenErrorKind::Io(e)))?;
        if !is_device(&meta) {
            return Err(fail(OpenErrorKind::NotScsi));
        }

        let mut version: c_int = 0;
        match sg_ioctl(file.as_fd(), SgIoctl::GetVersion(&mut version)) {
            Ok(()) => {}
            Err(Errno::ENOTTY | Errno::EINVAL | Errno::ENOSYS) => {
                return Err(fail(OpenErrorKind::NotScsi));
            }
            Err(e) => {
                return Err(fail(OpenErrorKind::Io(io::Error::from_raw_os_error(
                    e as i32,
                ))));
            }
        }
        log::debug!(
            "{}: opened (sg driver interface version {version}, exclusive: {})",
            path.display(),
            opts.exclusive
        );
        let number = DeviceNumber::of(&meta);
        let siblings = if opts.exclusive {
            // The sg driver knows nothing of mounts: an exclusive open of
            // /dev/sgN succeeds while the disc in /dev/srN is mounted. (The
            // block layer refuses O_EXCL on a mounted /dev/srN: EBUSY.)
            if number.is_some_and(|n| n.node_type == NodeType::Char)
                && let Some(mp) = mount_points_of(path, number).into_iter().next()
            {
                return Err(fail(OpenErrorKind::Mounted(mp)));
            }
            hold_siblings(path, number, opts)?
        } else {
            Vec::new()
        };
        Ok(SgIo {
            file,
            path: path.to_path_buf(),
            version,
            siblings,
        })
    }

    /// The path this device was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sg interface version the kernel reported (e.g. 30536 = 3.5.36).
    pub fn sg_version(&self) -> i32 {
        self.version
    }

    /// The other nodes of the same drive held open with `O_EXCL` for as
    /// long as this device is open (exclusive opens only; see
    /// [`SgIo::open_with`]).
    pub fn held_siblings(&self) -> impl Iterator<Item = &Path> {
        self.siblings.iter().map(|h| h.path.as_path())
    }
}

/// Why [`open_node`] failed.
enum NodeOpenError {
    /// EBUSY, and the medium is mounted there.
    Mounted(PathBuf),
    /// EBUSY on every attempt, with the medium not mounted.
    Busy,
    /// Any other error.
    Os(io::Error),
}

/// Opens a device node `O_NONBLOCK` (read-write when `read_write`), with
/// `O_EXCL` when `opts.exclusive`; EBUSY is retried `opts.busy_retries`
/// times `opts.busy_delay` apart unless the medium is mounted (looked up
/// after each EBUSY: the mount may come while we wait, e.g. an automounter
/// after the disc was inserted).
fn open_node(
    path: &Path,
    read_write: bool,
    opts: &SgOpenOptions,
) -> std::result::Result<File, NodeOpenError> {
    let mut flags = libc::O_NONBLOCK;
    if opts.exclusive {
        flags |= libc::O_EXCL;
    }
    let mut attempt = 0;
    loop {
        match OpenOptions::new()
            .read(true)
            .write(read_write)
            .custom_flags(flags)
            .open(path)
        {
            Ok(f) => return Ok(f),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                // A mounted medium stays busy: report it at once.
                if let Some(mp) = mount_points(path).into_iter().next() {
                    return Err(NodeOpenError::Mounted(mp));
                }
                if attempt >= opts.busy_retries {
                    return Err(NodeOpenError::Busy);
                }
                attempt += 1;
                log::debug!(
                    "{}: busy, retrying open ({attempt}/{}) in {:?}",
                    path.display(),
                    opts.busy_retries,
                    opts.busy_delay
                );
                std::thread::sleep(opts.busy_delay);
            }
            Err(e) => return Err(NodeOpenError::Os(e)),
        }
    }
}

/// Another node of the drive, open with `O_EXCL` only to keep other
/// programs off the drive; no command is sent through it.
#[derive(Debug)]
struct HeldNode {
    path: PathBuf,
    _file: File,
}

/// Opens every other node of the drive at `drive` (number `own`) with
/// `O_EXCL` ([`crate::discovery::sibling_nodes`]): `/dev/sgN` for
/// `/dev/srN` and the reverse, as libburn does (`mmc-recipes.md` §1).
/// Without it another burner could reach the drive through the other node
/// in the middle of a burn: the exclusive open of one node does not
/// exclude opens of the other (the block layer's claim and the sg driver's
/// exclusive flag are separate).
///
/// A busy sibling is an error ([`OpenErrorKind::SiblingBusy`], or
/// [`OpenErrorKind::Mounted`]); one that cannot be opened for lack of
/// permission (the user may be allowed only one of the nodes), is missing
/// or is not the drive's is skipped with a log message. Nodes with a
/// device number already held (the drive's own node, `/dev/scdN` aliases of
/// `/dev/srN`) are not opened again: the kernel's exclusive claim is per
/// device, and a second exclusive open would fail against our own.
fn hold_siblings(
    drive: &Path,
    own: Option<DeviceNumber>,
    opts: &SgOpenOptions,
) -> Result<Vec<HeldNode>> {
    let mut numbers: Vec<DeviceNumber> = own.into_iter().collect();
    let mut held = Vec::new();
    for sibling in sibling_nodes_of(drive, own) {
        if numbers.contains(&sibling.number) {
            log::debug!(
                "{}: {} is already held (through {} or another alias)",
                sibling.path.display(),
                sibling.number,
                drive.display()
            );
            continue;
        }
        if let Some(file) = hold_sibling(drive, &sibling, opts)? {
            numbers.push(sibling.number);
            held.push(HeldNode {
                path: sibling.path,
                _file: file,
            });
        }
    }
    Ok(held)
}

/// Opens one sibling of `drive` exclusively; `Ok(None)` when it is skipped.
fn hold_sibling(drive: &Path, sibling: &SiblingNode, opts: &SgOpenOptions) -> Result<Option<File>> {
    let path = &sibling.path;
    let same = format!("{} (the same drive as {})", path.display(), drive.display());
    let is_drives = |meta: &std::fs::Metadata| DeviceNumber::of(meta) == Some(sibling.number);
    match std::fs::metadata(path) {
        Ok(meta) if is_drives(&meta) => {}
        Ok(_) => {
            log::warn!(
                "{}: not {} of the drive {}; not held",
                path.display(),
                sibling.number,
                drive.display()
            );
            return Ok(None);
        }
        Err(e) => {
            log::debug!("{same}: not held: {e}");
            return Ok(None);
        }
    }
    // The sg driver refuses O_EXCL on a read-only open (EPERM); the block
    // layer's claim needs no write access, so a block node is opened
    // read-only, asking for the least permission.
    let read_write = sibling.number.node_type == NodeType::Char;
    let busy = |kind| Error::Open {
        path: drive.to_path_buf(),
        kind,
    };
    match open_node(path, read_write, opts) {
        Ok(file) => {
            // The node may have been replaced between stat and open.
            if !file.metadata().is_ok_and(|m| is_drives(&m)) {
                log::warn!("{same}: changed while being opened; not held");
                return Ok(None);
            }
            log::info!("{same}: held exclusively too");
            Ok(Some(file))
        }
        Err(NodeOpenError::Mounted(mp)) => Err(busy(OpenErrorKind::Mounted(mp))),
        Err(NodeOpenError::Busy) => Err(busy(OpenErrorKind::SiblingBusy {
            sibling: path.clone(),
            drive: drive.to_path_buf(),
        })),
        Err(NodeOpenError::Os(e)) => match e.raw_os_error() {
            Some(libc::EACCES | libc::EPERM | libc::EROFS) => {
                log::info!(
                    "{same}: not held exclusively ({e}): other programs can still reach \
                     the drive through it"
                );
                Ok(None)
            }
            _ => {
                log::warn!("{same}: not held exclusively: {e}");
                Ok(None)
            }
        },
    }
}

impl Transport for SgIo {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataPhase<'_>,
        timeout: Duration,
    ) -> std::result::Result<Completion, TransportError> {
        let data_len = data.len();
        // Never ask for "no timeout" (UINT_MAX): clamp just below it.
        let timeout_ms = u32::try_from(timeout.as_millis())
            .unwrap_or(u32::MAX - 1)
            .min(u32::MAX - 1);
        let mut sense = [0u8; SENSE_MAX];
        let outcome = {
            let mut req = SgIoRequest::new(cdb, &mut data, &mut sense, timeout_ms)?;
            sg_ioctl(self.file.as_fd(), SgIoctl::Io(&mut req))
                .map_err(|e| map_ioctl_errno(e, data_len))?;
            req.outcome()
        };
        log::trace!(
            "SG_IO {}: status {:02x} host {:#x} driver {:#x} sense {} resid {} in {} ms",
            self.path.display(),
            outcome.status,
            outcome.host_status,
            outcome.driver_status,
            outcome.sb_len_wr,
            outcome.resid,
            outcome.duration_ms
        );
        map_host_driver(outcome.host_status, outcome.driver_status, timeout)?;
        let sense_len = (outcome.sb_len_wr as usize).min(SENSE_MAX);
        let residual = usize::try_from(outcome.resid).unwrap_or(0).min(data_len);
        Ok(Completion {
            status: Status(outcome.status),
            sense: SenseBuf::new(&sense[..sense_len]),
            residual,
        })
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

fn is_device(meta: &std::fs::Metadata) -> bool {
    let ft = meta.file_type();
    ft.is_char_device() || ft.is_block_device()
}

/// Maps an open/stat error other than EBUSY (which [`open_node`] reports as
/// busy or mounted) to [`OpenErrorKind`].
fn open_error_kind(e: io::Error) -> OpenErrorKind {
    match e.raw_os_error() {
        Some(libc::ENOENT | libc::ENXIO | libc::ENODEV | libc::ENOTDIR) => OpenErrorKind::NotFound,
        Some(libc::EACCES | libc::EPERM | libc::EROFS) => OpenErrorKind::PermissionDenied,
        _ => OpenErrorKind::Io(e),
    }
}

/// Where the medium of device node `dev` is mounted, from
/// `/proc/self/mountinfo`. For an sg node the block siblings (`/dev/srN`)
/// are found through sysfs ([`crate::discovery::sibling_nodes`]). Empty
/// when not mounted or unknown.
pub fn mount_points(dev: &Path) -> Vec<PathBuf> {
    match std::fs::metadata(dev) {
        Ok(meta) => mount_points_of(dev, DeviceNumber::of(&meta)),
        Err(_) => Vec::new(),
    }
}

/// [`mount_points`] of `dev` with device number `number`.
fn mount_points_of(dev: &Path, number: Option<DeviceNumber>) -> Vec<PathBuf> {
    let blocks: Vec<DeviceNumber> = match number {
        Some(n) if n.node_type == NodeType::Block => vec![n],
        Some(n) => sibling_nodes_of(dev, Some(n))
            .into_iter()
            .map(|s| s.number)
            .filter(|s| s.node_type == NodeType::Block)
            .collect(),
        None => Vec::new(),
    };
    match std::fs::read_to_string("/proc/self/mountinfo") {
        Ok(text) => mount_points_in(&text, &blocks, dev),
        Err(_) => Vec::new(),
    }
}

/// Mount points in `mountinfo` text (proc(5) format) whose device is one of
/// the block devices `blocks` or whose mount source is `dev`.
fn mount_points_in(mountinfo: &str, blocks: &[DeviceNumber], dev: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(id), Some(mount_point)) = (fields.get(2), fields.get(4)) else {
            continue;
        };
        // The mount source follows the " - fstype" separator.
        let source = fields
            .iter()
            .position(|f| *f == "-")
            .and_then(|i| fields.get(i + 2))
            .map(|s| unescape_mountinfo(s));
        let by_id = DeviceNumber::parse(NodeType::Block, id).is_some_and(|id| blocks.contains(&id));
        let by_source = source.is_some_and(|s| Path::new(&s) == dev);
        if by_id || by_source {
            out.push(PathBuf::from(unescape_mountinfo(mount_point)));
        }
    }
    out
}

/// Undoes the octal escapes (`\040` for space, `\011`, `\012`, `\134`) of
/// `/proc/self/mountinfo`.
fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && let Some(oct) = b.get(i + 1..i + 4)
            && oct.iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = oct.iter().fold(0u32, |acc, c| acc * 8 + (c - b'0') as u32);
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_driver_status_per_table_2() {
        let t = Duration::from_secs(30);
        assert!(map_host_driver(0, 0, t).is_ok());
        // DRIVER_SENSE alone is not an error: it only flags sense data.
        assert!(map_host_driver(0, 0x08, t).is_ok());
        assert!(matches!(
            map_host_driver(did::TIME_OUT, 0, t),
            Err(TransportError::Timeout(d)) if d == t
        ));
        assert!(matches!(
            map_host_driver(0, 0x06, t),
            Err(TransportError::Timeout(_))
        ));
        for lost in [1, 4] {
            assert!(matches!(
                map_host_driver(lost, 0, t),
                Err(TransportError::DriveLost)
            ));
        }
        for transient in [2, 8, 11] {
            assert!(matches!(
                map_host_driver(transient, 0, t),
                Err(TransportError::Transient { host, .. }) if host == transient
            ));
        }
        assert!(matches!(
            map_host_driver(0, 0x02, t),
            Err(TransportError::Transient { .. })
        ));
    }

    #[test]
    fn ioctl_errno_per_table_2() {
        assert!(matches!(
            map_ioctl_errno(Errno::EPERM, 0),
            TransportError::PermissionDenied
        ));
        for e in [Errno::EBUSY, Errno::ENODEV, Errno::ENXIO] {
            assert!(matches!(
                map_ioctl_errno(e, 2048),
                TransportError::DriveLost
            ));
        }
        assert!(matches!(
            map_ioctl_errno(Errno::ENOMEM, 1 << 20),
            TransportError::TooLarge(n) if n == 1 << 20
        ));
        assert!(matches!(
            map_ioctl_errno(Errno::EINVAL, 65536),
            TransportError::TooLarge(_)
        ));
        assert!(matches!(
            map_ioctl_errno(Errno::EINVAL, 0),
            TransportError::Io(_)
        ));
        assert!(matches!(
            map_ioctl_errno(Errno::EIO, 0),
            TransportError::Io(_)
        ));
    }

    #[test]
    fn request_header_fields() {
        let mut sense = [0u8; SENSE_MAX];
        let header = |cdb: &[u8], mut data: DataPhase<'_>, sense: &mut [u8; SENSE_MAX]| {
            let req = SgIoRequest::new(cdb, &mut data, sense, 30_000)?;
            let h = &req.hdr;
            Ok::<_, TransportError>((
                h.interface_id,
                h.dxfer_direction,
                h.cmd_len,
                h.mx_sb_len as usize,
                h.dxfer_len,
                h.timeout,
                h.dxferp.is_null(),
            ))
        };
        let mut buf = [0u8; 36];
        assert_eq!(
            header(&[0x12, 0, 0, 0, 36, 0], DataPhase::In(&mut buf), &mut sense).unwrap(),
            (
                b'S' as c_int,
                SG_DXFER_FROM_DEV,
                6,
                SENSE_MAX,
                36,
                30_000,
                false
            )
        );
        let out = [0u8; 2048];
        assert_eq!(
            header(&[0x2A; 10], DataPhase::Out(&out), &mut sense).unwrap(),
            (
                b'S' as c_int,
                SG_DXFER_TO_DEV,
                10,
                SENSE_MAX,
                2048,
                30_000,
                false
            )
        );
        assert_eq!(
            header(&[0; 6], DataPhase::None, &mut sense).unwrap(),
            (b'S' as c_int, SG_DXFER_NONE, 6, SENSE_MAX, 0, 30_000, true)
        );
        // An empty data-in buffer is no data phase at all.
        assert_eq!(
            header(&[0; 6], DataPhase::In(&mut []), &mut sense)
                .unwrap()
                .1,
            SG_DXFER_NONE
        );
        assert!(matches!(
            header(&[0; 17], DataPhase::None, &mut sense),
            Err(TransportError::Invalid(_))
        ));
        assert!(matches!(
            header(&[], DataPhase::None, &mut sense),
            Err(TransportError::Invalid(_))
        ));
    }

    #[test]
    fn busy_sibling_names_both_nodes() {
        let e = Error::Open {
            path: PathBuf::from("/dev/sr3"),
            kind: OpenErrorKind::SiblingBusy {
                sibling: PathBuf::from("/dev/sg3"),
                drive: PathBuf::from("/dev/sr3"),
            },
        };
        assert_eq!(
            e.to_string(),
            "cannot open /dev/sr3: /dev/sg3 (the same drive as /dev/sr3) is in use by another program"
        );
    }

    #[test]
    fn mountinfo_matching() {
        let text = "\
36 27 11:0 / /media/user/MY\\040DISC ro,nosuid - iso9660 /dev/sr0 ro\n\
37 27 8:1 / /boot rw - ext4 /dev/sda1 rw\n\
38 27 0:45 / /mnt/x rw shared:1 - fuse /dev/sr1 rw\n\
garbage\n";
        let block = |major, minor| DeviceNumber {
            node_type: NodeType::Block,
            major,
            minor,
        };
        assert_eq!(
            mount_points_in(text, &[block(11, 0)], Path::new("/dev/sg3")),
            vec![PathBuf::from("/media/user/MY DISC")]
        );
        // By source path when the device numbers are unknown.
        assert_eq!(
            mount_points_in(text, &[], Path::new("/dev/sr1")),
            vec![PathBuf::from("/mnt/x")]
        );
        assert!(mount_points_in(text, &[block(11, 2)], Path::new("/dev/sr2")).is_empty());
        // A character device with the same numbers is not the mount's.
        let sg = DeviceNumber {
            node_type: NodeType::Char,
            ..block(11, 0)
        };
        assert!(mount_points_in(text, &[sg], Path::new("/dev/sg3")).is_empty());
        assert_eq!(unescape_mountinfo("a\\011b\\134c\\9"), "a\tb\\c\\9");
    }
}
