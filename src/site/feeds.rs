//! The outputs made from the whole site rather than one page: Atom and RSS
//! feeds (site, section and term), `sitemap.xml` (split past 30,000 URLs
//! into an index and parts), and aliases (a redirect page at each old URL
//! plus a `301!` line for `_redirects`, so Netlify answers with a real
//! redirect), and the JSON search index. Each but the index is rendered
//! by a template of the theme chain, so sites can override them.

use chrono::{NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};
use tera::Context;

use crate::content::dates::PageDate;
use crate::content::{Item, Library, PageId};
use crate::project::{FeedContent, Project};
use crate::templates::SiteData;

/// The most URLs one sitemap file may list.
pub const SITEMAP_LIMIT: usize = 30_000;

/// Whose pages a feed lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOf {
    Site,
    Section(usize),
    Term(usize, usize),
}

/// Whose feeds the site has; each has one file per `feed_filenames`.
pub fn feed_owners(project: &Project, lib: &Library, data: &SiteData) -> Vec<FeedOf> {
    let mut owners = Vec::new();
    if project.config.generate_feeds {
        owners.push(FeedOf::Site);
    }
    for (id, section) in lib.sections.iter().enumerate() {
        if section.meta.generate_feeds && section.meta.redirect_to.is_none() {
            owners.push(FeedOf::Section(id));
        }
    }
    for (t, taxonomy) in data.taxonomies.iter().enumerate() {
        if taxonomy.feed {
            owners.extend((0..taxonomy.terms.len()).map(|i| FeedOf::Term(t, i)));
        }
    }
    owners
}

/// The pages a feed lists, newest first, limited by `feed_limit`. The
/// site's feed lists dated pages only.
pub fn feed_pages(project: &Project, lib: &Library, data: &SiteData, of: FeedOf) -> Vec<PageId> {
    let mut pages: Vec<PageId> = match of {
        FeedOf::Site => (0..lib.pages.len())
            .filter(|&p| lib.pages[p].date.is_some())
            .collect(),
        FeedOf::Section(id) => data.section_pages[id].clone(),
        FeedOf::Term(t, i) => data.taxonomies[t].terms[i].pages.clone(),
    };
    pages.sort_by(|&a, &b| {
        let date = |p: PageId| lib.pages[p].date.as_ref().map(|d| d.utc);
        date(b).cmp(&date(a))
    });
    if let Some(limit) = project.config.feed_limit {
        pages.truncate(limit);
    }
    pages
}

/// `(output path, context)` of one feed.
pub fn feed_context(
    project: &Project,
    lib: &Library,
    data: &SiteData,
    of: FeedOf,
    file: &str,
) -> (String, Context) {
    let (dir, mut extra) = match of {
        FeedOf::Site => ("/".to_string(), Vec::new()),
        FeedOf::Section(id) => (
            lib.sections[id].path.clone(),
            vec![("section", data.sections[id].clone())],
        ),
        FeedOf::Term(t, i) => {
            let taxonomy = &data.taxonomies[t];
            let term = &taxonomy.terms[i];
            let value = json!({
                "name": term.name, "slug": term.slug, "path": term.path,
                "permalink": data.permalink(&term.path),
            });
            (
                term.path.clone(),
                vec![("taxonomy", data.taxonomy_value(taxonomy)), ("term", value)],
            )
        }
    };
    let path = format!("{dir}{file}");
    let ids = feed_pages(project, lib, data, of);
    let newest = ids
        .iter()
        .filter_map(|&p| newest_date(lib, p))
        .max()
        .unwrap_or_default();
    let pages: Vec<Value> = ids
        .iter()
        .map(|&p| feed_entry(project, lib, data, p))
        .collect();
    extra.extend([
        ("feed_url", Value::String(data.permalink(&path))),
        ("alternate_url", Value::String(data.permalink(&dir))),
        ("last_updated", Value::String(rfc3339(newest))),
        ("last_updated_rfc2822", Value::String(rfc2822(newest))),
        ("pages", Value::Array(pages)),
    ]);
    (path.clone(), data.context(&path, extra))
}

/// A page as a feed entry: its fields plus the dates feeds need and the
/// HTML to carry (`feed_content`).
fn feed_entry(project: &Project, lib: &Library, data: &SiteData, id: PageId) -> Value {
    let mut entry = data.page_with_body(id);
    let page = &lib.pages[id];
    let published = page.date.as_ref().map(|d| d.utc).unwrap_or_default();
    let updated = newest_date(lib, id).unwrap_or(published);
    let content = match project.config.feed_content {
        FeedContent::Summary if !entry["summary"].is_null() => entry["summary"].clone(),
        _ => entry["content"].clone(),
    };
    entry["feed_date"] = Value::String(rfc3339(published));
    entry["feed_updated"] = Value::String(rfc3339(updated));
    entry["feed_date_rfc2822"] = Value::String(rfc2822(published));
    entry["feed_content"] = content;
    entry
}

