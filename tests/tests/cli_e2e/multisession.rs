//! Multisession backups with `burn add`, checked with `burn check`, `burn
//! info --json`, `burn ls --dev`, and against xorriso (`-toc`,
//! `-check_md5_r`) on image files and on the backing files of emulated
//! overwritable media.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::support::*;

/// `burn --dev DEV ARGS…` in `dir`.
fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

fn info_json(dir: &Path, dev: &str) -> Value {
    on(dir, dev, &["--json", "info"]).json()
}

fn sessions(info: &Value) -> Vec<(u64, u64, String)> {
    info["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_u64().unwrap(),
                s["blocks"].as_u64().unwrap(),
                s["volume_id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The files of the newest session as `ls -R --json` lists them: path →
/// size, directories excluded.
fn files_on(dir: &Path, dev: &str) -> Vec<(String, u64)> {
    let v = on(dir, dev, &["--json", "ls", "-R"]).result();
    let mut out: Vec<(String, u64)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "file")
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["size"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The backup script of the README: format, two sessions, check, info.
#[test]
fn backup_script_on_a_dvd_plus_rw() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "dvd+rw", "d.img");
    let f = on(dir, &dev, &["--json", "format"]).code(0).result();
    assert_eq!(f["action"], "formatted");
    assert_eq!(f["format_type"], 0x26);

    let a1 = on(dir, &dev, &["--json", "add", "a", "--volid", "BACKUP_1"]).result();
    assert_eq!(a1["session"], 1);
    assert_eq!(a1["start"], 32, "the first emulated session is at LBA 32");
    assert_eq!(a1["volume_id"], "BACKUP_1");
    let a2 = on(dir, &dev, &["--json", "add", "b", "--volid", "BACKUP_2"]).result();
    assert_eq!(a2["session"], 2);
    // The next 32-block boundary after the first session.
    let end1 = 32 + a1["blocks"].as_u64().unwrap();
    assert_eq!(a2["start"].as_u64().unwrap(), end1.div_ceil(32) * 32);
    assert_eq!(a2["carried_files"], 2, "a's files stay visible");

    let c = on(dir, &dev, &["--json", "check", "--all"])
        .code(0)
        .result();
    assert_eq!(c["verdict"], "ok");
    assert_eq!(c["sessions"].as_array().unwrap().len(), 2);

    let info = info_json(dir, &dev);
    assert_eq!(info["profile"], "DVD+RW");
    assert_eq!(info["layout"], "emulated");
    assert_eq!(info["status"], "appendable");
    let s = sessions(&info);
    assert_eq!(
        s,
        vec![
            (32, a1["blocks"].as_u64().unwrap(), "BACKUP_1".into()),
            (
                a2["start"].as_u64().unwrap(),
                a2["blocks"].as_u64().unwrap(),
                "BACKUP_2".into()
            ),
        ]
    );
    let end2 = a2["start"].as_u64().unwrap() + a2["blocks"].as_u64().unwrap();
    assert_eq!(
        info["next_writable"].as_u64().unwrap(),
        end2.div_ceil(32) * 32
    );

    // xorriso reads the emulator's backing file as the same medium.
    let img = dir.join("d.img");
    let toc = xorriso_toc(&img);
    let want: Vec<(u32, u32, String)> = s
        .iter()
        .map(|(a, b, v)| (*a as u32, *b as u32, v.clone()))
        .collect();
    assert_eq!(toc, want);
    let (code, text) = xorriso_check_md5_r(&img);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("File contents and their MD5 checksums match."),
        "{text}"
    );
    assert!(!text.contains("have no MD5"), "{text}");

    // Both sessions' files are visible in the newest tree.
    assert_eq!(
        files_on(dir, &dev),
        vec![
            ("/more.bin".to_string(), 70_000),
            ("/one.txt".to_string(), 14),
            ("/sub/data.bin".to_string(), 200_000),
            ("/two.txt".to_string(), 15),
        ]
    );
    let out = dir.join("restore");
    on(dir, &dev, &["extract", "/sub", out.to_str().unwrap()]).code(0);
    assert_eq!(
        fs::read(out.join("data.bin")).unwrap(),
        fs::read(dir.join("a/sub/data.bin")).unwrap()
    );
}

/// The DVD-RW workflow of xorriso's test notes: a DAO session after a
/// quick deformat, then multisession after a full blank, then
/// formatting for restricted overwrite; eject and load.
#[test]
fn dvd_rw_workflow() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "dvd-rw", "rw.img");

    let b = on(
        dir,
        &dev,
        &["--json", "blank", "--mode", "deformat-quickest"],
    )
    .result();
    assert_eq!(b["action"], "blanked");
    assert_eq!(b["full"], false);
    let a = on(dir, &dev, &["--json", "add", "a", "--close"]).result();
    assert_eq!(a["method"], "dao", "a closed first session is written DAO");
    assert_eq!(a["closed"], true);
    on(dir, &dev, &["check"]).code(0);
    let info = info_json(dir, &dev);
    assert_eq!(info["status"], "closed");
    assert_eq!(info["next_writable"], Value::Null);
    // Closed: nothing more, nothing written.
    let before = fingerprint(&dir.join("rw.img"));
    on(dir, &dev, &["add", "b"]).fails(4, "closed");
    assert_eq!(fingerprint(&dir.join("rw.img")), before);

    let b = on(dir, &dev, &["--json", "blank", "--mode", "as-needed"]).result();
    assert_eq!(b["action"], "blanked");
    assert_eq!(b["full"], true, "as-needed blanks a DVD-RW fully");
    assert_eq!(info_json(dir, &dev)["status"], "blank");

    let mut starts = Vec::new();
    for (i, tree) in ["a", "b", "a/sub"].iter().enumerate() {
        let v = on(dir, &dev, &["--json", "add", tree]).result();
        assert_eq!(v["session"], i as u64 + 1);
        assert_eq!(v["method"], "incremental");
        assert_eq!(v["closed"], false);
        starts.push(v["start"].as_u64().unwrap());
    }
    assert_eq!(starts[0], 0);
    assert!(starts[0] < starts[1] && starts[1] < starts[2], "{starts:?}");
    let c = on(dir, &dev, &["--json", "check", "--all"])
        .code(0)
        .result();
    assert_eq!(c["verdict"], "ok");
    let checked: Vec<u64> = c["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_u64().unwrap())
        .collect();
    assert_eq!(checked, starts);
    let info = info_json(dir, &dev);
    assert_eq!(info["status"], "appendable");
    assert_eq!(sessions(&info).len(), 3);
    assert_eq!(info["profile"], "DVD-RW sequential recording");

    let f = on(dir, &dev, &["--json", "format"]).result();
    assert_eq!(f["action"], "formatted");
    assert_eq!(f["profile"], "DVD-RW restricted overwrite");
    let fl = on(dir, &dev, &["--json", "formats"]).result();
    assert_eq!(fl["state"], "formatted");
    assert!(!fl["formats"].as_array().unwrap().is_empty());
    let info = info_json(dir, &dev);
    assert_eq!(info["layout"], "emulated");

    on(dir, &dev, &["eject"]).code(0);
    let info = info_json(dir, &dev);
    assert_eq!(info["status"], "empty");
    assert_eq!(info["profile"], "no medium");
    let text = on(dir, &dev, &["info"]).ok();
    assert!(text.contains("no disc in the drive"), "{text}");
    on(dir, &dev, &["add", "a"]).fails(4, "no disc");
    let l = on(dir, &dev, &["--json", "eject", "--load"]).result();
    assert_eq!(l["medium"], "DVD-RW restricted overwrite");
    assert_eq!(
        info_json(dir, &dev)["profile"],
        "DVD-RW restricted overwrite"
    );
}

