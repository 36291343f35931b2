//! Running the binary and the oracles; building source trees.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Fixed file times, so listings compare exactly (2024-01-02T03:04:05Z).
pub const EPOCH: i64 = 1_704_164_645;

/// The `burn` executable, built on first use.
pub fn burn_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("BURN_BIN") {
            return PathBuf::from(p);
        }
        // This test runs from <target>/<profile>/deps/; the binary goes to
        // <target>/<profile>/burn.
        let exe = std::env::current_exe().expect("current_exe");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test binary in <target>/<profile>/deps")
            .to_path_buf();
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "burn-cli", "--bin", "burn"])
            .current_dir(workspace);
        if profile_dir.file_name() == Some(OsStr::new("release")) {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cannot run cargo to build burn");
        assert!(
            status.success(),
            "cargo build -p burn-cli --bin burn failed"
        );
        let bin = profile_dir.join("burn");
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
}

/// What a run of `burn` produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Asserts exit code 0 and returns stdout.
    pub fn ok(&self) -> String {
        assert_eq!(
            self.code,
            0,
            "burn failed: stdout {}\nstderr {}",
            self.out(),
            self.stderr
        );
        self.out()
    }

    /// stdout as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.out()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }

    /// The only JSON document on stdout.
    pub fn json(&self) -> serde_json::Value {
        let mut v = self.json_lines();
        assert_eq!(v.len(), 1, "expected one JSON document: {}", self.out());
        v.remove(0)
    }
}

/// A `burn` command with a clean environment (no BURN_DEV, no
/// SOURCE_DATE_EPOCH), run in `cwd`.
pub fn burn_cmd(cwd: &Path) -> Command {
    let mut c = Command::new(burn_bin());
    c.current_dir(cwd)
        .env_remove("BURN_DEV")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null());
    c
}

pub fn run_cmd(mut c: Command) -> Run {
    let o: Output = c.output().expect("cannot run burn");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: o.stdout,
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs `burn ARGS` in `cwd`.
pub fn burn<I, S>(cwd: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = burn_cmd(cwd);
    c.args(args);
    run_cmd(c)
}

/// Runs an oracle that must succeed; returns stdout (and stderr appended
/// when `with_stderr`).
pub fn oracle(tool: &str, args: &[&str], cwd: &Path, with_stderr: bool) -> String {
    let out = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("oracle `{tool}` is required but could not be run: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        if with_stderr {
            String::from_utf8_lossy(&out.stderr).into_owned()
        } else {
            String::new()
        }
    );
    assert!(
        out.status.success(),
        "`{tool} {}` failed ({}): {text}{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

pub fn set_time(p: &Path) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(EPOCH as u64);
    let f = File::options()
        .read(true)
        .open(p)
        .or_else(|_| File::open(p))
        .unwrap();
    f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

/// A tree with nested directories, an empty file, a file of several
/// blocks, a name with spaces and `=`, a long name, permissions, a
/// symlink and a hard link; all times set to [`EPOCH`].
pub fn sample_tree(dir: &Path) -> PathBuf {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let t = dir.join("tree");
    fs::create_dir_all(t.join("docs/deep/deeper")).unwrap();
    fs::create_dir_all(t.join("empty dir")).unwrap();
    fs::write(t.join("hello.txt"), b"hello, world\n").unwrap();
    fs::write(t.join("empty"), b"").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    fs::write(t.join("docs/big.bin"), &big).unwrap();
    fs::write(t.join("docs/deep/deeper/note.md"), b"# note\n").unwrap();
    fs::write(t.join("docs/with space=and equals.txt"), b"x=1\n").unwrap();
    fs::write(
        t.join("a rather long file name that does not fit into ISO 9660 level 1.txt"),
        b"long\n",
    )
    .unwrap();
    fs::set_permissions(t.join("docs/big.bin"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::set_permissions(t.join("hello.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    symlink("hello.txt", t.join("link")).unwrap();
    fs::hard_link(t.join("hello.txt"), t.join("docs/hard")).unwrap();
    for e in walk(&t) {
        if !e.is_symlink() {
            set_time(&e);
        }
    }
    set_time(&t);
    t
}

/// Every path below `root` (not following symlinks), parents after children.
pub fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

/// Runs `diff -r A B` (symlinks compared as links); panics on a difference.
pub fn diff_r(a: &Path, b: &Path) {
    let out = Command::new("diff")
        .arg("-r")
        .arg("--no-dereference")
        .arg(a)
        .arg(b)
        .output()
        .expect("diff is required");
    assert!(
        out.status.success(),
        "trees differ:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
