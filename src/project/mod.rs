//! The project: where a site's folders are, its `ssgx.toml`, and the
//! settings that come from flags and the environment.
//!
//! Public surface: [`Project::load`] with [`Overrides`], giving resolved
//! absolute folders, the parsed [`Config`] and the effective base URL. The
//! folder checks that keep ssgx from ever deleting a user's files (an output
//! folder that is the project, its content, or outside it) live here.

pub mod netlify_toml;
mod paths;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::error::{Error, Result};
pub use netlify_toml::{FunctionSettings, NetlifyToml};
pub use paths::normalize;

/// Name of the site config file at the project root.
pub const CONFIG_FILE: &str = "ssgx.toml";

/// `ssgx.toml`. Every key has a default; unknown keys are errors.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub title: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    /// Absolute URL of the deployed site, e.g. `https://example.com`.
    pub base_url: Option<String>,
    /// A theme folder name under `themes/`.
    pub theme: Option<String>,
    pub content_dir: Option<String>,
    /// Default: netlify.toml's `[build] publish`, else `public`.
    pub output_dir: Option<String>,
    /// Where `ssgx build` puts function bundles for Netlify.
    pub functions_output_dir: String,
    pub default_language: String,
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Write the site's feed (`feed_filenames`, at the root).
    pub generate_feeds: bool,
    /// Feed templates to render: `atom.xml`, `rss.xml`, or your own.
    pub feed_filenames: Vec<String>,
    /// At most this many entries in each feed.
    pub feed_limit: Option<usize>,
    /// What each feed entry carries: the page's `full` content or its `summary`.
    pub feed_content: FeedContent,
    pub generate_sitemap: bool,
    pub generate_robots_txt: bool,
    /// Write `search_index.json` (and, in the built-in theme, a search box).
    pub build_search_index: bool,
    /// Collapse white space and drop comments in the HTML pages.
    pub minify_html: bool,
    /// How Markdown renders (`[markdown]`).
    pub markdown: MarkdownConfig,
    /// Free-form values for templates, as `config.extra`.
    pub extra: BTreeMap<String, toml::Value>,
}

/// `[markdown]` in ssgx.toml.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Highlight fenced code blocks that name their language.
    pub highlight_code: bool,
    /// `class` (spans with classes, and `syntax.css`) or `inline` (styles
    /// in the HTML).
    pub highlight_style: HighlightStyle,
    /// The theme of `inline`, and of `syntax.css` for light schemes.
    pub highlight_theme: String,
    /// The theme of `syntax.css` under `prefers-color-scheme: dark`.
    pub highlight_theme_dark: Option<String>,
    /// Which highlighter reads the code (`lexical` or `tree-sitter`).
    pub highlight_engine: HighlightEngine,
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
    /// `$x$` and `$$x$$` become KaTeX-ready `<span class="math ...">`.
    pub math: bool,
    /// Where headings get a `#` link to themselves.
    pub insert_anchor_links: AnchorLinks,
    pub external_links_target_blank: bool,
    pub external_links_no_follow: bool,
    pub external_links_no_referrer: bool,
    /// `loading="lazy" decoding="async"` on images.
    pub lazy_async_image: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            highlight_code: false,
            highlight_style: HighlightStyle::Class,
            highlight_theme: "github-light".to_string(),
            highlight_theme_dark: Some("github-dark".to_string()),
            highlight_engine: HighlightEngine::Lexical,
            smart_punctuation: false,
            math: false,
            insert_anchor_links: AnchorLinks::None,
            external_links_target_blank: false,
            external_links_no_follow: false,
            external_links_no_referrer: false,
            lazy_async_image: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HighlightStyle {
    #[default]
    Class,
    Inline,
}

/// `highlight_engine` in `[markdown]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HighlightEngine {
    /// Hand-written lexers (keywords, strings, comments, numbers, types,
    /// ...) for the dozen languages most pages show, tree-sitter for the
    /// rest: tens of times faster, with the fidelity of Hugo's Chroma or
    /// highlight.js.
    #[default]
    Lexical,
    /// Tree-sitter grammars for every language: a parse tree's detail
    /// (parameters, fields, macros), at a few microseconds a line.
    TreeSitter,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnchorLinks {
    #[default]
    None,
    Left,
    Right,
    /// The whole heading is the link.
    Heading,
}

/// `feed_content` in ssgx.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    #[default]
    Full,
    /// The summary (up to `<!-- more -->`) where the page has one.
    Summary,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: None,
            description: None,
            author: None,
            base_url: None,
            theme: None,
            content_dir: None,
            output_dir: None,
            functions_output_dir: ".netlify/v1/functions".to_string(),
            default_language: "en".to_string(),
            taxonomies: Vec::new(),
            generate_feeds: false,
            feed_filenames: vec!["atom.xml".to_string()],
            feed_limit: None,
            feed_content: FeedContent::Full,
            generate_sitemap: true,
            generate_robots_txt: true,
            build_search_index: false,
            minify_html: false,
            markdown: MarkdownConfig::default(),
            extra: BTreeMap::new(),
        }
    }
}

