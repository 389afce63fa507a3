//! Syntax highlighting of fenced code blocks at build time. Two engines:
//! `lexical` (the default) reads the dozen languages pages show most with
//! hl-lite's hand-written lexers and the rest with tree-sitter;
//! `tree-sitter` uses `arborium`'s tree-sitter grammars for all. Output is
//! the same either way: class-based (one `z-keyword`, `z-string`, ...
//! span per token, and a generated stylesheet with the light theme and the
//! dark one under `prefers-color-scheme: dark`), or inline styles, with
//! themes from `arborium`. Grammars compile once per process, on first
//! use, and are shared by the build's threads.
//!
//! Why two: on the benchmark corpus tree-sitter takes 6-22 µs a line
//! (the most on code not valid in its block's language), which made a first
//! build with highlighting twice as slow as one without; the lexers take
//! under 0.5 µs, with the detail of Hugo's Chroma or highlight.js rather
//! than a parse tree's. syntect was slower than tree-sitter still
//! (benches/RESULTS.md).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use arborium::theme::{Style, Theme};
use arborium::{Config, GrammarStore, Highlighter};
use arborium_highlight::spans_to_flat_tokens;
use arborium_theme::highlights::{HIGHLIGHTS, tag_to_name};

use super::highlight_cache;
use crate::project::{HighlightEngine, HighlightStyle, MarkdownConfig};

/// Classes are prefixed so they never meet a theme's own: `z-keyword`.
const CLASS_PREFIX: &str = "z";

/// The stylesheet written beside the site when highlighting uses classes.
pub const STYLESHEET: &str = "syntax.css";

static GRAMMARS: LazyLock<Arc<GrammarStore>> = LazyLock::new(|| Arc::new(GrammarStore::new()));

thread_local! {
    /// A parser per thread; the compiled grammars are shared.
    static HIGHLIGHTER: RefCell<Highlighter> = RefCell::new(Highlighter::with_store_and_config(
        Arc::clone(&GRAMMARS),
        Config::default(),
    ));
}

/// The built-in themes by the name ssgx.toml uses (`github-light`).
static THEMES: LazyLock<Vec<(String, Theme)>> = LazyLock::new(|| {
    arborium::theme::builtin::all()
        .into_iter()
        .map(|theme| (slug(&theme.name), theme))
        .collect()
});

/// `Catppuccin Frappé` is `catppuccin-frappe`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        let ch = match ch {
            'é' | 'è' | 'ê' | 'É' => 'e',
            c => c.to_ascii_lowercase(),
        };
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The theme names ssgx knows, for error messages.
pub fn theme_names() -> Vec<String> {
    THEMES.iter().map(|(name, _)| name.clone()).collect()
}

/// The theme of this name (`github-light`, or as the theme spells it,
/// `GitHub Light`), if there is one.
pub fn theme(name: &str) -> Option<&'static Theme> {
    let wanted = slug(name);
    THEMES
        .iter()
        .find(|(slug, _)| *slug == wanted)
        .map(|(_, theme)| theme)
}

/// The grammar's name for `lang`, trying the names people write that the
/// grammars spell otherwise; `None` when there is no grammar.
fn grammar_name(lang: &str) -> Option<String> {
    let lower = lang.to_ascii_lowercase();
    if GRAMMARS.get(&lower).is_some() {
        return Some(lower);
    }
    let alias = match lower.as_str() {
        "console" | "shellsession" | "shell-session" | "bash-session" => "bash",
        "tera" | "html.j2" => "jinja2",
        "yml" => "yaml",
        "javascriptreact" => "javascript",
        "typescriptreact" => "tsx",
        _ => return None,
    };
    GRAMMARS.get(alias).map(|_| alias.to_string())
}

/// Whether `lang` asks for no highlighting at all (`text`, `plain`, ...).
pub fn is_plain(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "text" | "txt" | "plain" | "plaintext" | "output" | "none"
    )
}

/// The HTML of one code block in `lang`, or `None` when the language is
/// unknown (the caller renders it plain and warns). The lexical engine is
/// cheaper than a cache lookup, so only tree-sitter's blocks are cached:
/// blocks seen before (in this process, or in the last build's cache) are
/// not parsed again.
pub fn highlight(code: &str, lang: &str, config: &MarkdownConfig) -> Option<String> {
    if config.highlight_engine == HighlightEngine::Lexical
        && let Some(lexer) = hl_lite::Lang::from_slug(lang)
    {
        let tokens = lexical_tokens(lexer, code);
        return block_html(code, lang, config, tokens);
    }
    let style = match config.highlight_style {
        HighlightStyle::Class => "class",
        HighlightStyle::Inline => "inline",
    };
    let dark = config.highlight_theme_dark.as_deref().unwrap_or("");
    let key = highlight_cache::key(&[lang, style, &config.highlight_theme, dark, code]);
    highlight_cache::get_or_make(key, || {
        let tokens = tree_sitter_tokens(code, lang)?;
        block_html(code, lang, config, tokens)
    })
}

