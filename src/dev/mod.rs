//! `ssgx dev`: serves the site from memory, rebuilds on edits, reloads the
//! browser, runs the functions behind `/.functions/*`, and applies
//! netlify.toml's and `_redirects`/`_headers`' rules as Netlify would.
//! `public/` is never touched. `ssgx serve` runs the same server over the
//! built `public/` as it is, to preview what Netlify will serve.
//!
//! Public surface: [`DevOptions`] and [`run`]. Inside: [`snapshot`] (one
//! rendered state), [`server`] (request → response), [`proxy`], [`reload`]
//! (event stream, client script), [`watch`] (debounced file events; also
//! used by `ssgx functions serve`).

mod listen;
mod log;
mod proxy;
pub mod reload;
mod server;
mod snapshot;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use tokio::sync::watch as state_watch;

use crate::error::Error;
use crate::functions::{self, Runtime, RuntimeError, RuntimeOptions};
use crate::project::{Overrides, Project};
use crate::site::LiveSite;
use log::{Logged, RequestLog};
use reload::Hub;
use snapshot::Snapshot;

/// How `ssgx dev` was asked to run.
#[derive(Debug, Clone)]
pub struct DevOptions {
    pub root: PathBuf,
    pub host: String,
    /// `None`: netlify.toml's `[dev] port`, else 8888.
    pub port: Option<u16>,
    /// Fail instead of taking the next free port.
    pub strict_port: bool,
    pub drafts: bool,
    /// Include pages dated in the future.
    pub future: bool,
    /// Let proxy rewrites reach hosts other than this machine.
    pub allow_proxy: bool,
    /// Build Rust functions with the release profile.
    pub release: bool,
    /// Colour in terminal messages.
    pub color: bool,
    /// A connection that sends no request for this long is closed.
    pub idle_timeout: Duration,
    /// `ssgx serve`: serve the built output folder as it is (no rebuild,
    /// no live reload), `/.functions/*` only through its `_redirects`.
    pub preview: bool,
    /// The output folder to serve in a preview (default: the project's).
    pub output: Option<PathBuf>,
}

/// The running dev server's shared state.
pub struct Dev {
    root: PathBuf,
    overrides: Overrides,
    project: RwLock<Arc<Project>>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// The rendered site with its dependencies, for incremental rebuilds.
    live: tokio::sync::Mutex<Option<LiveSite>>,
    /// The function runtime, once it has started.
    functions: std::sync::OnceLock<Runtime>,
    /// True once the runtime started or failed to.
    functions_started: state_watch::Receiver<bool>,
    hub: Hub,
    log: RequestLog,
    allow_proxy: bool,
    color: bool,
    http: reqwest::Client,
    site_error: Mutex<Option<String>>,
    function_error: Mutex<Option<String>>,
    preview: bool,
}

