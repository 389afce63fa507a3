//! Shortcodes through the real binary: typed arguments, bodies, nesting,
//! calls from templates, immunity inside code, and errors that name the
//! file, the line and the shortcode.

mod common;

use common::{build, copy_fixture, read};

fn built_page() -> String {
    let dir = copy_fixture("shortcodes-site");
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    read(dir.path().join("public/all/index.html"))
}

#[test]
fn arguments_arrive_typed_and_escaped() {
    let html = built_page();
    // count + 1, ratio * 2, `on` as a bool, a three-item list; the label
    // escaped by the template as any value is.
    assert!(
        html.contains(
            r#"<p>Inline: <span class="badge" data-count="42" data-on="yes" data-ratio="0.5" data-tags="3:a+b+c\d">new &lt;b&gt;</span> and more.</p>"#
        ),
        "{html}"
    );
}

#[test]
fn bodies_nest_and_render_as_markdown() {
    let html = built_page();
    let outer = html.find(r#"<aside class="note note-warn"><p>Careful: <strong>bold</strong> and <span class="badge" data-count="2" data-on="no" data-ratio="2" data-tags="0:">inner</span>.</p>"#);
    let inner = html.find(r#"<aside class="note note-info"><p>Nested <em>note</em>.</p>"#);
    assert!(outer.is_some() && inner.is_some(), "{html}");
    assert!(outer < inner);
    // A block-level shortcode is not wrapped in a paragraph.
    assert!(!html.contains("<p><aside"), "{html}");
}

#[test]
fn code_and_prose_are_left_as_written() {
    let html = built_page();
    for kept in [
        r#"<code>{{ badge(label="code") }}</code>"#,
        r#"<code>{% note() %}</code>"#,
        "<code class=\"language-tera\">{{ badge(label=\"block\") }}\n{% note() %}\n</code>",
        "<p>Prose stays: {{ page.title }} and {% if x %} and {{ }}.</p>",
        r#"<p>Escaped: {{ badge(label="shown") }}</p>"#,
    ] {
        assert!(html.contains(kept), "missing {kept} in\n{html}");
    }
}

#[test]
fn templates_call_shortcodes_as_functions() {
    let html = built_page();
    assert!(
        html.contains(r#"<p class="from-template"><span class="badge" data-count="2" data-on="yes" data-ratio="2" data-tags="1:x">tpl</span></p>"#),
        "{html}"
    );
}

/// Builds the fixture with `site/bad.md` holding `body` (front matter of
/// three lines first), expecting a failure at `location` saying `message`.
fn fails_with(body: &str, location: &str, message: &str) {
    let dir = copy_fixture("shortcodes-site");
    std::fs::write(
        dir.path().join("site/bad.md"),
        format!("+++\ntitle = \"Bad\"\n+++\n{body}"),
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(location) && run.stderr.contains(message),
        "expected {location} and {message:?} in:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!dir.path().join("public").exists());
}

#[test]
fn errors_name_the_file_line_and_shortcode() {
    fails_with(
        "one\n\ntwo {{ nope(a=1) }}\n",
        "site/bad.md:6:5",
        "unknown shortcode `nope`",
    );
    fails_with(
        "Hi {{ badge(label=unquoted) }}\n",
        "site/bad.md:4:19",
        "shortcode `badge`: `unquoted` is not a value",
    );
    fails_with(
        "x\n{% note() %}\nnever closed\n",
        "site/bad.md:5:1",
        "shortcode `note` has a body but no `{% end %}`",
    );
    fails_with(
        "\n{{ broken() }}\n",
        "site/bad.md:5:1",
        "shortcode `broken`: templates/shortcodes/broken.html failed",
    );
    fails_with(
        "{{ dynamic(function=\"greet\", refresh=\"often\") }}\n",
        "site/bad.md:4:1",
        "shortcode `dynamic`: `refresh` must be a number of seconds",
    );
    fails_with(
        "{% note() %}\n{{ dynamic() }}\n{% end %}\n",
        "site/bad.md:5:1",
        "`function` is missing",
    );
}

#[test]
fn shortcode_templates_can_link_with_get_url() {
    let dir = copy_fixture("shortcodes-site");
    std::fs::write(
        dir.path().join("site/links.md"),
        "+++\ntitle = \"Links\"\n+++\nSee {{ link(to=\"@/all.md#top\", text=\"all\") }} and {{ link(to=\"/files/a.pdf\", text=\"a\") }}.\n",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = read(dir.path().join("public/links/index.html"));
    assert!(
        html.contains(r#"See <a class="link" href="/all/#top">all</a> and <a class="link" href="/files/a.pdf">a</a>."#),
        "{html}"
    );
}

#[test]
fn shortcode_templates_can_look_pages_up_without_their_bodies() {
    let dir = copy_fixture("shortcodes-site");
    let root = dir.path();
    let config = read(root.join("ssgx.toml"));
    std::fs::write(
        root.join("ssgx.toml"),
        format!("{config}\ntaxonomies = [{{ name = \"tags\" }}]\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("templates/shortcodes/card.html"),
        concat!(
            "{% set p = get_page(path=to) %}{% set home = get_section(path=\"_index.md\", metadata_only=true) %}",
            "{% set tags = get_taxonomy(kind=\"tags\") %}",
            "<a class=\"card\" href=\"{{ p.permalink }}\">{{ p.title }} [{{ p.taxonomies.tags | join(sep=\",\") }}]",
            " in {{ home.title }}, {{ tags.items | length }} tag(s), body: {{ p.content | length }}</a>\n",
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("site/target.md"),
        "+++\ntitle = \"Target\"\n[taxonomies]\ntags = [\"rust\", \"web\"]\n+++\nA body that is not there yet.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("site/cards.md"),
        "+++\ntitle = \"Cards\"\n+++\nSee {{ card(to=\"target.md\") }}.\n",
    )
    .unwrap();
    let run = build(root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = read(root.join("public/cards/index.html"));
    assert!(
        html.contains(r#"See <a class="card" href="/target/">Target [rust,web] in Home, 2 tag(s), body: 0</a>."#),
        "{html}"
    );
    // A page that is not there is the shortcode's error, at its call.
    std::fs::write(
        root.join("site/cards.md"),
        "+++\ntitle = \"Cards\"\n+++\nSee {{ card(to=\"missing.md\") }}.\n",
    )
    .unwrap();
    let run = build(root);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("site/cards.md:4:5"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no page or section at `missing.md`"),
        "{}",
        run.stderr
    );
}
