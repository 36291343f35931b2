//! Running guest scripts in the VM lab (`lab/mmc-lab.sh`).
//!
//! The lab boots a Linux guest under QEMU whose `/dev/srN` + `/dev/sgN` are
//! tgt's emulated DVD+R recorder(s), runs one guest script and powers off.
//! A [`Lab`] describes one run; [`Lab::run`] checks the prerequisites
//! (failing with a message that says what is missing), runs the script with
//! a work directory of its own under `target/lab-runs/` and a kernel cache
//! shared by all runs (`target/lab-cache`), and returns a [`LabRun`]: exit
//! status, console text, the lines the guest command printed, named check
//! sections, and the recorder images.
//!
//! Guest scripts that source `/lab/checks.sh` (from `lab/guest/checks.sh`,
//! always copied in) frame the output of each check with markers
//! (`@@BEGIN name@@` … `@@END name rc=N@@`), so one boot can serve several
//! tests: [`LabRun::section`] and [`LabRun::expect_ok`] pick them out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cargo;

/// Exit status of `mmc-lab.sh` when the guest did not finish in time.
pub const EXIT_TIMEOUT: i32 = 124;
/// Exit status when the guest ended without reporting a status.
pub const EXIT_NO_REPORT: i32 = 125;
/// Exit status for lab setup failures (packages, kernel, tgtd, QEMU).
pub const EXIT_SETUP: i32 = 126;

/// Packages the lab script installs when they are missing (its `PKGS`).
pub const PACKAGES: &str = "tgt qemu-system-x86 qemu-block-extra busybox-static xorriso cdrskin growisofs sg3-utils libiscsi-bin iproute2";

/// Host programs the lab script runs, with the package providing each.
const TOOLS: &[(&str, &str)] = &[
    ("tgtd", "tgt"),
    ("tgtadm", "tgt"),
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("busybox", "busybox-static"),
    ("xorriso", "xorriso"),
    ("sg_raw", "sg3-utils"),
    ("ss", "iproute2"),
];

/// Only one lab run at a time per test process: two TCG guests on a small
/// machine are slower than two runs in turn, and the lab script's search
/// for a free port is not atomic.
static RUN_LOCK: Mutex<()> = Mutex::new(());

/// Why the lab could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    #[error(
        "the VM lab needs root (it runs tgtd, installs packages with apt-get and downloads a kernel), \
         but this is uid {uid} and passwordless sudo is not available (`sudo -n true`: {sudo}); \
         run the lab tests as root (e.g. `sudo -E env \"PATH=$PATH\" cargo test -p hw-tests --test lab`) \
         or allow this user passwordless sudo"
    )]
    NotRoot { uid: String, sudo: String },
    #[error("the VM lab runs only on x86_64 Linux (Debian/Ubuntu package names); this is {0}")]
    UnsupportedHost(String),
    #[error("the VM lab cannot run: {0}")]
    Missing(String),
    #[error("lab setup failed (mmc-lab.sh exit {code}):\n{details}")]
    Setup { code: i32, details: String },
    #[error("mmc-lab.sh was killed by a signal\n{details}")]
    Killed { details: String },
    #[error("cannot start {what}: {source}")]
    Spawn {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("lab work directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The directory of the lab files in this repository (`hw-tests/lab`).
pub fn lab_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lab")
}

/// The lab script, `hw-tests/lab/mmc-lab.sh`.
pub fn lab_script() -> PathBuf {
    lab_dir().join("mmc-lab.sh")
}

/// A guest script shipped in `hw-tests/lab/guest/`.
pub fn guest_script(file: &str) -> PathBuf {
    lab_dir().join("guest").join(file)
}

/// The kernel cache shared by all runs: `$LAB_CACHE` if set, else
/// `target/lab-cache`.
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("LAB_CACHE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => cargo::target_dir().join("lab-cache"),
    }
}

/// Effective (uid, gid) of this process.
fn effective_ids() -> Option<(u32, u32)> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let field = |key: &str| -> Option<u32> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(2)?.parse().ok()
    };
    Some((field("Uid:")?, field("Gid:")?))
}

