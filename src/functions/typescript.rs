//! TypeScript functions: types are stripped in Rust (oxc) before Node sees
//! the code, since Node 20 cannot strip them itself.
//!
//! The functions folder's `.ts`/`.mts` files are mirrored, as `.js`/`.mjs`,
//! into `.ssgx/ts/` beside its other files, so relative imports written the
//! TypeScript way (`./lib.js` for `lib.ts`) resolve. The mirror is an ES
//! module package (`"type": "module"`), and links `node_modules` back to
//! the project's.

use std::path::{Path, PathBuf};

use oxc::allocator::Allocator;
use oxc::codegen::Codegen;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{TransformOptions, Transformer};
use walkdir::WalkDir;

use super::{Function, Language, RuntimeError, write_atomically, write_if_changed};
use crate::project::Project;

/// Why a TypeScript file could not be stripped, and where (line, column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripError {
    pub at: Option<(usize, usize)>,
    pub message: String,
}

/// Strips the types from one TypeScript file's text.
pub fn strip_types(path: &Path, source: &str) -> Result<String, StripError> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path).map_err(|e| StripError {
        at: None,
        message: e.to_string(),
    })?;
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(first) = parsed.diagnostics.first() {
        return Err(located(source, first));
    }
    let mut program = parsed.program;
    let scoping = SemanticBuilder::new()
        .build(&program)
        .semantic
        .into_scoping();
    let options = TransformOptions::default();
    let result =
        Transformer::new(&allocator, path, &options).build_with_scoping(scoping, &mut program);
    if let Some(first) = result.diagnostics.first() {
        return Err(located(source, first));
    }
    Ok(Codegen::new().build(&program).code)
}

/// oxc's message (and help), at its first label.
fn located(source: &str, diagnostic: &oxc::diagnostics::OxcDiagnostic) -> StripError {
    let at = diagnostic
        .labels
        .first()
        .map(|label| crate::diagnostics::line_col(source, label.offset() as usize));
    let message = match &diagnostic.help {
        Some(help) => format!("{diagnostic} ({help})"),
        None => diagnostic.to_string(),
    };
    StripError { at, message }
}

fn mirror_name(rel: &Path) -> PathBuf {
    match rel.extension().and_then(|e| e.to_str()) {
        Some("ts") => rel.with_extension("js"),
        Some("mts") => rel.with_extension("mjs"),
        _ => rel.to_path_buf(),
    }
}

/// The file Node loads for `function`: its own entry for JavaScript, the
/// mirrored `.js` for TypeScript (see [`mirror`]).
pub fn node_entry(project: &Project, function: &Function) -> PathBuf {
    if function.language != Language::Ts {
        return function.entry.clone();
    }
    let src = &project.functions_dir;
    let rel = function.entry.strip_prefix(src).unwrap_or(&function.entry);
    mirror_dir(project).join(mirror_name(rel))
}

/// [`node_entry`], with the mirror brought up to date first.
pub fn entry_for_node(project: &Project, function: &Function) -> Result<PathBuf, RuntimeError> {
    if function.language == Language::Ts {
        mirror(project)?;
    }
    Ok(node_entry(project, function))
}

fn mirror_dir(project: &Project) -> PathBuf {
    project.root.join(".ssgx").join("ts")
}

/// Brings the mirror of the functions folder up to date: TypeScript files
/// stripped of their types, other files copied, each only when its source
/// is newer.
pub fn mirror(project: &Project) -> Result<(), RuntimeError> {
    let src = &project.functions_dir;
    let out = mirror_dir(project);
    std::fs::create_dir_all(&out).map_err(|e| RuntimeError::io("cannot create", &out, e))?;
    let package = out.join("package.json");
    write_if_changed(&package, b"{\"type\": \"module\"}\n")?;
    let modules = project.root.join("node_modules");
    let link = out.join("node_modules");
    if modules.is_dir() && std::fs::symlink_metadata(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink(&modules, &link);
    }
    let walk = WalkDir::new(src)
        .into_iter()
        .filter_entry(|e| e.file_name() != "node_modules");
    for entry in walk
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let Ok(rel) = entry.path().strip_prefix(src) else {
            continue;
        };
        let dest = out.join(mirror_name(rel));
        let fresh = match (
            std::fs::metadata(entry.path()).and_then(|m| m.modified()),
            std::fs::metadata(&dest).and_then(|m| m.modified()),
        ) {
            (Ok(s), Ok(d)) => d >= s,
            _ => false,
        };
        if fresh {
            continue;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| RuntimeError::io("cannot create", parent, e))?;
        }
        let is_ts = matches!(rel.extension().and_then(|e| e.to_str()), Some("ts" | "mts"));
        if is_ts {
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| RuntimeError::io("cannot read", entry.path(), e))?;
            let js = strip_types(entry.path(), &text).map_err(|e| RuntimeError::TypeScript {
                file: project.display_path(entry.path()).to_path_buf(),
                at: e.at,
                message: e.message,
            })?;
            // Always written: the mirror's time says it is up to date.
            write_atomically(&dest, js.as_bytes())?;
        } else {
            let bytes = std::fs::read(entry.path())
                .map_err(|e| RuntimeError::io("cannot read", entry.path(), e))?;
            write_atomically(&dest, &bytes)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_types_and_keeps_code() {
        let ts = "interface User { name: string }\nexport const handler = async (event: any): Promise<{statusCode: number}> => {\n  const u: User = { name: 'Ada' };\n  return { statusCode: 200, body: u.name } as any;\n};\n";
        let js = strip_types(Path::new("f.ts"), ts).unwrap();
        assert!(
            !js.contains("interface") && !js.contains(": string") && !js.contains("as any"),
            "{js}"
        );
        assert!(js.contains("export const handler"), "{js}");
        let err = strip_types(Path::new("bad.ts"), "// types\nexport const = ;").unwrap_err();
        assert_eq!(err.at, Some((2, 14)), "{err:?}");
    }
}
