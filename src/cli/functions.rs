//! `ssgx functions list | invoke | serve`.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;

use ssgx::Error;
use ssgx::functions::event::HttpRequest;
use ssgx::functions::{self, Runtime, RuntimeOptions};
use ssgx::project::{Overrides, Project};

#[derive(Subcommand)]
pub enum FunctionsCommand {
    /// List the functions: name, language, kind, route and schedule.
    List {
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Bundle the functions for Netlify (as `ssgx build` does), nothing else.
    Build {
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Call one function once and print its response.
    #[command(
        after_help = "Examples:\n  ssgx functions invoke hello --query name=Ada\n  ssgx functions invoke echo --method POST --header content-type:application/json --body '{\"a\":1}'\n  ssgx functions invoke upload --method POST --body @photo.png"
    )]
    Invoke(InvokeArgs),
    /// Serve only the functions, at /.netlify/functions/* and /.functions/*.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 9999)]
        port: u16,
        /// The address to listen on; only this machine by default.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Build Rust functions in release mode (slower builds, faster calls).
        #[arg(long)]
        release: bool,
    },
}

#[derive(clap::Args)]
pub struct InvokeArgs {
    /// The function's name.
    name: String,
    #[arg(long, default_value = ".")]
    root: PathBuf,
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// The request path (default: /.netlify/functions/NAME).
    #[arg(long)]
    path: Option<String>,
    /// A query parameter, `key=value`; repeat for more.
    #[arg(long = "query", short = 'q')]
    query: Vec<String>,
    /// A request header, `Name: value`; repeat for more.
    #[arg(long = "header", short = 'H')]
    header: Vec<String>,
    /// The body: text, `@file`, or `-` for standard input.
    #[arg(long, short = 'd')]
    body: Option<String>,
    /// A whole event as JSON (`@file` or `-`), sent as it is.
    #[arg(long, conflicts_with_all = ["method", "path", "query", "header", "body"])]
    event: Option<String>,
}

pub fn run(command: FunctionsCommand) -> Result<(), Error> {
    let rt = crate::server_runtime()?;
    rt.block_on(async move {
        match command {
            FunctionsCommand::List { root } => list(root),
            FunctionsCommand::Build { root } => build(root),
            FunctionsCommand::Invoke(args) => invoke(args).await,
            FunctionsCommand::Serve {
                root,
                port,
                host,
                release,
            } => serve(root, &host, port, release).await,
        }
    })
}

fn load(root: &std::path::Path) -> Result<Arc<Project>, Error> {
    Ok(Arc::new(Project::load(root, &Overrides::default())?))
}

fn build(root: PathBuf) -> Result<(), Error> {
    let project = load(&root)?;
    let _one_build_at_a_time = ssgx::output::BuildLock::acquire(&project.root)?;
    let found = functions::discover(&project)?;
    for b in bundle(&project, &found)? {
        println!(
            "{:<24} {:<3} {}",
            b.name,
            b.runtime,
            project.display_path(&b.path).display()
        );
    }
    Ok(())
}

/// Bundles `found` for Netlify and says where (`ssgx build` and
/// `ssgx functions build`).
pub fn bundle(
    project: &Project,
    found: &[functions::Function],
) -> Result<Vec<functions::bundle::Bundle>, Error> {
    let started = std::time::Instant::now();
    let out = &project.functions_output_dir;
    let bundles =
        functions::bundle::bundle_all(project, found, out, &functions::target_dir(project))?;
    eprintln!(
        "Bundled {} function(s) into {}/ in {} ms",
        bundles.len(),
        project.display_path(out).display(),
        started.elapsed().as_millis()
    );
    Ok(bundles)
}

