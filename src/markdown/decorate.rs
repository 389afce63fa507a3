//! What ssgx adds to pulldown-cmark's events, by `[markdown]` settings:
//! highlighted code blocks, `#` anchor links on headings, attributes on
//! external links (`target`, `rel`) and on images (`loading`, `decoding`).
//! Each is an `Event::Html` put in place of (or beside) the events that
//! pulldown-cmark would have rendered.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};

use super::highlight;
use crate::project::{AnchorLinks, MarkdownConfig};

/// An unknown code block language, at a byte offset of the body.
pub struct UnknownLanguage {
    pub lang: String,
    pub offset: usize,
}

/// Rewrites `events` for `config`; `base_url` tells internal links from
/// external ones. Returns the unknown languages met.
pub fn decorate<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    config: &MarkdownConfig,
    base_url: &str,
) -> (Vec<Event<'a>>, Vec<UnknownLanguage>) {
    let mut out = Vec::with_capacity(events.len());
    let mut unknown = Vec::new();
    let mut events = events.into_iter().peekable();
    let mut external_open = false;
    let mut heading_id: Option<String> = None;
    while let Some((event, range)) = events.next() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if config.highlight_code
                    && !language(info).is_empty()
                    && !highlight::is_plain(language(info)) =>
            {
                let lang = language(info).to_string();
                let (code, inner) = take_code_block(&mut events);
                match highlight::highlight(&code, &lang, config) {
                    Some(html) => out.push(Event::Html(CowStr::from(html))),
                    None => {
                        unknown.push(UnknownLanguage {
                            lang,
                            offset: range.start,
                        });
                        out.push(event);
                        out.extend(inner);
                    }
                }
            }
            Event::Start(Tag::Link {
                ref dest_url,
                ref title,
                ..
            }) if is_external(dest_url, base_url) && wants_link_attributes(config) => {
                external_open = true;
                out.push(Event::Html(CowStr::from(external_link(
                    dest_url, title, config,
                ))));
            }
            Event::End(TagEnd::Link) if external_open => {
                external_open = false;
                out.push(Event::Html(CowStr::from("</a>")));
            }
            Event::Start(Tag::Image {
                ref dest_url,
                ref title,
                ..
            }) if config.lazy_async_image => {
                let alt = take_alt_text(&mut events);
                out.push(Event::Html(CowStr::from(image(dest_url, title, &alt))));
            }
            Event::Start(Tag::Heading { ref id, .. })
                if config.insert_anchor_links != AnchorLinks::None =>
            {
                let id = id.as_deref().unwrap_or_default().to_string();
                let anchor = anchor_html(&id, config.insert_anchor_links);
                out.push(event);
                if config.insert_anchor_links != AnchorLinks::Right {
                    out.push(Event::Html(CowStr::from(anchor)));
                }
                heading_id = Some(id);
            }
            Event::End(TagEnd::Heading(_)) if heading_id.is_some() => {
                let id = heading_id.take().unwrap_or_default();
                match config.insert_anchor_links {
                    AnchorLinks::Right => {
                        out.push(Event::Html(CowStr::from(anchor_html(
                            &id,
                            AnchorLinks::Right,
                        ))));
                    }
                    AnchorLinks::Heading => out.push(Event::Html(CowStr::from("</a>"))),
                    _ => {}
                }
                out.push(event);
            }
            other => out.push(other),
        }
    }
    (out, unknown)
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
        let (events, _) = decorate(events, config, "https://me.example");
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
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
        let (events, unknown) = decorate(events, &config, "");
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
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
