//! Building the [`Library`] from what `walk` found and read (in parallel):
//! sections, pages, bundles and assets, URLs and orders.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::dates::{PageDate, split_date_prefix};
use super::front_matter::{self, PageFrontMatter, SectionFrontMatter};
use super::walk::{Kind, Parsed, Walk, parse_file, walk};
use super::{
    Asset, Item, Library, Page, PageId, Section, SectionId, SourceFile, rel_string, slugify,
};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::Project;

/// Loads the content folder of `project` into a [`Library`]. Files with
/// errors are left out of it, and their errors returned beside it, so later
/// stages can still find the other files' errors in the same build.
pub fn load(project: &Project) -> (Library, Diagnostics) {
    let (walk, mut diags) = walk(project);

    // Read and parse every Markdown file in parallel, keeping walk order.
    let parsed: Vec<Result<Parsed, Diagnostic>> = walk
        .markdown
        .par_iter()
        .map(|rel| parse_file(project, &walk, rel))
        .collect();
    let mut files = Vec::with_capacity(parsed.len());
    let mut failed = Vec::new();
    for (p, rel) in parsed.into_iter().zip(&walk.markdown) {
        match p {
            Ok(p) => files.push(p),
            Err(d) => {
                diags.push(d);
                failed.push(rel_string(rel));
            }
        }
    }

    let mut builder = Builder::new(project, &walk);
    // Sections first (parents before children: BTreeMap order), so pages
    // and assets can find theirs.
    for file in files.iter().filter(|f| matches!(f.kind, Kind::Section(_))) {
        builder.add_section_file(file);
    }
    builder.add_implicit_sections(&files);
    builder.link_sections();
    for file in files.into_iter() {
        if let Kind::Page(meta) = file.kind
            && let Err(d) = builder.add_page(file.source, *meta, &file.rel)
        {
            diags.push(d);
        }
    }
    builder.add_assets(&walk);
    diags.extend(builder.check_unique_paths());
    let mut library = builder.finish();
    library.failed = failed;
    super::order::sort_sections(&mut library);
    (library, diags)
}

/// URL path of a content folder: its components slugified.
fn dir_url(dir: &Path) -> String {
    let mut url = String::from("/");
    for c in dir.components() {
        let s = slugify(&c.as_os_str().to_string_lossy());
        if !s.is_empty() {
            url.push_str(&s);
            url.push('/');
        }
    }
    url
}

struct Builder<'a> {
    project: &'a Project,
    walk: &'a Walk,
    sections: Vec<Section>,
    section_of_dir: BTreeMap<PathBuf, SectionId>,
    /// Folders of draft sections: everything below them is left out.
    draft_dirs: Vec<PathBuf>,
    pages: Vec<Page>,
    page_of_bundle: HashMap<PathBuf, PageId>,
    assets: Vec<Asset>,
    future: Vec<(chrono::NaiveDateTime, String)>,
    now: chrono::NaiveDateTime,
}

impl<'a> Builder<'a> {
    fn new(project: &'a Project, walk: &'a Walk) -> Self {
        let mut b = Builder {
            project,
            walk,
            sections: Vec::new(),
            section_of_dir: BTreeMap::new(),
            draft_dirs: Vec::new(),
            pages: Vec::new(),
            page_of_bundle: HashMap::new(),
            assets: Vec::new(),
            future: Vec::new(),
            now: chrono::Utc::now().naive_utc(),
        };
        // The root section always exists, with or without `_index.md`.
        b.push_section(
            PathBuf::new(),
            b.stand_in(Path::new("")),
            SectionFrontMatter::default(),
        );
        b
    }

    fn stand_in(&self, dir: &Path) -> SourceFile {
        let rel = dir.join("_index.md");
        SourceFile {
            rel: rel_string(&rel),
            display: self
                .project
                .display_path(&self.project.content_dir.join(&rel))
                .to_path_buf(),
            text: Arc::from(""),
            front_matter: 0..0,
            body_start: 0,
        }
    }

    fn is_drafted(&self, rel: &Path) -> bool {
        self.draft_dirs.iter().any(|d| rel.starts_with(d))
    }

    fn push_section(&mut self, dir: PathBuf, file: SourceFile, meta: SectionFrontMatter) {
        let id = self.sections.len();
        self.sections.push(Section {
            file,
            meta,
            path: dir_url(&dir),
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            assets: Vec::new(),
        });
        self.section_of_dir.insert(dir, id);
    }

