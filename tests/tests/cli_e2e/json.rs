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
            ("bootable", T::Bool),
            ("isohybrid", T::Bool),
        ],
    );
    assert_eq!(last["output"], "p.iso");
    assert_eq!(last["bootable"], false);
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

const BOOL: T = T::Bool;
const ARR: T = T::Arr;
const OPT_BOOL: T = T::Opt(&T::Bool);

fn on(dir: &std::path::Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev, "--json", "--progress", "never"];
    v.extend_from_slice(args);
    burn(dir, v)
}

#[test]
fn info_document() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "cd-r", "cd.img");
    on(dir, &dev, &["add", "a", "--volid", "INFOVOL"]).code(0);
    for args in [&["info"][..], &["info", "--diagnostic"]] {
        let v = on(dir, &dev, args).json();
        envelope(&v, "info");
        shape(
            &v,
            &[
                ("schema", NUM),
                ("type", STR),
                ("device", STR),
                ("drive", T::Obj),
                ("profile", STR),
                ("profile_code", NUM),
                ("layout", STR),
                ("status", STR),
                ("erasable", BOOL),
                ("format_state", OPT_STR),
                ("sessions", ARR),
                ("next_writable", OPT_NUM),
                ("free_blocks", OPT_NUM),
                ("free_bytes", OPT_NUM),
                ("capacity_blocks", OPT_NUM),
                ("capacity_bytes", OPT_NUM),
                ("notes", ARR),
                ("diagnostic", T::Opt(&T::Obj)),
            ],
        );
        shape(
            &v["drive"],
            &[("vendor", STR), ("product", STR), ("revision", STR)],
        );
        assert_eq!(v["diagnostic"].is_object(), args.len() == 2);
        if args.len() == 2 {
            // The format list and the reason there is none have keys of
            // their own: exactly one of them is set.
            let g = &v["diagnostic"];
            assert!(g["format_capacities"].is_string(), "{g}");
            assert_ne!(
                g["formats"].is_string(),
                g["format_capacities_note"].is_string(),
                "{g}"
            );
            assert_eq!(
                g["formats"].is_string(),
                g["format_capacities"] == "listed",
                "{g}"
            );
        }
        let s = &v["sessions"][0];
        shape(
            s,
            &[
                ("number", NUM),
                ("start", NUM),
                ("blocks", NUM),
                ("bytes", NUM),
                ("volume_id", OPT_STR),
                ("tracks", ARR),
            ],
        );
        assert_eq!(s["volume_id"], "INFOVOL");
        shape(
            &s["tracks"][0],
            &[
                ("number", NUM),
                ("start", NUM),
                ("blocks", NUM),
                ("data", BOOL),
            ],
        );
        assert_eq!(v["profile_code"], 9);
        assert_eq!(v["status"], "appendable");
    }
    // No medium: the same keys, nulls and empties.
    on(dir, &dev, &["eject"]).code(0);
    let v = on(dir, &dev, &["info"]).json();
    assert_eq!(v["status"], "empty");
    assert_eq!(v["profile_code"], 0);
    assert_eq!(v["capacity_blocks"], Value::Null);
}

#[test]
fn formats_format_blank_and_eject_documents() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let dev = emul(dir, "bd-re", "bd.img");
    let v = on(dir, &dev, &["formats"]).json();
    envelope(&v, "formats");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("profile", STR),
            ("formattable", BOOL),
            ("state", OPT_STR),
            ("current_blocks", OPT_NUM),
            ("current_bytes", OPT_NUM),
            ("background_format", STR),
            ("format_capacities", STR),
            ("format_capacities_note", OPT_STR),
            ("formats", ARR),
        ],
    );
    assert_eq!(v["format_capacities"], "listed");
    assert_eq!(v["format_capacities_note"], Value::Null);
    for f in v["formats"].as_array().unwrap() {
        shape(
            f,
            &[
                ("index", NUM),
                ("format_type", NUM),
                ("format_name", STR),
                ("blocks", NUM),
                ("bytes", NUM),
                ("type_parameter", NUM),
            ],
        );
    }
    let v = on(dir, &dev, &["format"]).json();
    envelope(&v, "format");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("action", STR),
            ("format_type", OPT_NUM),
            ("format_name", OPT_STR),
            ("blocks", OPT_NUM),
            ("background", BOOL),
            ("profile", STR),
            ("capacity_blocks", OPT_NUM),
            ("capacity_bytes", OPT_NUM),
        ],
    );
    let v = on(dir, &dev, &["blank"]).json();
    envelope(&v, "blank");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("mode", STR),
            ("action", STR),
            ("full", OPT_BOOL),
            ("descriptors", OPT_NUM),
            ("zeroed_blocks", OPT_NUM),
            ("profile", STR),
            ("profile_after", STR),
            ("status", STR),
        ],
    );
    assert_eq!(v["mode"], "as-needed");
    let v = on(dir, &dev, &["eject"]).json();
    envelope(&v, "eject");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("action", STR),
            ("done", BOOL),
            ("note", OPT_STR),
            ("medium", OPT_STR),
        ],
    );
}

