//! Finds shortcode calls in a Markdown text: inline `{{ name(a=1) }}` and
//! with a body `{% name(a=1) %}...{% end %}`, nested, skipping the byte
//! ranges given (code spans and blocks). `{{/* ... */}}` writes the call
//! out literally instead.
//!
//! Hand-written rather than a grammar crate: the syntax is a dozen tokens,
//! and the scanner must step around code ranges it is handed and leave
//! anything that is not a call (`{{ user.name }}` in prose) alone, which a
//! whole-text grammar would reject.

use std::ops::Range;

use serde_json::{Map, Number, Value};

/// One call found in the text. Offsets are into the scanned text.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Map<String, Value>,
    /// The whole call, from `{{`/`{%` to `}}` or the end tag's `%}`.
    pub range: Range<usize>,
    /// The text between the tags, and the calls inside it.
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub range: Range<usize>,
    pub calls: Vec<Found>,
}

/// A call, or an escaped call written out as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Call(Call),
    /// `{{/* x */}}`: the range, and the text it stands for (`{{ x }}`).
    Literal(Range<usize>, String),
}

impl Found {
    pub fn range(&self) -> &Range<usize> {
        match self {
            Found::Call(c) => &c.range,
            Found::Literal(r, _) => r,
        }
    }
}

/// A malformed call: where, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

fn error<T>(offset: usize, len: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        offset,
        len,
        message: message.into(),
    })
}

/// Every top-level call of `text` (each with its nested calls), outside
/// the sorted, non-overlapping `skip` ranges.
pub fn find_calls(text: &str, skip: &[Range<usize>]) -> Result<Vec<Found>, ParseError> {
    let mut scanner = Scanner { text, skip };
    let (found, end) = scanner.scan(0, None)?;
    debug_assert!(end.is_none());
    Ok(found)
}

struct Scanner<'a> {
    text: &'a str,
    skip: &'a [Range<usize>],
}

/// What starts at a `{`.
enum Tag {
    Inline(Call),
    Opening(Call),
    End(Range<usize>),
    Literal(Range<usize>, String),
}

impl Scanner<'_> {
    /// Scans from `pos` to the end of the text, or (inside the body of the
    /// call opened at `open`) to its `{% end %}`, whose range is returned.
    fn scan(
        &mut self,
        mut pos: usize,
        open: Option<&Call>,
    ) -> Result<(Vec<Found>, Option<Range<usize>>), ParseError> {
        let bytes = self.text.as_bytes();
        let mut found = Vec::new();
        while let Some(i) = self.text[pos..].find('{').map(|i| i + pos) {
            if let Some(r) = self.skip.iter().find(|r| r.contains(&i)) {
                pos = r.end;
                continue;
            }
            if !matches!(bytes.get(i + 1), Some(b'{' | b'%')) {
                pos = i + 1;
                continue;
            }
            match self.tag(i)? {
                None => pos = i + 2,
                Some(Tag::Literal(range, text)) => {
                    pos = range.end;
                    found.push(Found::Literal(range, text));
                }
                Some(Tag::Inline(call)) => {
                    pos = call.range.end;
                    found.push(Found::Call(call));
                }
                Some(Tag::End(range)) => {
                    if open.is_some() {
                        return Ok((found, Some(range)));
                    }
                    // A stray `{% end %}` is prose, not an error.
                    pos = range.end;
                }
                Some(Tag::Opening(mut call)) => {
                    let body_start = call.range.end;
                    let (calls, end) = self.scan(body_start, Some(&call))?;
                    let Some(end) = end else {
                        return error(
                            call.range.start,
                            body_start - call.range.start,
                            format!(
                                "shortcode `{}` has a body but no `{{% end %}}` after it",
                                call.name
                            ),
                        );
                    };
                    call.body = Some(Body {
                        range: body_start..end.start,
                        calls,
                    });
                    call.range.end = end.end;
                    pos = end.end;
                    found.push(Found::Call(call));
                }
            }
        }
        Ok((found, None))
    }

    /// The tag starting at `start` (`{{` or `{%`), or `None` when the text
    /// there is not a shortcode (such as `{{ page.title }}` in prose).
    fn tag(&self, start: usize) -> Result<Option<Tag>, ParseError> {
        let text = self.text;
        let inline = text.as_bytes()[start + 1] == b'{';
        let close = if inline { "}}" } else { "%}" };
        let mut p = Cursor {
            text,
            pos: start + 2,
        };
        if p.eat("/*") {
            let Some(end) = text[p.pos..].find(&format!("*/{close}")) else {
                return Ok(None);
            };
            let inner = text[p.pos..p.pos + end].trim();
            let open = if inline { "{{" } else { "{%" };
            let range = start..p.pos + end + 4;
            return Ok(Some(Tag::Literal(range, format!("{open} {inner} {close}"))));
        }
        p.skip_ws();
        let Some(name) = p.ident() else {
            return Ok(None);
        };
        p.skip_ws();
        if !inline && name == "end" && p.eat(close) {
            return Ok(Some(Tag::End(start..p.pos)));
        }
        if !p.eat("(") {
            return Ok(None);
        }
        let args = parse_args(&mut p, name)?;
        p.skip_ws();
        if !p.eat(close) {
            return error(
                p.pos,
                1,
                format!("shortcode `{name}`: expected `{close}` to close the call"),
            );
        }
        let call = Call {
            name: name.to_string(),
            args,
            range: start..p.pos,
            body: None,
        };
        Ok(Some(if inline {
            Tag::Inline(call)
        } else {
            Tag::Opening(call)
        }))
    }
}

