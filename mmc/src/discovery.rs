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

/// Where this machine's sysfs and device nodes are.
const SYS_ROOT: &str = "/sys";
const DEV_ROOT: &str = "/dev";

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
    find_recorders_in(Path::new(SYS_ROOT), Path::new(DEV_ROOT))
}

/// The recorder that owns device node `node` (its sr or sg node), if any —
/// e.g. to map a given `/dev/sgN` to its `/dev/srN` sibling.
pub fn lookup(node: &Path) -> Option<FoundDrive> {
    find_recorders()
        .into_iter()
        .find(|d| d.block_node.as_deref() == Some(node) || d.generic_node.as_deref() == Some(node))
}

/// Whether a device number belongs to a block or a character device.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NodeType {
    /// A block device (`/dev/srN`, `/dev/scdN`).
    Block,
    /// A character device (`/dev/sgN`).
    Char,
}

/// The device number of a node, as `stat(2)` (`st_rdev`) and sysfs (the
/// `dev` attribute, "MAJ:MIN") give it. Two nodes with the same number are
/// the same device to the kernel, whatever their names.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DeviceNumber {
    pub node_type: NodeType,
    pub major: u32,
    pub minor: u32,
}

impl DeviceNumber {
    /// The number of a block or character device node; `None` for other
    /// files.
    pub fn of(meta: &std::fs::Metadata) -> Option<DeviceNumber> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let ft = meta.file_type();
        let node_type = if ft.is_block_device() {
            NodeType::Block
        } else if ft.is_char_device() {
            NodeType::Char
        } else {
            return None;
        };
        let rdev = meta.rdev();
        Some(DeviceNumber {
            node_type,
            major: libc::major(rdev),
            minor: libc::minor(rdev),
        })
    }

    /// Parses "MAJ:MIN" as sysfs's `dev` attributes and
    /// `/proc/self/mountinfo` give it.
    pub(crate) fn parse(node_type: NodeType, s: &str) -> Option<DeviceNumber> {
        let (major, minor) = s.trim().split_once(':')?;
        Some(DeviceNumber {
            node_type,
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl std::fmt::Display for DeviceNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = match self.node_type {
            NodeType::Block => "block",
            NodeType::Char => "char",
        };
        write!(f, "{t} {}:{}", self.major, self.minor)
    }
}

/// Another device node of the same drive.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SiblingNode {
    /// Where the node is expected (`/dev/` + the kernel's device name).
    pub path: PathBuf,
    /// The device number sysfs gives for it; the node at `path` must have
    /// it to be the drive's.
    pub number: DeviceNumber,
}

/// The other device nodes of the drive behind device node `node`: for
/// `/dev/srN` its `/dev/sgM`, for `/dev/sgM` its `/dev/srN`, and any
/// `/dev/scdN` alias of the sr node — every node through which another
/// program could send commands to the same drive (`mmc-recipes.md` §1:
/// libburn opens them all with `O_EXCL` during a burn).
///
/// Found through sysfs, by device number (so `/dev/cdrom` and other links
/// work): `/sys/dev/{block,char}/MAJ:MIN/device` is the SCSI device
/// directory, whose `block/` and `scsi_generic/` entries are its nodes;
/// when that is missing, by name (`/sys/block/srN/device`,
/// `/sys/class/scsi_generic/sgN/device`). `node` itself (its device
/// number) is not in the list; aliases with the same number as another
/// entry are. Empty when the node is no SCSI device or sysfs is missing.
pub fn sibling_nodes(node: &Path) -> Vec<SiblingNode> {
    let number = std::fs::metadata(node)
        .ok()
        .and_then(|m| DeviceNumber::of(&m));
    sibling_nodes_of(node, number)
}

/// [`sibling_nodes`] of `node` with device number `number` (`None`: found
/// by name only), for a caller that already has the number of the node it
/// opened.
pub(crate) fn sibling_nodes_of(node: &Path, number: Option<DeviceNumber>) -> Vec<SiblingNode> {
    sibling_nodes_in(Path::new(SYS_ROOT), Path::new(DEV_ROOT), node, number)
}

