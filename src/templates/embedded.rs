//! The default theme, compiled into the binary so that a folder holding
//! only Markdown builds. The files live in `themes/default/` in the repo.

macro_rules! theme_file {
    ($dir:literal, $name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/themes/default/",
                $dir,
                "/",
                $name
            )),
        )
    };
}

/// `(template name, source)`.
pub const DEFAULT_THEME_TEMPLATES: &[(&str, &str)] = &[
    theme_file!("templates", "base.html"),
    theme_file!("templates", "macros.html"),
    theme_file!("templates", "index.html"),
    theme_file!("templates", "section.html"),
    theme_file!("templates", "page.html"),
    theme_file!("templates", "taxonomy_list.html"),
    theme_file!("templates", "taxonomy_single.html"),
    theme_file!("templates", "404.html"),
    theme_file!("templates", "atom.xml"),
    theme_file!("templates", "rss.xml"),
    theme_file!("templates", "sitemap.xml"),
    theme_file!("templates", "split_sitemap_index.xml"),
    theme_file!("templates", "robots.txt"),
];

/// `(output path, contents)` of the theme's static files.
pub const DEFAULT_THEME_STATIC: &[(&str, &str)] = &[theme_file!("static", "theme.css")];

/// The built-in theme's search script, written when the site builds a
/// search index.
pub const DEFAULT_THEME_SEARCH: (&str, &str) = theme_file!("static", "search.js");
