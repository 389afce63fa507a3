//! The local function runtime: start, invoke, reload, stop.
//!
//! JavaScript functions run in one shared Node host; Rust functions are
//! built with cargo and run as warm processes against ssgx's own Lambda
//! Runtime API. A function that throws, exits, hangs or answers nonsense
//! gives the caller a 500 that says why, and the next call works.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::env::FunctionEnv;
use super::event::{self, Event, FunctionResponse, HttpRequest};
use super::node_host::NodeHost;
use super::rust::RustFunctions;
use super::schedule::{self, Schedule};
use super::{ApiVersion, Function, Kind, Language, RuntimeError, discover, routes};
use crate::project::Project;

/// Netlify's limit for buffered request and response bodies.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// `netlify dev`'s default time limit for a synchronous call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Default time limit per call (a function's `timeout` setting wins).
    pub timeout: Duration,
    /// Rust processes kept per function for concurrent calls. More than
    /// four was slower on 2 cores (16: 5.9k req/s against 7.0k).
    pub max_processes: usize,
    /// Build Rust functions in release mode (default: debug, faster builds).
    pub release: bool,
    /// Build only this Rust function (`ssgx functions invoke NAME`): the
    /// others may take minutes to compile and are not called.
    pub only: Option<String>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            timeout: DEFAULT_TIMEOUT,
            max_processes: 4,
            release: false,
            only: None,
        }
    }
}

/// How long after a host is put to work the next spare starts.
const SPARE_HOST_DELAY: Duration = Duration::from_millis(150);

/// Why a call failed; each becomes a 500 (or 413) with this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub status: u16,
    /// `Error`, `TimeoutError`, `Malformed response`, ...
    pub kind: String,
    pub message: String,
    pub stack: String,
}

impl CallError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        CallError {
            status: 500,
            kind: kind.to_string(),
            message: message.into(),
            stack: String::new(),
        }
    }

    /// The response the caller gets: an HTML page when it accepts HTML,
    /// else `Kind: message` and the stack as text (as `netlify dev` does).
    pub fn response(&self, function: &str, accepts_html: bool) -> FunctionResponse {
        let text = if self.stack.is_empty() {
            format!("{}: {}", self.kind, self.message)
        } else {
            self.stack.clone()
        };
        let text = if self.stack.is_empty() || self.stack.contains(&self.message) {
            text
        } else {
            format!("{}: {}\n{}", self.kind, self.message, self.stack)
        };
        if accepts_html {
            let escape = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let body = format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>Function error</title>\
                 <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
                 pre{{background:#f4f4f5;padding:1rem;overflow:auto}}</style></head><body>\
                 <h1>The function <code>{}</code> failed</h1><p>{}</p><pre>{}</pre>\
                 <p>Fix the function and call it again: ssgx keeps serving.</p></body></html>",
                escape(function),
                escape(&format!("{}: {}", self.kind, self.message)),
                escape(&text)
            );
            FunctionResponse {
                status: self.status,
                headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
                body: body.into_bytes(),
            }
        } else {
            FunctionResponse {
                status: self.status,
                headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
                body: text.into_bytes(),
            }
        }
    }
}

struct State {
    functions: BTreeMap<String, Function>,
    node: Option<Arc<NodeHost>>,
    /// A fresh host started ahead of need, with no function loaded.
    spare_node: Option<(Arc<NodeHost>, FunctionEnv)>,
    /// Hosts replaced after an edit, finishing the calls they were running.
    retired: Vec<Arc<NodeHost>>,
    /// Set by [`Runtime::stop`]: no new spare host after it.
    stopped: bool,
    /// The cron runner's tasks, when schedules run.
    schedules: Vec<tokio::task::JoinHandle<()>>,
    run_schedules: bool,
}

/// What a reload of netlify.toml or a `.env` file replaces.
struct Settings {
    project: Arc<Project>,
    /// The variables functions run with (see [`super::env`]).
    env: FunctionEnv,
}

