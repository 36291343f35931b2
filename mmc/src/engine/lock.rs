//! The tray lock held while writing, blanking or formatting.
//!
//! PREVENT ALLOW MEDIUM REMOVAL with Prevent = 1 when the guard is taken,
//! Prevent = 0 when it is dropped — on success, error and cancellation
//! paths alike (`mmc-recipes.md` §10; `sense-and-retries.md` §5.1). The
//! exclusive open itself (`O_EXCL`) lives in [`crate::sgio`].

use std::ops::{Deref, DerefMut};

use crate::cmd::PreventAllowMediumRemoval;
use crate::drive::{Cancel, Drive};
use crate::transport::Transport;

/// A drive whose tray is locked; derefs to the [`Drive`].
pub struct Locked<'a, T: Transport> {
    drive: &'a mut Drive<T>,
    locked: bool,
}

impl<T: Transport> std::fmt::Debug for Locked<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locked")
            .field("drive", &self.drive.describe())
            .field("locked", &self.locked)
            .finish()
    }
}

impl<'a, T: Transport> Locked<'a, T> {
    /// Sends PREVENT MEDIUM REMOVAL. A drive that refuses it (no lock
    /// mechanism, image files) is used unlocked; the refusal is logged.
    /// Transport failures are errors.
    pub fn new(drive: &'a mut Drive<T>) -> crate::Result<Locked<'a, T>> {
        let locked = match drive.run(&PreventAllowMediumRemoval::prevent()) {
            Ok(_) => true,
            Err(e @ crate::Error::Sense { .. }) => {
                log::debug!("{}: tray not locked: {e}", drive.describe());
                false
            }
            Err(e) => return Err(e),
        };
        Ok(Locked { drive, locked })
    }

    /// True when PREVENT was accepted.
    pub fn is_locked(&self) -> bool {
        self.locked
    }
}

/// Sends ALLOW MEDIUM REMOVAL ignoring any cancellation request and
/// logging (not returning) failures.
pub(crate) fn allow<T: Transport>(drive: &mut Drive<T>) {
    let saved = drive.replace_cancel(Cancel::new());
    if let Err(e) = drive.run(&PreventAllowMediumRemoval::allow()) {
        log::warn!(
            "{}: could not unlock the tray (ALLOW MEDIUM REMOVAL failed: {e}); \
             `sg_prevent --allow` or `eject -i off` releases it",
            drive.describe()
        );
    }
    drive.replace_cancel(saved);
}

impl<T: Transport> Drop for Locked<'_, T> {
    fn drop(&mut self) {
        if self.locked {
            allow(self.drive);
        }
    }
}

impl<T: Transport> Deref for Locked<'_, T> {
    type Target = Drive<T>;
    fn deref(&self) -> &Drive<T> {
        self.drive
    }
}

impl<T: Transport> DerefMut for Locked<'_, T> {
    fn deref_mut(&mut self) -> &mut Drive<T> {
        self.drive
    }
}
