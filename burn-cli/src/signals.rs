//! Ctrl-C, SIGTERM and SIGHUP.
//!
//! While an operation that can stop cleanly runs (see [`graceful`]), the
//! first signal sets the cancellation token: the operation stops at its
//! next safe point (between SCSI commands, between image chunks), leaves
//! the drive consistent and the command exits with 130. A second signal —
//! or the first one outside such an operation — exits with 130 at once,
//! after removing the partial files registered with [`remove_on_exit`].
//!
//! Signals are received on a thread of their own (signal-hook's iterator),
//! so the handling code is ordinary Rust, not a signal handler.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use mmc::drive::Cancel;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

static GRACEFUL: AtomicBool = AtomicBool::new(false);
static PARTIAL_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Starts the signal thread. `cancel` is the token long operations check.
pub fn install(cancel: Cancel) {
    let mut signals = match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(s) => s,
        Err(e) => {
            log::warn!("cannot handle Ctrl-C: {e}");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for _ in signals.forever() {
                if GRACEFUL.load(Ordering::SeqCst) && !cancel.is_cancelled() {
                    cancel.cancel();
                    crate::progress::suspend(|| {
                        eprintln!(
                            "burn: stopping at the next safe point; press Ctrl-C again to quit at once"
                        );
                    });
                } else {
                    remove_partial_files();
                    std::process::exit(i32::from(crate::exit::code::INTERRUPTED));
                }
            }
        });
    if let Err(e) = spawned {
        log::warn!("cannot handle Ctrl-C: {e}");
    }
}

/// Marks the start (`true`) or end (`false`) of an operation that checks
/// the cancellation token.
pub fn graceful(on: bool) {
    GRACEFUL.store(on, Ordering::SeqCst);
}

/// Registers a partial output to delete if the process is ended by a
/// second signal.
pub fn remove_on_exit(path: &Path) {
    if let Ok(mut v) = PARTIAL_FILES.lock() {
        v.push(path.to_path_buf());
    }
}

/// Unregisters a path of [`remove_on_exit`] (it became a finished file or
/// was removed).
pub fn keep_on_exit(path: &Path) {
    if let Ok(mut v) = PARTIAL_FILES.lock() {
        v.retain(|p| p != path);
    }
}

fn remove_partial_files() {
    if let Ok(v) = PARTIAL_FILES.lock() {
        for p in v.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}
