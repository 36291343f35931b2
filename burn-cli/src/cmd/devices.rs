//! `burn devices`: the recorders found through sysfs.

use std::io::{self, Write};

use mmc::discovery::{Access, FoundDrive, find_recorders};
use serde_json::{Value, json};

use super::{CmdResult, Ctx};
use crate::output::{Outcome, path_text};

pub fn run(ctx: &Ctx) -> CmdResult {
    let drives = find_recorders();
    if drives.is_empty() && !ctx.ui.json && !ctx.ui.quiet {
        crate::progress::suspend(|| {
            eprintln!("no recorders found");
            eprintln!(
                "hint: image files work as discs with --dev stdio:FILE; the emulated recorder \
                 with --dev emul:MEDIA:FILE (e.g. emul:dvd+rw:disc.img)"
            );
        });
    }
    Ok(Box::new(Devices { drives }))
}

struct Devices {
    drives: Vec<FoundDrive>,
}

fn access_text(a: &Access) -> (&'static str, Option<&str>) {
    match a {
        Access::ReadWrite => ("rw", None),
        Access::Denied(why) => ("none", Some(why.as_str())),
    }
}

impl Outcome for Devices {
    fn kind(&self) -> &'static str {
        "devices"
    }

    fn json(&self) -> Value {
        let list: Vec<Value> = self
            .drives
            .iter()
            .map(|d| {
                let (access, why) = access_text(&d.access);
                json!({
                    "address": d.address.to_string(),
                    "block_node": d.block_node.as_deref().map(path_text),
                    "generic_node": d.generic_node.as_deref().map(path_text),
                    "vendor": d.vendor,
                    "model": d.model,
                    "revision": d.revision,
                    "access": access,
                    "access_problem": why,
                })
            })
            .collect();
        json!({ "devices": list })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<[String; 5]> = self
            .drives
            .iter()
            .map(|d| {
                let (access, why) = access_text(&d.access);
                let access = match why {
                    Some(w) => format!("no access: {w}"),
                    None => access.to_string(),
                };
                [
                    d.address.to_string(),
                    d.vendor.clone(),
                    d.model.clone(),
                    d.revision.clone(),
                    access,
                ]
            })
            .collect();
        let mut w = [0usize; 4];
        for r in &rows {
            for (i, c) in r.iter().take(4).enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        for r in &rows {
            writeln!(
                out,
                "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            )?;
        }
        Ok(())
    }
}
