//! Finding optical recorders through sysfs, without opening any device.
//!
//! A recorder is a SCSI device of peripheral device type 05h ("CD/DVD
//! device", SPC-4 table 141; `mmc-recipes.md` §3.1 step 1). Linux exposes it
//! as `/dev/srN` (the cdrom block driver) and `/dev/sgN` (SCSI generic); both
//! sysfs entries link to the same SCSI device directory
//! (`/sys/devices/…/H:C:T:L`), which holds `type`, `vendor`, `model` and
//! `rev`. This module pairs the two nodes and reports, per drive, the
//! preferred address (`/dev/srN` unless only the sg node exists,
//! `mmc-recipes.md` §1) and whether the current user may open it read-write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::unistd::{AccessFlags, access};

use crate::address::Address;

/// SCSI peripheral device type of MMC drives (SPC-4 §6.6.2, table 141).
pub const PERIPHERAL_TYPE_MMC: u8 = 0x05;

/// Whether the current user may open a drive read-write.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Access {
    /// `access(2)` with `R_OK | W_OK` succeeds.
    ReadWrite,
    /// Why not, as text (e.g. "permission denied: …").
    Denied(String),
}

impl Access {
    pub fn is_read_write(&self) -> bool {
        matches!(self, Access::ReadWrite)
    }
}

/// One recorder found in sysfs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FoundDrive {
    /// The address to use: the sr node when there is one, else the sg node.
    pub address: Address,
    /// The cdrom block node (`/dev/srN`), when the sr driver has the drive.
    pub block_node: Option<PathBuf>,
    /// The SCSI generic node (`/dev/sgN`), when the sg driver has the drive.
    pub generic_node: Option<PathBuf>,
    /// INQUIRY vendor identification, trimmed.
    pub vendor: String,
    /// INQUIRY product identification, trimmed.
    pub model: String,
    /// INQUIRY product revision level, trimmed.
    pub revision: String,
    /// Read-write access to the node of `address`.
    pub access: Access,
}

/// Recorders of this machine (`/sys`, `/dev`), sorted by address. No drives,
/// or no sysfs, give an empty list.
pub fn find_recorders() -> Vec<FoundDrive> {
    find_recorders_in(Path::new("/sys"), Path::new("/dev"))
}

/// The recorder that owns device node `node` (its sr or sg node), if any —
/// e.g. to map a given `/dev/sgN` to its `/dev/srN` sibling.
pub fn lookup(node: &Path) -> Option<FoundDrive> {
    find_recorders()
        .into_iter()
        .find(|d| d.block_node.as_deref() == Some(node) || d.generic_node.as_deref() == Some(node))
}

/// [`find_recorders`] against another sysfs root and device directory (for
/// tests with a fake tree).
pub fn find_recorders_in(sys_root: &Path, dev_root: &Path) -> Vec<FoundDrive> {
    // Canonical SCSI device directory → (sr name, sg name).
    let mut by_device: BTreeMap<PathBuf, (Option<String>, Option<String>)> = BTreeMap::new();
    for (name, dir) in class_entries(&sys_root.join("block"), "sr") {
        by_device.entry(dir).or_default().0 = Some(name);
    }
    for (name, dir) in class_entries(&sys_root.join("class/scsi_generic"), "sg") {
        by_device.entry(dir).or_default().1 = Some(name);
    }

    let mut found = Vec::new();
    for (dir, (sr, sg)) in by_device {
        let ptype = read_attr(&dir, "type").and_then(|t| t.parse::<u8>().ok());
        if ptype != Some(PERIPHERAL_TYPE_MMC) {
            continue;
        }
        let block_node = sr.map(|n| dev_root.join(n));
        let generic_node = sg.map(|n| dev_root.join(n));
        let Some(node) = block_node.clone().or_else(|| generic_node.clone()) else {
            continue;
        };
        let access = check_access(&node);
        found.push(FoundDrive {
            address: Address::Device(node),
            block_node,
            generic_node,
            vendor: read_attr(&dir, "vendor").unwrap_or_default(),
            model: read_attr(&dir, "model").unwrap_or_default(),
            revision: read_attr(&dir, "rev").unwrap_or_default(),
            access,
        });
    }
    found.sort_by_key(|d| natural_key(d.address.path()));
    found
}

/// Entries `PREFIX<digits>` of a sysfs class directory with the canonical
/// path of their `device` link.
fn class_entries(class_dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(class_dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let is_ours = name
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !is_ours {
            continue;
        }
        match std::fs::canonicalize(entry.path().join("device")) {
            Ok(dir) => out.push((name, dir)),
            Err(e) => log::debug!("{}: no device link: {e}", entry.path().display()),
        }
    }
    out
}

/// A sysfs attribute, trimmed; `None` when unreadable.
fn read_attr(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name))
        .ok()
        .map(|s| s.trim().to_string())
}

fn check_access(node: &Path) -> Access {
    match access(node, AccessFlags::R_OK | AccessFlags::W_OK) {
        Ok(()) => Access::ReadWrite,
        Err(Errno::ENOENT) => Access::Denied(format!("no device node {}", node.display())),
        Err(Errno::EACCES | Errno::EPERM) => Access::Denied(
            "permission denied: read-write access needs membership in the drive's group (usually `cdrom`) or root".into(),
        ),
        Err(Errno::EROFS) => Access::Denied("read-only file system".into()),
        Err(e) => Access::Denied(e.desc().to_lowercase()),
    }
}