/// How the lab script gets root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Privilege {
    /// This process is root.
    Root,
    /// Not root, but `sudo -n` works (passwordless sudo): the script runs
    /// through `sudo -n env …`, and the work directory and kernel cache are
    /// given back to this user afterwards.
    Sudo { uid: u32, gid: u32 },
}

/// Root, or passwordless sudo; otherwise why not.
pub fn privilege() -> Result<Privilege, LabError> {
    let (uid, gid) = effective_ids().ok_or_else(|| LabError::NotRoot {
        uid: "unknown".into(),
        sudo: "not tried".into(),
    })?;
    if uid == 0 {
        return Ok(Privilege::Root);
    }
    let Some(sudo) = find_program("sudo") else {
        return Err(LabError::NotRoot {
            uid: uid.to_string(),
            sudo: "sudo is not installed".into(),
        });
    };
    let sudo = match Command::new(sudo)
        .args(["-n", "true"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => return Ok(Privilege::Sudo { uid, gid }),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
            if err.is_empty() {
                format!("{}", o.status)
            } else {
                err
            }
        }
        Err(e) => format!("cannot run sudo: {e}"),
    };
    Err(LabError::NotRoot {
        uid: uid.to_string(),
        sudo,
    })
}

/// Finds `prog` on `PATH`, or in `/usr/sbin` and `/sbin` (root's tools are
/// there and `PATH` does not always include them).
pub fn find_program(prog: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

fn env_is(name: &str, value: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == value)
}

/// Checks what the lab needs before it starts: x86_64 Linux, root (or
/// passwordless sudo, see [`Privilege`]), bash, and either the host tools
/// or `apt-get` to install them; `apt-get` also when the guest kernel is
/// not cached yet. Network reachability of the Debian mirror is found out
/// by the script itself; its failure comes back as [`LabError::Setup`]
/// with the apt log.
pub fn prerequisites() -> Result<(), LabError> {
    check_prerequisites().map(|_| ())
}

