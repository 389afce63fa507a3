//! Redirect and rewrite rules: the `_redirects` file and netlify.toml's
//! `[[redirects]]`, parsed into one ordered list and matched as Netlify
//! does (NETLIFY.md §4): `_redirects` first, first match wins, `:name`
//! takes one segment, a final `*` takes the rest as `:splat`, query
//! parameters must be present, and a rule that is not forced is skipped
//! when a file exists at the requested path.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::project::netlify_toml::RedirectRule;

/// One rule, from either source.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub from: Pattern,
    /// Required query parameters: name → literal value or `:placeholder`.
    pub query: Vec<(String, String)>,
    pub to: String,
    pub status: u16,
    pub force: bool,
    /// `Country`, `Language`, `Role`, `Cookie` → accepted values.
    pub conditions: Vec<(String, Vec<String>)>,
    /// Extra response headers (netlify.toml only).
    pub headers: Vec<(String, String)>,
    /// Where the rule was written, e.g. `public/_redirects:3`.
    pub origin: String,
}

/// A `from` path: literal segments, `:name` segments, an optional final `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// `https://host` of a domain-level rule; such rules never match locally.
    pub host: Option<String>,
    pub segments: Vec<Segment>,
    pub splat: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Literal(String),
    Param(String),
}

impl Pattern {
    pub fn parse(from: &str) -> Pattern {
        let (host, path) = match from.split_once("://") {
            Some((scheme, rest)) => {
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                (Some(format!("{scheme}://{authority}")), path)
            }
            None => (None, from),
        };
        let mut segments = Vec::new();
        let mut splat = false;
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        for (i, part) in parts.iter().enumerate() {
            if *part == "*" && i == parts.len() - 1 {
                splat = true;
            } else if let Some(name) = part.strip_prefix(':') {
                segments.push(Segment::Param(name.to_string()));
            } else {
                segments.push(Segment::Literal(part.to_string()));
            }
        }
        Pattern {
            host,
            segments,
            splat,
        }
    }

    /// The placeholders `path` gives this pattern, if it matches. Trailing
    /// slashes do not matter and literal segments ignore ASCII case, as on
    /// Netlify's CDN.
    pub fn matches(&self, path: &str) -> Option<BTreeMap<String, String>> {
        if self.host.is_some() {
            return None;
        }
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() < self.segments.len() || (!self.splat && parts.len() > self.segments.len()) {
            return None;
        }
        let mut values = BTreeMap::new();
        for (segment, part) in self.segments.iter().zip(&parts) {
            match segment {
                Segment::Literal(l) if l.eq_ignore_ascii_case(part) => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => {
                    values.insert(name.clone(), (*part).to_string());
                }
            }
        }
        if self.splat {
            let rest = parts[self.segments.len()..].join("/");
            // `/news/*` keeps a trailing slash of `/news/a/` in the splat.
            let trailing = if !rest.is_empty() && path.ends_with('/') {
                "/"
            } else {
                ""
            };
            values.insert("splat".to_string(), format!("{rest}{trailing}"));
        }
        Some(values)
    }
}

/// What a request needs to be matched against conditions.
#[derive(Debug, Default)]
pub struct RequestFacts<'a> {
    pub path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    pub accept_language: &'a str,
    pub cookies: &'a str,
}

/// A matched rule with its target filled in.
#[derive(Debug, Clone)]
pub struct Matched<'a> {
    pub rule: &'a Rule,
    /// `to` with placeholders replaced; the request's query string is
    /// added when `to` has none.
    pub target: String,
}

/// Every rule of a site, in Netlify's order.
#[derive(Debug, Clone, Default)]
pub struct Redirects {
    pub rules: Vec<Rule>,
}

impl Redirects {
    /// `_redirects` rules first, then netlify.toml's.
    pub fn new(file_rules: Vec<Rule>, toml_rules: Vec<Rule>) -> Redirects {
        let mut rules = file_rules;
        rules.extend(toml_rules);
        Redirects { rules }
    }

    /// The first rule that applies to the request. `shadowed(path)` says
    /// whether a file exists there, which skips rules that are not forced.
    pub fn find<'a>(
        &'a self,
        request: &RequestFacts,
        raw_query: &str,
        shadowed: impl Fn(&str) -> bool,
    ) -> Option<Matched<'a>> {
        let mut exists = None;
        for rule in &self.rules {
            let Some(mut values) = rule.from.matches(request.path) else {
                continue;
            };
            if !query_matches(rule, request.query, &mut values) || !conditions_hold(rule, request) {
                continue;
            }
            if !rule.force && *exists.get_or_insert_with(|| shadowed(request.path)) {
                continue;
            }
            let mut target = fill(&rule.to, &values);
            // The query goes along, also when the rule matched on it.
            if !raw_query.is_empty() && !target.contains('?') {
                target.push('?');
                target.push_str(raw_query);
            }
            return Some(Matched { rule, target });
        }
        None
    }
}

