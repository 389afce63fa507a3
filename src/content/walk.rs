//! Finding the content folder's files and reading them: which are pages,
//! sections and page bundles, each Markdown file's text and front matter.
//! The tree (sections, URLs, orders) is built from this in `tree`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use super::front_matter::{self, PageFrontMatter, SectionFrontMatter};
use super::{SourceFile, rel_string};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::Project;

/// The front matter keys, listed when an unknown one is found.
const PAGE_KEYS: &str = "title, description, date, updated, draft, slug, path, aliases, \
                         template, weight, authors, [taxonomies], [extra]";
const SECTION_KEYS: &str = "title, description, sort_by, paginate_by, paginate_path, template, \
                            page_template, weight, draft, transparent, redirect_to, aliases, generate_feeds, [extra]";

/// Project files that are never copied when the content folder is the root.
const ROOT_PROJECT_FILES: &[&str] = &[
    "ssgx.toml",
    "netlify.toml",
    "package.json",
    "package-lock.json",
    "Cargo.toml",
    "Cargo.lock",
];

/// What the walk found, before any file is read.
#[derive(Default)]
pub(super) struct Walk {
    /// Markdown files, relative to the content folder.
    pub markdown: Vec<PathBuf>,
    /// Other files, relative to the content folder.
    pub others: Vec<PathBuf>,
    /// Folders holding `_index.md`.
    pub section_dirs: BTreeSet<PathBuf>,
    /// Folders holding `index.md` (and no `_index.md`): page bundles.
    pub bundle_dirs: BTreeSet<PathBuf>,
    /// `README.md` files standing in for a folder's missing `_index.md`.
    pub readme_indexes: BTreeSet<PathBuf>,
}

impl Walk {
    /// The page bundle folder `rel` lies in, if any (nearest first).
    pub fn bundle_of<'p>(&self, rel: &'p Path) -> Option<&'p Path> {
        rel.ancestors()
            .skip(1)
            .find(|a| self.bundle_dirs.contains(*a))
    }
}

/// Every file under the content folder (hidden ones and the project's own
/// files left out), sorted by name; unreadable entries are errors.
pub(super) fn walk(project: &Project) -> (Walk, Diagnostics) {
    let root = &project.content_dir;
    let excluded = if project.content_is_root {
        project.excluded_from_content()
    } else {
        Vec::new()
    };
    let mut out = Walk::default();
    let mut diags = Diagnostics::default();
    // Links are followed (content is often linked in); a dangling one is
    // reported as unreadable rather than skipped in silence.
    let entries = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            !hidden && !excluded.iter().any(|x| e.path() == x)
        });
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| project.display_path(p).to_path_buf())
                    .unwrap_or_default();
                let why = match e.io_error() {
                    Some(io) => io.to_string(),
                    None => "a link here loops back to a folder above it".to_string(),
                };
                diags.push(
                    Diagnostic::in_file(&path, 1, 1, format!("cannot read: {why}")).with_hint(
                        "if this is a link, restore its target or remove the link; \
                         otherwise check the file's permissions",
                    ),
                );
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root).map(Path::to_path_buf) else {
            continue;
        };
        let parent = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        match rel.file_name().and_then(|n| n.to_str()) {
            Some("_index.md") => {
                out.section_dirs.insert(parent);
                out.markdown.push(rel);
            }
            Some(name) if name.ends_with(".md") => {
                if name == "index.md" && !parent.as_os_str().is_empty() {
                    out.bundle_dirs.insert(parent);
                }
                out.markdown.push(rel);
            }
            Some(name)
                if project.content_is_root
                    && parent.as_os_str().is_empty()
                    && ROOT_PROJECT_FILES.contains(&name) => {}
            _ => out.others.push(rel),
        }
    }
    // A folder with `_index.md` is a section even if it also has `index.md`.
    let sections = out.section_dirs.clone();
    out.bundle_dirs.retain(|d| !sections.contains(d));
    adopt_readmes(&mut out);
    (out, diags)
}

/// A folder's `README.md` is its index when it has no `_index.md`, as on
/// GitHub (and in mdBook): a plain folder of Markdown gets its README as
/// the home page rather than at `/readme/`. Page bundles keep theirs as an
/// asset. On a case-sensitive disk, the first of `README.md`, `Readme.md`,
/// `readme.md` wins; the others stay pages.
fn adopt_readmes(walk: &mut Walk) {
    let readmes: Vec<PathBuf> = walk
        .markdown
        .iter()
        .filter(|rel| {
            rel.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
        })
        .cloned()
        .collect();
    for rel in readmes {
        let dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        let in_bundle = walk.bundle_dirs.contains(&dir) || walk.bundle_of(&rel).is_some();
        if !in_bundle && walk.section_dirs.insert(dir) {
            walk.readme_indexes.insert(rel);
        }
    }
}

