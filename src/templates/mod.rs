//! Templates: Tera with the lookup chain site `templates/` → theme →
//! embedded default, Zola's context names, filters and global functions,
//! and template errors mapped to a file and line.
//!
//! Public surface: [`Templates::load`], [`Templates::render`],
//! [`Templates::has`], and the serialized site data in [`context`].
//!
//! Tera 1.x rather than 2.x: Zola 0.22 and its themes use Tera 1, and
//! building those templates unchanged is worth more to users than Tera 2's
//! runtime error spans, which we approximate (see `locate_runtime_error`).

pub mod assets;
pub mod context;
mod dynamic;
mod embedded;
mod functions;
mod load_data;
mod shortcode;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::Tera;
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::Project;
pub use context::SiteData;
pub use embedded::{DEFAULT_THEME_SEARCH, DEFAULT_THEME_STATIC};
pub use functions::record_fetched_pages;
pub use shortcode::FOLDER as SHORTCODE_FOLDER;

/// Where a template came from, for error messages.
#[derive(Debug, Clone)]
struct Origin {
    /// Shown to the user: `templates/page.html`, `themes/x/templates/...`,
    /// or `(built-in theme)/page.html`.
    display: PathBuf,
    source: Arc<str>,
}

/// The loaded template set.
pub struct Templates {
    tera: Tera,
    origins: BTreeMap<String, Origin>,
    /// The path of the site's base URL, for links ssgx adds to pages.
    base_path: String,
    /// Minify the HTML of rendered pages.
    minify: bool,
}

impl Templates {
    /// Loads the embedded default theme, then the project's theme, then the
    /// site's `templates/`; a later layer overrides a template of the same
    /// name. All syntax errors are reported together.
    pub fn load(project: &Project) -> Result<Templates, Diagnostics> {
        let origins = collect_templates(project)?;
        let mut diags = Diagnostics::default();
        // Parse each template alone first, so every syntax error is found
        // (Tera stops at the first one when given the whole set).
        for (name, origin) in &origins {
            if let Err(e) = tera::Template::new(name, None, &origin.source) {
                diags.push(parse_error(origin, &e));
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".htm", ".xml"]);
        tera.set_escape_fn(escape_html);
        functions::register_filters(&mut tera);
        // Before the shortcodes take their copy: they can load data too.
        tera.register_function("load_data", load_data::LoadData::new(&project.root));
        let all: Vec<(&str, &str)> = origins
            .iter()
            .map(|(n, o)| (n.as_str(), &*o.source))
            .collect();
        if let Err(e) = tera.add_raw_templates(all) {
            // Inheritance problems: a parent or include that does not exist.
            let messages = error_chain(&e);
            let culprit = origins
                .iter()
                .find(|(name, _)| messages.contains(&format!("'{name}'")))
                .map(|(_, o)| o.clone());
            let diag = match culprit {
                Some(origin) => locate_quoted(&origin, &messages, messages.trim()),
                None => {
                    Diagnostic::in_file(Path::new("templates"), 1, 1, messages.trim().to_string())
                }
            };
            diags.push(diag.with_hint("check the names in {% extends %} and {% include %}"));
            return Err(diags);
        }
        let names: Vec<&str> = origins.keys().map(String::as_str).collect();
        shortcode::register(&mut tera, &names);
        Ok(Templates {
            tera,
            origins,
            base_path: project.base_path(),
            minify: project.config.minify_html,
        })
    }

    /// Gives the global functions to shortcodes before any Markdown
    /// renders. `site` is [`SiteData::links_only`] (`get_url` and
    /// `get_hash` only) or, with `content_functions`,
    /// [`SiteData::before_markdown`] (`get_page`, `get_section` and
    /// `get_taxonomy` too, without bodies).
    pub fn register_for_shortcodes(&mut self, site: Arc<SiteData>, content_functions: bool) {
        if content_functions {
            functions::register_functions(&mut self.tera, site);
        } else {
            functions::register_link_functions(&mut self.tera, site);
        }
        // The shortcodes' copy of the set is taken again, with them.
        let names: Vec<String> = self.origins.keys().cloned().collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        shortcode::register(&mut self.tera, &names);
    }

    /// Makes the site's data available to the global functions
    /// (`get_page`, `get_section`, `get_url`, `get_taxonomy`, ...).
    pub fn register_site(&mut self, site: Arc<SiteData>) {
        functions::register_functions(&mut self.tera, site);
    }