fn query_matches(
    rule: &Rule,
    query: &[(String, String)],
    values: &mut BTreeMap<String, String>,
) -> bool {
    for (name, wanted) in &rule.query {
        let Some((_, value)) = query.iter().find(|(k, _)| k == name) else {
            return false;
        };
        match wanted.strip_prefix(':') {
            Some(placeholder) => {
                values.insert(placeholder.to_string(), value.clone());
            }
            None if wanted == value => {}
            None => return false,
        }
    }
    true
}

/// `Language` is read from Accept-Language and `Cookie` from the cookies;
/// `Country` and `Role` cannot be known locally, so such rules never match
/// (as in `netlify dev` without geolocation or Identity).
fn conditions_hold(rule: &Rule, request: &RequestFacts) -> bool {
    rule.conditions.iter().all(
        |(name, accepted)| match name.to_ascii_lowercase().as_str() {
            "language" => request.accept_language.split(',').any(|lang| {
                let lang = lang.split(';').next().unwrap_or("").trim();
                let primary = lang.split('-').next().unwrap_or("");
                accepted
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(lang) || a.eq_ignore_ascii_case(primary))
            }),
            "cookie" => request.cookies.split(';').any(|c| {
                let name = c.split('=').next().unwrap_or("").trim();
                accepted.iter().any(|a| a == name)
            }),
            _ => false,
        },
    )
}

/// Replaces `:name` and `:splat` in `to` with their values. A placeholder
/// without a value is left as written, as Netlify does.
fn fill(to: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(to.len());
    let mut rest = to;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        match values.get(name) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ => {
                out.push(':');
                out.push_str(name);
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Parses a `_redirects` file. Bad lines are reported with their line and
/// column and left out; the others still apply.
pub fn parse_file(display: &Path, text: &str) -> (Vec<Rule>, Vec<Diagnostic>) {
    let shared: Arc<str> = Arc::from(text);
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        match parse_line(content) {
            Ok(mut rule) => {
                rule.origin = format!("{}:{}", display.display(), n + 1);
                rules.push(rule);
            }
            Err((column_of, message, hint)) => {
                let column = column_of.map_or(1, |c| c + 1);
                errors.push(
                    Diagnostic::at_line_col(display, &shared, n + 1, column, message)
                        .with_hint(hint),
                );
            }
        }
    }
    (rules, errors)
}

type LineError = (Option<usize>, String, &'static str);

/// `from [name=value ...] to [status[!]] [Condition=a,b ...]`
fn parse_line(line: &str) -> Result<Rule, LineError> {
    let fields: Vec<(usize, &str)> = line
        .split_whitespace()
        .map(|f| (f.as_ptr() as usize - line.as_ptr() as usize, f))
        .collect();
    let (_, from) = fields[0];
    if !from.starts_with('/') && !from.contains("://") {
        return Err((
            Some(fields[0].0),
            format!("`{from}` is not a path"),
            "a rule starts with the path it matches, e.g. `/old /new 301`",
        ));
    }
    let mut rest = &fields[1..];
    let mut query = Vec::new();
    while let Some(&(_, f)) = rest.first() {
        match f.split_once('=') {
            Some((k, v)) if !f.starts_with('/') && !f.contains("://") => {
                query.push((k.to_string(), v.to_string()));
                rest = &rest[1..];
            }
            _ => break,
        }
    }
    let Some(&(_, to)) = rest.first() else {
        return Err((
            None,
            format!("the rule for `{from}` has no destination"),
            "write the destination after the path, e.g. `/old /new 301`",
        ));
    };
    rest = &rest[1..];
    let mut status = 301;
    let mut force = false;
    if let Some(&(col, f)) = rest.first()
        && f.starts_with(|c: char| c.is_ascii_digit())
    {
        let digits = f.trim_end_matches('!');
        force = f.ends_with('!');
        status = digits.parse().map_err(|_| {
            (
                Some(col),
                format!("`{f}` is not a status code"),
                "use a status such as 200, 301, 302 or 404, with `!` to force",
            )
        })?;
        rest = &rest[1..];
    }
    let mut conditions = Vec::new();
    for &(col, f) in rest {
        let Some((name, values)) = f.split_once('=') else {
            return Err((
                Some(col),
                format!("unexpected `{f}` after the status"),
                "conditions are written as Name=value1,value2 (Country, Language, Role, Cookie)",
            ));
        };
        conditions.push((
            name.to_string(),
            values.split(',').map(str::to_string).collect(),
        ));
    }
    Ok(Rule {
        from: Pattern::parse(from),
        query,
        to: to.to_string(),
        status,
        force,
        conditions,
        headers: Vec::new(),
        origin: String::new(),
    })
}

/// netlify.toml's `[[redirects]]`, in order.
pub fn from_toml(rules: &[RedirectRule]) -> Vec<Rule> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| Rule {
            from: Pattern::parse(&r.from),
            query: r
                .query
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            to: r.to.clone(),
            status: r.status,
            force: r.force,
            conditions: r
                .conditions
                .iter()
                .map(|(k, v)| (k.clone(), condition_values(v)))
                .collect(),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            origin: format!("netlify.toml [[redirects]] #{}", i + 1),
        })
        .collect()
}