/// A token: its byte range in the block and its class (`keyword`, ...).
type Token = (usize, usize, &'static str);

/// The tokens hl-lite's lexer finds (unclassified text left out). The
/// block's final newlines are left out, as tree-sitter leaves them.
fn lexical_tokens(lexer: hl_lite::Lang, code: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut at = 0;
    for span in hl_lite::highlight(lexer, code.trim_end_matches('\n')) {
        let end = at + span.text.len();
        if span.kind != hl_lite::Kind::Plain {
            tokens.push((at, end, span.kind.class()));
        }
        at = end;
    }
    tokens
}

/// The tokens of the tree-sitter grammar for `lang` (the innermost capture
/// wins, neighbours of one category merged); `None` without a grammar.
fn tree_sitter_tokens(code: &str, lang: &str) -> Option<Vec<Token>> {
    let grammar = grammar_name(lang)?;
    let spans = HIGHLIGHTER.with(|cell| {
        let mut highlighter = cell.borrow_mut();
        highlighter.highlight_spans(&grammar, code).ok()
    })?;
    Some(
        spans_to_flat_tokens(code, spans)
            .into_iter()
            .filter_map(|t| Some((t.start as usize, t.end as usize, tag_to_name(t.tag)?)))
            .collect(),
    )
}

/// A block's `<pre>`, its tokens shown as `highlight_style` says.
fn block_html(
    code: &str,
    lang: &str,
    config: &MarkdownConfig,
    tokens: Vec<Token>,
) -> Option<String> {
    // The tokens leave the block's final newlines out; code blocks keep them.
    let newlines = &code[code.trim_end_matches('\n').len()..];
    let lang_attr = crate::templates::escape_html(lang);
    match config.highlight_style {
        HighlightStyle::Class => {
            let spans = token_spans(code, tokens, |out, name| {
                let _ = write!(out, "class=\"{CLASS_PREFIX}-{name}\"");
            });
            Some(format!(
                "<pre class=\"ssgx-code z-code\" data-lang=\"{lang_attr}\"><code class=\"language-{lang_attr}\">{spans}{newlines}</code></pre>\n"
            ))
        }
        HighlightStyle::Inline => {
            let theme = theme(&config.highlight_theme)?;
            let styles = slot_styles(theme);
            let spans = token_spans(code, tokens, |out, name| {
                let declarations = styles
                    .get(name)
                    .map(|style| declarations(style, false))
                    .unwrap_or_default();
                let _ = write!(out, "style=\"{declarations}\"");
            });
            let pre_style = block_style(theme);
            Some(format!(
                "<pre class=\"ssgx-code\" data-lang=\"{lang_attr}\" style=\"{pre_style}\"><code class=\"language-{lang_attr}\">{spans}{newlines}</code></pre>\n"
            ))
        }
    }
}

/// One `<span ATTRIBUTE>` per token, `attribute` writing how a category
/// (`keyword`, `string`, ...) is shown; the text between them escaped.
fn token_spans(code: &str, tokens: Vec<Token>, attribute: impl Fn(&mut String, &str)) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    let mut written = 0;
    for (start, end, name) in tokens {
        let (Some(before), Some(text)) = (code.get(written..start), code.get(start..end)) else {
            continue;
        };
        escape_html_body(&mut out, before);
        out.push_str("<span ");
        attribute(&mut out, name);
        out.push('>');
        escape_html_body(&mut out, text);
        out.push_str("</span>");
        written = end;
    }
    // The tokens leave the final newlines out; the caller adds them.
    escape_html_body(&mut out, code[written..].trim_end_matches('\n'));
    out
}

/// Escapes code as pulldown-cmark escapes it (`<`, `>`, `&`; quotes are
/// safe between tags), so highlighting changes nothing but the markup.
fn escape_html_body(out: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut *out, text);
}

fn block_style(theme: &Theme) -> String {
    let mut style = String::new();
    if let Some(bg) = &theme.background {
        let _ = write!(style, "background-color:{};", bg.to_hex());
    }
    if let Some(fg) = &theme.foreground {
        let _ = write!(style, "color:{};", fg.to_hex());
    }
    style
}

