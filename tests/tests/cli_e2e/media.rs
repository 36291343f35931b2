//! `info`, `formats`, `format`, `blank` and `eject` on every medium of
//! the emulated recorder and on image files.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::support::*;

fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

fn info(dir: &Path, dev: &str) -> Value {
    on(dir, dev, &["--json", "info"]).json()
}

/// What a fresh disc of each kind looks like: (media, profile, layout,
/// erasable, formattable).
const FRESH: &[(&str, &str, &str, bool, bool)] = &[
    ("cd-r", "CD-R", "sequential", false, false),
    ("cd-rw", "CD-RW", "sequential", true, false),
    (
        "dvd-r",
        "DVD-R sequential recording",
        "sequential",
        false,
        false,
    ),
    (
        "dvd-rw",
        "DVD-RW sequential recording",
        "sequential",
        true,
        true,
    ),
    ("dvd+r", "DVD+R", "sequential", false, false),
    ("dvd+r-dl", "DVD+R/DL", "sequential", false, false),
    ("dvd+rw", "DVD+RW", "emulated", false, true),
    ("dvd-ram", "DVD-RAM", "emulated", false, true),
    (
        "bd-r",
        "BD-R sequential recording",
        "sequential",
        false,
        true,
    ),
    ("bd-re", "BD-RE", "emulated", false, true),
];

#[test]
fn info_and_formats_of_fresh_discs() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for &(media, profile, layout, erasable, formattable) in FRESH {
        let dev = emul(dir, media, &format!("{media}.img"));
        let v = info(dir, &dev);
        assert_eq!(v["profile"], profile, "{media}");
        assert_eq!(v["layout"], layout, "{media}");
        assert_eq!(v["status"], "blank", "{media}");
        assert_eq!(v["erasable"], erasable, "{media}");
        assert_eq!(v["sessions"], Value::Array(vec![]), "{media}");
        let next = if layout == "emulated" { 32 } else { 0 };
        assert_eq!(v["next_writable"], next, "{media}");
        let cap = v["capacity_blocks"].as_u64().unwrap();
        let free = v["free_blocks"].as_u64().unwrap();
        assert_eq!(free, cap - next, "{media}");
        assert_eq!(v["capacity_bytes"], cap * 2048, "{media}");
        // Plausible sizes: 700 MiB CD, 4.4 GiB DVD, 8 GiB DL, 23 GiB BD.
        let gib = cap as f64 * 2048.0 / (1u64 << 30) as f64;
        let (lo, hi) = match &media[..2] {
            "cd" => (0.6, 0.8),
            "bd" => (21.0, 24.0),
            _ if media.ends_with("dl") => (7.5, 8.5),
            _ => (4.0, 4.5),
        };
        assert!((lo..hi).contains(&gib), "{media}: {gib} GiB");
        let text = on(dir, &dev, &["info"]).ok();
        assert!(
            text.contains(&format!("Medium:        {profile}")),
            "{text}"
        );
        assert!(text.contains("Sessions:      none"), "{text}");

        let f = on(dir, &dev, &["--json", "formats"]).json();
        assert_eq!(f["formattable"], formattable, "{media}");
        let text = on(dir, &dev, &["formats"]).ok();
        if formattable {
            assert!(!f["formats"].as_array().unwrap().is_empty(), "{media}");
            assert!(text.contains("Index  Type"), "{text}");
        } else {
            assert_eq!(f["state"], Value::Null, "{media}");
            assert!(text.contains("cannot be formatted"), "{text}");
        }
    }
    // ROM discs: a finished image in a drive.
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/x"), b"x").unwrap();
    burn(dir, ["mkiso", "-o", "rom.iso", "--volid", "ROMDISC", "src"]).ok();
    for (media, profile) in [
        ("cd-rom", "CD-ROM"),
        ("dvd-rom", "DVD-ROM"),
        ("bd-rom", "BD-ROM"),
    ] {
        let v = info(dir, &emul(dir, media, "rom.iso"));
        assert_eq!(v["profile"], profile);
        assert_eq!(v["layout"], "read-only");
        assert_eq!(v["status"], "closed");
        assert_eq!(v["sessions"][0]["volume_id"], "ROMDISC", "{media}");
        assert_eq!(v["next_writable"], Value::Null);
    }
    // An image file that does not exist yet is created only by writes.
    let dev = stdio(dir, "new.iso");
    on(dir, &dev, &["info"]).fails(4, "no such device or file");
    assert!(!dir.join("new.iso").exists());
}