fn check_prerequisites() -> Result<Privilege, LabError> {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Err(LabError::UnsupportedHost(format!(
            "{}/{}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )));
    }
    let privilege = privilege()?;
    for prog in ["bash", "flock", "dpkg-query"] {
        if find_program(prog).is_none() {
            return Err(LabError::Missing(format!(
                "`{prog}` not found; the lab script needs bash, util-linux and dpkg (a Debian-based host)"
            )));
        }
    }
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(prog, _)| find_program(prog).is_none())
        .map(|(prog, pkg)| format!("{prog} (package {pkg})"))
        .collect();
    let no_install = env_is("LAB_INSTALL", "0");
    let apt = find_program("apt-get").is_some();
    if !missing.is_empty() {
        if no_install {
            return Err(LabError::Missing(format!(
                "missing {} and LAB_INSTALL=0 forbids installing; run `apt-get install {PACKAGES}`",
                missing.join(", ")
            )));
        }
        if !apt {
            return Err(LabError::Missing(format!(
                "missing {} and no apt-get to install them",
                missing.join(", ")
            )));
        }
    }
    let kernel_cached = cache_dir().join("kernel/.done").is_file();
    if !kernel_cached && !apt {
        return Err(LabError::Missing(format!(
            "no guest kernel in {} and no apt-get to download one",
            cache_dir().display()
        )));
    }
    Ok(privilege)
}

/// Like [`prerequisites`], but panics with the reason: lab tests must fail,
/// never pass silently, when the lab cannot run.
pub fn require_prerequisites() {
    if let Err(e) = prerequisites() {
        panic!("{e}");
    }
}

/// One lab run to make.
#[derive(Clone, Debug)]
pub struct Lab {
    name: String,
    script: PathBuf,
    extra: Vec<PathBuf>,
    env: BTreeMap<String, String>,
}

impl Lab {
    /// A run named `name` (its work directory is `target/lab-runs/NAME`,
    /// emptied first) executing `script` in the guest. The guest helpers
    /// `lab/guest/checks.sh` and `lab/guest/tgt-raw-sequence.sh` are always
    /// copied into the guest's `/lab/`.
    pub fn new(name: &str, script: impl Into<PathBuf>) -> Lab {
        let mut env = BTreeMap::new();
        env.insert("LAB_QUIET".to_string(), "1".to_string());
        env.insert("LAB_TIMEOUT".to_string(), "900".to_string());
        Lab {
            name: name.to_string(),
            script: script.into(),
            extra: vec![
                guest_script("checks.sh"),
                guest_script("tgt-raw-sequence.sh"),
            ],
            env,
        }
    }

    /// Copies a file or directory into the guest's `/lab/` (on `PATH`);
    /// dynamic executables get their shared libraries.
    pub fn extra(mut self, path: impl Into<PathBuf>) -> Lab {
        self.extra.push(path.into());
        self
    }

    /// Number of emulated recorders (`LAB_RECORDERS`, default 1).
    pub fn recorders(self, n: u8) -> Lab {
        self.env("LAB_RECORDERS", &n.to_string())
    }

    /// Seconds the guest may run (`LAB_TIMEOUT`, default here 900).
    pub fn timeout(self, secs: u32) -> Lab {
        self.env("LAB_TIMEOUT", &secs.to_string())
    }

    /// Sets any `LAB_*` variable of `mmc-lab.sh` (see `lab/README.md`).
    /// `LAB_DIR` and `LAB_CACHE` are chosen by the harness.
    pub fn env(mut self, key: &str, value: &str) -> Lab {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    /// The work directory this run uses.
    pub fn work_dir(&self) -> PathBuf {
        cargo::target_dir().join("lab-runs").join(&self.name)
    }

    /// Boots the lab, runs the guest script and returns what happened.
    /// `Ok` whenever the guest ran (whatever its exit status); `Err` when
    /// the lab could not be set up.
    pub fn run(self) -> Result<LabRun, LabError> {
        let privilege = check_prerequisites()?;
        let _guard = RUN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let dir = self.work_dir();
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| LabError::Io { path, source }
        };
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let cache = cache_dir();
        fs::create_dir_all(&cache).map_err(io_err(&cache))?;

        let mut env: Vec<(String, std::ffi::OsString)> = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.into()))
            .collect();
        env.push(("LAB_DIR".into(), dir.clone().into()));
        env.push(("LAB_CACHE".into(), cache.clone().into()));
        env.push(("PATH".into(), path_with_sbin()));
        let mut cmd = match privilege {
            Privilege::Root => {
                let mut c = Command::new("bash");
                c.envs(env.iter().map(|(k, v)| (k, v)));
                c
            }
            Privilege::Sudo { .. } => {
                // sudo resets the environment: hand the variables over as
                // arguments of env(1).
                let mut c = Command::new("sudo");
                c.args(["-n", "env"]);
                for (k, v) in &env {
                    let mut kv = std::ffi::OsString::from(format!("{k}="));
                    kv.push(v);
                    c.arg(kv);
                }
                c.arg("bash");
                c
            }
        };
        cmd.arg(lab_script())
            .arg(&self.script)
            .args(&self.extra)
            .stdin(Stdio::null());
        let started = Instant::now();
        let out = cmd.output().map_err(|source| LabError::Spawn {
            what: format!("bash {}", lab_script().display()),
            source,
        });
        if let Privilege::Sudo { uid, gid } = privilege {
            // Everything the script made as root goes back to this user,
            // so that the next run can empty the work directory.
            let chown = Command::new("sudo")
                .args(["-n", "chown", "-R", &format!("{uid}:{gid}")])
                .arg(&dir)
                .arg(&cache)
                .stdin(Stdio::null())
                .output();
            match chown {
                Ok(o) if o.status.success() => {}
                Ok(o) => eprintln!(
                    "lab: could not give {} back to uid {uid}: {}",
                    dir.display(),
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
                Err(e) => eprintln!("lab: could not run sudo chown: {e}"),
            }
        }
        let out = out?;
        let wall = started.elapsed();
        let script_log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let console = fs::read_to_string(dir.join("console.txt"))
            .or_else(|_| {
                fs::read(dir.join("console.log")).map(|b| String::from_utf8_lossy(&b).into_owned())
            })
            .unwrap_or_default();
        let run = LabRun {
            name: self.name,
            dir,
            exit_code: out.status.code().unwrap_or(-1),
            console,
            script_log,
            wall,
        };
        if let Err(e) = run.save_sections() {
            eprintln!("lab: could not save the checks' output: {e}");
        }
        match out.status.code() {
            None => Err(LabError::Killed {
                details: run.report(),
            }),
            Some(EXIT_SETUP) => Err(LabError::Setup {
                code: EXIT_SETUP,
                details: run.report(),
            }),
            Some(_) => Ok(run),
        }
    }
}

