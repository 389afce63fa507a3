//! `netlify.toml`: the parts ssgx reads (`[build]`, `[functions]`,
//! `[[redirects]]`, `[[headers]]`, `[dev]`), parsed once with the project.
//! Keys ssgx does not model (plugins, contexts, edge functions) are
//! ignored, as Netlify's own tools ignore what they do not use.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::diagnostics::{Diagnostic, Diagnostics};

/// Netlify's deploy config at the project root.
pub const NETLIFY_FILE: &str = "netlify.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NetlifyToml {
    pub build: BuildSettings,
    functions: toml::Table,
    pub redirects: Vec<RedirectRule>,
    pub headers: Vec<HeaderRule>,
    pub dev: DevSettings,
    /// `[context.NAME]` tables; local runs read `[context.dev.environment]`.
    pub context: BTreeMap<String, ContextSettings>,
}

/// The part of a `[context.NAME]` table ssgx uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContextSettings {
    pub environment: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BuildSettings {
    pub command: Option<String>,
    pub publish: Option<String>,
    /// Legacy functions folder; `[functions] directory` wins.
    pub functions: Option<String>,
    pub base: Option<String>,
    pub environment: BTreeMap<String, String>,
}

/// One `[[redirects]]` rule.
#[derive(Debug, Clone, Deserialize)]
pub struct RedirectRule {
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub conditions: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn default_status() -> u16 {
    301
}

/// One `[[headers]]` rule.
#[derive(Debug, Clone, Deserialize)]
pub struct HeaderRule {
    #[serde(rename = "for")]
    pub path: String,
    #[serde(default)]
    pub values: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DevSettings {
    pub port: Option<u16>,
    pub functions_port: Option<u16>,
    pub publish: Option<String>,
    pub functions: Option<String>,
    pub command: Option<String>,
    pub target_port: Option<u16>,
    pub framework: Option<String>,
    pub auto_launch: Option<bool>,
    /// `.env` files for functions, highest priority first.
    pub env_files: Option<Vec<String>>,
}

/// Settings of one function, merged from `[functions]` and the tables that
/// match its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionSettings {
    pub schedule: Option<String>,
    pub included_files: Vec<String>,
    pub external_node_modules: Vec<String>,
    pub node_bundler: Option<String>,
    pub background: Option<bool>,
    /// Local time limit in seconds (ssgx's own key; Netlify sets limits per plan).
    pub timeout: Option<u64>,
}

impl FunctionSettings {
    /// Applies one table's keys on top: scalars replace, arrays concatenate.
    fn apply(&mut self, table: &toml::Table) {
        let strings = |v: &toml::Value| -> Vec<String> {
            match v {
                toml::Value::Array(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
                toml::Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        for (key, value) in table {
            match key.as_str() {
                "schedule" => self.schedule = value.as_str().map(String::from),
                "included_files" => self.included_files.extend(strings(value)),
                "external_node_modules" => self.external_node_modules.extend(strings(value)),
                "node_bundler" => self.node_bundler = value.as_str().map(String::from),
                "background" => self.background = value.as_bool(),
                "timeout" => self.timeout = value.as_integer().and_then(|t| u64::try_from(t).ok()),
                _ => {}
            }
        }
    }
}

impl NetlifyToml {
    /// Reads `root/netlify.toml`; a missing file is an empty config.
    pub fn load(root: &Path) -> Result<NetlifyToml, Diagnostics> {
        let path = root.join(NETLIFY_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(NetlifyToml::default());
        };
        let text: Arc<str> = Arc::from(text);
        toml::from_str::<NetlifyToml>(&text).map_err(|e| {
            let mut diags = Diagnostics::default();
            diags.push(
                Diagnostic::from_toml(Path::new(NETLIFY_FILE), &text, 0, &e, "netlify.toml")
                    .with_hint(
                        "see Netlify's file-based configuration docs for the keys and their types",
                    ),
            );
            diags
        })
    }

    /// The functions folder: `[functions] directory`, else `[build]
    /// functions`, else none (ssgx then uses `functions/`).
    pub fn functions_directory(&self) -> Option<&str> {
        self.functions
            .get("directory")
            .and_then(|v| v.as_str())
            .or(self.build.functions.as_deref())
    }

    /// Settings for function `name`: the top-level `[functions]` keys, then
    /// each `[functions."PATTERN"]` that matches, least specific first.
    pub fn function_settings(&self, name: &str) -> FunctionSettings {
        let mut settings = FunctionSettings::default();
        let top: toml::Table = self
            .functions
            .iter()
            .filter(|(_, v)| !v.is_table())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        settings.apply(&top);
        let mut matching: Vec<(&String, &toml::Table)> = self
            .functions
            .iter()
            .filter_map(|(pattern, v)| v.as_table().map(|t| (pattern, t)))
            .filter(|(pattern, _)| glob_match(pattern, name))
            .collect();
        // An exact name beats any glob; among globs, more literal text wins.
        matching.sort_by_key(|(pattern, _)| {
            let literal = pattern.chars().filter(|c| *c != '*').count();
            (!pattern.contains('*'), literal)
        });
        for (_, table) in matching {
            settings.apply(table);
        }
        settings
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("api-*", "api-users"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("api-*", "web-api"));
        assert!(glob_match("exact", "exact") && !glob_match("exact", "exactly"));
    }

    #[test]
    fn function_settings_merge_by_specificity() {
        let n: NetlifyToml = toml::from_str(
            r#"
            [functions]
            directory = "fns"
            included_files = ["shared/**"]
            [functions."api-*"]
            included_files = ["api/**"]
            schedule = "@daily"
            [functions."api-users"]
            schedule = "@hourly"
            timeout = 5
            "#,
        )
        .unwrap();
        assert_eq!(n.functions_directory(), Some("fns"));
        let s = n.function_settings("api-users");
        assert_eq!(s.schedule.as_deref(), Some("@hourly"));
        assert_eq!(s.included_files, vec!["shared/**", "api/**"]);
        assert_eq!(s.timeout, Some(5));
        let other = n.function_settings("web");
        assert_eq!(other.schedule, None);
        assert_eq!(other.included_files, vec!["shared/**"]);
    }

    #[test]
    fn redirects_and_headers_parse() {
        let n: NetlifyToml = toml::from_str(
            r#"
            [build]
            publish = "dist"
            [[redirects]]
            from = "/api/*"
            to = "/.netlify/functions/:splat"
            status = 200
            [[redirects]]
            from = "/old"
            to = "/new"
            [[headers]]
            for = "/*"
            [headers.values]
            X-Frame-Options = "DENY"
            [dev]
            port = 9999
            functionsPort = 9998
            "#,
        )
        .unwrap();
        assert_eq!(n.build.publish.as_deref(), Some("dist"));
        assert_eq!(n.redirects[0].status, 200);
        assert_eq!(n.redirects[1].status, 301);
        assert_eq!(n.headers[0].path, "/*");
        assert_eq!(n.dev.functions_port, Some(9998));
    }
}
