//! ssgx: a static site generator with serverless functions, for Netlify.
//!
//! The modules follow the build pipeline (see DESIGN.md §5); data flows one
//! way, and a lower module never imports a higher one:
//!
//! `project` → `content` → `shortcodes` → `markdown` → `templates` → `site` → `output`,
//! and `functions` (discover, run, bundle) and `netlify` (redirect and
//! header rules) beside them; `dev` (the dev server) and `check` (the
//! link checker) sit on top.
//!
//! The binary (`main.rs`) is the only place that knows about terminals and
//! exit codes; everything here returns [`error::Error`] or
//! [`diagnostics::Diagnostics`].

pub mod check;
pub mod content;
pub mod dev;
pub mod diagnostics;
pub mod error;
pub mod functions;
pub mod markdown;
pub mod netlify;
pub mod output;
pub mod project;
pub mod shortcodes;
pub mod site;
pub mod templates;

pub use error::{Error, Result};
