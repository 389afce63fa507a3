//! Front matter: splitting it off a file and parsing it as TOML (`+++`) or
//! YAML (`---`) into the page and section key sets, with errors located in
//! the file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::diagnostics::Diagnostic;

/// Keys a page may set. Unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PageFrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<DateValue>,
    pub updated: Option<DateValue>,
    pub draft: bool,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub aliases: Vec<String>,
    pub template: Option<String>,
    pub weight: Option<i64>,
    pub authors: Vec<String>,
    pub taxonomies: BTreeMap<String, Vec<String>>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    /// Newest first.
    Date,
    /// Lowest weight first.
    Weight,
    /// Alphabetical, ignoring case.
    Title,
    /// By file path.
    #[default]
    None,
}

/// Keys a section (`_index.md`) may set. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SectionFrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub sort_by: SortBy,
    pub paginate_by: Option<usize>,
    pub paginate_path: String,
    pub template: Option<String>,
    pub page_template: Option<String>,
    pub weight: i64,
    pub draft: bool,
    pub transparent: bool,
    pub redirect_to: Option<String>,
    pub aliases: Vec<String>,
    /// A feed of this section's pages, beside its index.
    pub generate_feeds: bool,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Default for SectionFrontMatter {
    fn default() -> Self {
        SectionFrontMatter {
            title: None,
            description: None,
            sort_by: SortBy::None,
            paginate_by: None,
            paginate_path: "page".to_string(),
            template: None,
            page_template: None,
            weight: 0,
            draft: false,
            transparent: false,
            redirect_to: None,
            aliases: Vec::new(),
            generate_feeds: false,
            extra: serde_json::Map::new(),
        }
    }
}

/// A date as written: a TOML date/datetime or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateValue(pub String);

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = DateValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2024-05-01 or 2024-05-01T10:00:00Z")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateValue, E> {
                Ok(DateValue(v.to_string()))
            }
            // TOML hands its native datetimes over as a one-key map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateValue, A::Error> {
                let Some((_, value)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("empty date"));
                };
                Ok(DateValue(value))
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

/// The parts of a content file.
#[derive(Debug)]
pub struct Split<'a> {
    pub format: Format,
    /// The front matter text, without its delimiters.
    pub front_matter: &'a str,
    /// Byte offset of `front_matter` in the file.
    pub front_matter_start: usize,
    /// Byte offset of the Markdown body in the file.
    pub body_start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
    None,
}

/// Splits front matter off `text`. A file without front matter is all body.
pub fn split<'a>(file: &Path, text: &'a Arc<str>) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let first_line = text[start..first_line_end].trim_end();
    let (format, delimiter) = match first_line {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => {
            return Ok(Split {
                format: Format::None,
                front_matter: "",
                front_matter_start: start,
                body_start: start,
            });
        }
    };
    let fm_start = (first_line_end + 1).min(text.len());
    let mut line_start = fm_start;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        if text[line_start..line_end].trim_end() == delimiter {
            return Ok(Split {
                format,
                front_matter: &text[fm_start..line_start],
                front_matter_start: fm_start,
                body_start: (line_end + 1).min(text.len()),
            });
        }
        line_start = line_end + 1;
    }
    Err(Diagnostic::at_offset(
        file,
        text,
        start,
        3,
        format!("the front matter opened with `{delimiter}` is never closed"),
    )
    .with_hint(format!(
        "add a line holding only `{delimiter}` after the front matter"
    )))
}

/// What to check when the front matter is not valid TOML at all.
const TOML_SYNTAX_HINT: &str = "front matter between `+++` lines is TOML: `key = value` lines, \
text in double quotes closed on the same line (`\"\"\"` for several lines), dates as 2024-01-31";

/// What to check when the front matter is not valid YAML at all.
const YAML_SYNTAX_HINT: &str = "front matter between `---` lines is YAML: `key: value` lines, \
nested by indenting with spaces; quote text holding `: ` or ` #`, and close every quote you open";

