//! Syntax highlighting of fenced code blocks at build time, with syntect
//! and the extra grammars of `two-face` (TOML, TypeScript, Dockerfile and
//! the rest of bat's set). Class-based output with a generated stylesheet
//! (light theme, dark theme under `prefers-color-scheme: dark`), or
//! inline styles. Grammars and themes load once per process, on first use.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, RwLock};

use syntect::highlighting::{Theme, ThemeSet};
use syntect::html::{ClassStyle, css_for_theme_with_class_style, highlighted_html_for_string};
use syntect::parsing::{
    BasicScopeStackOp, ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet,
};
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
            let spans = classed_spans(code, syntax, &styled_classes(config))?;
            Some(format!(
                "<pre class=\"ssgx-code z-code\" data-lang=\"{lang_attr}\"><code class=\"language-{lang_attr}\">{spans}</code></pre>\n"
            ))
        }
    }
}

/// The class-based HTML of `code`: syntect's parse, written straight to
/// spans that carry only the classes the stylesheet can match (see
/// [`Styled`]); a scope with none gets no span at all. Doing this here,
/// rather than through syntect's `ClassedHTMLGenerator` and pruning its
/// output, skips a span and a class list for every scope, which was a
/// quarter of the cost of highlighting.
fn classed_spans(code: &str, syntax: &SyntaxReference, styled: &Styled) -> Option<String> {
    let mut state = ParseState::new(syntax);
    let mut scopes = ScopeStack::new();
    let mut out = String::with_capacity(code.len() * 2);
    // For each scope on the stack: whether it opened a span.
    let mut opened: Vec<bool> = Vec::new();
    // Where the newest span began, while no text has followed it: a span
    // closed right away is dropped, as syntect does.
    let mut empty_span: Option<usize> = None;
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, &SYNTAXES).ok()?;
        let mut written = 0;
        for (at, op) in &ops {
            if *at > written {
                escape_html_body(&mut out, &line[written..*at]);
                written = *at;
                empty_span = None;
            }
            scopes
                .apply_with_hook(op, |op, _| match op {
                    BasicScopeStackOp::Push(scope) => match styled.classes_of(scope) {
                        Some(classes) => {
                            empty_span = Some(out.len());
                            out.push_str("<span class=\"");
                            out.push_str(&classes);
                            out.push_str("\">");
                            opened.push(true);
                        }
                        None => opened.push(false),
                    },
                    BasicScopeStackOp::Pop => {
                        if opened.pop().unwrap_or(false) {
                            match empty_span.take() {
                                Some(start) => out.truncate(start),
                                None => out.push_str("</span>"),
                            }
                        }
                    }
                })
                .ok()?;
        }
        escape_html_body(&mut out, &line[written..]);
        if written < line.len() {
            empty_span = None;
        }
    }
    for _ in opened.into_iter().filter(|open| *open) {
        out.push_str("</span>");
    }
    Some(out)
}

fn escape_html_body(out: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut *out, text);
}

/// Which classes of a scope the stylesheet of the configured themes can
/// match. syntect names a scope by its atoms (`meta.function.rust` is
/// `z-meta z-function z-rust`), and most atoms are styled by no rule:
/// keeping only the classes of a compound selector (`.z-a.z-b`, subject or
/// ancestor) all of whose classes the scope has renders the same and makes
/// highlighted pages far smaller. Worked out once per scope.
struct Styled {
    /// `.z-a.z-b` is `[z-a, z-b]`.
    compounds: Vec<Vec<String>>,
    memo: RwLock<HashMap<Scope, Option<Arc<str>>>>,
}

impl Styled {
    /// The `class` attribute for `scope`, or `None` when no rule can match it.
    fn classes_of(&self, scope: Scope) -> Option<Arc<str>> {
        if let Some(known) = self
            .memo
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&scope)
        {
            return known.clone();
        }
        let classes: Vec<String> = scope
            .build_string()
            .split('.')
            .map(|atom| format!("z-{atom}"))
            .collect();
        let kept: Vec<&str> = classes
            .iter()
            .filter(|class| {
                self.compounds.iter().any(|compound| {
                    compound.contains(class) && compound.iter().all(|c| classes.contains(c))
                })
            })
            .map(String::as_str)
            .collect();
        let found = (!kept.is_empty()).then(|| Arc::from(kept.join(" ")));
        self.memo
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scope, found.clone());
        found
    }
}

/// The [`Styled`] of these themes, made once.
fn styled_classes(config: &MarkdownConfig) -> Arc<Styled> {
    static MEMO: LazyLock<Mutex<HashMap<String, Arc<Styled>>>> = LazyLock::new(Mutex::default);
    let key = format!(
        "{}\n{}",
        config.highlight_theme,
        config.highlight_theme_dark.as_deref().unwrap_or("")
    );
    let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let entry = memo.entry(key).or_insert_with(|| {
        Arc::new(Styled {
            compounds: compounds(&stylesheet(config)),
            memo: RwLock::default(),
        })
    });
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
    fn only_styled_classes_are_kept_and_spans_balance() {
        let styled = Styled {
            compounds: compounds(
                ".z-string { color: red; }\n.z-keyword.z-x, .z-meta.z-y .z-string {}",
            ),
            memo: RwLock::default(),
        };
        assert_eq!(
            styled.compounds,
            vec![
                vec!["z-string"],
                vec!["z-keyword", "z-x"],
                vec!["z-meta", "z-y"]
            ]
        );
        let scope = |s: &str| Scope::new(s).unwrap();
        assert_eq!(
            styled.classes_of(scope("string.quoted.double")).as_deref(),
            Some("z-string")
        );
        assert_eq!(
            styled.classes_of(scope("keyword.x.other")).as_deref(),
            Some("z-keyword z-x")
        );
        // `z-keyword` alone matches no compound; neither does `z-y` alone.
        assert_eq!(styled.classes_of(scope("keyword.other")), None);
        assert_eq!(
            styled.classes_of(scope("meta.y")).as_deref(),
            Some("z-meta z-y")
        );
        assert_eq!(styled.classes_of(scope("source.rust")), None);

        let config = MarkdownConfig {
            highlight_code: true,
            ..MarkdownConfig::default()
        };
        let styled = styled_classes(&config);
        let rust = syntax("rust").unwrap();
        let html = classed_spans("/* a\nb */ fn x() { \"<&>\" }\n", rust, &styled).unwrap();
        assert_eq!(
            html.matches("<span").count(),
            html.matches("</span>").count(),
            "{html}"
        );
        assert!(!html.contains("\"></span>"), "no empty spans: {html}");
        assert!(html.contains("&lt;&amp;&gt;"), "{html}");
        // The comment spans both lines inside one span.
        assert!(html.starts_with("<span class=\"z-comment\">"), "{html}");
        assert!(html.contains("</span> a\nb <span"), "{html}");
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