    fn add_section_file(&mut self, parsed: &Parsed) {
        let Kind::Section(meta) = &parsed.kind else {
            return;
        };
        let dir = parsed
            .rel
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if self.is_drafted(&dir) {
            return;
        }
        if meta.draft && !self.project.drafts {
            self.draft_dirs.push(dir);
            return;
        }
        match self.section_of_dir.get(&dir) {
            // The root stand-in is replaced by the real `_index.md`.
            Some(&id) => {
                self.sections[id].file = parsed.source.clone();
                self.sections[id].meta = (**meta).clone();
            }
            None => self.push_section(dir, parsed.source.clone(), (**meta).clone()),
        }
    }

    /// A folder holding pages but no `_index.md` becomes a plain section.
    fn add_implicit_sections(&mut self, files: &[Parsed]) {
        for f in files {
            if !matches!(f.kind, Kind::Page(_)) {
                continue;
            }
            let page_dir = f.rel.parent().unwrap_or(Path::new(""));
            let dir = if self.walk.bundle_dirs.contains(page_dir) {
                page_dir.parent().unwrap_or(Path::new("")).to_path_buf()
            } else {
                page_dir.to_path_buf()
            };
            if !self.section_of_dir.contains_key(&dir) && !self.is_drafted(&dir) {
                let stand_in = self.stand_in(&dir);
                self.push_section(dir, stand_in, SectionFrontMatter::default());
            }
        }
    }

    fn nearest_section(&self, dir: &Path) -> SectionId {
        dir.ancestors()
            .find_map(|a| self.section_of_dir.get(a).copied())
            .unwrap_or(0)
    }

    fn link_sections(&mut self) {
        let dirs: Vec<(PathBuf, SectionId)> = self
            .section_of_dir
            .iter()
            .map(|(d, i)| (d.clone(), *i))
            .collect();
        for (dir, id) in dirs {
            if let Some(parent_dir) = dir.parent() {
                let parent = self.nearest_section(parent_dir);
                self.sections[id].parent = Some(parent);
                self.sections[parent].subsections.push(id);
            }
        }
    }

    fn add_page(
        &mut self,
        file: SourceFile,
        meta: PageFrontMatter,
        rel: &Path,
    ) -> Result<(), Diagnostic> {
        if (meta.draft && !self.project.drafts) || self.is_drafted(rel) {
            return Ok(());
        }
        let file_dir = rel.parent().unwrap_or(Path::new(""));
        let bundle = self.walk.bundle_dirs.contains(file_dir)
            && rel.file_name().is_some_and(|n| n == "index.md");
        let (stem, section_dir) = if bundle {
            let name = file_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, file_dir.parent().unwrap_or(Path::new("")))
        } else {
            let stem = rel
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (stem, file_dir)
        };
        let section = self.nearest_section(section_dir);

        let (file_date, stem) = match split_date_prefix(&stem) {
            Some((date, rest)) => (Some(date), rest.to_string()),
            None => (None, stem),
        };
        let date = front_matter_date(&file, "date", &meta.date)?.or(file_date);
        let updated = front_matter_date(&file, "updated", &meta.updated)?;
        if let Some(d) = &date
            && d.utc > self.now
            && !self.project.future
        {
            self.future
                .push((d.utc, file.display.display().to_string()));
            return Ok(());
        }