/// Parses the front matter of `split` into `T`, locating errors in the file.
pub fn parse<T: DeserializeOwned + Default>(
    file: &Path,
    text: &Arc<str>,
    split: &Split<'_>,
    known_keys: &str,
) -> Result<T, Diagnostic> {
    let keys_hint =
        || format!("front matter keys here are: {known_keys}; put your own values under [extra]");
    match split.format {
        Format::None => Ok(T::default()),
        Format::Toml => toml::from_str::<T>(split.front_matter).map_err(|e| {
            // Only on failure: is the TOML itself broken, or a key or value?
            let hint = if split.front_matter.parse::<toml::Table>().is_err() {
                TOML_SYNTAX_HINT.to_string()
            } else {
                keys_hint()
            };
            Diagnostic::from_toml(
                file,
                text,
                split.front_matter_start,
                &e,
                "TOML front matter",
            )
            .with_hint(hint)
        }),
        Format::Yaml => {
            if split.front_matter.trim().is_empty() {
                return Ok(T::default());
            }
            serde_yaml_ng::from_str::<T>(split.front_matter).map_err(|e| {
                let offset = e.location().map_or(0, |l| l.index());
                let message = e.to_string();
                // serde_yaml appends " at line N column M" relative to the
                // front matter; the diagnostic carries the file's own.
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_string();
                let hint = if serde_yaml_ng::from_str::<serde_yaml_ng::Value>(split.front_matter)
                    .is_err()
                {
                    YAML_SYNTAX_HINT.to_string()
                } else {
                    keys_hint()
                };
                Diagnostic::at_offset(
                    file,
                    text,
                    split.front_matter_start + offset,
                    1,
                    format!("invalid YAML front matter: {message}"),
                )
                .with_hint(hint)
            })
        }
    }
}

/// Byte offset of `key`'s line in the front matter, to point errors about a
/// key's value (a bad date, a missing template) at the key itself.
pub fn key_offset(split: &Split<'_>, key: &str) -> Option<usize> {
    let mut offset = split.front_matter_start;
    for line in split.front_matter.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            let rest = rest.trim_start();
            if rest.starts_with('=') || rest.starts_with(':') {
                return Some(offset + (line.len() - trimmed.len()));
            }
        }
        offset += line.len();
    }
    None
}

/// TOML datetimes inside `[extra]` arrive as one-key maps; make them strings.
pub fn flatten_toml_dates(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.len() == 1
                && let Some(serde_json::Value::String(s)) = map.get("$__toml_private_datetime")
            {
                *value = serde_json::Value::String(s.clone());
                return;
            }
            map.values_mut().for_each(flatten_toml_dates);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(flatten_toml_dates),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn splits_toml_and_yaml() {
        let t = arc("+++\ntitle = \"A\"\n+++\nbody\n");
        let s = split(Path::new("a.md"), &t).unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.front_matter, "title = \"A\"\n");
        assert_eq!(&t[s.body_start..], "body\n");

        let y = arc("---\ntitle: B\ndate: 2024-01-02\n---\n# hi");
        let s = split(Path::new("b.md"), &y).unwrap();
        let fm: PageFrontMatter = parse(Path::new("b.md"), &y, &s, "").unwrap();
        assert_eq!(fm.title.as_deref(), Some("B"));
        assert_eq!(fm.date, Some(DateValue("2024-01-02".into())));
    }

    #[test]
    fn toml_dates_become_strings() {
        let t = arc("+++\ndate = 2024-01-02\n[extra]\nwhen = 2020-02-02T10:00:00Z\n+++\n");
        let s = split(Path::new("a.md"), &t).unwrap();
        let mut fm: PageFrontMatter = parse(Path::new("a.md"), &t, &s, "").unwrap();
        assert_eq!(fm.date, Some(DateValue("2024-01-02".into())));
        let mut extra = serde_json::Value::Object(std::mem::take(&mut fm.extra));
        flatten_toml_dates(&mut extra);
        assert_eq!(extra["when"], "2020-02-02T10:00:00Z");
    }

    #[test]
    fn unknown_key_error_points_at_its_line() {
        let t = arc("+++\ntitle = \"A\"\ncolour = \"red\"\n+++\n");
        let s = split(Path::new("a.md"), &t).unwrap();
        let err = parse::<PageFrontMatter>(Path::new("a.md"), &t, &s, "").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("colour"), "{err}");

        let y = arc("---\ntitle: A\ncolour: red\n---\n");
        let s = split(Path::new("a.md"), &y).unwrap();
        let err = parse::<PageFrontMatter>(Path::new("a.md"), &y, &s, "").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let t = arc("+++\ntitle = \"A\"\n");
        assert!(split(Path::new("a.md"), &t).is_err());
    }
}
