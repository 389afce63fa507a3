//! Syntax highlighting of fenced code blocks at build time, with syntect
//! and the extra grammars of `two-face` (TOML, TypeScript, Dockerfile and
//! the rest of bat's set). Class-based output with a generated stylesheet
//! (light theme, dark theme under `prefers-color-scheme: dark`), or
//! inline styles. Grammars and themes load once per process, on first use.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use syntect::highlighting::{Theme, ThemeSet};
use syntect::html::{
    ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style, highlighted_html_for_string,
};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::highlight_cache;
use crate::project::{HighlightStyle, MarkdownConfig};

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);
static THEMES: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::load_defaults);

/// Classes are prefixed so they never meet a theme's own.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "z-" };

/// The stylesheet written beside the site when highlighting uses classes.
pub const STYLESHEET: &str = "syntax.css";

/// The theme names ssgx knows, for error messages.
pub fn theme_names() -> Vec<String> {
    THEMES.themes.keys().cloned().collect()
}

/// The theme of this name, if there is one.
pub fn theme(name: &str) -> Option<&'static Theme> {
    THEMES.themes.get(name)
}

fn syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let set = &*SYNTAXES;
    set.find_syntax_by_token(lang).or_else(|| {
        // Names people write that the grammars spell otherwise.
        let alias = match lang.to_ascii_lowercase().as_str() {
            "shell" | "console" | "zsh" => "bash",
            "js" | "jsx" | "mjs" | "cjs" => "javascript",
            "ts" | "tsx" => "typescript",
            "yml" => "yaml",
            "rs" => "rust",
            "py" => "python",
            "md" => "markdown",
            // Tera's syntax is Jinja2's.
            "tera" => "html.j2",
            _ => return None,
        };
        set.find_syntax_by_token(alias)
    })
}

/// Whether `lang` asks for no highlighting at all (`text`, `plain`, ...).
pub fn is_plain(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "text" | "txt" | "plain" | "plaintext" | "output" | "none"
    )
}

/// The HTML of one code block in `lang`, or `None` when the language is
/// unknown (the caller renders it plain and warns). Blocks seen before (in
/// this process, or in the last build's cache) are not highlighted again.
pub fn highlight(code: &str, lang: &str, config: &MarkdownConfig) -> Option<String> {
    let style = match config.highlight_style {
        HighlightStyle::Class => "class",
        HighlightStyle::Inline => "inline",
    };
    let dark = config.highlight_theme_dark.as_deref().unwrap_or("");
    let key = highlight_cache::key(&[lang, style, &config.highlight_theme, dark, code]);
    highlight_cache::get_or_make(key, || highlight_uncached(code, lang, config))
}

fn highlight_uncached(code: &str, lang: &str, config: &MarkdownConfig) -> Option<String> {
    let syntax = syntax(lang)?;
    let lang_attr = tera::escape_html(lang);
    match config.highlight_style {
        HighlightStyle::Inline => {
            let theme = theme(&config.highlight_theme)?;
            let html = highlighted_html_for_string(code, &SYNTAXES, syntax, theme).ok()?;
            // syntect writes `<pre style="...">`; mark it for CSS and the language.
            Some(html.replacen(
                "<pre ",
                &format!("<pre class=\"ssgx-code\" data-lang=\"{lang_attr}\" "),
                1,
            ))
        }
        HighlightStyle::Class => {
            let mut generator =
                ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
            for line in LinesWithEndings::from(code) {
                generator
                    .parse_html_for_line_which_includes_newline(line)
                    .ok()?;
            }
            let spans = prune(&generator.finalize(), &styled_classes(config));
            Some(format!(
                "<pre class=\"ssgx-code z-code\" data-lang=\"{lang_attr}\"><code class=\"language-{lang_attr}\">{spans}</code></pre>\n"
            ))
        }
    }
}

/// Compound class selectors: `.z-a.z-b` is `[z-a, z-b]`.
type Compounds = Arc<Vec<Vec<String>>>;

/// The compound class selectors of `syntax.css` for these themes (each
/// `.z-a.z-b` of every selector, subject or ancestor), memoized.
fn styled_classes(config: &MarkdownConfig) -> Compounds {
    static MEMO: LazyLock<Mutex<HashMap<String, Compounds>>> = LazyLock::new(Mutex::default);
    let key = format!(
        "{}\n{}",
        config.highlight_theme,
        config.highlight_theme_dark.as_deref().unwrap_or("")
    );
    let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let entry = memo
        .entry(key)
        .or_insert_with(|| Arc::new(compounds(&stylesheet(config))));
    Arc::clone(entry)
}

/// Every compound of class selectors in a stylesheet: `.z-a.z-b .z-c {`
/// gives `[z-a, z-b]` and `[z-c]`.
fn compounds(css: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut start = 0;
    for (i, ch) in css.char_indices() {
        match ch {
            '{' => {
                let selectors = &css[start..i];
                for part in selectors.split([',', ' ', '\n', '\t', '>', '+', '~']) {
                    let compound: Vec<String> = part
                        .split('.')
                        .filter(|c| c.starts_with("z-"))
                        .map(|c| c.trim().to_string())
                        .collect();
                    if !compound.is_empty() && !out.contains(&compound) {
                        out.push(compound);
                    }
                }
                start = i + 1;
            }
            '}' | ';' => start = i + 1,
            _ => {}
        }
    }
    out
}

