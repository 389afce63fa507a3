//! The `ssgx` command line: parses flags, runs the pipeline, renders
//! diagnostics once, and maps errors to exit codes (0 ok, 1 user error,
//! 2 internal error). The only place, with `dev`, that knows about
//! processes, ports and terminals.

mod functions;
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
  ssgx build                         build the site in this folder into public/
  ssgx build --root docs             build the site in docs/
  ssgx build --base-url https://example.com --drafts
  ssgx dev                           serve with live reload at http://127.0.0.1:8888/
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
        /// Include pages and sections marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Skip bundling the functions in functions/ for deploy.
        #[arg(long)]
        no_functions: bool,
    },
    /// Serve the site with live reload, its functions and Netlify's rules.
    #[command(after_help = EXAMPLES)]
    Dev {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on (default: [dev] port of netlify.toml, else 8888).
        #[arg(long, short)]
        port: Option<u16>,
        /// Address to listen on; 0.0.0.0 opens the server to the network.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Fail when the port is busy instead of taking the next free one.
        #[arg(long)]
        strict_port: bool,
        /// Include pages and sections marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Let proxy rewrites (200 to an absolute URL) reach other machines.
        #[arg(long)]
        allow_proxy: bool,
        /// Build Rust functions with the release profile.
        #[arg(long)]
        release: bool,
        /// Close connections that send no request for this many seconds.
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        idle_timeout: u64,
    },
    /// Work with the functions in functions/ (list, invoke, serve).
    Functions {
        #[command(subcommand)]
        command: functions::FunctionsCommand,
    },
    /// Create something new from a working template.
    New {
        #[command(subcommand)]
        what: scaffold::NewCommand,
    },
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
            drafts,
            no_functions,
        } => {
            let overrides = Overrides {
                output_dir: output,
                base_url,
                drafts,
            };
            build(&Project::load(&root, &overrides)?, !no_functions)
        }
        Command::Dev {
            root,
            port,
            host,
            strict_port,
            drafts,
            allow_proxy,
            release,
            idle_timeout,
        } => {
            let options = ssgx::dev::DevOptions {
                root,
                host,
                port,
                strict_port,
                drafts,
                allow_proxy,
                release,
                color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
                idle_timeout: std::time::Duration::from_secs(idle_timeout.max(1)),
            };
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::io("cannot start the async runtime", e))?
                .block_on(ssgx::dev::run(options))
        }
        Command::Functions { command } => functions::run(command),
        Command::New { what } => scaffold::run(what),
    }
}

/// Renders the site, bundles the functions, then writes the site: a site
/// or function that fails leaves the previous `public/` as it was.
fn build(project: &Project, with_functions: bool) -> Result<(), Error> {
    let start = std::time::Instant::now();
    let found = ssgx::functions::discover(project)?;
    let mut rendered = site::render(project)?;
    rendered.append_redirects(&ssgx::functions::bundle::redirect_rules(&found))?;
    if with_functions && !found.is_empty() {
        functions::bundle(project, &found)?;
    }
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
    Ok(())
}

/// Prints an error for a person: every diagnostic with its snippet.
fn report(error: &Error) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", error.render(color));
}
