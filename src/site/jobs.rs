//! What the site renders (one job per output file: pages, sections,
//! taxonomies, pagers, feeds, sitemap, robots.txt, alias pages, 404) and
//! which template and context each job uses.

use rayon::prelude::*;

use super::dedupe_render_errors;
use super::feeds::{self, FeedOf};
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
    fn pager_paths(&self) -> Vec<String> {
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

/// The page's own template, else its nearest section's `page_template`.
fn page_template(lib: &Library, id: PageId) -> &str {
    let page = &lib.pages[id];
    page.meta
        .template
        .as_deref()
        .or_else(|| lib.page_template_for(page.section))
        .unwrap_or("page.html")
}

fn section_template(lib: &Library, id: SectionId) -> &str {
    match &lib.sections[id].meta.template {
        Some(t) => t,
        None if id == 0 => "index.html",
        None => "section.html",
    }
}

/// Every page and section names a template that exists. Each missing
/// template is reported once, where it is named.
pub fn check_templates_exist(lib: &Library, templates: &Templates) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut check = |file: &crate::content::SourceFile, key: &str, name: &str| {
        if !templates.has(name) {
            diags.push(
                Diagnostic::at_offset(
                    &file.display,
                    &file.text,
                    file.key_offset(key),
                    0,
                    format!("template `{name}` not found"),
                )
                .with_hint(format!(
                    "create templates/{name}, or name an existing template"
                )),
            );
        }
    };
    for page in &lib.pages {
        if let Some(name) = &page.meta.template {
            check(&page.file, "template", name);
        }
    }
    for section in &lib.sections {
        if let Some(name) = &section.meta.template {
            check(&section.file, "template", name);
        }
        if let Some(name) = &section.meta.page_template {
            check(&section.file, "page_template", name);
        }
    }
    diags.into_result(())
}

/// Each of `feed_filenames` names a template.
pub fn check_feed_templates(project: &Project, templates: &Templates) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    for name in &project.config.feed_filenames {
        if templates.has(name) {
            continue;
        }
        diags.push(
            config_error(project, name, format!("feed template `{name}` not found")).with_hint(
                format!("use atom.xml or rss.xml (built in), or create templates/{name}"),
            ),
        );
    }
    diags.into_result(())
}

/// The highlighting themes of `[markdown]` exist.
pub fn check_highlight_themes(project: &Project) -> Result<(), Diagnostics> {
    let markdown = &project.config.markdown;
    let mut diags = Diagnostics::default();
    let names = std::iter::once(&markdown.highlight_theme).chain(&markdown.highlight_theme_dark);
    for name in names.filter(|_| markdown.highlight_code) {
        if crate::markdown::highlight::theme(name).is_none() {
            let known = crate::markdown::highlight::theme_names().join(", ");
            diags.push(
                config_error(
                    project,
                    name,
                    format!("unknown highlighting theme `{name}`"),
                )
                .with_hint(format!("use one of: {known}")),
            );
        }
    }
    diags.into_result(())
}

/// An error about a value of ssgx.toml, pointing at its first mention.
fn config_error(project: &Project, value: &str, message: String) -> Diagnostic {
    let file = project.root.join(crate::project::CONFIG_FILE);
    let text: std::sync::Arc<str> = std::fs::read_to_string(&file).unwrap_or_default().into();
    let offset = text.find(value).unwrap_or(0);
    Diagnostic::at_offset(
        project.display_path(&file),
        &text,
        offset,
        value.len(),
        message,
    )
}

/// `/blog/post/` → `blog/post/index.html`; `/feed.xml` stays a file.
pub fn file_for_url(path: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    }
}

/// A minimal page that sends the browser on (section `redirect_to`).
fn redirect_page(to: &str) -> String {
    let to = tera::escape_html(to).replace("&#x2F;", "/");
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Redirect</title>\
         <link rel=\"canonical\" href=\"{to}\"><meta http-equiv=\"refresh\" content=\"0; url={to}\">\
         </head><body><a href=\"{to}\">Click here</a> if you are not redirected.</body></html>"
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
                    OutputFile::bytes(file_for_url(path), html)
                })
                .map_err(|d| Box::new((source.clone(), d))),
        }
    }
}

/// The template a job renders with; `None` for a section's `redirect_to`
/// page, which has none.
pub fn template_of(job: &Job, inputs: &Inputs<'_>) -> Option<String> {
    let Inputs {
        project,
        lib,
        templates,
        data,
    } = *inputs;
    match *job {
        Job::Page(id) => Some(page_template(lib, id).to_string()),
        Job::Section(id) if lib.sections[id].meta.redirect_to.is_some() => None,
        Job::Section(id) | Job::Pager(Listing::Section(id), _) => {
            Some(section_template(lib, id).to_string())
        }
        Job::Pager(Listing::Term(t, _), _) => template_of(&Job::TaxonomyTerm(t, 0), inputs),
        Job::FirstPagerAlias(_) | Job::Alias(..) | Job::SearchIndex => None,
        Job::Feed(_, n) => project.config.feed_filenames.get(n).cloned(),
        Job::Sitemap(_) => Some(
            if feeds::sitemap_files(feeds::sitemap_entries(lib, data, &inputs.pager_paths()).len())
                > 1
            {
                "split_sitemap_index.xml"
            } else {
                "sitemap.xml"
            }
            .to_string(),
        ),
        Job::Robots => Some("robots.txt".to_string()),
        Job::TaxonomyList(t) => Some(own_or_default(
            templates,
            &format!("{}/list.html", data.taxonomies[t].name),
            "taxonomy_list.html",
        )),
        Job::TaxonomyTerm(t, _) => Some(own_or_default(
            templates,
            &format!("{}/single.html", data.taxonomies[t].name),
            "taxonomy_single.html",
        )),
        Job::NotFound => Some("404.html".to_string()),
    }
}

