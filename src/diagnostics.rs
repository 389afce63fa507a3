//! User-facing diagnostics: one error in one file, located by line and column.
//!
//! Every stage of the pipeline reports problems in the user's files as
//! [`Diagnostic`]s and collects them, so a build reports all its errors at
//! once. They are rendered only at the edge (the CLI) through miette, which
//! prints `file:line:col`, a snippet of the source and the hint.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode, SourceSpan};

/// One problem in one of the user's files.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The file, as shown to the user (relative to the project root).
    pub file: PathBuf,
    /// 1-based line and column of the problem.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The file's text and the byte span, when the file is text.
    source: Option<Box<(NamedSource<Arc<str>>, SourceSpan)>>,
    label: String,
}

impl Diagnostic {
    /// A problem at a byte offset of a text file. `offset` and `len` are
    /// clamped into the text, so a slightly-off span never panics.
    pub fn at_offset(
        file: &Path,
        text: &Arc<str>,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let end = floor_char_boundary(text, (offset + len).min(text.len()));
        let (line, column) = line_col(text, offset);
        let label = "here".to_string();
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            hint: None,
            source: Some(Box::new((
                NamedSource::new(file.display().to_string(), Arc::clone(text)),
                SourceSpan::new(offset.into(), end - offset),
            ))),
            label,
        }
    }

    /// A problem at a 1-based line and column of a text file.
    pub fn at_line_col(
        file: &Path,
        text: &Arc<str>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = offset_of(text, line, column);
        Self::at_offset(file, text, offset, 0, message)
    }

    /// A problem with a file that has no usable text (unreadable, not UTF-8).
    pub fn in_file(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            hint: None,
            source: None,
            label: String::new(),
        }
    }

    /// A TOML parse or type error in `text`, where the TOML starts at byte
    /// `base` (0 for a whole file, the front matter's start otherwise).
    pub fn from_toml(
        file: &Path,
        text: &Arc<str>,
        base: usize,
        error: &toml::de::Error,
        what: &str,
    ) -> Self {
        let span = error.span().unwrap_or(0..0);
        Self::at_offset(
            file,
            text,
            base + span.start,
            span.len(),
            format!("invalid {what}: {}", error.message().trim()),
        )
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// `file:line:col`, the location as editors and terminals link it.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // miette shows the location in its snippet header; plain listings
        // (`Diagnostics`'s Display) put it in front.
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| &s.0 as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.source.as_ref()?.1;
        let label = LabeledSpan::new_with_span(Some(self.label.clone()), span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Byte offset of a 1-based line and column (in characters); clamped.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let line_len = line_text.find('\n').unwrap_or(line_text.len());
    let col_bytes = line_text[..line_len]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_len, |(i, _)| i);
    start + col_bytes
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Several diagnostics reported together.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok when empty, so a stage can end with `diags.into_result(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.sorted())
        }
    }

    /// In a stable order (file, then line) whatever the threads did.
    pub fn sorted(mut self) -> Self {
        self.0
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{}: {d}", d.location())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\ncé d\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // 'd' is after the two-byte 'é' and a space.
        let d = text.find('d').unwrap();
        assert_eq!(line_col(text, d), (2, 4));
        assert_eq!(offset_of(text, 2, 4), d);
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let text: Arc<str> = Arc::from("one\ntwo");
        let d = Diagnostic::at_offset(Path::new("x.md"), &text, 999, 5, "boom");
        assert_eq!((d.line, d.column), (2, 4));
        assert_eq!(d.location(), "x.md:2:4");
    }
}