fn condition_values(value: &toml::Value) -> Vec<String> {
    match value {
        toml::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        toml::Value::String(s) => vec![s.clone()],
        other => vec![other.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Redirects {
        let (rules, errors) = parse_file(Path::new("_redirects"), text);
        assert!(errors.is_empty(), "{errors:?}");
        Redirects::new(rules, Vec::new())
    }

    fn find(r: &Redirects, path: &str, query: &[(&str, &str)]) -> Option<(String, u16, bool)> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let raw = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&query)
            .finish();
        let facts = RequestFacts {
            path,
            query: &query,
            accept_language: "fr-CA,en;q=0.5",
            cookies: "session=1; theme=dark",
        };
        r.find(&facts, &raw, |p| p == "/exists.html")
            .map(|m| (m.target, m.rule.status, m.rule.force))
    }

    #[test]
    fn placeholders_splats_and_first_match() {
        let r = rules(
            "# comment\n\
             /news/:year/:month/:slug  /blog/:year-:month/:slug  301\n\
             /news/*   /blog/:splat\n\
             /app/*    /app/index.html   200\n\
             /exists.html /elsewhere 302\n\
             /exists.html /forced 302!\n",
        );
        assert_eq!(
            find(&r, "/news/2024/05/hello", &[]),
            Some(("/blog/2024-05/hello".into(), 301, false))
        );
        assert_eq!(
            find(&r, "/news/a/b", &[]),
            Some(("/blog/a/b".into(), 301, false))
        );
        assert_eq!(find(&r, "/news", &[]), Some(("/blog/".into(), 301, false)));
        assert_eq!(
            find(&r, "/NEWS/x/", &[]),
            Some(("/blog/x/".into(), 301, false))
        );
        assert_eq!(
            find(&r, "/app/deep/link", &[("q", "1")]),
            Some(("/app/index.html?q=1".into(), 200, false))
        );
        // Shadowed by a file, except the forced rule.
        assert_eq!(
            find(&r, "/exists.html", &[]),
            Some(("/forced".into(), 302, true))
        );
        assert_eq!(find(&r, "/other", &[]), None);
    }

    #[test]
    fn query_parameters_and_conditions() {
        let r = rules(
            "/store id=:id  /products/:id  301\n\
             /store  /shop  302\n\
             /fr  /fr/welcome  302  Language=fr\n\
             /de  /de/welcome  302  Language=de\n\
             /pro  /pro/home  302  Cookie=session\n\
             /geo  /au  302  Country=au\n",
        );
        assert_eq!(
            find(&r, "/store", &[("id", "7")]),
            Some(("/products/7?id=7".into(), 301, false))
        );
        assert_eq!(find(&r, "/store", &[]), Some(("/shop".into(), 302, false)));
        assert!(find(&r, "/fr", &[]).is_some());
        assert!(find(&r, "/de", &[]).is_none());
        assert!(find(&r, "/pro", &[]).is_some());
        assert!(find(&r, "/geo", &[]).is_none());
    }

    #[test]
    fn bad_lines_name_line_and_column() {
        let (rules, errors) = parse_file(
            Path::new("_redirects"),
            "/ok /fine\nnot-a-path /x\n/a /b 30x\n/only\n",
        );
        assert_eq!(rules.len(), 1);
        let at: Vec<String> = errors.iter().map(|e| e.location()).collect();
        assert_eq!(at, ["_redirects:2:1", "_redirects:3:7", "_redirects:4:1"]);
    }

    #[test]
    fn fill_keeps_unknown_placeholders() {
        let mut v = BTreeMap::new();
        v.insert("a".to_string(), "1".to_string());
        assert_eq!(fill("/x/:a/:b?p=:a", &v), "/x/1/:b?p=1");
        assert_eq!(fill("https://h:8080/:a", &v), "https://h:8080/1");
    }
}
