//! Shortcodes in Markdown, Zola style: `{{ name(arg=value) }}` inline and
//! `{% name(arg=value) %}body{% end %}` with a body. This module owns the
//! syntax and the expansion around pulldown-cmark: each call is rendered
//! (by a [`Renderer`], which the templates provide), replaced by a token
//! while the Markdown is rendered, and its HTML put back afterwards, so
//! Markdown never mangles it. Code spans and blocks are never scanned.
//!
//! Public surface: [`Renderer`], [`expand`] → [`Expanded`], [`code_ranges`].

pub mod parse;

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};
use serde_json::{Map, Value};

use parse::{Call, Found};

/// Renders one shortcode call.
pub trait Renderer: Sync {
    /// The HTML of `name` called with `args` (and `body`, the text between
    /// its tags with the calls inside already rendered); `None` when no
    /// shortcode has that name, `Err` with a message when it failed.
    fn render_shortcode(
        &self,
        name: &str,
        args: &Map<String, Value>,
        body: Option<&str>,
    ) -> Option<Result<String, String>>;
}

/// A shortcode problem at a byte range of the scanned text.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcodeError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// The Markdown with each call replaced by a token, and what each token
/// stands for.
#[derive(Debug)]
pub struct Expanded {
    pub text: String,
    outputs: Vec<String>,
    /// (range in `text`, range in the original) of each replacement.
    shifts: Vec<(Range<usize>, Range<usize>)>,
}

const TOKEN: &str = "ssgxshortcode";

/// The byte ranges of code spans and code blocks in a Markdown text.
pub fn code_ranges(text: &str, options: Options) -> Vec<Range<usize>> {
    Parser::new_ext(text, options)
        .into_offset_iter()
        .filter(|(e, _)| matches!(e, Event::Code(_) | Event::Start(Tag::CodeBlock(_))))
        .map(|(_, r)| r)
        .collect()
}

/// Renders every call in `text` (outside code, found with `options`);
/// `None` when there is none.
pub fn expand(
    text: &str,
    options: Options,
    renderer: &dyn Renderer,
) -> Result<Option<Expanded>, ShortcodeError> {
    if !text.contains("{{") && !text.contains("{%") {
        return Ok(None);
    }
    let skip = code_ranges(text, options);
    let found = parse::find_calls(text, &skip).map_err(|e| ShortcodeError {
        offset: e.offset,
        len: e.len,
        message: e.message,
        hint: Some(
            "shortcodes are written {{ name(arg=\"text\", n=1) }}, or {% name() %}...{% end %} with a body"
                .to_string(),
        ),
    })?;
    if found.is_empty() {
        return Ok(None);
    }
    let mut out = Expanded {
        text: String::with_capacity(text.len()),
        outputs: Vec::with_capacity(found.len()),
        shifts: Vec::with_capacity(found.len()),
    };
    let mut last = 0;
    for item in &found {
        let range = item.range().clone();
        let html = render_found(text, item, renderer)?;
        out.text.push_str(&text[last..range.start]);
        let token = format!("{TOKEN}{}x", out.outputs.len());
        let start = out.text.len();
        out.text.push_str(&token);
        out.shifts.push((start..out.text.len(), range.clone()));
        out.outputs.push(html);
        last = range.end;
    }
    out.text.push_str(&text[last..]);
    Ok(Some(out))
}

/// The HTML of one call, its body's calls rendered first.
fn render_found(
    text: &str,
    found: &Found,
    renderer: &dyn Renderer,
) -> Result<String, ShortcodeError> {
    let call: &Call = match found {
        Found::Literal(_, literal) => return Ok(literal.clone()),
        Found::Call(call) => call,
    };
    let body = match &call.body {
        None => None,
        Some(body) => {
            let mut inner = String::with_capacity(body.range.len());
            let mut last = body.range.start;
            for item in &body.calls {
                inner.push_str(&text[last..item.range().start]);
                inner.push_str(&render_found(text, item, renderer)?);
                last = item.range().end;
            }
            inner.push_str(&text[last..body.range.end]);
            Some(inner)
        }
    };
    let at = |message: String, hint: Option<String>| ShortcodeError {
        offset: call.range.start,
        len: call
            .range
            .len()
            .min(text[call.range.start..].find('\n').unwrap_or(usize::MAX)),
        message,
        hint,
    };
    match renderer.render_shortcode(&call.name, &call.args, body.as_deref()) {
        Some(Ok(html)) => Ok(html),
        Some(Err(message)) => Err(at(format!("shortcode `{}`: {message}", call.name), None)),
        None => Err(at(
            format!("unknown shortcode `{}`", call.name),
            Some(format!(
                "create templates/shortcodes/{}.html, or write {{{{/* ... */}}}} to show the call as text",
                call.name
            )),
        )),
    }
}

