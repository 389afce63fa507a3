//! `load_data(path="data/team.toml")`: a data file of the project as a
//! template value. TOML, JSON, YAML and CSV (as `{headers, records}`), by
//! extension or `format=`; plain text with `format="plain"`. Each file is
//! read and parsed once per build, however many pages ask for it. Paths
//! are relative to the project and may not leave it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tera::Function;

pub struct LoadData {
    root: PathBuf,
    cache: Mutex<HashMap<(PathBuf, String), Arc<Value>>>,
}

impl LoadData {
    pub fn new(root: &Path) -> LoadData {
        LoadData {
            root: root.to_path_buf(),
            cache: Mutex::default(),
        }
    }

    fn resolve(&self, rel: &str) -> Result<PathBuf, String> {
        let path = self.root.join(rel.trim_start_matches('/'));
        let real = path
            .canonicalize()
            .map_err(|e| format!("`load_data`: cannot read `{rel}`: {e}"))?;
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        if !real.starts_with(&root) {
            return Err(format!(
                "`load_data`: `{rel}` is outside the project; data files must be inside it"
            ));
        }
        Ok(real)
    }
}

fn format_of(path: &Path, asked: Option<&str>) -> String {
    match asked {
        Some(f) => f.to_ascii_lowercase(),
        None => path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_else(|| "plain".to_string()),
    }
}

fn parse(text: &str, format: &str) -> Result<Value, String> {
    match format {
        "json" => serde_json::from_str(text).map_err(|e| e.to_string()),
        "toml" => toml::from_str::<toml::Value>(text)
            .map_err(|e| e.to_string())
            .and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string())),
        "yaml" | "yml" => serde_yaml_ng::from_str(text).map_err(|e| e.to_string()),
        "csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| e.to_string())?
                .iter()
                .map(str::to_string)
                .collect();
            let mut records = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|e| e.to_string())?;
                records.push(record.iter().map(str::to_string).collect::<Vec<_>>());
            }
            Ok(json!({ "headers": headers, "records": records }))
        }
        "plain" | "txt" | "text" => Ok(Value::String(text.to_string())),
        other => Err(format!(
            "unknown format `{other}` (use toml, json, yaml, csv or plain)"
        )),
    }
}

impl Function for LoadData {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let rel = match args.get("path") {
            Some(Value::String(p)) => p.as_str(),
            _ => return Err("`load_data` needs a `path` string argument".into()),
        };
        let asked = args.get("format").and_then(Value::as_str);
        let required = args
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let path = match self.resolve(rel) {
            Ok(p) => p,
            Err(_) if !required => return Ok(Value::Null),
            Err(e) => return Err(e.into()),
        };
        let format = format_of(&path, asked);
        let key = (path.clone(), format.clone());
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok((**hit).clone());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("`load_data`: cannot read `{rel}`: {e}"))?;
        let value = parse(&text, &format)
            .map_err(|e| format!("`load_data`: `{rel}` is not valid {format}: {e}"))?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::new(value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(parse("a = 1", "toml").unwrap(), json!({"a": 1}));
        assert_eq!(parse("a: [1, 2]", "yaml").unwrap(), json!({"a": [1, 2]}));
        assert_eq!(
            parse("name,n\nAda,1\nGrace,2\n", "csv").unwrap(),
            json!({"headers": ["name", "n"], "records": [["Ada", "1"], ["Grace", "2"]]})
        );
        assert!(parse("{", "json").is_err());
        assert!(parse("x", "xml").unwrap_err().contains("unknown format"));
    }

    #[test]
    fn paths_stay_in_the_project_and_results_are_cached() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("d.json"), "{\"v\": 1}").unwrap();
        let f = LoadData::new(&dir);
        let args = |p: &str| HashMap::from([("path".to_string(), json!(p))]);
        assert_eq!(f.call(&args("d.json")).unwrap(), json!({"v": 1}));
        std::fs::write(dir.join("d.json"), "{\"v\": 2}").unwrap();
        assert_eq!(f.call(&args("d.json")).unwrap(), json!({"v": 1}), "cached");
        let outside = f.call(&args("../../../../etc/hostname")).unwrap_err();
        assert!(
            format!("{outside}").contains("outside the project")
                || format!("{outside}").contains("cannot read")
        );
        let mut optional = args("missing.json");
        optional.insert("required".to_string(), json!(false));
        assert_eq!(f.call(&optional).unwrap(), Value::Null);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ssgx-load-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
