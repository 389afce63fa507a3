//! The build pipeline: load → render Markdown (parallel) → render templates
//! (parallel) → write. Everything is rendered in memory first; only a
//! complete, error-free build reaches the output writer.
//!
//! Public surface: [`build`] (render and write) and [`render`] (render only,
//! for `ssgx dev` and checks), with [`BuildReport`].

mod checks;
mod feeds;
pub mod hydrate;
mod inputs;
mod jobs;
mod live;
mod minify;
mod paginate;
pub mod sass;
mod statics;

pub use live::LiveSite;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::content::{self, Item, Library};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::error::Result;
use crate::markdown::{self, Rendered};
use crate::output::{self, OutputFile, WriteStats};
use crate::project::Project;
use crate::templates::assets::AssetFiles;
use crate::templates::{SiteData, Templates};

/// What a build made.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub sections: usize,
    pub files: usize,
    pub write: WriteStats,
    pub elapsed: Duration,
}

/// The rendered site, in memory.
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
    pub pages: usize,
    pub sections: usize,
    /// Future-dated pages left out: when each is due (UTC) and its file.
    pub future: Vec<(chrono::NaiveDateTime, String)>,
}

/// Renders the site and writes it to the project's output folder.
pub fn build(project: &Project) -> Result<BuildReport> {
    let start = Instant::now();
    let site = render(project)?;
    write(project, site, start)
}

/// Writes a rendered site; `start` is when its build began.
pub fn write(project: &Project, site: RenderedSite, start: Instant) -> Result<BuildReport> {
    let files = site.files.len();
    let written = Instant::now();
    let write = output::write(&project.output_dir, site.files)?;
    if project.config.markdown.highlight_code {
        crate::markdown::highlight_cache::save();
    }
    tracing::debug!("write: {} ms", written.elapsed().as_millis());
    Ok(BuildReport {
        pages: site.pages,
        sections: site.sections,
        files,
        write,
        elapsed: start.elapsed(),
    })
}

impl RenderedSite {
    /// Adds `rules` after the site's own `_redirects` (from `static/`), as
    /// Netlify reads them top to bottom and the first match wins.
    pub fn append_redirects(&mut self, rules: &[String]) -> Result<()> {
        if rules.is_empty() {
            return Ok(());
        }
        let existing = self.files.iter().rposition(|f| f.path == "_redirects");
        let mut text = match existing.map(|i| self.files.remove(i).contents) {
            Some(output::Contents::Bytes(b)) => String::from_utf8_lossy(&b).into_owned(),
            Some(output::Contents::Static(b)) => String::from_utf8_lossy(b).into_owned(),
            Some(output::Contents::Copy(src)) => std::fs::read_to_string(&src)
                .map_err(|e| crate::Error::io_at("cannot read", &src, e))?,
            None => String::new(),
        };
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for rule in rules {
            text.push_str(rule);
            text.push('\n');
        }
        self.files.push(OutputFile::bytes("_redirects", text));
        Ok(())
    }
}

/// Renders every output file of the site in memory.
pub fn render(project: &Project) -> Result<RenderedSite> {
    let prepared = prepare(project, false)?;
    let mut clock = Instant::now();
    let inputs = jobs::Inputs {
        project,
        lib: &prepared.library,
        templates: &prepared.templates,
        data: &prepared.data,
    };
    let mut files = jobs::render_all(&inputs)?;
    if hydrate::linked(&files) {
        files.push(hydrate::asset());
    }
    files.extend(prepared.sass);
    files.extend(statics::static_files(project, &prepared.library));
    lap(&mut clock, "render templates");
    let mut site = RenderedSite {
        files,
        pages: prepared.library.pages.len(),
        sections: prepared.library.sections.len(),
        future: prepared.library.future.clone(),
    };
    site.append_redirects(&feeds::alias_rules(&prepared.library))?;
    Ok(site)
}

/// Everything before template rendering: the content tree, its Markdown
/// rendered, the templates loaded with the site's data registered.
struct Prepared {
    /// Compiled Sass, made before the templates so they can hash it.
    sass: Vec<OutputFile>,
    library: Library,
    templates: Templates,
    data: Arc<SiteData>,
    page_heading_ids: Vec<Vec<String>>,
    section_heading_ids: Vec<Vec<String>>,
}

fn lap(clock: &mut Instant, stage: &str) {
    tracing::debug!(
        "{stage}: {} ms, {}",
        clock.elapsed().as_millis(),
        memory_use()
    );
    *clock = Instant::now();
}

