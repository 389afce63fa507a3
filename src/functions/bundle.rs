//! Bundles for deploy, in the form Netlify's own bundler and deploy take
//! unchanged (NETLIFY.md §5):
//!
//! - Rust: a static `x86_64-unknown-linux-musl` release binary named after
//!   the function, symbols kept (Netlify recognises Rust by
//!   `rust_eh_personality`). Netlify packs it as `bootstrap`.
//! - JavaScript and TypeScript: `NAME.zip`, a finished bundle holding the
//!   function's files, what they import (relative modules and the
//!   `node_modules` packages they require), its `included_files`, and a
//!   root `NAME.js`/`NAME.mjs` exporting `handler`. A v2 function is
//!   wrapped by ssgx's v1↔v2 adapter, the same code `ssgx dev` runs.
//!
//! The default output is `.netlify/v1/functions/`, which Netlify's build
//! picks up beside the site's own functions folder.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use regex::Regex;
use walkdir::WalkDir;

use super::node_host::V2_ADAPTER;
use super::{ApiVersion, Function, Language, RuntimeError, typescript, write_if_changed};
use crate::project::Project;

pub const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";
const ADAPTER_FILE: &str = "___ssgx-v2-adapter.mjs";

/// One bundle written.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub name: String,
    pub path: PathBuf,
    /// `js` or `rs`, as Netlify's manifest says.
    pub runtime: &'static str,
}

/// Bundles every function into `out_dir` and removes what earlier builds
/// left there for functions that no longer exist.
pub fn bundle_all(
    project: &Project,
    functions: &[Function],
    out_dir: &Path,
    target_dir: &Path,
) -> Result<Vec<Bundle>, RuntimeError> {
    std::fs::create_dir_all(out_dir).map_err(|e| RuntimeError::io("cannot create", out_dir, e))?;
    let mut bundles = Vec::new();
    for f in functions {
        let bundle = match f.language {
            Language::Rust => bundle_rust(f, out_dir, target_dir)?,
            Language::Js | Language::Ts => bundle_js(project, f, out_dir)?,
        };
        bundles.push(bundle);
    }
    let made: BTreeSet<PathBuf> = bundles.iter().map(|b| b.path.clone()).collect();
    for entry in std::fs::read_dir(out_dir)
        .map_err(|e| RuntimeError::io("cannot list", out_dir, e))?
        .flatten()
    {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_file()) && !made.contains(&path) {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(bundles)
}

/// The `_redirects` lines functions need on Netlify: the short URL, and
/// each v2 `config.path` (the bundle is a v1 function).
pub fn redirect_rules(functions: &[Function]) -> Vec<String> {
    let mut rules = Vec::new();
    if functions.is_empty() {
        return rules;
    }
    rules.push("# Added by ssgx: functions answer at /.functions/NAME too.".to_string());
    rules.push("/.functions/*  /.netlify/functions/:splat  200".to_string());
    for f in functions {
        for route in &f.routes {
            rules.push(format!("{route}  /.netlify/functions/{}  200!", f.name));
        }
    }
    rules
}

// ----- Rust -----

/// Adds the musl target with rustup when it is missing.
fn ensure_musl_target() -> Result<(), RuntimeError> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == MUSL_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => {
            tracing::info!("adding the Rust target {MUSL_TARGET} (rustup target add)");
            let out = Command::new("rustup")
                .args(["target", "add", MUSL_TARGET])
                .output()
                .map_err(|_| RuntimeError::CargoMissing)?;
            if out.status.success() {
                Ok(())
            } else {
                Err(RuntimeError::MuslTarget(
                    String::from_utf8_lossy(&out.stderr).trim().to_string(),
                ))
            }
        }
        // No rustup: the toolchain may still have the target; cargo will say.
        Err(_) => Ok(()),
    }
}

fn bundle_rust(f: &Function, out_dir: &Path, target_dir: &Path) -> Result<Bundle, RuntimeError> {
    ensure_musl_target()?;
    // Strip=false keeps the symbol Netlify uses to recognise Rust.
    let binary = super::rust::cargo_build(
        &f.entry,
        target_dir,
        &["--release", "--target", MUSL_TARGET],
        &[("CARGO_PROFILE_RELEASE_STRIP", "false")],
    )?;
    let bytes = std::fs::read(&binary).map_err(|e| RuntimeError::io("cannot read", &binary, e))?;
    let dest = out_dir.join(&f.name);
    write_if_changed(&dest, &bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755));
    }
    Ok(Bundle {
        name: f.name.clone(),
        path: dest,
        runtime: "rs",
    })
}

// ----- JavaScript -----

fn import_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)["']([^"'\n]+)["']"#,
        )
        .expect("a valid pattern")
    })
}

const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// The package a bare specifier names: `lodash/fp` → `lodash`,
/// `@scope/pkg/x` → `@scope/pkg`; `None` for Node's own modules.
fn package_name(specifier: &str) -> Option<String> {
    if specifier.starts_with("node:") {
        return None;
    }
    let mut parts = specifier.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    let base = name.split('/').next().unwrap_or(&name);
    (!NODE_BUILTINS.contains(&base)).then_some(name)
}

