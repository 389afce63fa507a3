//! Slugs for URLs and heading ids.
//!
//! Hand-written on purpose: the `slug` crate transliterates to ASCII
//! ("café" → "cafe"), while ssgx keeps letters of every script, and heading
//! ids must follow GitHub's rules so README-style `#links` resolve. Both are
//! a few lines over `char` properties.

/// A URL slug: lowercase letters and digits of any script, `_`, and single
/// `-` between words. Never empty for input holding a letter or digit.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '_' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

/// A heading id as GitHub makes it: lowercase, punctuation other than `-`
/// and `_` dropped, each space a `-` (runs are not folded).
pub fn github_heading_id(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.trim().chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '-' {
            out.extend(ch.to_lowercase());
        } else if ch == ' ' {
            out.push('-');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_unicode_letters() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  Café  au lait "), "café-au-lait");
        assert_eq!(slugify("日本語 ページ"), "日本語-ページ");
        assert_eq!(slugify("snake_case--name"), "snake_case-name");
        assert_eq!(slugify("2024 review"), "2024-review");
    }

    #[test]
    fn heading_ids_follow_github() {
        assert_eq!(github_heading_id("Getting Started"), "getting-started");
        assert_eq!(github_heading_id("What's new in v1.2?"), "whats-new-in-v12");
        assert_eq!(github_heading_id("A -- B"), "a----b");
        assert_eq!(github_heading_id("Ünïcödé"), "ünïcödé");
        assert_eq!(github_heading_id("`code` & more"), "code--more");
    }
}