fn list(root: PathBuf) -> Result<(), Error> {
    let project = load(&root)?;
    let found = functions::discover(&project)?;
    if found.is_empty() {
        println!(
            "No functions in {}/",
            project.display_path(&project.functions_dir).display()
        );
        return Ok(());
    }
    println!(
        "{:<24} {:<6} {:<4} {:<11} {:<36} SCHEDULE",
        "NAME", "LANG", "API", "KIND", "ROUTE"
    );
    for f in found {
        let lang = serde_json::to_value(f.language)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let api = if f.api == functions::ApiVersion::V2 {
            "v2"
        } else {
            "v1"
        };
        let route = f.routes_shown();
        println!(
            "{:<24} {:<6} {:<4} {:<11} {:<36} {}",
            f.name,
            lang,
            api,
            kind,
            route,
            f.schedule.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

/// Text, `@file` or `-` (standard input).
fn read_arg(value: &str) -> Result<Vec<u8>, Error> {
    if value == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read standard input", e))?;
        Ok(buf)
    } else if let Some(file) = value.strip_prefix('@') {
        std::fs::read(file).map_err(|e| Error::io_at("cannot read", std::path::Path::new(file), e))
    } else {
        Ok(value.as_bytes().to_vec())
    }
}

async fn invoke(args: InvokeArgs) -> Result<(), Error> {
    let project = load(&args.root)?;
    let options = RuntimeOptions {
        only: Some(args.name.clone()),
        ..RuntimeOptions::default()
    };
    let runtime = Runtime::start(Arc::clone(&project), options).await?;
    let name = args.name.clone();
    let result = match &args.event {
        Some(source) => {
            let event: serde_json::Value =
                serde_json::from_slice(&read_arg(source)?).map_err(|e| {
                    Error::usage(
                        format!("the event is not JSON: {e}"),
                        "pass a JSON object, e.g. --event @event.json",
                    )
                })?;
            match runtime.function(&name).await {
                Some(f) => {
                    runtime
                        .call(
                            &f,
                            functions::event::Event::from_value(&event),
                            BTreeMap::new(),
                        )
                        .await
                }
                None => Err(functions::CallError::new(
                    "NotFound",
                    format!("no function named `{name}`"),
                )),
            }
        }
        None => {
            let request = request_from_flags(&args)?;
            // A v2 route's parameters come from the path, as when served.
            let params = match runtime.route(&request.path).await {
                Some((routed, params)) if routed == name => params,
                _ => BTreeMap::new(),
            };
            runtime.invoke(&name, params, request).await
        }
    };
    runtime.stop().await;
    match result {
        Ok(r) => {
            print_response(&r);
            Ok(())
        }
        Err(e) => Err(Error::usage(
            format!("{name} failed: {}: {}", e.kind, e.message),
            if e.stack.is_empty() {
                "fix the function and try again".to_string()
            } else {
                // On lines of their own, so a caret stays under its column.
                format!("where it failed:\n{}", e.stack)
            },
        )),
    }
}

/// The request `--method`, `--path`, `--query`, `--header` and `--body` describe.
fn request_from_flags(args: &InvokeArgs) -> Result<HttpRequest, Error> {
    let mut headers = Vec::new();
    for h in &args.header {
        let (k, v) = h.split_once(':').ok_or_else(|| {
            Error::usage(
                format!("`{h}` is not a header"),
                "write headers as Name:value",
            )
        })?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    for q in &args.query {
        let (k, v) = q.split_once('=').unwrap_or((q, ""));
        query.append_pair(k, v);
    }
    Ok(HttpRequest {
        method: args.method.to_ascii_uppercase(),
        path: args
            .path
            .clone()
            .unwrap_or_else(|| format!("/.netlify/functions/{}", args.name)),
        raw_query: query.finish(),
        headers,
        body: args
            .body
            .as_deref()
            .map(read_arg)
            .transpose()?
            .unwrap_or_default(),
        origin: "http://127.0.0.1:9999".into(),
        client_ip: "127.0.0.1".into(),
    })
}

fn print_response(r: &functions::event::FunctionResponse) {
    println!("HTTP {}", r.status);
    for (k, v) in &r.headers {
        println!("{k}: {v}");
    }
    println!();
    match std::str::from_utf8(&r.body) {
        Ok(text) => println!("{text}"),
        Err(_) => println!("({} bytes of binary data)", r.body.len()),
    }
}

async fn serve(root: PathBuf, host: &str, port: u16, release: bool) -> Result<(), Error> {
    let project = load(&root)?;
    let options = RuntimeOptions {
        release,
        ..RuntimeOptions::default()
    };
    let runtime = Runtime::start(Arc::clone(&project), options).await?;
    runtime.run_schedules().await;
    let _watcher = watch_functions(&project, runtime.clone())?;
    let addr: SocketAddr = format!("{host}:{port}").parse().map_err(|_| {
        Error::usage(
            format!("`{host}` is not an IP address"),
            "use --host 127.0.0.1, or 0.0.0.0 to listen on every interface",
        )
    })?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Error::usage(
            format!("cannot listen on {addr}: {e}"),
            "choose another --port",
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    let names = runtime.names().await;
    eprintln!(
        "Serving {} function(s) at http://{addr}/.netlify/functions/ and /.functions/: {}",
        names.len(),
        names.join(", ")
    );
    let app = functions::serve::router(runtime.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(ssgx::dev::shutdown_signal())
        .await
        .map_err(|e| Error::io("the server failed", e))?;
    runtime.stop().await;
    eprintln!("Stopped.");
    Ok(())
}

/// Watches the functions folder, netlify.toml and the `.env` files; each burst of edits
/// reloads what it touched while the server keeps serving.
fn watch_functions(project: &Project, runtime: Runtime) -> Result<ssgx::dev::watch::Watch, Error> {
    let mut files = vec![project.root.join("netlify.toml")];
    files.extend(ssgx::functions::env::env_files(project));
    let ignored = vec![project.functions_output_dir.clone()];
    let (watch, mut batches) = ssgx::dev::watch::Watch::start(
        std::slice::from_ref(&project.functions_dir),
        &files,
        ignored,
    )?;
    tokio::spawn(async move {
        while let Some(changed) = batches.recv().await {
            let started = std::time::Instant::now();
            match runtime.reload_changed(&changed).await {
                Ok(()) => {
                    tracing::info!("functions reloaded in {} ms", started.elapsed().as_millis())
                }
                Err(ssgx::functions::RuntimeError::Discovery(d)) => {
                    tracing::error!("functions not reloaded:\n{d}")
                }
                Err(e) => tracing::error!("functions not reloaded: {e}"),
            }
        }
    });
    Ok(watch)
}