fn resolve_relative(from: &Path, specifier: &str) -> Option<PathBuf> {
    let base = from.parent()?.join(specifier);
    let candidates = [
        base.clone(),
        base.with_extension("js"),
        base.with_extension("mjs"),
        base.with_extension("cjs"),
        base.with_extension("json"),
        base.join("index.js"),
        base.join("index.mjs"),
    ];
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .map(|c| crate::project::normalize(&c))
}

/// The folder of package `name` seen from `from`, walking up to `root`.
fn find_package(from: &Path, name: &str, root: &Path) -> Option<PathBuf> {
    let mut dir = from.parent();
    while let Some(d) = dir {
        let candidate = d.join("node_modules").join(name);
        if candidate.join("package.json").is_file() || candidate.is_dir() {
            return Some(candidate);
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    None
}

/// Files of a function: its entry, the relative modules it imports (all
/// the way down) and the packages it requires (with their dependencies).
struct Trace {
    files: BTreeSet<PathBuf>,
    packages: BTreeSet<PathBuf>,
}

fn trace(f: &Function, entry: &Path, root: &Path) -> Result<Trace, RuntimeError> {
    let mut t = Trace {
        files: BTreeSet::new(),
        packages: BTreeSet::new(),
    };
    let mut queue = vec![entry.to_path_buf()];
    while let Some(file) = queue.pop() {
        if !t.files.insert(file.clone()) {
            continue;
        }
        if !is_code(&file) {
            continue;
        }
        let text = std::fs::read_to_string(&file)
            .map_err(|e| RuntimeError::io("cannot read", &file, e))?;
        for cap in import_pattern().captures_iter(&text) {
            let specifier = &cap[1];
            if specifier.starts_with("./") || specifier.starts_with("../") {
                match resolve_relative(&file, specifier) {
                    Some(found) => queue.push(found),
                    None => tracing::warn!(
                        "{}: cannot resolve `{specifier}` in {}",
                        f.name,
                        file.display()
                    ),
                }
            } else if let Some(name) = package_name(specifier) {
                let dir = find_package(&file, &name, root).ok_or_else(|| {
                    RuntimeError::MissingPackage {
                        function: f.name.clone(),
                        package: name.clone(),
                    }
                })?;
                add_package(&dir, root, &mut t.packages);
            }
        }
    }
    Ok(t)
}

/// A JavaScript module Node runs (not JSON, not a text file).
fn is_code(file: &Path) -> bool {
    matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("js" | "mjs" | "cjs")
    )
}

/// The entry and the modules it imports by relative path, all the way
/// down, nearest first: where to look for the one that does not parse.
pub(super) fn local_modules(entry: &Path) -> Vec<PathBuf> {
    let mut found = vec![entry.to_path_buf()];
    let mut next = 0;
    // A bound, as a guard against a pathological import graph.
    while next < found.len() && found.len() <= 200 {
        let file = found[next].clone();
        next += 1;
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for cap in import_pattern().captures_iter(&text) {
            let specifier = &cap[1];
            if (specifier.starts_with("./") || specifier.starts_with("../"))
                && let Some(module) = resolve_relative(&file, specifier)
                && is_code(&module)
                && !found.contains(&module)
            {
                found.push(module);
            }
        }
    }
    found
}

/// A package and, through its package.json, its dependencies.
fn add_package(dir: &Path, root: &Path, packages: &mut BTreeSet<PathBuf>) {
    if !packages.insert(dir.to_path_buf()) {
        return;
    }
    let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
        return;
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    let deps = manifest["dependencies"]
        .as_object()
        .map(|d| d.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    for dep in deps {
        if let Some(found) = find_package(&dir.join("package.json"), &dep, root) {
            add_package(&found, root, packages);
        }
    }
}

/// Files matched by `included_files` globs (`!` excludes), from the root.
fn included_files(patterns: &[String], root: &Path) -> Result<Vec<PathBuf>, RuntimeError> {
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let build = |negated: bool| -> Result<globset::GlobSet, RuntimeError> {
        let mut b = globset::GlobSetBuilder::new();
        for p in patterns.iter().filter(|p| p.starts_with('!') == negated) {
            let glob = globset::Glob::new(p.trim_start_matches('!').trim_start_matches("./"))
                .map_err(|e| RuntimeError::BadGlob(p.clone(), e.to_string()))?;
            b.add(glob);
        }
        b.build()
            .map_err(|e| RuntimeError::BadGlob(patterns.join(", "), e.to_string()))
    };
    let (include, exclude) = (build(false)?, build(true)?);
    let walk = WalkDir::new(root).into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        !(e.depth() > 0
            && (name == ".git" || name == ".ssgx" || name == ".netlify" || name == "target"))
    });
    Ok(walk
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(root).ok()?;
            (include.is_match(rel) && !exclude.is_match(rel)).then(|| e.path().to_path_buf())
        })
        .collect())
}

