//! Netlify's routing rules, as its CDN applies them (NETLIFY.md §4):
//! `_redirects` and `[[redirects]]` ([`redirects`]), `_headers` and
//! `[[headers]]` ([`headers`]). Parsing and matching only; the dev server
//! decides what a match does.
//!
//! Public surface: [`Rules`] (both sets, loaded together), and the two
//! submodules' matchers.

pub mod headers;
pub mod redirects;

use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::project::NetlifyToml;

pub use headers::Headers;
pub use redirects::{Redirects, RequestFacts};

/// The redirect and header rules of a site.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub redirects: Redirects,
    pub headers: Headers,
}

impl Rules {
    /// Rules from the published `_redirects` and `_headers` texts (if any)
    /// and netlify.toml. `output_dir` names the files in messages. Lines
    /// that do not parse are returned as diagnostics; the rest apply.
    pub fn load(
        output_dir: &Path,
        redirects_file: Option<&str>,
        headers_file: Option<&str>,
        netlify: &NetlifyToml,
    ) -> (Rules, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let file_redirects = match redirects_file {
            Some(text) => {
                let (rules, errors) = redirects::parse_file(&output_dir.join("_redirects"), text);
                problems.extend(errors);
                rules
            }
            None => Vec::new(),
        };
        let file_headers = match headers_file {
            Some(text) => {
                let (blocks, errors) = headers::parse_file(&output_dir.join("_headers"), text);
                problems.extend(errors);
                blocks
            }
            None => Vec::new(),
        };
        let rules = Rules {
            redirects: Redirects::new(file_redirects, redirects::from_toml(&netlify.redirects)),
            headers: Headers::new(file_headers, headers::from_toml(&netlify.headers)),
        };
        (rules, problems)
    }
}
