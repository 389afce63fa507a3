//! `ssgx check`: builds the site in memory (every error a build reports)
//! and then follows every link of every HTML page without writing
//! anything: local links must reach a file the site makes, a redirect
//! rule, or a function, and their `#fragment` an id on the target page;
//! external links are asked for (opt-in), a bounded number at a time,
//! each with a timeout, skipping the prefixes given.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::netlify::{RequestFacts, Resolved, Rules, resolve_static};
use crate::output::Contents;
use crate::project::Project;
use crate::site;

/// How to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Also request external links.
    pub external: bool,
    /// External URLs starting with one of these are not requested.
    pub skip_prefixes: Vec<String>,
    /// At most this many external requests at once.
    pub concurrency: usize,
    pub timeout: Duration,
}

/// A link that leads nowhere: on which page, to where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub page: String,
    pub link: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    pub internal: usize,
    /// Distinct external URLs.
    pub external: usize,
    pub skipped: usize,
    pub broken: Vec<Broken>,
}

/// Checks the project's site as `options` say.
pub fn run(project: &Project, options: &CheckOptions) -> Result<Report> {
    let rendered = site::render(project)?;
    let mut files: HashMap<String, Option<String>> = HashMap::new();
    for f in &rendered.files {
        let text = match &f.contents {
            Contents::Bytes(b) if f.path.ends_with(".html") || f.path == "_redirects" => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            Contents::Static(b) if f.path.ends_with(".html") => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            Contents::Copy(p) if f.path.ends_with(".html") || f.path == "_redirects" => {
                std::fs::read_to_string(p).ok()
            }
            _ => None,
        };
        files.insert(f.path.clone(), text);
    }
    let redirects = files.get("_redirects").cloned().flatten();
    let (rules, _) = Rules::load(
        project.display_path(&project.output_dir),
        redirects.as_deref(),
        None,
        &project.netlify,
    );
    let mut report = Report::default();
    // External URL → the pages that link to it.
    let mut external: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pages: Vec<(&String, &String)> = files
        .iter()
        .filter_map(|(path, text)| Some((path, text.as_ref()?)))
        .filter(|(path, _)| path.ends_with(".html"))
        .collect();
    pages.sort();
    let mut ids = PageIds::default();
    for (path, html) in pages {
        report.pages += 1;
        let page_url = page_url(path);
        for link in links(html) {
            match classify(&link, &project.base_url) {
                Kind::Skip => {}
                Kind::External => {
                    external.entry(link).or_default().push(page_url.clone());
                }
                Kind::Local(target) => {
                    report.internal += 1;
                    let target = resolve_relative(&page_url, &target);
                    if let Some(reason) = local_problem(&target, &files, &rules, &mut ids) {
                        report.broken.push(Broken {
                            page: page_url.clone(),
                            link,
                            reason,
                        });
                    }
                }
            }
        }
    }
    report.external = external.len();
    if options.external {
        let (checked, skipped): (Vec<_>, Vec<_>) = external.into_iter().partition(|(url, _)| {
            !options
                .skip_prefixes
                .iter()
                .any(|p| url.starts_with(p.as_str()))
        });
        report.skipped = skipped.len();
        report.broken.extend(check_external(checked, options)?);
    }
    Ok(report)
}

/// `blog/post/index.html` → `/blog/post/`; `404.html` → `/404.html`.
fn page_url(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{path}"),
    }
}

enum Kind {
    Skip,
    External,
    /// A path on this site, with its query and fragment.
    Local(String),
}

fn classify(link: &str, base_url: &str) -> Kind {
    let lower = link.to_ascii_lowercase();
    if ["mailto:", "tel:", "javascript:", "data:", "sms:"]
        .iter()
        .any(|s| lower.starts_with(s))
        || link.is_empty()
    {
        return Kind::Skip;
    }
    if !base_url.is_empty()
        && let Some(rest) = link.strip_prefix(base_url)
        && (rest.is_empty() || rest.starts_with(['/', '?', '#']))
    {
        return Kind::Local(if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        });
    }
    if lower.starts_with("http://") || lower.starts_with("https://") || link.starts_with("//") {
        return Kind::External;
    }
    if lower.contains(':') && !lower.starts_with('/') && !lower.starts_with('#') {
        // Another scheme (ftp:, irc:, ...): not ours to check.
        return Kind::Skip;
    }
    Kind::Local(link.to_string())
}

/// A relative link made absolute against the page's URL.
fn resolve_relative(page_url: &str, link: &str) -> String {
    if link.starts_with('/') {
        return link.to_string();
    }
    if link.starts_with(['#', '?']) {
        return format!("{page_url}{link}");
    }
    let dir = &page_url[..page_url.rfind('/').map_or(0, |i| i + 1)];
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let (path, rest) = match link.find(['?', '#']) {
        Some(i) => (&link[..i], &link[i..]),
        None => (link, ""),
    };
    for part in path.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let trailing = if path.ends_with('/') { "/" } else { "" };
    format!("/{}{trailing}{rest}", parts.join("/"))
}