    /// The path part of the site's base URL (`""` at a domain's root).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// Whether rendered pages are minified (`minify_html`).
    pub fn minify(&self) -> bool {
        self.minify
    }

    /// Whether a shortcode template, or a template it uses, may call one of
    /// `functions` (its source names it, or names a template through a
    /// variable).
    pub fn shortcodes_may_call(&self, functions: &[&str]) -> bool {
        self.origins
            .keys()
            .filter(|name| name.starts_with(shortcode::FOLDER))
            .any(|name| match self.dependencies(name) {
                Some(used) => used.iter().any(|t| {
                    self.origins
                        .get(t)
                        .is_some_and(|o| functions.iter().any(|f| o.source.contains(f)))
                }),
                None => true,
            })
    }

    pub fn has(&self, name: &str) -> bool {
        self.origins.contains_key(name)
    }

    /// Every template name, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.origins.keys().map(String::as_str).collect()
    }

    /// `name` and every template it extends, includes or imports, directly
    /// or not. `None` when one of them names a template through a variable,
    /// so its dependencies cannot be known without rendering.
    pub fn dependencies(&self, name: &str) -> Option<std::collections::BTreeSet<String>> {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            let Some(origin) = self.origins.get(&current) else {
                continue;
            };
            let (names, all_literal) = references(&origin.source);
            if !all_literal {
                return None;
            }
            stack.extend(names);
        }
        Some(seen)
    }

    /// Renders `name`; an error is located in the template that failed.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, Diagnostic> {
        self.tera
            .render(name, context)
            .map_err(|e| self.locate_runtime_error(name, &e))
    }

    /// Tera 1 gives no position for runtime errors, but names what failed
    /// (a variable, a filter, a function) in backticks or quotes. We point
    /// at its first use in the template or the templates it extends or
    /// includes; failing that, at the template's first line.
    fn locate_runtime_error(&self, name: &str, e: &tera::Error) -> Diagnostic {
        let messages = error_chain(e);
        let culprit = messages.lines().last().unwrap_or(&messages).to_string();
        let mut chain = vec![name.to_string()];
        let mut i = 0;
        while i < chain.len() {
            if let Some(origin) = self.origins.get(&chain[i]) {
                for referenced in referenced_templates(&origin.source) {
                    if !chain.contains(&referenced) {
                        chain.push(referenced);
                    }
                }
            }
            i += 1;
        }
        let needles = quoted_words(&culprit);
        for template in &chain {
            let Some(origin) = self.origins.get(template) else {
                continue;
            };
            for needle in &needles {
                if let Some(offset) = origin.source.find(needle.as_str()) {
                    return Diagnostic::at_offset(
                        &origin.display,
                        &origin.source,
                        offset,
                        needle.len(),
                        format!("template error: {culprit}"),
                    )
                    .with_hint(runtime_hint(&culprit));
                }
            }
        }
        match self.origins.get(name) {
            Some(origin) => Diagnostic::at_offset(
                &origin.display,
                &origin.source,
                0,
                0,
                format!("template error: {culprit}"),
            ),
            None => {
                Diagnostic::in_file(Path::new(name), 1, 1, format!("template error: {culprit}"))
            }
        }
        .with_hint(runtime_hint(&culprit))
    }
}

/// Escapes what HTML text and quoted attributes need, and no more: Tera's
/// own escaper also turns `/` into `&#x2F;`, which makes every URL in a
/// page unreadable without making anything safer.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for ch in input.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Every template by name, each layer overriding the one before: the
/// embedded default theme, the project's theme, the site's `templates/`.
/// Hidden files (editor droppings) are not templates.
fn collect_templates(project: &Project) -> Result<BTreeMap<String, Origin>, Diagnostics> {
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    for (name, source) in embedded::DEFAULT_THEME_TEMPLATES {
        let display = Path::new("(built-in theme)/templates").join(name);
        origins.insert(
            name.to_string(),
            Origin {
                display,
                source: Arc::from(*source),
            },
        );
    }
    let mut diags = Diagnostics::default();
    let layers = project
        .theme_dir
        .iter()
        .map(|t| t.join("templates"))
        .chain([project.templates_dir.clone()]);
    for dir in layers.filter(|d| d.is_dir()) {
        let entries = WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok);
        for entry in entries.filter(|e| {
            e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.')
        }) {
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            let display = project.display_path(entry.path()).to_path_buf();
            match std::fs::read_to_string(entry.path()) {
                Ok(text) => {
                    origins.insert(
                        crate::content::rel_string(rel),
                        Origin {
                            display,
                            source: Arc::from(text),
                        },
                    );
                }
                Err(e) => diags.push(Diagnostic::in_file(
                    &display,
                    1,
                    1,
                    format!("cannot read this template: {e}"),
                )),
            }
        }
    }
    diags.into_result(origins)
}

