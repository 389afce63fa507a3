//! Zola's template functions and extra filters, over [`SiteData`].

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tera::{Function, Tera};

use super::SiteData;
use crate::content::Item;

type Args = HashMap<String, Value>;

thread_local! {
    /// Pages whose body-derived fields (`content`, `summary`, `toc`, ...)
    /// the render running on this thread fetched, when recording.
    static FETCHED: std::cell::RefCell<Option<Vec<usize>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `render` and returns, with its result, the pages it fetched through
/// `get_page` and `get_section` (their bodies show in its output). Renders
/// run on one thread each, so a thread-local list is enough.
pub fn record_fetched_pages<T>(render: impl FnOnce() -> T) -> (T, Vec<usize>) {
    FETCHED.with(|f| *f.borrow_mut() = Some(Vec::new()));
    let result = render();
    let fetched = FETCHED.with(|f| f.borrow_mut().take()).unwrap_or_default();
    (result, fetched)
}

fn note_fetched(pages: impl IntoIterator<Item = usize>) {
    FETCHED.with(|f| {
        if let Some(list) = f.borrow_mut().as_mut() {
            list.extend(pages);
        }
    });
}

fn str_arg<'a>(fname: &str, args: &'a Args, key: &str) -> tera::Result<&'a str> {
    match args.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("`{fname}`: `{key}` must be a string, not {other}").into()),
        None => Err(format!("`{fname}` needs a `{key}` argument").into()),
    }
}

