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

    /// The result document: the last JSON line, after progress events
    /// only.
    pub fn result(&self) -> serde_json::Value {
        let mut v = self.json_lines();
        let last = v
            .pop()
            .unwrap_or_else(|| panic!("no JSON on stdout: {self:?}"));
        for e in &v {
            assert_eq!(e["type"], "progress", "before the result: {e}");
        }
        last
    }

    /// The only JSON document on stdout.
    pub fn json(&self) -> serde_json::Value {
        let mut v = self.json_lines();
        assert_eq!(v.len(), 1, "expected one JSON document: {}", self.out());
        v.remove(0)
    }
}

/// A `burn` command with a clean environment (no BURN_DEV, no
/// SOURCE_DATE_EPOCH), run in `cwd`. The emulated recorder's blanking and
/// formatting are instant (BURN_EMUL_TIME_SCALE=0).
pub fn burn_cmd(cwd: &Path) -> Command {
    let mut c = Command::new(burn_bin());
    c.current_dir(cwd)
        .env_remove("BURN_DEV")
        .env_remove("SOURCE_DATE_EPOCH")
        .env("BURN_EMUL_TIME_SCALE", "0")
        .stdin(Stdio::null());
    c
}

/// Asserts exit code `code` and returns the run.
impl Run {
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            code,
            "expected exit code {code}: stdout {}\nstderr {}",
            self.out(),
            self.stderr
        );
        self
    }

    /// Asserts a failure with exit code `code` whose message contains
    /// `text`, and nothing on standard output.
    pub fn fails(self, code: i32, text: &str) -> Run {
        let r = self.code(code);
        assert!(
            r.stderr.starts_with("error: ") && r.stderr.contains(text),
            "expected an error containing {text:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "stdout: {}", r.out());
        r
    }
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

/// The address of the emulated recorder holding `media`, backed by
/// `dir/name` (created blank on first use).
pub fn emul(dir: &Path, media: &str, name: &str) -> String {
    format!("emul:{media}:{}", dir.join(name).display())
}

/// `stdio:dir/name`.
pub fn stdio(dir: &Path, name: &str) -> String {
    format!("stdio:{}", dir.join(name).display())
}

/// The writable media of the emulated recorder.
pub const WRITABLE: &[&str] = &[
    "cd-r", "cd-rw", "dvd-r", "dvd-rw", "dvd+r", "dvd+r-dl", "dvd+rw", "dvd-ram", "bd-r", "bd-re",
];

/// The overwritable ones (sessions by the multisession emulation).
pub const OVERWRITABLE: &[&str] = &["dvd+rw", "dvd-ram", "bd-re"];

/// What tells whether an emulated medium or an image file changed: the
/// image's size, allocated blocks and modification time, and the
/// emulator's state file beside it. (The emulated images are sparse files
/// of the medium's full size: comparing their bytes would read gigabytes.)
#[derive(Debug, PartialEq, Eq)]
pub struct Fingerprint {
    len: Option<u64>,
    blocks: Option<u64>,
    mtime: Option<(i64, i64)>,
    state: Option<Vec<u8>>,
    /// Small files (≤ 64 MiB): the bytes themselves.
    bytes: Option<Vec<u8>>,
}

pub fn fingerprint(image: &Path) -> Fingerprint {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(image).ok();
    let mut state = image.as_os_str().to_owned();
    state.push(".emul");
    Fingerprint {
        len: m.as_ref().map(|m| m.len()),
        blocks: m.as_ref().map(|m| m.blocks()),
        mtime: m.as_ref().map(|m| (m.mtime(), m.mtime_nsec())),
        state: fs::read(PathBuf::from(state)).ok(),
        bytes: m
            .as_ref()
            .filter(|m| m.len() <= 64 << 20)
            .and_then(|_| fs::read(image).ok()),
    }
}

/// The `ISO session : i , start , size , volid` lines of `xorriso -toc`
/// on an image file (or an emulated overwritable medium's backing file),
/// as (start, blocks, volume id).
pub fn xorriso_toc(image: &Path) -> Vec<(u32, u32, String)> {
    let dev = format!("stdio:{}", image.display());
    let out = oracle("xorriso", &["-indev", &dev, "-toc"], Path::new("/"), true);
    out.lines()
        .filter_map(|l| l.strip_prefix("ISO session  :"))
        .map(|rest| {
            let f: Vec<&str> = rest.split(',').map(str::trim).collect();
            (
                f[1].parse().unwrap(),
                f[2].trim_end_matches('s').parse().unwrap(),
                f.get(3).copied().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Runs `xorriso -md5 on -indev stdio:IMAGE -check_md5_r FAILURE / --` and
/// returns (exit status, output).
pub fn xorriso_check_md5_r(image: &Path) -> (i32, String) {
    let dev = format!("stdio:{}", image.display());
    let out = Command::new("xorriso")
        .args([
            "-md5",
            "on",
            "-indev",
            &dev,
            "-check_md5_r",
            "FAILURE",
            "/",
            "--",
        ])
        .output()
        .expect("oracle `xorriso` is required");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Two small source trees for sessions: `a/` and `b/`, distinct files.
pub fn two_trees(dir: &Path) {
    fs::create_dir_all(dir.join("a/sub")).unwrap();
    fs::create_dir_all(dir.join("b")).unwrap();
    fs::write(dir.join("a/one.txt"), b"first session\n").unwrap();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(dir.join("a/sub/data.bin"), &big).unwrap();
    fs::write(dir.join("b/two.txt"), b"second session\n").unwrap();
    let other: Vec<u8> = (0..70_000u32).map(|i| (i % 13) as u8).collect();
    fs::write(dir.join("b/more.bin"), &other).unwrap();
}

/// Kills a process that is still running when the guard is dropped or
/// after two minutes, so that a test waiting for its output fails instead
/// of hanging.
pub struct KillAfter {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl KillAfter {
    pub fn new(pid: u32) -> KillAfter {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        std::thread::spawn(move || {
            for _ in 0..1200 {
                if d.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        });
        KillAfter { done }
    }
}

impl Drop for KillAfter {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
