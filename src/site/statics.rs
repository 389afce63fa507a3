//! The files copied as they are: the theme's static files, the site's
//! `static/` folder, and the assets beside content files.

use crate::content::{Library, rel_string};
use crate::markdown::highlight;
use crate::output::{Contents, OutputFile};
use crate::project::{HighlightStyle, Project};
use crate::templates::{DEFAULT_THEME_SEARCH, DEFAULT_THEME_STATIC};

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
    files.extend(generated_static(project));
    files.extend(copy_tree(&project.static_dir));
    files.extend(lib.assets.iter().map(|a| OutputFile {
        path: a.dest.clone(),
        contents: Contents::Copy(a.source.clone()),
    }));
    files
}

/// Files the build writes from settings: `syntax.css`, and the built-in
/// theme's `search.js` when there is a search index.
pub fn generated_static(project: &Project) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let markdown = &project.config.markdown;
    if markdown.highlight_code && markdown.highlight_style == HighlightStyle::Class {
        files.push(OutputFile::bytes(
            highlight::STYLESHEET,
            highlight::stylesheet(markdown),
        ));
    }
    if project.config.build_search_index && project.theme_dir.is_none() {
        let (name, text) = DEFAULT_THEME_SEARCH;
        files.push(OutputFile::bytes(name, text));
    }
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
