//! Netlify's v1 (Lambda-proxy) event and response, as `netlify dev` and
//! production shape them (NETLIFY.md §1 and §8), plus the `requestContext`
//! that `lambda_http` needs to parse the event.
//!
//! Pure data mapping: an [`HttpRequest`] becomes an event value; a handler's
//! result value becomes a [`FunctionResponse`] or a [`MalformedResponse`]
//! with the message `netlify dev` gives.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A request as the function runtime receives it.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The path the client asked for, before any rewrite.
    pub path: String,
    /// The query string without `?`, as sent.
    pub raw_query: String,
    /// Header names and values in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Scheme and authority, e.g. `http://127.0.0.1:8888`.
    pub origin: String,
    pub client_ip: String,
}

/// What a function answered, ready for HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionResponse {
    pub status: u16,
    /// Names lower-cased; repeated names (`set-cookie`) kept apart.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A handler result that is not a valid response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedResponse(pub String);

/// Request bodies of these types reach the function as UTF-8 text; others
/// are base64-encoded. A body that is not valid UTF-8 is always base64, so
/// no byte is ever lost (where `netlify dev` mangles binary bodies sent
/// without a binary content type).
fn is_text_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-www-form-urlencoded"
                | "application/graphql"
                | "application/ld+json"
        )
}

/// Netlify's stand-in geolocation for local calls, base64 JSON.
const LOCAL_GEO: &str = r#"{"city":"Local","country":{"code":"XX","name":"Local"},"subdivision":{"code":"XX","name":"Local"},"longitude":0,"latitude":0,"timezone":"UTC"}"#;

static LOCAL_GEO_BASE64: LazyLock<String> = LazyLock::new(|| BASE64.encode(LOCAL_GEO));

/// Names (or query keys) in order, each with all its values.
type ValueList = Vec<(String, Vec<String>)>;

/// The request's headers plus those Netlify adds (`client-ip`,
/// `x-nf-request-id`, ...), grouped by lower-cased name.
fn headers_with_netlify_ones(req: &HttpRequest, request_id: &str) -> ValueList {
    let mut list: ValueList = Vec::with_capacity(req.headers.len() + 7);
    let mut add = |name: &str, value: &str, only_if_missing: bool| {
        let name = name.to_ascii_lowercase();
        match list.iter_mut().find(|(n, _)| *n == name) {
            Some(_) if only_if_missing => {}
            Some((_, values)) => values.push(value.to_string()),
            None => list.push((name, vec![value.to_string()])),
        }
    };
    for (name, value) in &req.headers {
        add(name, value, false);
    }
    for (name, value) in [
        ("x-forwarded-for", req.client_ip.as_str()),
        ("x-nf-request-id", request_id),
        ("client-ip", req.client_ip.as_str()),
        ("x-nf-client-connection-ip", req.client_ip.as_str()),
        ("x-nf-account-id", ""),
        ("x-nf-site-id", "local"),
        ("x-nf-geo", LOCAL_GEO_BASE64.as_str()),
    ] {
        add(name, value, true);
    }
    list
}

/// A single-value map: repeated values joined with ", ".
struct Joined<'a>(&'a ValueList);

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, values) in self.0 {
            match values.as_slice() {
                [one] => map.serialize_entry(name, one)?,
                many => map.serialize_entry(name, &many.join(", "))?,
            }
        }
        map.end()
    }
}

/// A multi-value map: every value of a name, in order.
struct Multi<'a>(&'a ValueList);

impl Serialize for Multi<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, values) in self.0 {
            map.serialize_entry(name, values)?;
        }
        map.end()
    }
}

/// The v1 event's fields, written straight to JSON: a function call is a
/// few dozen microseconds, and building a `Value` tree first cost ssgx
/// about a tenth of them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Event<'a> {
    path: &'a str,
    http_method: &'a str,
    query_string_parameters: Joined<'a>,
    multi_value_query_string_parameters: Multi<'a>,
    headers: Joined<'a>,
    multi_value_headers: Multi<'a>,
    is_base64_encoded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    raw_url: String,
    raw_query: &'a str,
    request_context: RequestContext<'a>,
}

/// What lambda_http's API Gateway REST parser requires. No `stage`:
/// lambda_http would put it in front of the path.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    http_method: &'a str,
    path: &'a str,
    request_id: &'a str,
    identity: Identity<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    source_ip: &'a str,
}

/// An event ready to send to a function: its JSON text and the request id
/// it carries (which the Lambda Runtime API also sends as a header).
#[derive(Debug, Clone)]
pub struct Event {
    pub json: Box<RawValue>,
    pub request_id: String,
}

