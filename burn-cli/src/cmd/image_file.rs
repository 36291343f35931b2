//! Where `burn mkiso -o` and `burn read -o` put an image: standard output,
//! an existing device or FIFO written in place, or a temporary file beside
//! the destination that is renamed over it only once the image is complete
//! and synced — an interrupted run never leaves a truncated image under the
//! final name (the temporary file is removed on exit, see [`signals`]).

use std::fs::File;
use std::io::{self, IsTerminal};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::exit::Failure;
use crate::output::path_text;
use crate::signals;

/// An opened image destination.
pub enum ImageFile {
    Stdout,
    /// A temporary file beside `dest`, renamed over it when complete.
    Temp {
        file: tempfile::NamedTempFile,
        dest: PathBuf,
    },
    /// An existing device or FIFO, written in place.
    Direct {
        file: File,
        path: PathBuf,
    },
}

impl ImageFile {
    /// Opens `path` (`-` for standard output, refused when that is a
    /// terminal; `stdout_hint` says what to do instead). `example` names an
    /// image file for the hint when `path` is a directory.
    pub fn create(path: &Path, stdout_hint: &str, example: &str) -> Result<ImageFile, Failure> {
        if path == Path::new("-") {
            if io::stdout().is_terminal() {
                return Err(Failure::usage(
                    "refusing to write an image to a terminal",
                    Some(stdout_hint),
                ));
            }
            return Ok(ImageFile::Stdout);
        }
        let shown = path_text(path);
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(Failure::usage(
                    format!("{shown} is a directory"),
                    Some(&format!(
                        "give the image file's name, e.g. -o DIR/{example}"
                    )),
                ));
            }
            Ok(m) if !m.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Failure::io(format!("cannot open {shown}"), e))?;
                return Ok(ImageFile::Direct {
                    file,
                    path: path.to_path_buf(),
                });
            }
            _ => {}
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Failure::usage(format!("{shown} is not a file name"), None))?;
        let file = tempfile::Builder::new()
            .prefix(&format!(".{base}."))
            .suffix(".part")
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| Failure::io(format!("cannot create {shown}"), e))?;
        signals::remove_on_exit(file.path());
        Ok(ImageFile::Temp {
            file,
            dest: path.to_path_buf(),
        })
    }

    /// The destination as the user named it.
    pub fn name(&self) -> String {
        match self {
            ImageFile::Stdout => "-".into(),
            ImageFile::Temp { dest, .. } => path_text(dest),
            ImageFile::Direct { path, .. } => path_text(path),
        }
    }
}

/// Syncs a device written in place: a block device must reach its medium;
/// FIFOs and character devices cannot be synced (EINVAL), which is fine.
pub fn sync_in_place(file: &File, path: &Path) -> Result<(), Failure> {
    match file.sync_all() {
        Err(e) if e.raw_os_error() != Some(libc::EINVAL) => {
            Err(Failure::io(format!("cannot write {}", path_text(path)), e))
        }
        _ => Ok(()),
    }
}

/// Syncs the complete temporary file and renames it over `dest`.
pub fn persist(file: tempfile::NamedTempFile, dest: &Path) -> Result<(), Failure> {
    let name = path_text(dest);
    file.as_file()
        .sync_all()
        .map_err(|e| Failure::io(format!("cannot write {name}"), e))?;
    file.persist(dest)
        .map_err(|e| Failure::io(format!("cannot create {name}"), e.error))?;
    Ok(())
}
