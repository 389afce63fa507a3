//! Markdown to HTML: pulldown-cmark plus what a site needs on top of it:
//! unique GitHub-style heading ids, a table of contents, `@/` internal links
//! resolved (and broken ones reported with their line), the summary cut at
//! `<!-- more -->`, and word counts.
//!
//! Public surface: [`render`] for a content file's body, [`render_fragment`]
//! for a string (the `markdown` template filter), and [`Rendered`].

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

mod decorate;
pub mod highlight;
pub mod highlight_cache;

use crate::content::github_heading_id;
use crate::diagnostics::{Diagnostic, line_col};
use crate::project::MarkdownConfig;
use crate::shortcodes::{self, Renderer};

/// The marker that ends a page's summary.
pub const SUMMARY_MARKER: &str = "<!-- more -->";

/// A heading in the table of contents.
#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    pub level: u32,
    pub id: String,
    pub title: String,
    pub permalink: String,
    pub children: Vec<Heading>,
}

/// An `@/` link, kept so its `#anchor` can be checked once every page has
/// its heading ids.
#[derive(Debug, Clone)]
pub struct InternalLink {
    pub target: String,
    pub anchor: Option<String>,
    /// Byte offset of the link in the source file.
    pub offset: usize,
}

/// The HTML of one content file and what was learnt while making it.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub content: String,
    pub summary: Option<String>,
    pub toc: Vec<Heading>,
    /// Every id on the page's headings.
    pub heading_ids: Vec<String>,
    pub word_count: usize,
    pub reading_time: usize,
    pub internal_links: Vec<InternalLink>,
}

/// Resolves an `@/` link target (content-relative path) to its URL.
pub type ResolveLink<'a> = dyn Fn(&str) -> Option<String> + Sync + 'a;

/// The input of [`render`]: one content file.
pub struct Source<'a> {
    pub file: &'a Path,
    /// The file's path relative to the content folder (`blog/post.md`),
    /// against which relative links to other Markdown files resolve.
    pub rel: &'a str,
    pub text: &'a Arc<str>,
    pub body_start: usize,
    /// The page's own permalink, for TOC links.
    pub permalink: &'a str,
    pub config: &'a MarkdownConfig,
    /// The site's base URL, to tell external links from internal ones.
    pub base_url: &'a str,
}

/// GitHub-flavoured Markdown, always; smart punctuation and math when
/// asked for.
fn options(config: &MarkdownConfig) -> Options {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if config.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    if config.math {
        options |= Options::ENABLE_MATH;
    }
    options
}

/// Renders a content file's body, its shortcodes through `shortcodes`.
/// All broken `@/` links are reported.
pub fn render(
    src: &Source<'_>,
    resolve: &ResolveLink<'_>,
    shortcodes: &dyn Renderer,
) -> Result<Rendered, Vec<Diagnostic>> {
    let body = &src.text[src.body_start..];
    let options = options(src.config);
    let expanded = shortcodes::expand(body, options, shortcodes).map_err(|e| {
        let d = Diagnostic::at_offset(
            src.file,
            src.text,
            src.body_start + e.offset,
            e.len,
            e.message,
        );
        vec![match e.hint {
            Some(hint) => d.with_hint(hint),
            None => d,
        }]
    })?;
    let markdown = expanded.as_ref().map_or(body, |e| e.text.as_str());
    let original = |offset: usize| {
        expanded
            .as_ref()
            .map_or(offset, |e| e.original_offset(offset))
    };
    let mut events: Vec<(Event<'_>, std::ops::Range<usize>)> = Parser::new_ext(markdown, options)
        .into_offset_iter()
        .collect();
    let mut out = Rendered::default();

    assign_heading_ids(&mut events, src.permalink, &mut out);
    let errors = count_words_and_resolve_links(&mut events, src, resolve, &original, &mut out);
    if !errors.is_empty() {
        return Err(errors);
    }
    out.reading_time = out.word_count.div_ceil(200);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let mut decorated = decorate::decorate(events.into_iter(), src.config, src.base_url);
    pulldown_cmark::html::push_html(&mut html, &mut decorated);
    if decorated.highlighted > 0 {
        decorate::break_before_blocks(&mut html);
    }
    for u in decorated.unknown {
        let (line, column) = line_col(src.text, src.body_start + original(u.offset));
        tracing::warn!(
            "{}:{line}:{column}: unknown language `{}` in a code block; it is shown without highlighting",
            src.file.display(),
            u.lang
        );
    }
    if let Some(expanded) = &expanded {
        html = expanded.finish(&html);
    }
    // memchr's search: str::find's two-way search showed in profiles here.
    if let Some(cut) = memchr::memmem::find(html.as_bytes(), SUMMARY_MARKER.as_bytes()) {
        out.summary = Some(html[..cut].trim_end().to_string());
    }
    out.content = html;
    Ok(out)
}

/// Counts the words and turns `@/path.md#anchor` links into URLs (kept in
/// `out.internal_links` for the anchor check); broken ones are errors.
fn count_words_and_resolve_links(
    events: &mut [(Event<'_>, std::ops::Range<usize>)],
    src: &Source<'_>,
    resolve: &ResolveLink<'_>,
    original: &dyn Fn(usize) -> usize,
    out: &mut Rendered,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (event, range) in events.iter_mut() {
        match event {
            Event::Text(t) => out.word_count += t.split_whitespace().count(),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let offset = src.body_start + original(range.start);
                let Some(target) = dest_url.strip_prefix("@/") else {
                    // `[guide](../guide.md)`, as GitHub reads it: to that
                    // file's page when there is one, else left as written.
                    if let Some((path, anchor)) = relative_markdown_target(src.rel, dest_url)
                        && let Some(url) = resolve(&path)
                    {
                        *dest_url = link_to(url, path, anchor, offset, out);
                    }
                    continue;
                };
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p.to_string(), Some(a.to_string())),
                    None => (target.to_string(), None),
                };
                match resolve(&path) {
                    Some(url) => *dest_url = link_to(url, path, anchor, offset, out),
                    None => errors.push(
                        Diagnostic::at_offset(
                            src.file,
                            src.text,
                            offset,
                            range.len(),
                            format!("broken internal link: `@/{path}` names no page or section"),
                        )
                        .with_hint("internal links name a file relative to the content folder, such as @/blog/post.md"),
                    ),
                }
            }
            _ => {}
        }
    }
    errors
}

