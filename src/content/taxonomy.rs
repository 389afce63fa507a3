//! Taxonomies: grouping pages by the terms in their `[taxonomies]`.

use std::collections::BTreeMap;

use super::{Library, PageId, slugify};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::Project;

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub slug: String,
    /// `/tags/`.
    pub path: String,
    /// Its settings in ssgx.toml (defaults when it is not listed there).
    pub feed: bool,
    pub paginate_by: Option<usize>,
    pub paginate_path: String,
    /// Ordered by name, ignoring case.
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// `/tags/rust/`.
    pub path: String,
    /// Newest first, then by file.
    pub pages: Vec<PageId>,
}

/// Groups the library's pages into the configured taxonomies. With none
/// configured, every taxonomy the pages use is taken (zero config); with
/// some configured, a page using another one is an error.
pub fn collect(project: &Project, lib: &Library) -> Result<Vec<Taxonomy>, Diagnostics> {
    let configured: Vec<String> = project
        .config
        .taxonomies
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let mut diags = Diagnostics::default();
    // name → term slug → (term name, pages)
    let mut found: BTreeMap<String, BTreeMap<String, (String, Vec<PageId>)>> = BTreeMap::new();
    for name in &configured {
        found.entry(name.clone()).or_default();
    }
    for (id, page) in lib.pages.iter().enumerate() {
        for (name, terms) in &page.meta.taxonomies {
            if !configured.is_empty() && !configured.contains(name) {
                let file = &page.file;
                diags.push(
                    Diagnostic::at_offset(&file.display, &file.text, file.key_offset(name), name.len(), format!("unknown taxonomy `{name}`"))
                        .with_hint(format!("add {{ name = \"{name}\" }} to `taxonomies` in ssgx.toml, or use one of: {}", configured.join(", "))),
                );
                continue;
            }
            let entry = found.entry(name.clone()).or_default();
            for term in terms {
                let slug = slugify(term);
                let (_, pages) = entry
                    .entry(slug)
                    .or_insert_with(|| (term.clone(), Vec::new()));
                if !pages.contains(&id) {
                    pages.push(id);
                }
            }
        }
    }
    let taxonomies = found
        .into_iter()
        .map(|(name, terms)| {
            let slug = slugify(&name);
            let path = format!("/{slug}/");
            let mut terms: Vec<Term> = terms
                .into_iter()
                .map(|(term_slug, (term_name, mut pages))| {
                    pages.sort_by(|a, b| {
                        let (pa, pb) = (&lib.pages[*a], &lib.pages[*b]);
                        let (da, db) = (
                            pa.date.as_ref().map(|d| d.utc),
                            pb.date.as_ref().map(|d| d.utc),
                        );
                        db.cmp(&da).then_with(|| pa.file.rel.cmp(&pb.file.rel))
                    });
                    Term {
                        path: format!("{path}{term_slug}/"),
                        name: term_name,
                        slug: term_slug,
                        pages,
                    }
                })
                .collect();
            terms.sort_by_key(|t| t.name.to_lowercase());
            let config = project.config.taxonomies.iter().find(|t| t.name == name);
            Taxonomy {
                feed: config.is_some_and(|c| c.feed),
                paginate_by: config.and_then(|c| c.paginate_by).filter(|n| *n > 0),
                paginate_path: config
                    .map_or_else(|| "page".to_string(), |c| c.paginate_path.clone()),
                name,
                slug,
                path,
                terms,
            }
        })
        .collect();
    diags.into_result(taxonomies)
}
