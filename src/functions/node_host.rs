//! The Node host: one long-lived `node` process that loads JavaScript
//! functions and runs their invocations, talking JSON lines over a Unix
//! socket (so the functions' own stdout stays theirs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::net::unix::OwnedWriteHalf;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, oneshot};

use super::runtime::CallError;
use super::{RuntimeError, bundle, write_if_changed};

/// The host script and the v2 adapter it loads, written to the work folder.
const HOST_SCRIPT: &str = include_str!("node_host.cjs");
pub const V2_ADAPTER: &str = include_str!("v2_adapter.mjs");
/// Node 18 is the oldest with the Web `Request`/`Response` v2 needs.
const MIN_NODE_MAJOR: u32 = 18;

type Pending = Arc<std::sync::Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

pub struct NodeHost {
    child: Mutex<Child>,
    writer: Mutex<OwnedWriteHalf>,
    pending: Pending,
    next_id: AtomicU64,
    socket: PathBuf,
    /// Entries that did not parse, with the error located: found once,
    /// since Node fails the same import again until the host restarts.
    syntax_errors: std::sync::Mutex<HashMap<PathBuf, CallError>>,
}

/// Checks that `node` exists and is recent enough; returns its version.
pub async fn check_node() -> Result<String, RuntimeError> {
    // Asked once per process: restarts of the host should not pay for it.
    static CHECKED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    CHECKED.get_or_try_init(node_version).await.cloned()
}

async fn node_version() -> Result<String, RuntimeError> {
    let out = Command::new("node")
        .arg("--version")
        .output()
        .await
        .map_err(|_| RuntimeError::NodeMissing)?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if major < MIN_NODE_MAJOR {
        return Err(RuntimeError::NodeTooOld(version));
    }
    Ok(version)
}