        let slug = match &meta.slug {
            Some(s) => slugify(s),
            None => slugify(&stem),
        };
        let path = page_path(
            &file,
            meta.path.as_deref(),
            &self.sections[section].path,
            &slug,
        )?;
        let id = self.pages.len();
        if bundle {
            self.page_of_bundle.insert(file_dir.to_path_buf(), id);
        }
        self.pages.push(Page {
            file,
            meta,
            slug,
            path,
            date,
            updated,
            section,
            assets: Vec::new(),
            lower: None,
            higher: None,
        });
        self.sections[section].pages.push(id);
        Ok(())
    }

    /// Files of a page bundle go beside the page's `index.html`; other
    /// files are copied to their folder's URL.
    fn add_assets(&mut self, walk: &Walk) {
        for other in &walk.others {
            if self.is_drafted(other) {
                continue;
            }
            if let Some(bundle) = walk.bundle_of(other) {
                // A bundle whose page is a draft has no page here.
                if let Some(&id) = self.page_of_bundle.get(bundle) {
                    let inner = rel_string(other.strip_prefix(bundle).unwrap_or(other));
                    let dest = format!("{}{inner}", &self.pages[id].path[1..]);
                    self.pages[id].assets.push(format!("/{dest}"));
                    self.assets.push(Asset {
                        source: self.project.content_dir.join(other),
                        dest,
                    });
                }
                continue;
            }
            let dir = other.parent().unwrap_or(Path::new(""));
            let name = other
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dest = format!("{}{name}", &dir_url(dir)[1..]);
            let section = self.nearest_section(dir);
            self.sections[section].assets.push(format!("/{dest}"));
            self.assets.push(Asset {
                source: self.project.content_dir.join(other),
                dest,
            });
        }
    }

    /// Two items claiming one URL is an error on the second.
    fn check_unique_paths(&self) -> Vec<Diagnostic> {
        let mut seen: HashMap<&str, &SourceFile> = HashMap::new();
        let mut diags = Vec::new();
        let items = self
            .sections
            .iter()
            .map(|s| (&s.path, &s.file))
            .chain(self.pages.iter().map(|p| (&p.path, &p.file)));
        for (path, file) in items {
            if let Some(first) = seen.get(path.as_str()) {
                let key = if file.key_offset("path") > 0 {
                    "path"
                } else {
                    "slug"
                };
                diags.push(
                    Diagnostic::at_offset(
                        &file.display,
                        &file.text,
                        file.key_offset(key),
                        0,
                        format!(
                            "two pages claim the URL {path}: {} and this file",
                            first.display.display()
                        ),
                    )
                    .with_hint("give one of them another `slug` or `path` in its front matter"),
                );
            } else {
                seen.insert(path, file);
            }
        }
        diags
    }

    fn finish(mut self) -> Library {
        self.future.sort();
        let mut by_rel = HashMap::new();
        for (id, s) in self.sections.iter().enumerate() {
            by_rel.insert(s.file.rel.clone(), Item::Section(id));
            // A README.md standing in for `_index.md` answers to both names
            // (`@/docs/_index.md`, `get_section(path="docs/_index.md")`).
            if let Some(name) = s.file.rel.rsplit('/').next()
                && name != "_index.md"
            {
                let index = format!("{}_index.md", &s.file.rel[..s.file.rel.len() - name.len()]);
                by_rel.insert(index, Item::Section(id));
            }
        }
        for (id, p) in self.pages.iter().enumerate() {
            by_rel.insert(p.file.rel.clone(), Item::Page(id));
        }
        Library {
            pages: self.pages,
            sections: self.sections,
            assets: self.assets,
            by_rel,
            failed: Vec::new(),
            future: self.future,
        }
    }
}

/// The date under `key` of a page's front matter, if it has one; an error
/// at the key when it is not a date.
fn front_matter_date(
    file: &SourceFile,
    key: &str,
    value: &Option<front_matter::DateValue>,
) -> Result<Option<PageDate>, Diagnostic> {
    let Some(v) = value else { return Ok(None) };
    PageDate::parse(&v.0).map(Some).ok_or_else(|| {
        Diagnostic::at_offset(
            &file.display,
            &file.text,
            file.key_offset(key),
            key.len(),
            format!("`{key}` is not a date: `{}`", v.0),
        )
        .with_hint("write dates as 2024-05-01 or 2024-05-01T10:00:00Z")
    })
}

/// A page's URL path: its own `path`, else its section's path and slug.
fn page_path(
    file: &SourceFile,
    own: Option<&str>,
    section_path: &str,
    slug: &str,
) -> Result<String, Diagnostic> {
    match own {
        Some(p) if p.split(['/', '\\']).any(|seg| seg == "..") || p.contains('\\') => {
            Err(Diagnostic::at_offset(
                &file.display,
                &file.text,
                file.key_offset("path"),
                4,
                format!("`path` must stay inside the site: `{p}`"),
            )
            .with_hint("write the URL path from the site's root, such as /about/"))
        }
        Some(p) => Ok(normalize_url_path(p)),
        None if slug.is_empty() => Ok(section_path.to_string()),
        None => Ok(format!("{section_path}{slug}/")),
    }
}

/// `about`, `/about`, `about/` all become `/about/`; `feed.xml` stays a file.
fn normalize_url_path(p: &str) -> String {
    let trimmed = p.trim().trim_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    if last.contains('.') {
        format!("/{trimmed}")
    } else {
        format!("/{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_are_normalised() {
        assert_eq!(normalize_url_path("about"), "/about/");
        assert_eq!(normalize_url_path("/a/b/"), "/a/b/");
        assert_eq!(normalize_url_path("feed.xml"), "/feed.xml");
        assert_eq!(normalize_url_path("/"), "/");
    }

    #[test]
    fn dir_urls_slugify_components() {
        assert_eq!(dir_url(Path::new("")), "/");
        assert_eq!(dir_url(Path::new("My Posts/2024")), "/my-posts/2024/");
    }
}
