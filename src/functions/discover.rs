//! Finding the functions in the functions folder, and what each one is:
//! its language, its Netlify API version, its kind and its routes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::{FunctionSettings, Project};

/// Extensions of JavaScript and TypeScript entry files, in lookup order.
pub const JS_EXTENSIONS: &[&str] = &["mjs", "js", "cjs", "mts", "ts"];

/// The names of Netlify's event-triggered functions.
pub const EVENT_FUNCTIONS: &[&str] = &[
    "deploy-building",
    "deploy-succeeded",
    "deploy-failed",
    "deploy-deleted",
    "deploy-locked",
    "deploy-unlocked",
    "split-test-activated",
    "split-test-deactivated",
    "split-test-modified",
    "submission-created",
    "identity-validate",
    "identity-signup",
    "identity-login",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Js,
    Ts,
}

/// Netlify's two function APIs: v1 (`exports.handler`, Lambda-style) and
/// v2 (`export default`, Web `Request`/`Response`). Rust functions speak
/// the Lambda Runtime API with v1's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ApiVersion {
    V1,
    V2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Answers HTTP requests.
    Http,
    /// Answers 202 at once and runs on.
    Background,
    /// Runs on a cron schedule.
    Scheduled,
    /// Netlify calls it on a platform event (the name is the event).
    Event,
}

/// A function found in the functions folder.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub name: String,
    pub language: Language,
    pub api: ApiVersion,
    pub kind: Kind,
    /// The entry file (JS/TS) or the crate folder (Rust).
    pub entry: PathBuf,
    /// URL paths from a v2 `config.path` (URLPattern syntax).
    pub routes: Vec<String>,
    /// HTTP methods a v2 `config.method` allows; empty means all.
    pub methods: Vec<String>,
    pub schedule: Option<String>,
    #[serde(skip)]
    pub settings: FunctionSettings,
}

impl Function {
    /// Where it answers, for people: its v2 paths, else `/.functions/NAME`.
    pub fn routes_shown(&self) -> String {
        if self.routes.is_empty() {
            format!("/.functions/{}", self.name)
        } else {
            self.routes.join(", ")
        }
    }
}