/// Two sessions on every writable medium and on an image file: both
/// listed with their volume ids, both checked, the newest tree holding
/// both sessions' files.
#[test]
fn two_sessions_on_every_writable_medium() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let mut devs: Vec<(String, String)> = WRITABLE
        .iter()
        .map(|m| (m.to_string(), emul(dir, m, &format!("{m}.img"))))
        .collect();
    devs.push(("stdio".into(), stdio(dir, "file.iso")));
    for (name, dev) in &devs {
        let a1 = on(dir, dev, &["--json", "add", "a", "--volid", "FIRST"]).result();
        let a2 = on(dir, dev, &["--json", "add", "b=/b", "--volid", "SECOND"]).result();
        let info = info_json(dir, dev);
        let s = sessions(&info);
        assert_eq!(s.len(), 2, "{name}: {info}");
        assert_eq!(s[0].0, a1["start"].as_u64().unwrap(), "{name}");
        assert_eq!(s[1].0, a2["start"].as_u64().unwrap(), "{name}");
        assert_eq!(
            (s[0].2.as_str(), s[1].2.as_str()),
            ("FIRST", "SECOND"),
            "{name}"
        );
        let overwritable = OVERWRITABLE.contains(&name.as_str()) || name == "stdio";
        assert_eq!(
            info["layout"],
            if overwritable {
                "emulated"
            } else {
                "sequential"
            },
            "{name}"
        );
        let c = on(dir, dev, &["--json", "check", "--all"]).code(0).result();
        assert_eq!(c["verdict"], "ok", "{name}: {c}");
        let files = files_on(dir, dev);
        assert_eq!(files.len(), 4, "{name}: {files:?}");
        assert!(files.contains(&("/b/two.txt".into(), 15)), "{name}");
        // A third session without --volid keeps the volume id.
        let a3 = on(dir, dev, &["--json", "add", "a/one.txt=/again.txt"]).result();
        assert_eq!(a3["volume_id"], "SECOND", "{name}");
    }
    // The image file and the overwritable media's backing files read the
    // same in xorriso.
    for f in ["file.iso", "dvd+rw.img", "dvd-ram.img", "bd-re.img"] {
        let toc = xorriso_toc(&dir.join(f));
        assert_eq!(toc.len(), 3, "{f}: {toc:?}");
        assert_eq!(toc[0].2, "FIRST", "{f}");
        let (code, text) = xorriso_check_md5_r(&dir.join(f));
        assert_eq!(code, 0, "{f}: {text}");
        assert!(
            text.contains("File contents and their MD5 checksums match."),
            "{f}: {text}"
        );
    }
}