/// The running functions of one project.
#[derive(Clone)]
pub struct Runtime {
    settings: Arc<std::sync::RwLock<Settings>>,
    options: RuntimeOptions,
    state: Arc<Mutex<State>>,
    rust: Arc<RustFunctions>,
    request_ids: Arc<AtomicU64>,
    /// Bumped by every reload; `ts_mirrored` holds the generation the
    /// TypeScript mirror was last brought up to date in, so calls between
    /// reloads do not walk the functions folder again.
    generation: Arc<AtomicU64>,
    ts_mirrored: Arc<AtomicU64>,
    /// Held by a reload from start to end: reloads run one at a time (one
    /// save can arrive as two batches of edits), and a call to a function
    /// not found yet can wait for the reload that may be adding it.
    reloading: Arc<Mutex<()>>,
}

impl Runtime {
    /// Discovers the functions and builds the Rust ones. Node starts on the
    /// first JavaScript call, so sites without JS never need `node`.
    pub async fn start(
        project: Arc<Project>,
        options: RuntimeOptions,
    ) -> Result<Runtime, RuntimeError> {
        let functions = discover(&project).map_err(RuntimeError::Discovery)?;
        let env = Arc::new(super::env::function_env(&project).map_err(RuntimeError::Discovery)?);
        let rust = RustFunctions::new(&project, options.clone(), Arc::clone(&env));
        let runtime = Runtime {
            settings: Arc::new(std::sync::RwLock::new(Settings { project, env })),
            options,
            state: Arc::new(Mutex::new(State {
                functions: BTreeMap::new(),
                node: None,
                spare_node: None,
                retired: Vec::new(),
                stopped: false,
                schedules: Vec::new(),
                run_schedules: false,
            })),
            rust: Arc::new(rust),
            request_ids: Arc::new(AtomicU64::new(1)),
            generation: Arc::new(AtomicU64::new(1)),
            ts_mirrored: Arc::new(AtomicU64::new(0)),
            reloading: Arc::new(Mutex::new(())),
        };
        runtime.install(functions).await?;
        Ok(runtime)
    }

    async fn install(&self, functions: Vec<Function>) -> Result<(), RuntimeError> {
        let only = self.options.only.as_deref();
        let rust: Vec<Function> = functions
            .iter()
            .filter(|f| f.language == Language::Rust && only.is_none_or(|name| name == f.name))
            .cloned()
            .collect();
        self.rust.build_all(&rust).await?;
        let mut state = self.state.lock().await;
        state.functions = functions.into_iter().map(|f| (f.name.clone(), f)).collect();
        if state.run_schedules {
            self.start_schedules(&mut state);
        }
        Ok(())
    }

    /// Runs scheduled functions on their schedules (UTC) from now until
    /// [`Runtime::stop`], as Netlify would; each run is logged.
    pub async fn run_schedules(&self) {
        let mut state = self.state.lock().await;
        state.run_schedules = true;
        self.start_schedules(&mut state);
    }

    fn start_schedules(&self, state: &mut State) {
        for task in state.schedules.drain(..) {
            task.abort();
        }
        for f in state
            .functions
            .values()
            .filter(|f| f.kind == Kind::Scheduled)
        {
            let Some(schedule) = f.schedule.as_deref().and_then(|s| Schedule::parse(s).ok()) else {
                continue;
            };
            let this = self.clone();
            let name = f.name.clone();
            state.schedules.push(tokio::spawn(async move {
                loop {
                    let now = chrono::Utc::now();
                    let Some(next) = schedule.next_after(&now) else {
                        return;
                    };
                    let wait = (next - now).to_std().unwrap_or_default();
                    tokio::time::sleep(wait).await;
                    let following = schedule.next_after(&next).unwrap_or(next);
                    let started = std::time::Instant::now();
                    let outcome = this
                        .invoke(&name, BTreeMap::new(), scheduled_request(&name, &following))
                        .await;
                    let ms = started.elapsed().as_millis();
                    match outcome {
                        Ok(r) => tracing::info!(
                            "scheduled function {name} ran ({}): {} in {ms} ms",
                            schedule.expression,
                            r.status
                        ),
                        Err(e) => tracing::warn!(
                            "scheduled function {name} failed ({}): {}: {} after {ms} ms",
                            schedule.expression,
                            e.kind,
                            e.message
                        ),
                    }
                }
            }));
        }
    }

