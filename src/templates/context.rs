//! What templates see: pages, sections and taxonomies serialized once, in
//! Zola's shapes, and the per-output contexts built from them.
//!
//! In listings (`section.pages`, `term.pages`) a page carries everything but
//! its `content`, `toc`, `lower` and `higher`: cloning every page's HTML into every listing
//! made a 10k-page site with 50 tags spend most of its build copying. A
//! template that needs a listed page's HTML calls `get_page`. Pages are kept
//! in that listing shape, ready to clone, and their own view adds the rest
//! ([`PageBody`]). The taxonomy list page and `get_taxonomy` carry lighter
//! references still (title, permalink, date, ...).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tera::Context;

use super::assets::AssetFiles;
use crate::content::{Item, Library, Page, PageId, Section, SectionId, Taxonomy, permalink};
use crate::markdown::{Heading, Rendered};
use crate::project::Project;

/// The serialized site, shared by every render and the global functions.
#[derive(Default, Clone)]
pub struct SiteData {
    pub base_url: String,
    pub config: Value,
    /// Pages as listings show them, by [`PageId`] (see
    /// [`SiteData::full_page`] for the rest).
    pub pages: Vec<Value>,
    /// What a page's own view adds to its listing, by [`PageId`].
    pub page_bodies: Vec<PageBody>,
    /// Title, permalink and dates only, by [`PageId`].
    pub page_refs: Vec<Value>,
    /// Sections without their `pages`, by [`SectionId`].
    pub sections: Vec<Value>,
    pub section_pages: Vec<Vec<PageId>>,
    pub by_rel: HashMap<String, Item>,
    pub taxonomies: Vec<Taxonomy>,
    /// The site's files, for cache busting and integrity hashes.
    pub asset_files: Arc<AssetFiles>,
}

impl SiteData {
    /// Serializes everything once. `page_html` and `section_html` are moved
    /// in, not copied: the HTML lives in one place.
    pub fn build(
        project: &Project,
        lib: &Library,
        page_html: Vec<Rendered>,
        section_html: Vec<Rendered>,
        taxonomies: Vec<Taxonomy>,
        asset_files: Arc<AssetFiles>,
    ) -> SiteData {
        let base = project.base_url.as_str();
        let page_refs: Vec<Value> = lib.pages.iter().map(|p| page_ref(base, p)).collect();
        let mut page_bodies = Vec::with_capacity(lib.pages.len());
        let pages: Vec<Value> = lib
            .pages
            .iter()
            .zip(page_html)
            .map(|(p, html)| {
                let (listing, body) = page_value(base, lib, p, html, &page_refs);
                page_bodies.push(body);
                listing
            })
            .collect();
        let sections = lib
            .sections
            .iter()
            .zip(section_html)
            .map(|(s, html)| section_value(base, lib, s, html))
            .collect();
        SiteData {
            base_url: base.to_string(),
            config: config_value(project),
            pages,
            page_bodies,
            page_refs,
            sections,
            section_pages: lib.sections.iter().map(|s| s.pages.clone()).collect(),
            by_rel: lib.by_rel.clone(),
            taxonomies,
            asset_files,
        }
    }

    /// What `get_url` and `get_hash` need, before any page is rendered:
    /// each page's and section's permalink, and the site's files.
    pub fn links_only(project: &Project, lib: &Library, asset_files: Arc<AssetFiles>) -> SiteData {
        let base = project.base_url.as_str();
        let link = |path: &str| json!({ "permalink": permalink(base, path) });
        SiteData {
            base_url: base.to_string(),
            pages: lib.pages.iter().map(|p| link(&p.path)).collect(),
            sections: lib.sections.iter().map(|s| link(&s.path)).collect(),
            by_rel: lib.by_rel.clone(),
            asset_files,
            ..SiteData::default()
        }
    }

    /// What shortcodes see while Markdown renders, when they call
    /// `get_page`, `get_section` or `get_taxonomy`: every page and section
    /// with its front matter, URL and taxonomies, but no body yet
    /// (`content` and `summary` empty, counts zero).
    pub fn before_markdown(
        project: &Project,
        lib: &Library,
        taxonomies: Vec<Taxonomy>,
        asset_files: Arc<AssetFiles>,
    ) -> SiteData {
        let none = |n: usize| (0..n).map(|_| Rendered::default()).collect();
        SiteData::build(
            project,
            lib,
            none(lib.pages.len()),
            none(lib.sections.len()),
            taxonomies,
            asset_files,
        )
    }

