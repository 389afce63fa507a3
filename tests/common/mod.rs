//! Helpers shared by the integration tests: copying fixtures to a temporary
//! folder, running the real `ssgx` binary, and reading its output.

#![allow(dead_code)]

pub mod webdriver;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh copy of a fixture site (tests never build inside the repo).
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture(name), dir.path());
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).expect("inside fixture");
        let dest = to.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            fs::create_dir_all(&dest).expect("mkdir");
        } else if ft.is_symlink() {
            let target = fs::read_link(entry.path()).expect("read link");
            std::os::unix::fs::symlink(target, &dest).expect("symlink");
        } else {
            fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn ssgx(root: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_ssgx"))
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("NETLIFY")
        .env_remove("SSGX_LOG")
        .output()
        .expect("run ssgx");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn build(root: &Path) -> Run {
    ssgx(root, &["build"])
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every file under `dir` with its bytes, for before/after comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            (rel, fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// Where Rust functions of test sites compile: shared between tests, so
/// `lambda_http` compiles once.
pub fn functions_target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("ssgx-functions-target")
}

/// Starts `ssgx ARGS` (`dev`, `serve`, `functions serve`) in `root` and
/// waits for the first line starting with `banner` that holds its URL:
/// the child and the `host:port` it serves. Its output goes on to the
/// test's stderr.
pub fn spawn_server(root: &Path, args: &[&str], banner: &str) -> (Child, String) {
    let (child, addr, _later_lines) = spawn_server_with_log(root, args, banner);
    (child, addr)
}

/// [`spawn_server`], also handing over every line the server prints after
/// its banner.
#[allow(dead_code)] // not every test crate reads the log
pub fn spawn_server_with_log(
    root: &Path,
    args: &[&str],
    banner: &str,
) -> (Child, String, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssgx"))
        .args(args)
        .current_dir(root)
        .env("SSGX_TARGET_DIR", functions_target_dir())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ssgx");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("ssgx printed its address")
            .expect("read");
        eprintln!("[{}] {line}", args[0]);
        if line.starts_with(banner)
            && let Some(rest) = line.split("http://").nth(1)
        {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    let tag = args[0].to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("[{tag}] {line}");
            // Nobody may be listening: the lines still reach stderr.
            let _ = tx.send(line);
        }
    });
    (child, addr, rx)
}
