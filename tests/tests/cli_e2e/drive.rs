//! The drive subcommands' command line: a drive must be named, and is
//! named by a valid address.

use super::support::*;

const DRIVE_COMMANDS: &[&[&str]] = &[
    &["info"],
    &["formats"],
    &["blank"],
    &["format"],
    &["write", "x.iso"],
    &["add", "dir"],
    &["check"],
    &["verify", "x.iso"],
    &["eject"],
];

#[test]
fn drive_commands_need_a_drive() {
    let d = tempfile::tempdir().unwrap();
    for args in DRIVE_COMMANDS {
        let r = burn(d.path(), *args);
        assert_eq!(r.code, 2, "burn {args:?}: {r:?}");
        assert_eq!(
            r.stderr,
            "error: no drive given\nhint: name one with --dev ADDR or the environment variable \
             BURN_DEV; `burn devices` lists the recorders\n",
            "burn {args:?}"
        );
    }
}

#[test]
fn devices_lists_or_says_there_are_none() {
    let d = tempfile::tempdir().unwrap();
    let r = burn(d.path(), ["devices"]);
    let out = r.ok();
    if out.is_empty() {
        assert!(
            r.stderr.starts_with("no recorders found\nhint: "),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("stdio:FILE"), "{}", r.stderr);
    } else {
        for line in out.lines() {
            assert!(line.starts_with("/dev/"), "{line}");
        }
    }
    // -q: no hint.
    let r = burn(d.path(), ["-q", "devices"]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}
