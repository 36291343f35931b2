//! Boot options of `mkiso` and `add`, and `mkiso --from OLD --boot-replay`,
//! judged by xorriso (`-report_el_torito`, `-report_system_area`),
//! isoinfo, sgdisk and md5sum.

use std::fs;
use std::path::Path;

use super::support::*;

/// ISOLINUX's files (package isolinux): the BIOS loader and the hybrid
/// MBR template.
const ISOLINUX_BIN: &str = "/usr/lib/ISOLINUX/isolinux.bin";
const ISOHDPFX: &str = "/usr/lib/ISOLINUX/isohdpfx.bin";

/// `cdroot/` with an ISOLINUX loader and config and a 1.44 MB EFI image.
fn cd_root(dir: &Path) {
    let r = dir.join("cdroot");
    fs::create_dir_all(r.join("isolinux")).unwrap();
    fs::create_dir_all(r.join("boot")).unwrap();
    let bin = fs::read(ISOLINUX_BIN).unwrap_or_else(|e| {
        panic!("{ISOLINUX_BIN} is required (package isolinux, scripts/test-all.sh): {e}")
    });
    fs::write(r.join("isolinux/isolinux.bin"), bin).unwrap();
    fs::write(r.join("isolinux/isolinux.cfg"), b"default linux\n").unwrap();
    // Any 1.44 MB image will do for the catalog; a FAT one as firmware
    // expects.
    let efi = r.join("boot/efi.img");
    fs::File::create(&efi)
        .unwrap()
        .set_len(1440 * 1024)
        .unwrap();
    oracle("mkfs.vfat", &[efi.to_str().unwrap()], dir, false);
}

/// xorriso's `-report_el_torito plain` and `-report_system_area plain`.
fn xorriso_boot(image: &Path) -> String {
    let dev = format!("stdio:{}", image.display());
    oracle(
        "xorriso",
        &[
            "-indev",
            &dev,
            "-report_el_torito",
            "plain",
            "-report_system_area",
            "plain",
        ],
        Path::new("/"),
        true,
    )
}

fn row<'a>(report: &'a str, prefix: &str) -> Vec<&'a str> {
    report
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(|l| l[prefix.len()..].trim())
        .collect()
}

const LIVE: &[&str] = &[
    "mkiso",
    "-o",
    "live.iso",
    "--volid",
    "LIVE",
    "--boot-image",
    "/isolinux/isolinux.bin",
    "--boot-catalog",
    "/isolinux/boot.cat",
    "--boot-load-size",
    "4",
    "--boot-info-table",
    "--efi-boot",
    "/boot/efi.img",
    "--isohybrid",
    ISOHDPFX,
    "--isohybrid-gpt",
    "cdroot",
];

