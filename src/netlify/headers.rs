//! Custom response headers: the `_headers` file and netlify.toml's
//! `[[headers]]` (NETLIFY.md §4). Every rule whose path matches applies;
//! when both sources set the same header for a path, netlify.toml wins.
//! They apply to static responses only, never to function responses.

use std::path::Path;
use std::sync::Arc;

use super::redirects::Pattern;
use crate::diagnostics::Diagnostic;
use crate::project::netlify_toml::HeaderRule;

#[derive(Debug, Clone)]
pub struct HeaderBlock {
    pub path: Pattern,
    pub values: Vec<(String, String)>,
}

/// Header rules of both sources.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    file: Vec<HeaderBlock>,
    toml: Vec<HeaderBlock>,
}

impl Headers {
    pub fn new(file: Vec<HeaderBlock>, toml: Vec<HeaderBlock>) -> Headers {
        Headers { file, toml }
    }

    /// The headers for `path`, in rule order; a name set by netlify.toml
    /// replaces the same name from `_headers`. Repeated names within one
    /// source are kept, so they are sent joined as one list.
    pub fn for_path(&self, path: &str) -> Vec<(String, String)> {
        let matching = |blocks: &[HeaderBlock]| -> Vec<(String, String)> {
            blocks
                .iter()
                .filter(|b| b.path.matches(path).is_some())
                .flat_map(|b| b.values.iter().cloned())
                .collect()
        };
        let from_toml = matching(&self.toml);
        let mut out: Vec<(String, String)> = matching(&self.file)
            .into_iter()
            .filter(|(n, _)| !from_toml.iter().any(|(t, _)| t.eq_ignore_ascii_case(n)))
            .collect();
        out.extend(from_toml);
        out
    }
}

/// Parses a `_headers` file: a line starting with `/` (or a URL) opens a
/// block, indented `Name: value` lines fill it, `#` starts a comment.
pub fn parse_file(display: &Path, text: &str) -> (Vec<HeaderBlock>, Vec<Diagnostic>) {
    let shared: Arc<str> = Arc::from(text);
    let mut blocks: Vec<HeaderBlock> = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('/') || trimmed.contains("://") {
            blocks.push(HeaderBlock {
                path: Pattern::parse(trimmed),
                values: Vec::new(),
            });
            continue;
        }
        let column = line.len() - line.trim_start().len() + 1;
        let (Some(block), Some((name, value))) = (blocks.last_mut(), trimmed.split_once(':'))
        else {
            let message = if blocks.is_empty() {
                format!("`{trimmed}` comes before any path")
            } else {
                format!("`{trimmed}` is not a `Name: value` header line")
            };
            errors.push(
                Diagnostic::at_line_col(display, &shared, n + 1, column, message).with_hint(
                    "start a block with a path line such as `/*`, then indented `Name: value` lines",
                ),
            );
            continue;
        };
        block
            .values
            .push((name.trim().to_string(), value.trim().to_string()));
    }
    (blocks, errors)
}

/// netlify.toml's `[[headers]]`; array values become repeated headers.
pub fn from_toml(rules: &[HeaderRule]) -> Vec<HeaderBlock> {
    rules
        .iter()
        .map(|r| HeaderBlock {
            path: Pattern::parse(&r.path),
            values: r
                .values
                .iter()
                .flat_map(|(name, value)| {
                    let values = match value {
                        toml::Value::String(s) => vec![s.clone()],
                        toml::Value::Array(items) => items
                            .iter()
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                            .collect(),
                        other => vec![other.to_string()],
                    };
                    values.into_iter().map(move |v| (name.clone(), v))
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_blocks_and_toml_precedence() {
        let (file, errors) = parse_file(
            Path::new("_headers"),
            "# all\n/*\n  X-Frame-Options: DENY\n  Cache-Control: no-cache\n/docs/:page\n  X-Doc: yes\n",
        );
        assert!(errors.is_empty());
        let toml: NetlifyHeaders = toml::from_str(
            "[[headers]]\nfor = \"/*\"\n[headers.values]\nCache-Control = \"public, max-age=60\"\n",
        )
        .unwrap();
        let headers = Headers::new(file, from_toml(&toml.headers));
        assert_eq!(
            headers.for_path("/docs/intro"),
            [
                ("X-Frame-Options".to_string(), "DENY".to_string()),
                ("X-Doc".to_string(), "yes".to_string()),
                (
                    "Cache-Control".to_string(),
                    "public, max-age=60".to_string()
                ),
            ]
        );
        assert_eq!(headers.for_path("/").len(), 2);
    }

    #[test]
    fn stray_lines_are_reported() {
        let (_, errors) = parse_file(Path::new("_headers"), "X-A: 1\n/*\n  nonsense\n");
        let at: Vec<String> = errors.iter().map(|e| e.location()).collect();
        assert_eq!(at, ["_headers:1:1", "_headers:3:3"]);
    }

    #[derive(serde::Deserialize)]
    struct NetlifyHeaders {
        headers: Vec<HeaderRule>,
    }
}