/// The arguments after `name(`, through the closing `)`.
fn parse_args(p: &mut Cursor<'_>, name: &str) -> Result<Map<String, Value>, ParseError> {
    let mut args = Map::new();
    loop {
        p.skip_ws();
        if p.eat(")") {
            return Ok(args);
        }
        let key_start = p.pos;
        let Some(key) = p.ident() else {
            return error(
                p.pos,
                1,
                format!("shortcode `{name}`: expected an argument name or `)`"),
            );
        };
        p.skip_ws();
        if !p.eat("=") {
            return error(
                p.pos,
                1,
                format!("shortcode `{name}`: expected `=` after argument `{key}`"),
            );
        }
        p.skip_ws();
        let value = parse_value(p, name)?;
        if args.insert(key.to_string(), value).is_some() {
            return error(
                key_start,
                key.len(),
                format!("shortcode `{name}`: argument `{key}` is given twice"),
            );
        }
        p.skip_ws();
        if !p.eat(",") && !p.peek(")") {
            return error(
                p.pos,
                1,
                format!("shortcode `{name}`: expected `,` or `)` after argument `{key}`"),
            );
        }
    }
}

/// A string (`"..."`, `'...'` or `` `...` ``), number, bool or list.
fn parse_value(p: &mut Cursor<'_>, name: &str) -> Result<Value, ParseError> {
    let start = p.pos;
    let rest = &p.text[p.pos..];
    let Some(first) = rest.chars().next() else {
        return error(
            start,
            0,
            format!("shortcode `{name}`: the call ends before its value"),
        );
    };
    match first {
        '"' | '\'' | '`' => parse_string(p, first, name),
        '[' => {
            p.pos += 1;
            let mut items = Vec::new();
            loop {
                p.skip_ws();
                if p.eat("]") {
                    return Ok(Value::Array(items));
                }
                items.push(parse_value(p, name)?);
                p.skip_ws();
                if !p.eat(",") && !p.peek("]") {
                    return error(
                        p.pos,
                        1,
                        format!("shortcode `{name}`: expected `,` or `]` in the list"),
                    );
                }
            }
        }
        _ => {
            let word_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
                .unwrap_or(rest.len());
            let word = &rest[..word_len];
            let value = match word {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => parse_number(word),
            };
            match value {
                Some(v) => {
                    p.pos += word_len;
                    Ok(v)
                }
                None => error(
                    start,
                    word_len.max(1),
                    format!(
                        "shortcode `{name}`: `{word}` is not a value (use a quoted string, a number, true, false or a [list])"
                    ),
                ),
            }
        }
    }
}

fn parse_number(word: &str) -> Option<Value> {
    if let Ok(i) = word.parse::<i64>() {
        return Some(Value::Number(i.into()));
    }
    let f = word.parse::<f64>().ok().filter(|f| f.is_finite())?;
    // `1e5` and `.5` parse as floats too; only plain decimals are numbers.
    word.chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        .then(|| Number::from_f64(f).map(Value::Number))
        .flatten()
}