impl NodeHost {
    /// Starts `node` with the host script; `work_dir` holds the script.
    pub async fn start(
        work_dir: &Path,
        env: &[(String, String)],
    ) -> Result<NodeHost, RuntimeError> {
        check_node().await?;
        std::fs::create_dir_all(work_dir)
            .map_err(|e| RuntimeError::io("cannot create", work_dir, e))?;
        let script = work_dir.join("node-host.cjs");
        // A running host may be importing these while a spare starts.
        write_if_changed(&script, HOST_SCRIPT.as_bytes())?;
        write_if_changed(&work_dir.join("v2-adapter.mjs"), V2_ADAPTER.as_bytes())?;
        // Unix socket paths are short (108 bytes): keep it in the temp folder.
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let socket = std::env::temp_dir().join(format!(
            "ssgx-{}-{}.sock",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)
            .map_err(|e| RuntimeError::io("cannot listen on", &socket, e))?;

        let mut command = Command::new("node");
        command
            .arg(&script)
            .env("SSGX_HOST_SOCKET", &socket)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|_| RuntimeError::NodeMissing)?;
        let accepted = tokio::select! {
            a = listener.accept() => a.map_err(|e| RuntimeError::io("node host did not connect to", &socket, e))?,
            status = child.wait() => {
                return Err(RuntimeError::HostFailed(format!("node exited at start ({})", status.map(|s| s.to_string()).unwrap_or_default())));
            }
            _ = tokio::time::sleep(Duration::from_secs(20)) => {
                return Err(RuntimeError::HostFailed("node did not start within 20 s".into()));
            }
        };
        let (reader, writer) = accepted.0.into_split();
        let pending: Pending = Arc::default();
        let replies = Arc::clone(&pending);
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let Some(id) = msg.get("id").and_then(Value::as_u64) else {
                    continue;
                };
                let waiter = replies.lock().ok().and_then(|mut p| p.remove(&id));
                if let Some(tx) = waiter {
                    let _ = tx.send(msg);
                }
            }
            // The host is gone: fail everything still waiting.
            if let Ok(mut p) = replies.lock() {
                p.clear();
            }
        });
        Ok(NodeHost {
            child: Mutex::new(child),
            writer: Mutex::new(writer),
            pending,
            next_id: AtomicU64::new(1),
            socket,
            syntax_errors: std::sync::Mutex::default(),
        })
    }

    /// Sends `message` (an object; an `id` field is added) and waits up to
    /// `timeout` for the reply. `Ok(None)` means the time ran out.
    pub async fn call(
        &self,
        message: &impl Serialize,
        timeout: Duration,
    ) -> Result<Option<Value>, RuntimeError> {
        #[derive(Serialize)]
        struct WithId<'a, T> {
            id: u64,
            #[serde(flatten)]
            message: &'a T,
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut line = serde_json::to_string(&WithId { id, message })
            .map_err(|e| RuntimeError::HostFailed(e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id, tx);
        }
        line.push('\n');
        {
            let mut w = self.writer.lock().await;
            if w.write_all(line.as_bytes()).await.is_err() {
                return Err(RuntimeError::HostFailed("the node host has stopped".into()));
            }
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => Ok(Some(reply)),
            Ok(Err(_)) => Err(RuntimeError::HostFailed(
                "the node host stopped during the call".into(),
            )),
            Err(_) => {
                if let Ok(mut p) = self.pending.lock() {
                    p.remove(&id);
                }
                Ok(None)
            }
        }
    }

    /// True when the host answers within a second: a function stuck in a
    /// synchronous loop blocks it, and then it must be replaced.
    pub async fn responsive(&self) -> bool {
        matches!(
            self.call(&json!({ "ping": true }), Duration::from_secs(1))
                .await,
            Ok(Some(_))
        )
    }

    /// How many calls are waiting for this host's answer.
    pub fn in_flight(&self) -> usize {
        self.pending.lock().map_or(0, |p| p.len())
    }

    /// The located error of an entry that failed to parse in this host.
    pub fn syntax_error(&self, entry: &Path) -> Option<CallError> {
        let known = self.syntax_errors.lock().ok()?;
        known.get(entry).cloned()
    }

    /// Says where a module that does not parse went wrong, which Node's
    /// failed import does not: `node --check FILE` prints `FILE:LINE`, the
    /// line, and a caret under the column. The entry is checked first,
    /// then the local modules it imports (the ones its bundle would take).
    pub async fn locate_syntax_error(
        &self,
        project_root: &Path,
        entry: &Path,
        error: CallError,
    ) -> CallError {
        let mut located = CallError {
            message: format!(
                "{} (in a module this function imports: `node --check FILE` finds it)",
                error.message
            ),
            stack: String::new(),
            ..error.clone()
        };
        for file in bundle::local_modules(entry) {
            let check = Command::new("node").arg("--check").arg(&file).output();
            let Ok(Ok(out)) = tokio::time::timeout(Duration::from_secs(10), check).await else {
                continue;
            };
            if out.status.success() {
                continue;
            }
            let stderr = String::from_utf8_lossy(&out.stderr);
            let mut lines = stderr.lines();
            let Some((path, line)) = lines.next().and_then(|l| l.rsplit_once(':')) else {
                continue;
            };
            if line.parse::<u32>().is_err() {
                continue;
            }
            let (source, caret) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
            let column = caret
                .find('^')
                .map(|c| format!(":{}", c + 1))
                .unwrap_or_default();
            let path = Path::new(path);
            let shown = path.strip_prefix(project_root).unwrap_or(path);
            located = CallError {
                message: format!("{}:{line}{column}: {}", shown.display(), error.message),
                stack: format!("{source}\n{caret}"),
                ..error
            };
            break;
        }
        if let Ok(mut known) = self.syntax_errors.lock() {
            known.insert(entry.to_path_buf(), located.clone());
        }
        located
    }

    pub async fn alive(&self) -> bool {
        matches!(self.child.lock().await.try_wait(), Ok(None))
    }

    /// Stops the process and waits for it, so no child outlives ssgx.
    pub async fn stop(&self) {
        let mut child = self.child.lock().await;
        let _ = child.kill().await;
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Drop for NodeHost {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}
