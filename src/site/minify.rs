//! Optional HTML minification (`minify_html = true`): comments dropped,
//! runs of white space between and inside text collapsed to one character
//! (a newline when the run had one), and nothing touched inside `<pre>`,
//! `<textarea>`, `<script>` and `<style>` or inside tags. That is what a
//! browser would collapse anyway, so the page renders the same.
//!
//! Written here rather than taken from `minify-html`: that crate brings
//! lightningcss and a second copy of oxc (some 1,100 lines of Cargo.lock
//! and two more minutes of every clean build) for CSS and JS minification
//! that ssgx does not need here.

/// Elements whose content is kept byte for byte.
const VERBATIM: &[&str] = &["pre", "textarea", "script", "style"];

/// The minified page.
pub fn minify(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let bytes = html.as_bytes();
    let mut i = 0;
    // The pending white space run: None, Some(false) = spaces, Some(true) = had a newline.
    let mut space: Option<bool> = None;
    while i < bytes.len() {
        let rest = &html[i..];
        if rest.starts_with("<!--") && !rest.starts_with("<!--[if") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            i += end;
            continue;
        }
        if bytes[i] == b'<' {
            flush(&mut out, &mut space);
            let tag_end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = &rest[..tag_end];
            out.push_str(tag);
            i += tag_end;
            if let Some(name) = verbatim_element(tag) {
                let close = format!("</{name}");
                let body = &html[i..];
                let end = find_ignore_case(body, &close).unwrap_or(body.len());
                out.push_str(&body[..end]);
                i += end;
            }
            continue;
        }
        let ch = rest.chars().next().unwrap_or(' ');
        if ch.is_ascii_whitespace() {
            space = Some(space.unwrap_or(false) || ch == '\n');
        } else {
            flush(&mut out, &mut space);
            out.push(ch);
        }
        i += ch.len_utf8();
    }
    flush(&mut out, &mut space);
    out
}

fn flush(out: &mut String, space: &mut Option<bool>) {
    if let Some(newline) = space.take() {
        out.push(if newline { '\n' } else { ' ' });
    }
}

/// The name of a start tag whose content is kept as is.
fn verbatim_element(tag: &str) -> Option<&'static str> {
    let name: String = tag
        .trim_start_matches('<')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    VERBATIM.iter().copied().find(|v| *v == name)
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_what_browsers_collapse_and_keeps_the_rest() {
        let html = "<html>\n  <head>\n    <!-- note -->\n    <title>A  page</title>\n  </head>\n<body>\n  <p>one   two\n   three</p>\n<pre>  keep\n    this  </pre>\n<script>if (a  <  b) { x(); }</script>\n<p title=\"two  spaces\">x</p><!--[if IE]>ie<![endif]--></body></html>\n";
        assert_eq!(
            minify(html),
            "<html>\n<head>\n<title>A page</title>\n</head>\n<body>\n<p>one two\nthree</p>\n<pre>  keep\n    this  </pre>\n<script>if (a  <  b) { x(); }</script>\n<p title=\"two  spaces\">x</p><!--[if IE]>ie<![endif]--></body></html>\n"
        );
        assert_eq!(minify("<PRE>a  b</PRE> c"), "<PRE>a  b</PRE> c");
        assert_eq!(minify("café  au lait"), "café au lait");
    }
}
