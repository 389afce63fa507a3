//! What each job is rendered from: its template, its context (Zola's
//! names, plus `paginator`, feed and sitemap values), its output path, or
//! the finished file for outputs that need no template (redirect pages,
//! the search index).

use super::feeds;
use super::jobs::{Inputs, Job, JobInput, Listing};
use crate::content::{Library, PageId, SectionId};
use crate::output::OutputFile;
use crate::templates::Templates;

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
    let to = crate::templates::escape_html(to);
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Redirect</title>\
         <link rel=\"canonical\" href=\"{to}\"><meta http-equiv=\"refresh\" content=\"0; url={to}\">\
         </head><body><a href=\"{to}\">Click here</a> if you are not redirected.</body></html>"
    )
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
    if let Some(file) = ready_output(job, inputs) {
        return JobInput::Ready(file);
    }
    let (path, template, context, source) = match *job {
        Job::Pager(listing, n) => pager_input(job, listing, n, inputs),
        Job::Feed(..) | Job::Sitemap(_) | Job::Robots => site_wide_input(job, inputs),
        _ => content_input(job, inputs),
    };
    JobInput::Template {
        path,
        template,
        context,
        source,
    }
}

/// (output path, template, context, the source named in errors).
type TemplateInput = (String, String, tera::Context, String);

/// The outputs made without a template: redirect pages and the search
/// index.
fn ready_output(job: &Job, inputs: &Inputs<'_>) -> Option<OutputFile> {
    let Inputs { lib, data, .. } = *inputs;
    let redirect = |from: &str, to: &str| {
        OutputFile::bytes(file_for_url(from), redirect_page(&data.permalink(to)))
    };
    match *job {
        Job::Section(id) => {
            let s = &lib.sections[id];
            let to = s.meta.redirect_to.as_deref()?;
            Some(OutputFile::bytes(file_for_url(&s.path), redirect_page(to)))
        }
        Job::FirstPagerAlias(listing) => {
            let p = inputs.pagination(listing)?;
            Some(redirect(&p.first_alias(), p.path))
        }
        Job::Alias(item, n) => {
            let (from, to) = feeds::alias_of(lib, item, n)?;
            Some(redirect(&from, &to))
        }
        Job::SearchIndex => Some(OutputFile::bytes(
            "search_index.json",
            feeds::search_index(lib, data),
        )),
        _ => None,
    }
}

/// Pages, sections (with their first pager), taxonomies and 404.
fn content_input(job: &Job, inputs: &Inputs<'_>) -> TemplateInput {
    let Inputs {
        lib,
        templates,
        data,
        ..
    } = *inputs;
    match *job {
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
        _ => (
            "/404.html".to_string(),
            "404.html".to_string(),
            data.plain_context("/404.html"),
            "404.html".to_string(),
        ),
    }
}

/// Pager `n` (from 1) of a paginated section or term.
fn pager_input(job: &Job, listing: Listing, n: usize, inputs: &Inputs<'_>) -> TemplateInput {
    let Inputs { lib, data, .. } = *inputs;
    let pagination = inputs.pagination(listing);
    let path = pagination.map_or_else(String::new, |p| p.path_of(n));
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
    if let Some(p) = pagination {
        context.insert("paginator", &p.paginator(data, n));
    }
    let template = template_of(job, inputs).unwrap_or_default();
    (path, template, context, source)
}

/// Feeds, the sitemap and robots.txt.
fn site_wide_input(job: &Job, inputs: &Inputs<'_>) -> TemplateInput {
    let Inputs {
        project, lib, data, ..
    } = *inputs;
    match *job {
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
        _ => (
            "/robots.txt".to_string(),
            "robots.txt".to_string(),
            data.plain_context("/robots.txt"),
            "robots.txt".to_string(),
        ),
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
