//! The site kept rendered in memory for `ssgx dev`, with what each output
//! depends on, so that an edit re-renders only the outputs it affects.
//!
//! Dependencies are recorded while rendering: every output knows the pages
//! whose bodies it shows (its own page, the pages a section or term lists,
//! and those its template fetched with `get_page` or `get_section`). An
//! edit to a page's body, with its front matter unchanged, re-renders its
//! Markdown and exactly those outputs. Anything else (front matter, a
//! section, a template, config, a new or removed file) is answered with a
//! full rebuild, which is always correct; [`LiveSite::update`] says which.

use std::path::PathBuf;
use std::sync::Arc;

use std::collections::HashMap;

use rayon::prelude::*;

use super::jobs::{self, Job, JobInput, Listing, RenderError};
use super::statics;
use super::{Prepared, RenderedSite, check_links_of, markdown_of, prepare};
use super::{checks, inputs};
use crate::content::{Item, Library, PageId, SourceFile, front_matter, rel_string};
use crate::diagnostics::Diagnostics;
use crate::error::Result;
use crate::markdown::Rendered;
use crate::output::OutputFile;
use crate::project::Project;
use crate::templates::{SiteData, Templates, record_fetched_pages};

pub struct LiveSite {
    project: Arc<Project>,
    library: Library,
    templates: Templates,
    data: Arc<SiteData>,
    page_heading_ids: Vec<Vec<String>>,
    section_heading_ids: Vec<Vec<String>>,
    jobs: Vec<Job>,
    /// For each job, the pages whose bodies its output shows (sorted).
    shows: Vec<Vec<PageId>>,
    /// The inputs of section and term pages by job, kept because building
    /// a listing of a thousand pages costs more than rendering it: an edit
    /// patches the edited page's entry in place.
    listings: HashMap<usize, JobInput>,
    /// A partial update failed half-way: only a full build is trusted now.
    stale: bool,
}

impl LiveSite {
    /// Renders the whole site and keeps what later edits need.
    pub fn build(project: Arc<Project>) -> Result<(LiveSite, RenderedSite)> {
        let Prepared {
            sass,
            library,
            templates,
            data,
            page_heading_ids,
            section_heading_ids,
        } = prepare(&project, true)?;
        let mut clock = std::time::Instant::now();
        let inputs = jobs::Inputs {
            project: &project,
            lib: &library,
            templates: &templates,
            data: &data,
        };
        let jobs = jobs::all_jobs(&inputs);
        // A paginated listing's pagers hold slices of it: those are
        // rendered afresh rather than patched.
        let keep = |job: &Job| match *job {
            Job::Section(id) => inputs.pagination(Listing::Section(id)).is_none(),
            Job::TaxonomyTerm(t, i) => inputs.pagination(Listing::Term(t, i)).is_none(),
            _ => false,
        };
        let rendered = jobs::render_recording(&jobs, &inputs, keep)?;
        super::lap(&mut clock, "render templates (recording what each shows)");
        let mut files = Vec::with_capacity(rendered.len());
        let mut shows = Vec::with_capacity(rendered.len());
        let mut listings = HashMap::new();
        for (j, (file, pages, input)) in rendered.into_iter().enumerate() {
            files.push(file);
            shows.push(pages);
            if let Some(input) = input {
                listings.insert(j, input);
            }
        }
        if super::hydrate::linked(&files) {
            files.push(super::hydrate::asset());
        }
        files.extend(sass);
        files.extend(statics::static_files(&project, &library));
        let mut site = RenderedSite {
            files,
            pages: library.pages.len(),
            sections: library.sections.len(),
            future: library.future.clone(),
        };
        site.append_redirects(&super::feeds::alias_rules(&library))?;
        let live = LiveSite {
            project,
            library,
            templates,
            data,
            page_heading_ids,
            section_heading_ids,
            jobs,
            shows,
            listings,
            stale: false,
        };
        Ok((live, site))
    }

    pub fn project(&self) -> &Arc<Project> {
        &self.project
    }