impl Dev {
    fn project(&self) -> Arc<Project> {
        Arc::clone(&self.project.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The runtime to ask about `path`. Function URLs wait for it to
    /// start; other paths only use it once it is ready.
    async fn functions_for(&self, path: &str) -> Option<&Runtime> {
        if let Some(runtime) = self.functions.get() {
            return Some(runtime);
        }
        let is_function_url =
            path.starts_with("/.netlify/functions/") || path.starts_with("/.functions/");
        if is_function_url {
            let mut started = self.functions_started.clone();
            let _ = started.wait_for(|done| *done).await;
        }
        self.functions.get()
    }

    /// Brings the in-memory site up to date with the edits of `touched`
    /// (an empty list: build it all), swaps it in, and tells pages to
    /// reload or swap stylesheets. Edits to page bodies re-render only the
    /// outputs that show them; anything else renders the whole site. A
    /// failed build keeps the previous site serving and shows the error.
    async fn rebuild_site(&self, touched: &[PathBuf]) {
        let project = self.project();
        let started = Instant::now();
        // One rebuild at a time; the next batch waits for this one.
        let mut slot = self.live.lock().await;
        let live = slot.take();
        let edits = touched.to_vec();
        let outcome = tokio::task::spawn_blocking(move || rebuild(project, live, &edits)).await;
        let (live, rebuilt) = match outcome {
            Ok(o) => o,
            Err(e) => {
                let message = format!("error: the build stopped unexpectedly: {e}\n");
                eprint!("{message}");
                self.set_site_error(Some(message));
                return;
            }
        };
        *slot = live;
        drop(slot);
        tracing::debug!("rebuild: {} ms", started.elapsed().as_millis());
        let (snapshot, changed, how) = match rebuilt {
            Ok(Rebuilt::Partial(files)) => {
                let (snapshot, changed) = self.snapshot().with_files(files);
                (snapshot, changed, "re-rendered")
            }
            Ok(Rebuilt::Full(snapshot)) => {
                let changed = self.snapshot().changed_paths(&snapshot, touched);
                (snapshot, changed, "rebuilt")
            }
            Err(e) => {
                eprint!("{}", e.render(self.color));
                self.set_site_error(Some(e.render(false)));
                return;
            }
        };
        for problem in &snapshot.rule_problems {
            tracing::warn!("{}: {}", problem.location(), problem.message);
        }
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
        self.set_site_error(None);
        self.hub.built(&changed);
        if !touched.is_empty() {
            eprintln!(
                "Site {how} in {} ms: {} output file(s) changed",
                started.elapsed().as_millis(),
                changed.len()
            );
        }
    }

    /// Reloads ssgx.toml and netlify.toml; on an error the old settings
    /// stay and the error shows.
    fn reload_project(&self) -> bool {
        match Project::load(&self.root, &self.overrides) {
            Ok(p) => {
                *self.project.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(p);
                true
            }
            Err(e) => {
                eprint!("{}", e.render(self.color));
                self.set_site_error(Some(e.render(false)));
                false
            }
        }
    }

    fn set_site_error(&self, error: Option<String>) {
        *self.site_error.lock().unwrap_or_else(|e| e.into_inner()) = error;
        self.publish_errors();
    }

    fn set_function_error(&self, error: Option<String>) {
        *self
            .function_error
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = error;
        self.publish_errors();
    }

    /// The overlay shows the site's and the functions' errors together.
    fn publish_errors(&self) {
        let site = self
            .site_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let functions = self
            .function_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let text: Vec<String> = [site, functions].into_iter().flatten().collect();
        self.hub
            .set_error((!text.is_empty()).then(|| text.join("\n")));
    }

    /// Reloads the functions a batch of edits touched, then shows any
    /// function that no longer builds.
    async fn reload_functions(&self, changed: &[PathBuf]) {
        let Some(runtime) = self.functions_for("/.functions/").await.cloned() else {
            return;
        };
        let started = Instant::now();
        let before = runtime.names().await;
        match runtime.reload_changed(changed).await {
            Ok(()) => {
                eprintln!("Functions reloaded in {} ms", started.elapsed().as_millis());
                let after = runtime.names().await;
                for name in after.iter().filter(|n| !before.contains(n)) {
                    let routes = match runtime.function(name).await {
                        Some(f) => f.routes_shown(),
                        None => format!("/.functions/{name}"),
                    };
                    eprintln!("New function {name} at {routes}");
                }
                for name in before.iter().filter(|n| !after.contains(n)) {
                    eprintln!("Function {name} removed");
                }
                self.show_function_errors(&runtime).await;
            }
            Err(RuntimeError::Discovery(d)) => {
                let e = Error::Site(d);
                eprint!("{}", e.render(self.color));
                self.set_function_error(Some(e.render(false)));
            }
            Err(e) => {
                eprintln!("error: functions not reloaded: {e}");
                self.set_function_error(Some(format!("error: {e}\n")));
            }
        }
    }

    async fn show_function_errors(&self, runtime: &Runtime) {
        let errors = runtime.build_errors().await;
        let text = errors
            .iter()
            .map(|(name, output)| format!("error: function `{name}` does not compile:\n{output}\n"))
            .collect::<String>();
        self.set_function_error((!text.is_empty()).then_some(text));
    }
}

/// What a rebuild produced.
enum Rebuilt {
    /// Only these outputs were rendered again.
    Partial(Vec<crate::output::OutputFile>),
    Full(Snapshot),
}

/// Updates `live` with the edits when they touch page bodies only, else
/// renders the whole site (with the function rewrite `ssgx build` adds to
/// `_redirects`). Returns the state to keep for the next edit.
fn rebuild(
    project: Arc<Project>,
    live: Option<LiveSite>,
    touched: &[PathBuf],
) -> (Option<LiveSite>, Result<Rebuilt, Error>) {
    if let Some(mut live) = live
        && Arc::ptr_eq(live.project(), &project)
    {
        match live.update(touched) {
            Some(Ok(files)) => return (Some(live), Ok(Rebuilt::Partial(files))),
            Some(Err(e)) => return (Some(live), Err(e)),
            None => {}
        }
    }
    match LiveSite::build(Arc::clone(&project)) {
        Ok((live, mut site)) => {
            if let Ok(found) = functions::discover(&project)
                && let Err(e) = site.append_redirects(&functions::bundle::redirect_rules(&found))
            {
                return (Some(live), Err(e));
            }
            let snapshot = Snapshot::new(&project, site.files);
            (Some(live), Ok(Rebuilt::Full(snapshot)))
        }
        Err(e) => (None, Err(e)),
    }
}

/// Runs the dev server until Ctrl-C or SIGTERM.
/// The URL the server answers at, as people type it.
fn url_of(addr: std::net::SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    if addr.is_ipv6() {
        format!("http://[{host}]:{}", addr.port())
    } else {
        format!("http://{host}:{}", addr.port())
    }
}

/// What is served before the first edit: the output folder as built
/// (`ssgx serve`) or a build in memory (`ssgx dev`); says where.
async fn first_snapshot(
    dev: &Dev,
    project: &Project,
    url: &str,
    started: Instant,
) -> Result<(), Error> {
    if dev.preview {
        let files = snapshot::built_files(project)?;
        let snapshot = Snapshot::new(project, files);
        for problem in &snapshot.rule_problems {
            tracing::warn!("{}: {}", problem.location(), problem.message);
        }
        *dev.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
        eprintln!(
            "ssgx serve: serving {} at {url}/ ({} files, as built). Ctrl-C stops.",
            project.display_path(&project.output_dir).display(),
            dev.snapshot().len()
        );
    } else {
        dev.rebuild_site(&[]).await;
        let pages = dev.snapshot().len();
        eprintln!(
            "ssgx dev: serving {} at {url}/ ({pages} files in memory, ready in {} ms). Ctrl-C stops.",
            project.root.display(),
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

pub async fn run(options: DevOptions) -> Result<(), Error> {
    let started = Instant::now();
    let base = Overrides {
        drafts: options.drafts,
        future: options.future,
        output_dir: options.output.clone(),
        ..Overrides::default()
    };
    let first = Project::load(&options.root, &base)?;
    let port = options.port.or(first.netlify.dev.port).unwrap_or(8888);
    let listener = listen::bind(&options.host, port, options.strict_port).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    let url = url_of(addr);
    // A preview serves the output as built, links and all.
    let overrides = Overrides {
        base_url: (!options.preview).then(|| url.clone()),
        ..base
    };
    let project = Arc::new(Project::load(&options.root, &overrides)?);
    let (functions_tx, functions_rx) = state_watch::channel(false);
    let dev = Arc::new(Dev {
        root: options.root.clone(),
        overrides,
        project: RwLock::new(Arc::clone(&project)),
        snapshot: RwLock::default(),
        live: tokio::sync::Mutex::default(),
        functions: std::sync::OnceLock::new(),
        functions_started: functions_rx,
        hub: Hub::default(),
        log: RequestLog::start(),
        allow_proxy: options.allow_proxy,
        color: options.color,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::io("cannot start the proxy client", std::io::Error::other(e)))?,
        site_error: Mutex::default(),
        function_error: Mutex::default(),
        preview: options.preview,
    });

    // Watching starts before the banner, so that no edit made once it is
    // printed goes unseen. Found once: the watcher only follows the
    // folders known at start.
    let watching = if options.preview {
        None
    } else {
        let included = included_dirs(&project);
        let (watch, batches) = watch_site(&project, &included)?;
        Some((watch, batches, included))
    };
    first_snapshot(&dev, &project, &url, started).await?;
    if addr.port() != port {
        eprintln!("  (port {port} was busy; took {})", addr.port());
    }

    start_functions(Arc::clone(&dev), &project, options.release, functions_tx);
    if let Some((watch, batches, included)) = watching {
        tokio::spawn(react_to_edits(Arc::clone(&dev), batches, watch, included));
    }

    let app = Router::new()
        .fallback(serve_logged)
        .with_state(Arc::clone(&dev));
    let stopping = async {
        shutdown_signal().await;
        dev.hub.close();
    };
    listen::serve(listener, app, options.idle_timeout, stopping).await;
    if let Some(runtime) = dev.functions.get() {
        runtime.stop().await;
    }
    if !dev.log.flush() {
        tracing::debug!("the request log did not finish writing");
    }
    eprintln!("Stopped.");
    Ok(())
}

/// Starts the function runtime in the background (Rust functions compile
/// first) and tells waiting requests when it is ready.
fn start_functions(
    dev: Arc<Dev>,
    project: &Arc<Project>,
    release: bool,
    tx: state_watch::Sender<bool>,
) {
    let project = Arc::clone(project);
    tokio::spawn(async move {
        let options = RuntimeOptions {
            release,
            ..RuntimeOptions::default()
        };
        match Runtime::start(project, options).await {
            Ok(runtime) => {
                runtime.run_schedules().await;
                let names = runtime.names().await;
                if !names.is_empty() {
                    // A preview reaches `/.functions/` only through `_redirects`.
                    let prefixes = if dev.preview {
                        "/.netlify/functions/"
                    } else {
                        "/.functions/ and /.netlify/functions/"
                    };
                    eprintln!("Functions ready at {prefixes}: {}", names.join(", "));
                }
                dev.show_function_errors(&runtime).await;
                let _ = dev.functions.set(runtime);
                let _ = tx.send(true);
            }
            Err(e) => {
                let e = Error::from(e);
                eprint!("{}", e.render(dev.color));
                dev.set_function_error(Some(e.render(false)));
                let _ = tx.send(true);
            }
        }
    });
}

/// The folders and files whose edits matter.
fn watch_site(
    project: &Project,
    included: &[PathBuf],
) -> Result<
    (
        watch::Watch,
        tokio::sync::mpsc::UnboundedReceiver<Vec<PathBuf>>,
    ),
    Error,
> {
    let mut dirs = vec![
        project.content_dir.clone(),
        project.templates_dir.clone(),
        project.static_dir.clone(),
        project.functions_dir.clone(),
        project.root.join(crate::site::sass::FOLDER),
        project.root.join("data"),
    ];
    dirs.extend(project.theme_dir.clone());
    dirs.extend(included.iter().cloned());
    dirs.sort();
    dirs.dedup();
    let mut files = vec![
        project.root.join(crate::project::CONFIG_FILE),
        project
            .root
            .join(crate::project::netlify_toml::NETLIFY_FILE),
    ];
    files.extend(functions::env::env_files(project));
    let ignored = vec![
        project.output_dir.clone(),
        project.functions_output_dir.clone(),
        project.root.join(".netlify"),
        project.root.join(".ssgx"),
    ];
    watch::Watch::start(&dirs, &files, ignored)
}

/// The folders the functions' `included_files` globs read from (the part
/// of each pattern before its first wildcard). Edits there reload the
/// functions, so a function reading such a file sees the new one.
fn included_dirs(project: &Project) -> Vec<PathBuf> {
    let Ok(found) = functions::discover(project) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = found
        .iter()
        .flat_map(|f| f.settings.included_files.iter())
        .filter(|pattern| !pattern.starts_with('!'))
        .filter_map(|pattern| {
            let fixed: Vec<&str> = pattern
                .split('/')
                .take_while(|part| !part.contains(['*', '?', '[', '{']))
                .collect();
            let path = project.root.join(fixed.join("/"));
            // A plain file name is watched through its folder.
            let dir = if fixed.len() == pattern.split('/').count() {
                path.parent()?.to_path_buf()
            } else {
                path
            };
            // A pattern starting with a wildcard would watch the whole
            // project: left out.
            (dir != project.root).then_some(dir)
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Each batch of edits: config files reload the project, function files
/// reload the functions (in the background, so the site does not wait for
/// cargo), and anything else rebuilds the site.
async fn react_to_edits(
    dev: Arc<Dev>,
    mut batches: tokio::sync::mpsc::UnboundedReceiver<Vec<PathBuf>>,
    mut watch: watch::Watch,
    included: Vec<PathBuf>,
) {
    while let Some(changed) = batches.recv().await {
        watch.watch_new_dirs();
        let project = dev.project();
        let is_config = |p: &Path| {
            p == project.root.join(crate::project::CONFIG_FILE)
                || p == project
                    .root
                    .join(crate::project::netlify_toml::NETLIFY_FILE)
        };
        let is_function = |p: &Path| {
            p.starts_with(&project.functions_dir) || included.iter().any(|d| p.starts_with(d))
        };
        let config = changed.iter().any(|p| is_config(p));
        let netlify_toml = project
            .root
            .join(crate::project::netlify_toml::NETLIFY_FILE);
        let env_files = functions::env::env_files(&project);
        let function_files: Vec<PathBuf> = changed
            .iter()
            .filter(|p| is_function(p) || **p == netlify_toml || env_files.contains(p))
            .cloned()
            .collect();
        let site_files = changed
            .iter()
            .any(|p| !is_function(p) && !env_files.contains(p));
        if !function_files.is_empty() {
            let dev = Arc::clone(&dev);
            tokio::spawn(async move { dev.reload_functions(&function_files).await });
        }
        if config && !dev.reload_project() {
            continue;
        }
        if site_files {
            dev.rebuild_site(&changed).await;
        }
    }
}

/// Serves one request and logs it compactly: method, path, status, time.
async fn serve_logged(State(dev): State<Arc<Dev>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = server::handle(&dev, request).await;
    if !path.starts_with("/.ssgx/") {
        dev.log.line(Logged {
            method,
            path,
            status: response.status(),
            elapsed: started.elapsed(),
        });
    }
    response
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