/// `^[A-Za-z0-9_-]+$`: what Netlify accepts as a function name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Finds every function of the project, sorted by name.
pub fn discover(project: &Project) -> Result<Vec<Function>, Diagnostics> {
    let dir = &project.functions_dir;
    let mut diags = Diagnostics::default();
    let mut found: Vec<Function> = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with('.') || file_name == "node_modules" {
            continue;
        }
        let display = project.display_path(&path).to_path_buf();
        let candidate = if path.is_dir() {
            folder_function(&path, &file_name)
        } else {
            file_function(&path)
        };
        let Some((name, language, entry)) = candidate else {
            continue;
        };
        if !valid_name(&name) {
            diags.push(
                Diagnostic::in_file(&display, 1, 1, format!("`{name}` is not a valid function name"))
                    .with_hint("function names may hold only letters, digits, `-` and `_`; rename the file or folder"),
            );
            continue;
        }
        if let Some(other) = found.iter().find(|f| f.name == name) {
            diags.push(
                Diagnostic::in_file(
                    &display,
                    1,
                    1,
                    format!(
                        "two functions are named `{name}`: {} and this one",
                        project.display_path(&other.entry).display()
                    ),
                )
                .with_hint("rename one of them"),
            );
            continue;
        }
        match describe(project, name, language, entry) {
            Ok(f) => found.push(f),
            Err(d) => diags.push(d),
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    diags.into_result(found)
}

fn js_language(ext: &str) -> Option<Language> {
    match ext {
        "js" | "mjs" | "cjs" => Some(Language::Js),
        "ts" | "mts" => Some(Language::Ts),
        _ => None,
    }
}

/// `functions/NAME.js` and friends.
fn file_function(path: &Path) -> Option<(String, Language, PathBuf)> {
    let ext = path.extension()?.to_str()?;
    let language = js_language(ext)?;
    let name = path.file_stem()?.to_str()?.to_string();
    Some((name, language, path.to_path_buf()))
}

/// `functions/NAME/Cargo.toml`, `functions/NAME/index.js` or `NAME/NAME.js`.
fn folder_function(dir: &Path, name: &str) -> Option<(String, Language, PathBuf)> {
    if dir.join("Cargo.toml").is_file() {
        return Some((name.to_string(), Language::Rust, dir.to_path_buf()));
    }
    for stem in [name, "index"] {
        for ext in JS_EXTENSIONS {
            let entry = dir.join(format!("{stem}.{ext}"));
            if entry.is_file() {
                return Some((name.to_string(), js_language(ext)?, entry));
            }
        }
    }
    None
}

fn describe(
    project: &Project,
    name: String,
    language: Language,
    entry: PathBuf,
) -> Result<Function, Diagnostic> {
    let settings = project.netlify.function_settings(&name);
    let (api, config) = match language {
        Language::Rust => (ApiVersion::V1, InCodeConfig::default()),
        Language::Js | Language::Ts => {
            let display = project.display_path(&entry).to_path_buf();
            let text = std::fs::read_to_string(&entry).map_err(|e| {
                Diagnostic::in_file(&display, 1, 1, format!("cannot read this function: {e}"))
            })?;
            let text: Arc<str> = Arc::from(text);
            let api = js_api_version(&text);
            let config = in_code_config(&text);
            if config.schedule.is_some() && !config.paths.is_empty() {
                let offset = text.find("schedule").unwrap_or(0);
                return Err(Diagnostic::at_offset(&display, &text, offset, 8, "a scheduled function cannot also have a `path`")
                    .with_hint("Netlify runs scheduled functions only on their schedule; remove `path` or `schedule`"));
            }
            (api, config)
        }
    };
    let from_toml = settings.schedule.is_some();
    let schedule = settings.schedule.clone().or(config.schedule);
    if let Some(expression) = &schedule
        && let Err(message) = super::schedule::Schedule::parse(expression)
    {
        return Err(schedule_error(
            project, &entry, expression, from_toml, message,
        ));
    }
    let kind = if schedule.is_some() {
        Kind::Scheduled
    } else if name.ends_with("-background") || settings.background == Some(true) {
        Kind::Background
    } else if EVENT_FUNCTIONS.contains(&name.as_str()) {
        Kind::Event
    } else {
        Kind::Http
    };
    Ok(Function {
        name,
        language,
        api,
        kind,
        entry,
        routes: config.paths,
        methods: config.methods,
        schedule,
        settings,
    })
}

/// A bad schedule, pointed at where it is written.
fn schedule_error(
    project: &Project,
    entry: &Path,
    expression: &str,
    from_toml: bool,
    message: String,
) -> Diagnostic {
    let file = if from_toml {
        project.root.join("netlify.toml")
    } else {
        entry.to_path_buf()
    };
    let display = project.display_path(&file).to_path_buf();
    let hint = "examples: \"@hourly\", \"0 3 * * *\" (03:00 UTC daily), \"*/15 * * * *\"";
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let text: Arc<str> = Arc::from(text);
            let offset = text.find(expression).unwrap_or(0);
            Diagnostic::at_offset(&display, &text, offset, expression.len(), message)
                .with_hint(hint)
        }
        Err(_) => Diagnostic::in_file(&display, 1, 1, message).with_hint(hint),
    }
}

/// v2 when the module has a default export and no `handler` export.
pub fn js_api_version(source: &str) -> ApiVersion {
    let code = strip_comments(source);
    let has_handler = [
        "exports.handler",
        "export const handler",
        "export let handler",
        "export var handler",
        "export async function handler",
        "export function handler",
        "handler:",
        "handler,",
        "{ handler }",
        "{handler}",
    ]
    .iter()
    .any(|p| code.contains(p));
    let has_default = code.contains("export default") || code.contains("as default");
    if has_default && !has_handler {
        ApiVersion::V2
    } else {
        ApiVersion::V1
    }
}

