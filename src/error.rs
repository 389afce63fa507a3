//! The crate's error type: user errors (with locations) versus internal or
//! environmental failures. The CLI maps the first to exit code 1 and the
//! second to exit code 2.

use std::io;
use std::path::Path;

use crate::diagnostics::Diagnostics;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in the user's files, each with file, line and column.
    #[error("{} error(s) in the site", .0.0.len())]
    Site(Diagnostics),
    /// A user error that belongs to no file (a bad flag, a refused folder).
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// The machine failed us: disk full, permission denied on the output.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// An I/O failure on one path, with the path in the message.
    pub fn io_at(what: &str, path: &Path, source: io::Error) -> Self {
        Error::io(format!("{what} {}", path.display()), source)
    }

    /// The error as a person reads it: every diagnostic with its snippet
    /// and hint. `color` adds terminal colours.
    pub fn render(&self, color: bool) -> String {
        use std::fmt::Write;
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme);
        let mut out = String::new();
        match self {
            Error::Site(diags) => {
                for d in &diags.0 {
                    let _ = writeln!(out, "error: {}", d.location());
                    if handler.render_report(&mut out, d).is_err() {
                        let _ = writeln!(out, "error: {d}");
                    }
                }
                let n = diags.0.len();
                let _ = writeln!(
                    out,
                    "error: the build failed with {n} error{}; nothing was written",
                    if n == 1 { "" } else { "s" }
                );
            }
            Error::Usage { message, hint } => {
                let _ = writeln!(out, "error: {message}");
                if let Some(hint) = hint {
                    let _ = writeln!(out, "  help: {hint}");
                }
            }
            Error::Io { source, .. } => {
                // Our own text already ends with `source`; add its causes.
                let mut chain = self.to_string();
                let mut source = std::error::Error::source(source);
                while let Some(s) = source {
                    chain.push_str(&format!(": {s}"));
                    source = s.source();
                }
                let _ = writeln!(out, "error: {chain}");
            }
        }
        out
    }

    /// True for mistakes the user can fix in their files or flags.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::Site(_) | Error::Usage { .. })
    }
}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Self {
        Error::Site(d.sorted())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_say_their_cause_once() {
        let e = Error::io_at(
            "cannot write",
            Path::new("public/a.html"),
            io::Error::new(io::ErrorKind::AlreadyExists, "File exists"),
        );
        assert_eq!(
            e.render(false),
            "error: cannot write public/a.html: File exists\n"
        );
    }
}