#[test]
fn formatting() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // As needed: what a writer needs, once.
    for (media, ty, profile_after) in [
        ("dvd+rw", Some(0x26), "DVD+RW"),
        ("bd-re", Some(0x00), "BD-RE"),
        ("dvd-rw", Some(0x00), "DVD-RW restricted overwrite"),
        ("dvd-ram", None, "DVD-RAM"),
        ("bd-r", None, "BD-R sequential recording"),
    ] {
        let dev = emul(dir, media, &format!("{media}.img"));
        let v = on(dir, &dev, &["--json", "format"]).result();
        match ty {
            Some(t) => {
                assert_eq!(v["action"], "formatted", "{media}");
                assert_eq!(v["format_type"], t, "{media}");
            }
            None => assert_eq!(v["action"], "nothing", "{media}"),
        }
        assert_eq!(v["profile"], profile_after, "{media}");
        let f = on(dir, &dev, &["--json", "formats"]).json();
        // A BD-R is written unformatted (formatting it is optional).
        let state = if media == "bd-r" {
            "unformatted"
        } else {
            "formatted"
        };
        assert_eq!(f["state"], state, "{media}: {f}");
        if media != "dvd+rw" {
            // Once formatted, as-needed has nothing to do.
            let v = on(dir, &dev, &["--json", "format"]).result();
            assert_eq!(v["action"], "nothing", "{media}");
        }
    }
    // BD-RE: by index and by size change the capacity.
    let dev = emul(dir, "bd-re", "bd-re.img");
    let f = on(dir, &dev, &["--json", "formats"]).json();
    let offers = f["formats"].as_array().unwrap().clone();
    let spare_30h: Vec<&Value> = offers.iter().filter(|o| o["format_type"] == 0x30).collect();
    assert!(spare_30h.len() >= 2, "{f}");
    let pick = spare_30h.last().unwrap();
    let idx = pick["index"].to_string();
    let v = on(dir, &dev, &["--json", "format", "--index", &idx]).result();
    assert_eq!(v["format_type"], 0x30);
    assert_eq!(v["capacity_blocks"], pick["blocks"]);
    assert_eq!(info(dir, &dev)["capacity_blocks"], pick["blocks"]);
    // --size: the smallest format that holds it.
    let smallest = offers
        .iter()
        .map(|o| o["blocks"].as_u64().unwrap())
        .min()
        .unwrap();
    let v = on(dir, &dev, &["--json", "format", "--size", "1G"]).result();
    assert_eq!(v["capacity_blocks"], smallest);
    let v = on(dir, &dev, &["--json", "format", "--mode", "without-spare"]).result();
    assert_eq!(v["format_type"], 0x31);
    let max = offers
        .iter()
        .map(|o| o["blocks"].as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(v["capacity_blocks"], max);
    // Impossible requests.
    on(dir, &dev, &["format", "--index", "99"]).fails(2, "format index 99 does not exist");
    on(dir, &dev, &["format", "--size", "1000G"]).fails(2, "no format");
    let dev = emul(dir, "dvd+rw", "dvd+rw.img");
    on(dir, &dev, &["format", "--mode", "without-spare"]).fails(4, "applies to BD-RE");
    for media in ["cd-r", "cd-rw", "dvd-r", "dvd+r"] {
        let dev = emul(dir, media, &format!("{media}.img"));
        on(dir, &dev, &["format"]).fails(4, "cannot be formatted");
    }
    // An image file needs nothing.
    let dev = stdio(dir, "f.iso");
    fs::write(dir.join("f.iso"), b"").unwrap();
    let v = on(dir, &dev, &["--json", "format"]).result();
    assert_eq!(v["action"], "nothing");
}

