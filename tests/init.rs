//! `ssgx init` and `ssgx new page`: sites and pages that build as made, and
//! never a file overwritten.

mod common;

use std::path::Path;

#[test]
fn init_makes_a_site_that_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let run = common::ssgx(tmp.path(), &["init", "my-site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let site = tmp.path().join("my-site");
    for file in [
        "ssgx.toml",
        "netlify.toml",
        ".gitignore",
        "site/_index.md",
        "site/blog/_index.md",
        "site/blog/first-post.md",
    ] {
        assert!(site.join(file).is_file(), "{file} missing");
    }
    assert!(
        common::read(site.join("ssgx.toml")).contains("title = \"My site\""),
        "title from the folder name"
    );
    assert!(common::read(site.join("netlify.toml")).contains("command = \"ssgx build\""));
    // Functions read secrets from `.env` files: never committed by default.
    let ignored = common::read(site.join(".gitignore"));
    assert!(ignored.contains("\n.env*\n!.env.example\n"), "{ignored}");

    let built = common::build(&site);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let post = common::read(site.join("public/blog/first-post/index.html"));
    assert!(post.contains("First post"), "{post}");
    assert!(post.contains("class=\"z-"), "code is highlighted: {post}");
    assert!(post.contains("href=\"/\""), "the @/ link resolved: {post}");
    let home = common::read(site.join("public/index.html"));
    assert!(home.contains("/blog/first-post/"), "{home}");
    assert!(site.join("public/tags/welcome/index.html").is_file());
    assert!(site.join("public/atom.xml").is_file());
}

#[test]
fn init_never_overwrites_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(common::ssgx(dir, &["init"]).code, 0);
    std::fs::write(dir.join("site/blog/first-post.md"), "my own words\n").unwrap();
    let before = common::snapshot(dir);
    let again = common::ssgx(dir, &["init"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again.stderr.contains("this folder holds a site already")
            && again.stderr.contains("site/blog/first-post.md"),
        "{}",
        again.stderr
    );
    assert_eq!(before, common::snapshot(dir), "nothing changed");
}

#[test]
fn init_refuses_before_writing_and_keeps_project_files() {
    let tmp = tempfile::tempdir().unwrap();
    // One site file present: refused, and nothing else is made.
    let partial = tmp.path().join("partial");
    std::fs::create_dir_all(partial.join("site")).unwrap();
    std::fs::write(partial.join("site/_index.md"), "+++\n+++\nmine\n").unwrap();
    let run = common::ssgx(tmp.path(), &["init", "partial"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("site/_index.md is there"),
        "{}",
        run.stderr
    );
    assert!(!partial.join("ssgx.toml").exists());
    assert_eq!(
        common::read(partial.join("site/_index.md")),
        "+++\n+++\nmine\n"
    );

    // A project's own .gitignore and netlify.toml are kept as they are.
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join(".gitignore"), "target/\n").unwrap();
    std::fs::write(project.join("notes.md"), "# Notes\n").unwrap();
    std::fs::write(project.join("netlify.toml"), "[build]\npublish = \"out\"\n").unwrap();
    let run = common::ssgx(
        tmp.path(),
        &["init", "project", "--title", "Ada's \"notes\""],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(common::read(project.join(".gitignore")), "target/\n");
    assert_eq!(
        common::read(project.join("netlify.toml")),
        "[build]\npublish = \"out\"\n"
    );
    assert!(
        run.stderr.contains("Kept your .gitignore")
            && run.stderr.contains("Kept your netlify.toml")
            && run.stderr.contains("move notes.md into it"),
        "{}",
        run.stderr
    );
    // The title survives TOML quoting, and the site builds (into the
    // publish folder netlify.toml names).
    let built = common::build(Path::new(&project));
    assert_eq!(built.code, 0, "{}", built.stderr);
    let home = common::read(project.join("out/index.html"));
    assert!(
        home.contains("<title>Ada&#39;s &quot;notes&quot;</title>"),
        "{home}"
    );
}

#[test]
fn new_page_writes_front_matter_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(common::ssgx(dir, &["init"]).code, 0);

    let run = common::ssgx(dir, &["new", "page", "blog/second-post"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("served at /blog/second-post/"),
        "{}",
        run.stderr
    );
    let text = common::read(dir.join("site/blog/second-post.md"));
    assert!(
        text.starts_with("+++\ntitle = \"Second post\"\ndate = "),
        "{text}"
    );
    assert!(!text.contains("draft"), "{text}");

    // A bundle, a quoted title and a draft.
    let run = common::ssgx(
        dir,
        &[
            "new",
            "page",
            "blog/trip/",
            "--title",
            "Our \"trip\"",
            "--draft",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = common::read(dir.join("site/blog/trip/index.md"));
    assert!(
        text.contains("title = 'Our \"trip\"'") && text.contains("draft = true"),
        "{text}"
    );
    assert!(
        run.stderr
            .contains("a draft: served at /blog/trip/ by `ssgx dev --drafts`"),
        "{}",
        run.stderr
    );

    let built = common::build(dir);
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(dir.join("public/blog/second-post/index.html").is_file());
    assert!(!dir.join("public/blog/trip").exists(), "drafts stay out");

    let before = common::snapshot(&dir.join("site"));
    for (path, needle) in [
        ("blog/second-post.md", "exists already"),
        ("../outside.md", "leaves the content folder"),
        ("notes.txt", "not a Markdown file"),
    ] {
        let run = common::ssgx(dir, &["new", "page", path]);
        assert_eq!(run.code, 1, "{path}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{path}: {}", run.stderr);
    }
    assert_eq!(before, common::snapshot(&dir.join("site")));
    assert!(!tmp.path().join("outside.md").exists());
}
