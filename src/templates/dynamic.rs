//! The built-in `dynamic` shortcode (and template function): an element
//! that shows its fallback until `hydrate.js` fills it with the JSON of a
//! function. Everything the script needs is in `data-ssgx-*` attributes,
//! escaped; the fallback is the author's Markdown.
//!
//! Arguments: `function` (a name, called at `/.functions/NAME`) or `path`
//! (a v2 function's own path); `query` (literal, `a=1&b=2`); `from_query`
//! (names of the page URL's query values to pass on, a list, or `true` for
//! all); `from_path` (a pattern such as `/users/:id` matched against the
//! page's path); `fallback` or the body (Markdown); `field` (dotted path),
//! `format` (text with `{dotted.path}` holes) and `each` (a list to repeat
//! `field`/`format` over); `raw` (insert HTML instead of text); `refresh`
//! and `timeout` (seconds); `lazy` (load when visible); `tag` and `class`.

use serde_json::{Map, Value};

use super::escape_html;
use crate::markdown::render_fragment;

const ARGS: &[&str] = &[
    "function",
    "path",
    "query",
    "from_query",
    "from_path",
    "fallback",
    "field",
    "format",
    "each",
    "raw",
    "refresh",
    "timeout",
    "lazy",
    "tag",
    "class",
];

/// Elements the author may ask for: ones that can hold text.
const TAGS: &[&str] = &[
    "span", "div", "p", "section", "aside", "article", "strong", "em", "output", "figure", "li",
    "td", "b", "small", "mark", "data", "time",
];

/// The element's HTML, or what is wrong with the arguments.
pub fn render(args: &Map<String, Value>, body: Option<&str>) -> Result<String, String> {
    if let Some(unknown) = args.keys().find(|k| !ARGS.contains(&k.as_str())) {
        return Err(format!(
            "unknown argument `{unknown}`; dynamic takes {}",
            ARGS.join(", ")
        ));
    }
    let args = Args(args);
    let mut attrs = vec![("data-ssgx-src", source(&args)?)];
    attrs.extend(data_attributes(&args)?);

    let fallback = match (args.text("fallback")?, body) {
        (Some(_), Some(_)) => {
            return Err("give the fallback as `fallback` or as the body, not both".to_string());
        }
        (f, b) => f.or(b).unwrap_or("").trim(),
    };
    let block = body.is_some() || fallback.contains("\n\n");
    let tag = match args.text("tag")? {
        Some(t) if TAGS.contains(&t) => t,
        Some(t) => {
            return Err(format!(
                "`tag` must be one of {}, not `{t}`",
                TAGS.join(", ")
            ));
        }
        None if block => "div",
        None => "span",
    };
    let inline_tag = matches!(
        tag,
        "span" | "strong" | "em" | "output" | "b" | "small" | "mark" | "data" | "time" | "p"
    );
    let fallback_html = render_fragment(fallback, inline_tag);

    let mut class = "ssgx-dynamic".to_string();
    if let Some(extra) = args.text("class")? {
        class.push(' ');
        class.push_str(extra);
    }
    let mut html = format!("<{tag} class=\"{}\"", escape_html(&class));
    for (name, value) in attrs {
        if value.is_empty() && matches!(name, "data-ssgx-raw" | "data-ssgx-lazy") {
            html.push_str(&format!(" {name}"));
        } else {
            html.push_str(&format!(" {name}=\"{}\"", escape_html(&value)));
        }
    }
    html.push('>');
    html.push_str(fallback_html.trim_end());
    html.push_str(&format!("</{tag}>"));
    Ok(html)
}

/// The shortcode's arguments, read with the type each must have.
struct Args<'a>(&'a Map<String, Value>);

impl Args<'_> {
    fn text(&self, key: &str) -> Result<Option<&str>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("`{key}` must be a quoted string")),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, String> {
        match self.0.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("`{key}` must be true or false")),
        }
    }

    fn seconds(&self, key: &str) -> Result<Option<f64>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(s) if s > 0.0 => Ok(Some(s)),
                _ => Err(format!("`{key}` must be a number of seconds above 0")),
            },
        }
    }
}

/// The URL the script fetches: `/.functions/NAME` or the v2 `path`, with
/// the literal `query`.
fn source(args: &Args<'_>) -> Result<String, String> {
    let mut src = match (args.text("function")?, args.text("path")?) {
        (Some(name), None) => {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "`function` must be a function's name (letters, digits, `-`, `_`), not `{name}`"
                ));
            }
            format!("/.functions/{name}")
        }
        (None, Some(path)) if path.starts_with('/') && !path.contains(['?', '#']) => {
            path.to_string()
        }
        (None, Some(path)) => {
            return Err(format!(
                "`path` must start with `/` and have no query (use `query`), not `{path}`"
            ));
        }
        (Some(_), Some(_)) => return Err("give `function` or `path`, not both".to_string()),
        (None, None) => {
            return Err(
                "`function` is missing: name the function to call, e.g. function=\"dynamic-content\""
                    .to_string(),
            );
        }
    };
    if let Some(query) = args.text("query")? {
        let query = query.trim_start_matches('?');
        if query.contains('#') {
            return Err("`query` cannot contain `#`".to_string());
        }
        if !query.is_empty() {
            src.push('?');
            src.push_str(query);
        }
    }
    Ok(src)
}