/// The `id` and `name` values of each page a fragment points into, read
/// once per page: one page can be the target of thousands of links.
#[derive(Default)]
struct PageIds(HashMap<String, HashSet<String>>);

impl PageIds {
    fn has(&mut self, file: &str, html: &str, id: &str) -> bool {
        self.0
            .entry(file.to_string())
            .or_insert_with(|| {
                attribute_values(html, &["id=", "name="])
                    .into_iter()
                    .collect()
            })
            .contains(id)
    }
}

/// Why a local link leads nowhere, or `None` when it arrives.
fn local_problem(
    target: &str,
    files: &HashMap<String, Option<String>>,
    rules: &Rules,
    ids: &mut PageIds,
) -> Option<String> {
    let (before_fragment, fragment) = match target.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (target, None),
    };
    let path = before_fragment.split('?').next().unwrap_or("/");
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    if decoded.starts_with("/.netlify/") || decoded.starts_with("/.functions/") {
        return None;
    }
    let file = resolve_file(&decoded, files);
    let Some(file) = file else {
        let facts = RequestFacts {
            path: &decoded,
            query: &[],
            accept_language: "",
            cookies: "",
        };
        if rules.redirects.find(&facts, "", |_| false).is_some() {
            return None;
        }
        return Some("no page or file of the site is there".to_string());
    };
    let fragment = fragment.filter(|f| !f.is_empty())?;
    let html = files.get(&file).and_then(|t| t.as_deref())?;
    let decoded_fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let has_id = ids.has(&file, html, &decoded_fragment);
    (!has_id).then(|| format!("the page has no element with id `{decoded_fragment}`"))
}

/// The output file a path is served from, as Netlify finds it (a folder
/// without its slash arrives at its index through the slash redirect).
fn resolve_file(path: &str, files: &HashMap<String, Option<String>>) -> Option<String> {
    match resolve_static(path, |p| files.contains_key(p))? {
        Resolved::File(file) => Some(file),
        Resolved::AddSlash => Some(format!("{}/index.html", path.trim_matches('/'))),
    }
}

/// The `href` and `src` values of an HTML page, entities decoded.
fn links(html: &str) -> Vec<String> {
    attribute_values(html, &["href=", "src="])
}

/// The values of the attributes `attrs` (each written `name=`) in an HTML
/// page, entities decoded. Only attributes inside tags count: text (a
/// code block showing `<a href="x">`), comments and the bodies of
/// `<script>` and `<style>` are skipped. Scanned by hand: the pages are
/// ssgx's own output, and a full HTML parser would cost more than the check.
fn attribute_values(html: &str, attrs: &[&str]) -> Vec<String> {
    let wanted: Vec<&str> = attrs.iter().map(|a| a.trim_end_matches('=')).collect();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'<', &html.as_bytes()[at..]) {
        let rest = &html[at + found..];
        if rest.starts_with("<!--") {
            at += found + rest.find("-->").map_or(rest.len(), |end| end + 3);
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            at += found + 1;
            continue;
        }
        let (name, attributes, used) = read_tag(&rest[1..]);
        for (attr, value) in attributes {
            if wanted.iter().any(|w| w.eq_ignore_ascii_case(attr)) {
                let value = value
                    .replace("&amp;", "&")
                    .replace("&#x2F;", "/")
                    .replace("&quot;", "\"");
                out.push(value.trim().to_string());
            }
        }
        at += found + 1 + used;
        // Their bodies are raw text, not markup.
        for raw in ["script", "style"] {
            if name.eq_ignore_ascii_case(raw) {
                let close = format!("</{raw}");
                at += html[at..].find(&close).unwrap_or(html.len() - at);
            }
        }
    }
    out
}

/// A start tag after its `<`: its name, its `(attribute, value)` pairs and
/// how many bytes it takes, its `>` included.
fn read_tag(tag: &str) -> (&str, Vec<(&str, &str)>, usize) {
    let is_break = |c: char| c.is_ascii_whitespace() || c == '>' || c == '/';
    let name_end = tag.find(is_break).unwrap_or(tag.len());
    let mut attributes = Vec::new();
    let mut i = name_end;
    loop {
        i += tag[i..]
            .find(|c: char| !(c.is_ascii_whitespace() || c == '/'))
            .unwrap_or(tag.len() - i);
        if i >= tag.len() || tag[i..].starts_with('>') {
            return (&tag[..name_end], attributes, (i + 1).min(tag.len()));
        }
        let attr_len = tag[i..]
            .find(|c: char| is_break(c) || c == '=')
            .unwrap_or(tag.len() - i)
            .max(1);
        let attr = &tag[i..i + attr_len];
        i += attr_len;
        if !tag[i..].starts_with('=') {
            continue;
        }
        i += 1;
        let value = match tag[i..].chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let len = tag[i + 1..].find(quote).unwrap_or(tag.len() - i - 1);
                let value = &tag[i + 1..i + 1 + len];
                i = (i + 2 + len).min(tag.len());
                value
            }
            _ => {
                let len = tag[i..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(tag.len() - i);
                let value = &tag[i..i + len];
                i += len;
                value
            }
        };
        attributes.push((attr, value));
    }
}

