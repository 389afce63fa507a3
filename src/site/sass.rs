//! Sass and SCSS with grass: each `sass/**/*.scss` (or `.sass`) whose name
//! does not start with `_` becomes the `.css` of the same path in the
//! output, compressed. Partials (`_name.scss`) are only imported. Errors
//! name the file, line and column grass reports.

use std::path::Path;

use rayon::prelude::*;

use crate::content::rel_string;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::OutputFile;
use crate::project::Project;

/// The folder Sass sources live in, beside `static/`.
pub const FOLDER: &str = "sass";

/// The compiled stylesheets of the site's `sass/` folder (none without it).
pub fn compile(project: &Project) -> Result<Vec<OutputFile>, Diagnostics> {
    let dir = project.root.join(FOLDER);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let sources: Vec<_> = walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            !name.starts_with('_')
                && !name.starts_with('.')
                && (name.ends_with(".scss") || name.ends_with(".sass"))
        })
        .map(|e| e.into_path())
        .collect();
    let results: Vec<Result<OutputFile, Diagnostic>> = sources
        .par_iter()
        .map(|source| {
            // Per file: grass's options hold handles that are not `Sync`.
            let options = grass::Options::default()
                .style(grass::OutputStyle::Compressed)
                .load_path(&dir);
            let rel = source.strip_prefix(&dir).unwrap_or(source);
            let css_path = rel_string(&rel.with_extension("css"));
            grass::from_path(source, &options)
                .map(|css| OutputFile::bytes(css_path, css))
                .map_err(|e| diagnostic(project, source, *e))
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut diags = Diagnostics::default();
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    diags.into_result(files)
}

/// grass's error as a diagnostic at the place it names (which may be a
/// partial imported by `source`).
fn diagnostic(project: &Project, source: &Path, e: grass::Error) -> Diagnostic {
    match e.kind() {
        grass::ErrorKind::ParseError { message, loc, .. } => {
            let file = Path::new(loc.file.name());
            let file = if file.is_absolute() {
                file.to_path_buf()
            } else {
                project.root.join(FOLDER).join(file)
            };
            let file = if file.exists() {
                file
            } else {
                source.to_path_buf()
            };
            let text: std::sync::Arc<str> =
                std::fs::read_to_string(&file).unwrap_or_default().into();
            Diagnostic::at_line_col(
                project.display_path(&file),
                &text,
                loc.begin.line + 1,
                loc.begin.column + 1,
                format!("Sass error: {message}"),
            )
            .with_hint("see https://sass-lang.com/documentation/ for the syntax")
        }
        other => Diagnostic::in_file(
            project.display_path(source),
            1,
            1,
            format!("Sass error: {other:?}"),
        ),
    }
}