/// The `data-ssgx-*` attributes besides the source, as (name, value); an
/// empty value is a bare attribute.
fn data_attributes(args: &Args<'_>) -> Result<Vec<(&'static str, String)>, String> {
    let mut attrs = Vec::new();
    match args.0.get("from_query") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => attrs.push(("data-ssgx-from-query", "*".to_string())),
        Some(Value::String(name)) => attrs.push(("data-ssgx-from-query", name.clone())),
        Some(Value::Array(names)) if names.iter().all(Value::is_string) => {
            let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
            attrs.push(("data-ssgx-from-query", names.join(",")));
        }
        Some(_) => {
            return Err(
                "`from_query` must be a name, a list of names, or true (all of them)".to_string(),
            );
        }
    }
    if let Some(pattern) = args.text("from_path")? {
        if !pattern.starts_with('/') || !pattern.contains("/:") {
            return Err(format!(
                "`from_path` must be a path pattern with `:name` parts, such as \"/users/:id\", not `{pattern}`"
            ));
        }
        attrs.push(("data-ssgx-from-path", pattern.to_string()));
    }
    if args.text("field")?.is_some() && args.text("format")?.is_some() {
        return Err("give `field` or `format`, not both".to_string());
    }
    for (key, attr) in [
        ("field", "data-ssgx-field"),
        ("format", "data-ssgx-format"),
        ("each", "data-ssgx-each"),
    ] {
        if let Some(value) = args.text(key)? {
            attrs.push((attr, value.to_string()));
        }
    }
    if let Some(s) = args.seconds("refresh")? {
        attrs.push(("data-ssgx-refresh", s.to_string()));
    }
    if let Some(s) = args.seconds("timeout")? {
        attrs.push(("data-ssgx-timeout", s.to_string()));
    }
    if args.flag("raw")? {
        attrs.push(("data-ssgx-raw", String::new()));
    }
    if args.flag("lazy")? {
        attrs.push(("data-ssgx-lazy", String::new()));
    }
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(args: Value, body: Option<&str>) -> Result<String, String> {
        render(args.as_object().unwrap(), body)
    }

    #[test]
    fn inline_element_with_escaped_attributes() {
        let html = call(
            json!({"function": "dynamic-content", "query": "lang=en&x=\"1\"", "from_query": ["userId"],
                   "format": "Welcome back, {name}!", "fallback": "Welcome, *friend*!"}),
            None,
        )
        .unwrap();
        assert_eq!(
            html,
            "<span class=\"ssgx-dynamic\" data-ssgx-src=\"/.functions/dynamic-content?lang=en&amp;x=&quot;1&quot;\" \
             data-ssgx-from-query=\"userId\" data-ssgx-format=\"Welcome back, {name}!\">Welcome, <em>friend</em>!</span>"
        );
    }

    #[test]
    fn body_is_a_block_fallback_and_options_become_attributes() {
        let html = call(
            json!({"path": "/api/stock/widget", "field": "count", "refresh": 2, "lazy": true, "raw": true, "timeout": 1.5}),
            Some("\nStock: **unknown**\n"),
        )
        .unwrap();
        assert!(html.starts_with("<div class=\"ssgx-dynamic\" data-ssgx-src=\"/api/stock/widget\" data-ssgx-field=\"count\" data-ssgx-refresh=\"2\" data-ssgx-timeout=\"1.5\" data-ssgx-raw data-ssgx-lazy>"), "{html}");
        assert!(
            html.ends_with("<p>Stock: <strong>unknown</strong></p></div>"),
            "{html}"
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        for (args, needle) in [
            (json!({}), "`function` is missing"),
            (json!({"function": "a/b"}), "must be a function's name"),
            (
                json!({"function": "a", "colour": 1}),
                "unknown argument `colour`",
            ),
            (
                json!({"function": "a", "refresh": "soon"}),
                "number of seconds",
            ),
            (json!({"function": "a", "refresh": 0}), "number of seconds"),
            (
                json!({"function": "a", "tag": "script"}),
                "`tag` must be one of",
            ),
            (
                json!({"function": "a", "from_path": "users"}),
                "path pattern",
            ),
            (
                json!({"function": "a", "field": "x", "format": "{x}"}),
                "not both",
            ),
            (json!({"function": "a", "lazy": "yes"}), "true or false"),
        ] {
            let e = call(args.clone(), None).unwrap_err();
            assert!(e.contains(needle), "{args}: {e}");
        }
    }
}
