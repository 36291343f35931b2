//! The subcommands that need a drive: info, formats, blank, format, write,
//! add, check, verify, eject.
//!
//! They take their arguments and the drive address now; the work is done
//! by the burn engine (`mmc::engine`) and the glue library of this crate
//! (new session at the next writable address, multisession emulation,
//! check-read against MD5 tags), which they will call. Until then each
//! answers that it is not implemented yet.

use super::{CmdResult, Ctx};
use crate::cli::{
    AddArgs, BlankArgs, CheckArgs, EjectArgs, FormatArgs, InfoArgs, VerifyArgs, WriteArgs,
};
use crate::exit::Failure;

/// The common start: a drive must be named.
fn pending(ctx: &Ctx, name: &'static str) -> CmdResult {
    let dev = ctx.require_dev()?;
    log::debug!("{name} on {dev}");
    Err(Failure::NotImplemented(name))
}

pub fn info(a: InfoArgs, ctx: &Ctx) -> CmdResult {
    log::debug!("info: diagnostic={}", a.diagnostic);
    pending(ctx, "info")
}

pub fn formats(ctx: &Ctx) -> CmdResult {
    pending(ctx, "formats")
}

pub fn blank(a: BlankArgs, ctx: &Ctx) -> CmdResult {
    log::debug!("blank: mode={:?}", a.mode);
    pending(ctx, "blank")
}

pub fn format(a: FormatArgs, ctx: &Ctx) -> CmdResult {
    log::debug!(
        "format: mode={:?} index={:?} size={:?}",
        a.mode,
        a.index,
        a.size
    );
    pending(ctx, "format")
}

pub fn write(a: WriteArgs, ctx: &Ctx) -> CmdResult {
    log::debug!(
        "write: image={} size={:?} close={} type={:?} speed={:?} dummy={} verify={}",
        a.image.display(),
        a.size,
        a.close,
        a.write_type,
        a.speed.speed,
        a.dummy,
        a.verify
    );
    pending(ctx, "write")
}

pub fn add(a: AddArgs, ctx: &Ctx) -> CmdResult {
    log::debug!(
        "add: {} paths, volid={:?} md5={} close={} speed={:?} verify={}",
        a.paths.len(),
        a.volid.volid,
        a.md5.enabled(),
        a.close,
        a.speed.speed,
        a.verify
    );
    pending(ctx, "add")
}

pub fn check(a: CheckArgs, ctx: &Ctx) -> CmdResult {
    log::debug!("check: session={:?} all={}", a.session, a.all);
    pending(ctx, "check")
}

pub fn verify(a: VerifyArgs, ctx: &Ctx) -> CmdResult {
    log::debug!("verify: image={}", a.image.display());
    pending(ctx, "verify")
}

pub fn eject(a: EjectArgs, ctx: &Ctx) -> CmdResult {
    log::debug!("eject: load={}", a.load);
    pending(ctx, "eject")
}