fn path_with_sbin() -> std::ffi::OsString {
    let cur = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&cur).collect();
    for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        let p = PathBuf::from(extra);
        if !dirs.contains(&p) {
            dirs.push(p);
        }
    }
    std::env::join_paths(dirs).unwrap_or(cur)
}

/// The outcome of one lab run. The work directory is kept for inspection.
#[derive(Clone, Debug)]
pub struct LabRun {
    pub name: String,
    /// `LAB_DIR`: console.log/.txt, recorderN.img, tgtd.log, qemu.log, share/.
    pub dir: PathBuf,
    /// The guest command's exit status, or [`EXIT_TIMEOUT`] /
    /// [`EXIT_NO_REPORT`].
    pub exit_code: i32,
    /// The serial console without CRs and escape codes (`console.txt`).
    pub console: String,
    /// What `mmc-lab.sh` itself printed (`[mmc-lab] …` lines).
    pub script_log: String,
    /// Wall time of the whole run, setup included.
    pub wall: Duration,
}

/// Output of one check of a guest script (see `lab/guest/checks.sh`).
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Lines between `@@BEGIN name@@` and `@@END name rc=N@@`.
    pub output: String,
    /// `N`, or `None` if the end marker never came (guest died, timeout).
    pub rc: Option<i32>,
    /// Seconds the check took in the guest (`secs=S` after the end
    /// marker), if given.
    pub secs: Option<f64>,
}

impl Section {
    /// The commands the check ran with `run` (`lab/guest/checks.sh`), in
    /// order: each from its `$ CMD` line to its `rc=N` line.
    pub fn runs(&self) -> Vec<CmdRun> {
        let mut runs = Vec::new();
        let mut cur: Option<CmdRun> = None;
        for line in self.output.lines() {
            if let Some(cmd) = line.strip_prefix("$ ") {
                runs.extend(cur.take());
                cur = Some(CmdRun {
                    command: cmd.to_string(),
                    stdout: String::new(),
                    stderr: String::new(),
                    rc: None,
                });
                continue;
            }
            let Some(run) = cur.as_mut().filter(|r| r.rc.is_none()) else {
                continue;
            };
            if let Some(rc) = line.strip_prefix("rc=").and_then(|n| n.trim().parse().ok()) {
                run.rc = Some(rc);
            } else if let Some(err) = line.strip_prefix("stderr: ") {
                run.stderr.push_str(err);
                run.stderr.push('\n');
            } else if line == "stderr:" {
                run.stderr.push('\n');
            } else {
                run.stdout.push_str(line);
                run.stdout.push('\n');
            }
        }
        runs.extend(cur);
        runs
    }

    /// The first command run whose command line contains `needle`, or a
    /// panic that shows the check's output.
    #[track_caller]
    pub fn run(&self, needle: &str) -> CmdRun {
        self.runs()
            .into_iter()
            .find(|r| r.command.contains(needle))
            .unwrap_or_else(|| panic!("no command matching {needle:?} in:\n{}", self.output))
    }
}