fn bool_arg(args: &Args, key: &str) -> bool {
    args.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Looks an `@/`-less content path up.
fn find(site: &SiteData, fname: &str, path: &str) -> tera::Result<Item> {
    let key = path.trim_start_matches("@/");
    site.by_rel.get(key).copied().ok_or_else(|| {
        format!(
            "`{fname}`: no page or section at `{key}` (paths are relative to the content folder)"
        )
        .into()
    })
}

pub fn register_functions(tera: &mut Tera, site: Arc<SiteData>) {
    register_link_functions(tera, Arc::clone(&site));
    tera.register_function("get_page", GetPage(Arc::clone(&site)));
    tera.register_function("get_section", GetSection(Arc::clone(&site)));
    tera.register_function("get_taxonomy", GetTaxonomy(Arc::clone(&site)));
    tera.register_function("get_taxonomy_url", GetTaxonomyUrl(site));
}

/// The functions that need the site's URLs and files but no rendered
/// page: `get_url` and `get_hash`.
pub fn register_link_functions(tera: &mut Tera, site: Arc<SiteData>) {
    tera.register_function("get_url", GetUrl(Arc::clone(&site)));
    tera.register_function("get_hash", GetHash(site));
}

pub fn register_filters(tera: &mut Tera) {
    tera.register_filter("markdown", |value: &Value, args: &Args| {
        let text = value.as_str().ok_or("`markdown` filters strings only")?;
        Ok(Value::String(crate::markdown::render_fragment(
            text,
            bool_arg(args, "inline"),
        )))
    });
}

/// `get_url(path="@/blog/post.md")` or `get_url(path="css/site.css")`.
struct GetUrl(Arc<SiteData>);
impl Function for GetUrl {
    fn call(&self, args: &Args) -> tera::Result<Value> {
        let path = str_arg("get_url", args, "path")?;
        let url = if path.starts_with("@/") {
            let (file, anchor) = match path.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (path, None),
            };
            let item = find(&self.0, "get_url", file)?;
            let base = match item {
                Item::Page(id) => self.0.pages[id]["permalink"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                Item::Section(id) => self.0.sections[id]["permalink"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            };
            match anchor {
                Some(a) => format!("{base}#{a}"),
                None => base,
            }
        } else if path.contains("://") || path.starts_with("//") {
            path.to_string()
        } else {
            let mut url = self
                .0
                .permalink(&format!("/{}", path.trim_start_matches('/')));
            if bool_arg(args, "trailing_slash") && !url.ends_with('/') {
                url.push('/');
            }
            if bool_arg(args, "cachebust") {
                let bytes = self.0.asset_files.bytes(path).ok_or_else(|| {
                    format!("`get_url`: cannot cachebust `{path}`: no such file in static/, sass/ or the content folder")
                })?;
                url.push_str("?h=");
                url.push_str(&super::assets::cachebust(&bytes));
            }
            url
        };
        Ok(Value::String(url))
    }
    fn is_safe(&self) -> bool {
        true
    }
}

/// `get_hash(path="site.css", sha_type=384, base64=true)`: the hash of a
/// file of the site, for `integrity` attributes.
struct GetHash(Arc<SiteData>);
impl Function for GetHash {
    fn call(&self, args: &Args) -> tera::Result<Value> {
        let path = str_arg("get_hash", args, "path")?;
        let sha_type = args.get("sha_type").and_then(Value::as_u64).unwrap_or(384);
        let base64 = args.get("base64").and_then(Value::as_bool).unwrap_or(true);
        let bytes = self.0.asset_files.bytes(path).ok_or_else(|| {
            format!("`get_hash`: no such file `{path}` in static/, sass/ or the content folder")
        })?;
        super::assets::hash(&bytes, sha_type, base64)
            .map(Value::String)
            .ok_or_else(|| {
                format!("`get_hash`: `sha_type` must be 256, 384 or 512, not {sha_type}").into()
            })
    }
    fn is_safe(&self) -> bool {
        true
    }
}

/// `get_page(path="blog/post.md")`: the full page.
struct GetPage(Arc<SiteData>);
impl Function for GetPage {
    fn call(&self, args: &Args) -> tera::Result<Value> {
        let path = str_arg("get_page", args, "path")?;
        match find(&self.0, "get_page", path)? {
            Item::Page(id) => {
                note_fetched([id]);
                Ok(self.0.full_page(id))
            }
            Item::Section(_) => {
                Err(format!("`get_page`: `{path}` is a section; use get_section").into())
            }
        }
    }
}

/// `get_section(path="blog/_index.md", metadata_only=false)`.
struct GetSection(Arc<SiteData>);
impl Function for GetSection {
    fn call(&self, args: &Args) -> tera::Result<Value> {
        let path = str_arg("get_section", args, "path")?;
        match find(&self.0, "get_section", path)? {
            Item::Section(id) if bool_arg(args, "metadata_only") => Ok(self.0.sections[id].clone()),
            Item::Section(id) => {
                note_fetched(self.0.section_pages[id].iter().copied());
                Ok(self.0.section_with_pages(id))
            }
            Item::Page(_) => Err(format!("`get_section`: `{path}` is a page; use get_page").into()),
        }
    }
}

/// `get_taxonomy(kind="tags")`: `{kind, items}` with light page refs.
struct GetTaxonomy(Arc<SiteData>);
impl Function for GetTaxonomy {
    fn call(&self, args: &Args) -> tera::Result<Value> {
        let kind = str_arg("get_taxonomy", args, "kind")?;
        match self.0.taxonomies.iter().find(|t| t.name == kind) {
            Some(t) => Ok(
                serde_json::json!({ "kind": self.0.taxonomy_value(t), "items": self.0.terms_value(t) }),
            ),
            None if bool_arg(args, "required") || !args.contains_key("required") => {
                Err(format!("`get_taxonomy`: no taxonomy named `{kind}`").into())
            }
            None => Ok(Value::Null),
        }
    }
}

/// `get_taxonomy_url(kind="tags", name="rust")`.
struct GetTaxonomyUrl(Arc<SiteData>);
impl Function for GetTaxonomyUrl {
    fn call(&self, args: &Args) -> tera::Result<Value> {
        let kind = str_arg("get_taxonomy_url", args, "kind")?;
        let name = str_arg("get_taxonomy_url", args, "name")?;
        let taxonomy = self
            .0
            .taxonomies
            .iter()
            .find(|t| t.name == kind)
            .ok_or_else(|| format!("`get_taxonomy_url`: no taxonomy named `{kind}`"))?;
        let slug = crate::content::slugify(name);
        let term = taxonomy
            .terms
            .iter()
            .find(|t| t.slug == slug)
            .ok_or_else(|| format!("`get_taxonomy_url`: `{kind}` has no term `{name}`"))?;
        Ok(Value::String(self.0.permalink(&term.path)))
    }
    fn is_safe(&self) -> bool {
        true
    }
}
