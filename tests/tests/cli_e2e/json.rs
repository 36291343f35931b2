//! The `--json` interface, schema 1: exact key sets and value types of
//! every document type, so that a change to them is a deliberate one.

use serde_json::Value;

use super::support::*;

#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    Num,
    Bool,
    Arr,
    Obj,
    /// The type or null.
    Opt(&'static T),
}

fn is(t: T, v: &Value) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Num => v.is_number(),
        T::Bool => v.is_boolean(),
        T::Arr => v.is_array(),
        T::Obj => v.is_object(),
        T::Opt(inner) => v.is_null() || is(*inner, v),
    }
}

/// `v` is an object with exactly these keys, of these types.
fn shape(v: &Value, keys: &[(&str, T)]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"));
    let mut have: Vec<&str> = obj.keys().map(String::as_str).collect();
    have.sort_unstable();
    let mut want: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    want.sort_unstable();
    assert_eq!(have, want, "keys of {v}");
    for (k, t) in keys {
        assert!(is(*t, &obj[*k]), "{k} should be {t:?}: {v}");
    }
}

const STR: T = T::Str;
const NUM: T = T::Num;
const OPT_STR: T = T::Opt(&T::Str);
const OPT_NUM: T = T::Opt(&T::Num);

fn envelope(v: &Value, kind: &str) {
    assert_eq!(v["schema"], 1, "{v}");
    assert_eq!(v["type"], kind, "{v}");
}

#[test]
fn ls_document() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    burn(
        d.path(),
        ["mkiso", "-o", "img.iso", "--volid", "JSONVOL", "tree"],
    )
    .ok();
    let v = burn(d.path(), ["--json", "ls", "-R", "img.iso"]).json();
    envelope(&v, "ls");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("source", STR),
            ("session_start", NUM),
            ("volume_id", STR),
            ("path", STR),
            ("entries", T::Arr),
        ],
    );
    assert_eq!(v["volume_id"], "JSONVOL");
    assert_eq!(v["source"], "img.iso");
    assert_eq!(v["path"], "/");
    let entries = v["entries"].as_array().unwrap();
    assert!(entries.len() > 10);
    for e in entries {
        shape(
            e,
            &[
                ("path", STR),
                ("name", STR),
                ("kind", STR),
                ("permissions", NUM),
                ("mode_text", STR),
                ("nlink", NUM),
                ("uid", NUM),
                ("gid", NUM),
                ("size", NUM),
                ("mtime", STR),
                ("mtime_unix", NUM),
                ("target", OPT_STR),
                ("device", T::Opt(&T::Arr)),
                ("lba", OPT_NUM),
                ("md5", OPT_STR),
            ],
        );
    }
    let find = |p: &str| entries.iter().find(|e| e["path"] == p).unwrap().clone();
    let hello = find("/hello.txt");
    assert_eq!(hello["kind"], "file");
    assert_eq!(hello["permissions"], 0o600);
    assert_eq!(hello["mode_text"], "-rw-------");
    assert_eq!(hello["size"], 13);
    assert_eq!(hello["mtime"], "2024-01-02T03:04:05Z");
    assert_eq!(hello["mtime_unix"], EPOCH);
    // MD5 of "hello, world\n" (md5sum).
    assert_eq!(hello["md5"], "22c3683b094136c3398391ae71b20f04");
    let link = find("/link");
    assert_eq!(link["kind"], "symlink");
    assert_eq!(link["target"], "hello.txt");
    assert_eq!(find("/docs")["kind"], "dir");
    assert_eq!(find("/docs/deep/deeper")["name"], "deeper");
}

