//! What ssgx adds to pulldown-cmark's events, by `[markdown]` settings:
//! highlighted code blocks, `#` anchor links on headings, attributes on
//! external links (`target`, `rel`) and on images (`loading`, `decoding`).
//! Each is an `Event::Html` put in place of (or beside) the events that
//! pulldown-cmark would have rendered.

use std::collections::VecDeque;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};

use super::highlight;
use crate::project::{AnchorLinks, MarkdownConfig};

/// An unknown code block language, at a byte offset of the body.
pub struct UnknownLanguage {
    pub lang: String,
    pub offset: usize,
}

/// `events` rewritten for `config`, as a stream: pulldown-cmark's HTML
/// writer takes them one at a time, so no second list of a page's events
/// is built. `base_url` tells internal links from external ones; the
/// unknown languages met are in [`Decorated::unknown`] once it is drained.
pub fn decorate<'a, 'c, I>(
    events: I,
    config: &'c MarkdownConfig,
    base_url: &'c str,
) -> Decorated<'a, 'c, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    Decorated {
        events,
        config,
        base_url,
        ready: VecDeque::new(),
        external_open: false,
        heading_id: None,
        unknown: Vec::new(),
        highlighted: 0,
    }
}

/// The iterator [`decorate`] returns.
pub struct Decorated<'a, 'c, I> {
    events: I,
    config: &'c MarkdownConfig,
    base_url: &'c str,
    /// Events made from the last input event, not handed out yet.
    ready: VecDeque<Event<'a>>,
    external_open: bool,
    heading_id: Option<String>,
    pub unknown: Vec<UnknownLanguage>,
    /// How many code blocks were highlighted (see [`break_before_blocks`]).
    pub highlighted: usize,
}

impl<'a, I> Iterator for Decorated<'a, '_, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        while self.ready.is_empty() {
            let (event, range) = self.events.next()?;
            self.step(event, range);
        }
        self.ready.pop_front()
    }
}

impl<'a, I> Decorated<'a, '_, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    /// Turns one input event (and, for code blocks and images, the events
    /// up to its end) into the events that replace it.
    fn step(&mut self, event: Event<'a>, range: Range<usize>) {
        let config = self.config;
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if config.highlight_code
                    && !language(info).is_empty()
                    && !highlight::is_plain(language(info)) =>
            {
                let lang = language(info).to_string();
                let (code, inner) = take_code_block(&mut self.events);
                match highlight::highlight(&code, &lang, config) {
                    Some(html) => {
                        self.highlighted += 1;
                        self.ready.push_back(Event::Html(CowStr::from(html)));
                    }
                    None => {
                        self.unknown.push(UnknownLanguage {
                            lang,
                            offset: range.start,
                        });
                        self.ready.push_back(event);
                        self.ready.extend(inner);
                    }
                }
            }
            Event::Start(Tag::Link {
                ref dest_url,
                ref title,
                ..
            }) if is_external(dest_url, self.base_url) && wants_link_attributes(config) => {
                self.external_open = true;
                let html = external_link(dest_url, title, config);
                self.ready.push_back(Event::Html(CowStr::from(html)));
            }
            Event::End(TagEnd::Link) if self.external_open => {
                self.external_open = false;
                self.ready.push_back(Event::Html(CowStr::from("</a>")));
            }
            Event::Start(Tag::Image {
                ref dest_url,
                ref title,
                ..
            }) if config.lazy_async_image => {
                let alt = take_alt_text(&mut self.events);
                let html = image(dest_url, title, &alt);
                self.ready.push_back(Event::Html(CowStr::from(html)));
            }
            Event::Start(Tag::Heading { ref id, .. })
                if config.insert_anchor_links != AnchorLinks::None =>
            {
                let id = id.as_deref().unwrap_or_default().to_string();
                let anchor = anchor_html(&id, config.insert_anchor_links);
                self.ready.push_back(event);
                if config.insert_anchor_links != AnchorLinks::Right {
                    self.ready.push_back(Event::Html(CowStr::from(anchor)));
                }
                self.heading_id = Some(id);
            }
            Event::End(TagEnd::Heading(_)) if self.heading_id.is_some() => {
                let id = self.heading_id.take().unwrap_or_default();
                match config.insert_anchor_links {
                    AnchorLinks::Right => {
                        let html = anchor_html(&id, AnchorLinks::Right);
                        self.ready.push_back(Event::Html(CowStr::from(html)));
                    }
                    AnchorLinks::Heading => self.ready.push_back(Event::Html(CowStr::from("</a>"))),
                    _ => {}
                }
                self.ready.push_back(event);
            }
            other => self.ready.push_back(other),
        }
    }
}

/// Starts each highlighted block on a new line, as pulldown-cmark starts
/// the code blocks it writes itself: it passes a highlighted block through
/// as raw HTML, which it writes as is (after `<li>Text:` in a tight list,
/// for one).
pub fn break_before_blocks(html: &mut String) {
    const OPEN: &str = "<pre class=\"ssgx-code";
    let mut fixed = String::new();
    let mut copied = 0;
    for at in memchr::memmem::find_iter(html.as_bytes(), OPEN) {
        if at > 0 && html.as_bytes()[at - 1] != b'\n' {
            fixed.push_str(&html[copied..at]);
            fixed.push('\n');
            copied = at;
        }
    }
    if copied > 0 {
        fixed.push_str(&html[copied..]);
        *html = fixed;
    }
}

