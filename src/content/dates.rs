//! Dates from front matter and file names.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Serialize;

/// A parsed date. `text` is the form templates get: `YYYY-MM-DD`, or RFC
/// 3339 when a time was given, which Tera's `date` filter reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageDate {
    /// UTC when an offset was given, else as written; used for sorting.
    #[serde(skip)]
    pub utc: NaiveDateTime,
    pub text: String,
}

impl PageDate {
    /// Accepts `2024-05-01`, `2024-05-01T10:00:00[Z|+02:00]`, with a space
    /// instead of `T`, and fractional seconds.
    pub fn parse(input: &str) -> Option<PageDate> {
        let s = input.trim();
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(PageDate {
                utc: d.and_hms_opt(0, 0, 0)?,
                text: d.format("%Y-%m-%d").to_string(),
            });
        }
        let t = s.replacen(' ', "T", 1);
        if let Ok(dt) = DateTime::parse_from_rfc3339(&t) {
            return Some(PageDate {
                utc: dt.naive_utc(),
                text: dt.to_rfc3339(),
            });
        }
        for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(&t, fmt) {
                return Some(PageDate {
                    utc: dt,
                    text: dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
                });
            }
        }
        None
    }

    pub fn date(&self) -> NaiveDate {
        self.utc.date()
    }
}

/// Splits a `YYYY-MM-DD-` or `YYYY-MM-DD_` prefix off a file stem.
pub fn split_date_prefix(stem: &str) -> Option<(PageDate, &str)> {
    let (prefix, rest) = (stem.get(..10)?, stem.get(10..)?);
    let rest = rest.strip_prefix('-').or_else(|| rest.strip_prefix('_'))?;
    if rest.is_empty() {
        return None;
    }
    Some((PageDate::parse(prefix)?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(PageDate::parse("2024-05-01").unwrap().text, "2024-05-01");
        let d = PageDate::parse("2024-05-01T10:00:00+02:00").unwrap();
        assert_eq!(d.utc.format("%H").to_string(), "08");
        assert_eq!(
            PageDate::parse("2024-05-01 10:30:00").unwrap().text,
            "2024-05-01T10:30:00"
        );
        assert!(PageDate::parse("May 1st").is_none());
        assert!(PageDate::parse("2024-13-01").is_none());
    }

    #[test]
    fn file_name_prefixes() {
        let (d, rest) = split_date_prefix("2023-02-03-hello-world").unwrap();
        assert_eq!((d.text.as_str(), rest), ("2023-02-03", "hello-world"));
        assert!(split_date_prefix("2023-02-03").is_none());
        assert!(split_date_prefix("hello-world-again").is_none());
    }
}