#[test]
fn mkiso_progress_then_result() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let r = burn(
        d.path(),
        [
            "--json",
            "--progress",
            "always",
            "mkiso",
            "-o",
            "p.iso",
            "tree",
        ],
    );
    r.ok();
    let lines = r.json_lines();
    let (last, events) = lines.split_last().unwrap();
    envelope(last, "mkiso");
    shape(
        last,
        &[
            ("schema", NUM),
            ("type", STR),
            ("output", OPT_STR),
            ("written", T::Bool),
            ("blocks", NUM),
            ("bytes", NUM),
            ("files", NUM),
            ("volume_id", STR),
            ("rock_ridge", T::Bool),
            ("joliet", T::Bool),
            ("md5_tags", T::Bool),
            ("md5", OPT_STR),
        ],
    );
    assert_eq!(last["output"], "p.iso");
    assert_eq!(
        last["files"], 7,
        "regular files, hard links counted per name"
    );
    assert!(!events.is_empty(), "progress events come first");
    for e in events {
        envelope(e, "progress");
        shape(
            e,
            &[
                ("schema", NUM),
                ("type", STR),
                ("phase", STR),
                ("unit", STR),
                ("done", NUM),
                ("total", OPT_NUM),
                ("percent", OPT_NUM),
                ("fifo", OPT_NUM),
                ("buffer", OPT_NUM),
                ("bytes_per_second", OPT_NUM),
                ("speed_x", OPT_NUM),
                ("elapsed_seconds", NUM),
                ("eta_seconds", OPT_NUM),
            ],
        );
    }
    // The writing phase ends at 100 %.
    let w = events
        .iter()
        .rev()
        .find(|e| e["phase"] == "writing")
        .expect("a writing event");
    assert_eq!(w["done"], last["bytes"]);
    assert_eq!(w["total"], last["bytes"]);
    assert_eq!(w["percent"], 100.0);
    assert_eq!(w["unit"], "bytes");
    // With --progress never only the result.
    let r = burn(
        d.path(),
        [
            "--json",
            "--progress",
            "never",
            "mkiso",
            "-o",
            "q.iso",
            "tree",
        ],
    );
    assert_eq!(r.json()["type"], "mkiso");
}

#[test]
fn extract_document() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    let v = burn(d.path(), ["--json", "extract", "img.iso", "/docs", "out"]).json();
    envelope(&v, "extract");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("source", STR),
            ("path", STR),
            ("destination", STR),
            ("directories", NUM),
            ("files", NUM),
            ("bytes", NUM),
            ("symlinks", NUM),
            ("hard_links", NUM),
            ("special_files", NUM),
            ("skipped", T::Arr),
        ],
    );
    assert_eq!(v["directories"], 3);
    assert_eq!(v["files"], 4);
    assert_eq!(v["bytes"], 300_000 + 7 + 4 + 13);
    // Skipped entries, then the error object.
    let r = burn(d.path(), ["--json", "extract", "img.iso", "/docs", "out"]);
    assert_eq!(r.code, 1);
    let lines = r.json_lines();
    assert_eq!(lines.len(), 2, "{}", r.out());
    envelope(&lines[0], "extract");
    for s in lines[0]["skipped"].as_array().unwrap() {
        shape(s, &[("path", STR), ("reason", STR)]);
    }
    envelope(&lines[1], "error");
    assert_eq!(lines[1]["error"]["exit_code"], 1);
}

#[test]
fn error_document_for_failures_and_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    for (args, code) in [
        (vec!["--json", "ls", "missing.iso"], 1),
        (vec!["--json", "info"], 2),
        (vec!["--json", "--dev", "sr0", "info"], 2),
        (vec!["--json", "mkiso", "--bogus"], 2),
    ] {
        let r = burn(d.path(), &args);
        assert_eq!(r.code, code, "{args:?}: {r:?}");
        assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
        let v = r.json();
        envelope(&v, "error");
        shape(&v, &[("schema", NUM), ("type", STR), ("error", T::Obj)]);
        shape(
            &v["error"],
            &[
                ("message", STR),
                ("hints", T::Arr),
                ("sense", T::Opt(&T::Obj)),
                ("command", OPT_STR),
                ("lba", OPT_NUM),
                ("exit_code", NUM),
            ],
        );
        assert_eq!(v["error"]["exit_code"], code);
    }
}

#[test]
fn devices_document() {
    let d = tempfile::tempdir().unwrap();
    let v = burn(d.path(), ["--json", "devices"]).json();
    envelope(&v, "devices");
    shape(&v, &[("schema", NUM), ("type", STR), ("devices", T::Arr)]);
    for dev in v["devices"].as_array().unwrap() {
        shape(
            dev,
            &[
                ("address", STR),
                ("block_node", OPT_STR),
                ("generic_node", OPT_STR),
                ("vendor", STR),
                ("model", STR),
                ("revision", STR),
                ("access", STR),
                ("access_problem", OPT_STR),
            ],
        );
    }
}