/// What a v2 function's `export const config = {...}` says, read without
/// running the code (as Netlify's bundler does): string and string-list
/// values of `path`, `method` and `schedule`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InCodeConfig {
    pub paths: Vec<String>,
    pub methods: Vec<String>,
    pub schedule: Option<String>,
}

pub fn in_code_config(source: &str) -> InCodeConfig {
    let code = strip_comments(source);
    let Some(start) = code.find("export const config") else {
        return InCodeConfig::default();
    };
    let Some(open) = code[start..].find('{').map(|i| start + i) else {
        return InCodeConfig::default();
    };
    let body = balanced(&code[open..]).unwrap_or("");
    InCodeConfig {
        paths: string_values(body, "path"),
        methods: string_values(body, "method"),
        schedule: string_values(body, "schedule").into_iter().next(),
    }
}

/// The `{...}` at the start of `text`, braces balanced, strings skipped.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The string (or list of strings) given to `key:` in `body`.
fn string_values(body: &str, key: &str) -> Vec<String> {
    let mut search = 0;
    while let Some(i) = body[search..].find(key).map(|i| search + i) {
        search = i + key.len();
        // A whole key: nothing word-like right before or after it.
        let prev = body[..i].chars().last();
        if !matches!(prev, Some(c) if c.is_whitespace() || matches!(c, '{' | ',' | '"' | '\'')) {
            continue;
        }
        let rest = &body[i + key.len()..];
        let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest).trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        return if rest.starts_with('[') {
            let end = rest.find(']').unwrap_or(rest.len());
            quoted_strings(&rest[..end])
        } else {
            quoted_strings(rest).into_iter().take(1).collect()
        };
    }
    Vec::new()
}

fn quoted_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices();
    while let Some((_, c)) = chars.next() {
        if matches!(c, '"' | '\'' | '`') {
            let mut s = String::new();
            for (_, d) in chars.by_ref() {
                if d == c {
                    break;
                }
                s.push(d);
            }
            out.push(s);
        } else if c == ',' && out.is_empty() {
            // A non-string value came first: not a literal we can read.
            break;
        }
    }
    out
}

/// Removes `//` and `/* */` comments (outside strings), so commented-out
/// exports are not taken for real ones.
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let bytes: Vec<char> = source.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1]);
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match (c, bytes.get(i + 1)) {
            ('/', Some('/')) => {
                while i < bytes.len() && bytes[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            ('"' | '\'' | '`', _) => {
                quote = Some(c);
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("dynamic-content") && valid_name("a_b9"));
        assert!(
            !valid_name("") && !valid_name("a.b") && !valid_name("héllo") && !valid_name("a b")
        );
    }

    #[test]
    fn api_versions() {
        assert_eq!(
            js_api_version("exports.handler = async () => ({statusCode: 200})"),
            ApiVersion::V1
        );
        assert_eq!(
            js_api_version("export const handler = async () => {}"),
            ApiVersion::V1
        );
        assert_eq!(
            js_api_version("export default async (req) => new Response('x')"),
            ApiVersion::V2
        );
        assert_eq!(
            js_api_version("// export default x\nexports.handler = h"),
            ApiVersion::V1
        );
    }

    #[test]
    fn reads_in_code_config() {
        let src = r#"
            export default async (req, context) => new Response(`hi ${context.params.name}`);
            export const config = {
              path: ["/hello/:name", '/hi/:name'],
              method: "GET",
              // schedule: "@daily",
              rateLimit: { windowSize: 60, windowLimit: 10 },
            };
        "#;
        let c = in_code_config(src);
        assert_eq!(c.paths, vec!["/hello/:name", "/hi/:name"]);
        assert_eq!(c.methods, vec!["GET"]);
        assert_eq!(c.schedule, None);
        let single = in_code_config("export const config = { schedule: '@hourly' }");
        assert_eq!(single.schedule.as_deref(), Some("@hourly"));
        assert!(single.paths.is_empty());
    }
}