    /// Reacts to edits of `changed` files: finds the functions again,
    /// rebuilds only the Rust crates whose folders changed (or are new; the
    /// old processes serve until the build succeeds), and restarts the Node
    /// host when anything else changed, so edits to any module a function
    /// imports take effect.
    pub async fn reload_changed(&self, changed: &[std::path::PathBuf]) -> Result<(), RuntimeError> {
        let _one_at_a_time = self.reloading.lock().await;
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.reload_settings(changed).await?;
        let functions = discover(&self.project()).map_err(RuntimeError::Discovery)?;
        let known: Vec<String> = self.state.lock().await.functions.keys().cloned().collect();
        let in_crate = |p: &std::path::Path| {
            functions
                .iter()
                .any(|f| f.language == Language::Rust && p.starts_with(&f.entry))
        };
        let rust: Vec<Function> = functions
            .iter()
            .filter(|f| f.language == Language::Rust)
            .filter(|f| !known.contains(&f.name) || changed.iter().any(|p| p.starts_with(&f.entry)))
            .cloned()
            .collect();
        let restart_node = changed.iter().any(|p| !in_crate(p));
        self.rust.build_all(&rust).await?;
        let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
        self.rust.retain(&names).await;
        {
            let mut state = self.state.lock().await;
            state.functions = functions.into_iter().map(|f| (f.name.clone(), f)).collect();
            if state.run_schedules {
                self.start_schedules(&mut state);
            }
        }
        if restart_node {
            let old = self.state.lock().await.node.take();
            if let Some(node) = old {
                self.retire(node).await;
                // Promote the spare now, not on the next call.
                let _ = self.node().await;
            }
        }
        Ok(())
    }

    /// Stops a host replaced after an edit once the calls it is running
    /// have answered (a call in flight during a reload, or a background
    /// function at work, is not cut off). Every call ends by its time limit
    /// at the latest, so the host does too.
    async fn retire(&self, host: Arc<NodeHost>) {
        self.state.lock().await.retired.push(Arc::clone(&host));
        let this = self.clone();
        tokio::spawn(async move {
            while host.in_flight() > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            host.stop().await;
            this.state
                .lock()
                .await
                .retired
                .retain(|h| !Arc::ptr_eq(h, &host));
        });
    }

