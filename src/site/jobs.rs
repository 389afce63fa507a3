//! What the site renders (one job per output file: pages, sections,
//! taxonomies, pagers, feeds, sitemap, robots.txt, alias pages, 404) and
//! which template and context each job uses.

use rayon::prelude::*;

use super::dedupe_render_errors;
use super::feeds::{self, FeedOf};
use super::inputs::{file_for_url, job_input};
use super::paginate::Pagination;
use crate::content::{Item, Library, PageId, SectionId};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::OutputFile;
use crate::project::Project;
use crate::templates::{SiteData, Templates};

#[derive(Debug, Clone, Copy)]
pub enum Job {
    Page(PageId),
    /// A section's index; its first pager when it is paginated.
    Section(SectionId),
    TaxonomyList(usize),
    /// A term's page; its first pager when the taxonomy is paginated.
    TaxonomyTerm(usize, usize),
    /// Pager `n` (1-based index 2 and on) of a paginated listing.
    Pager(Listing, usize),
    /// `LISTING/page/1/`, which sends the browser to the listing.
    FirstPagerAlias(Listing),
    /// A feed, and which of `feed_filenames`.
    Feed(FeedOf, usize),
    /// `sitemap.xml` (0), then its parts when split.
    Sitemap(usize),
    Robots,
    /// `search_index.json`.
    SearchIndex,
    /// A redirect page at an alias of a page or section (its n-th alias).
    Alias(Item, usize),
    NotFound,
}

/// A listing that can be paginated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Section(SectionId),
    Term(usize, usize),
}

/// Everything jobs are rendered from.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub lib: &'a Library,
    pub templates: &'a Templates,
    pub data: &'a SiteData,
}

impl<'a> Inputs<'a> {
    /// The pagination of a listing, when it has one.
    pub fn pagination(&self, listing: Listing) -> Option<Pagination<'a>> {
        match listing {
            Listing::Section(id) => {
                let s = &self.lib.sections[id];
                let by = s.meta.paginate_by.filter(|n| *n > 0)?;
                (s.meta.redirect_to.is_none()).then_some(Pagination {
                    path: &s.path,
                    pages: &self.data.section_pages[id],
                    by,
                    segment: &s.meta.paginate_path,
                })
            }
            Listing::Term(t, i) => {
                let taxonomy = &self.data.taxonomies[t];
                Some(Pagination {
                    path: &taxonomy.terms[i].path,
                    pages: &taxonomy.terms[i].pages,
                    by: taxonomy.paginate_by?,
                    segment: &taxonomy.paginate_path,
                })
            }
        }
    }

    /// The path of every pager after the first, for the sitemap.
    pub fn pager_paths(&self) -> Vec<String> {
        listings(self.lib, self.data)
            .filter_map(|l| self.pagination(l))
            .flat_map(|p| (1..p.count()).map(move |n| p.path_of(n)))
            .collect()
    }
}

fn listings<'a>(lib: &'a Library, data: &'a SiteData) -> impl Iterator<Item = Listing> + 'a {
    (0..lib.sections.len()).map(Listing::Section).chain(
        data.taxonomies
            .iter()
            .enumerate()
            .flat_map(|(t, tx)| (0..tx.terms.len()).map(move |i| Listing::Term(t, i))),
    )
}

/// Every output the site renders.
pub fn all_jobs(inputs: &Inputs<'_>) -> Vec<Job> {
    let Inputs {
        project,
        lib,
        templates,
        data,
    } = *inputs;
    let mut jobs: Vec<Job> = Vec::with_capacity(lib.pages.len() + lib.sections.len() + 2);
    jobs.extend((0..lib.pages.len()).map(Job::Page));
    jobs.extend((0..lib.sections.len()).map(Job::Section));
    for (t, taxonomy) in data.taxonomies.iter().enumerate() {
        jobs.push(Job::TaxonomyList(t));
        jobs.extend((0..taxonomy.terms.len()).map(|i| Job::TaxonomyTerm(t, i)));
    }
    for listing in listings(lib, data) {
        if let Some(p) = inputs.pagination(listing) {
            jobs.push(Job::FirstPagerAlias(listing));
            jobs.extend((1..p.count()).map(|n| Job::Pager(listing, n)));
        }
    }
    let files = project.config.feed_filenames.len();
    for of in feeds::feed_owners(project, lib, data) {
        jobs.extend((0..files).map(|i| Job::Feed(of, i)));
    }
    jobs.extend(
        feeds::aliases(lib)
            .into_iter()
            .map(|(_, _, item, n)| Job::Alias(item, n)),
    );
    if project.config.generate_sitemap {
        let entries = feeds::sitemap_entries(lib, data, &inputs.pager_paths()).len();
        jobs.extend((0..feeds::sitemap_files(entries)).map(Job::Sitemap));
    }
    if project.config.generate_robots_txt {
        jobs.push(Job::Robots);
    }
    if project.config.build_search_index {
        jobs.push(Job::SearchIndex);
    }
    if templates.has("404.html") {
        jobs.push(Job::NotFound);
    }
    jobs
}