/// Gives shortcodes the global functions before Markdown renders: those
/// that look pages up get the site without bodies, when a shortcode
/// template may call them; otherwise only the links, which cost nothing
/// to make.
fn register_for_shortcodes(
    templates: &mut Templates,
    project: &Project,
    library: &Library,
    taxonomies: &[content::Taxonomy],
    asset_files: &Arc<AssetFiles>,
) {
    let content_functions =
        templates.shortcodes_may_call(&["get_page", "get_section", "get_taxonomy"]);
    let site = if content_functions {
        SiteData::before_markdown(
            project,
            library,
            taxonomies.to_vec(),
            Arc::clone(asset_files),
        )
    } else {
        SiteData::links_only(project, library, Arc::clone(asset_files))
    };
    templates.register_for_shortcodes(Arc::new(site), content_functions);
}

/// Loads and renders everything up to the templates. `keep_sources` keeps
/// the Markdown text in memory (`ssgx dev` compares edits against it).
fn prepare(project: &Project, keep_sources: bool) -> Result<Prepared> {
    let mut clock = Instant::now();
    // Stages before template rendering go on past errors, so that one
    // build reports the errors of every file, not only the first stage's.
    let (mut library, mut diags) = content::load(project);
    let taxonomies = content::taxonomy::collect(project, &library).unwrap_or_else(|d| {
        diags.extend(d.0);
        Vec::new()
    });
    lap(&mut clock, "load content");
    if project.config.markdown.highlight_code {
        crate::markdown::highlight_cache::load(&project.root);
    }
    // Templates first: shortcodes in the Markdown render with them.
    let Some(mut templates) = Templates::load(project).map_err(|d| diags.extend(d.0)).ok() else {
        return Err(diags.into());
    };
    let sass = sass::compile(project).map_err(|d| diags.extend(d.0)).ok();
    let asset_files = Arc::new(asset_files(project, sass.as_deref().unwrap_or_default()));
    register_for_shortcodes(&mut templates, project, &library, &taxonomies, &asset_files);
    lap(&mut clock, "load templates");
    let markdown = render_markdown(project, &library, &templates)
        .map_err(|d| diags.extend(d.0))
        .ok();
    lap(&mut clock, "render markdown");
    let (Some((page_html, section_html)), Some(sass)) = (markdown, sass) else {
        return Err(diags.into());
    };
    diags.into_result(())?;
    checks::check_templates_exist(&library, &templates)?;
    checks::check_feed_templates(project, &templates)?;
    checks::check_highlight_themes(project)?;
    if !keep_sources {
        library.release_sources();
    }

    let ids = |html: &[Rendered]| -> Vec<Vec<String>> {
        html.iter().map(|r| r.heading_ids.clone()).collect()
    };
    let (page_heading_ids, section_heading_ids) = if keep_sources {
        (ids(&page_html), ids(&section_html))
    } else {
        (Vec::new(), Vec::new())
    };
    let data = Arc::new(SiteData::build(
        project,
        &library,
        page_html,
        section_html,
        taxonomies,
        asset_files,
    ));
    templates.register_site(Arc::clone(&data));
    lap(&mut clock, "serialize site");
    Ok(Prepared {
        sass,
        library,
        templates,
        data,
        page_heading_ids,
        section_heading_ids,
    })
}

/// Where `get_url(cachebust=true)` and `get_hash` find files: what the
/// build makes (Sass, the built-in theme's and highlighting's stylesheets),
/// then the site's `static/`, the theme's, and the content folder.
fn asset_files(project: &Project, sass: &[OutputFile]) -> AssetFiles {
    let mut generated: HashMap<String, Vec<u8>> = HashMap::new();
    if project.theme_dir.is_none() {
        for (name, text) in crate::templates::DEFAULT_THEME_STATIC {
            generated.insert(name.to_string(), text.as_bytes().to_vec());
        }
    }
    for file in statics::generated_static(project)
        .into_iter()
        .chain(sass.iter().cloned())
    {
        if let output::Contents::Bytes(b) = file.contents {
            generated.insert(file.path, b);
        }
    }
    let mut dirs = vec![project.static_dir.clone()];
    dirs.extend(project.theme_dir.iter().map(|t| t.join("static")));
    dirs.push(project.content_dir.clone());
    // The site's own static files win over what the build makes.
    generated.retain(|path, _| !project.static_dir.join(path).is_file());
    AssetFiles::new(dirs, generated)
}