#[test]
fn bios_efi_and_isohybrid_image() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    cd_root(dir);
    let mut args = vec!["--json"];
    args.extend_from_slice(LIVE);
    let v = burn(dir, args).result();
    assert_eq!(v["bootable"], true);
    assert_eq!(v["isohybrid"], true);
    let md5 = oracle("md5sum", &["live.iso"], dir, false);
    assert_eq!(v["md5"], md5.split_whitespace().next().unwrap());

    let report = xorriso_boot(&dir.join("live.iso"));
    assert_eq!(
        row(&report, "El Torito cat path :"),
        ["/isolinux/boot.cat"],
        "{report}"
    );
    let imgs = row(&report, "El Torito boot img :");
    assert_eq!(imgs.len(), 2, "{report}");
    let bios: Vec<&str> = imgs[0].split_whitespace().collect();
    let uefi: Vec<&str> = imgs[1].split_whitespace().collect();
    // N Pltf B Emul Ld_seg Hdpt Ldsiz LBA
    assert_eq!(
        &bios[..7],
        ["1", "BIOS", "y", "none", "0x0000", "0x00", "4"]
    );
    assert_eq!(
        &uefi[..7],
        ["2", "UEFI", "y", "none", "0x0000", "0x00", "2880"]
    );
    assert_eq!(
        row(&report, "El Torito img path :"),
        ["1  /isolinux/isolinux.bin", "2  /boot/efi.img"]
    );
    let opts = row(&report, "El Torito img opts :");
    assert!(opts[0].contains("boot-info-table"), "{report}");
    assert!(opts[0].contains("isohybrid-suitable"), "{report}");
    assert!(
        row(&report, "Boot record  :")[0].contains("MBR isohybrid"),
        "{report}"
    );
    assert!(
        report.contains("GPT partition path :   2  /boot/efi.img"),
        "{report}"
    );
    let info = oracle("isoinfo", &["-d", "-i", "live.iso"], dir, false);
    assert!(info.contains("El Torito VD version 1 found"), "{info}");
    // A GPT that partition tools accept.
    let v = oracle("sgdisk", &["-v", "live.iso"], dir, true);
    assert!(v.contains("No problems found"), "{v}");
    // Still a correct ISO 9660 image with checksums.
    oracle("isovfy", &["-i", "live.iso"], dir, false);
    let (code, text) = xorriso_check_md5_r(&dir.join("live.iso"));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn from_an_old_image_keeping_its_boot_setup() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    cd_root(dir);
    burn(dir, LIVE).ok();
    fs::write(
        dir.join("preseed.cfg"),
        b"d-i debian-installer/locale string en_US\n",
    )
    .unwrap();
    let v = burn(
        dir,
        [
            "--json",
            "mkiso",
            "-o",
            "custom.iso",
            "--from",
            "live.iso",
            "--boot-replay",
            "preseed.cfg=/preseed.cfg",
        ],
    )
    .result();
    assert_eq!(v["volume_id"], "LIVE", "the old volume id is kept");
    assert_eq!(v["bootable"], true);
    assert_eq!(v["files"], 5);
    let size = fs::metadata(dir.join("custom.iso")).unwrap().len();
    assert_eq!(v["bytes"], size);
    let md5 = oracle("md5sum", &["custom.iso"], dir, false);
    assert_eq!(v["md5"], md5.split_whitespace().next().unwrap());
    // The old image is untouched; the new one lists old and new files.
    let ls = burn(dir, ["ls", "-R", "custom.iso"]).ok();
    for p in ["/preseed.cfg", "/isolinux/isolinux.bin", "/boot/efi.img"] {
        assert!(ls.lines().any(|l| l == p), "{p} missing: {ls}");
    }
    let out = dir.join("x");
    burn(
        dir,
        [
            "extract",
            "custom.iso",
            "/preseed.cfg",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    assert_eq!(
        fs::read(&out).unwrap(),
        fs::read(dir.join("preseed.cfg")).unwrap()
    );
    // The same catalog, in the new session.
    let old = xorriso_boot(&dir.join("live.iso"));
    let new = xorriso_boot(&dir.join("custom.iso"));
    assert_eq!(
        row(&new, "El Torito img path :"),
        row(&old, "El Torito img path :")
    );
    let ldsiz = |r: &str| -> Vec<String> {
        row(r, "El Torito boot img :")
            .iter()
            .map(|l| l.split_whitespace().take(7).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(ldsiz(&new), ldsiz(&old));
    assert!(
        row(&new, "El Torito img opts :")[0].contains("boot-info-table"),
        "{new}"
    );
    assert!(
        row(&new, "Boot record  :")[0].contains("MBR isohybrid"),
        "{new}"
    );
    let (code, text) = xorriso_check_md5_r(&dir.join("custom.iso"));
    assert_eq!(code, 0, "{text}");
    burn(dir, ["--dev", "stdio:custom.iso", "check"]).ok();
    // Without --boot-replay the files are kept, the boot setup is not.
    let v = burn(
        dir,
        [
            "--json",
            "mkiso",
            "-o",
            "plain.iso",
            "--from",
            "live.iso",
            "preseed.cfg",
        ],
    )
    .result();
    assert_eq!(v["bootable"], false);
}

#[test]
fn boot_options_of_add() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    cd_root(dir);
    // The first session of an emulated BD-RE: the catalog and the hybrid
    // MBR reach LBA 0 through the head.
    let dev = emul(dir, "bd-re", "re.img");
    burn(
        dir,
        [
            "--dev",
            &dev,
            "add",
            "cdroot",
            "--boot-image",
            "/isolinux/isolinux.bin",
            "--boot-load-size",
            "4",
            "--boot-info-table",
            "--isohybrid",
            ISOHDPFX,
        ],
    )
    .ok();
    let r = xorriso_boot(&dir.join("re.img"));
    assert!(
        row(&r, "Boot record  :")[0].contains("El Torito , MBR isohybrid"),
        "{r}"
    );
    assert_eq!(
        row(&r, "El Torito img path :"),
        ["1  /isolinux/isolinux.bin"]
    );
    // A later session without boot options: warned about.
    fs::write(dir.join("late.txt"), b"late\n").unwrap();
    let run = burn(dir, ["--dev", &dev, "add", "late.txt"]).code(0);
    assert!(run.stderr.contains("will not boot"), "{}", run.stderr);
    // … and with them again (the loader is now an imported file).
    burn(
        dir,
        [
            "--dev",
            &dev,
            "add",
            "late.txt=/later.txt",
            "--boot-image",
            "/isolinux/isolinux.bin",
        ],
    )
    .ok();
    let r = xorriso_boot(&dir.join("re.img"));
    assert_eq!(
        row(&r, "El Torito img path :"),
        ["1  /isolinux/isolinux.bin"]
    );
    burn(dir, ["--dev", &dev, "check", "--all"]).ok();
    // A CD-R: the first session at LBA 0, read by isoinfo from the
    // emulator's backing file.
    let dev = emul(dir, "cd-r", "cd.img");
    burn(
        dir,
        [
            "--dev",
            &dev,
            "add",
            "cdroot",
            "--boot-image",
            "/isolinux/isolinux.bin",
            "--boot-info-table",
        ],
    )
    .ok();
    let info = oracle("isoinfo", &["-d", "-i", "cd.img"], dir, false);
    assert!(info.contains("El Torito VD version 1 found"), "{info}");
}

#[test]
fn boot_option_errors() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    cd_root(dir);
    fs::write(dir.join("tiny.bin"), b"too short").unwrap();
    for (args, text) in [
        (
            &["mkiso", "-o", "x.iso", "--boot-load-size", "4", "cdroot"][..],
            "--boot-image",
        ),
        (
            &["mkiso", "-o", "x.iso", "--boot-replay", "cdroot"],
            "--from",
        ),
        (
            &[
                "mkiso",
                "-o",
                "x.iso",
                "--boot-image",
                "/isolinux/isolinux.bin",
                "--isohybrid",
                "tiny.bin",
                "cdroot",
            ],
            "isohybrid MBR template",
        ),
        (
            &["mkiso", "-o", "x.iso", "--boot-catalog", "/b.cat", "cdroot"],
            "--boot-image",
        ),
    ] {
        let r = burn(dir, args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(text), "{args:?}: {}", r.stderr);
        assert!(!dir.join("x.iso").exists());
    }
    // A boot image that is not in the image.
    let r = burn(
        dir,
        [
            "mkiso",
            "-o",
            "x.iso",
            "--boot-image",
            "/nope.bin",
            "cdroot",
        ],
    );
    assert!(r.code == 2 && r.stderr.contains("/nope.bin"), "{r:?}");
    assert!(!dir.join("x.iso").exists());
}

/// `add --boot-replay`: a bootable first session (BIOS with boot info
/// table, UEFI, isohybrid MBR and GPT) stays bootable in the new session
/// on an image file and an emulated DVD+RW — the same catalog as xorriso
/// reports it, in the newest session, and the hybrid MBR at LBA 0.
#[test]
fn add_with_boot_replay_keeps_the_disc_bootable() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    cd_root(dir);
    fs::write(dir.join("late.txt"), b"late\n").unwrap();
    for (dev, file) in [
        (stdio(dir, "live.img"), dir.join("live.img")),
        (emul(dir, "dvd+rw", "rw.img"), dir.join("rw.img")),
    ] {
        let mut first = vec!["--dev", dev.as_str(), "add", "cdroot", "--volid", "LIVE"];
        first.extend_from_slice(&LIVE[5..LIVE.len() - 1]);
        burn(dir, &first).ok();
        let old = xorriso_boot(&file);
        assert_eq!(row(&old, "El Torito img path :").len(), 2, "{old}");
        let v = burn(
            dir,
            ["--dev", &dev, "--json", "add", "late.txt", "--boot-replay"],
        )
        .result();
        assert_eq!(v["bootable"], true, "{v}");
        assert_eq!(v["session"], 2, "{v}");
        let new = xorriso_boot(&file);
        assert_eq!(
            row(&new, "El Torito img path :"),
            ["1  /isolinux/isolinux.bin", "2  /boot/efi.img"],
            "{new}"
        );
        let ldsiz = |r: &str| -> Vec<String> {
            row(r, "El Torito boot img :")
                .iter()
                .map(|l| l.split_whitespace().take(7).collect::<Vec<_>>().join(" "))
                .collect()
        };
        assert_eq!(ldsiz(&new), ldsiz(&old), "{new}");
        assert!(
            row(&new, "El Torito img opts :")[0].contains("boot-info-table"),
            "{new}"
        );
        assert!(
            row(&new, "Boot record  :")[0].contains("El Torito , MBR isohybrid"),
            "{new}"
        );
        // The catalog is the new session's (xorriso loads the newest).
        let cat_lba: u64 = row(&new, "El Torito catalog  :")[0]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(cat_lba >= v["start"].as_u64().unwrap(), "{new}");
        let ls = burn(dir, ["--dev", &dev, "ls"]).ok();
        assert!(ls.lines().any(|l| l == "late.txt"), "{ls}");
        burn(dir, ["--dev", &dev, "check", "--all"]).ok();
        let (code, text) = xorriso_check_md5_r(&file);
        assert_eq!(code, 0, "{text}");
    }
    // Boot options and --boot-replay together: a usage error.
    let dev = stdio(dir, "live.img");
    let r = burn(
        dir,
        [
            "--dev",
            &dev,
            "add",
            "late.txt",
            "--boot-replay",
            "--boot-image",
            "/isolinux/isolinux.bin",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
}
