//! Every user error names the file, the line and the column, shows a hint,
//! exits with code 1, never panics, and writes nothing.

mod common;

use common::{build, copy_fixture};

/// Builds an invalid fixture and returns stderr after the common checks.
fn fails(fixture: &str, location: &str) -> String {
    let dir = copy_fixture(fixture);
    let run = build(dir.path());
    assert_eq!(run.code, 1, "{fixture}: exit code\n{}", run.stderr);
    assert!(
        run.stderr.contains(location),
        "{fixture}: expected `{location}` in:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "{fixture} panicked:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("RUST_BACKTRACE"), "{}", run.stderr);
    assert!(
        !dir.path().join("public").exists(),
        "{fixture}: a failed build wrote output"
    );
    run.stderr
}

#[test]
fn invalid_toml_front_matter() {
    let err = fails("err-toml", "site/bad.md:3:");
    assert!(err.contains("invalid TOML front matter"), "{err}");
    // Broken syntax gets a syntax hint, not the list of known keys.
    assert!(err.contains("`key = value` lines"), "{err}");
    assert!(!err.contains("front matter keys here are"), "{err}");
}

#[test]
fn invalid_yaml_front_matter() {
    let err = fails("err-yaml", "site/bad.md:");
    assert!(err.contains("invalid YAML front matter"), "{err}");
    // The error is inside the front matter (lines 2-4), not at line 1.
    assert!(!err.contains("site/bad.md:1:"), "{err}");
    assert!(err.contains("`key: value` lines"), "{err}");
    assert!(!err.contains("front matter keys here are"), "{err}");
}

#[test]
fn unknown_front_matter_key() {
    let err = fails("err-unknown-key", "site/page.md:3:1");
    assert!(err.contains("colour"), "{err}");
    assert!(
        err.contains("front matter keys here are") && err.contains("[extra]"),
        "the hint lists the keys and says where custom keys go:\n{err}"
    );
}

#[test]
fn unknown_config_key() {
    let err = fails("err-config-key", "ssgx.toml:2:1");
    assert!(err.contains("base_uri"), "{err}");
    assert!(
        err.contains("base_url"),
        "the hint lists the known keys:\n{err}"
    );
}

#[test]
fn two_pages_claim_one_url() {
    let err = fails("err-duplicate-url", "site/two.md:3:1");
    assert!(err.contains("/one/"), "{err}");
    assert!(err.contains("site/one.md"), "names the other file:\n{err}");
}

#[test]
fn missing_template() {
    let err = fails("err-missing-template", "site/page.md:3:1");
    assert!(err.contains("fancy.html"), "{err}");
}

#[test]
fn tera_syntax_error() {
    let err = fails("err-tera-syntax", "templates/page.html:3:");
    assert!(err.contains("syntax error"), "{err}");
}

#[test]
fn tera_runtime_error() {
    let err = fails("err-tera-runtime", "templates/page.html:4:");
    assert!(err.contains("page.no_such_field"), "{err}");
    assert!(
        err.contains("page.md"),
        "names the page being rendered:\n{err}"
    );
}

#[test]
fn non_utf8_file() {
    let err = fails("err-non-utf8", "site/latin1.md:2:13");
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn unreadable_file() {
    let err = fails("err-unreadable", "site/broken.md");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn broken_internal_link() {
    let err = fails("err-broken-link", "site/page.md:3:5");
    assert!(err.contains("@/nowhere.md"), "{err}");
}

#[test]
fn all_errors_are_reported_together() {
    let err = fails("err-many", "site/a.md:3:1");
    assert!(
        err.contains("site/b.md:4:3"),
        "second error missing:\n{err}"
    );
    assert!(err.contains("2 errors"), "{err}");
}

#[test]
fn output_folder_that_holds_the_project_is_refused() {
    let dir = copy_fixture("basic");
    for bad in [".", "..", "site", "static", "/tmp/ssgx-outside-the-project"] {
        let run = common::ssgx(dir.path(), &["build", "--output", bad]);
        assert_eq!(
            run.code, 1,
            "--output {bad} must be refused:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("refusing to write the site"),
            "{}",
            run.stderr
        );
    }
    // Nothing was deleted by the refused builds.
    assert!(dir.path().join("site/_index.md").exists());
    assert!(dir.path().join("static/robots.txt").exists());
}

#[test]
fn page_path_leaving_the_site_is_refused() {
    let dir = copy_fixture("err-path-escape");
    let run = build(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("site/page.md:3:1"), "{}", run.stderr);
    assert!(!dir.path().join("outside").exists());
}

#[test]
fn invalid_netlify_toml() {
    let dir = copy_fixture("basic");
    std::fs::write(dir.path().join("netlify.toml"), "[build]\npublish = \n").unwrap();
    let run = build(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("netlify.toml:2:"), "{}", run.stderr);
}

#[test]
fn broken_internal_anchor() {
    let err = fails("err-broken-anchor", "site/page.md:3:5");
    assert!(err.contains("no-such-heading"), "{err}");
    assert!(
        err.contains("real-heading"),
        "the hint lists the ids there are:\n{err}"
    );
}
