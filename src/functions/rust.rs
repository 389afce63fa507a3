//! Rust functions: cargo builds into one shared target folder, and warm
//! processes that fetch their work from ssgx's own Lambda Runtime API
//! (NETLIFY.md §6), one small server per process on 127.0.0.1.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{Mutex, Semaphore, mpsc, oneshot};

use super::env::FunctionEnv;
use super::event::{self, Event, FunctionResponse};
use super::runtime::{CallError, RuntimeOptions};
use super::{Function, RuntimeError};
use crate::project::Project;

/// What the Runtime API hands back for one invocation.
type Outcome = Result<Value, Value>;

struct Job {
    id: String,
    event: Box<RawValue>,
    deadline_ms: u64,
    reply: oneshot::Sender<Outcome>,
}

/// The Runtime API server's state for one process.
struct ApiState {
    name: String,
    /// `Lambda-Runtime-Invoked-Function-Arn`, the same for every event.
    arn: HeaderValue,
    /// `Lambda-Runtime-Trace-Id`: one per process, not per event, because
    /// lambda_runtime copies it into `_X_AMZN_TRACE_ID` with `setenv`,
    /// and glibc keeps every distinct value it was ever given (a search
    /// tree it never frees): a new id per call made each call slower and
    /// the process larger (5% of a warm call in a profile).
    trace_id: HeaderValue,
    jobs: Mutex<mpsc::Receiver<Job>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
}

struct Process {
    jobs: mpsc::Sender<Job>,
    /// Fires when the process has exited.
    exited: tokio::sync::watch::Receiver<bool>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
    stderr_tail: Arc<std::sync::Mutex<VecDeque<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Process {
    fn alive(&self) -> bool {
        !*self.exited.borrow()
    }

    async fn kill(&self) {
        if let Some(tx) = self.kill.lock().await.take() {
            let _ = tx.send(());
        }
        let mut exited = self.exited.clone();
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            exited.wait_for(|e| *e).await.map(|_| ())
        })
        .await;
        self.server.abort();
    }

    fn stderr(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }
}

struct Pool {
    binary: PathBuf,
    /// When the binary was built: a rebuild that changed nothing keeps it.
    modified: Option<std::time::SystemTime>,
    idle: Mutex<Vec<Arc<Process>>>,
    all: Mutex<Vec<Arc<Process>>>,
    permits: Semaphore,
}

/// Every Rust function's build and processes.
pub struct RustFunctions {
    target_dir: PathBuf,
    options: RuntimeOptions,
    /// The variables new processes get (see `functions::env`).
    env: std::sync::RwLock<FunctionEnv>,
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    /// Compiler output of functions whose last build failed.
    failed: Mutex<HashMap<String, String>>,
}

impl RustFunctions {
    pub fn new(project: &Project, options: RuntimeOptions, env: FunctionEnv) -> Self {
        let target_dir = super::target_dir(project);
        RustFunctions {
            target_dir,
            options,
            env: std::sync::RwLock::new(env),
            pools: Mutex::default(),
            failed: Mutex::default(),
        }
    }

