//! `ssgx new function NAME --lang rust|js|ts`: a working function from a
//! template; `ssgx new page PATH`: a Markdown page with its front matter.
//! Never overwrites a file.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};

use ssgx::Error;
use ssgx::functions::valid_name;
use ssgx::project::{Overrides, Project};

#[derive(Subcommand)]
pub enum NewCommand {
    /// A function in functions/, ready to run with `ssgx functions invoke`.
    Function {
        /// Letters, digits, `-` and `_`; end it in `-background` for a background function.
        name: String,
        #[arg(long, value_enum, default_value_t = Lang::Js)]
        lang: Lang,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// A Markdown page in the content folder, with its title and today's date.
    Page {
        /// Where in the content folder: `blog/my-post.md`, or `blog/my-post/`
        /// for a page bundle (a folder for the page and its images).
        path: String,
        /// The page's title (default: from the file name).
        #[arg(long)]
        title: Option<String>,
        /// Mark it `draft = true`: left out of builds without --drafts.
        #[arg(long)]
        draft: bool,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Lang {
    Rust,
    Js,
    Ts,
}

pub fn run(command: NewCommand) -> Result<(), Error> {
    match command {
        NewCommand::Function { name, lang, root } => new_function(name, lang, &root),
        NewCommand::Page {
            path,
            title,
            draft,
            root,
        } => new_page(&path, title, draft, &root),
    }
}

fn new_function(name: String, lang: Lang, root: &Path) -> Result<(), Error> {
    if !valid_name(&name) {
        return Err(Error::usage(
            format!("`{name}` is not a valid function name"),
            "use letters, digits, `-` and `_`, e.g. `hello-world`",
        ));
    }
    let project = Project::load(root, &Overrides::default())?;
    let dir = &project.functions_dir;
    let files: Vec<(PathBuf, String)> = match lang {
        Lang::Rust => vec![
            (dir.join(&name).join("Cargo.toml"), rust_manifest(&name)),
            (
                dir.join(&name).join("src").join("main.rs"),
                RUST_MAIN.to_string(),
            ),
        ],
        Lang::Js => vec![(dir.join(format!("{name}.mjs")), JS_V2.to_string())],
        Lang::Ts => vec![(dir.join(format!("{name}.mts")), TS_V2.to_string())],
    };
    // Check everything first, so a refusal leaves nothing half-made.
    let existing = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .find(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            file == name
                || Path::new(&file)
                    .file_stem()
                    .is_some_and(|s| s == name.as_str())
        });
    if let Some(e) = existing {
        return Err(Error::usage(
            format!(
                "a function named `{name}` exists already: {}",
                project.display_path(&e.path()).display()
            ),
            "choose another name; ssgx never overwrites files",
        ));
    }
    for (path, text) in &files {
        crate::init::create_new(path, text)?;
        eprintln!("created {}", project.display_path(path).display());
    }
    eprintln!("Try it: ssgx functions invoke {name} --query name=Ada");
    Ok(())
}

fn new_page(path: &str, title: Option<String>, draft: bool, root: &Path) -> Result<(), Error> {
    let rel = page_file(path)?;
    // With drafts, so that a new draft's URL can be told too.
    let overrides = Overrides {
        drafts: true,
        ..Overrides::default()
    };
    let project = Project::load(root, &overrides)?;
    let file = project.content_dir.join(&rel);
    if file.symlink_metadata().is_ok() {
        return Err(Error::usage(
            format!("{} exists already", project.display_path(&file).display()),
            "choose another name; ssgx never overwrites files",
        ));
    }
    let stem = if rel.file_name().is_some_and(|n| n == "index.md") {
        rel.parent().and_then(Path::file_name)
    } else {
        rel.file_stem()
    };
    let title = title.unwrap_or_else(|| {
        crate::init::title_from_name(&stem.map(|s| s.to_string_lossy()).unwrap_or_default())
    });
    let today = chrono::Local::now().format("%Y-%m-%d");
    let draft_line = if draft { "draft = true\n" } else { "" };
    let text = format!(
        "+++\ntitle = {}\ndate = {today}\n{draft_line}+++\n\nWrite here, in Markdown. Link to other pages by their file: `[text](@/blog/post.md)`.\n",
        crate::init::toml_string(&title)
    );
    crate::init::create_new(&file, &text)?;
    eprintln!("created {}", project.display_path(&file).display());
    // Where it will be served, as the build will place it.
    let (lib, _) = ssgx::content::load(&project);
    let url = match lib.by_rel.get(&ssgx::content::rel_string(&rel)) {
        Some(ssgx::content::Item::Page(id)) => Some(lib.pages[*id].path.clone()),
        _ => None,
    };
    match (url, draft) {
        (Some(url), false) => {
            eprintln!("It is served at {url} (`ssgx dev` shows it as you write).");
        }
        (Some(url), true) => eprintln!(
            "It is a draft: served at {url} by `ssgx dev --drafts`, left out of `ssgx build`."
        ),
        (None, _) => {}
    }
    Ok(())
}

/// The page's file under the content folder: `blog/post` and `blog/post.md`
/// are `blog/post.md`, `blog/post/` is the bundle `blog/post/index.md`.
/// Paths that would leave the content folder are refused.
fn page_file(path: &str) -> Result<PathBuf, Error> {
    let bundle = path.ends_with('/');
    let trimmed = path.trim_matches('/');
    let refuse = |why: &str| {
        Error::usage(
            format!("`{path}` {why}"),
            "name the page by its place in the content folder, e.g. `blog/my-post.md`",
        )
    };
    if trimmed.is_empty() {
        return Err(refuse("names no page"));
    }
    let rel = PathBuf::from(trimmed);
    if rel
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(refuse("leaves the content folder"));
    }
    if bundle {
        return Ok(rel.join("index.md"));
    }
    match rel.extension() {
        Some(ext) if ext == "md" => Ok(rel),
        Some(_) => Err(refuse("is not a Markdown file (`.md`)")),
        None => Ok(rel.with_extension("md")),
    }
}

fn rust_manifest(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
lambda_http = "1"
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt"] }}

[profile.release]
# Netlify recognises a Rust function by its symbols: keep them.
strip = false
"#
    )
}

const RUST_MAIN: &str = r#"//! A Netlify function in Rust: `?name=Ada` → `{"message": "Hello, Ada!"}`.
use lambda_http::{Body, Error, Request, RequestExt, Response, run, service_fn};

async fn handler(request: Request) -> Result<Response<Body>, Error> {
    let params = request.query_string_parameters();
    let name = params.first("name").unwrap_or("world");
    let body = serde_json::json!({ "message": format!("Hello, {name}!") }).to_string();
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into())?)
}

// One event at a time per process, as on Lambda (more calls at once get
// more processes), so one thread is all it needs, and the fastest.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
"#;

const JS_V2: &str = r#"// A Netlify function (v2): `?name=Ada` → {"message": "Hello, Ada!"}.
export default async (request, context) => {
  const name = new URL(request.url).searchParams.get("name") ?? "world";
  return Response.json({ message: `Hello, ${name}!` });
};
"#;

const TS_V2: &str = r#"// A Netlify function (v2) in TypeScript: `?name=Ada` → {"message": "Hello, Ada!"}.
interface Greeting {
  message: string;
}

export default async (request: Request): Promise<Response> => {
  const name = new URL(request.url).searchParams.get("name") ?? "world";
  const greeting: Greeting = { message: `Hello, ${name}!` };
  return Response.json(greeting);
};
"#;