fn bundle_js(project: &Project, f: &Function, out_dir: &Path) -> Result<Bundle, RuntimeError> {
    let root = &project.root;
    let entry = typescript::entry_for_node(project, f)?;
    let mirror = root.join(".ssgx").join("ts");
    // Paths inside the zip: TypeScript's mirror stands in for functions/.
    let zip_path = |file: &Path| -> Option<String> {
        let rel = match file.strip_prefix(&mirror) {
            Ok(inner) => project.display_path(&project.functions_dir).join(inner),
            Err(_) => file.strip_prefix(root).ok()?.to_path_buf(),
        };
        Some(crate::content::rel_string(&rel))
    };
    let traced = trace(f, &entry, root)?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let add_file = |path: &Path,
                    files: &mut BTreeMap<String, Vec<u8>>|
     -> Result<(), RuntimeError> {
        let Some(name) = zip_path(path) else {
            return Err(RuntimeError::OutsideProject {
                function: f.name.clone(),
                path: path.to_path_buf(),
            });
        };
        let bytes = std::fs::read(path).map_err(|e| RuntimeError::io("cannot read", path, e))?;
        files.insert(name, bytes);
        Ok(())
    };
    for file in &traced.files {
        add_file(file, &mut files)?;
    }
    for package in &traced.packages {
        for e in WalkDir::new(package)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            add_file(e.path(), &mut files)?;
        }
    }
    for file in included_files(&f.settings.included_files, root)? {
        add_file(&file, &mut files)?;
    }
    // Module type as in the project: its package.json, and the mirror's.
    if root.join("package.json").is_file() {
        add_file(&root.join("package.json"), &mut files)?;
    }
    if f.language == Language::Ts {
        add_file(&mirror.join("package.json"), &mut files)?;
    }

    let entry_in_zip = zip_path(&entry).unwrap_or_default();
    if f.api == ApiVersion::V2 {
        files.insert(ADAPTER_FILE.to_string(), V2_ADAPTER.as_bytes().to_vec());
    }
    let (root_name, root_text) = root_module(f, &entry_in_zip);
    files.insert(root_name, root_text.into_bytes());

    let zip = write_zip(&files)
        .map_err(|e| RuntimeError::io("cannot pack", &out_dir.join(&f.name), e))?;
    let dest = out_dir.join(format!("{}.zip", f.name));
    write_if_changed(&dest, &zip)?;
    Ok(Bundle {
        name: f.name.clone(),
        path: dest,
        runtime: "js",
    })
}

/// The zip's root `NAME.js` or `NAME.mjs`, where Netlify looks for the
/// `handler`: a re-export of the function's entry, or for a v2 function
/// the shared adapter around its default export.
fn root_module(f: &Function, entry_in_zip: &str) -> (String, String) {
    let esm =
        f.api == ApiVersion::V2 || f.language == Language::Ts || entry_in_zip.ends_with(".mjs");
    if f.api == ApiVersion::V2 {
        let routes = serde_json::to_string(&f.routes).unwrap_or_else(|_| "[]".into());
        let text = format!(
            "// Written by ssgx: runs a v2 function as Netlify's v1 handler.\n\
             import * as fn from './{entry_in_zip}';\n\
             import {{ callV2 }} from './{ADAPTER_FILE}';\n\
             const routes = {routes};\n\
             export const handler = (event, context) => callV2(fn.default, event, {{ routes, requestId: context && context.awsRequestId }});\n"
        );
        (format!("{}.mjs", f.name), text)
    } else if esm {
        (
            format!("{}.mjs", f.name),
            format!("// Written by ssgx.\nexport * from './{entry_in_zip}';\n"),
        )
    } else {
        (
            format!("{}.js", f.name),
            format!("// Written by ssgx.\nmodule.exports = require('./{entry_in_zip}');\n"),
        )
    }
}

/// A reproducible zip: sorted entries, deflated, mode 0644, dated
/// 1980-01-01, as Netlify's bundler makes them.
fn write_zip(files: &BTreeMap<String, Vec<u8>>) -> std::io::Result<Vec<u8>> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut cursor);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (name, bytes) in files {
            zip.start_file(name.as_str(), options)
                .map_err(std::io::Error::other)?;
            zip.write_all(bytes)?;
        }
        zip.finish().map_err(std::io::Error::other)?;
    }
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name("lodash/fp").as_deref(), Some("lodash"));
        assert_eq!(
            package_name("@netlify/functions").as_deref(),
            Some("@netlify/functions")
        );
        assert_eq!(package_name("node:fs"), None);
        assert_eq!(package_name("fs"), None);
        assert_eq!(package_name("fs/promises"), None);
    }

    #[test]
    fn import_specifiers_are_found() {
        let src = "const a = require('./a');\nimport b from \"./b.mjs\";\nimport './c.js';\nexport { d } from './d.js';\nconst e = await import('lodash');";
        let found: Vec<&str> = import_pattern()
            .captures_iter(src)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(found, vec!["./a", "./b.mjs", "./c.js", "./d.js", "lodash"]);
    }
}
