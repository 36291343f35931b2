//! `burn completions SHELL` and the hidden `burn man`: documents generated
//! from the command-line definition itself, so they cannot drift from it.
//! The manual pages are also checked in under `burn-cli/man/` (for
//! packagers); a test keeps them equal to what `burn man` renders.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;
use serde_json::{Value, json};

use super::CmdResult;
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::exit::Failure;
use crate::output::{Outcome, path_text};

/// Text printed as it is (a script, a manual page).
struct Raw {
    kind: &'static str,
    text: Vec<u8>,
}

impl Outcome for Raw {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn json(&self) -> Value {
        json!({ "text": String::from_utf8_lossy(&self.text) })
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.text)
    }
}

pub fn completions(a: CompletionsArgs) -> CmdResult {
    let mut cmd = Cli::command();
    let mut text = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "burn", &mut text);
    Ok(Box::new(Raw {
        kind: "completions",
        text,
    }))
}

/// Every manual page: `burn.1`, then `burn-COMMAND.1` for each visible
/// subcommand, as (file name, roff text).
pub fn man_pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    let mut top = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut top)?;
    pages.push(("burn.1".to_string(), top));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("burn-{}", sub.get_name());
        // clap names are `&'static str` without its "string" feature; the
        // generator runs once per process.
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        let sub = sub.clone().name(leaked).display_name(leaked);
        let mut page = Vec::new();
        clap_mangen::Man::new(sub).render(&mut page)?;
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

pub fn man(a: ManArgs) -> CmdResult {
    let pages = man_pages().map_err(|e| Failure::io("cannot render the manual", e))?;
    match a.dir {
        None => {
            let text = pages.into_iter().next().map(|(_, t)| t).unwrap_or_default();
            Ok(Box::new(Raw { kind: "man", text }))
        }
        Some(dir) => {
            write_pages(&dir, &pages)?;
            let list: Vec<u8> = pages
                .iter()
                .map(|(n, _)| format!("{}\n", path_text(&dir.join(n))))
                .collect::<String>()
                .into_bytes();
            Ok(Box::new(Raw {
                kind: "man",
                text: list,
            }))
        }
    }
}

fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::io(format!("cannot create {}", path_text(dir)), e))?;
    for (name, text) in pages {
        let p = dir.join(name);
        std::fs::write(&p, text)
            .map_err(|e| Failure::io(format!("cannot write {}", path_text(&p)), e))?;
    }
    Ok(())
}