/// Renders every job in parallel. Errors are collected, not fatal at once.
pub fn render_all(inputs: &Inputs<'_>) -> Result<Vec<OutputFile>, Diagnostics> {
    let jobs = all_jobs(inputs);
    let results: Vec<Result<OutputFile, RenderError>> = jobs
        .par_iter()
        .map(|job| job_input(job, inputs).render(inputs.templates))
        .collect();
    collect(results)
}

/// What one job rendered: its file, the pages whose bodies it shows, and
/// (when asked to keep it) the input it was rendered from.
pub type Recorded = (OutputFile, Vec<PageId>, Option<JobInput>);

/// Renders `jobs` in parallel and says, for each, which pages' bodies its
/// output shows: its own, those it lists, those it fetched. The inputs of
/// jobs for which `keep` is true are returned too, for re-use.
pub fn render_recording(
    jobs: &[Job],
    inputs: &Inputs<'_>,
    keep: impl Fn(&Job) -> bool + Sync,
) -> Result<Vec<Recorded>, Diagnostics> {
    let results: Vec<Result<Recorded, RenderError>> = jobs
        .par_iter()
        .map(|job| {
            let input = job_input(job, inputs);
            let (file, mut pages) =
                crate::templates::record_fetched_pages(|| input.render(inputs.templates));
            pages.extend(shown_pages(job, inputs));
            pages.sort_unstable();
            pages.dedup();
            let kept = keep(job).then_some(input);
            file.map(|f| (f, pages, kept))
        })
        .collect();
    collect(results)
}

/// The pages whose bodies a job's own context carries.
pub fn shown_pages(job: &Job, inputs: &Inputs<'_>) -> Vec<PageId> {
    let Inputs {
        project, lib, data, ..
    } = *inputs;
    match *job {
        Job::Page(id) => vec![id],
        Job::Section(id) if lib.sections[id].meta.redirect_to.is_none() => {
            data.section_pages[id].clone()
        }
        Job::TaxonomyTerm(t, i) => data.taxonomies[t].terms[i].pages.clone(),
        Job::Pager(listing, n) => inputs
            .pagination(listing)
            .map(|p| p.pages_of(n).to_vec())
            .unwrap_or_default(),
        Job::Feed(of, _) => feeds::feed_pages(project, lib, data, of),
        Job::SearchIndex => (0..lib.pages.len()).collect(),
        // Lists carry page references only (title, permalink, dates).
        Job::Section(_)
        | Job::TaxonomyList(_)
        | Job::FirstPagerAlias(_)
        | Job::Sitemap(_)
        | Job::Robots
        | Job::Alias(..)
        | Job::NotFound => Vec::new(),
    }
}

pub fn collect<T>(results: Vec<Result<T, RenderError>>) -> Result<Vec<T>, Diagnostics> {
    let mut files = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err(e) => errors.push(*e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(dedupe_render_errors(errors))
    }
}

/// A template error and the content file whose rendering hit it.
pub type RenderError = Box<(String, Diagnostic)>;

/// Everything one output is rendered from.
pub enum JobInput {
    /// Made without a template (a section's `redirect_to` page).
    Ready(OutputFile),
    Template {
        path: String,
        template: String,
        context: tera::Context,
        /// The content file named in errors.
        source: String,
    },
}

impl JobInput {
    pub fn render(&self, templates: &Templates) -> Result<OutputFile, RenderError> {
        match self {
            JobInput::Ready(file) => Ok(file.clone()),
            JobInput::Template {
                path,
                template,
                context,
                source,
            } => templates
                .render(template, context)
                .map(|mut html| {
                    super::hydrate::link(&mut html, templates.base_path());
                    let file = file_for_url(path);
                    if templates.minify() && file.ends_with(".html") {
                        html = super::minify::minify(&html);
                    }
                    // Kept until every job is rendered: without its growth slack.
                    html.shrink_to_fit();
                    OutputFile::bytes(file, html)
                })
                .map_err(|d| Box::new((source.clone(), d))),
        }
    }
}