/// The style of each class the highlighter writes (`keyword`, `string`,
/// ...): the first styled category of that class, or its parent's, as
/// arborium's own stylesheets resolve them.
fn slot_styles(theme: &Theme) -> HashMap<&'static str, &Style> {
    let mut by_tag: HashMap<&'static str, &Style> = HashMap::new();
    for (i, def) in HIGHLIGHTS.iter().enumerate() {
        if !def.tag.is_empty() && !theme.styles[i].is_empty() {
            by_tag.entry(def.tag).or_insert(&theme.styles[i]);
        }
    }
    let mut out = HashMap::new();
    for def in HIGHLIGHTS {
        let Some(name) = tag_to_name(def.tag) else {
            continue;
        };
        let style = by_tag
            .get(def.tag)
            .or_else(|| by_tag.get(def.parent_tag))
            .copied();
        if let Some(style) = style {
            out.entry(name).or_insert(style);
        }
    }
    out
}

/// CSS declarations for a style. `reset` spells out the defaults too, so a
/// dark rule fully replaces the light one it overrides.
fn declarations(style: &Style, reset: bool) -> String {
    let mut out = String::new();
    match &style.fg {
        Some(fg) => {
            let _ = write!(out, "color:{};", fg.to_hex());
        }
        None if reset => out.push_str("color:inherit;"),
        None => {}
    }
    match &style.bg {
        Some(bg) => {
            let _ = write!(out, "background-color:{};", bg.to_hex());
        }
        None if reset => out.push_str("background-color:transparent;"),
        None => {}
    }
    let m = &style.modifiers;
    if m.bold {
        out.push_str("font-weight:bold;");
    } else if reset {
        out.push_str("font-weight:inherit;");
    }
    if m.italic {
        out.push_str("font-style:italic;");
    } else if reset {
        out.push_str("font-style:inherit;");
    }
    let lines: Vec<&str> = [
        (m.underline, "underline"),
        (m.strikethrough, "line-through"),
    ]
    .into_iter()
    .filter_map(|(on, line)| on.then_some(line))
    .collect();
    if !lines.is_empty() {
        let _ = write!(out, "text-decoration:{};", lines.join(" "));
    } else if reset {
        out.push_str("text-decoration:none;");
    }
    out
}

/// The rules of one theme: the block, then a rule per styled class.
/// `reset` also writes a rule for the classes this theme leaves unstyled
/// but `other` styles.
fn theme_rules(theme: &Theme, other: Option<&Theme>) -> String {
    let mut css = String::new();
    let _ = writeln!(css, ".{CLASS_PREFIX}-code {{ {} }}", block_style(theme));
    let own = slot_styles(theme);
    let mut names: Vec<&str> = own.keys().copied().collect();
    if let Some(other) = other {
        names.extend(slot_styles(other).into_keys());
    }
    names.sort_unstable();
    names.dedup();
    let plain = Style::new();
    for name in names {
        let style = own.get(name).copied().unwrap_or(&plain);
        let _ = writeln!(
            css,
            ".{CLASS_PREFIX}-{name} {{ {} }}",
            declarations(style, other.is_some())
        );
    }
    css
}

