//! Markdown written by many hands (READMEs with raw HTML, badges, nested
//! lists, tables, footnotes, `{{ }}` in prose and code) builds without a
//! panic, and ssgx's HTML for it is pulldown-cmark's own rendering, apart
//! from what ssgx adds on purpose: heading ids, and highlighting.

mod common;

use pulldown_cmark::{Options, Parser};

/// pulldown-cmark's HTML for a body, with the options ssgx uses.
fn reference(body: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(body, options));
    html
}

/// A built page's HTML, and pulldown-cmark's for its Markdown body.
fn built_and_reference(site: &std::path::Path, page: &str) -> (String, String) {
    let source = common::read(site.join(format!("site/{page}.md")));
    let body = source.splitn(3, "+++\n").nth(2).unwrap();
    let ours = common::read(site.join(format!("public/{page}/index.html")));
    (ours, reference(body))
}

/// Drops the `id` attributes of headings, which ssgx adds.
fn without_heading_ids(html: &str) -> String {
    let re = regex::Regex::new(r#"<(h[1-6]) id="[^"]*">"#).unwrap();
    re.replace_all(html, "<$1>").into_owned()
}

#[test]
fn real_world_markdown_renders_as_pulldown_cmark_does() {
    let dir = common::copy_fixture("realworld-site");
    let run = common::build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in ["readme-tool", "contributing"] {
        let (ours, expected) = built_and_reference(dir.path(), page);
        assert_eq!(
            without_heading_ids(&ours),
            expected,
            "{page} differs from pulldown-cmark"
        );
        // The ids are there, unique, in GitHub's style.
        if page == "readme-tool" {
            for id in [
                "install",
                "faq",
                "faq-1",
                "from-the-command-line",
                "table-of-contents",
            ] {
                assert!(ours.contains(&format!(" id=\"{id}\"")), "{id} in {ours}");
            }
        }
    }
}

/// Undoes highlighting: a highlighted block's `<pre>` as pulldown-cmark
/// writes it, and the spans inside it dropped (their text kept).
fn without_highlighting(html: &str) -> String {
    let pre = regex::Regex::new(
        r#"(?s)<pre class="ssgx-code z-code" data-lang="[^"]*">(<code class="language-[^"]*">)(.*?)</code></pre>"#,
    )
    .unwrap();
    let span = regex::Regex::new(r#"<span class="z-[a-z-]+">|</span>"#).unwrap();
    pre.replace_all(html, |c: &regex::Captures<'_>| {
        format!("<pre>{}{}</code></pre>", &c[1], span.replace_all(&c[2], ""))
    })
    .into_owned()
}

#[test]
fn highlighting_keeps_real_world_code_as_written() {
    for engine in ["lexical", "tree-sitter"] {
        let dir = common::copy_fixture("realworld-site");
        let config = dir.path().join("ssgx.toml");
        let text = common::read(&config)
            + &format!("\n[markdown]\nhighlight_code = true\nhighlight_engine = \"{engine}\"\n");
        std::fs::write(&config, text).unwrap();
        let run = common::build(dir.path());
        assert_eq!(run.code, 0, "{}", run.stderr);
        for page in ["readme-tool", "contributing"] {
            let (ours, reference) = built_and_reference(dir.path(), page);
            // Highlighted, not merely wrapped: every language but the
            // unknown `handlebars` gets classes.
            let blocks = ours.matches("<pre class=\"ssgx-code z-code\"").count();
            let expected = if page == "contributing" { 11 } else { 2 };
            assert_eq!(blocks, expected, "{engine} {page}: {ours}");
            assert_eq!(
                without_highlighting(&without_heading_ids(&ours)),
                reference,
                "{engine}: {page} differs from pulldown-cmark beyond highlighting"
            );
        }
        assert!(
            run.stderr.contains("unknown language `handlebars`"),
            "{}",
            run.stderr
        );
    }
}
