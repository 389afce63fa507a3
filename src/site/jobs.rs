//! What the site renders (one job per output file) and which template each
//! job uses; the static files that are copied beside them.

use rayon::prelude::*;

use super::dedupe_render_errors;
use crate::content::{Library, PageId, SectionId, rel_string};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::{Contents, OutputFile};
use crate::project::Project;
use crate::templates::{DEFAULT_THEME_STATIC, SiteData, Templates};

#[derive(Debug, Clone, Copy)]
pub enum Job {
    Page(PageId),
    Section(SectionId),
    TaxonomyList(usize),
    TaxonomyTerm(usize, usize),
    NotFound,
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
    let to = tera::escape_html(to);
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Redirect</title>\
         <link rel=\"canonical\" href=\"{to}\"><meta http-equiv=\"refresh\" content=\"0; url={to}\">\
         </head><body><a href=\"{to}\">Click here</a> if you are not redirected.</body></html>"
    )
}

/// Every output the site renders from templates.
pub fn all_jobs(lib: &Library, templates: &Templates, data: &SiteData) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::with_capacity(lib.pages.len() + lib.sections.len());
    jobs.extend((0..lib.pages.len()).map(Job::Page));
    jobs.extend((0..lib.sections.len()).map(Job::Section));
    for (t, taxonomy) in data.taxonomies.iter().enumerate() {
        jobs.push(Job::TaxonomyList(t));
        jobs.extend((0..taxonomy.terms.len()).map(|i| Job::TaxonomyTerm(t, i)));
    }
    if templates.has("404.html") {
        jobs.push(Job::NotFound);
    }
    jobs
}

/// Renders every job in parallel. Errors are collected, not fatal at once.
pub fn render_all(
    lib: &Library,
    templates: &Templates,
    data: &SiteData,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let jobs = all_jobs(lib, templates, data);
    let results: Vec<Result<OutputFile, RenderError>> = jobs
        .par_iter()
        .map(|job| render_job(job, lib, templates, data))
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
    lib: &Library,
    templates: &Templates,
    data: &SiteData,
    keep: impl Fn(&Job) -> bool + Sync,
) -> Result<Vec<Recorded>, Diagnostics> {
    let results: Vec<Result<Recorded, RenderError>> = jobs
        .par_iter()
        .map(|job| {
            let input = job_input(job, lib, templates, data);
            let (file, mut pages) =
                crate::templates::record_fetched_pages(|| input.render(templates));
            pages.extend(shown_pages(job, lib, data));
            pages.sort_unstable();
            pages.dedup();
            let kept = keep(job).then_some(input);
            file.map(|f| (f, pages, kept))
        })
        .collect();
    collect(results)
}

/// The pages whose bodies a job's own context carries.
pub fn shown_pages(job: &Job, lib: &Library, data: &SiteData) -> Vec<PageId> {
    match *job {
        Job::Page(id) => vec![id],
        Job::Section(id) if lib.sections[id].meta.redirect_to.is_none() => {
            data.section_pages[id].clone()
        }
        Job::TaxonomyTerm(t, i) => data.taxonomies[t].terms[i].pages.clone(),
        // Lists carry page references only (title, permalink, dates).
        Job::Section(_) | Job::TaxonomyList(_) | Job::NotFound => Vec::new(),
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

fn render_job(
    job: &Job,
    lib: &Library,
    templates: &Templates,
    data: &SiteData,
) -> Result<OutputFile, RenderError> {
    job_input(job, lib, templates, data).render(templates)
}

/// The template a job renders with; `None` for a section's `redirect_to`
/// page, which has none.
pub fn template_of(
    job: &Job,
    lib: &Library,
    templates: &Templates,
    data: &SiteData,
) -> Option<String> {
    match *job {
        Job::Page(id) => Some(page_template(lib, id).to_string()),
        Job::Section(id) if lib.sections[id].meta.redirect_to.is_some() => None,
        Job::Section(id) => Some(section_template(lib, id).to_string()),
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

pub fn job_input(job: &Job, lib: &Library, templates: &Templates, data: &SiteData) -> JobInput {
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
            (
                s.path.clone(),
                section_template(lib, id).to_string(),
                data.section_context(id, &s.path),
                s.file.rel.clone(),
            )
        }
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
            (path.clone(), name, data.taxonomy_term_context(tx, i), path)
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

/// Theme static files, then the site's `static/` (which wins), then the
/// files colocated with content.
pub fn static_files(project: &Project, lib: &Library) -> Vec<OutputFile> {
    let mut files = Vec::new();
    match &project.theme_dir {
        None => files.extend(DEFAULT_THEME_STATIC.iter().map(|(name, text)| OutputFile {
            path: name.to_string(),
            contents: Contents::Static(text.as_bytes()),
        })),
        Some(theme) => files.extend(copy_tree(&theme.join("static"))),
    }
    files.extend(copy_tree(&project.static_dir));
    files.extend(lib.assets.iter().map(|a| OutputFile {
        path: a.dest.clone(),
        contents: Contents::Copy(a.source.clone()),
    }));
    files
}

fn copy_tree(dir: &std::path::Path) -> Vec<OutputFile> {
    if !dir.is_dir() {
        return Vec::new();
    }
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            Some(OutputFile {
                path: rel_string(rel),
                contents: Contents::Copy(e.path().to_path_buf()),
            })
        })
        .collect()
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
