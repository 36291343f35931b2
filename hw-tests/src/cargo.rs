//! Building this workspace's binaries from a test, to run them in the lab or
//! against a real drive.
//!
//! `env!("CARGO_BIN_EXE_…")` only exists for binaries of the test's own
//! package, so the harness asks cargo: `cargo build -p PKG --bin NAME
//! --message-format=json-render-diagnostics`, and takes the executable's path
//! from the `compiler-artifact` message. The build uses the same target
//! directory (and profile) as the tests.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the parent of `hw-tests/`).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory the running test was built in: the nearest
/// ancestor of the test executable holding cargo's `CACHEDIR.TAG`, else
/// `$CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe()
        && let Some(d) = exe.ancestors().find(|d| d.join("CACHEDIR.TAG").is_file())
    {
        return d.to_path_buf();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                workspace_root().join(d)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// A failed build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("cannot run cargo: {0}")]
    Spawn(#[source] io::Error),
    #[error("`{command}` failed:\n{stderr}")]
    Failed { command: String, stderr: String },
    #[error("`{command}` built no executable named {name:?}")]
    NoExecutable { command: String, name: String },
}

/// Builds binary `bin` of package `package` and returns its path.
pub fn build_bin(package: &str, bin: &str) -> Result<PathBuf, BuildError> {
    build(package, "--bin", bin)
}

/// Builds example `example` of package `package` and returns its path.
pub fn build_example(package: &str, example: &str) -> Result<PathBuf, BuildError> {
    build(package, "--example", example)
}

fn build(package: &str, kind: &str, name: &str) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut args = vec![
        "build",
        "-p",
        package,
        kind,
        name,
        "--message-format=json-render-diagnostics",
    ];
    if !cfg!(debug_assertions) {
        args.push("--release");
    }
    let command = format!("cargo {}", args.join(" "));
    let out = Command::new(cargo)
        .args(&args)
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .stdin(Stdio::null())
        .output()
        .map_err(BuildError::Spawn)?;
    if !out.status.success() {
        return Err(BuildError::Failed {
            command,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    executable_from_messages(&String::from_utf8_lossy(&out.stdout), name).ok_or(
        BuildError::NoExecutable {
            command,
            name: name.to_string(),
        },
    )
}

/// The `executable` of the last `compiler-artifact` message whose target is
/// named `name`.
fn executable_from_messages(stdout: &str, name: &str) -> Option<PathBuf> {
    let messages: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    messages
        .into_iter()
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_is_taken_from_the_artifact_message() {
        let msgs = r#"{"reason":"compiler-artifact","target":{"name":"mmc","kind":["lib"]},"executable":null}
{"reason":"compiler-artifact","target":{"name":"burn","kind":["bin"]},"executable":"/t/debug/burn"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable_from_messages(msgs, "burn"),
            Some(PathBuf::from("/t/debug/burn"))
        );
        assert_eq!(executable_from_messages(msgs, "mmc"), None);
    }

    #[test]
    fn target_dir_holds_this_test() {
        let t = target_dir();
        assert!(t.join("CACHEDIR.TAG").is_file(), "{}", t.display());
        assert!(std::env::current_exe().unwrap().starts_with(&t));
    }
}