/// [`sibling_nodes`] against another sysfs root and device directory, for
/// `node` with device number `number` (`None`: found by name only).
pub fn sibling_nodes_in(
    sys_root: &Path,
    dev_root: &Path,
    node: &Path,
    number: Option<DeviceNumber>,
) -> Vec<SiblingNode> {
    let Some(scsi_dir) = scsi_device_dir(sys_root, node, number) else {
        log::debug!("{}: no SCSI device in sysfs", node.display());
        return Vec::new();
    };
    // The node's own kernel name (`scdN` is `srN`), for when its number is
    // unknown.
    let own_name = node
        .canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(node)
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| match n.strip_prefix("scd") {
            Some(num) => format!("sr{num}"),
            None => n.to_owned(),
        });
    let mut out = Vec::new();
    for (subdir, node_type) in [("block", NodeType::Block), ("scsi_generic", NodeType::Char)] {
        let Ok(entries) = std::fs::read_dir(scsi_dir.join(subdir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let Some(sib_number) =
                read_attr(&entry.path(), "dev").and_then(|d| DeviceNumber::parse(node_type, &d))
            else {
                log::debug!("{}: no device number", entry.path().display());
                continue;
            };
            let path = dev_root.join(dev_name(&entry.path(), &name));
            let is_self = match number {
                Some(n) => n == sib_number,
                None => own_name.as_deref() == Some(name.as_str()),
            };
            // The old name of /dev/srN, where a system still makes it.
            if node_type == NodeType::Block
                && let Some(n) = name.strip_prefix("sr")
            {
                let scd = dev_root.join(format!("scd{n}"));
                if scd.symlink_metadata().is_ok() && scd != node {
                    out.push(SiblingNode {
                        path: scd,
                        number: sib_number,
                    });
                }
            }
            if !is_self {
                out.push(SiblingNode {
                    path,
                    number: sib_number,
                });
            }
        }
    }
    out.sort_by_key(|s| natural_key(&s.path));
    out
}

/// The canonical SCSI device directory (`/sys/devices/…/H:C:T:L`) of a
/// node: by device number, else by name.
fn scsi_device_dir(sys_root: &Path, node: &Path, number: Option<DeviceNumber>) -> Option<PathBuf> {
    if let Some(n) = number {
        let class = match n.node_type {
            NodeType::Block => "block",
            NodeType::Char => "char",
        };
        let link = sys_root
            .join("dev")
            .join(class)
            .join(format!("{}:{}", n.major, n.minor))
            .join("device");
        if let Ok(dir) = std::fs::canonicalize(&link) {
            return Some(dir);
        }
    }
    let resolved = node.canonicalize().unwrap_or_else(|_| node.to_path_buf());
    let name = resolved.file_name()?.to_str()?;
    let candidates = if let Some(n) = name.strip_prefix("scd") {
        vec![sys_root.join("block").join(format!("sr{n}"))]
    } else if name.starts_with("sg") {
        vec![sys_root.join("class/scsi_generic").join(name)]
    } else {
        vec![
            sys_root.join("block").join(name),
            sys_root.join("class/block").join(name),
        ]
    };
    candidates
        .into_iter()
        .find_map(|c| std::fs::canonicalize(c.join("device")).ok())
}