fn newest_date(lib: &Library, id: PageId) -> Option<NaiveDateTime> {
    let page = &lib.pages[id];
    let date = |d: &Option<PageDate>| d.as_ref().map(|d| d.utc);
    date(&page.updated).max(date(&page.date))
}

fn rfc3339(t: NaiveDateTime) -> String {
    Utc.from_utc_datetime(&t)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn rfc2822(t: NaiveDateTime) -> String {
    Utc.from_utc_datetime(&t).to_rfc2822()
}

/// The longest page text the search index keeps (characters).
const SEARCH_BODY_CHARS: usize = 5_000;

/// `search_index.json`: every page and section with a title, as
/// `{title, url, description, date, body}` (the body as plain text).
pub fn search_index(lib: &Library, data: &SiteData) -> String {
    let mut entries: Vec<Value> = Vec::with_capacity(lib.pages.len() + lib.sections.len());
    let pages = data
        .pages
        .iter()
        .zip(&data.page_bodies)
        .map(|(v, body)| (v, body.content.as_str()));
    let sections = lib
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.meta.redirect_to.is_none())
        .map(|(id, _)| {
            let v = &data.sections[id];
            (v, v["content"].as_str().unwrap_or_default())
        });
    for (v, html) in pages.chain(sections) {
        let Some(title) = v["title"].as_str() else {
            continue;
        };
        let body = html_to_text(html);
        entries.push(json!({
            "title": title,
            "url": v["permalink"],
            "description": v["description"],
            "date": v.get("date").cloned().unwrap_or(Value::Null),
            "body": body.chars().take(SEARCH_BODY_CHARS).collect::<String>(),
        }));
    }
    Value::Array(entries).to_string()
}

/// The text of rendered HTML: tags dropped, the common entities decoded,
/// white space collapsed. Written here rather than taken from a crate:
/// the HTML is ssgx's own Markdown output, and this is all it needs.
fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c => text.push(c),
        }
    }
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One URL of the sitemap.
#[derive(Debug, Clone)]
pub struct SitemapEntry {
    pub permalink: String,
    pub updated: Option<String>,
}

/// Every URL of the site that a search engine should know, sorted.
/// `extra_paths` are the pager paths of paginated listings.
pub fn sitemap_entries(
    lib: &Library,
    data: &SiteData,
    extra_paths: &[String],
) -> Vec<SitemapEntry> {
    let mut entries: Vec<SitemapEntry> = Vec::with_capacity(lib.pages.len() + lib.sections.len());
    for page in &lib.pages {
        let updated = page.updated.as_ref().or(page.date.as_ref());
        entries.push(SitemapEntry {
            permalink: data.permalink(&page.path),
            updated: updated.map(|d| d.date().format("%Y-%m-%d").to_string()),
        });
    }
    let plain = |path: &str| SitemapEntry {
        permalink: data.permalink(path),
        updated: None,
    };
    for section in lib.sections.iter().filter(|s| s.meta.redirect_to.is_none()) {
        entries.push(plain(&section.path));
    }
    for taxonomy in &data.taxonomies {
        entries.push(plain(&taxonomy.path));
        entries.extend(taxonomy.terms.iter().map(|t| plain(&t.path)));
    }
    entries.extend(extra_paths.iter().map(|p| plain(p)));
    entries.sort_by(|a, b| a.permalink.cmp(&b.permalink));
    entries.dedup_by(|a, b| a.permalink == b.permalink);
    entries
}

/// How many sitemap files: one, or an index plus its parts.
pub fn sitemap_files(entries: usize) -> usize {
    if entries <= SITEMAP_LIMIT {
        1
    } else {
        1 + entries.div_ceil(SITEMAP_LIMIT)
    }
}