    /// Builds every Rust function. A failed build keeps the function's old
    /// processes (if any) serving and is remembered, so calls show the
    /// compiler's message; only a missing cargo is an error here.
    pub async fn build_all(&self, functions: &[Function]) -> Result<(), RuntimeError> {
        for f in functions {
            // A first build compiles lambda_http and its dependencies: say
            // what the wait is for.
            tracing::info!("building function {} (cargo)", f.name);
            match build(&f.entry, &self.target_dir, self.options.release).await {
                Ok(binary) => {
                    self.failed.lock().await.remove(&f.name);
                    // An unchanged binary keeps its warm processes.
                    let modified = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
                    let current = self.pools.lock().await.get(&f.name).cloned();
                    if let Some(pool) = current
                        && pool.binary == binary
                        && pool.modified == modified
                    {
                        continue;
                    }
                    let old = self.pools.lock().await.insert(
                        f.name.clone(),
                        Arc::new(Pool {
                            binary,
                            modified,
                            idle: Mutex::default(),
                            all: Mutex::default(),
                            permits: Semaphore::new(self.options.max_processes.max(1)),
                        }),
                    );
                    if let Some(old) = old {
                        stop_pool(&old).await;
                    }
                }
                Err(RuntimeError::Compile { output, .. }) => {
                    tracing::error!("function {} failed to build:\n{output}", f.name);
                    self.failed.lock().await.insert(f.name.clone(), output);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The compiler's message if the function's last build failed.
    pub async fn build_error(&self, name: &str) -> Option<String> {
        self.failed.lock().await.get(name).cloned()
    }

    /// Every function whose last build failed, with the compiler's message.
    pub async fn build_errors(&self) -> Vec<(String, String)> {
        let failed = self.failed.lock().await;
        let mut errors: Vec<(String, String)> =
            failed.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        errors.sort();
        errors
    }

    /// Stops the processes of functions that no longer exist.
    pub async fn retain(&self, names: &[String]) {
        let gone: Vec<Arc<Pool>> = {
            let mut pools = self.pools.lock().await;
            let removed: Vec<String> = pools
                .keys()
                .filter(|k| !names.contains(k))
                .cloned()
                .collect();
            removed.iter().filter_map(|k| pools.remove(k)).collect()
        };
        for pool in gone {
            stop_pool(&pool).await;
        }
    }

    /// New variables: processes started with the old ones are stopped, and
    /// the next call to each function starts one with these.
    pub async fn set_env(&self, env: FunctionEnv) {
        *self.env.write().unwrap_or_else(|e| e.into_inner()) = env;
        self.stop_all().await;
    }

    pub async fn stop_all(&self) {
        let pools: Vec<Arc<Pool>> = self.pools.lock().await.values().cloned().collect();
        for pool in pools {
            stop_pool(&pool).await;
        }
    }

    pub async fn invoke(
        &self,
        function: &Function,
        event: Event,
        timeout: Duration,
    ) -> Result<FunctionResponse, CallError> {
        let pool = self.pools.lock().await.get(&function.name).cloned();
        let Some(pool) = pool else {
            let output = self.build_error(&function.name).await.unwrap_or_default();
            return Err(CallError::new(
                "CompileError",
                format!("{} did not build:\n{output}", function.name),
            ));
        };
        let _permit = pool
            .permits
            .acquire()
            .await
            .map_err(|_| CallError::new("RuntimeError", "the function is stopping"))?;
        let process = self.idle_or_new(&pool, &function.name).await?;
        let deadline_ms = now_ms() + timeout.as_millis() as u64;
        let (tx, rx) = oneshot::channel();
        let job = Job {
            id: event.request_id,
            event: event.json,
            deadline_ms,
            reply: tx,
        };
        if process.jobs.send(job).await.is_err() {
            return Err(CallError::new(
                "RuntimeError",
                "the function process stopped; it restarts on the next call",
            ));
        }
        let mut exited = process.exited.clone();
        let outcome = tokio::select! {
            reply = rx => reply.ok(),
            _ = tokio::time::sleep(timeout) => {
                process.kill().await;
                return Err(CallError::new("TimeoutError", format!("Task timed out after {:.2} seconds", timeout.as_secs_f64())));
            }
            // The guard wait_for returns must not live across an await.
            _ = async { exited.wait_for(|e| *e).await.map(|_| ()) } => None,
        };
        let Some(outcome) = outcome else {
            return Err(exited_during_call(&process.stderr()));
        };
        pool.idle.lock().await.push(process);
        match outcome {
            Ok(response) => event::v1_response(&response).map_err(|e| CallError::new("Error", e.0)),
            Err(error) => Err(runtime_api_error(&error)),
        }
    }

    /// A warm process of the pool, or a new one.
    async fn idle_or_new(&self, pool: &Pool, name: &str) -> Result<Arc<Process>, CallError> {
        loop {
            let candidate = pool.idle.lock().await.pop();
            match candidate {
                Some(p) if p.alive() => return Ok(p),
                Some(_) => continue,
                None => {
                    let env = Arc::clone(&self.env.read().unwrap_or_else(|e| e.into_inner()));
                    let p = Arc::new(spawn(name, &pool.binary, &env).await?);
                    pool.all.lock().await.push(Arc::clone(&p));
                    return Ok(p);
                }
            }
        }
    }
}

fn exited_during_call(stderr: &str) -> CallError {
    let tail = if stderr.is_empty() {
        String::new()
    } else {
        format!(":\n{stderr}")
    };
    CallError {
        stack: stderr.to_string(),
        ..CallError::new(
            "Runtime.ExitError",
            format!(
                "the function process exited during the call; it restarts on the next call{tail}"
            ),
        )
    }
}

/// What a function posted to `/invocation/{id}/error`.
fn runtime_api_error(error: &Value) -> CallError {
    let stack = error["stackTrace"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    CallError {
        stack,
        ..CallError::new(
            error["errorType"].as_str().unwrap_or("Error"),
            error["errorMessage"]
                .as_str()
                .unwrap_or("the function failed"),
        )
    }
}

async fn stop_pool(pool: &Pool) {
    let all: Vec<Arc<Process>> = std::mem::take(&mut *pool.all.lock().await);
    pool.idle.lock().await.clear();
    for p in all {
        p.kill().await;
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `cargo build` (debug) of one function crate, off the async threads.
pub async fn build(
    crate_dir: &Path,
    target_dir: &Path,
    release: bool,
) -> Result<PathBuf, RuntimeError> {
    let (crate_dir, target_dir) = (crate_dir.to_path_buf(), target_dir.to_path_buf());
    let args: &'static [&'static str] = if release { &["--release"] } else { &[] };
    tokio::task::spawn_blocking(move || cargo_build(&crate_dir, &target_dir, args, &[]))
        .await
        .map_err(|e| RuntimeError::HostFailed(e.to_string()))?
}

/// `cargo build` of one function crate with `args` and `env`; returns the
/// binary's path, or cargo's own message when the crate does not compile.
pub fn cargo_build(
    crate_dir: &Path,
    target_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<PathBuf, RuntimeError> {
    let out = std::process::Command::new("cargo")
        .arg("build")
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .arg("--message-format=json-render-diagnostics")
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .map_err(|_| RuntimeError::CargoMissing)?;
    let name = crate_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !out.status.success() {
        return Err(RuntimeError::Compile {
            function: name,
            output: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    // The last artifact with an executable is the binary.
    let binary = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    binary.ok_or_else(|| RuntimeError::Compile {
        function: name,
        output: "the crate builds no binary: a Rust function is a binary crate (src/main.rs)"
            .into(),
    })
}

/// Starts one process of a function with its own Runtime API server.
async fn spawn(name: &str, binary: &Path, env: &[(String, String)]) -> Result<Process, CallError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| {
            CallError::new(
                "RuntimeError",
                format!("cannot open a port for the Runtime API: {e}"),
            )
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| CallError::new("RuntimeError", e.to_string()))?
        .port();
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>(1);
    let state = Arc::new(ApiState {
        name: name.to_string(),
        arn: header_value(&format!(
            "arn:aws:lambda:us-east-1:000000000000:function:{name}"
        )),
        trace_id: header_value(&trace_id(port)),
        jobs: Mutex::new(jobs_rx),
        in_flight: Mutex::default(),
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(Arc::clone(&state));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let mut child = Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_REGION", "us-east-1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            server.abort();
            CallError::new(
                "RuntimeError",
                format!("cannot start {}: {e}", binary.display()),
            )
        })?;

    let stderr_tail = Arc::new(std::sync::Mutex::new(VecDeque::new()));
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(echo_stderr(
            name.to_string(),
            stderr,
            Arc::clone(&stderr_tail),
        ));
    }
    let (exited_tx, exited_rx) = tokio::sync::watch::channel(false);
    let (kill_tx, kill_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        tokio::select! {
            _ = child.wait() => {}
            _ = kill_rx => {
                let _ = child.kill().await;
            }
        }
        let _ = exited_tx.send(true);
    });
    Ok(Process {
        jobs: jobs_tx,
        exited: exited_rx,
        kill: Mutex::new(Some(kill_tx)),
        stderr_tail,
        server,
    })
}

/// Echoes a function's stderr with its name in front, and keeps the last
/// 20 lines for the error report when the process dies.
async fn echo_stderr(
    name: String,
    stderr: tokio::process::ChildStderr,
    tail: Arc<std::sync::Mutex<VecDeque<String>>>,
) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("[{name}] {line}");
        if let Ok(mut t) = tail.lock() {
            if t.len() == 20 {
                t.pop_front();
            }
            t.push_back(line);
        }
    }
}

/// A header value from text ssgx made itself (checked names, digits).
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// An X-Ray style trace id (`Root=1-<epoch hex>-<24 hex>`) naming one
/// process by the port of its Runtime API.
fn trace_id(port: u16) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("Root=1-{secs:08x}-{port:024x};Sampled=0")
}

async fn next(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    let job = state.jobs.lock().await.recv().await;
    let Some(job) = job else {
        return (StatusCode::GONE, HeaderMap::new(), Bytes::new());
    };
    let mut headers = HeaderMap::new();
    let put = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    put(&mut headers, "lambda-runtime-aws-request-id", &job.id);
    put(
        &mut headers,
        "lambda-runtime-deadline-ms",
        &job.deadline_ms.to_string(),
    );
    headers.insert("lambda-runtime-invoked-function-arn", state.arn.clone());
    headers.insert("lambda-runtime-trace-id", state.trace_id.clone());
    put(&mut headers, "content-type", "application/json");
    let body = Bytes::from(Box::<str>::from(job.event).into_boxed_bytes());
    state.in_flight.lock().await.insert(job.id, job.reply);
    (StatusCode::OK, headers, body)
}

async fn finish(state: &ApiState, id: &str, outcome: Outcome) -> StatusCode {
    match state.in_flight.lock().await.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::NOT_FOUND,
    }
}

async fn respond(
    State(state): State<Arc<ApiState>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let value = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    finish(&state, &id, Ok(value)).await
}

async fn fail(
    State(state): State<Arc<ApiState>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let value = serde_json::from_slice::<Value>(&body).unwrap_or_else(|_| serde_json::json!({"errorType": "Error", "errorMessage": String::from_utf8_lossy(&body)}));
    finish(&state, &id, Err(value)).await
}

async fn init_error(State(state): State<Arc<ApiState>>, body: Bytes) -> StatusCode {
    tracing::error!(
        "function {} failed to start: {}",
        state.name,
        String::from_utf8_lossy(&body)
    );
    StatusCode::ACCEPTED
}