fn runtime_hint(message: &str) -> String {
    if message.contains("not found in context") {
        "check the name's spelling; use `| default(value=...)` for values that may be missing"
            .to_string()
    } else {
        "see the template documentation for the names available in each template".to_string()
    }
}

/// Every message of an error and its sources, one a line.
fn error_chain(e: &tera::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push('\n');
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// A Tera syntax error: its pest report carries ` --> line:col`.
fn parse_error(origin: &Origin, e: &tera::Error) -> Diagnostic {
    let messages = error_chain(e);
    let position = messages.find("--> ").and_then(|i| {
        let rest = &messages[i + 4..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit() && c != ':')
            .unwrap_or(rest.len());
        let (line, col) = rest[..end].split_once(':')?;
        Some((line.parse::<usize>().ok()?, col.parse::<usize>().ok()?))
    });
    // The useful part of pest's report is its last line ("expected ...").
    let detail = messages
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('='))
        .map(|l| l.trim_start_matches([' ', '=']).to_string())
        .unwrap_or_else(|| messages.lines().last().unwrap_or_default().to_string());
    let (line, col) = position.unwrap_or((1, 1));
    Diagnostic::at_line_col(
        &origin.display,
        &origin.source,
        line,
        col,
        format!("template syntax error: {detail}"),
    )
    .with_hint("see https://keats.github.io/tera/docs/ for Tera's syntax")
}

/// Points at the first quoted name of `messages` found in the template.
fn locate_quoted(origin: &Origin, messages: &str, message: &str) -> Diagnostic {
    for word in quoted_words(messages) {
        if let Some(offset) = origin.source.find(word.as_str()) {
            return Diagnostic::at_offset(
                &origin.display,
                &origin.source,
                offset,
                word.len(),
                message.to_string(),
            );
        }
    }
    Diagnostic::at_offset(&origin.display, &origin.source, 0, 0, message.to_string())
}

/// Words quoted with backticks or single quotes, in order.
fn quoted_words(message: &str) -> Vec<String> {
    let mut words = Vec::new();
    for quote in ['`', '\''] {
        let parts: Vec<&str> = message.split(quote).collect();
        for (i, part) in parts.iter().enumerate() {
            if i % 2 == 1 && i + 1 < parts.len() && !part.is_empty() {
                words.push(part.to_string());
            }
        }
    }
    words
}

/// Names given to `extends`, `include` and `import` in a template.
fn referenced_templates(source: &str) -> Vec<String> {
    references(source).0
}

/// The quoted names after `{% extends`, `{% include` and `{% import`, and
/// whether every such tag names its template literally.
fn references(source: &str) -> (Vec<String>, bool) {
    let mut names = Vec::new();
    let mut all_literal = true;
    for keyword in ["extends", "include", "import"] {
        for (i, _) in source.match_indices(keyword) {
            let rest = source[i + keyword.len()..].trim_start();
            let in_tag =
                source[..i].trim_end().ends_with("{%") || source[..i].trim_end().ends_with("{%-");
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                if in_tag {
                    all_literal = false;
                }
                continue;
            };
            if let Some(end) = rest[1..].find(quote) {
                names.push(rest[1..1 + end].to_string());
            }
        }
    }
    (names, all_literal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quoted_words_and_references() {
        assert_eq!(
            quoted_words("Variable `page.x` not found while rendering 'a.html'"),
            vec!["page.x", "a.html"]
        );
        assert_eq!(
            referenced_templates(r#"{% extends "base.html" %}{% include 'nav.html' %}"#),
            vec!["base.html", "nav.html"]
        );
        assert!(references(r#"{% include "a.html" %} include me"#).1);
        assert!(!references(r#"{% include page.extra.partial %}"#).1);
    }
}