#[test]
fn blanking() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/x.txt"), b"some data\n").unwrap();
    // Erasable media: BLANK.
    for (media, mode, full) in [
        ("cd-rw", "fast", false),
        ("cd-rw", "all", true),
        ("dvd-rw", "as-needed", true),
        ("dvd-rw", "fast", false),
        ("dvd-rw", "deformat-quickest", false),
    ] {
        let dev = emul(dir, media, &format!("{media}-{mode}.img"));
        on(dir, &dev, &["add", "src"]).code(0);
        let v = on(dir, &dev, &["--json", "blank", "--mode", mode]).result();
        assert_eq!(v["action"], "blanked", "{media} {mode}");
        assert_eq!(v["full"], full, "{media} {mode}");
        assert_eq!(info(dir, &dev)["status"], "blank", "{media} {mode}");
        // Blank already: as-needed has nothing to do (except on a
        // minimally blanked DVD-RW, which it blanks fully).
        if media == "cd-rw" {
            let v = on(dir, &dev, &["--json", "blank"]).result();
            assert_eq!(v["action"], "nothing", "{media} {mode}");
        }
    }
    // Overwritable media and image files: the head is invalidated, the
    // next session goes to LBA 32 again; xorriso agrees it is blank.
    for (media, dev) in [
        ("dvd+rw", emul(dir, "dvd+rw", "plus.img")),
        ("bd-re", emul(dir, "bd-re", "re.img")),
        ("dvd-ram", emul(dir, "dvd-ram", "ram.img")),
        ("stdio", stdio(dir, "file.iso")),
    ] {
        on(dir, &dev, &["add", "src"]).code(0);
        on(dir, &dev, &["add", "src=/again"]).code(0);
        let v = on(dir, &dev, &["--json", "blank"]).result();
        assert_eq!(v["action"], "invalidated", "{media}");
        let i = info(dir, &dev);
        assert_eq!(i["status"], "blank", "{media}");
        assert_eq!(i["next_writable"], 32, "{media}");
        let backing = match media {
            "dvd+rw" => "plus.img",
            "bd-re" => "re.img",
            "dvd-ram" => "ram.img",
            _ => "file.iso",
        };
        assert!(xorriso_toc(&dir.join(backing)).is_empty(), "{media}");
        // And writable from scratch.
        let a = on(dir, &dev, &["--json", "add", "src"]).result();
        assert_eq!(a["session"], 1, "{media}");
        assert_eq!(a["start"], 32, "{media}");
    }
    // A full blank of an image file truncates it.
    let dev = stdio(dir, "file.iso");
    let v = on(dir, &dev, &["--json", "blank", "--mode", "all"]).result();
    assert_eq!(v["action"], "truncated");
    assert_eq!(fs::metadata(dir.join("file.iso")).unwrap().len(), 0);
    // Modes that do not apply.
    let dev = emul(dir, "cd-rw", "cd-rw-fast.img");
    on(dir, &dev, &["blank", "--mode", "deformat"]).fails(4, "DVD-RW only");
    let dev = emul(dir, "bd-re", "re.img");
    on(dir, &dev, &["blank", "--mode", "deformat"]).fails(4, "DVD-RW only");
}

#[test]
fn eject_and_load() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/x.txt"), b"x\n").unwrap();
    let dev = emul(dir, "bd-r", "bd.img");
    on(dir, &dev, &["add", "src", "--volid", "KEPT"]).code(0);
    let v = on(dir, &dev, &["--json", "eject"]).json();
    assert_eq!(v["action"], "eject");
    assert_eq!(v["done"], true);
    let i = info(dir, &dev);
    assert_eq!(i["status"], "empty");
    assert_eq!(i["sessions"], Value::Array(vec![]));
    fs::write(dir.join("x.iso"), vec![0u8; 4096]).unwrap();
    for args in [
        &["check"][..],
        &["ls"],
        &["extract", "/", "out"],
        &["verify", "x.iso"],
        &["formats"],
        &["blank"],
        &["format"],
        &["add", "src"],
        &["write", "x.iso"],
        &["verify", "x.iso", "--session", "1"],
        &["read", "-o", "x-copy.iso"],
        &["read", "--session", "1", "-o", "x-copy.iso"],
        &["check", "--session", "1"],
        &["check", "--all"],
    ] {
        // The drive is empty: neither "blank" nor "no session 1".
        let r = on(dir, &dev, args).fails(4, "no disc in the drive");
        assert!(!r.stderr.contains("blank"), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("hint: insert a disc"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let v = on(dir, &dev, &["--json", "eject", "--load"]).json();
    assert_eq!(v["action"], "load");
    assert_eq!(v["medium"], "BD-R sequential recording");
    let i = info(dir, &dev);
    assert_eq!(i["sessions"][0]["volume_id"], "KEPT");
    on(dir, &dev, &["check"]).code(0);
    // Image files have no tray: nothing to do, successfully.
    let dev = stdio(dir, "f.iso");
    on(dir, &dev, &["add", "src"]).code(0);
    let v = on(dir, &dev, &["--json", "eject"]).json();
    assert_eq!(v["done"], false);
    assert!(v["note"].as_str().unwrap().contains("cannot be ejected"));
    let text = on(dir, &dev, &["eject"]).ok();
    assert!(text.contains("nothing to do"), "{text}");
}
