//! `ssgx build` on valid sites: the content model, templates, static files
//! and the output writer, checked on the files it writes.

mod common;

use std::fs;

use common::{build, copy_fixture, read, snapshot};

#[test]
fn basic_site_renders_the_content_model() {
    let dir = copy_fixture("basic");
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dir.path().join("public");

    // Sections, pages, date prefix stripped from the slug.
    let home = read(out.join("index.html"));
    assert!(
        home.contains("Welcome to the <strong>basic</strong> fixture."),
        "{home}"
    );
    let first = read(out.join("blog/first-post/index.html"));
    assert!(
        first.contains(r#"<h1 class="fixture">First post</h1>"#),
        "site template overrides the theme"
    );
    assert!(
        first.contains("hello from extra"),
        "config.extra reaches templates"
    );
    assert!(
        first.contains(r#"href="/blog/second/#details""#),
        "@/ link with anchor resolved:\n{first}"
    );

    // Drafts are skipped unless --drafts.
    assert!(!out.join("blog/draft").exists());

    // Page bundle with its asset beside it.
    assert_eq!(
        read(out.join("blog/bundle/photo.txt")),
        "not really a photo\n"
    );
    assert!(read(out.join("blog/bundle/index.html")).contains(r#"src="photo.txt""#));

    // `path` and `slug` overrides (slugs are slugified).
    assert!(out.join("about-us/index.html").exists());
    assert!(out.join("docs/custom-slug/index.html").exists());

    // Section order by date, newest first, and transparent sections list
    // their pages in the parent.
    let blog = read(out.join("blog/index.html"));
    let (second, first_pos, bundle) = (
        blog.find("Second post").expect("second listed"),
        blog.find("First post").expect("first listed"),
        blog.find("A bundle").expect("bundle listed"),
    );
    assert!(
        second < first_pos && first_pos < bundle,
        "date order:\n{blog}"
    );
    let docs = read(out.join("docs/index.html"));
    assert!(
        docs.find(">A<").expect("A") < docs.find(">B<").expect("B"),
        "weight order:\n{docs}"
    );
    assert!(
        home.contains("/docs/custom-slug/"),
        "transparent section's pages listed in the parent:\n{home}"
    );

    // Taxonomies: list and term pages, terms slugified and merged.
    let tags = read(out.join("tags/index.html"));
    assert!(
        tags.contains("/tags/rust/") && tags.contains("/tags/web/"),
        "{tags}"
    );
    let rust = read(out.join("tags/rust/index.html"));
    assert!(
        rust.contains("First post") && rust.contains("Second post"),
        "{rust}"
    );

    // Static files, theme stylesheet, 404 page.
    assert_eq!(read(out.join("robots.txt")), "User-agent: *\n");
    assert!(out.join("theme.css").exists());
    assert!(read(out.join("404.html")).contains("Page not found"));
}

#[test]
fn drafts_flag_includes_drafts() {
    let dir = copy_fixture("basic");
    let run = common::ssgx(dir.path(), &["build", "--drafts"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("public/blog/draft/index.html").exists());
}

#[test]
fn summary_and_base_url() {
    let dir = copy_fixture("basic");
    fs::write(
        dir.path().join("templates/section.html"),
        "{% for p in section.pages %}[{{ p.permalink }}|{{ p.summary | default(value='-') | safe }}]{% endfor %}",
    )
    .unwrap();
    let run = common::ssgx(dir.path(), &["build", "--base-url", "https://example.com/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let blog = read(dir.path().join("public/blog/index.html"));
    assert!(
        blog.contains(
            "[https://example.com/blog/first-post/|<p>The summary of the first post.</p>]"
        ),
        "{blog}"
    );
}

#[test]
fn folder_of_three_markdown_files_builds_with_the_embedded_theme() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("one.md"), "# One\n\nThe first.\n").unwrap();
    fs::write(
        dir.path().join("two.md"),
        "---\ntitle: Two\n---\nThe second.\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("three.md"),
        "+++\ntitle = \"Three\"\n+++\nThe third.\n",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dir.path().join("public");
    let home = read(out.join("index.html"));
    for link in ["/one/", "/two/", "/three/"] {
        assert!(home.contains(link), "home lists {link}:\n{home}");
    }
    // No site title set: the home page is still titled.
    assert!(home.contains("<title>Home</title>"), "{home}");
    let two = read(out.join("two/index.html"));
    assert!(
        two.contains("<h1>Two</h1>") && two.contains("The second."),
        "{two}"
    );
    assert!(two.contains("theme.css") && out.join("theme.css").exists());
    assert!(
        two.contains(r##"<a class="skip-link" href="#main">"##),
        "accessible theme"
    );
}

/// A folder of READMEs linking each other by relative path, as on GitHub:
/// the links reach the pages; a wrong anchor is an error with its place.
#[test]
fn relative_links_between_markdown_files_reach_their_pages() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("docs")).unwrap();
    fs::write(
        dir.path().join("README.md"),
        "# Project\n\nRead [the guide](docs/guide.md#set-up) or [the license](LICENSE.md).\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("docs/guide.md"),
        "# Guide\n\n## Set up\n\nBack to [the readme](../README.md).\n",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dir.path().join("public");
    // The README is the home page, as on GitHub.
    let readme = read(out.join("index.html"));
    assert!(
        readme.contains(r##"href="/docs/guide/#set-up""##),
        "{readme}"
    );
    // No such page: left as written.
    assert!(readme.contains(r#"href="LICENSE.md""#), "{readme}");
    let guide = read(out.join("docs/guide/index.html"));
    assert!(guide.contains(r#"href="/""#), "{guide}");

    fs::write(
        dir.path().join("docs/guide.md"),
        "# Guide\n\nBack to [the readme](../README.md#nowhere).\n",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("docs/guide.md:3:9") && run.stderr.contains("`nowhere`"),
        "{}",
        run.stderr
    );
}

#[test]
fn rebuild_writes_only_changes_and_removes_stale_files() {
    let dir = copy_fixture("basic");
    assert_eq!(build(dir.path()).code, 0);
    let out = dir.path().join("public");
    let about = out.join("about-us/index.html");
    let before = fs::metadata(&about).unwrap().modified().unwrap();

    // A stale file from an older build, and a removed page.
    fs::write(out.join("old.html"), "stale").unwrap();
    fs::remove_file(dir.path().join("site/docs/b.md")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!out.join("old.html").exists(), "stale file removed");
    assert!(
        !out.join("docs/b").exists(),
        "removed page's folder removed"
    );
    assert_eq!(
        fs::metadata(&about).unwrap().modified().unwrap(),
        before,
        "unchanged file not rewritten"
    );
    assert!(run.stderr.contains("removed"), "{}", run.stderr);
}

#[test]
fn failed_build_leaves_previous_output_byte_identical() {
    let dir = copy_fixture("basic");
    // Many pages, so the failure is halfway through rendering.
    for i in 0..40 {
        fs::write(
            dir.path().join(format!("site/blog/p{i:02}.md")),
            format!("+++\ntitle = \"P{i}\"\n+++\nBody {i}.\n"),
        )
        .unwrap();
    }
    assert_eq!(build(dir.path()).code, 0);
    let out = dir.path().join("public");
    let before = snapshot(&out);
    assert!(before.len() > 40);

    // Every page changes, and one page of many uses a failing template.
    for i in 0..40 {
        fs::write(
            dir.path().join(format!("site/blog/p{i:02}.md")),
            format!("+++\ntitle = \"P{i} changed\"\n+++\nNew body {i}.\n"),
        )
        .unwrap();
    }
    fs::write(
        dir.path().join("templates/broken.html"),
        "{{ page.missing_value }}",
    )
    .unwrap();
    fs::write(
        dir.path().join("site/blog/p20.md"),
        "+++\ntitle = \"P20\"\ntemplate = \"broken.html\"\n+++\n",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("templates/broken.html:1:"),
        "{}",
        run.stderr
    );
    assert_eq!(
        snapshot(&out),
        before,
        "public/ changed after a failed build"
    );
}

#[test]
fn netlify_environment_sets_the_base_url() {
    let dir = copy_fixture("basic");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssgx"))
        .args(["build"])
        .current_dir(dir.path())
        .env("NETLIFY", "true")
        .env("CONTEXT", "deploy-preview")
        .env("URL", "https://site.example")
        .env("DEPLOY_PRIME_URL", "https://preview--site.example")
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = read(dir.path().join("public/blog/first-post/index.html"));
    assert!(
        page.contains("https://preview--site.example/blog/second/#details"),
        "{page}"
    );
}

#[test]
fn help_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let help = common::ssgx(dir.path(), &["build", "--help"]);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.contains("--base-url") && help.stdout.contains("Examples:"),
        "{}",
        help.stdout
    );
    let version = common::ssgx(dir.path(), &["--version"]);
    assert!(version.stdout.starts_with("ssgx "), "{}", version.stdout);
}

#[test]
fn netlify_publish_folder_is_the_default_output() {
    let dir = copy_fixture("basic");
    fs::write(
        dir.path().join("netlify.toml"),
        "[build]\ncommand = \"ssgx build\"\npublish = \"dist\"\n",
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("dist/index.html").exists());
    assert!(!dir.path().join("public").exists());
    // ssgx.toml's output_dir wins over netlify.toml.
    let config = read(dir.path().join("ssgx.toml"));
    fs::write(
        dir.path().join("ssgx.toml"),
        format!("output_dir = \"out\"\n{config}"),
    )
    .unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("out/index.html").exists());
}

/// A plain folder of Markdown reads as GitHub shows it: each folder's
/// README.md is its index, and a file without a front-matter title is
/// titled by the `# heading` it opens with, shown once.
#[test]
fn readmes_are_folder_indexes_and_first_headings_are_titles() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("docs")).unwrap();
    fs::create_dir_all(root.join("blog")).unwrap();
    fs::write(
        root.join("README.md"),
        "# My Project\n\nSee [the docs](@/docs/_index.md).\n",
    )
    .unwrap();
    fs::write(root.join("docs/README.md"), "\n# Docs index\n\nAll docs.\n").unwrap();
    fs::write(
        root.join("docs/guide.md"),
        "The *Guide*\n===========\n\n## Set up\n",
    )
    .unwrap();
    fs::write(
        root.join("docs/notes.md"),
        "Just text.\n\n# Later heading\n",
    )
    .unwrap();
    // With an `_index.md` beside it, a README stays a page of its own.
    fs::write(root.join("blog/_index.md"), "+++\ntitle = \"Blog\"\n+++\n").unwrap();
    fs::write(root.join("blog/README.md"), "# About the blog\n").unwrap();
    let run = build(root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = root.join("public");
    assert!(!out.join("readme").exists());

    let home = read(out.join("index.html"));
    assert!(home.contains("<title>My Project</title>"), "{home}");
    assert_eq!(home.matches("<h1").count(), 1, "{home}");
    assert!(home.contains(r#"href="/docs/""#), "{home}");
    assert!(
        home.contains(">Docs index</a>"),
        "section listed by its heading: {home}"
    );

    let docs = read(out.join("docs/index.html"));
    assert!(docs.contains("<title>Docs index</title>"), "{docs}");
    assert!(docs.contains("All docs."), "{docs}");
    assert_eq!(docs.matches("<h1").count(), 1, "{docs}");
    assert!(docs.contains(">The Guide</a>"), "{docs}");
    // No heading first: no title, so the slug is shown.
    assert!(docs.contains(">notes</a>"), "{docs}");

    let guide = read(out.join("docs/guide/index.html"));
    assert!(guide.contains("<title>The Guide</title>"), "{guide}");
    assert_eq!(guide.matches("<h1").count(), 1, "{guide}");

    let blog_readme = read(out.join("blog/readme/index.html"));
    assert!(blog_readme.contains("<title>About the blog</title>"));

    // A README read as `_index.md` takes section front matter, and says so.
    fs::write(
        root.join("docs/README.md"),
        "+++\ndate = 2024-01-01\n+++\n# Docs\n",
    )
    .unwrap();
    let run = build(root);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("docs/README.md:2:1") && run.stderr.contains("read as `_index.md`"),
        "{}",
        run.stderr
    );
}
