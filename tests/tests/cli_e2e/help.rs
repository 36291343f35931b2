//! Help, version, usage errors, completions and the manual page.

use super::support::*;

const COMMANDS: &[&str] = &[
    "devices",
    "info",
    "formats",
    "blank",
    "format",
    "write",
    "read",
    "add",
    "check",
    "verify",
    "eject",
    "mkiso",
    "ls",
    "extract",
    "completions",
];

/// The `Commands:` section of the top-level help, as names.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let help = burn(d.path(), ["--help"]).ok();
    let mut listed = listed_commands(&help);
    listed.retain(|c| c != "help");
    assert_eq!(listed, COMMANDS, "{help}");
    let codes: Vec<(String, String)> = help
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let t = l.trim_start();
            let (code, text) = t.split_once(char::is_whitespace)?;
            code.parse::<u8>().ok()?;
            Some((code.to_string(), text.trim().to_string()))
        })
        .collect();
    let numbers: Vec<&str> = codes.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(numbers, ["0", "1", "2", "3", "4", "130"], "{help}");
    assert!(codes[2].1.starts_with("usage"), "{codes:?}");
    assert!(codes[3].1.contains("verification"), "{codes:?}");
    assert!(codes[4].1.contains("unsuitable"), "{codes:?}");
    assert!(codes[5].1.contains("interrupted"), "{codes:?}");
    // The drive address forms and the JSON schema are documented too.
    for s in [
        "stdio:FILE",
        "emul:MEDIA:FILE",
        "mmc:/dev/vda",
        "\"schema\": 1",
    ] {
        assert!(help.contains(s), "help lacks {s}");
    }
}

#[test]
fn every_command_has_help_with_examples() {
    let d = tempfile::tempdir().unwrap();
    for c in COMMANDS {
        let h = burn(d.path(), [c, "--help"]).ok();
        assert!(
            h.contains("Examples:"),
            "burn {c} --help has no examples:\n{h}"
        );
        assert!(
            h.contains(&format!("burn {c}")) || h.contains(&format!("{c} ")),
            "{h}"
        );
        // Global options are accepted after the subcommand.
        assert!(h.contains("--dev <ADDR>") && h.contains("--json"), "{h}");
    }
}

#[test]
fn version() {
    let d = tempfile::tempdir().unwrap();
    let v = burn(d.path(), ["--version"]).ok();
    assert!(v.starts_with("burn "), "{v}");
}

#[test]
fn usage_errors_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &[],
        &["--bogus"],
        &["frobnicate"],
        &["mkiso"],
        &["mkiso", "dir"],
        &["mkiso", "-o", "x.iso", "--print-size", "dir"],
        &["--progress", "sometimes", "devices"],
        &["-v", "-q", "devices"],
        &["blank", "--mode", "nope"],
        &["format", "--index", "1", "--size", "1G"],
        &["format", "--size", "700MB"],
        &["write", "x.iso", "--speed", "8"],
        &["write", "x.iso", "--size", "12q"],
        &["check", "--session", "1", "--all"],
        &["--dev", "sr0", "info"],
        &["--dev", "stdio:", "info"],
        &["--dev", "emul:floppy:x", "info"],
        &["extract", "x.iso"],
        &["completions", "tcsh"],
    ];
    for args in cases {
        let r = burn(d.path(), *args);
        assert_eq!(r.code, 2, "burn {args:?}: {r:?}");
        assert!(r.stdout.is_empty(), "burn {args:?} printed on stdout");
        assert!(
            r.stderr.contains("Usage:") || r.stderr.starts_with("error:"),
            "burn {args:?}: {}",
            r.stderr
        );
    }
    // The address error says what to type instead.
    let r = burn(d.path(), ["--dev", "sr0", "info"]);
    assert!(r.stderr.contains("/dev/sr0"), "{}", r.stderr);
}

#[test]
fn a_bad_burn_dev_is_a_usage_error_naming_the_variable_value() {
    let d = tempfile::tempdir().unwrap();
    let mut c = burn_cmd(d.path());
    c.env("BURN_DEV", "cdrom").arg("info");
    let r = run_cmd(c);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("/dev/cdrom"), "{}", r.stderr);
}

#[test]
fn bash_completion_is_a_valid_script() {
    let d = tempfile::tempdir().unwrap();
    let r = burn(d.path(), ["completions", "bash"]);
    let script = r.ok();
    assert!(script.contains("complete -F _burn"), "{script}");
    for c in COMMANDS {
        assert!(script.contains(c), "completion lacks {c}");
    }
    assert!(script.contains("--write-type") && script.contains("deformat-quickest"));
    let path = d.path().join("burn.bash");
    std::fs::write(&path, &script).unwrap();
    oracle("bash", &["-n", path.to_str().unwrap()], d.path(), false);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let r = burn(d.path(), ["completions", shell]);
        assert!(!r.ok().is_empty(), "{shell}");
    }
}

#[test]
fn manual_page_renders() {
    let d = tempfile::tempdir().unwrap();
    let roff = burn(d.path(), ["man"]).ok();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH burn 1"),
        "{roff}"
    );
    let path = d.path().join("burn.1");
    std::fs::write(&path, &roff).unwrap();
    let mut c = std::process::Command::new("man");
    c.args(["-l", path.to_str().unwrap()])
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat");
    let out = c.output().expect("man is required");
    assert!(out.status.success(), "man -l failed: {out:?}");
    // man justifies lines with extra blanks: compare words.
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("NAME"), "{text}");
    assert!(text.contains("burn - Write, check and browse"), "{text}");
    assert!(text.contains("Exit codes:"), "{text}");
    for c in COMMANDS {
        assert!(text.contains(c), "manual lacks {c}");
    }
    // One page per command with --dir.
    let dir = d.path().join("pages");
    burn(d.path(), ["man", "--dir", dir.to_str().unwrap()]).ok();
    for c in COMMANDS {
        let page = std::fs::read_to_string(dir.join(format!("burn-{c}.1"))).unwrap();
        assert!(page.contains(&format!(".TH burn-{c} 1")), "{page}");
    }
}
