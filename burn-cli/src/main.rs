//! `burn`: write, check and browse CDs, DVDs, Blu-ray discs and ISO 9660
//! images.
//!
//! Orchestration only: parse the command line ([`cli`]), set up logging
//! ([`logger`]) and Ctrl-C handling ([`signals`]), run the subcommand
//! ([`cmd`]), print its result ([`output`]) or its failure, and exit with
//! the code [`exit`] assigns.

mod cli;
mod cmd;
mod exit;
mod logger;
mod output;
mod progress;
mod signals;

use std::io;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use mmc::drive::Cancel;

use crate::cli::{Cli, Command};
use crate::exit::{Failure, code};
use crate::output::Ui;

fn main() -> ExitCode {
    let cli_cmd = Cli::command();
    let matches = match cli_cmd.try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_error(&e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_error(&e),
    };
    let dev_explicit = dev_on_command_line(&matches);
    let g = cli.global;
    let ui = Ui {
        json: g.json,
        quiet: g.quiet,
        progress: g.progress,
        // Standard output carries data: an image (`mkiso -o -`, `read -o
        // -`) or a session written to `--dev stdio:-`.
        json_on_stderr: matches!(&cli.command, Command::Mkiso(m)
            if m.output.as_deref() == Some(std::path::Path::new("-")))
            || matches!(&cli.command, Command::Read(r) if r.output == std::path::Path::new("-"))
            || g.dev.as_ref().is_some_and(mmc::address::Address::is_stdout),
    };
    logger::init(g.verbose, g.quiet);
    let cancel = Cancel::new();
    signals::install(cancel.clone());
    let ctx = cmd::Ctx {
        ui,
        cancel,
        dev: g.dev,
        dev_explicit,
        verbose: g.verbose,
    };

    let failure = match cmd::run(cli.command, &ctx) {
        Ok(outcome) => match output::print_outcome(&ui, &*outcome) {
            Ok(()) => outcome.failure(),
            // A reader that stops early (`burn ls -R x.iso | head`) is fine.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => None,
            Err(e) => Some(Failure::io("cannot write the result", e)),
        },
        Err(f) => Some(f),
    };
    match failure {
        None => ExitCode::from(code::SUCCESS),
        Some(f) => {
            let report = exit::describe(&f);
            report.print(&ui);
            ExitCode::from(report.exit_code)
        }
    }
}

/// True when `--dev` was typed (before or after the subcommand), not only
/// taken from BURN_DEV.
fn dev_on_command_line(m: &clap::ArgMatches) -> bool {
    let mut cur = Some(m);
    while let Some(mm) = cur {
        if mm.value_source("dev") == Some(ValueSource::CommandLine) {
            return true;
        }
        cur = mm.subcommand().map(|(_, s)| s);
    }
    false
}

/// Help and version exit 0; usage errors exit 2, as a JSON error object
/// when `--json` was among the arguments.
fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let code = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => code::SUCCESS,
        _ => code::USAGE,
    };
    let json = std::env::args_os().any(|a| a == "--json");
    if code == code::USAGE && json {
        let report = exit::clap_report(&e.render().to_string(), code);
        let ui = Ui {
            json: true,
            quiet: false,
            progress: cli::ProgressMode::Never,
            json_on_stderr: false,
        };
        report.print(&ui);
    } else {
        let _ = e.print();
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// The checked-in manual pages (`burn-cli/man/`) are what `burn man`
    /// renders. Regenerate with `UPDATE_MAN=1 cargo test -p burn-cli`.
    #[test]
    fn manual_pages_are_up_to_date() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("man");
        let pages = crate::cmd::docs::man_pages().unwrap();
        if std::env::var_os("UPDATE_MAN").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in &pages {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        let mut names: Vec<String> = Vec::new();
        for (name, text) in &pages {
            let on_disk = std::fs::read(dir.join(name)).unwrap_or_default();
            assert!(
                on_disk == *text,
                "man/{name} is out of date: run UPDATE_MAN=1 cargo test -p burn-cli"
            );
            names.push(name.clone());
        }
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        found.sort();
        names.sort();
        assert_eq!(found, names, "stale pages in man/");
    }
}
