//! The environment functions run with locally, built as `netlify dev`
//! builds it, from lowest priority to highest: netlify.toml's
//! `[build.environment]`, its `[context.dev.environment]`, the `.env` files
//! (`.env`, `.env.development`, `.env.local`, `.env.development.local`, or
//! `[dev] envFiles`), and last ssgx's own environment: a variable set in the
//! shell is never replaced.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::Project;

/// The variables for function processes, shared by the runtime's parts.
pub type FunctionEnv = Arc<Vec<(String, String)>>;

/// The `.env` files `netlify dev` reads, highest priority first.
const DEFAULT_ENV_FILES: [&str; 4] = [
    ".env.development.local",
    ".env.local",
    ".env.development",
    ".env",
];

/// The `.env` files of the project, highest priority first (present or not:
/// they are also the files to watch).
pub fn env_files(project: &Project) -> Vec<PathBuf> {
    match &project.netlify.dev.env_files {
        Some(files) => files.iter().map(|f| project.root.join(f)).collect(),
        None => DEFAULT_ENV_FILES
            .iter()
            .map(|f| project.root.join(f))
            .collect(),
    }
}

/// The variables ssgx sets for its function processes, sorted by name;
/// errors name the `.env` file and line that cannot be read.
pub fn function_env(project: &Project) -> Result<Vec<(String, String)>, Diagnostics> {
    let netlify = &project.netlify;
    let mut env: BTreeMap<String, String> = netlify.build.environment.clone();
    if let Some(dev) = netlify.context.get("dev") {
        env.extend(dev.environment.clone());
    }
    let mut diags = Diagnostics::default();
    for file in env_files(project).iter().rev() {
        match read_env_file(project, file) {
            Ok(values) => env.extend(values),
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(env
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect())
}

/// One `.env` file's variables (none when it does not exist); a line that
/// cannot be read is an error at its place.
fn read_env_file(
    project: &Project,
    file: &std::path::Path,
) -> Result<Vec<(String, String)>, Diagnostic> {
    let display = project.display_path(file).to_path_buf();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Diagnostic::in_file(
                &display,
                1,
                1,
                format!("cannot read: {e}"),
            ));
        }
    };
    let text: Arc<str> = Arc::from(text.replace("\r\n", "\n"));
    parse_dotenv(&text).map_err(|(offset, message)| {
        Diagnostic::at_offset(&display, &text, offset, 0, message).with_hint(
            "write one `NAME=value` a line; quote a value holding `#` or line breaks \
             ('single quotes' keep it as written)",
        )
    })
}

