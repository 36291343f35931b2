//! Opening a drive by its [`Address`]: SG_IO device nodes, `mmc:` nodes,
//! `stdio:` files and pipes, and the emulated recorder, behind one boxed
//! [`Transport`] with the [`Drive`] retry policy on top.

use crate::address::Address;
use crate::drive::{Drive, Timing};
use crate::emul::{EmulOptions, Emulator};
use crate::error::{Error, OpenErrorKind, Result};
use crate::stdio::StdioDrive;
use crate::trace::Tracer;
use crate::transport::Transport;

/// How [`open`] opens a drive. The default is a shared open with the
/// documented timing.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Exclusive open (`O_EXCL` on device nodes, `mmc-recipes.md` §1):
    /// for burns, keeps automounters and other programs off the drive. On
    /// SG_IO drives it covers all the drive's nodes (`/dev/srN` and
    /// `/dev/sgN`, whichever was named) and refuses a mounted medium; see
    /// [`crate::sgio::SgIo::open_with`]. `stdio:` image files and the
    /// emulated recorder's file are locked whether or not this is set.
    pub exclusive: bool,
    /// `stdio:` only: create a missing image file (the operation writes).
    pub create: bool,
    /// Log every command through [`Tracer`] (target `mmc::trace`).
    pub trace: bool,
    /// Delays and limits of the retry policy.
    pub timing: Timing,
    /// `emul:` only: options of the emulated recorder.
    pub emul: EmulOptions,
}

/// A drive as [`open`] returns it.
pub type BoxedDrive = Drive<Box<dyn Transport + Send>>;

/// Opens the drive at `address`:
///
/// * `/dev/srN`, `/dev/sgN`, … → SG_IO ([`crate::sgio::SgIo`]); INQUIRY
///   must report peripheral device type 05h (MMC), else
///   [`OpenErrorKind::NotMmc`].
/// * `mmc:PATH` → SG_IO on any node that answers it. The prefix says the
///   user knows the node is an MMC drive (xorriso's `mmc:`; e.g. a host
///   recorder passed to a QEMU guest as `/dev/vda`, which is not named
///   like a CD drive): another device type is accepted with a warning.
/// * `stdio:PATH` → [`StdioDrive`], created when `create` is set.
/// * `emul:MEDIA:PATH` → [`Emulator`] with `options.emul`.
///
/// With `trace` the transport is wrapped in a [`Tracer`].
pub fn open(address: &Address, options: &OpenOptions) -> Result<BoxedDrive> {
    let transport: Box<dyn Transport + Send> = match address {
        Address::Device(path) | Address::Mmc(path) => open_sg(address, path, options)?,
        Address::Stdio(path) => Box::new(StdioDrive::open(path, options.create)?),
        Address::Emul { media, path } => {
            Box::new(Emulator::open_with(*media, path, options.emul.clone())?)
        }
    };
    let transport: Box<dyn Transport + Send> = if options.trace {
        Box::new(Tracer::new(transport))
    } else {
        transport
    };
    Ok(Drive::with_timing(transport, options.timing))
}

#[cfg(target_os = "linux")]
fn open_sg(
    address: &Address,
    path: &std::path::Path,
    options: &OpenOptions,
) -> Result<Box<dyn Transport + Send>> {
    let dev = crate::sgio::SgIo::open(path, options.exclusive)?;
    let mut probe = Drive::with_timing(dev, options.timing);
    let inq = probe.inquiry()?;
    if !inq.is_mmc() {
        if matches!(address, Address::Mmc(_)) {
            log::warn!(
                "{}: SCSI peripheral device type {:#04x} (qualifier {}) is not an MMC drive; \
                 using it anyway as `mmc:` asks",
                path.display(),
                inq.peripheral_type,
                inq.peripheral_qualifier
            );
        } else {
            return Err(Error::Open {
                path: path.to_path_buf(),
                kind: OpenErrorKind::NotMmc(inq.peripheral_type),
            });
        }
    }
    Ok(Box::new(probe.into_transport()))
}

#[cfg(not(target_os = "linux"))]
fn open_sg(
    _address: &Address,
    path: &std::path::Path,
    _options: &OpenOptions,
) -> Result<Box<dyn Transport + Send>> {
    Err(Error::Open {
        path: path.to_path_buf(),
        kind: OpenErrorKind::NotScsi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_emulator_and_stdio() {
        let dir = tempfile::tempdir().unwrap();
        let a = Address::parse(&format!("emul:bd-re:{}", dir.path().join("d").display())).unwrap();
        let mut d = open(&a, &OpenOptions::default()).unwrap();
        assert!(d.inquiry().unwrap().is_mmc());
        assert_eq!(d.current_profile().unwrap().profile, crate::Profile::BD_RE);

        let f = dir.path().join("img.iso");
        let a = Address::parse(&format!("stdio:{}", f.display())).unwrap();
        let e = open(&a, &OpenOptions::default()).unwrap_err();
        assert!(matches!(
            e,
            Error::Open {
                kind: OpenErrorKind::NotFound,
                ..
            }
        ));
        let opts = OpenOptions {
            create: true,
            trace: true,
            ..OpenOptions::default()
        };
        let mut d = open(&a, &opts).unwrap();
        assert_eq!(d.current_profile().unwrap().profile, crate::Profile::STDIO);
        assert!(d.describe().starts_with("stdio:"));
    }

    #[test]
    fn a_regular_file_is_not_a_scsi_device() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x");
        std::fs::write(&f, b"x").unwrap();
        let a = Address::Mmc(f);
        assert!(matches!(
            open(&a, &OpenOptions::default()),
            Err(Error::Open {
                kind: OpenErrorKind::NotScsi,
                ..
            })
        ));
    }
}
