//! One module per subcommand. Each takes its parsed arguments and the
//! run's [`Ctx`], and returns an [`Outcome`] to print or a [`Failure`].

mod devices;
pub mod docs;
pub mod drive;
mod extract;
mod image_file;
mod ls;
pub mod mkiso;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use mmc::address::Address;
use mmc::drive::Cancel;

use crate::cli::Command;
use crate::exit::Failure;
use crate::output::{Outcome, Ui};

/// What every subcommand gets besides its arguments.
#[derive(Debug)]
pub struct Ctx {
    pub ui: Ui,
    /// Set by the first Ctrl-C; long operations check it.
    pub cancel: Cancel,
    /// `--dev` or `BURN_DEV`.
    pub dev: Option<Address>,
    /// `--dev` was given on the command line (not only through BURN_DEV).
    pub dev_explicit: bool,
    /// The `-v` count (`-vv` traces every SCSI command).
    pub verbose: u8,
}

impl Ctx {
    /// The drive, or a usage error saying how to name one.
    pub fn require_dev(&self) -> Result<&Address, Failure> {
        self.dev.as_ref().ok_or_else(|| {
            Failure::usage(
                "no drive given",
                Some(
                    "name one with --dev ADDR or the environment variable BURN_DEV; \
                     `burn devices` lists the recorders",
                ),
            )
        })
    }
}

pub type CmdResult = Result<Box<dyn Outcome>, Failure>;

/// Runs a subcommand.
pub fn run(command: Command, ctx: &Ctx) -> CmdResult {
    match command {
        Command::Devices => devices::run(ctx),
        Command::Info(a) => drive::info(a, ctx),
        Command::Formats => drive::formats(ctx),
        Command::Blank(a) => drive::blank(a, ctx),
        Command::Format(a) => drive::format(a, ctx),
        Command::Write(a) => drive::write(a, ctx),
        Command::Read(a) => drive::read(a, ctx),
        Command::Add(a) => drive::add(a, ctx),
        Command::Check(a) => drive::check(a, ctx),
        Command::Verify(a) => drive::verify(a, ctx),
        Command::Eject(a) => drive::eject(a, ctx),
        Command::Mkiso(a) => mkiso::run(a, ctx),
        Command::Ls(a) => ls::run(a, ctx),
        Command::Extract(a) => extract::run(a, ctx),
        Command::Completions(a) => docs::completions(a),
        Command::Man(a) => docs::man(a),
    }
}

/// An ISO path as typed, normalized: leading `/`, no empty or `.`
/// components, no trailing `/` (`..` is kept; the reader resolves it).
pub fn iso_path(arg: Option<&OsStr>) -> Vec<u8> {
    let raw = arg.map(OsStr::as_bytes).unwrap_or(b"/");
    let mut out = Vec::with_capacity(raw.len() + 1);
    for comp in raw.split(|&b| b == b'/') {
        if comp.is_empty() || comp == b"." {
            continue;
        }
        out.push(b'/');
        out.extend_from_slice(comp);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_paths() {
        let p = |s: &str| String::from_utf8(iso_path(Some(OsStr::new(s)))).unwrap();
        assert_eq!(p("/"), "/");
        assert_eq!(p(""), "/");
        assert_eq!(p("a/b/"), "/a/b");
        assert_eq!(p("//a/./b"), "/a/b");
        assert_eq!(p("/a/../b"), "/a/../b");
        assert_eq!(String::from_utf8(iso_path(None)).unwrap(), "/");
    }
}