/// The events of a code block after its start, its end included, and the
/// code they hold.
fn take_code_block<'a>(
    events: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>,
) -> (String, Vec<Event<'a>>) {
    let mut code = String::new();
    let mut inner = Vec::new();
    for (e, _) in events {
        let end = matches!(e, Event::End(TagEnd::CodeBlock));
        if let Event::Text(t) = &e {
            code.push_str(t);
        }
        inner.push(e);
        if end {
            break;
        }
    }
    (code, inner)
}

/// An image's alt text: the text of its events up to its end (consumed).
fn take_alt_text<'a>(events: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>) -> String {
    let mut alt = String::new();
    for (e, _) in events {
        match e {
            Event::End(TagEnd::Image) => break,
            Event::Text(t) | Event::Code(t) => alt.push_str(&t),
            _ => {}
        }
    }
    alt
}

/// The language of a fence's info string (`rust,ignore` → `rust`).
fn language(info: &str) -> &str {
    info.split([',', ' ', '{']).next().unwrap_or("").trim()
}

fn is_external(url: &str, base_url: &str) -> bool {
    let absolute =
        url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//");
    absolute && (base_url.is_empty() || !url.starts_with(base_url))
}

fn wants_link_attributes(config: &MarkdownConfig) -> bool {
    config.external_links_target_blank
        || config.external_links_no_follow
        || config.external_links_no_referrer
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
}

fn external_link(url: &str, title: &str, config: &MarkdownConfig) -> String {
    let mut href = String::new();
    pulldown_cmark_escape::escape_href(&mut href, url).ok();
    let mut html = format!("<a href=\"{href}\"");
    if !title.is_empty() {
        html.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    let mut rel = Vec::new();
    if config.external_links_target_blank {
        html.push_str(" target=\"_blank\"");
        rel.push("noopener");
    }
    if config.external_links_no_follow {
        rel.push("nofollow");
    }
    if config.external_links_no_referrer {
        rel.push("noreferrer");
    }
    if !rel.is_empty() {
        html.push_str(&format!(" rel=\"{}\"", rel.join(" ")));
    }
    html.push('>');
    html
}

fn image(url: &str, title: &str, alt: &str) -> String {
    let mut src = String::new();
    pulldown_cmark_escape::escape_href(&mut src, url).ok();
    let mut html = format!("<img src=\"{src}\" alt=\"{}\"", escape(alt));
    if !title.is_empty() {
        html.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    html.push_str(" loading=\"lazy\" decoding=\"async\" />");
    html
}

fn anchor_html(id: &str, place: AnchorLinks) -> String {
    let id = escape(id);
    match place {
        AnchorLinks::Heading => format!("<a class=\"heading-link\" href=\"#{id}\">"),
        _ => {
            format!("<a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this heading\">#</a>")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    fn render(md: &str, config: &MarkdownConfig) -> String {
        let events: Vec<_> = Parser::new_ext(md, Options::ENABLE_HEADING_ATTRIBUTES)
            .into_offset_iter()
            .collect();
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            decorate(events.into_iter(), config, "https://me.example"),
        );
        html
    }

    #[test]
    fn external_links_and_images() {
        let config = MarkdownConfig {
            external_links_target_blank: true,
            external_links_no_follow: true,
            lazy_async_image: true,
            ..MarkdownConfig::default()
        };
        let html = render(
            "[out](https://x.example/?a=1&b=2 \"T\") [in](https://me.example/a/) [rel](/b/) ![A *cat*](c.png)",
            &config,
        );
        assert!(html.contains(r#"<a href="https://x.example/?a=1&amp;b=2" title="T" target="_blank" rel="noopener nofollow">out</a>"#), "{html}");
        assert!(
            html.contains(r#"<a href="https://me.example/a/">in</a>"#),
            "{html}"
        );
        assert!(html.contains(r#"<a href="/b/">rel</a>"#), "{html}");
        assert!(
            html.contains(r#"<img src="c.png" alt="A cat" loading="lazy" decoding="async" />"#),
            "{html}"
        );
    }

    #[test]
    fn anchor_links_in_three_places() {
        let md = "## Hi {#hi}\n";
        let mut config = MarkdownConfig {
            insert_anchor_links: AnchorLinks::Left,
            ..MarkdownConfig::default()
        };
        assert_eq!(
            render(md, &config),
            "<h2 id=\"hi\"><a class=\"anchor\" href=\"#hi\" aria-label=\"Link to this heading\">#</a>Hi</h2>\n"
        );
        config.insert_anchor_links = AnchorLinks::Right;
        assert_eq!(
            render(md, &config),
            "<h2 id=\"hi\">Hi<a class=\"anchor\" href=\"#hi\" aria-label=\"Link to this heading\">#</a></h2>\n"
        );
        config.insert_anchor_links = AnchorLinks::Heading;
        assert_eq!(
            render(md, &config),
            "<h2 id=\"hi\"><a class=\"heading-link\" href=\"#hi\">Hi</a></h2>\n"
        );
    }

    #[test]
    fn unknown_languages_stay_plain_and_are_reported() {
        let config = MarkdownConfig {
            highlight_code: true,
            ..MarkdownConfig::default()
        };
        let md = "text\n\n```klingon\nqapla'\n```\n";
        let events: Vec<_> = Parser::new_ext(md, Options::empty())
            .into_offset_iter()
            .collect();
        let mut decorated = decorate(events.into_iter(), &config, "");
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, &mut decorated);
        let unknown = decorated.unknown;
        assert!(
            html.contains("<pre><code class=\"language-klingon\">qapla'\n</code></pre>"),
            "{html}"
        );
        assert_eq!(unknown.len(), 1);
        assert_eq!(
            (unknown[0].lang.as_str(), unknown[0].offset),
            ("klingon", 6)
        );
    }
}