/// Parses `.env` text as netlify-cli's dotenv reads it: `NAME=value` (or
/// `NAME: value`) lines, optionally after `export`; `#` starts a comment,
/// also inside an unquoted value; unquoted values are trimmed; a value in
/// single, double or back quotes keeps its spaces and may span lines, and
/// in double quotes `\n` and `\r` become line breaks. Nothing else is
/// expanded: a secret holding `$` stays as written. (Hand-written: the
/// Rust dotenv crates expand `$NAME`, which would change such values.)
/// Errors are a byte offset and what is wrong there.
fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, (usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut values = Vec::new();
    let skip = |at: &mut usize, what: &dyn Fn(u8) -> bool| {
        while *at < bytes.len() && what(bytes[*at]) {
            *at += 1;
        }
    };
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i);
    loop {
        skip(&mut at, &|b| b.is_ascii_whitespace());
        if at >= bytes.len() {
            return Ok(values);
        }
        if bytes[at] == b'#' {
            at = line_end(at);
            continue;
        }
        if text[at..].starts_with("export ") || text[at..].starts_with("export\t") {
            at += "export".len();
            skip(&mut at, &|b| b == b' ' || b == b'\t');
        }
        let name_start = at;
        skip(&mut at, &|b| {
            b.is_ascii_alphanumeric() || b"_.-".contains(&b)
        });
        if at == name_start {
            return Err((
                at,
                "expected a variable name (letters, digits, `_`, `.`, `-`)",
            ));
        }
        let name = text[name_start..at].to_string();
        skip(&mut at, &|b| b == b' ' || b == b'\t');
        if at >= bytes.len() || !matches!(bytes[at], b'=' | b':') {
            return Err((at, "expected `=` after the variable name"));
        }
        at += 1;
        skip(&mut at, &|b| b == b' ' || b == b'\t');
        let value = match bytes.get(at) {
            Some(&quote @ (b'\'' | b'"' | b'`')) => {
                let open = at;
                at += 1;
                // A backslash before the quote keeps it inside the value.
                while at < bytes.len() && !(bytes[at] == quote && bytes[at - 1] != b'\\') {
                    at += 1;
                }
                if at >= bytes.len() {
                    return Err((open, "this quote is never closed"));
                }
                let inner = &text[open + 1..at];
                at += 1;
                skip(&mut at, &|b| b == b' ' || b == b'\t');
                if at < bytes.len() && !matches!(bytes[at], b'\n' | b'#') {
                    return Err((at, "unexpected text after the closing quote"));
                }
                at = line_end(at);
                if quote == b'"' {
                    inner.replace("\\n", "\n").replace("\\r", "\r")
                } else {
                    inner.to_string()
                }
            }
            _ => {
                let end = line_end(at);
                let value = text[at..end].split('#').next().unwrap_or("");
                at = end;
                value.trim().to_string()
            }
        };
        values.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Overrides;

    fn env_of(files: &[(&str, &str)]) -> Result<Vec<(String, String)>, Diagnostics> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let project = Project::load(dir.path(), &Overrides::default()).unwrap();
        function_env(&project)
    }

    #[test]
    fn dev_env_files_replace_the_default_list_highest_first() {
        let env = env_of(&[
            (
                "netlify.toml",
                "[dev]\nenvFiles = [\".env.mine\", \".env.shared\"]\n",
            ),
            (".env.mine", "A=mine\n"),
            (".env.shared", "A=shared\nB=shared\n"),
            (".env", "C=default-list-not-read\n"),
        ])
        .unwrap();
        assert_eq!(
            env,
            vec![("A".into(), "mine".into()), ("B".into(), "shared".into())]
        );
    }

    #[test]
    fn dotenv_values_read_as_netlify_cli_reads_them() {
        let text = "# a comment\n\nBASIC=basic\nexport EXPORTED=yes\nEMPTY=\n  SPACED =  some value  # note\n\
                    CUT=http://x/#anchor\nSINGLE='$HOME # kept'\nDOUBLE=\"a\\nb \\\"q\\\"\"\n\
                    MULTI=\"one\ntwo\"\nTICK=`it's \"both\"`\nCOLON: value\nDOLLAR=pa$$word\nBASIC=again\n";
        let parsed = parse_dotenv(text).unwrap();
        let get = |name: &str| {
            parsed
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("BASIC"), Some("again"));
        assert_eq!(get("EXPORTED"), Some("yes"));
        assert_eq!(get("EMPTY"), Some(""));
        assert_eq!(get("SPACED"), Some("some value"));
        assert_eq!(get("CUT"), Some("http://x/"));
        assert_eq!(get("SINGLE"), Some("$HOME # kept"));
        assert_eq!(get("DOUBLE"), Some("a\nb \\\"q\\\""));
        assert_eq!(get("MULTI"), Some("one\ntwo"));
        assert_eq!(get("TICK"), Some("it's \"both\""));
        assert_eq!(get("COLON"), Some("value"));
        assert_eq!(get("DOLLAR"), Some("pa$$word"));
    }

    #[test]
    fn a_bad_line_is_reported_at_its_place() {
        let diags = env_of(&[(".env", "OK=1\nexport X=\"open\n")]).unwrap_err();
        let shown = diags.to_string();
        assert!(shown.contains(".env:2:"), "{shown}");
    }
}