impl Event {
    /// An event given whole (`ssgx functions invoke --event`); its request
    /// id is its `requestContext.requestId`, or `local`.
    pub fn from_value(value: &Value) -> Event {
        let request_id = value["requestContext"]["requestId"]
            .as_str()
            .unwrap_or("local")
            .to_string();
        Event {
            json: to_raw(value),
            request_id,
        }
    }

    /// The event as a JSON value, for tests that inspect it.
    #[cfg(test)]
    pub fn value(&self) -> Value {
        serde_json::from_str(self.json.get()).unwrap_or(Value::Null)
    }
}

/// JSON text of a value that serializes without fail (no maps with
/// non-string keys, no failing `Serialize` impls).
fn to_raw(value: &impl Serialize) -> Box<RawValue> {
    // Unreachable for the types used here; `null` keeps the call going and
    // the function reports what it misses.
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// The v1 event for `req`. `request_id` also goes in `x-nf-request-id`.
pub fn v1_event(req: &HttpRequest, request_id: &str) -> Event {
    let header_list = headers_with_netlify_ones(req, request_id);
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(req.raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    let query: ValueList = query.into_iter().collect();
    let raw_url = if req.raw_query.is_empty() {
        format!("{}{}", req.origin, req.path)
    } else {
        format!("{}{}?{}", req.origin, req.path, req.raw_query)
    };
    let (body, is_base64_encoded) = if req.body.is_empty() {
        // What Netlify sends for a request without a body.
        (None, true)
    } else {
        let content_type = header_list
            .iter()
            .find(|(n, _)| n == "content-type")
            .and_then(|(_, v)| v.first())
            .map_or("", String::as_str);
        let text = if is_text_type(content_type) {
            std::str::from_utf8(&req.body).ok()
        } else {
            None
        };
        match text {
            Some(t) => (Some(Cow::Borrowed(t)), false),
            None => (Some(Cow::Owned(BASE64.encode(&req.body))), true),
        }
    };
    let event = V1Event {
        path: &req.path,
        http_method: &req.method,
        query_string_parameters: Joined(&query),
        multi_value_query_string_parameters: Multi(&query),
        headers: Joined(&header_list),
        multi_value_headers: Multi(&header_list),
        is_base64_encoded,
        body,
        raw_url,
        raw_query: &req.raw_query,
        request_context: RequestContext {
            http_method: &req.method,
            path: &req.path,
            request_id,
            identity: Identity {
                source_ip: &req.client_ip,
            },
        },
    };
    Event {
        json: to_raw(&event),
        request_id: request_id.to_string(),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "undefined".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn header_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Maps a v1 handler's result (or a Rust function's response) to HTTP.
pub fn v1_response(result: &Value) -> Result<FunctionResponse, MalformedResponse> {
    let obj = match result {
        Value::Object(obj) => obj,
        Value::Null => {
            return Err(MalformedResponse(
                "lambda response was undefined. check your function code again".to_string(),
            ));
        }
        // A string or number has no statusCode, and netlify dev says so.
        _ => {
            return Err(MalformedResponse(
                "Your function response must have a numerical statusCode. You gave: undefined"
                    .to_string(),
            ));
        }
    };
    let status = obj
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| {
            MalformedResponse(format!(
                "Your function response must have a numerical statusCode. You gave: {}",
                describe(obj.get("statusCode").unwrap_or(&Value::Null))
            ))
        })?;
    let body_text = match obj.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(MalformedResponse(format!(
                "Your function response must have a string or a stream body. You gave: {}",
                describe(other)
            )));
        }
    };
    let body = if obj.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        BASE64.decode(body_text.trim()).map_err(|e| {
            MalformedResponse(format!(
                "isBase64Encoded is true but the body is not base64: {e}"
            ))
        })?
    } else {
        body_text.into_bytes()
    };

    // multiValueHeaders first; `headers` adds the names it does not have.
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(multi)) = obj.get("multiValueHeaders") {
        for (name, values) in multi {
            let values: Vec<String> = match values {
                Value::Array(items) => items.iter().filter_map(header_value).collect(),
                single => header_value(single).into_iter().collect(),
            };
            headers.extend(values.into_iter().map(|v| (name.to_ascii_lowercase(), v)));
        }
    }
    if let Some(Value::Object(single)) = obj.get("headers") {
        for (name, value) in single {
            let name = name.to_ascii_lowercase();
            if headers.iter().any(|(n, _)| *n == name) {
                continue;
            }
            if let Some(v) = header_value(value) {
                headers.push((name, v));
            }
        }
    }
    Ok(FunctionResponse {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get() -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            path: "/.netlify/functions/echo/sub/path".into(),
            raw_query: "a=1&a=2&b=x+y%21".into(),
            headers: vec![
                ("Accept".into(), "*/*".into()),
                ("X-Custom".into(), "one".into()),
                ("x-custom".into(), "two".into()),
                ("Host".into(), "127.0.0.1:8888".into()),
            ],
            body: Vec::new(),
            origin: "http://127.0.0.1:8888".into(),
            client_ip: "127.0.0.1".into(),
        }
    }

    #[test]
    fn get_event_matches_netlify_dev() {
        let e = v1_event(&get(), "req-1").value();
        assert_eq!(e["httpMethod"], "GET");
        assert_eq!(e["path"], "/.netlify/functions/echo/sub/path");
        assert_eq!(
            e["queryStringParameters"],
            json!({"a": "1, 2", "b": "x y!"})
        );
        assert_eq!(
            e["multiValueQueryStringParameters"],
            json!({"a": ["1", "2"], "b": ["x y!"]})
        );
        assert_eq!(e["headers"]["x-custom"], "one, two");
        assert_eq!(e["multiValueHeaders"]["x-custom"], json!(["one", "two"]));
        assert_eq!(e["headers"]["x-nf-request-id"], "req-1");
        assert_eq!(e["headers"]["client-ip"], "127.0.0.1");
        assert_eq!(
            e["multiValueHeaders"]["x-nf-account-id"],
            json!([""]),
            "never null: lambda_http rejects it"
        );
        assert!(e.get("body").is_none());
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(
            e["rawUrl"],
            "http://127.0.0.1:8888/.netlify/functions/echo/sub/path?a=1&a=2&b=x+y%21"
        );
        assert_eq!(e["rawQuery"], "a=1&a=2&b=x+y%21");
        assert_eq!(e["requestContext"]["httpMethod"], "GET");
        assert_eq!(e["requestContext"]["requestId"], "req-1");
    }

    #[test]
    fn given_events_keep_their_request_id() {
        let e = Event::from_value(&json!({"requestContext": {"requestId": "abc"}, "path": "/x"}));
        assert_eq!(e.request_id, "abc");
        assert_eq!(e.value()["path"], "/x");
        assert_eq!(Event::from_value(&json!({})).request_id, "local");
        // The text sent is the event itself, not a wrapper.
        let sent = v1_event(&get(), "req-2");
        assert!(
            sent.json.get().starts_with("{\"path\":"),
            "{}",
            sent.json.get()
        );
        assert_eq!(sent.request_id, "req-2");
    }

    #[test]
    fn bodies_are_text_or_base64_by_type_and_bytes() {
        let mut req = get();
        req.method = "POST".into();
        req.headers = vec![("content-type".into(), "application/json".into())];
        req.body = br#"{"u":"\u00fc"}"#.to_vec();
        let e = v1_event(&req, "r").value();
        assert_eq!(e["body"], r#"{"u":"\u00fc"}"#);
        assert_eq!(e["isBase64Encoded"], false);

        req.headers = vec![("content-type".into(), "application/octet-stream".into())];
        req.body = vec![0, 159, 255, 1];
        let e = v1_event(&req, "r").value();
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(
            BASE64.decode(e["body"].as_str().unwrap()).unwrap(),
            vec![0, 159, 255, 1]
        );

        // Declared as form data but not UTF-8: still byte-exact.
        req.headers = vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )];
        let e = v1_event(&req, "r").value();
        assert_eq!(e["isBase64Encoded"], true);
    }

    #[test]
    fn responses_map_back() {
        let r = v1_response(&json!({
            "statusCode": 201,
            "headers": {"X-One": "a", "Content-Type": "text/plain"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "x-one": ["a"]},
            "body": "multi",
        }))
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"multi");
        let cookies: Vec<_> = r
            .headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(cookies, vec!["a=1", "b=2"]);
        assert_eq!(r.headers.iter().filter(|(n, _)| n == "x-one").count(), 1);

        let bin = v1_response(
            &json!({"statusCode": 200, "body": BASE64.encode([0u8, 255]), "isBase64Encoded": true}),
        )
        .unwrap();
        assert_eq!(bin.body, vec![0, 255]);
    }

    #[test]
    fn malformed_responses_say_what_netlify_dev_says() {
        let msg = |v: Value| v1_response(&v).unwrap_err().0;
        assert_eq!(
            msg(Value::Null),
            "lambda response was undefined. check your function code again"
        );
        assert_eq!(
            msg(json!({"body": "x"})),
            "Your function response must have a numerical statusCode. You gave: undefined"
        );
        assert_eq!(
            msg(json!({"statusCode": 200, "body": 42})),
            "Your function response must have a string or a stream body. You gave: 42"
        );
        assert_eq!(
            msg(json!("just a string")),
            "Your function response must have a numerical statusCode. You gave: undefined"
        );
    }
}
