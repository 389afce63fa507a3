//! Checks of what a site names before anything renders: templates that
//! pages, sections and feeds ask for, and highlighting themes. Each error
//! points at the file and line that names the missing thing.

use crate::content::Library;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::Project;
use crate::templates::Templates;

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