#[test]
fn write_add_check_and_verify_documents() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    burn(dir, ["mkiso", "-o", "img.iso", "b"]).ok();
    let dev = emul(dir, "dvd+r", "plus.img");
    let v = on(dir, &dev, &["write", "img.iso", "--verify"]).json();
    envelope(&v, "write");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("image", STR),
            ("layout", STR),
            ("start", NUM),
            ("bytes", NUM),
            ("written_blocks", NUM),
            ("volume_id", OPT_STR),
            ("built_for", OPT_NUM),
            ("method", OPT_STR),
            ("closed", BOOL),
            ("dummy", BOOL),
            ("truncated", BOOL),
            ("md5", STR),
            ("verified", OPT_BOOL),
            ("notes", ARR),
        ],
    );
    assert_eq!(v["image"], "img.iso");
    let v = on(dir, &dev, &["add", "a", "--verify"]).json();
    envelope(&v, "add");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("layout", STR),
            ("session", NUM),
            ("start", NUM),
            ("blocks", NUM),
            ("bytes", NUM),
            ("written_blocks", NUM),
            ("volume_id", STR),
            ("files", NUM),
            ("new_files", NUM),
            ("carried_files", NUM),
            ("md5", OPT_STR),
            ("method", OPT_STR),
            ("closed", BOOL),
            ("bootable", BOOL),
            ("import", T::Opt(&T::Obj)),
            ("notes", ARR),
            ("verified", OPT_STR),
        ],
    );
    shape(
        &v["import"],
        &[
            ("session_start", NUM),
            ("files", NUM),
            ("dirs", NUM),
            ("with_md5", NUM),
            ("md5_computed", NUM),
            ("without_md5", NUM),
            ("rewritten", NUM),
        ],
    );
    assert_eq!(v["verified"], "ok");
    let v = on(dir, &dev, &["check", "--all"]).json();
    envelope(&v, "check");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("verdict", STR),
            ("blocks_read", NUM),
            ("head", T::Opt(&T::Obj)),
            ("sessions", ARR),
        ],
    );
    for s in v["sessions"].as_array().unwrap() {
        shape(
            s,
            &[
                ("number", NUM),
                ("start", NUM),
                ("blocks", NUM),
                ("volume_id", OPT_STR),
                ("tags", ARR),
                ("chain", T::Obj),
                ("array", T::Obj),
                ("session_md5", STR),
                ("files", T::Obj),
                ("unreadable", ARR),
                ("truncated", T::Opt(&T::Obj)),
                ("sector_map", ARR),
                ("notes", ARR),
                ("verdict", STR),
            ],
        );
        assert_eq!(s["truncated"], Value::Null);
        shape(
            &s["files"],
            &[
                ("total", NUM),
                ("matched", NUM),
                ("mismatched", ARR),
                ("unreadable", ARR),
                ("without_md5", NUM),
            ],
        );
        for t in s["tags"].as_array().unwrap() {
            shape(
                t,
                &[
                    ("kind", STR),
                    ("lba", NUM),
                    ("range_start", NUM),
                    ("range_size", NUM),
                    ("outcome", STR),
                ],
            );
        }
        for m in s["sector_map"].as_array().unwrap() {
            shape(m, &[("start", NUM), ("blocks", NUM), ("readable", BOOL)]);
        }
        assert!(s["chain"]["state"].is_string());
        assert!(s["array"]["state"].is_string());
    }
    let v = on(dir, &dev, &["verify", "img.iso", "--session", "1"]).json();
    envelope(&v, "verify");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("image", STR),
            ("bytes", NUM),
            ("start", NUM),
            ("blocks", NUM),
            ("compared_blocks", NUM),
            ("identical", BOOL),
            ("first_mismatch", OPT_NUM),
            ("mismatches", ARR),
            ("unreadable", ARR),
        ],
    );
    assert_eq!(v["identical"], true);
    // Image files: the head's relocated superblock tag is checked too.
    let dev = stdio(dir, "f.iso");
    on(dir, &dev, &["add", "a"]).code(0);
    let v = on(dir, &dev, &["check"]).json();
    shape(
        &v["head"],
        &[
            ("kind", STR),
            ("lba", NUM),
            ("range_start", NUM),
            ("range_size", NUM),
            ("outcome", STR),
        ],
    );
    assert_eq!(v["head"]["kind"], "head");
}

