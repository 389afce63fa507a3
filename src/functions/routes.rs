//! Which function a URL reaches: `/.netlify/functions/NAME[/...]`,
//! `/.functions/NAME[/...]`, or a v2 function's own `config.path`.
//!
//! `config.path` uses URLPattern syntax; ssgx supports what functions use:
//! literal segments, `:name` (one segment), `:name?` (optional) and `*`
//! (the rest). Matching is case-insensitive and a trailing slash is
//! optional, as in `netlify dev`.

use std::collections::BTreeMap;

use super::Function;

/// The URL prefixes every function answers under.
pub const PREFIXES: &[&str] = &["/.netlify/functions/", "/.functions/"];

pub type Params = BTreeMap<String, String>;

/// The function `path` reaches, with its route parameters.
pub fn find<'a>(
    functions: impl Iterator<Item = &'a Function> + Clone,
    path: &str,
) -> Option<(String, Params)> {
    for f in functions.clone() {
        for pattern in &f.routes {
            if let Some(params) = match_pattern(pattern, path) {
                return Some((f.name.clone(), params));
            }
        }
    }
    let rest = PREFIXES.iter().find_map(|p| path.strip_prefix(p))?;
    let name = rest.split('/').next()?;
    // A v2 function with its own path no longer answers the default URL.
    let f = functions
        .into_iter()
        .find(|f| f.name == name && f.routes.is_empty())?;
    Some((f.name.clone(), Params::new()))
}

/// Matches a URLPattern-style path pattern against a request path.
pub fn match_pattern(pattern: &str, path: &str) -> Option<Params> {
    let segments = |s: &'_ str| -> Vec<String> {
        s.trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    let pat = segments(pattern);
    let got = segments(path);
    let mut params = Params::new();
    let mut i = 0;
    for (n, p) in pat.iter().enumerate() {
        if p == "*" {
            params.insert(
                "0".to_string(),
                got.get(i..).map(|r| r.join("/")).unwrap_or_default(),
            );
            return Some(params);
        }
        if let Some(name) = p.strip_prefix(':') {
            let (name, optional) = match name.strip_suffix('?') {
                Some(n) => (n, true),
                None => (name, false),
            };
            match got.get(i) {
                Some(seg) if !seg.is_empty() => {
                    params.insert(name.to_string(), percent_decode(seg));
                    i += 1;
                }
                _ if optional && n == pat.len() - 1 => {}
                _ => return None,
            }
            continue;
        }
        match got.get(i) {
            Some(seg) if seg.eq_ignore_ascii_case(p) => i += 1,
            _ => return None,
        }
    }
    (i == got.len()).then_some(params)
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = match_pattern("/hello/:name", "/Hello/ada/").unwrap();
        assert_eq!(p["name"], "ada");
        assert!(match_pattern("/hello/:name", "/hello").is_none());
        assert!(match_pattern("/hello/:name", "/hello/a/b").is_none());
        assert_eq!(match_pattern("/api/*", "/api/a/b").unwrap()["0"], "a/b");
        assert!(match_pattern("/items/:id?", "/items").is_some());
        assert_eq!(match_pattern("/u/:n", "/u/a%20b").unwrap()["n"], "a b");
        assert!(match_pattern("/exact", "/exact").is_some());
    }
}