/// One taxonomy, e.g. `{ name = "tags" }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub name: String,
    /// A feed for each term, at `/tags/rust/atom.xml`.
    #[serde(default)]
    pub feed: bool,
    /// Terms list this many pages per pager.
    #[serde(default)]
    pub paginate_by: Option<usize>,
    #[serde(default = "default_paginate_path")]
    pub paginate_path: String,
}

fn default_paginate_path() -> String {
    "page".to_string()
}

/// Settings given on the command line; they win over `ssgx.toml`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Include pages dated in the future.
    pub future: bool,
}

/// A loaded project with every folder resolved to an absolute path.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub content_dir: PathBuf,
    /// True when there is no `site/` and the Markdown sits in the root.
    pub content_is_root: bool,
    pub output_dir: PathBuf,
    pub functions_output_dir: PathBuf,
    pub static_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub theme_dir: Option<PathBuf>,
    /// The functions folder: netlify.toml's, else `functions/`.
    pub functions_dir: PathBuf,
    pub netlify: NetlifyToml,
    /// The base URL without a trailing slash; empty for root-relative links.
    pub base_url: String,
    pub drafts: bool,
    pub future: bool,
}

impl Project {
    /// The path part of the base URL (`""` at the root of a domain), for
    /// root-relative links.
    pub fn base_path(&self) -> String {
        base_path(&self.base_url)
    }

    /// Loads `root/ssgx.toml` (if any) and resolves the folders.
    pub fn load(root: &Path, overrides: &Overrides) -> Result<Project> {
        Self::load_with_env(root, overrides, &|name| std::env::var(name).ok())
    }

    /// As [`Project::load`], with the environment given explicitly (tests).
    pub fn load_with_env(
        root: &Path,
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Project> {
        let root = root
            .canonicalize()
            .map_err(|e| Error::io_at("cannot open the project folder", root, e))?;
        if !root.is_dir() {
            return Err(Error::usage(
                format!("{} is not a folder", root.display()),
                "pass the site's folder with --root",
            ));
        }
        let config = read_config(&root)?;
        let netlify = NetlifyToml::load(&root)?;

        let (content_dir, content_is_root) = match &config.content_dir {
            Some(dir) => (paths::resolve(&root, Path::new(dir)), false),
            None if root.join("site").is_dir() => (root.join("site"), false),
            // A folder holding only Markdown builds as it is.
            None => (root.clone(), true),
        };
        if !content_dir.is_dir() {
            return Err(Error::usage(
                format!(
                    "the content folder {} does not exist",
                    content_dir.display()
                ),
                "create it, or set content_dir in ssgx.toml",
            ));
        }
        let output_dir = match (&overrides.output_dir, &config.output_dir) {
            (Some(dir), _) => paths::resolve(&std::env::current_dir().unwrap_or_default(), dir),
            (None, Some(dir)) => paths::resolve(&root, Path::new(dir)),
            // Netlify deploys its publish folder, so that is where to build.
            (None, None) => {
                let publish = netlify.build.publish.as_deref().unwrap_or("public");
                paths::resolve(&root, Path::new(publish))
            }
        };
        let theme_dir = match &config.theme {
            Some(name) => {
                let dir = root.join("themes").join(name);
                if !dir.is_dir() {
                    return Err(Error::usage(
                        format!("theme `{name}` not found: {} is missing", dir.display()),
                        "put the theme in themes/NAME, or remove `theme` from ssgx.toml to use the built-in theme",
                    ));
                }
                Some(dir)
            }
            None => None,
        };
        let functions_dir = paths::resolve(
            &root,
            Path::new(netlify.functions_directory().unwrap_or("functions")),
        );
        let project = Project {
            functions_dir,
            functions_output_dir: paths::resolve(&root, Path::new(&config.functions_output_dir)),
            netlify,
            static_dir: root.join("static"),
            templates_dir: root.join("templates"),
            base_url: base_url(&config, overrides, env),
            drafts: overrides.drafts,
            future: overrides.future,
            root,
            config,
            content_dir,
            content_is_root,
            output_dir,
            theme_dir,
        };
        project.check_output_dirs()?;
        Ok(project)
    }

    /// Refuses output folders whose cleaning could delete the user's work.
    fn check_output_dirs(&self) -> Result<()> {
        self.check_output_folder(
            &self.output_dir,
            "the site",
            "choose a folder of its own inside the project, such as `public` (output_dir in ssgx.toml, or --output)",
        )?;
        self.check_output_folder(
            &self.functions_output_dir,
            "function bundles",
            "choose a folder of its own inside the project, such as `.netlify/v1/functions` (functions_output_dir in ssgx.toml)",
        )?;
        let (a, b) = (&self.output_dir, &self.functions_output_dir);
        if a.starts_with(b) || b.starts_with(a) {
            return Err(Error::usage(
                format!(
                    "the site's output {} and the function bundles' {} overlap",
                    a.display(),
                    b.display()
                ),
                "give each a folder of its own",
            ));
        }
        Ok(())
    }

    fn check_output_folder(&self, out: &Path, what: &str, hint: &str) -> Result<()> {
        let refuse = |why: &str| {
            Err(Error::usage(
                format!("refusing to write {what} to {}: {why}", out.display()),
                hint,
            ))
        };
        if out == self.root || self.root.starts_with(out) {
            return refuse("it is the project folder or contains it");
        }
        if !out.starts_with(&self.root) {
            return refuse("it is outside the project folder");
        }
        if !self.content_is_root
            && (out.starts_with(&self.content_dir) || self.content_dir.starts_with(out))
        {
            return refuse("it is, holds or is inside the content folder");
        }
        let mut sources = vec![
            self.static_dir.clone(),
            self.templates_dir.clone(),
            self.root.join("themes"),
            self.functions_dir.clone(),
        ];
        sources.extend(self.theme_dir.clone());
        for src in &sources {
            if out.starts_with(src) || src.starts_with(out) {
                return refuse(&format!(
                    "it overlaps the source folder {}",
                    self.display_path(src).display()
                ));
            }
        }
        Ok(())
    }

    /// A path as shown to the user: relative to the project root if inside.
    pub fn display_path<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    /// Folders the content walk must not enter when the content is the root.
    pub fn excluded_from_content(&self) -> Vec<PathBuf> {
        let mut dirs = vec![
            self.output_dir.clone(),
            self.static_dir.clone(),
            self.templates_dir.clone(),
            self.root.join("themes"),
            self.functions_dir.clone(),
            self.root.join("node_modules"),
            self.root.join("target"),
        ];
        dirs.retain(|d| d != &self.content_dir);
        dirs
    }
}

fn read_config(root: &Path) -> Result<Config> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            let mut diags = Diagnostics::default();
            diags.push(Diagnostic::in_file(
                Path::new(CONFIG_FILE),
                1,
                1,
                format!("cannot read the config file: {e}"),
            ));
            return Err(diags.into());
        }
    };
    let text: Arc<str> = Arc::from(text);
    toml::from_str::<Config>(&text).map_err(|e| {
        let mut diag = Diagnostic::from_toml(Path::new(CONFIG_FILE), &text, 0, &e, "config");
        // Only a misspelt key is helped by the list; a bad value's message
        // already names what the key takes.
        if e.message().contains("unknown field") {
            diag = diag.with_hint(
                "known keys: title, description, author, base_url, theme, content_dir, \
                 output_dir, functions_output_dir, default_language, taxonomies, [extra]",
            );
        }
        let mut diags = Diagnostics::default();
        diags.push(diag);
        Error::from(diags)
    })
}