/// `syntax.css` for class-based highlighting: the light theme, then the
/// dark one for readers who prefer it.
pub fn stylesheet(config: &MarkdownConfig) -> String {
    let mut css = String::from("/* Code highlighting, generated by ssgx. */\n");
    let light = theme(&config.highlight_theme);
    if let Some(light) = light {
        css.push_str(&theme_rules(light, None));
    }
    if let Some(dark) = config.highlight_theme_dark.as_deref().and_then(theme) {
        css.push_str("@media (prefers-color-scheme: dark) {\n");
        css.push_str(&theme_rules(dark, light));
        css.push_str("}\n");
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> MarkdownConfig {
        MarkdownConfig {
            highlight_code: true,
            ..MarkdownConfig::default()
        }
    }

    fn configs() -> [MarkdownConfig; 2] {
        [
            config(),
            MarkdownConfig {
                highlight_engine: HighlightEngine::TreeSitter,
                ..config()
            },
        ]
    }

    #[test]
    fn known_languages_get_classes_and_unknown_none() {
        for config in configs() {
            known_languages_get_classes_and_unknown_none_with(&config);
        }
    }

    fn known_languages_get_classes_and_unknown_none_with(config: &MarkdownConfig) {
        let config = config.clone();
        let html = highlight("fn main() { let x = \"<b>\"; }\n", "rust", &config).unwrap();
        assert!(
            html.starts_with(
                "<pre class=\"ssgx-code z-code\" data-lang=\"rust\"><code class=\"language-rust\">"
            ),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"z-keyword\">fn</span>"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;"), "{html}");
        // The block's final newline is kept.
        assert!(html.ends_with("</span>\n</code></pre>\n"), "{html}");
        for lang in [
            "toml", "ts", "sh", "js", "python", "yaml", "json", "console",
        ] {
            assert!(highlight("a = 1\n", lang, &config).is_some(), "{lang}");
        }
        assert!(highlight("x\n", "no-such-language", &config).is_none());
        assert!(highlight("{{ x }}\n", "tera", &config).is_some());
        assert!(is_plain("text") && !is_plain("rust"));
    }

    #[test]
    fn odd_blocks_keep_their_text() {
        for config in configs() {
            odd_blocks_keep_their_text_with(&config);
        }
    }

    fn odd_blocks_keep_their_text_with(config: &MarkdownConfig) {
        for code in [
            "",
            "\n\n",
            "let s = \"unterminated\n",
            "fn main() {\r\n    println!(\"é✓ {}\", 1);\r\n}\r\n",
            "\tlet x = '<&>';\n",
            "}}}{{{ ))) \u{0}\n",
        ] {
            for lang in [
                "rust", "python", "js", "sh", "toml", "html", "markdown", "go",
            ] {
                let html = highlight(code, lang, config).unwrap();
                let inner = html
                    .split_once("\">")
                    .and_then(|(_, rest)| rest.split_once("\">"))
                    .map(|(_, rest)| rest.trim_end_matches("</code></pre>\n"))
                    .unwrap();
                let mut text = String::new();
                let mut in_tag = false;
                for ch in inner.chars() {
                    match ch {
                        '<' => in_tag = true,
                        '>' if in_tag => in_tag = false,
                        c if !in_tag => text.push(c),
                        _ => {}
                    }
                }
                let text = text
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&");
                assert_eq!(text, code, "{lang} {:?}: {html}", config.highlight_engine);
            }
        }
    }

    #[test]
    fn the_engines_differ_in_detail() {
        let code = "fn area(width: u32) -> u32 { width * 2 } // twice\n";
        let [lexical, tree_sitter] = configs();
        let fast = highlight(code, "rust", &lexical).unwrap();
        let deep = highlight(code, "rust", &tree_sitter).unwrap();
        for html in [&fast, &deep] {
            for class in [
                "z-keyword\">fn",
                "z-function\">area",
                "z-comment\">// twice",
            ] {
                assert!(html.contains(class), "{class} in {html}");
            }
        }
        // Only the parse tree knows `width` is a parameter.
        assert!(deep.contains("z-variable\">width"), "{deep}");
        assert!(!fast.contains("z-variable"), "{fast}");
        // A language without a lexer goes to tree-sitter either way.
        let go = highlight("package main\n", "go", &lexical).unwrap();
        assert!(go.contains("z-keyword\">package"), "{go}");
    }

    #[test]
    fn stylesheet_has_both_themes_and_dark_resets_light() {
        let css = stylesheet(&config());
        assert!(css.contains(".z-keyword {"), "{css}");
        let (light, dark) = css
            .split_once("@media (prefers-color-scheme: dark)")
            .unwrap();
        assert!(
            light.contains(".z-code { background-color:#ffffff;"),
            "{light}"
        );
        assert!(
            dark.contains(".z-code { background-color:#0d1117;"),
            "{dark}"
        );
        // Every dark rule spells out all its properties.
        for rule in dark
            .lines()
            .filter(|l| l.starts_with(".z-") && !l.starts_with(".z-code"))
        {
            assert!(
                rule.contains("color:") && rule.contains("font-style:"),
                "{rule}"
            );
        }
    }

    #[test]
    fn theme_names_are_slugs_or_as_spelled() {
        assert!(theme("github-light").is_some());
        assert!(theme("GitHub Light").is_some());
        assert!(theme("catppuccin-frappe").is_some());
        assert!(theme("Neon").is_none());
        assert!(theme_names().contains(&"rose-pine-moon".to_string()));
    }

    #[test]
    fn inline_style_uses_the_theme() {
        let config = MarkdownConfig {
            highlight_style: HighlightStyle::Inline,
            ..config()
        };
        let html = highlight("fn main() {}\n", "rust", &config).unwrap();
        assert!(
            html.starts_with(
                "<pre class=\"ssgx-code\" data-lang=\"rust\" style=\"background-color:#ffffff;"
            ),
            "{html}"
        );
        assert!(html.contains("<span style=\"color:"), "{html}");
        assert!(!html.contains("class=\"z-"), "{html}");
    }
}