    /// Applies edits of `changed` files when they only touch page bodies:
    /// the re-rendered outputs, or the error that stopped them. `None`
    /// means these edits need a full build.
    pub fn update(&mut self, changed: &[PathBuf]) -> Option<Result<Vec<OutputFile>>> {
        if self.stale || changed.is_empty() {
            return None;
        }
        // Editors save through temporary files that are gone by now: those
        // the site never knew are not edits of it.
        let changed: Vec<PathBuf> = changed
            .iter()
            .filter(|p| p.exists() || self.knew(p))
            .cloned()
            .collect();
        if changed.is_empty() {
            return Some(Ok(Vec::new()));
        }
        let changed = changed.as_slice();
        if let Some(names) = self.template_names(changed) {
            // Shortcodes are rendered into the Markdown of pages: a full build.
            if names
                .iter()
                .any(|n| n.starts_with(crate::templates::SHORTCODE_FOLDER))
            {
                return None;
            }
            return self.update_templates(&names);
        }
        let mut edits = Vec::with_capacity(changed.len());
        for path in changed {
            edits.push(self.body_edit(path)?);
        }
        let mut rendered = Vec::with_capacity(edits.len());
        let mut diags = Diagnostics::default();
        for (id, file) in &edits {
            let page = &self.library.pages[*id];
            match markdown_of(
                &self.project,
                &self.library,
                &self.templates,
                file,
                &page.path,
            ) {
                Ok(html) => rendered.push(html),
                Err(errors) => diags.extend(errors),
            }
        }
        if !diags.is_empty() {
            return Some(Err(diags.into()));
        }
        // New heading ids could break anchors elsewhere: check all then.
        let ids_changed = edits
            .iter()
            .zip(&rendered)
            .any(|((id, _), html)| html.heading_ids != self.page_heading_ids[*id]);
        if ids_changed {
            return None;
        }
        let ids_of = |item: Item| match item {
            Item::Page(id) => self.page_heading_ids[id].as_slice(),
            Item::Section(id) => self.section_heading_ids[id].as_slice(),
        };
        for ((_, file), html) in edits.iter().zip(&rendered) {
            diags.extend(check_links_of(&self.library, file, html, &ids_of));
        }
        if !diags.is_empty() {
            return Some(Err(diags.into()));
        }
        Some(self.apply(edits, rendered))
    }

    /// Whether a path that no longer exists was part of the site: a page,
    /// a template, or anything where static files and assets live.
    fn knew(&self, path: &std::path::Path) -> bool {
        let project = &self.project;
        // Templates first: the content folder may be the project itself.
        let template_dirs = project
            .theme_dir
            .iter()
            .map(|t| t.join("templates"))
            .chain([project.templates_dir.clone()]);
        for dir in template_dirs {
            if let Ok(rel) = path.strip_prefix(&dir) {
                return self.templates.has(&rel_string(rel));
            }
        }
        if let Ok(rel) = path.strip_prefix(&project.content_dir) {
            let rel = rel_string(rel);
            let is_markdown = rel.ends_with(".md");
            return self.library.by_rel.contains_key(&rel) || !is_markdown;
        }
        true
    }

    /// The template names of `changed` when every one is an existing
    /// template file of the site or its theme.
    fn template_names(&self, changed: &[PathBuf]) -> Option<Vec<String>> {
        let dirs: Vec<PathBuf> = self
            .project
            .theme_dir
            .iter()
            .map(|t| t.join("templates"))
            .chain([self.project.templates_dir.clone()])
            .collect();
        changed
            .iter()
            .map(|path| {
                let rel = dirs.iter().find_map(|d| path.strip_prefix(d).ok())?;
                let name = rel_string(rel);
                (path.is_file() && self.templates.has(&name)).then_some(name)
            })
            .collect()
    }

    /// Edited templates: load them all again, then re-render the outputs
    /// whose template extends, includes or imports an edited one. A new,
    /// removed or dynamically named template needs a full build (`None`).
    fn update_templates(&mut self, edited: &[String]) -> Option<Result<Vec<OutputFile>>> {
        let templates = match Templates::load(&self.project) {
            Ok(t) => t,
            Err(diags) => return Some(Err(diags.into())),
        };
        if templates.names() != self.templates.names() {
            return None;
        }
        if let Err(diags) = checks::check_templates_exist(&self.library, &templates) {
            return Some(Err(diags.into()));
        }
        let inputs = jobs::Inputs {
            project: &self.project,
            lib: &self.library,
            templates: &templates,
            data: &self.data,
        };
        let mut affected = Vec::new();
        for (j, job) in self.jobs.iter().enumerate() {
            let Some(name) = inputs::template_of(job, &inputs) else {
                continue;
            };
            let uses = templates.dependencies(&name)?;
            if edited.iter().any(|e| uses.contains(e)) {
                affected.push(j);
            }
        }
        let mut templates = templates;
        // A copy of their own: holding `self.data` here would make the next
        // body edit copy the whole site to change it.
        super::register_for_shortcodes(
            &mut templates,
            &self.project,
            &self.library,
            &self.data.taxonomies,
            &self.data.asset_files,
        );
        templates.register_site(Arc::clone(&self.data));
        self.templates = templates;
        Some(self.render_affected(affected))
    }