/// Requests each external URL (HEAD, then GET when HEAD is refused), a
/// bounded number at a time.
fn check_external(urls: Vec<(String, Vec<String>)>, options: &CheckOptions) -> Result<Vec<Broken>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .user_agent(concat!("ssgx-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::io("cannot start the HTTP client", std::io::Error::other(e)))?;
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let results = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (url, pages) in urls {
            let client = client.clone();
            let limit = std::sync::Arc::clone(&limit);
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (url.clone(), pages, request(&client, &url).await)
            });
        }
        let mut out = Vec::new();
        while let Some(Ok(done)) = tasks.join_next().await {
            out.push(done);
        }
        out
    });
    let mut broken = Vec::new();
    for (url, pages, problem) in results {
        if let Some(reason) = problem {
            for page in pages {
                broken.push(Broken {
                    page,
                    link: url.clone(),
                    reason: reason.clone(),
                });
            }
        }
    }
    broken.sort_by(|a, b| (&a.page, &a.link).cmp(&(&b.page, &b.link)));
    Ok(broken)
}

async fn request(client: &reqwest::Client, url: &str) -> Option<String> {
    let url = if url.starts_with("//") {
        format!("https:{url}")
    } else {
        url.to_string()
    };
    let head = client.head(&url).send().await;
    let status = match head {
        Ok(r) if r.status().is_success() => return None,
        // Some servers refuse HEAD: ask again with GET.
        Ok(r) if matches!(r.status().as_u16(), 403 | 405 | 501) => {
            client.get(&url).send().await.map(|r| r.status())
        }
        Ok(r) => Ok(r.status()),
        Err(e) => Err(e),
    };
    match status {
        Ok(s) if s.is_success() => None,
        Ok(s) => Some(format!("answered {s}")),
        Err(e) if e.is_timeout() => Some("timed out".to_string()),
        Err(e) => Some(format!("unreachable: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_relative_paths() {
        let html = r#"<a href="/a/?x=1&amp;y=2#top">a</a><img data-src="no" src='b.png'><link href="https://x.example/s.css">"#;
        assert_eq!(
            links(html),
            vec!["/a/?x=1&y=2#top", "b.png", "https://x.example/s.css"]
        );
        assert_eq!(
            resolve_relative("/blog/post/", "../img/a.png"),
            "/blog/img/a.png"
        );
        assert_eq!(resolve_relative("/blog/post/", "b/"), "/blog/post/b/");
        assert_eq!(resolve_relative("/blog/post/", "#x"), "/blog/post/#x");
        assert_eq!(page_url("blog/post/index.html"), "/blog/post/");
        assert!(
            matches!(classify("https://me.example/a/", "https://me.example"), Kind::Local(p) if p == "/a/")
        );
        assert!(matches!(
            classify("https://me.example.org/", "https://me.example"),
            Kind::External
        ));
        assert!(matches!(classify("mailto:a@b", ""), Kind::Skip));
    }

    #[test]
    fn only_attributes_inside_tags_are_links() {
        let html = concat!(
            r#"<pre><code>&lt;a href="/in-code/"&gt; src="/also-text.png"</code></pre>"#,
            r#"<!-- <a href="/commented/"> --><script>let s = '<a href="/in-script/">';</script>"#,
            r#"<style>a[href="/in-style/"] {}</style><p>a > b href="/after-gt/"</p>"#,
            r#"<a title="x href='/in-value/'" HREF=/unquoted/>u</a><img alt="<" src="/i.png"/>"#,
        );
        assert_eq!(links(html), vec!["/unquoted/", "/i.png"]);
        // A tag cut off at the end of the page ends the scan.
        assert_eq!(
            links(r#"<a href="/ok/">a</a><a href="/cut"#),
            vec!["/ok/", "/cut"]
        );
    }

    #[test]
    fn fragments_match_ids_and_names_only() {
        let html = r#"<h2 id="a&amp;b">x</h2><a name="old"></a><div data-id="no" aria-x="id=&quot;fake&quot;"></div>"#;
        let mut ids = PageIds::default();
        assert!(ids.has("p.html", html, "a&b"));
        assert!(ids.has("p.html", html, "old"));
        assert!(!ids.has("p.html", html, "no"));
        assert!(!ids.has("p.html", html, "fake"));
    }
}
