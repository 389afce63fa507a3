//! The `ssgx` command line: parses flags, runs the pipeline, renders
//! diagnostics once, and maps errors to exit codes (0 ok, 1 user error,
//! 2 internal error). The only place, with `dev`, that knows about
//! processes, ports and terminals.

mod functions;
mod init;
mod scaffold;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ssgx::project::{Overrides, Project};
use ssgx::{Error, site};

// The build allocates many small values (template contexts) from two
// threads at once; mimalloc cut the template stage by a third here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLES: &str = "\
Examples:
  ssgx init my-site                  start a site in my-site/
  ssgx new page blog/my-post         a page with its title and date
  ssgx build                         build the site in this folder into public/
  ssgx build --root docs             build the site in docs/
  ssgx build --base-url https://example.com --drafts
  ssgx dev                           serve with live reload at http://127.0.0.1:8888/
  ssgx serve                         preview the built public/ as Netlify serves it
  ssgx check --external              check every link without writing the site
  ssgx functions list                list the functions in functions/
  ssgx functions serve --port 9999   serve /.netlify/functions/* locally
  ssgx new function hello --lang js  scaffold a working function
";

#[derive(Parser)]
#[command(name = "ssgx", version, about = "A static site generator with serverless functions, for Netlify", after_help = EXAMPLES)]
struct Cli {
    /// More output (-v: debug, -vv: trace). SSGX_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    #[command(after_help = EXAMPLES)]
    Build {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site (default: output_dir of ssgx.toml, else [build] publish of netlify.toml, else public/).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Absolute URL the site is served from, e.g. https://example.com.
        #[arg(long)]
        base_url: Option<String>,
        #[command(flatten)]
        content: ContentArgs,
        /// Skip bundling the functions in functions/ for deploy.
        #[arg(long)]
        no_functions: bool,
    },
    /// Check the site without writing it: every build error, then every
    /// link of every page (external ones with --external).
    #[command(after_help = EXAMPLES)]
    Check {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[command(flatten)]
        content: ContentArgs,
        /// Also request every external link.
        #[arg(long)]
        external: bool,
        /// Do not request external URLs starting with this (repeatable).
        #[arg(long, value_name = "PREFIX")]
        skip: Vec<String>,
        /// At most this many external requests at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Seconds before an external request counts as failed.
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        timeout: u64,
    },
    /// Serve the site with live reload, its functions and Netlify's rules.
    #[command(after_help = EXAMPLES)]
    Dev {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[command(flatten)]
        content: ContentArgs,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Serve the built site (public/) as Netlify would, with its functions:
    /// a preview of the deploy, no rebuilds.
    #[command(after_help = EXAMPLES)]
    Serve {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The built site to serve (default: the output folder of `ssgx build`).
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Work with the functions in functions/ (list, invoke, serve).
    Functions {
        #[command(subcommand)]
        command: functions::FunctionsCommand,
    },
    /// Start a site: settings, a home page, a blog with a first post,
    /// netlify.toml and .gitignore. Never overwrites a file.
    Init {
        /// The folder to create the site in (made if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The site's title (default: from the folder's name).
        #[arg(long)]
        title: Option<String>,
    },
    /// Create something new from a working template.
    New {
        #[command(subcommand)]
        what: scaffold::NewCommand,
    },
}

/// Which pages a build includes.
#[derive(clap::Args)]
struct ContentArgs {
    /// Include pages and sections marked `draft = true`.
    #[arg(long)]
    drafts: bool,
    /// Include pages dated in the future.
    #[arg(long)]
    future: bool,
}

/// What `ssgx dev` and `ssgx serve` share.
#[derive(clap::Args)]
struct ServerArgs {
    /// Port to listen on (default: [dev] port of netlify.toml, else 8888).
    #[arg(long, short)]
    port: Option<u16>,
    /// Address to listen on; 0.0.0.0 opens the server to the network.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Fail when the port is busy instead of taking the next free one.
    #[arg(long)]
    strict_port: bool,
    /// Let proxy rewrites (200 to an absolute URL) reach other machines.
    #[arg(long)]
    allow_proxy: bool,
    /// Build Rust functions with the release profile.
    #[arg(long)]
    release: bool,
    /// Close connections that send no request for this many seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    idle_timeout: u64,
}

impl ServerArgs {
    fn options(self, root: PathBuf, preview: bool) -> ssgx::dev::DevOptions {
        ssgx::dev::DevOptions {
            root,
            host: self.host,
            port: self.port,
            strict_port: self.strict_port,
            drafts: false,
            future: false,
            allow_proxy: self.allow_proxy,
            release: self.release,
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout.max(1)),
            output: None,
            preview,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            if e.is_user_error() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

/// Runs `ssgx dev` or `ssgx serve` until Ctrl-C.
fn serve(options: ssgx::dev::DevOptions) -> Result<(), Error> {
    server_runtime()?.block_on(ssgx::dev::run(options))
}

/// The async runtime of the servers (`dev`, `serve`, `functions`): a
/// thread for every two cores. The function processes, Node and the
/// browser need the others; on two cores one thread served 7-14% more
/// function calls a second than two (benches/RESULTS.md). Builds run on
/// rayon's own threads.
pub(crate) fn server_runtime() -> Result<tokio::runtime::Runtime, Error> {
    prefer_batch_scheduling();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads((cores / 2).max(1))
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}

/// On Linux the servers, and the processes they start (functions, Node),
/// run under the `SCHED_BATCH` policy: a task woken by a write does not
/// take the CPU from the task that wrote. Every function call is a
/// ping-pong over loopback sockets between the client, ssgx and the
/// function, and on two cores not switching at each write served about
/// 16% more calls a second (benches/RESULTS.md). Threads and child processes
/// inherit the policy, so it is set before the runtime starts any. Where
/// the policy cannot be set, nothing changes.
fn prefer_batch_scheduling() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: a system call on the calling thread, with a valid
        // parameter (SCHED_BATCH takes priority 0) that outlives it.
        let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
        if rc != 0 {
            tracing::debug!("SCHED_BATCH not set: {}", std::io::Error::last_os_error());
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "ssgx=info",
        1 => "ssgx=debug",
        _ => "ssgx=trace",
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SSGX_LOG").unwrap_or_else(|_| default.into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Build {
            root,
            output,
            base_url,
            content,
            no_functions,
        } => {
            let overrides = Overrides {
                output_dir: output,
                base_url,
                drafts: content.drafts,
                future: content.future,
            };
            build(&Project::load(&root, &overrides)?, !no_functions)
        }
        Command::Dev {
            root,
            content,
            server,
        } => serve(ssgx::dev::DevOptions {
            drafts: content.drafts,
            future: content.future,
            ..server.options(root, false)
        }),
        Command::Serve {
            root,
            output,
            server,
        } => serve(ssgx::dev::DevOptions {
            output,
            ..server.options(root, true)
        }),
        Command::Check {
            root,
            content,
            external,
            skip,
            concurrency,
            timeout,
        } => {
            let overrides = Overrides {
                drafts: content.drafts,
                future: content.future,
                ..Overrides::default()
            };
            let project = Project::load(&root, &overrides)?;
            let options = ssgx::check::CheckOptions {
                external,
                skip_prefixes: skip,
                concurrency,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
            };
            check(&project, &options)
        }
        Command::Functions { command } => functions::run(command),
        Command::Init { dir, title } => init::run(&dir, title),
        Command::New { what } => scaffold::run(what),
    }
}

/// Renders the site, bundles the functions, then writes the site: a site
/// or function that fails leaves the previous `public/` as it was.
fn build(project: &Project, with_functions: bool) -> Result<(), Error> {
    let _one_build_at_a_time = ssgx::output::BuildLock::acquire(&project.root)?;
    let start = std::time::Instant::now();
    let found = ssgx::functions::discover(project)?;
    let mut rendered = site::render(project)?;
    rendered.append_redirects(&ssgx::functions::bundle::redirect_rules(&found))?;
    if with_functions && !found.is_empty() {
        functions::bundle(project, &found)?;
    }
    let future = std::mem::take(&mut rendered.future);
    let report = site::write(project, rendered, start)?;
    let out = project
        .display_path(&project.output_dir)
        .display()
        .to_string();
    eprintln!(
        "Built {} page(s) and {} section(s) into {out}/ in {} ms ({} files: {} written, {} unchanged, {} removed)",
        report.pages,
        report.sections,
        report.elapsed.as_millis(),
        report.files,
        report.write.written,
        report.write.unchanged,
        report.write.removed,
    );
    if let Some((due, file)) = future.first() {
        eprintln!(
            "Left out {} page(s) dated in the future (--future includes them); the next, {file}, is due {}: schedule a rebuild then.",
            future.len(),
            due.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    Ok(())
}

/// Runs `ssgx check` and prints what it found; broken links fail it.
fn check(project: &Project, options: &ssgx::check::CheckOptions) -> Result<(), Error> {
    let report = ssgx::check::run(project, options)?;
    for b in &report.broken {
        eprintln!("broken link on {}: {} ({})", b.page, b.link, b.reason);
    }
    let external = if options.external {
        format!(
            "{} external link(s) requested, {} skipped",
            report.external.saturating_sub(report.skipped),
            report.skipped
        )
    } else {
        format!(
            "{} external link(s) not requested (--external requests them)",
            report.external
        )
    };
    eprintln!(
        "Checked {} page(s): {} internal link(s); {external}.",
        report.pages, report.internal
    );
    if report.broken.is_empty() {
        eprintln!("No problems found.");
        Ok(())
    } else {
        Err(Error::usage(
            format!("{} broken link(s)", report.broken.len()),
            "fix or remove the links above; external ones can be skipped with --skip PREFIX",
        ))
    }
}

/// Prints an error for a person: every diagnostic with its snippet.
fn report(error: &Error) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", error.render(color));
}