#[test]
fn drive_progress_events_then_result() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "cd-rw", "cd.img");
    let r = burn(dir, ["--dev", &dev, "--json", "add", "a"]).code(0);
    let lines = r.json_lines();
    let (last, events) = lines.split_last().unwrap();
    envelope(last, "add");
    let phases: Vec<&str> = events
        .iter()
        .map(|e| {
            envelope(e, "progress");
            e["phase"].as_str().unwrap()
        })
        .collect();
    assert!(phases.contains(&"writing"), "{phases:?}");
    // Data and padding end at 100 %.
    let w = events
        .iter()
        .rev()
        .find(|e| e["phase"] == "writing" || e["phase"] == "padding")
        .unwrap();
    assert_eq!(w["unit"], "bytes");
    assert_eq!(w["done"], w["total"], "{w}");
    assert_eq!(w["percent"], 100.0);
    // Blanking reports a ratio.
    let r = burn(dir, ["--dev", &dev, "--json", "blank", "--mode", "all"]).code(0);
    let lines = r.json_lines();
    let b = lines
        .iter()
        .find(|e| e["phase"] == "blanking")
        .expect("a blanking event");
    assert_eq!(b["unit"], "ratio");
    assert_eq!(lines.last().unwrap()["type"], "blank");
}

#[test]
fn read_document() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = stdio(dir, "f.iso");
    on(dir, &dev, &["add", "a"]).code(0);
    let v = on(dir, &dev, &["read", "-o", "copy.iso"]).json();
    envelope(&v, "read");
    shape(
        &v,
        &[
            ("schema", NUM),
            ("type", STR),
            ("device", STR),
            ("output", STR),
            ("kept", BOOL),
            ("session", OPT_NUM),
            ("start", NUM),
            ("blocks", NUM),
            ("bytes", NUM),
            ("size_from", STR),
            ("volume_id", OPT_STR),
            ("md5", STR),
            ("verdict", STR),
            ("head", T::Opt(&T::Obj)),
            ("sessions", ARR),
            ("unreadable", ARR),
            ("sector_map", ARR),
            ("notes", ARR),
        ],
    );
    for s in v["sessions"].as_array().unwrap() {
        shape(
            s,
            &[
                ("number", NUM),
                ("start", NUM),
                ("blocks", NUM),
                ("volume_id", OPT_STR),
                ("tags", ARR),
                ("chain", T::Obj),
                ("session_md5", STR),
                ("verdict", STR),
            ],
        );
    }
    for m in v["sector_map"].as_array().unwrap() {
        shape(m, &[("start", NUM), ("blocks", NUM), ("readable", BOOL)]);
    }
    shape(
        &v["head"],
        &[
            ("kind", STR),
            ("lba", NUM),
            ("range_start", NUM),
            ("range_size", NUM),
            ("outcome", STR),
        ],
    );
    assert_eq!(v["kept"], true);
    assert_eq!(v["verdict"], "ok");
}