/// The flag, then ssgx.toml, then Netlify's build environment, else none.
fn base_url(
    config: &Config,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    let from_netlify = || {
        if env("NETLIFY").as_deref() != Some("true") {
            return None;
        }
        // Deploy previews and branch deploys live at DEPLOY_PRIME_URL.
        match env("CONTEXT").as_deref() {
            Some("production") | None => env("URL"),
            Some(_) => env("DEPLOY_PRIME_URL").or_else(|| env("URL")),
        }
    };
    let url = overrides
        .base_url
        .clone()
        .or_else(|| config.base_url.clone())
        .or_else(from_netlify)
        .unwrap_or_default();
    url.trim_end_matches('/').to_string()
}

/// The path part of a base URL, without its trailing slash.
fn base_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].trim_end_matches('/').to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base_paths() {
        assert_eq!(super::base_path("https://example.com"), "");
        assert_eq!(super::base_path("https://example.com/"), "");
        assert_eq!(super::base_path("https://example.com/docs/"), "/docs");
        assert_eq!(super::base_path(""), "");
    }
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn base_url_prefers_flag_then_config_then_netlify() {
        let mut config = Config::default();
        let none = Overrides::default();
        let prod = env_of(&[
            ("NETLIFY", "true"),
            ("CONTEXT", "production"),
            ("URL", "https://a.example/"),
        ]);
        assert_eq!(base_url(&config, &none, &prod), "https://a.example");
        let preview = env_of(&[
            ("NETLIFY", "true"),
            ("CONTEXT", "deploy-preview"),
            ("URL", "https://a.example"),
            ("DEPLOY_PRIME_URL", "https://p--a.example"),
        ]);
        assert_eq!(base_url(&config, &none, &preview), "https://p--a.example");
        assert_eq!(
            base_url(&config, &none, &env_of(&[("URL", "https://x")])),
            ""
        );
        config.base_url = Some("https://c.example".into());
        assert_eq!(base_url(&config, &none, &prod), "https://c.example");
        let flag = Overrides {
            base_url: Some("https://f.example/".into()),
            ..Overrides::default()
        };
        assert_eq!(base_url(&config, &flag, &prod), "https://f.example");
    }
}