/// A quoted string; `"` and `'` strings take `\\`, `\"`, `\'`, `\n` and
/// `\t` escapes, backtick strings are raw.
fn parse_string(p: &mut Cursor<'_>, quote: char, name: &str) -> Result<Value, ParseError> {
    let start = p.pos;
    p.pos += 1;
    let mut out = String::new();
    let mut chars = p.text[p.pos..].char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            p.pos += i + 1;
            return Ok(Value::String(out));
        }
        if c == '\\' && quote != '`' {
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, other)) => out.push(other),
                None => break,
            }
        } else {
            out.push(c);
        }
    }
    error(
        start,
        1,
        format!("shortcode `{name}`: this string has no closing {quote}"),
    )
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.peek(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn peek(&self, s: &str) -> bool {
        self.text[self.pos..].starts_with(s)
    }

    /// `[A-Za-z_][A-Za-z0-9_-]*`
    fn ident(&mut self) -> Option<&'a str> {
        let rest = &self.text[self.pos..];
        let first = rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        self.pos += len;
        Some(&rest[..len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn calls(text: &str) -> Vec<Found> {
        find_calls(text, &[]).unwrap()
    }

    fn only_call(text: &str) -> Call {
        match calls(text).remove(0) {
            Found::Call(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn argument_types() {
        let c = only_call(
            r#"x {{ card(title="A \"q\"", n=3, ratio=-0.5, on=true, off=false, tags=["a", 'b', 2], raw=`C:\dir`) }} y"#,
        );
        assert_eq!(c.name, "card");
        assert_eq!(c.args["title"], json!("A \"q\""));
        assert_eq!(c.args["n"], json!(3));
        assert_eq!(c.args["ratio"], json!(-0.5));
        assert_eq!(c.args["on"], json!(true));
        assert_eq!(c.args["off"], json!(false));
        assert_eq!(c.args["tags"], json!(["a", "b", 2]));
        assert_eq!(c.args["raw"], json!("C:\\dir"));
        assert_eq!(c.range.start, 2);
        assert!(c.body.is_none());
    }

    #[test]
    fn bodies_nest() {
        let text = "{% outer(a=1) %}A {% inner() %}B {{ leaf() }}{% end %} C{% end %} tail";
        let c = only_call(text);
        assert_eq!(c.name, "outer");
        assert_eq!(c.range, 0..text.len() - 5);
        let body = c.body.unwrap();
        assert_eq!(
            &text[body.range.clone()],
            "A {% inner() %}B {{ leaf() }}{% end %} C"
        );
        let Found::Call(inner) = &body.calls[0] else {
            panic!()
        };
        assert_eq!(inner.name, "inner");
        let inner_body = inner.body.as_ref().unwrap();
        assert_eq!(&text[inner_body.range.clone()], "B {{ leaf() }}");
        assert!(matches!(&inner_body.calls[0], Found::Call(l) if l.name == "leaf"));
    }

    #[test]
    fn prose_and_skipped_ranges_are_left_alone() {
        assert!(calls("{{ page.title }} and {% if x %} and {{ }} and { a } {% end %}").is_empty());
        let text = "`{{ code() }}` then {{ real() }}";
        let skip = vec![std::ops::Range { start: 0, end: 14 }];
        let found = find_calls(text, &skip).unwrap();
        assert_eq!(found.len(), 1);
        assert!(matches!(&found[0], Found::Call(c) if c.name == "real"));
    }

    #[test]
    fn escaped_calls_are_written_out() {
        let found = calls("see {{/* youtube(id=\"x\") */}}.");
        assert_eq!(
            found,
            vec![Found::Literal(4..29, "{{ youtube(id=\"x\") }}".to_string())]
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = find_calls("ok\n{{ card(title=oops) }}", &[]).unwrap_err();
        assert_eq!(e.offset, 3 + 14);
        assert!(e.message.contains("`oops` is not a value"), "{}", e.message);
        let e = find_calls("{% note() %} never closed", &[]).unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("no `{% end %}`"));
        let e = find_calls("{{ a(x=1 y=2) }}", &[]).unwrap_err();
        assert!(e.message.contains("expected `,` or `)`"));
        let e = find_calls("{{ a(x=1, x=2) }}", &[]).unwrap_err();
        assert!(e.message.contains("given twice"));
        let e = find_calls("{{ a(s=\"open) }}", &[]).unwrap_err();
        assert!(e.message.contains("no closing"));
        let e = find_calls("{{ a() %}", &[]).unwrap_err();
        assert!(e.message.contains("expected `}}`"));
    }
}