/// The URL a resolved internal link gets; the link is kept for the anchor
/// check.
fn link_to(
    url: String,
    target: String,
    anchor: Option<String>,
    offset: usize,
    out: &mut Rendered,
) -> CowStr<'static> {
    let full = match &anchor {
        Some(a) => format!("{url}#{a}"),
        None => url,
    };
    out.internal_links.push(InternalLink {
        target,
        anchor,
        offset,
    });
    CowStr::from(full)
}

/// The content-relative path and anchor of a link written relative to the
/// file at `from` that names a Markdown file (`../guide.md#setup`). Links
/// with a scheme, absolute paths, bare anchors and other files are not.
fn relative_markdown_target(from: &str, dest: &str) -> Option<(String, Option<String>)> {
    let before_colon = dest.split(['/', '?', '#']).next().unwrap_or("");
    if dest.starts_with(['/', '#', '?']) || before_colon.contains(':') {
        return None;
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (dest, None),
    };
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if !path.to_ascii_lowercase().ends_with(".md") {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            // Leaving the content folder: not a page of the site.
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    Some((parts.join("/"), anchor))
}

/// Gives every heading a unique id (its own `{#id}` or GitHub's slug of its
/// text) and collects the table of contents.
fn assign_heading_ids(
    events: &mut [(Event<'_>, std::ops::Range<usize>)],
    permalink: &str,
    out: &mut Rendered,
) {
    let mut used = UsedIds::default();
    let mut flat: Vec<(u32, String, String)> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[i].0 {
            let mut title = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j].0, Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j].0 {
                    title.push_str(t);
                }
                j += 1;
            }
            if let Event::Start(Tag::Heading { level, id, .. }) = &mut events[i].0 {
                let base = match id {
                    Some(explicit) => explicit.to_string(),
                    None => github_heading_id(&title),
                };
                let unique = unique_id(&base, &mut used);
                *id = Some(CowStr::from(unique.clone()));
                flat.push((heading_level(*level), unique, title));
            }
            i = j;
        }
        i += 1;
    }
    out.heading_ids = flat.iter().map(|(_, id, _)| id.clone()).collect();
    out.toc = nest(flat, permalink);
}

/// The ids given so far on a page, and for each base the last suffix
/// tried, so that many equal headings do not retry every suffix again.
#[derive(Default)]
struct UsedIds {
    ids: HashSet<String>,
    last_suffix: HashMap<String, usize>,
}

/// GitHub's rule: the second `foo` is `foo-1`, the third `foo-2`.
fn unique_id(base: &str, used: &mut UsedIds) -> String {
    // Ids are never given back, so suffixes up to the last one tried for
    // this base are still taken.
    let mut n = used.last_suffix.get(base).copied().unwrap_or(0);
    let mut candidate = if n == 0 {
        base.to_string()
    } else {
        format!("{base}-{n}")
    };
    while used.ids.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    used.last_suffix.insert(base.to_string(), n);
    used.ids.insert(candidate.clone());
    candidate
}

fn heading_level(level: HeadingLevel) -> u32 {
    level as u32
}

/// Nests a flat heading list: each heading holds the deeper ones after it.
fn nest(flat: Vec<(u32, String, String)>, permalink: &str) -> Vec<Heading> {
    let mut roots: Vec<Heading> = Vec::new();
    for (level, id, title) in flat {
        let heading = Heading {
            level,
            permalink: format!("{permalink}#{id}"),
            id,
            title,
            children: Vec::new(),
        };
        insert_heading(&mut roots, heading);
    }
    roots
}

