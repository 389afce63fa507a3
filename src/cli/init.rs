//! `ssgx init [DIR]`: a small working site to start from (settings, a home
//! page, a blog section with a first post, netlify.toml, .gitignore).
//! Never overwrites a file: an existing site is refused before anything is
//! written, and an existing netlify.toml or .gitignore is left as it is.

use std::path::{Path, PathBuf};

use ssgx::Error;

/// Files that make the site: if any exists, this folder is a site already.
fn site_files(title: &str, today: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ssgx.toml", settings(title)),
        ("site/_index.md", home(title)),
        ("site/blog/_index.md", BLOG_SECTION.to_string()),
        ("site/blog/first-post.md", first_post(today)),
    ]
}

/// Files a project may have for other reasons: kept when they exist.
fn project_files() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "netlify.toml",
            NETLIFY_TOML,
            "for Netlify, set `command = \"ssgx build\"` and `publish = \"public\"` under [build]",
        ),
        (
            ".gitignore",
            GITIGNORE,
            "add `/public/`, `/.ssgx/` and `/.netlify/` to it (they are generated), and `.env*` \
             if your functions read secrets from `.env` files",
        ),
    ]
}

pub fn run(dir: &Path, title: Option<String>) -> Result<(), Error> {
    let title = title.unwrap_or_else(|| default_title(dir));
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let site = site_files(&title, &today);
    // Check everything first, so a refusal leaves nothing half-made.
    let existing: Vec<&str> = site
        .iter()
        .map(|(rel, _)| *rel)
        .filter(|rel| dir.join(rel).symlink_metadata().is_ok())
        .collect();
    if !existing.is_empty() {
        let place = if shown(dir) == Path::new(".") {
            "this folder".to_string()
        } else {
            shown(dir).display().to_string()
        };
        return Err(Error::usage(
            format!(
                "{place} holds a site already: {} {} there",
                existing.join(", "),
                if existing.len() == 1 { "is" } else { "are" }
            ),
            "ssgx init never overwrites files: run it in an empty folder, e.g. `ssgx init my-site`",
        ));
    }
    let mut created = Vec::new();
    for (rel, text) in &site {
        create_new(&dir.join(rel), text)?;
        created.push(*rel);
    }
    let mut kept = Vec::new();
    for (rel, text, advice) in project_files() {
        let path = dir.join(rel);
        if path.symlink_metadata().is_ok() {
            kept.push((rel, advice));
        } else {
            create_new(&path, text)?;
            created.push(rel);
        }
    }
    eprintln!("Created a site in {}:", shown(dir).display());
    for rel in &created {
        eprintln!("  {rel}");
    }
    for (rel, advice) in &kept {
        eprintln!("Kept your {rel}: {advice}.");
    }
    // With site/ in place, Markdown beside ssgx.toml is no longer content.
    let loose: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && !n.eq_ignore_ascii_case("README.md"))
        .collect();
    if !loose.is_empty() {
        eprintln!(
            "Note: the content folder is now site/; move {} into it to keep {} in the site.",
            loose.join(", "),
            if loose.len() == 1 { "it" } else { "them" }
        );
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("  cd {}\n", dir.display())
    };
    eprintln!(
        "Next:\n{cd}  ssgx dev                            # serve it at http://127.0.0.1:8888/, reloading as you edit\n  ssgx new page blog/second-post      # another post, title and date filled in\n  ssgx new function hello --lang js   # a function answering at /.functions/hello\n  ssgx build                          # the site into public/, ready for Netlify"
    );
    Ok(())
}

/// Writes a new file (and its folders); fails rather than replace one.
/// `ssgx new function` writes its files with it too.
pub(crate) fn create_new(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io_at("cannot create", parent, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io_at("cannot create", path, e))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| Error::io_at("cannot write", path, e))
}

/// `my-site` → `My site`; `.` → the current folder's name.
fn default_title(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir));
    let name = absolute
        .components()
        .next_back()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    match title_from_name(&name) {
        t if t.is_empty() => "My site".to_string(),
        t => t,
    }
}

/// `my-first_post` → `My first post`.
pub(crate) fn title_from_name(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn shown(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// A TOML basic string: the title may hold quotes or backslashes.
pub(crate) fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn settings(title: &str) -> String {
    format!(
        r#"# Settings: every key is optional (see the Configuration page of the docs).
title = {title}
description = "A site made with ssgx"
# The address the site is served from. On Netlify the deploy's own address
# is used while this stays unset.
# base_url = "https://example.com"

taxonomies = [{{ name = "tags" }}]
generate_feeds = true

[markdown]
highlight_code = true
insert_anchor_links = "left"
"#,
        title = toml_string(title)
    )
}

fn home(title: &str) -> String {
    format!(
        r#"+++
title = {title}
+++

Welcome! This page is `site/_index.md`. Every folder under `site/` with an
`_index.md` is a section, and every other Markdown file is a page.

Start with [the first post](@/blog/first-post.md).
"#,
        title = toml_string(title)
    )
}

const BLOG_SECTION: &str = r#"+++
title = "Blog"
sort_by = "date"
+++
"#;

fn first_post(today: &str) -> String {
    format!(
        r#"+++
title = "First post"
date = {today}
[taxonomies]
tags = ["welcome"]
+++

This is `site/blog/first-post.md`. Edit it while `ssgx dev` runs and the
page in your browser reloads as you save.

<!-- more -->

## Links that are checked

Links to other pages name their file, like [the home page](@/_index.md);
a link to a page that does not exist stops the build and says where.

## Code

```rust
fn main() {{
    println!("Hello from ssgx!");
}}
```
"#
    )
}

const NETLIFY_TOML: &str = r#"[build]
command = "ssgx build"
publish = "public"
"#;

/// Generated folders, and the `.env` files that hold the functions'
/// secrets (an example file stays shareable).
const GITIGNORE: &str = "/public/\n/.ssgx/\n/.netlify/\n.env*\n!.env.example\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_folder_name() {
        assert_eq!(default_title(Path::new("my-site")), "My site");
        assert_eq!(default_title(Path::new("/tmp/notes_2026")), "Notes 2026");
    }

    #[test]
    fn titles_with_quotes_stay_valid_toml() {
        let text = settings(r#"Ada's "notes" \ more"#);
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(parsed["title"].as_str(), Some(r#"Ada's "notes" \ more"#));
    }
}
