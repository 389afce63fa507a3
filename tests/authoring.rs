//! What authors expect from a serious generator, checked on the built
//! output of the `authoring-site` fixture: pagination of sections and
//! terms, Atom and RSS feeds (site, section, term), the sitemap,
//! robots.txt, and aliases as redirect pages plus forced 301 rules that
//! `ssgx serve` answers as Netlify would.

mod common;

use std::path::Path;

use common::{build, copy_fixture, read};

fn built() -> tempfile::TempDir {
    let dir = copy_fixture("authoring-site");
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir
}

/// The titles linked from a listing page, in order.
fn listed(root: &Path, file: &str) -> Vec<String> {
    let html = read(root.join("public").join(file));
    let list = html.split("<ul class=\"page-list\">").nth(1).unwrap_or("");
    let list = list.split("</ul>").next().unwrap_or("");
    list.split("\">Post ")
        .skip(1)
        .map(|s| format!("Post {}", s.split('<').next().unwrap()))
        .collect()
}

/// A server stopped when the test ends, also one that failed: a panic
/// before an explicit kill left `ssgx serve` running.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sections_and_terms_paginate() {
    let dir = built();
    let root = dir.path();
    assert_eq!(listed(root, "blog/index.html"), ["Post 5", "Post 4"]);
    assert_eq!(listed(root, "blog/page/2/index.html"), ["Post 3", "Post 2"]);
    assert_eq!(listed(root, "blog/page/3/index.html"), ["Post 1"]);
    assert!(!root.join("public/blog/page/4").exists());
    let second = read(root.join("public/blog/page/2/index.html"));
    assert!(second.contains(r#"<a rel="prev" href="https://authoring.example/blog/">"#));
    assert!(second.contains(r#"<a rel="next" href="https://authoring.example/blog/page/3/">"#));
    assert!(second.contains("Page 2 of 3"));
    // Page 1 sends the browser back to the listing itself.
    let first = read(root.join("public/blog/page/1/index.html"));
    assert!(
        first.contains(r#"content="0; url=https://authoring.example/blog/""#),
        "{first}"
    );
    // Terms paginate by their taxonomy's setting (2 here).
    assert_eq!(listed(root, "tags/rust/index.html"), ["Post 5", "Post 4"]);
    assert_eq!(listed(root, "tags/rust/page/3/index.html"), ["Post 1"]);
    assert_eq!(listed(root, "tags/web/index.html"), ["Post 2", "Post 1"]);
    assert!(!root.join("public/tags/web/page/2").exists());
}

/// Parses an XML output and returns the texts of elements named `name`.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn feeds_for_the_site_sections_and_terms() {
    let dir = built();
    let public = dir.path().join("public");
    // Site feed: newest first, limited to feed_limit (3), HTML escaped.
    let atom = read(public.join("atom.xml"));
    assert_eq!(texts(&atom, "title")[1..], ["Post 5", "Post 4", "Post 3"]);
    assert_eq!(texts(&atom, "updated")[0], "2024-05-15T00:00:00Z");
    assert!(atom.contains("&lt;em&gt;tag&lt;/em&gt;"), "{atom}");
    let rss = read(public.join("rss.xml"));
    assert_eq!(texts(&rss, "pubDate")[0], "Wed, 15 May 2024 00:00:00 +0000");
    assert_eq!(texts(&rss, "guid").len(), 3);
    // Section and term feeds list their own pages.
    let blog = read(public.join("blog/atom.xml"));
    assert_eq!(texts(&blog, "title")[0], "Authoring fixture · Blog");
    let web = read(public.join("tags/web/rss.xml"));
    assert_eq!(texts(&web, "title")[1..], ["Post 2", "Post 1"]);
    // Pages link the site's feeds.
    let home = read(public.join("index.html"));
    assert!(home.contains(r#"type="application/atom+xml" title="Authoring fixture" href="https://authoring.example/atom.xml""#));
}

#[test]
fn sitemap_and_robots() {
    let dir = built();
    let public = dir.path().join("public");
    let sitemap = read(public.join("sitemap.xml"));
    let locs = texts(&sitemap, "loc");
    for url in [
        "https://authoring.example/",
        "https://authoring.example/about/",
        "https://authoring.example/blog/",
        "https://authoring.example/blog/page/2/",
        "https://authoring.example/blog/post-3/",
        "https://authoring.example/tags/",
        "https://authoring.example/tags/rust/",
        "https://authoring.example/tags/rust/page/3/",
    ] {
        assert!(locs.iter().any(|l| l == url), "{url} missing from {locs:?}");
    }
    // Redirects are not pages.
    assert!(
        !locs
            .iter()
            .any(|l| l.contains("old-about") || l.ends_with("/page/1/"))
    );
    let mut sorted = locs.clone();
    sorted.sort();
    assert_eq!(locs, sorted);
    assert!(sitemap.contains(
        "<loc>https://authoring.example/blog/post-3/</loc>\n    <lastmod>2024-03-13</lastmod>"
    ));
    let robots = read(public.join("robots.txt"));
    assert!(
        robots.contains("Sitemap: https://authoring.example/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn aliases_redirect_with_pages_and_forced_rules() {
    let dir = built();
    let public = dir.path().join("public");
    for (file, to) in [
        ("old-about/index.html", "https://authoring.example/about/"),
        ("legacy/about.html", "https://authoring.example/about/"),
        ("weblog/index.html", "https://authoring.example/blog/"),
    ] {
        let page = read(public.join(file));
        assert!(page.contains(&format!("url={to}\"")), "{file}: {page}");
    }
    let rules = read(public.join("_redirects"));
    assert!(rules.contains("/old-about/  /about/  301!\n/legacy/about.html  /about/  301!\n/weblog/  /blog/  301!\n"), "{rules}");
    // The functions' rewrite comes after the aliases.
    let functions = rules.find("/.functions/*").unwrap();
    assert!(functions > rules.find("/weblog/").unwrap());

    // Served as Netlify would: a real 301, though a page exists there.
    let (child, addr) =
        common::spawn_server(dir.path(), &["serve", "--port", "0"], "ssgx serve: serving");
    let _server = Stopped(child);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(format!("http://{addr}/old-about/"))
        .send()
        .unwrap();
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()["location"], "/about/");
}

#[test]
fn unknown_feed_template_is_an_error_in_the_config() {
    let dir = copy_fixture("authoring-site");
    let config = dir.path().join("ssgx.toml");
    let text = read(&config).replace(r#"["atom.xml", "rss.xml"]"#, r#"["atom.xml", "nope.xml"]"#);
    std::fs::write(&config, text).unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("ssgx.toml:5:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("feed template `nope.xml` not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn markdown_options_and_highlighting() {
    let dir = copy_fixture("markdown-site");
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = read(dir.path().join("public/code/index.html"));
    for expected in [
        // Anchor links, smart punctuation.
        r##"<h2 id="setup"><a class="anchor" href="#setup" aria-label="Link to this heading">#</a>Setup</h2>"##,
        "<p>“Quoted” – and…</p>",
        // Highlighted with classes, one span per token.
        r#"<pre class="ssgx-code z-code" data-lang="rust"><code class="language-rust">"#,
        r#"<span class="z-keyword">fn</span>"#,
        "&lt;hi&gt;",
        r#"<pre class="ssgx-code z-code" data-lang="toml">"#,
        // Unknown and missing languages stay plain.
        "<pre><code class=\"language-klingon\">Qapla'\n</code></pre>",
        "<pre><code>no language\n</code></pre>",
        // External links only get the attributes.
        r#"<a href="https://docs.rs/syntect" target="_blank" rel="noopener noreferrer">the crate</a>"#,
        r#"<a href="https://md.example/">home</a>"#,
        r#"<img src="diagram.png" alt="A diagram" title="Flow" loading="lazy" decoding="async" />"#,
        // Math as KaTeX-ready markup.
        r#"<span class="math math-inline">e^{i\pi} + 1 = 0</span>"#,
        r#"<span class="math math-display">\int_0^1 x\,dx</span>"#,
    ] {
        assert!(html.contains(expected), "missing {expected} in\n{html}");
    }
    assert!(html.contains(r#"<link rel="stylesheet" href="https://md.example/syntax.css">"#));
    let css = read(dir.path().join("public/syntax.css"));
    assert!(css.contains(".z-keyword") && css.contains("@media (prefers-color-scheme: dark)"));
    // The unknown language is a warning with its place, not an error.
    assert!(
        run.stderr
            .contains("site/code.md:17:1: unknown language `klingon`"),
        "{}",
        run.stderr
    );
}

#[test]
fn both_highlight_engines_and_which_one_caches() {
    let dir = copy_fixture("markdown-site");
    let cache = dir.path().join(".ssgx/cache");
    // The default, lexical engine: nothing worth caching.
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lexical = read(dir.path().join("public/code/index.html"));
    assert!(
        lexical.contains(r#"<span class="z-function">println!</span>"#),
        "{lexical}"
    );
    assert!(!cache.exists(), "the lexical engine wrote a cache");
    // Tree-sitter: a parse tree's detail, kept in the block cache.
    let config = dir.path().join("ssgx.toml");
    let text = read(&config).replace(
        "highlight_code = true",
        "highlight_code = true\nhighlight_engine = \"tree-sitter\"",
    );
    std::fs::write(&config, text).unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let parsed = read(dir.path().join("public/code/index.html"));
    assert!(
        parsed.contains(r#"<span class="z-macro">println!</span>"#),
        "{parsed}"
    );
    assert!(parsed.contains(r#"<span class="z-keyword">fn</span>"#));
    assert!(
        std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0) == 1,
        "tree-sitter's blocks are cached in {}",
        cache.display()
    );
    // A misspelt engine is a config error that lists the choices.
    let text = read(&config).replace("\"tree-sitter\"", "\"treesitter\"");
    std::fs::write(&config, text).unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("ssgx.toml:6:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("expected `lexical` or `tree-sitter`"),
        "{}",
        run.stderr
    );
    // A bad value is not helped by the list of top-level keys.
    assert!(!run.stderr.contains("known keys"), "{}", run.stderr);
}

#[test]
fn unknown_highlight_theme_is_an_error_in_the_config() {
    let dir = copy_fixture("markdown-site");
    let config = dir.path().join("ssgx.toml");
    let text = read(&config).replace(
        "highlight_code = true",
        "highlight_code = true\nhighlight_theme = \"Neon\"",
    );
    std::fs::write(&config, text).unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("ssgx.toml:6:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown highlighting theme `Neon`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("github-light"), "{}", run.stderr);
}

#[test]
fn future_pages_wait_unless_asked_for() {
    let dir = copy_fixture("authoring-site");
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!dir.path().join("public/blog/upcoming").exists());
    assert!(
        run.stderr
            .contains("Left out 1 page(s) dated in the future")
            && run
                .stderr
                .contains("site/blog/upcoming.md, is due 2999-01-01T00:00:00Z"),
        "{}",
        run.stderr
    );
    let run = common::ssgx(dir.path(), &["build", "--future"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("public/blog/upcoming/index.html").exists());
    assert!(!run.stderr.contains("Left out"));
}

#[test]
fn sass_compiles_and_errors_point_into_the_partial() {
    let dir = built();
    let css = read(dir.path().join("public/style.css"));
    assert_eq!(css.trim(), "body{color:#102030}body nav{margin:4px}");
    assert!(
        !dir.path().join("public/parts").exists(),
        "partials are not output"
    );

    std::fs::write(
        dir.path().join("sass/parts/_colors.scss"),
        "$ink: #102030;\n$broken: (;\n",
    )
    .unwrap();
    let before = common::snapshot(&dir.path().join("public"));
    let run = build(dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("sass/parts/_colors.scss:2:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Sass error"), "{}", run.stderr);
    assert_eq!(before, common::snapshot(&dir.path().join("public")));
}

#[test]
fn load_data_reads_toml_and_csv() {
    let dir = built();
    let about = read(dir.path().join("public/about/index.html"));
    assert!(
        about.contains(r#"<ul class="team"><li>Ada (maths)</li><li>Grace (compilers)</li></ul>"#),
        "{about}"
    );
    assert!(
        about.contains(r#"<p class="stock">widget=41;gadget=7;</p>"#),
        "{about}"
    );
}

#[test]
fn cachebust_and_integrity_hash_the_served_bytes() {
    use sha2::Digest;
    let dir = built();
    let home = read(dir.path().join("public/index.html"));
    let css = std::fs::read(dir.path().join("public/style.css")).unwrap();
    let sha256: String = sha2::Sha256::digest(&css)
        .iter()
        .take(10)
        .map(|b| format!("{b:02x}"))
        .collect();
    use base64::Engine;
    let sha384 = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&css));
    let expected = format!(
        r#"href="https://authoring.example/style.css?h={sha256}" integrity="sha384-{sha384}""#
    );
    assert!(home.contains(&expected), "{expected} not in\n{home}");
    assert!(
        home.contains("https://authoring.example/theme.css?h="),
        "{home}"
    );

    // A file the site does not have is an error, not a silent link.
    std::fs::write(
        dir.path().join("templates/index.html"),
        "{{ get_url(path='nope.css', cachebust=true) }}",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot cachebust `nope.css`"),
        "{}",
        run.stderr
    );
}

#[test]
fn search_index_and_the_themes_search_box() {
    let dir = built();
    let public = dir.path().join("public");
    let index: serde_json::Value =
        serde_json::from_str(&read(public.join("search_index.json"))).unwrap();
    let about = index
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "About")
        .expect("About is indexed");
    assert_eq!(about["url"], "https://authoring.example/about/");
    assert!(
        about["body"]
            .as_str()
            .unwrap()
            .starts_with("About us & friends."),
        "{about}"
    );
    assert!(public.join("search.js").is_file());

    // In a real browser: typing finds the page. The site's base URL is
    // another host, so serve it with links made for this server.
    let run = common::ssgx(dir.path(), &["build", "--base-url", "/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (child, addr) =
        common::spawn_server(dir.path(), &["serve", "--port", "0"], "ssgx serve: serving");
    let _server = Stopped(child);
    let browser = common::webdriver::Browser::start(true);
    browser.goto(&format!("http://{addr}/blog/"));
    browser.eval(
        "const i = document.querySelector('.site-search input'); i.value = 'friends'; \
         i.dispatchEvent(new Event('input')); return null;",
    );
    browser.wait_for(
        "return Array.from(document.querySelectorAll('.search-results a')).some(a => a.textContent === 'About' && a.getAttribute('href') === '/about/');",
        std::time::Duration::from_secs(20),
    );
}

#[test]
fn minified_pages_keep_code_and_lose_indentation() {
    let dir = copy_fixture("markdown-site");
    let plain = build(dir.path());
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let before = read(dir.path().join("public/code/index.html"));
    let config = dir.path().join("ssgx.toml");
    std::fs::write(&config, format!("minify_html = true\n{}", read(&config))).unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = read(dir.path().join("public/code/index.html"));
    assert!(
        after.len() < before.len(),
        "{} !< {}",
        after.len(),
        before.len()
    );
    assert!(!after.contains("\n  "), "indentation left:\n{after}");
    // Code blocks are byte for byte the same.
    let pre = |html: &str| -> Vec<String> {
        html.split("<pre")
            .skip(1)
            .map(|p| p.split("</pre>").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(pre(&before), pre(&after));
    assert!(after.contains("“Quoted” – and…"));
}