    /// Puts a page's new rendering in place (`ssgx dev`, after an edit of
    /// its body; its front matter, and so its references, are unchanged).
    pub fn replace_page(&mut self, lib: &Library, id: PageId, html: Rendered) {
        let (listing, body) =
            page_value(&self.base_url, lib, &lib.pages[id], html, &self.page_refs);
        self.pages[id] = listing;
        self.page_bodies[id] = body;
    }

    /// A page as `section.pages` and `term.pages` show it.
    pub fn listing(&self, id: PageId) -> Value {
        self.pages[id].clone()
    }

    pub fn permalink(&self, path: &str) -> String {
        permalink(&self.base_url, path)
    }

    /// A section with its full pages.
    pub fn section_with_pages(&self, id: SectionId) -> Value {
        let mut value = self.sections[id].clone();
        let pages: Vec<Value> = self.section_pages[id]
            .iter()
            .map(|&p| self.listing(p))
            .collect();
        value["pages"] = Value::Array(pages);
        value
    }

    /// The names every template sees, plus `extra` ones. Built as one value
    /// and handed over whole: `Context::insert` would copy each again.
    pub fn context(&self, path: &str, extra: Vec<(&str, Value)>) -> Context {
        let mut map = Map::new();
        map.insert("config".into(), self.config.clone());
        map.insert("current_path".into(), Value::String(path.to_string()));
        map.insert("current_url".into(), Value::String(self.permalink(path)));
        map.insert("lang".into(), self.config["default_language"].clone());
        for (k, v) in extra {
            map.insert(k.to_string(), v);
        }
        Context::from_value(Value::Object(map)).unwrap_or_default()
    }

    /// A page with its HTML, table of contents and neighbours, as `page`
    /// and `get_page` give it.
    pub fn full_page(&self, id: PageId) -> Value {
        let mut page = self.page_with_body(id);
        page["toc"] = serde_json::to_value(&self.page_bodies[id].toc).unwrap_or(Value::Null);
        page
    }

    /// A page with its HTML and neighbours but no `toc` (feed entries).
    pub fn page_with_body(&self, id: PageId) -> Value {
        let mut page = self.pages[id].clone();
        let body = &self.page_bodies[id];
        page["content"] = Value::String(body.content.clone());
        page["lower"] = body.lower.clone();
        page["higher"] = body.higher.clone();
        page
    }

    pub fn page_context(&self, id: PageId, path: &str) -> Context {
        self.context(path, vec![("page", self.full_page(id))])
    }

    pub fn section_context(&self, id: SectionId, path: &str) -> Context {
        self.context(path, vec![("section", self.section_with_pages(id))])
    }

    /// The context of a page that is neither page nor section (404).
    pub fn plain_context(&self, path: &str) -> Context {
        self.context(path, Vec::new())
    }

    /// `{name, slug, permalink, path}` of a taxonomy.
    pub fn taxonomy_value(&self, t: &Taxonomy) -> Value {
        json!({ "name": t.name, "slug": t.slug, "path": t.path, "permalink": self.permalink(&t.path) })
    }

    /// Terms with light page references (list pages, `get_taxonomy`).
    pub fn terms_value(&self, t: &Taxonomy) -> Value {
        let terms: Vec<Value> = t
            .terms
            .iter()
            .map(|term| {
                let pages: Vec<Value> = term.pages.iter().map(|&p| self.page_refs[p].clone()).collect();
                json!({
                    "name": term.name, "slug": term.slug, "path": term.path,
                    "permalink": self.permalink(&term.path), "page_count": pages.len(), "pages": pages,
                })
            })
            .collect();
        Value::Array(terms)
    }

    pub fn taxonomy_list_context(&self, t: &Taxonomy) -> Context {
        self.context(
            &t.path,
            vec![
                ("taxonomy", self.taxonomy_value(t)),
                ("terms", self.terms_value(t)),
            ],
        )
    }

    pub fn taxonomy_term_context(&self, t: &Taxonomy, term_index: usize) -> Context {
        let term = &t.terms[term_index];
        let pages: Vec<Value> = term.pages.iter().map(|&p| self.listing(p)).collect();
        let term_value = json!({
            "name": term.name, "slug": term.slug, "path": term.path,
            "permalink": self.permalink(&term.path), "page_count": pages.len(), "pages": pages,
        });
        self.context(
            &term.path,
            vec![("taxonomy", self.taxonomy_value(t)), ("term", term_value)],
        )
    }
}