    /// The project as the functions see it (netlify.toml as last read).
    fn project(&self) -> Arc<Project> {
        let settings = self.settings.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&settings.project)
    }

    /// The variables functions run with.
    fn function_env(&self) -> FunctionEnv {
        let settings = self.settings.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&settings.env)
    }

    /// Reads netlify.toml and the `.env` files again when an edit touched
    /// one: function settings, schedules and variables follow the files
    /// without a restart. Rust processes with old variables are stopped
    /// (the next call starts new ones); the Node host restarts anyway.
    async fn reload_settings(&self, changed: &[std::path::PathBuf]) -> Result<(), RuntimeError> {
        let project = self.project();
        let netlify_toml = project
            .root
            .join(crate::project::netlify_toml::NETLIFY_FILE);
        let env_files = super::env::env_files(&project);
        if !changed
            .iter()
            .any(|p| *p == netlify_toml || env_files.contains(p))
        {
            return Ok(());
        }
        let netlify = crate::project::netlify_toml::NetlifyToml::load(&project.root)
            .map_err(RuntimeError::Discovery)?;
        let project = Arc::new(Project {
            netlify,
            ..(*project).clone()
        });
        let env = Arc::new(super::env::function_env(&project).map_err(RuntimeError::Discovery)?);
        let env_changed = *env != *self.function_env();
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Settings {
            project,
            env: Arc::clone(&env),
        };
        if env_changed {
            self.rust.set_env(env).await;
        }
        Ok(())
    }

    /// Which function a URL path reaches, waiting first for a reload in
    /// progress when none does yet: a function just added (a new Rust
    /// crate compiles for a while) answers instead of a 404.
    pub async fn route_after_reload(
        &self,
        path: &str,
    ) -> Option<(String, BTreeMap<String, String>)> {
        if let Some(found) = self.route(path).await {
            return Some(found);
        }
        if self.reloading.try_lock().is_ok() {
            return None;
        }
        drop(self.reloading.lock().await);
        self.route(path).await
    }

    /// Functions whose last build failed, with the compiler's message
    /// (Rust functions that no longer exist are left out).
    pub async fn build_errors(&self) -> Vec<(String, String)> {
        let known: Vec<String> = self.state.lock().await.functions.keys().cloned().collect();
        let mut errors = self.rust.build_errors().await;
        errors.retain(|(name, _)| known.contains(name));
        errors
    }

    /// One function by name.
    pub async fn function(&self, name: &str) -> Option<Function> {
        self.state.lock().await.functions.get(name).cloned()
    }

    /// The names of the functions, sorted.
    pub async fn names(&self) -> Vec<String> {
        self.state.lock().await.functions.keys().cloned().collect()
    }

    pub async fn functions(&self) -> Vec<Function> {
        self.state
            .lock()
            .await
            .functions
            .values()
            .cloned()
            .collect()
    }

    /// Which function a URL path reaches, with its route parameters.
    pub async fn route(&self, path: &str) -> Option<(String, BTreeMap<String, String>)> {
        let state = self.state.lock().await;
        routes::find(state.functions.values(), path)
    }

    /// Stops every process; nothing is left running.
    pub async fn stop(&self) {
        for task in self.state.lock().await.schedules.drain(..) {
            task.abort();
        }
        let hosts: Vec<Arc<NodeHost>> = {
            let mut state = self.state.lock().await;
            state.stopped = true;
            let spare = state.spare_node.take().map(|(host, _)| host);
            let mut hosts: Vec<Arc<NodeHost>> = state.retired.drain(..).collect();
            hosts.extend(state.node.take().into_iter().chain(spare));
            hosts
        };
        for host in hosts {
            host.stop().await;
        }
        self.rust.stop_all().await;
    }

    fn next_request_id(&self) -> String {
        // Read once: each `process::id()` is a system call.
        static PID: std::sync::LazyLock<u32> = std::sync::LazyLock::new(std::process::id);
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{:04x}-4000-8000-{:012x}", *PID, n & 0xffff, n)
    }

    /// Calls function `name` with `request`. Background functions answer
    /// 202 at once and run on.
    pub async fn invoke(
        &self,
        name: &str,
        params: BTreeMap<String, String>,
        request: HttpRequest,
    ) -> Result<FunctionResponse, CallError> {
        let function = self
            .state
            .lock()
            .await
            .functions
            .get(name)
            .cloned()
            .ok_or_else(|| CallError {
                status: 404,
                ..CallError::new("NotFound", format!("no function named `{name}`"))
            })?;
        if request.body.len() > MAX_BODY_BYTES {
            return Err(CallError {
                status: 413,
                ..CallError::new(
                    "PayloadTooLarge",
                    format!(
                        "the request body is {} bytes; functions accept at most {MAX_BODY_BYTES}",
                        request.body.len()
                    ),
                )
            });
        }
        let request_id = self.next_request_id();
        let event = event::v1_event(&request, &request_id);
        if function.kind == Kind::Background {
            let this = self.clone();
            tokio::spawn(async move {
                if let Err(e) = this.call(&function, event, params).await {
                    tracing::warn!(
                        "background function {} failed: {}: {}",
                        function.name,
                        e.kind,
                        e.message
                    );
                }
            });
            return Ok(FunctionResponse {
                status: 202,
                headers: Vec::new(),
                body: Vec::new(),
            });
        }
        let response = self.call(&function, event, params).await?;
        if response.body.len() > MAX_BODY_BYTES {
            return Err(CallError::new(
                "ResponseTooLarge",
                format!(
                    "the function answered {} bytes; Netlify allows at most {MAX_BODY_BYTES}",
                    response.body.len()
                ),
            ));
        }
        Ok(response)
    }

    fn timeout_of(&self, function: &Function) -> Duration {
        time_limit(function, self.options.timeout)
    }

    /// Runs one invocation with a ready-made event.
    pub async fn call(
        &self,
        function: &Function,
        event: Event,
        params: BTreeMap<String, String>,
    ) -> Result<FunctionResponse, CallError> {
        let timeout = self.timeout_of(function);
        match function.language {
            Language::Rust => self.rust.invoke(function, event, timeout).await,
            Language::Js | Language::Ts => self.call_js(function, event, params, timeout).await,
        }
    }

    /// The running Node host; a dead or retired one is replaced by the
    /// spare (started ahead, so a restart after an edit costs no Node
    /// start-up on the request path), and a new spare is started.
    async fn node(&self) -> Result<Arc<NodeHost>, CallError> {
        let mut state = self.state.lock().await;
        if let Some(node) = &state.node
            && node.alive().await
        {
            return Ok(Arc::clone(node));
        }
        // A spare started before the variables changed is not used.
        let env = self.function_env();
        let spare = match state.spare_node.take() {
            Some((spare, with)) if Arc::ptr_eq(&with, &env) && spare.alive().await => Some(spare),
            Some((stale, _)) => {
                stale.stop().await;
                None
            }
            None => None,
        };
        let host = match spare {
            Some(spare) => spare,
            None => Arc::new(self.start_host(&env).await?),
        };
        state.node = Some(Arc::clone(&host));
        drop(state);
        let this = self.clone();
        tokio::spawn(async move {
            // Not at once: starting Node takes some 50 ms of CPU, which the
            // promoted host needs now for the call that is waiting (its
            // first import took 10-20 ms instead of 3-5 beside a start).
            tokio::time::sleep(SPARE_HOST_DELAY).await;
            if this.state.lock().await.stopped {
                return;
            }
            let env = this.function_env();
            if let Ok(spare) = this.start_host(&env).await {
                let mut state = this.state.lock().await;
                if state.stopped || state.spare_node.is_some() {
                    spare.stop().await;
                } else {
                    state.spare_node = Some((Arc::new(spare), env));
                }
            }
        });
        Ok(host)
    }

    async fn start_host(&self, env: &[(String, String)]) -> Result<NodeHost, CallError> {
        let work = self.project().root.join(".ssgx").join("node");
        NodeHost::start(&work, env)
            .await
            .map_err(|e| CallError::new("RuntimeError", e.to_string()))
    }

    /// Mirrors the TypeScript functions for Node once per reload (a walk of
    /// the functions folder on every call cost more than the call).
    fn mirror_typescript(&self) -> Result<(), CallError> {
        let generation = self.generation.load(Ordering::Acquire);
        if self.ts_mirrored.load(Ordering::Acquire) == generation {
            return Ok(());
        }
        super::typescript::mirror(&self.project())
            .map_err(|e| CallError::new("TypeScriptError", e.to_string()))?;
        // A reload during the walk leaves the generations apart: the next
        // call mirrors again.
        self.ts_mirrored.fetch_max(generation, Ordering::AcqRel);
        Ok(())
    }

    async fn call_js(
        &self,
        function: &Function,
        event: Event,
        params: BTreeMap<String, String>,
        timeout: Duration,
    ) -> Result<FunctionResponse, CallError> {
        /// One invocation as the host script reads it.
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Invocation<'a> {
            name: &'a str,
            entry: &'a std::path::Path,
            api: u8,
            event: &'a RawValue,
            request_id: &'a str,
            params: &'a BTreeMap<String, String>,
            timeout_ms: u64,
        }
        if function.language == Language::Ts {
            self.mirror_typescript()?;
        }
        let project = self.project();
        let entry = super::typescript::node_entry(&project, function);
        let node = self.node().await?;
        if let Some(known) = node.syntax_error(&entry) {
            return Err(known);
        }
        let api = if function.api == ApiVersion::V2 { 2 } else { 1 };
        let message = Invocation {
            name: &function.name,
            entry: &entry,
            api,
            event: &event.json,
            request_id: &event.request_id,
            params: &params,
            timeout_ms: timeout.as_millis() as u64,
        };
        let reply = match node.call(&message, timeout).await {
            Ok(Some(reply)) => reply,
            Ok(None) => {
                // A stuck host (a synchronous endless loop) serves no one.
                if !node.responsive().await {
                    node.stop().await;
                }
                return Err(CallError::new(
                    "TimeoutError",
                    format!("Task timed out after {:.2} seconds", timeout.as_secs_f64()),
                ));
            }
            Err(e) => {
                node.stop().await;
                return Err(CallError::new(
                    "RuntimeError",
                    format!(
                        "{e} (the function may have exited the process; it restarts on the next call)"
                    ),
                ));
            }
        };
        match js_reply_to_response(&reply) {
            Err(error) if reply["error"]["atImport"] == json!(true) => {
                Err(node.locate_syntax_error(&project.root, &entry, error).await)
            }
            result => result,
        }
    }
}