/// One command a guest check ran with `run` (see `lab/guest/checks.sh`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmdRun {
    /// The command line as the guest printed it.
    pub command: String,
    pub stdout: String,
    pub stderr: String,
    /// Its exit status; `None` if the output ended first.
    pub rc: Option<i32>,
}

impl CmdRun {
    /// The JSON result document on standard output: the last line that is
    /// a JSON object and not a progress event (`burn --json`).
    pub fn json(&self) -> Option<serde_json::Value> {
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .filter(|l| l.trim_start().starts_with('{'))
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .rfind(|v| v.get("type").and_then(|t| t.as_str()) != Some("progress"))
    }

    /// Like [`CmdRun::json`], but panics with the command's output when
    /// there is no JSON document.
    #[track_caller]
    pub fn expect_json(&self) -> serde_json::Value {
        self.json()
            .unwrap_or_else(|| panic!("no JSON document from `{}`:\n{self}", self.command))
    }

    /// Standard output and standard error together.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for CmdRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        f.write_str(&self.stdout)?;
        for l in self.stderr.lines() {
            writeln!(f, "stderr: {l}")?;
        }
        match self.rc {
            Some(rc) => writeln!(f, "rc={rc}"),
            None => writeln!(f, "(no exit status)"),
        }
    }
}

impl LabRun {
    /// The lines printed between the lab's `@@LAB-RUN-START@@` and
    /// `@@LAB-RUN-END@@` markers (everything after the start marker if the
    /// end marker is missing).
    pub fn run_output(&self) -> &str {
        let c = self.console.as_str();
        let Some(start) = c.find("@@LAB-RUN-START@@") else {
            return "";
        };
        let body = c[start..].find('\n').map_or("", |nl| &c[start + nl + 1..]);
        match body.find("@@LAB-RUN-END@@") {
            Some(end) => {
                // the marker line may follow text without a newline
                let cut = body[..end].rfind('\n').map_or(0, |i| i + 1);
                let tail = &body[cut..end];
                if tail.is_empty() {
                    &body[..cut]
                } else {
                    &body[..end]
                }
            }
            None => body,
        }
    }

    /// Medium file of recorder `n` (1-based) after the run.
    pub fn recorder_image(&self, n: u32) -> PathBuf {
        self.dir.join(format!("recorder{n}.img"))
    }

    /// All recorder media, in recorder order.
    pub fn recorder_images(&self) -> Vec<PathBuf> {
        (1..)
            .map(|n| self.recorder_image(n))
            .take_while(|p| p.exists())
            .collect()
    }

    /// The host side of the guest's `$LAB_SHARE` (`/mnt/host`).
    pub fn share_dir(&self) -> PathBuf {
        self.dir.join("share")
    }

    /// The guest devices line: `iso=/dev/sr0 recorders=/dev/sr1 sg=/dev/sg1`.
    pub fn devices_line(&self) -> Option<&str> {
        self.console
            .lines()
            .find_map(|l| l.split_once("@@LAB-DEVICES@@ ").map(|(_, r)| r.trim()))
    }

    /// The check named `name`, if the guest started it.
    pub fn section(&self, name: &str) -> Option<Section> {
        let begin = format!("@@BEGIN {name}@@");
        let end = format!("@@END {name} rc=");
        let out = self.run_output();
        let start = out.find(&begin)?;
        let after = &out[start + begin.len()..];
        let after = after.strip_prefix('\n').unwrap_or(after);
        match after.find(&end) {
            Some(e) => {
                let marker = after[e + end.len()..].lines().next().unwrap_or("");
                let (rc, rest) = marker.split_once("@@").unwrap_or((marker, ""));
                let secs = rest
                    .trim()
                    .strip_prefix("secs=")
                    .and_then(|t| t.parse().ok());
                let body = &after[..e];
                Some(Section {
                    output: body.strip_suffix('\n').unwrap_or(body).to_string(),
                    rc: rc.trim().parse().ok(),
                    secs,
                })
            }
            None => Some(Section {
                output: after.to_string(),
                rc: None,
                secs: None,
            }),
        }
    }