fn config_value(project: &Project) -> Value {
    let c = &project.config;
    let extra = serde_json::to_value(&c.extra).unwrap_or(Value::Null);
    json!({
        "title": c.title, "description": c.description, "author": c.author,
        "base_url": project.base_url, "theme": c.theme,
        "default_language": c.default_language,
        "taxonomies": c.taxonomies, "extra": extra,
        "generate_feeds": c.generate_feeds, "feed_filenames": c.feed_filenames,
        "markdown": c.markdown, "build_search_index": c.build_search_index,
    })
}

fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn ancestors(lib: &Library, mut section: Option<SectionId>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(id) = section {
        out.push(lib.sections[id].file.rel.clone());
        section = lib.sections[id].parent;
    }
    out.reverse();
    out
}

fn extra_value(extra: &Map<String, Value>) -> Value {
    let mut v = Value::Object(extra.clone());
    crate::content::front_matter::flatten_toml_dates(&mut v);
    v
}

fn page_ref(base: &str, p: &Page) -> Value {
    json!({
        "title": p.meta.title, "description": p.meta.description,
        "permalink": permalink(base, &p.path), "path": p.path, "slug": p.slug,
        "relative_path": p.file.rel, "date": p.date.as_ref().map(|d| &d.text),
        "updated": p.updated.as_ref().map(|d| &d.text), "weight": p.meta.weight,
    })
}

/// What a page's own view (`page`, `get_page`, feeds) adds to its listing.
#[derive(Default, Clone)]
pub struct PageBody {
    pub content: String,
    /// Kept as Rust values and made template values only for the page
    /// being rendered: as values, the headings of every page cost more
    /// memory than their HTML.
    pub toc: Vec<Heading>,
    pub lower: Value,
    pub higher: Value,
}

/// A page as listings show it, and what its own view adds.
fn page_value(
    base: &str,
    lib: &Library,
    p: &Page,
    html: Rendered,
    refs: &[Value],
) -> (Value, PageBody) {
    let date = p.date.as_ref().map(|d| d.date());
    let neighbour = |id: Option<PageId>| id.map_or(Value::Null, |i| refs[i].clone());
    let body = PageBody {
        content: html.content,
        toc: html.toc,
        lower: neighbour(p.lower),
        higher: neighbour(p.higher),
    };
    let listing = json!({
        "relative_path": p.file.rel,
        "summary": html.summary,
        "word_count": html.word_count,
        "reading_time": html.reading_time,
        "permalink": permalink(base, &p.path),
        "path": p.path,
        "slug": p.slug,
        "components": components(&p.path),
        "ancestors": ancestors(lib, Some(p.section)),
        "title": p.meta.title,
        "description": p.meta.description,
        "date": p.date.as_ref().map(|d| &d.text),
        "updated": p.updated.as_ref().map(|d| &d.text),
        "year": date.map(|d| chrono::Datelike::year(&d)),
        "month": date.map(|d| chrono::Datelike::month(&d)),
        "day": date.map(|d| chrono::Datelike::day(&d)),
        "draft": p.meta.draft,
        "weight": p.meta.weight,
        "authors": p.meta.authors,
        "taxonomies": p.meta.taxonomies,
        "extra": extra_value(&p.meta.extra),
        "assets": p.assets,
        "translations": [],
    });
    (listing, body)
}

fn section_value(base: &str, lib: &Library, s: &Section, html: Rendered) -> Value {
    json!({
        "relative_path": s.file.rel,
        "content": html.content,
        "toc": html.toc,
        "word_count": html.word_count,
        "reading_time": html.reading_time,
        "permalink": permalink(base, &s.path),
        "path": s.path,
        "components": components(&s.path),
        "ancestors": ancestors(lib, s.parent),
        "title": s.meta.title,
        "description": s.meta.description,
        "weight": s.meta.weight,
        "sort_by": format!("{:?}", s.meta.sort_by).to_lowercase(),
        "transparent": s.meta.transparent,
        "extra": extra_value(&s.meta.extra),
        "assets": s.assets,
        "pages": [],
        "subsections": s.subsections.iter().map(|&c| lib.sections[c].file.rel.clone()).collect::<Vec<_>>(),
        "translations": [],
    })
}