pub fn job_input(job: &Job, inputs: &Inputs<'_>) -> JobInput {
    let Inputs {
        project,
        lib,
        templates,
        data,
    } = *inputs;
    let (path, template, context, source) = match *job {
        Job::Page(id) => {
            let p = &lib.pages[id];
            (
                p.path.clone(),
                page_template(lib, id).to_string(),
                data.page_context(id, &p.path),
                p.file.rel.clone(),
            )
        }
        Job::Section(id) => {
            let s = &lib.sections[id];
            if let Some(to) = &s.meta.redirect_to {
                return JobInput::Ready(OutputFile::bytes(
                    file_for_url(&s.path),
                    redirect_page(to),
                ));
            }
            let mut context = data.section_context(id, &s.path);
            if let Some(p) = inputs.pagination(Listing::Section(id)) {
                context.insert("paginator", &p.paginator(data, 0));
            }
            (
                s.path.clone(),
                section_template(lib, id).to_string(),
                context,
                s.file.rel.clone(),
            )
        }
        Job::Pager(listing, n) => {
            let Some(p) = inputs.pagination(listing) else {
                unreachable!("pager jobs are made for paginated listings only")
            };
            let path = p.path_of(n);
            let (mut context, source) = match listing {
                Listing::Section(id) => (
                    data.section_context(id, &path),
                    lib.sections[id].file.rel.clone(),
                ),
                Listing::Term(t, i) => (
                    data.taxonomy_term_context(&data.taxonomies[t], i),
                    path.clone(),
                ),
            };
            context.insert("current_path", &path);
            context.insert("current_url", &data.permalink(&path));
            context.insert("paginator", &p.paginator(data, n));
            let template = template_of(job, inputs).unwrap_or_default();
            (path, template, context, source)
        }
        Job::FirstPagerAlias(listing) => {
            let Some(p) = inputs.pagination(listing) else {
                unreachable!("pager jobs are made for paginated listings only")
            };
            return JobInput::Ready(OutputFile::bytes(
                file_for_url(&p.first_alias()),
                redirect_page(&data.permalink(p.path)),
            ));
        }
        Job::Alias(item, n) => {
            let Some((from, to)) = feeds::alias_of(lib, item, n) else {
                unreachable!("alias jobs are made from the aliases that exist")
            };
            return JobInput::Ready(OutputFile::bytes(
                file_for_url(&from),
                redirect_page(&data.permalink(&to)),
            ));
        }
        Job::Feed(of, n) => {
            let file = project
                .config
                .feed_filenames
                .get(n)
                .cloned()
                .unwrap_or_default();
            let (path, context) = feeds::feed_context(project, lib, data, of, &file);
            (path, file.clone(), context, format!("feed {file}"))
        }
        Job::Sitemap(n) => {
            let entries = feeds::sitemap_entries(lib, data, &inputs.pager_paths());
            let (path, template, context) = feeds::sitemap_context(data, &entries, n);
            (
                path,
                template.to_string(),
                context,
                "sitemap.xml".to_string(),
            )
        }
        Job::SearchIndex => {
            return JobInput::Ready(OutputFile::bytes(
                "search_index.json",
                feeds::search_index(lib, data),
            ));
        }
        Job::Robots => (
            "/robots.txt".to_string(),
            "robots.txt".to_string(),
            data.plain_context("/robots.txt"),
            "robots.txt".to_string(),
        ),
        Job::TaxonomyList(t) => {
            let tx = &data.taxonomies[t];
            let name = own_or_default(
                templates,
                &format!("{}/list.html", tx.name),
                "taxonomy_list.html",
            );
            (
                tx.path.clone(),
                name,
                data.taxonomy_list_context(tx),
                tx.path.clone(),
            )
        }
        Job::TaxonomyTerm(t, i) => {
            let tx = &data.taxonomies[t];
            let name = own_or_default(
                templates,
                &format!("{}/single.html", tx.name),
                "taxonomy_single.html",
            );
            let path = tx.terms[i].path.clone();
            let mut context = data.taxonomy_term_context(tx, i);
            if let Some(p) = inputs.pagination(Listing::Term(t, i)) {
                context.insert("paginator", &p.paginator(data, 0));
            }
            (path.clone(), name, context, path)
        }
        Job::NotFound => (
            "/404.html".to_string(),
            "404.html".to_string(),
            data.plain_context("/404.html"),
            "404.html".to_string(),
        ),
    };
    JobInput::Template {
        path,
        template,
        context,
        source,
    }
}

/// A taxonomy's own template (`tags/list.html`) if the site has one.
fn own_or_default(templates: &Templates, own: &str, default: &str) -> String {
    if templates.has(own) {
        own.to_string()
    } else {
        default.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_files() {
        assert_eq!(file_for_url("/"), "index.html");
        assert_eq!(file_for_url("/blog/post/"), "blog/post/index.html");
        assert_eq!(file_for_url("/404.html"), "404.html");
    }
}
