//! `burn verify IMAGE`: compare the disc block by block with the image it
//! was written from (the glue's `verify::against_image`). Exit code 3 when
//! they differ, 1 when blocks cannot be read.

use std::io::{self, Write};
use std::path::Path;

use burn_cli::verify::VerifyReport;
use serde_json::{Value, json};

use super::write::open_image_file;
use super::{Access, bytes_of, device_name, interrupted, open, run_with_progress};
use crate::cli::VerifyArgs;
use crate::cmd::{CmdResult, Ctx};
use crate::exit::Failure;
use crate::output::{Outcome, human_bytes};

pub fn verify(a: VerifyArgs, ctx: &Ctx) -> CmdResult {
    ctx.require_dev()?;
    if a.image == Path::new("-") {
        return Err(Failure::usage(
            "verify needs an image file, not standard input",
            Some("to check a disc against its own MD5 checksums, use `burn check`"),
        ));
    }
    let (file, size, name) = open_image_file(&a.image)?;
    let mut rec = open(ctx, Access::Read)?;
    let start = match a.session {
        None => None,
        Some(n) => Some(burn_cli::media::inspect(&mut rec)?.session(Some(n))?.start),
    };
    let report = run_with_progress(ctx, |p| {
        Ok(burn_cli::verify::against_image(
            &mut rec, file, size, start, p,
        )?)
    })
    .map_err(|f| interrupted(ctx, f, "the comparison was stopped; nothing was changed"))?;
    Ok(Box::new(Verified {
        device: device_name(ctx),
        image: name,
        bytes: size,
        report,
    }))
}

struct Verified {
    device: String,
    image: String,
    bytes: u64,
    report: VerifyReport,
}

fn spans(v: &[burn_cli::BlockSpan]) -> Vec<Value> {
    v.iter()
        .map(|s| json!({"start": s.start, "blocks": s.blocks}))
        .collect()
}

impl Outcome for Verified {
    fn kind(&self) -> &'static str {
        "verify"
    }

    fn json(&self) -> Value {
        let r = &self.report;
        json!({
            "device": self.device,
            "image": self.image,
            "bytes": self.bytes,
            "start": r.start,
            "blocks": r.blocks,
            "compared_blocks": r.compared_blocks,
            "identical": r.identical,
            "first_mismatch": r.first_mismatch,
            "mismatches": spans(&r.mismatches),
            "unreadable": spans(&r.unreadable),
        })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        write!(
            out,
            "{} ({}) against {} from LBA {}: ",
            self.image,
            human_bytes(self.bytes),
            self.device,
            r.start
        )?;
        if r.identical {
            return writeln!(out, "identical, {} blocks compared", r.compared_blocks);
        }
        writeln!(out, "DIFFERENT")?;
        for s in &r.mismatches {
            writeln!(
                out,
                "  differs:    LBA {} … {} ({} blocks, {})",
                s.start,
                s.end() - 1,
                s.blocks,
                human_bytes(bytes_of(u64::from(s.blocks)))
            )?;
        }
        for s in &r.unreadable {
            writeln!(
                out,
                "  unreadable: LBA {} … {} ({} blocks)",
                s.start,
                s.end() - 1,
                s.blocks
            )?;
        }
        Ok(())
    }

    fn failure(&self) -> Option<Failure> {
        let r = &self.report;
        if r.identical {
            return None;
        }
        if let Some(m) = r.first_mismatch {
            let n: u64 = r.mismatches.iter().map(|s| u64::from(s.blocks)).sum();
            return Some(Failure::Mismatch(format!(
                "the disc differs from {}: {n} block{} differ, the first at LBA {m}",
                self.image,
                if n == 1 { "" } else { "s" }
            )));
        }
        let n: u64 = r.unreadable.iter().map(|s| u64::from(s.blocks)).sum();
        Some(Failure::Incomplete {
            message: format!(
                "{n} block{} could not be read for the comparison",
                if n == 1 { "" } else { "s" }
            ),
            hints: vec![
                "the disc may end before the image does (was it written completely?), or be \
                 unreadable there"
                    .into(),
            ],
        })
    }
}