    /// The page and its new source when `path` is a page whose text before
    /// the body (front matter and delimiters) is unchanged.
    fn body_edit(&self, path: &std::path::Path) -> Option<(PageId, SourceFile)> {
        let rel = rel_string(path.strip_prefix(&self.project.content_dir).ok()?);
        let Some(&Item::Page(id)) = self.library.by_rel.get(&rel) else {
            return None;
        };
        let old = &self.library.pages[id].file;
        // Unreadable or invalid files go through the full build, which
        // reports them with their location.
        let text: Arc<str> = Arc::from(std::fs::read_to_string(path).ok()?);
        let split = front_matter::split(&old.display, &text).ok()?;
        if text[..split.body_start] != old.text[..old.body_start] {
            return None;
        }
        let file = SourceFile {
            text: Arc::clone(&text),
            ..old.clone()
        };
        Some((id, file))
    }

    fn apply(
        &mut self,
        edits: Vec<(PageId, SourceFile)>,
        rendered: Vec<Rendered>,
    ) -> Result<Vec<OutputFile>> {
        let edited: Vec<PageId> = edits.iter().map(|(id, _)| *id).collect();
        for (id, file) in edits {
            self.library.pages[id].file = file;
        }
        // The template functions hold the other references to the data:
        // point them at a stand-in so the data can change in place.
        self.templates.register_site(Arc::new(SiteData::default()));
        {
            let data = Arc::make_mut(&mut self.data);
            for (id, html) in edited.iter().zip(rendered) {
                data.replace_page(&self.library, *id, html);
            }
        }
        self.templates.register_site(Arc::clone(&self.data));

        let affected: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| {
                edited
                    .iter()
                    .any(|id| self.shows[j].binary_search(id).is_ok())
            })
            .collect();
        for &j in &affected {
            if let Some(input) = self.listings.get_mut(&j) {
                patch_listing(input, &self.jobs[j], &edited, &self.data);
            }
        }
        self.render_affected(affected)
    }

    /// Renders the jobs `affected` (indices), re-recording what they show.
    fn render_affected(&mut self, affected: Vec<usize>) -> Result<Vec<OutputFile>> {
        let started = std::time::Instant::now();
        let inputs = jobs::Inputs {
            project: &self.project,
            lib: &self.library,
            templates: &self.templates,
            data: &self.data,
        };
        let templates = inputs.templates;
        let results: Vec<Result<(OutputFile, Vec<PageId>), RenderError>> = affected
            .par_iter()
            .map(|&j| {
                let job = &self.jobs[j];
                let (file, mut pages) = record_fetched_pages(|| match self.listings.get(&j) {
                    Some(input) => input.render(templates),
                    None => inputs::job_input(job, &inputs).render(templates),
                });
                pages.extend(jobs::shown_pages(job, &inputs));
                pages.sort_unstable();
                pages.dedup();
                file.map(|f| (f, pages))
            })
            .collect();
        tracing::debug!(
            "re-rendered {} output(s) in {} ms",
            affected.len(),
            started.elapsed().as_millis()
        );
        match jobs::collect(results) {
            Ok(results) => {
                let mut files = Vec::with_capacity(results.len());
                for (j, (file, shows)) in affected.into_iter().zip(results) {
                    self.shows[j] = shows;
                    files.push(file);
                }
                // A page that now has a dynamic element needs the script.
                if super::hydrate::linked(&files) {
                    files.push(super::hydrate::asset());
                }
                Ok(files)
            }
            Err(diags) => {
                self.stale = true;
                Err(diags.into())
            }
        }
    }
}

/// Puts the new listing entries of `edited` pages into a kept section or
/// term context, moving values rather than copying the whole listing.
fn patch_listing(input: &mut JobInput, job: &Job, edited: &[PageId], data: &SiteData) {
    let JobInput::Template { context, .. } = input else {
        return;
    };
    let (key, listed) = match *job {
        Job::Section(id) => ("section", &data.section_pages[id]),
        Job::TaxonomyTerm(t, i) => ("term", &data.taxonomies[t].terms[i].pages),
        _ => return,
    };
    let Some(mut value) = context.remove(key) else {
        return;
    };
    for (position, page) in listed.iter().enumerate() {
        if edited.contains(page)
            && let Some(slot) = value.get_mut("pages").and_then(|p| p.get_mut(position))
        {
            *slot = data.listing(*page);
        }
    }
    // Moved, not serialized again as `json!` would.
    let mut patched = serde_json::Map::new();
    patched.insert(key.to_string(), value);
    if let Ok(patched) = tera::Context::from_value(serde_json::Value::Object(patched)) {
        context.extend(patched);
    }
}
