//! Content: walks the content folder, parses front matter and builds the
//! section/page tree with every URL assigned.
//!
//! Public surface: [`load`] gives a [`Library`] (pages, sections, colocated
//! assets) or every error found. Markdown is not rendered here; the body of
//! each file is kept for the markdown stage.

pub mod dates;
pub mod front_matter;
mod order;
mod slug;
pub mod taxonomy;
mod tree;
mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use dates::PageDate;
pub use front_matter::{PageFrontMatter, SectionFrontMatter, SortBy};
pub use slug::{github_heading_id, slugify};
pub use taxonomy::{Taxonomy, Term};
pub use tree::load;

pub type PageId = usize;
pub type SectionId = usize;

/// A Markdown file of the content folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the content folder with `/` separators: the key of
    /// `@/` links and `get_page`.
    pub rel: String,
    /// Path shown in messages (relative to the project root).
    pub display: PathBuf,
    pub text: Arc<str>,
    /// Byte range of the front matter (without delimiters) in `text`.
    pub front_matter: std::ops::Range<usize>,
    /// Byte offset of the Markdown body in `text`.
    pub body_start: usize,
}

impl SourceFile {
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }

    /// Byte offset of a front matter key's line, else the file's start.
    pub fn key_offset(&self, key: &str) -> usize {
        let split = front_matter::Split {
            format: front_matter::Format::None,
            front_matter: &self.text[self.front_matter.clone()],
            front_matter_start: self.front_matter.start,
            body_start: self.body_start,
        };
        front_matter::key_offset(&split, key).unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct Page {
    pub file: SourceFile,
    pub meta: PageFrontMatter,
    pub slug: String,
    /// URL path, `/blog/hello/`.
    pub path: String,
    pub date: Option<PageDate>,
    pub updated: Option<PageDate>,
    pub section: SectionId,
    /// Output-relative URLs of the files colocated with a page bundle.
    pub assets: Vec<String>,
    /// Neighbours in the section's order.
    pub lower: Option<PageId>,
    pub higher: Option<PageId>,
}

#[derive(Debug, Clone)]
pub struct Section {
    /// `_index.md`; for a folder without one, an empty stand-in.
    pub file: SourceFile,
    pub meta: SectionFrontMatter,
    pub path: String,
    pub parent: Option<SectionId>,
    /// In the section's sort order; includes transparent children's pages.
    pub pages: Vec<PageId>,
    pub subsections: Vec<SectionId>,
    pub assets: Vec<String>,
}

/// A file copied as it is into the output.
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    /// Output-relative path with `/` separators.
    pub dest: String,
}

/// A page or a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Page(PageId),
    Section(SectionId),
}

/// The whole content tree. Section 0 is the root.
#[derive(Debug, Default)]
pub struct Library {
    pub pages: Vec<Page>,
    pub sections: Vec<Section>,
    pub assets: Vec<Asset>,
    /// `SourceFile::rel` → item, for `@/` links and `get_page`.
    pub by_rel: HashMap<String, Item>,
    /// Markdown files that failed to load (their errors are reported);
    /// links to them are not reported as broken as well.
    pub failed: Vec<String>,
    /// Pages dated in the future, left out (without `--future`): when
    /// each is due (UTC), and its file. Soonest first.
    pub future: Vec<(chrono::NaiveDateTime, String)>,
}

impl Library {
    /// Frees the Markdown sources once no later stage reports errors in
    /// them: on a big site they are a large share of the build's memory.
    pub fn release_sources(&mut self) {
        let empty: Arc<str> = Arc::from("");
        let files = self
            .pages
            .iter_mut()
            .map(|p| &mut p.file)
            .chain(self.sections.iter_mut().map(|s| &mut s.file));
        for file in files {
            file.text = Arc::clone(&empty);
            file.front_matter = 0..0;
            file.body_start = 0;
        }
    }

    /// URL path of a page or section.
    pub fn path_of(&self, item: Item) -> &str {
        match item {
            Item::Page(id) => &self.pages[id].path,
            Item::Section(id) => &self.sections[id].path,
        }
    }

    /// The section's page template, from the nearest section that sets one.
    pub fn page_template_for(&self, mut section: SectionId) -> Option<&str> {
        loop {
            let s = &self.sections[section];
            if let Some(t) = &s.meta.page_template {
                return Some(t);
            }
            section = s.parent?;
        }
    }
}

/// Joins a base URL and a site path into a permalink.
pub fn permalink(base_url: &str, path: &str) -> String {
    format!("{base_url}{path}")
}

/// A `/`-separated relative path from a filesystem one.
pub fn rel_string(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