/// syntect's class-based HTML has a span for every scope, each with every
/// atom of the scope as a class (`z-meta z-function z-rust`), and most are
/// styled by no rule of the themes. Keeping only the classes the
/// stylesheet's selectors can match (all of one compound `.z-a.z-b`), and
/// dropping spans left without any, renders the same and makes
/// highlighted pages far smaller: a span no compound matches can match no
/// selector, as subject or as ancestor.
fn prune(html: &str, styled: &[Vec<String>]) -> String {
    const OPEN: &str = "<span class=\"";
    const CLOSE: &str = "</span>";
    let mut out = String::with_capacity(html.len() / 2);
    let mut kept_stack: Vec<bool> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix(OPEN)
            && let Some(end) = after.find("\">")
        {
            let classes: Vec<&str> = after[..end].split(' ').collect();
            let kept: Vec<&str> = classes
                .iter()
                .copied()
                .filter(|class| {
                    styled.iter().any(|compound| {
                        compound.iter().any(|c| c == class)
                            && compound.iter().all(|c| classes.contains(&c.as_str()))
                    })
                })
                .collect();
            if kept.is_empty() {
                kept_stack.push(false);
            } else {
                out.push_str(OPEN);
                out.push_str(&kept.join(" "));
                out.push_str("\">");
                kept_stack.push(true);
            }
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix(CLOSE) {
            if kept_stack.pop().unwrap_or(true) {
                out.push_str(CLOSE);
            }
            rest = after;
        } else {
            out.push('<');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `syntax.css` for class-based highlighting: the light theme, then the
/// dark one for readers who prefer it.
pub fn stylesheet(config: &MarkdownConfig) -> String {
    let mut css = String::from("/* Code highlighting, generated by ssgx. */\n");
    if let Some(light) = theme(&config.highlight_theme)
        && let Ok(rules) = css_for_theme_with_class_style(light, CLASS_STYLE)
    {
        css.push_str(&rules);
    }
    if let Some(dark) = config.highlight_theme_dark.as_deref().and_then(theme)
        && let Ok(rules) = css_for_theme_with_class_style(dark, CLASS_STYLE)
    {
        css.push_str("@media (prefers-color-scheme: dark) {\n");
        css.push_str(&rules);
        css.push_str("}\n");
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_and_unknown_none() {
        let config = MarkdownConfig {
            highlight_code: true,
            ..MarkdownConfig::default()
        };
        let html = highlight("let x = \"<b>\";\n", "rust", &config).unwrap();
        assert!(
            html.starts_with(
                "<pre class=\"ssgx-code z-code\" data-lang=\"rust\"><code class=\"language-rust\">"
            ),
            "{html}"
        );
        assert!(html.contains("z-storage"), "{html}");
        // Classes no rule of the themes styles are left out.
        assert!(!html.contains("z-rust"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        for lang in ["toml", "ts", "sh", "js", "python", "yaml", "json"] {
            assert!(highlight("a = 1\n", lang, &config).is_some(), "{lang}");
        }
        assert!(highlight("x\n", "no-such-language", &config).is_none());
        assert!(highlight("{{ x }}\n", "tera", &config).is_some());
        assert!(is_plain("text") && !is_plain("rust"));
        let css = stylesheet(&config);
        assert!(css.contains(".z-keyword") && css.contains("prefers-color-scheme: dark"));
    }

    #[test]
    fn pruning_keeps_styled_classes_and_balanced_spans() {
        let styled =
            compounds(".z-string { color: red; }\n.z-keyword.z-x, .z-meta.z-y .z-string {}");
        assert_eq!(
            styled,
            vec![
                vec!["z-string"],
                vec!["z-keyword", "z-x"],
                vec!["z-meta", "z-y"]
            ]
        );
        let html = r#"<span class="z-source z-x"><span class="z-keyword z-x">fn</span> <span class="z-meta"><span class="z-string z-quoted">&quot;a&lt;b&quot;</span></span></span>"#;
        assert_eq!(
            prune(html, &styled),
            r#"<span class="z-keyword z-x">fn</span> <span class="z-string">&quot;a&lt;b&quot;</span>"#
        );
    }

    #[test]
    fn inline_style_uses_the_theme() {
        let config = MarkdownConfig {
            highlight_code: true,
            highlight_style: HighlightStyle::Inline,
            ..MarkdownConfig::default()
        };
        let html = highlight("fn main() {}\n", "rust", &config).unwrap();
        assert!(
            html.starts_with("<pre class=\"ssgx-code\" data-lang=\"rust\" style="),
            "{html}"
        );
        assert!(html.contains("style=\"color:"), "{html}");
    }
}
