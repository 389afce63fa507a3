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

/// One `.env` file's variables (none when it does not exist). Parsed with
/// `dotenvy`, which follows the dotenv rules Netlify's CLI uses (quotes,
/// `export`, comments, multi-line values), without touching ssgx's own
/// environment.
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
    let mut values = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(pair) => values.push(pair),
            Err(dotenvy::Error::LineParse(line, index)) => {
                let text: Arc<str> = Arc::from(text.as_str());
                // `line` runs on past its first line when a quote is not
                // closed: point into the first line then.
                let column = index.min(line.find('\n').unwrap_or(line.len()));
                let offset = text.find(&line).map_or(0, |start| start + column);
                return Err(Diagnostic::at_offset(
                    &display,
                    &text,
                    offset,
                    0,
                    "this line of the .env file cannot be read",
                )
                .with_hint(
                    "write one `NAME=value` a line; put values with spaces, quotes or `#` in \
                     double quotes",
                ));
            }
            Err(e) => return Err(Diagnostic::in_file(&display, 1, 1, e.to_string())),
        }
    }
    Ok(values)
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
    fn a_bad_line_is_reported_at_its_place() {
        let diags = env_of(&[(".env", "OK=1\nexport X=\"open\n")]).unwrap_err();
        let shown = diags.to_string();
        assert!(shown.contains(".env:2:"), "{shown}");
    }
}