    /// The names of the checks the guest started, in order.
    pub fn section_names(&self) -> Vec<String> {
        self.run_output()
            .lines()
            .filter_map(|l| l.strip_prefix("@@BEGIN "))
            .filter_map(|l| l.strip_suffix("@@"))
            .map(str::to_string)
            .collect()
    }

    /// Writes each check's output to `checks/NAME.txt` in the work
    /// directory and a line per check (status, seconds) to
    /// `checks/summary.txt`, for reading after the run.
    pub fn save_sections(&self) -> io::Result<()> {
        let dir = self.dir.join("checks");
        fs::create_dir_all(&dir)?;
        let mut summary = String::new();
        for name in self.section_names() {
            let Some(sec) = self.section(&name) else {
                continue;
            };
            let file = name.replace(['/', '\0'], "_");
            fs::write(dir.join(format!("{file}.txt")), format!("{}\n", sec.output))?;
            let _ = writeln!(
                summary,
                "{name:<24} rc={:<4} {:>7} s",
                sec.rc.map_or("-".to_string(), |r| r.to_string()),
                sec.secs.map_or("-".to_string(), |t| format!("{t:.1}"))
            );
        }
        fs::write(dir.join("summary.txt"), summary)
    }

    /// The output of check `name`; panics with the run's report unless the
    /// check ran and exited 0.
    #[track_caller]
    pub fn expect_ok(&self, name: &str) -> String {
        self.expect_section(name).output
    }

    /// Check `name`; panics with the run's report unless it ran and exited
    /// 0.
    #[track_caller]
    pub fn expect_section(&self, name: &str) -> Section {
        match self.section(name) {
            Some(s) if s.rc == Some(0) => s,
            Some(s) => panic!(
                "lab check {name:?} failed (rc {:?}):\n{}\n\n{}",
                s.rc,
                s.output,
                self.report()
            ),
            None => panic!("lab check {name:?} did not run\n\n{}", self.report()),
        }
    }

    /// Reads a file the guest wrote to `$LAB_SHARE`.
    pub fn share_file(&self, rel: &str) -> io::Result<String> {
        fs::read_to_string(self.share_dir().join(rel))
    }

    /// A readable account of the run for failure messages: exit status,
    /// work directory, the script's log and the end of the console; for
    /// setup failures also the end of the apt and kernel download logs.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "lab run {:?}: exit {} ({}) after {:.1} s, work dir {}",
            self.name,
            self.exit_code,
            exit_meaning(self.exit_code),
            self.wall.as_secs_f64(),
            self.dir.display()
        );
        let _ = writeln!(s, "--- mmc-lab.sh output:\n{}", tail(&self.script_log, 30));
        for log in ["apt.log", "kernel-download.log"] {
            if let Ok(t) = fs::read_to_string(self.dir.join(log))
                && !t.trim().is_empty()
            {
                let _ = writeln!(s, "--- {log} (end):\n{}", tail(&t, 20));
            }
        }
        if self.exit_code == EXIT_SETUP
            && let Ok(t) = fs::read_to_string(self.dir.join("tgtd.log"))
        {
            let _ = writeln!(s, "--- tgtd.log (end):\n{}", tail(&t, 10));
        }
        let _ = writeln!(s, "--- console (end):\n{}", tail(&self.console, 40));
        s
    }
}

fn exit_meaning(code: i32) -> &'static str {
    match code {
        0 => "guest command succeeded",
        EXIT_TIMEOUT => "guest timed out",
        EXIT_NO_REPORT => "guest ended without reporting a status",
        EXIT_SETUP => "lab setup failure",
        _ => "guest command failed",
    }
}