/// A changed file in a later session replaces the old one in the tree;
/// the old session still holds the old content.
#[test]
fn later_sessions_replace_files() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("note.txt"), b"version 1\n").unwrap();
    let dev = stdio(dir, "n.iso");
    on(dir, &dev, &["add", "note.txt"]).code(0);
    fs::write(dir.join("note.txt"), b"version two\n").unwrap();
    on(dir, &dev, &["add", "note.txt"]).code(0);
    let out = dir.join("got.txt");
    on(dir, &dev, &["extract", "/note.txt", out.to_str().unwrap()]).code(0);
    assert_eq!(fs::read(&out).unwrap(), b"version two\n");
    // The first session, opened by isoinfo at its start, has version 1.
    let toc = xorriso_toc(&dir.join("n.iso"));
    let first = toc[0].0.to_string();
    let old = oracle(
        "isoinfo",
        &["-i", "n.iso", "-T", &first, "-R", "-x", "/note.txt"],
        dir,
        false,
    );
    assert_eq!(old, "version 1\n");
    on(dir, &dev, &["check", "--all"]).code(0);
}

/// Raw data written as the first session (`burn write` of a file that is
/// no ISO image): `add` refuses, saying why and how to go on, and writes
/// nothing; `add --force` starts the new session without old files.
#[test]
fn add_after_raw_data_needs_force() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let raw: Vec<u8> = (0..150_000u32).map(|i| (i * 13 % 255) as u8).collect();
    fs::write(dir.join("raw.bin"), &raw).unwrap();
    for media in ["cd-r", "dvd+r"] {
        let dev = emul(dir, media, &format!("{media}.img"));
        let img = dir.join(format!("{media}.img"));
        on(dir, &dev, &["write", "raw.bin", "--write-type", "tao"]).code(0);
        let before = fingerprint(&img);
        let r = on(dir, &dev, &["add", "a"]).fails(4, "holds no ISO 9660 file system");
        assert!(r.stderr.contains("hint: --force"), "{media}: {}", r.stderr);
        assert_eq!(fingerprint(&img), before, "{media}: nothing written");
        let r = on(dir, &dev, &["add", "a", "--force", "--volid", "AFTER_RAW"]).code(0);
        assert!(
            r.stderr.contains("starts without them"),
            "{media}: {}",
            r.stderr
        );
        let i = info_json(dir, &dev);
        let s = sessions(&i);
        assert_eq!(s.len(), 2, "{media}: {i}");
        assert_eq!(s[1].2, "AFTER_RAW");
        assert_eq!(
            files_on(dir, &dev),
            vec![
                ("/one.txt".to_string(), 14),
                ("/sub/data.bin".to_string(), 200_000)
            ]
        );
        on(dir, &dev, &["check"]).code(0);
    }
}