fn insert_heading(siblings: &mut Vec<Heading>, heading: Heading) {
    match siblings.last_mut() {
        Some(last) if last.level < heading.level => insert_heading(&mut last.children, heading),
        _ => siblings.push(heading),
    }
}

/// Renders a Markdown string with no page around it (the `markdown`
/// filter). `inline` drops the wrapping `<p>` of a one-paragraph text.
pub fn render_fragment(text: &str, inline: bool) -> String {
    let mut html = String::with_capacity(text.len() * 3 / 2);
    let options = options(&MarkdownConfig::default());
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(text, options));
    if inline {
        let trimmed = html.trim_end();
        if let Some(inner) = trimmed
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
            && !inner.contains("<p>")
        {
            return inner.to_string();
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(body: &str) -> Result<Rendered, Vec<Diagnostic>> {
        let text: Arc<str> = Arc::from(body);
        let src = Source {
            file: Path::new("a.md"),
            rel: "docs/a.md",
            text: &text,
            body_start: 0,
            permalink: "/a/",
            config: &MarkdownConfig::default(),
            base_url: "",
        };
        render(
            &src,
            &|p: &str| (p == "b.md").then(|| "/b/".to_string()),
            &NoShortcodes,
        )
    }

    struct NoShortcodes;

    impl Renderer for NoShortcodes {
        fn render_shortcode(
            &self,
            _: &str,
            _: &serde_json::Map<String, serde_json::Value>,
            _: Option<&str>,
        ) -> Option<Result<String, String>> {
            None
        }
    }

    #[test]
    fn headings_get_unique_github_ids_and_a_toc() {
        let r = render_str("# Intro\n\n## Set up\n\n## Set up\n\n# Other {#custom}\n").unwrap();
        assert!(
            r.content.contains(r#"<h1 id="intro">Intro</h1>"#),
            "{}",
            r.content
        );
        assert!(r.content.contains(r#"<h2 id="set-up-1">"#));
        assert!(r.content.contains(r#"<h1 id="custom">"#));
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].permalink, "/a/#set-up-1");
    }

    #[test]
    fn repeated_headings_and_headings_that_look_numbered_stay_unique() {
        let r =
            render_str("# Foo\n\n# Foo\n\n# Foo-1\n\n# Foo\n\n# Bar {#foo-3}\n\n# Foo\n").unwrap();
        assert_eq!(
            r.heading_ids,
            ["foo", "foo-1", "foo-1-1", "foo-2", "foo-3", "foo-4"]
        );
        // Many equal headings: each is numbered once, in order.
        let many = "## Same\n\n".repeat(3000);
        let r = render_str(&many).unwrap();
        assert_eq!(r.heading_ids.len(), 3000);
        assert_eq!(r.heading_ids[2999], "same-2999");
    }

    #[test]
    fn internal_links_resolve_or_fail_with_line() {
        let r = render_str("see [b](@/b.md#x)\n").unwrap();
        assert!(r.content.contains(r#"href="/b/#x""#));
        assert_eq!(r.internal_links[0].anchor.as_deref(), Some("x"));
        let errs = render_str("line one\n\nsee [c](@/c.md) and [d](@/d.md)\n").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!((errs[0].line, errs[0].column), (3, 5));
    }

    #[test]
    fn relative_links_to_markdown_files_become_their_pages() {
        // This file is docs/a.md; b.md is the only other page.
        let r = render_str(
            "[up](../b.md#top) [same](c.md) [web](https://x.example/b.md) [abs](/b.md) [out](../../b.md) [file](../b.txt)\n",
        )
        .unwrap();
        assert!(r.content.contains(r#"href="/b/#top""#), "{}", r.content);
        for kept in [
            "c.md",
            "https://x.example/b.md",
            "/b.md",
            "../../b.md",
            "../b.txt",
        ] {
            assert!(
                r.content.contains(&format!(r#"href="{kept}""#)),
                "{kept}: {}",
                r.content
            );
        }
        assert_eq!(r.internal_links.len(), 1);
        assert_eq!(r.internal_links[0].anchor.as_deref(), Some("top"));
        assert_eq!(
            relative_markdown_target("docs/a.md", "sub/My%20Page.md"),
            Some(("docs/sub/My Page.md".to_string(), None))
        );
        assert_eq!(relative_markdown_target("a.md", "mailto:x@y.md"), None);
    }

    #[test]
    fn summary_cuts_at_marker() {
        let r = render_str("Intro words.\n\n<!-- more -->\n\nRest.\n").unwrap();
        assert_eq!(r.summary.as_deref(), Some("<p>Intro words.</p>"));
        assert_eq!(r.word_count, 3);
    }

    #[test]
    fn fragment_inline_drops_paragraph() {
        assert_eq!(render_fragment("*hi*", true), "<em>hi</em>");
        assert_eq!(render_fragment("*hi*", false), "<p><em>hi</em></p>\n");
    }
}