fn tail(text: &str, lines: usize) -> String {
    let v: Vec<&str> = text.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(console: &str) -> LabRun {
        LabRun {
            name: "t".into(),
            dir: PathBuf::from("/nonexistent"),
            exit_code: 0,
            console: console.into(),
            script_log: String::new(),
            wall: Duration::ZERO,
        }
    }

    const CONSOLE: &str = r#"@@LAB-BOOTED@@ uptime=2.9
@@LAB-DEVICES@@ iso=/dev/sr0 recorders=/dev/sr1 /dev/sr2 sg=/dev/sg1 /dev/sg2
@@LAB-RUN-START@@ uptime=4.25
@@BEGIN one@@
line a
line b
@@END one rc=0@@
[   5.1] sr 0:0:2:0: kernel noise
@@BEGIN two@@
oops
@@END two rc=3@@ secs=12.5
@@BEGIN cmds@@
$ burn --dev /dev/sr3 --json info
{"type":"progress","done":1}
{"schema":1,"type":"info","status":"blank"}
stderr: a warning
stderr:
rc=0
$ burn --dev /dev/sr3 check
stderr: error: no disc in the drive
rc=4
unexpected exit status 4 (expected 0)
$ sleep 1000
@@END cmds rc=1@@ secs=0.4
@@BEGIN three@@
started only
@@LAB-RUN-END@@ uptime=26.18
@@LAB-EXIT=0@@
"#;

    #[test]
    fn sections_and_markers() {
        let r = run_with(CONSOLE);
        assert!(r.run_output().starts_with("@@BEGIN one@@\n"));
        assert!(r.run_output().ends_with("started only\n"));
        assert_eq!(
            r.devices_line(),
            Some("iso=/dev/sr0 recorders=/dev/sr1 /dev/sr2 sg=/dev/sg1 /dev/sg2")
        );
        assert_eq!(
            r.section("one"),
            Some(Section {
                output: "line a\nline b".into(),
                rc: Some(0),
                secs: None,
            })
        );
        assert_eq!(r.section("two").unwrap().rc, Some(3));
        assert_eq!(r.section("two").unwrap().secs, Some(12.5));
        assert_eq!(r.section_names(), ["one", "two", "cmds", "three"]);
        assert_eq!(r.section("three").unwrap().rc, None);
        assert_eq!(r.section("four"), None);
        assert_eq!(r.expect_ok("one"), "line a\nline b");
    }

    #[test]
    fn commands_of_a_check() {
        let r = run_with(CONSOLE);
        let sec = r.section("cmds").unwrap();
        assert_eq!(sec.rc, Some(1));
        let runs = sec.runs();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0].command, "burn --dev /dev/sr3 --json info");
        assert_eq!(runs[0].rc, Some(0));
        assert_eq!(runs[0].stderr, "a warning\n\n");
        assert_eq!(runs[0].expect_json()["status"], "blank");
        assert_eq!(runs[1].rc, Some(4));
        assert_eq!(runs[1].stdout, "");
        assert!(runs[1].text().contains("no disc in the drive"));
        // text after the exit status belongs to no command
        assert!(!runs[1].stdout.contains("unexpected"));
        assert_eq!(runs[1].json(), None);
        assert_eq!(runs[2].rc, None);
        assert_eq!(sec.run("check").rc, Some(4));
        assert!(
            runs[0]
                .to_string()
                .ends_with("stderr: a warning\nstderr: \nrc=0\n")
        );
    }

    #[test]
    #[should_panic(expected = "no command matching \"eject\"")]
    fn missing_command_panics() {
        run_with(CONSOLE).section("cmds").unwrap().run("eject");
    }

    #[test]
    #[should_panic(expected = "lab check \"two\" failed (rc Some(3))")]
    fn expect_ok_panics_on_failure() {
        run_with(CONSOLE).expect_ok("two");
    }

    #[test]
    fn run_output_without_markers() {
        assert_eq!(run_with("no markers\n").run_output(), "");
        // the end marker glued to the last line of output
        let r = run_with("@@LAB-RUN-START@@\nx\nyz@@LAB-RUN-END@@\n");
        assert_eq!(r.run_output(), "x\nyz");
    }

    #[test]
    fn shipped_lab_files_exist() {
        assert!(lab_script().is_file());
        for f in ["checks.sh", "tgt-raw-sequence.sh", "lab-suite.sh"] {
            assert!(guest_script(f).is_file(), "{f}");
        }
    }
}