/// The node's path below `/dev`: `DEVNAME` of the entry's `uevent` (devtmpfs
/// uses it), else the kernel name with `!` standing for `/`.
fn dev_name(entry: &Path, name: &str) -> PathBuf {
    let from_uevent = std::fs::read_to_string(entry.join("uevent"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("DEVNAME=").map(str::to_owned))
        })
        .filter(|n| !n.is_empty() && !n.starts_with('/') && !n.split('/').any(|c| c == ".."));
    PathBuf::from(from_uevent.unwrap_or_else(|| name.replace('!', "/")))
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
        /// The kernel's layout for node `name` of SCSI device `hctl`
        /// (`block` or `scsi_generic`): `…/H:C:T:L/CLASS/NAME/` with `dev`
        /// ("MAJ:MIN"), `uevent` and a `device` link back, and the links
        /// `/sys/block/NAME` or `/sys/class/scsi_generic/NAME` and
        /// `/sys/dev/{block,char}/MAJ:MIN` to it.
        fn attach(&self, hctl: &str, class: &str, name: &str, dev: &str, uevent: Option<&str>) {
            let rel = format!("devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/{hctl}");
            let dir = self.sys().join(&rel).join(class).join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("dev"), format!("{dev}\n")).unwrap();
            if let Some(u) = uevent {
                std::fs::write(dir.join("uevent"), u).unwrap();
            }
            symlink("../..", dir.join("device")).unwrap();
            let (class_link, dev_class) = match class {
                "block" => (self.sys().join("block").join(name), "block"),
                _ => (self.sys().join("class/scsi_generic").join(name), "char"),
            };
            let up = if class == "block" { "../" } else { "../../" };
            symlink(format!("{up}{rel}/{class}/{name}"), class_link).unwrap();
            let by_number = self.sys().join("dev").join(dev_class);
            std::fs::create_dir_all(&by_number).unwrap();
            symlink(format!("../../{rel}/{class}/{name}"), by_number.join(dev)).unwrap();
        }
    }

    fn block(major: u32, minor: u32) -> DeviceNumber {
        DeviceNumber {
            node_type: NodeType::Block,
            major,
            minor,
        }
    }

    fn char(major: u32, minor: u32) -> DeviceNumber {
        DeviceNumber {
            node_type: NodeType::Char,
            major,
            minor,
        }
    }

    /// A disk (sda + sg0), a recorder (sr0 + sg1), a recorder only the sg
    /// driver has (sg2), with device nodes for all of them.
    fn two_drives_and_a_disk() -> FakeSys {
        let fake = FakeSys::new();
        fake.device("0:0:0:0", 0, "ATA", "Samsung SSD", "1B6Q");
        fake.device("1:0:0:0", 5, "HL-DT-ST", "BD-RE  WH16NS60", "1.02");
        fake.device("2:0:0:0", 5, "ASUS", "DRW-24D5MT", "1.00");
        fake.attach("0:0:0:0", "block", "sda", "8:0", None);
        fake.attach("0:0:0:0", "scsi_generic", "sg0", "21:0", None);
        fake.attach(
            "1:0:0:0",
            "block",
            "sr0",
            "11:0",
            Some("MAJOR=11\nMINOR=0\nDEVNAME=sr0\nDEVTYPE=disk\n"),
        );
        fake.attach(
            "1:0:0:0",
            "scsi_generic",
            "sg1",
            "21:1",
            Some("MAJOR=21\nMINOR=1\nDEVNAME=sg1\n"),
        );
        fake.attach("2:0:0:0", "scsi_generic", "sg2", "21:2", None);
        for n in ["sda", "sg0", "sr0", "sg1", "sg2"] {
            fake.node(n);
        }
        fake
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
    fn sr_and_sg_are_siblings_by_device_number() {
        let fake = two_drives_and_a_disk();
        let (sys, dev) = (fake.sys(), fake.dev());
        let sib = |node: &str, n| sibling_nodes_in(&sys, &dev, &dev.join(node), Some(n));
        let sg1 = SiblingNode {
            path: dev.join("sg1"),
            number: char(21, 1),
        };
        let sr0 = SiblingNode {
            path: dev.join("sr0"),
            number: block(11, 0),
        };
        assert_eq!(sib("sr0", block(11, 0)), vec![sg1.clone()]);
        assert_eq!(sib("sg1", char(21, 1)), vec![sr0.clone()]);
        // The number decides, not the name: a udev link such as /dev/cdrom.
        assert_eq!(sib("cdrom", block(11, 0)), vec![sg1.clone()]);
        assert_eq!(sib("dvdrw", char(21, 1)), vec![sr0]);
        // Any SCSI device has them, not only recorders.
        assert_eq!(
            sib("sda", block(8, 0)),
            vec![SiblingNode {
                path: dev.join("sg0"),
                number: char(21, 0),
            }]
        );
        // Only the sg driver has this drive: no other node.
        assert!(sib("sg2", char(21, 2)).is_empty());
        // Unknown numbers (/dev/null is char 1:3, no SCSI device in sysfs).
        assert!(sib("null", char(1, 3)).is_empty());
        assert!(sib("sr7", block(11, 7)).is_empty());
        // A block and a char device may share numbers: the type counts.
        assert!(sib("x", block(21, 1)).is_empty());
    }

    #[test]
    fn siblings_by_name_without_a_device_number() {
        let fake = two_drives_and_a_disk();
        let (sys, dev) = (fake.sys(), fake.dev());
        let sib = |node: &str| sibling_nodes_in(&sys, &dev, &dev.join(node), None);
        let paths = |v: Vec<SiblingNode>| v.into_iter().map(|s| s.path).collect::<Vec<_>>();
        assert_eq!(paths(sib("sr0")), vec![dev.join("sg1")]);
        assert_eq!(paths(sib("sg1")), vec![dev.join("sr0")]);
        // /dev/scdN is the old name of /dev/srN.
        assert_eq!(paths(sib("scd0")), vec![dev.join("sg1")]);
        // A link resolves to its target's name.
        symlink("sr0", dev.join("cdrom")).unwrap();
        assert_eq!(paths(sib("cdrom")), vec![dev.join("sg1")]);
        assert!(sib("sg2").is_empty());
        assert!(sib("sr9").is_empty());
        // No sysfs at all.
        let none = fake.root.path().join("nope");
        assert!(sibling_nodes_in(&none, &dev, &dev.join("sr0"), Some(block(11, 0))).is_empty());
        assert!(sibling_nodes_in(&none, &dev, &dev.join("sr0"), None).is_empty());
    }

    #[test]
    fn scd_alias_is_listed_with_the_sr_number() {
        let fake = two_drives_and_a_disk();
        fake.node("scd0");
        let (sys, dev) = (fake.sys(), fake.dev());
        let sib = |node: &str, n| sibling_nodes_in(&sys, &dev, &dev.join(node), n);
        let scd0 = SiblingNode {
            path: dev.join("scd0"),
            number: block(11, 0),
        };
        let sg1 = SiblingNode {
            path: dev.join("sg1"),
            number: char(21, 1),
        };
        let sr0 = SiblingNode {
            path: dev.join("sr0"),
            number: block(11, 0),
        };
        // From sg1: both names of the block device (the same number: the
        // opener holds it once).
        assert_eq!(sib("sg1", Some(char(21, 1))), vec![scd0.clone(), sr0]);
        // From sr0: its alias (same number, skipped by the opener) and sg1.
        assert_eq!(
            sib("sr0", Some(block(11, 0))),
            vec![scd0.clone(), sg1.clone()]
        );
        // From the alias: sr0 is itself by number, sg1 the sibling.
        assert_eq!(sib("scd0", Some(block(11, 0))), vec![sg1.clone()]);
        assert_eq!(sib("scd0", None), vec![sg1]);
    }

    #[test]
    fn node_path_from_uevent_devname() {
        let fake = FakeSys::new();
        fake.device("4:0:0:0", 5, "HP", "DVD Writer", "1.0");
        // DEVNAME is the path below /dev; the kernel name uses `!` for `/`.
        fake.attach(
            "4:0:0:0",
            "block",
            "sr3",
            "11:3",
            Some("MAJOR=11\nMINOR=3\nDEVNAME=optical/sr3\n"),
        );
        fake.attach("4:0:0:0", "scsi_generic", "cciss!sg3", "21:3", None);
        // A DEVNAME that climbs out of /dev is not believed.
        fake.device("5:0:0:0", 5, "HP", "DVD Writer", "1.0");
        fake.attach(
            "5:0:0:0",
            "block",
            "sr4",
            "11:4",
            Some("DEVNAME=../etc/passwd\n"),
        );
        fake.attach(
            "5:0:0:0",
            "scsi_generic",
            "sg4",
            "21:4",
            Some("DEVNAME=/etc/passwd\n"),
        );
        let (sys, dev) = (fake.sys(), fake.dev());
        let sib = |node: &str, n| sibling_nodes_in(&sys, &dev, &dev.join(node), Some(n));
        assert_eq!(
            sib("optical/sr3", block(11, 3)),
            vec![SiblingNode {
                path: dev.join("cciss/sg3"),
                number: char(21, 3),
            }]
        );
        assert_eq!(
            sib("cciss/sg3", char(21, 3)),
            vec![SiblingNode {
                path: dev.join("optical/sr3"),
                number: block(11, 3),
            }]
        );
        assert_eq!(sib("sg4", char(21, 4))[0].path, dev.join("sr4"));
        assert_eq!(sib("sr4", block(11, 4))[0].path, dev.join("sg4"));
    }

    #[test]
    fn device_number_display_and_parse() {
        assert_eq!(
            DeviceNumber::parse(NodeType::Block, "11:0\n"),
            Some(block(11, 0))
        );
        for bad in ["", "11", "11:", ":0", "a:b", "11:0:1", "-1:0"] {
            assert_eq!(DeviceNumber::parse(NodeType::Char, bad), None, "{bad:?}");
        }
        assert_eq!(char(21, 3).to_string(), "char 21:3");
        // A regular file has no device number.
        let f = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(DeviceNumber::of(&f.as_file().metadata().unwrap()), None);
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["/dev/sr10", "/dev/sr2", "/dev/sg1", "/dev/sr0"];
        v.sort_by_key(|p| natural_key(Path::new(p)));
        assert_eq!(v, vec!["/dev/sg1", "/dev/sr0", "/dev/sr2", "/dev/sr10"]);
    }
}