/// One file's Markdown, with `@/` links resolved against the library.
fn markdown_of(
    project: &Project,
    lib: &Library,
    templates: &Templates,
    file: &content::SourceFile,
    path: &str,
) -> std::result::Result<Rendered, Vec<Diagnostic>> {
    let base = project.base_url.as_str();
    let resolve = |rel: &str| match lib.by_rel.get(rel) {
        Some(&item) => Some(content::permalink(base, lib.path_of(item))),
        // The target failed to load and is reported already.
        None if lib.failed.iter().any(|f| f == rel) => Some(String::new()),
        None => None,
    };
    let permalink = content::permalink(base, path);
    let src = markdown::Source {
        file: &file.display,
        rel: &file.rel,
        text: &file.text,
        body_start: file.body_start,
        permalink: &permalink,
        config: &project.config.markdown,
        base_url: base,
    };
    markdown::render(&src, &resolve, templates)
}

/// Markdown of every page and section, in parallel; then `@/` anchors are
/// checked against the heading ids of their targets.
fn render_markdown(
    project: &Project,
    lib: &Library,
    templates: &Templates,
) -> Result<(Vec<Rendered>, Vec<Rendered>), Diagnostics> {
    let render_one =
        |file: &content::SourceFile, path: &str| markdown_of(project, lib, templates, file, path);
    let pages: Vec<_> = lib
        .pages
        .par_iter()
        .map(|p| render_one(&p.file, &p.path))
        .collect();
    let sections: Vec<_> = lib
        .sections
        .par_iter()
        .map(|s| render_one(&s.file, &s.path))
        .collect();

    let mut diags = Diagnostics::default();
    let mut unwrap =
        |results: Vec<std::result::Result<Rendered, Vec<Diagnostic>>>| -> Vec<Rendered> {
            results
                .into_iter()
                .map(|r| {
                    r.unwrap_or_else(|errs| {
                        diags.extend(errs);
                        Rendered::default()
                    })
                })
                .collect()
        };
    let pages = unwrap(pages);
    let sections = unwrap(sections);
    if !diags.is_empty() {
        return Err(diags);
    }
    diags.extend(check_anchors(lib, &pages, &sections));
    diags.into_result((pages, sections))
}

/// Each `@/page.md#anchor` (or relative `../page.md#anchor`) link names
/// a heading the target really has.
fn check_anchors(lib: &Library, pages: &[Rendered], sections: &[Rendered]) -> Vec<Diagnostic> {
    let ids_of = |item: Item| match item {
        Item::Page(id) => pages[id].heading_ids.as_slice(),
        Item::Section(id) => sections[id].heading_ids.as_slice(),
    };
    let files = lib
        .pages
        .iter()
        .map(|p| &p.file)
        .chain(lib.sections.iter().map(|s| &s.file));
    files
        .zip(pages.iter().chain(sections.iter()))
        .flat_map(|(file, rendered)| check_links_of(lib, file, rendered, &ids_of))
        .collect()
}

/// The anchors of one file's `@/` links, checked with `ids_of`.
fn check_links_of<'a>(
    lib: &Library,
    file: &content::SourceFile,
    rendered: &Rendered,
    ids_of: &impl Fn(Item) -> &'a [String],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for link in &rendered.internal_links {
        let (Some(anchor), Some(&target)) = (&link.anchor, lib.by_rel.get(&link.target)) else {
            continue;
        };
        if !ids_of(target).iter().any(|id| id == anchor) {
            let message = format!(
                "broken anchor: {} has no heading with id `{anchor}`",
                link.target
            );
            let hint = format!(
                "headings of {} have the ids: {}",
                link.target,
                preview(ids_of(target))
            );
            diags.push(
                Diagnostic::at_offset(&file.display, &file.text, link.offset, 0, message)
                    .with_hint(hint),
            );
        }
    }
    diags
}

/// Resident and peak memory, for the debug log (Linux only).
fn memory_use() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| (kb / 1024).to_string())
    };
    format!("rss {} MiB, peak {} MiB", field("VmRSS:"), field("VmHWM:"))
}

fn preview(ids: &[String]) -> String {
    if ids.is_empty() {
        return "(none)".to_string();
    }
    let mut s = ids.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 8 {
        s.push_str(", ...");
    }
    s
}

/// One template error repeated over many pages is reported once, with a
/// count, instead of once per page.
fn dedupe_render_errors(errors: Vec<(String, Diagnostic)>) -> Diagnostics {
    let mut grouped: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (source, d) in errors {
        let key = (d.location(), d.message.clone());
        match index.get(&key) {
            Some(&i) => grouped[i].1.push(source),
            None => {
                index.insert(key, grouped.len());
                grouped.push((d, vec![source]));
            }
        }
    }
    let mut diags = Diagnostics::default();
    for (mut d, sources) in grouped {
        d.message = match sources.len() {
            1 => format!("{} (while rendering {})", d.message, sources[0]),
            n => format!(
                "{} (while rendering {} and {} more)",
                d.message,
                sources[0],
                n - 1
            ),
        };
        diags.push(d);
    }
    diags
}