impl Expanded {
    /// The offset in the original text of `offset` in [`Expanded::text`].
    pub fn original_offset(&self, offset: usize) -> usize {
        let mut mapped = offset;
        for (new, old) in &self.shifts {
            if offset < new.start {
                break;
            }
            mapped = if offset < new.end {
                old.start
            } else {
                offset - new.end + old.end
            };
        }
        mapped
    }

    /// Puts each call's HTML in place of its token in the rendered HTML.
    /// A block-level output alone in a paragraph replaces the paragraph.
    pub fn finish(&self, html: &str) -> String {
        let mut out =
            String::with_capacity(html.len() + self.outputs.iter().map(String::len).sum::<usize>());
        let mut rest = html;
        while let Some(i) = rest.find(TOKEN) {
            let after = &rest[i + TOKEN.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let index = after[..digits].parse::<usize>().ok();
            let (Some(output), true) = (
                index.and_then(|n| self.outputs.get(n)),
                after[digits..].starts_with('x'),
            ) else {
                out.push_str(&rest[..i + TOKEN.len()]);
                rest = after;
                continue;
            };
            let mut before = &rest[..i];
            let mut tail = &after[digits + 1..];
            if is_block(output) && before.ends_with("<p>") && tail.starts_with("</p>") {
                before = &before[..before.len() - 3];
                tail = &tail[4..];
            }
            out.push_str(before);
            out.push_str(output);
            rest = tail;
        }
        out.push_str(rest);
        out
    }
}

/// Whether HTML starts with a block-level element, which must not sit
/// inside a `<p>`.
fn is_block(html: &str) -> bool {
    let Some(tag) = html.trim_start().strip_prefix('<') else {
        return false;
    };
    let name: String = tag
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "div"
            | "section"
            | "article"
            | "aside"
            | "figure"
            | "table"
            | "ul"
            | "ol"
            | "dl"
            | "blockquote"
            | "pre"
            | "p"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "details"
            | "nav"
            | "header"
            | "footer"
            | "hr"
            | "form"
            | "fieldset"
            | "address"
            | "main"
            | "video"
            | "audio"
            | "iframe"
            | "script"
            | "style"
            | "template"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl Renderer for Echo {
        fn render_shortcode(
            &self,
            name: &str,
            args: &Map<String, Value>,
            body: Option<&str>,
        ) -> Option<Result<String, String>> {
            match name {
                "box" => Some(Ok(format!(
                    "<div class=\"box\">{}</div>",
                    body.unwrap_or("")
                ))),
                "b" => Some(Ok(format!(
                    "<b>{}</b>",
                    args.get("t").and_then(Value::as_str).unwrap_or("")
                ))),
                "fail" => Some(Err("it broke".to_string())),
                _ => None,
            }
        }
    }

    fn md(text: &str) -> String {
        let opts = Options::empty();
        let expanded = expand(text, opts, &Echo).unwrap().unwrap();
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, Parser::new_ext(&expanded.text, opts));
        expanded.finish(&html)
    }

    #[test]
    fn inline_and_block_outputs_land_in_place() {
        assert_eq!(md("Hi {{ b(t=\"x_y*\") }}!"), "<p>Hi <b>x_y*</b>!</p>\n");
        assert_eq!(
            md("{% box() %}in {{ b(t=\"n\") }}{% end %}\n\nafter"),
            "<div class=\"box\">in <b>n</b></div>\n<p>after</p>\n"
        );
    }

    #[test]
    fn code_is_immune() {
        let text =
            "`{{ b(t=1) }}` and\n\n```\n{{ fail() }}\n{% box() %}\n```\n\n{{ b(t=\"real\") }}";
        let html = md(text);
        assert!(html.contains("<code>{{ b(t=1) }}</code>"), "{html}");
        assert!(
            html.contains("{{ fail() }}\n{% box() %}\n</code></pre>"),
            "{html}"
        );
        assert!(html.contains("<b>real</b>"), "{html}");
    }

    #[test]
    fn no_calls_is_none_and_errors_carry_offsets() {
        assert!(
            expand("{{ page.title }}", Options::empty(), &Echo)
                .unwrap()
                .is_none()
        );
        let e = expand("one\n{{ fail() }}", Options::empty(), &Echo).unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (4, "shortcode `fail`: it broke")
        );
        let e = expand("{{ nope() }}", Options::empty(), &Echo).unwrap_err();
        assert!(e.message.contains("unknown shortcode `nope`"));
    }

    #[test]
    fn offsets_map_back() {
        let text = "ab {{ b(t=\"long argument\") }} cd";
        let e = expand(text, Options::empty(), &Echo).unwrap().unwrap();
        let cd = e.text.find("cd").unwrap();
        assert_eq!(e.original_offset(cd), text.find("cd").unwrap());
        assert_eq!(e.original_offset(1), 1);
        assert_eq!(e.original_offset(4), 3);
    }
}