/// Sort key that orders `sr2` before `sr10`.
fn natural_key(path: &Path) -> (PathBuf, String, u64) {
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, num) = name.split_at(name.len() - digits);
    (parent, stem.to_string(), num.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Builds a sysfs-like tree: one SCSI device directory per
    /// `(hctl, type, vendor, model, rev)` and relative `device` links as the
    /// kernel makes them.
    struct FakeSys {
        root: tempfile::TempDir,
    }

    impl FakeSys {
        fn new() -> FakeSys {
            let root = tempfile::tempdir().unwrap();
            for d in ["sys/block", "sys/class/scsi_generic", "dev"] {
                std::fs::create_dir_all(root.path().join(d)).unwrap();
            }
            FakeSys { root }
        }
        fn sys(&self) -> PathBuf {
            self.root.path().join("sys")
        }
        fn dev(&self) -> PathBuf {
            self.root.path().join("dev")
        }
        fn device(&self, hctl: &str, ptype: u8, vendor: &str, model: &str, rev: &str) {
            let dir = self
                .sys()
                .join("devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0")
                .join(hctl);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("type"), format!("{ptype}\n")).unwrap();
            // sysfs pads INQUIRY strings with blanks.
            std::fs::write(dir.join("vendor"), format!("{vendor:<8}\n")).unwrap();
            std::fs::write(dir.join("model"), format!("{model:<16}\n")).unwrap();
            std::fs::write(dir.join("rev"), format!("{rev:<4}\n")).unwrap();
        }
        fn link(&self, class: &str, name: &str, hctl: &str) {
            let entry = self.sys().join(class).join(name);
            std::fs::create_dir_all(&entry).unwrap();
            let up = if class == "block" {
                "../../"
            } else {
                "../../../"
            };
            symlink(
                format!("{up}devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/{hctl}"),
                entry.join("device"),
            )
            .unwrap();
        }
        fn node(&self, name: &str) {
            std::fs::write(self.dev().join(name), b"").unwrap();
        }
    }

    #[test]
    fn empty_tree_and_missing_sysfs_give_no_drives() {
        let fake = FakeSys::new();
        assert!(find_recorders_in(&fake.sys(), &fake.dev()).is_empty());
        assert!(find_recorders_in(&fake.root.path().join("nope"), &fake.dev()).is_empty());
    }

    #[test]
    fn pairs_sr_with_sg_and_skips_other_types() {
        let fake = FakeSys::new();
        fake.device("0:0:0:0", 0, "ATA", "Samsung SSD", "1B6Q"); // a disk
        fake.device("1:0:0:0", 5, "HL-DT-ST", "BD-RE  WH16NS60", "1.02");
        fake.device("2:0:0:0", 5, "ASUS", "DRW-24D5MT", "1.00");
        fake.device("3:0:0:0", 5, "PIONEER", "BD-RW   BDR-209D", "1.10");
        fake.link("class/scsi_generic", "sg0", "0:0:0:0");
        fake.link("class/scsi_generic", "sg1", "1:0:0:0");
        fake.link("block", "sr0", "1:0:0:0");
        // Only the sg driver has this one (sr not bound).
        fake.link("class/scsi_generic", "sg2", "2:0:0:0");
        // sr10 sorts after sr0 and sg2 by number, not text.
        fake.link("class/scsi_generic", "sg3", "3:0:0:0");
        fake.link("block", "sr10", "3:0:0:0");
        // Not ours: names without the prefix + digits form.
        fake.link("block", "sda", "0:0:0:0");
        for n in ["sr0", "sg1", "sr10", "sg3"] {
            fake.node(n);
        }

        let found = find_recorders_in(&fake.sys(), &fake.dev());
        let dev = fake.dev();
        let addrs: Vec<String> = found.iter().map(|d| d.address.to_string()).collect();
        assert_eq!(
            addrs,
            vec![
                dev.join("sg2").display().to_string(),
                dev.join("sr0").display().to_string(),
                dev.join("sr10").display().to_string(),
            ]
        );
        let sg_only = &found[0];
        assert_eq!(sg_only.block_node, None);
        assert_eq!(sg_only.generic_node, Some(dev.join("sg2")));
        assert_eq!(
            sg_only.access,
            Access::Denied(format!("no device node {}", dev.join("sg2").display()))
        );

        let lg = &found[1];
        assert_eq!(lg.block_node, Some(dev.join("sr0")));
        assert_eq!(lg.generic_node, Some(dev.join("sg1")));
        assert_eq!(
            (lg.vendor.as_str(), lg.model.as_str(), lg.revision.as_str()),
            ("HL-DT-ST", "BD-RE  WH16NS60", "1.02")
        );
        // The node exists and belongs to the user running the test.
        assert!(lg.access.is_read_write());
        assert_eq!(found[2].generic_node, Some(dev.join("sg3")));
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["/dev/sr10", "/dev/sr2", "/dev/sg1", "/dev/sr0"];
        v.sort_by_key(|p| natural_key(Path::new(p)));
        assert_eq!(v, vec!["/dev/sg1", "/dev/sr0", "/dev/sr2", "/dev/sr10"]);
    }
}