/// `(output path, template, context)` of sitemap file `index`: 0 is
/// `sitemap.xml` (the whole map, or the index of the parts), then
/// `sitemap1.xml`, `sitemap2.xml`, ...
pub fn sitemap_context(
    data: &SiteData,
    entries: &[SitemapEntry],
    index: usize,
) -> (String, &'static str, Context) {
    let entry_values = |slice: &[SitemapEntry]| -> Value {
        slice
            .iter()
            .map(|e| json!({"permalink": e.permalink, "updated": e.updated}))
            .collect()
    };
    if entries.len() <= SITEMAP_LIMIT {
        let path = "/sitemap.xml".to_string();
        let context = data.context(&path, vec![("entries", entry_values(entries))]);
        return (path, "sitemap.xml", context);
    }
    if index == 0 {
        let parts = entries.len().div_ceil(SITEMAP_LIMIT);
        let sitemaps: Vec<Value> = (1..=parts)
            .map(|n| Value::String(data.permalink(&format!("/sitemap{n}.xml"))))
            .collect();
        let path = "/sitemap.xml".to_string();
        let context = data.context(&path, vec![("sitemaps", Value::Array(sitemaps))]);
        return (path, "split_sitemap_index.xml", context);
    }
    let chunk = entries
        .chunks(SITEMAP_LIMIT)
        .nth(index - 1)
        .unwrap_or_default();
    let path = format!("/sitemap{index}.xml");
    let context = data.context(&path, vec![("entries", entry_values(chunk))]);
    (path, "sitemap.xml", context)
}

/// Every alias, as (its path, the path it leads to, who declared it, and
/// which of its aliases it is).
pub fn aliases(lib: &Library) -> Vec<(String, String, Item, usize)> {
    let pages = lib.pages.iter().enumerate().flat_map(|(id, page)| {
        page.meta
            .aliases
            .iter()
            .enumerate()
            .map(move |(n, a)| (alias_path(a), page.path.clone(), Item::Page(id), n))
    });
    let sections = lib.sections.iter().enumerate().flat_map(|(id, section)| {
        section
            .meta
            .aliases
            .iter()
            .enumerate()
            .map(move |(n, a)| (alias_path(a), section.path.clone(), Item::Section(id), n))
    });
    pages.chain(sections).collect()
}

/// Alias `n` of `item`: (its path, the path it leads to).
pub fn alias_of(lib: &Library, item: Item, n: usize) -> Option<(String, String)> {
    let (aliases, to) = match item {
        Item::Page(id) => (&lib.pages[id].meta.aliases, &lib.pages[id].path),
        Item::Section(id) => (&lib.sections[id].meta.aliases, &lib.sections[id].path),
    };
    Some((alias_path(aliases.get(n)?), to.clone()))
}

/// `old/post` → `/old/post/`; `old.html` stays a file.
fn alias_path(alias: &str) -> String {
    let trimmed = alias.trim().trim_start_matches('/');
    let is_file = trimmed
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if is_file || trimmed.ends_with('/') || trimmed.is_empty() {
        format!("/{trimmed}")
    } else {
        format!("/{trimmed}/")
    }
}

/// The `_redirects` lines of the aliases: forced (`301!`), because the
/// redirect page at the old URL would otherwise shadow the rule.
pub fn alias_rules(lib: &Library) -> Vec<String> {
    let list = aliases(lib);
    if list.is_empty() {
        return Vec::new();
    }
    let mut rules = vec!["# Added by ssgx: the aliases of pages and sections.".to_string()];
    rules.extend(
        list.iter()
            .map(|(from, to, _, _)| format!("{from}  {to}  301!")),
    );
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_paths_and_dates() {
        assert_eq!(alias_path("old/post"), "/old/post/");
        assert_eq!(alias_path("/old/post/"), "/old/post/");
        assert_eq!(alias_path("old/post.html"), "/old/post.html");
        let t = PageDate::parse("2024-05-01").unwrap().utc;
        assert_eq!(rfc3339(t), "2024-05-01T00:00:00Z");
        assert_eq!(rfc2822(t), "Wed, 1 May 2024 00:00:00 +0000");
        assert_eq!(
            html_to_text("<p>Tom &amp; <em>Jerry</em>\n</p><pre><code>a &lt; b</code></pre>"),
            "Tom & Jerry a < b"
        );
        assert_eq!(sitemap_files(30_000), 1);
        assert_eq!(sitemap_files(30_001), 3);
    }

    #[test]
    fn big_sitemaps_split_into_an_index_and_parts() {
        let data = SiteData::default();
        let entries: Vec<SitemapEntry> = (0..SITEMAP_LIMIT + 1)
            .map(|n| SitemapEntry {
                permalink: format!("/p{n}/"),
                updated: None,
            })
            .collect();
        let (path, template, context) = sitemap_context(&data, &entries, 0);
        assert_eq!(
            (path.as_str(), template),
            ("/sitemap.xml", "split_sitemap_index.xml")
        );
        let sitemaps = context.get("sitemaps").unwrap().as_array().unwrap().len();
        assert_eq!(sitemaps, 2);
        let (path, template, context) = sitemap_context(&data, &entries, 2);
        assert_eq!((path.as_str(), template), ("/sitemap2.xml", "sitemap.xml"));
        assert_eq!(context.get("entries").unwrap().as_array().unwrap().len(), 1);
    }
}