/// The text of the level-1 heading a Markdown body opens with (`# Title`,
/// or `Title` underlined with `===`), inline markup dropped: the title of
/// a file whose front matter sets none, as GitHub and docs tools show it.
/// Only the first block is parsed, so a long page costs nothing more.
pub(super) fn leading_heading(body: &str) -> Option<String> {
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let start = body
        .split_inclusive('\n')
        .take_while(|line| line.trim().is_empty())
        .map(str::len)
        .sum::<usize>();
    let first_block: usize = body[start..]
        .split_inclusive('\n')
        .take(2)
        .map(str::len)
        .sum();
    let mut events = Parser::new_ext(
        &body[start..start + first_block],
        Options::ENABLE_HEADING_ATTRIBUTES,
    );
    if !matches!(
        events.next(),
        Some(Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        }))
    ) {
        return None;
    }
    let mut title = String::new();
    for event in events {
        match event {
            Event::Text(text) | Event::Code(text) => title.push_str(&text),
            Event::SoftBreak | Event::HardBreak => title.push(' '),
            Event::End(TagEnd::Heading(_)) => break,
            _ => {}
        }
    }
    let title = title.trim();
    (!title.is_empty()).then(|| title.to_string())
}

/// What a Markdown file is.
pub(super) enum Kind {
    Page(Box<PageFrontMatter>),
    Section(Box<SectionFrontMatter>),
    /// A Markdown file inside a page bundle: copied as an asset.
    BundleAsset,
}

/// A Markdown file read, its front matter parsed.
pub(super) struct Parsed {
    pub rel: PathBuf,
    pub source: SourceFile,
    pub kind: Kind,
}

/// Reads one Markdown file and parses its front matter; errors name the
/// file, line and column.
pub(super) fn parse_file(project: &Project, walk: &Walk, rel: &Path) -> Result<Parsed, Diagnostic> {
    let abs = project.content_dir.join(rel);
    let display = project.display_path(&abs).to_path_buf();
    let bytes = std::fs::read(&abs)
        .map_err(|e| Diagnostic::in_file(&display, 1, 1, format!("cannot read this file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid prefix is text, so its lines and columns are exact.
        let prefix = String::from_utf8_lossy(valid);
        let (line, column) = crate::diagnostics::line_col(&prefix, prefix.len());
        Diagnostic::in_file(&display, line, column, "this file is not valid UTF-8")
            .with_hint("save it as UTF-8 (most editors offer this under 'Save with encoding')")
    })?;
    let text: Arc<str> = Arc::from(text);
    let is_readme_index = walk.readme_indexes.contains(rel);
    let is_section = is_readme_index || rel.file_name().is_some_and(|n| n == "_index.md");
    let in_bundle = walk.bundle_of(rel).is_some_and(|b| {
        rel.parent() != Some(b) || rel.file_name().is_some_and(|n| n != "index.md")
    });
    let split = front_matter::split(&display, &text)?;
    let body = &text[split.body_start..];
    let kind = if is_section {
        let keys = if is_readme_index {
            format!(
                "{SECTION_KEYS} (this README.md is its folder's index, read as `_index.md` \
                 would be; add an `_index.md` to make the README a page of its own)"
            )
        } else {
            SECTION_KEYS.to_string()
        };
        let mut meta: SectionFrontMatter = front_matter::parse(&display, &text, &split, &keys)?;
        if meta.title.is_none() {
            meta.title = leading_heading(body);
        }
        Kind::Section(Box::new(meta))
    } else if in_bundle {
        Kind::BundleAsset
    } else {
        let mut meta: PageFrontMatter = front_matter::parse(&display, &text, &split, PAGE_KEYS)?;
        if meta.title.is_none() {
            meta.title = leading_heading(body);
        }
        Kind::Page(Box::new(meta))
    };
    let source = SourceFile {
        rel: rel_string(rel),
        display,
        front_matter: split.front_matter_start..split.front_matter_start + split.front_matter.len(),
        body_start: split.body_start,
        text: Arc::clone(&text),
    };
    Ok(Parsed {
        rel: rel.to_path_buf(),
        source,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::leading_heading;

    #[test]
    fn a_body_opening_with_a_level_one_heading_is_titled_by_it() {
        let title = |body: &str| leading_heading(body);
        assert_eq!(title("# Hello\n\ntext"), Some("Hello".into()));
        assert_eq!(title("\n\n  # Hello #\n"), Some("Hello".into()));
        assert_eq!(title("Hello *there*\n===\n"), Some("Hello there".into()));
        assert_eq!(
            title("# The `ssgx` CLI {#cli}\n"),
            Some("The ssgx CLI".into())
        );
        assert_eq!(title("# A &amp; B <br> C"), Some("A & B  C".into()));
        assert_eq!(title("## Second level\n"), None);
        assert_eq!(title("Text first.\n\n# Heading\n"), None);
        assert_eq!(title("Text\nmore text\n"), None);
        assert_eq!(title("    # indented code\n"), None);
        assert_eq!(title("#\n"), None);
        assert_eq!(title(""), None);
    }
}