/// Netlify's limit for a background function's run.
pub const BACKGROUND_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// How long a call may run: the function's `timeout` setting, else 15
/// minutes for a background function (as in production: a long job must
/// not be cut off at 30 s only locally), else `default`.
fn time_limit(function: &Function, default: Duration) -> Duration {
    match (function.settings.timeout, function.kind) {
        (Some(seconds), _) => Duration::from_secs(seconds),
        (None, Kind::Background) => BACKGROUND_TIMEOUT,
        (None, _) => default,
    }
}

/// The request Netlify's scheduler sends: a POST with the next run's time.
pub fn scheduled_request(name: &str, next_run: &chrono::DateTime<chrono::Utc>) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: format!("/.netlify/functions/{name}"),
        raw_query: String::new(),
        headers: vec![
            ("user-agent".into(), "Netlify Clockwork".into()),
            ("content-type".into(), "application/json".into()),
            ("x-nf-event".into(), "schedule".into()),
        ],
        body: schedule::event_body(next_run).into_bytes(),
        origin: "http://127.0.0.1".into(),
        client_ip: "127.0.0.1".into(),
    }
}

/// The host's answer (a v1 result; v2 responses arrive converted by the
/// shared adapter) as an HTTP response, or the error it reports.
fn js_reply_to_response(reply: &Value) -> Result<FunctionResponse, CallError> {
    if reply["ok"] != json!(true) {
        let e = &reply["error"];
        return Err(CallError {
            status: 500,
            kind: e["type"].as_str().unwrap_or("Error").to_string(),
            message: e["message"].as_str().unwrap_or_default().to_string(),
            stack: e["stack"].as_str().unwrap_or_default().to_string(),
        });
    }
    event::v1_response(&reply["v1"]).map_err(|e| CallError::new("Error", e.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Overrides;

    #[test]
    fn background_functions_get_production_s_fifteen_minutes() {
        let dir = tempfile::tempdir().unwrap();
        let functions = dir.path().join("functions");
        std::fs::create_dir_all(&functions).unwrap();
        let v1 = "exports.handler = async () => ({ statusCode: 200 });\n";
        for name in ["report-background.js", "hello.js", "quick-background.js"] {
            std::fs::write(functions.join(name), v1).unwrap();
        }
        std::fs::write(
            dir.path().join("netlify.toml"),
            "[functions.\"quick-background\"]\ntimeout = 5\n",
        )
        .unwrap();
        let project = Project::load(dir.path(), &Overrides::default()).unwrap();
        let limits: Vec<(String, Duration)> = discover(&project)
            .unwrap()
            .iter()
            .map(|f| (f.name.clone(), time_limit(f, DEFAULT_TIMEOUT)))
            .collect();
        assert_eq!(
            limits,
            vec![
                ("hello".to_string(), DEFAULT_TIMEOUT),
                ("quick-background".to_string(), Duration::from_secs(5)),
                ("report-background".to_string(), BACKGROUND_TIMEOUT),
            ]
        );
    }
}
