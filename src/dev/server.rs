//! Answers one request the way Netlify's CDN would, from the in-memory
//! snapshot: functions first (`/.netlify/functions/*`, `/.functions/*` and
//! v2 routes), then redirect rules (first match; rules that are not forced
//! yield to existing files), then static files with Netlify's index and
//! pretty-URL resolution, then `404.html`. Header rules apply to static
//! responses. Paths that try to leave the site are refused.

use std::net::IpAddr;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, header};
use axum::response::IntoResponse;

use super::Dev;
use super::reload;
use super::snapshot::Snapshot;
use crate::functions::MAX_BODY_BYTES;
use crate::functions::serve as function_http;
use crate::netlify::redirects::Matched;
use crate::netlify::{RequestFacts, Resolved, resolve_static};

/// Netlify's default for static responses: always revalidate.
const CACHE_CONTROL: &str = "public, max-age=0, must-revalidate";

pub async fn handle(dev: &Dev, request: Request) -> Response<Body> {
    let Some(path) = safe_path(request.uri().path()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "400 Bad Request: the path leaves the site or is malformed",
        );
    };
    if too_large(request.headers()) {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "413 Payload Too Large: request bodies are limited to 6 MB, as on Netlify",
        );
    }
    match path.as_str() {
        _ if dev.preview => {}
        reload::SCRIPT_PATH => {
            return (
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                reload::SCRIPT,
            )
                .into_response();
        }
        reload::EVENTS_PATH => return dev.hub.stream().into_response(),
        _ => {}
    }
    let runtime = dev.functions_for(&path).await;
    // On Netlify only `/.netlify/functions/*` and v2 paths reach functions
    // directly; `/.functions/*` goes through the rewrite in `_redirects`,
    // which a preview must exercise as it is.
    let direct = !(dev.preview && path.starts_with("/.functions/"));
    if direct
        && let Some(runtime) = runtime
        && let Some((name, params)) = runtime.route(&path).await
    {
        return function_http::call(runtime, request, &name, params).await;
    }
    if direct && let Some(name) = function_url_name(&path) {
        // A function just added answers once its reload (a first cargo
        // build) is done, instead of a 404 meanwhile.
        if let Some(runtime) = runtime
            && let Some((name, params)) = runtime.route_after_reload(&path).await
        {
            return function_http::call(runtime, request, &name, params).await;
        }
        let exists = match runtime {
            Some(r) => r.function(name).await.is_some(),
            None => false,
        };
        // A v2 function with its own `path` is not at this URL: the miss
        // falls through to the site's 404 page, as in netlify dev.
        if !exists {
            let mut r = Response::new(Body::from("Function not found..."));
            *r.status_mut() = StatusCode::NOT_FOUND;
            return r;
        }
    }

    let snapshot = dev.snapshot();
    let raw_query = request.uri().query().unwrap_or("").to_string();
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let accept_language = header_str(request.headers(), header::ACCEPT_LANGUAGE);
    let cookies = header_str(request.headers(), header::COOKIE);
    let facts = RequestFacts {
        path: &path,
        query: &query,
        accept_language: &accept_language,
        cookies: &cookies,
    };
    let matched = snapshot
        .rules
        .redirects
        .find(&facts, &raw_query, |p| resolve(&snapshot, p).is_some());
    if let Some(matched) = matched {
        return apply_rule(dev, &snapshot, matched, &path, request).await;
    }
    serve_static(dev, &snapshot, &path, &raw_query, &request)
}

/// A path no rule took: the file it resolves to, Netlify's slash
/// redirect for a folder, or the 404 page.
fn serve_static(
    dev: &Dev,
    snapshot: &Snapshot,
    path: &str,
    raw_query: &str,
    request: &Request,
) -> Response<Body> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return text(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed");
    }
    match resolve(snapshot, path) {
        Some(Resolved::File(key)) => {
            serve_file(dev, snapshot, &key, path, StatusCode::OK, request.headers())
        }
        Some(Resolved::AddSlash) => {
            let mut location = format!("{path}/");
            if !raw_query.is_empty() {
                location = format!("{location}?{raw_query}");
            }
            redirect(StatusCode::MOVED_PERMANENTLY, &location)
        }
        None => not_found(dev, snapshot, path, request.headers()),
    }
}

/// The decoded path, or `None` when it is not UTF-8 or has `..`, `.`,
/// backslashes or NUL in it, encoded or not.
pub fn safe_path(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?
        .into_owned();
    let bad = decoded.contains('\\')
        || decoded.contains('\0')
        || !decoded.starts_with('/')
        || decoded.split('/').any(|s| s == ".." || s == ".");
    (!bad).then_some(decoded)
}

/// `NAME` of `/.netlify/functions/NAME/...` or `/.functions/NAME/...`.
fn function_url_name(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/.netlify/functions/")
        .or_else(|| path.strip_prefix("/.functions/"))?;
    Some(rest.split('/').next().unwrap_or(""))
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn too_large(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES)
}

fn resolve(snapshot: &Snapshot, path: &str) -> Option<Resolved> {
    resolve_static(path, |p| snapshot.has(p))
}

async fn apply_rule(
    dev: &Dev,
    snapshot: &Snapshot,
    matched: Matched<'_>,
    path: &str,
    request: Request,
) -> Response<Body> {
    let rule = matched.rule;
    let target = matched.target;
    let mut response = if (300..400).contains(&rule.status) {
        let status = StatusCode::from_u16(rule.status).unwrap_or(StatusCode::MOVED_PERMANENTLY);
        redirect(status, &target)
    } else if target.starts_with("http://") || target.starts_with("https://") {
        super::proxy::forward(dev, &target, request).await
    } else {
        let status = StatusCode::from_u16(rule.status).unwrap_or(StatusCode::OK);
        let target_path = target.split('?').next().unwrap_or("/");
        let runtime = dev.functions_for(target_path).await;
        let function = match &runtime {
            Some(r) => r.route(target_path).await,
            None => None,
        };
        match (runtime, function) {
            (Some(runtime), Some((name, params))) => {
                function_http::call(runtime, request, &name, params).await
            }
            _ => match resolve(snapshot, target_path) {
                Some(Resolved::File(key)) => {
                    serve_file(dev, snapshot, &key, path, status, request.headers())
                }
                _ => not_found(dev, snapshot, path, request.headers()),
            },
        }
    };
    for (name, value) in &rule.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

/// A static file with its content type, Netlify's cache headers, an ETag
/// (so reloads revalidate cheaply), the site's header rules for `path`,
/// and in HTML the live-reload script.
fn serve_file(
    dev: &Dev,
    snapshot: &Snapshot,
    key: &str,
    path: &str,
    status: StatusCode,
    request_headers: &HeaderMap,
) -> Response<Body> {
    let project = dev.project();
    // A preview serves the output folder: nothing may link out of it.
    let root = if dev.preview {
        &project.output_dir
    } else {
        &project.root
    };
    let Some(bytes) = snapshot.read(key, root) else {
        return not_found(dev, snapshot, path, request_headers);
    };
    let content_type = content_type(key);
    let html = content_type.starts_with("text/html");
    let bytes = if html && !dev.preview {
        Bytes::from(reload::inject(&bytes))
    } else {
        bytes
    };
    let etag = format!("\"{:016x}\"", fingerprint(&bytes));
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let mut response = if fresh && status == StatusCode::OK {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(bytes));
        *r.status_mut() = status;
        r
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    apply_header_rules(snapshot, path, headers);
    response
}

/// The site's `_headers` and `[[headers]]` for `path`; a rule's value
/// replaces ssgx's default of the same name, repeated names add up.
fn apply_header_rules(snapshot: &Snapshot, path: &str, headers: &mut HeaderMap) {
    let mut replaced: Vec<HeaderName> = Vec::new();
    for (name, value) in snapshot.rules.headers.for_path(path) {
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) else {
            continue;
        };
        if replaced.contains(&n) {
            headers.append(n, v);
        } else {
            headers.insert(n.clone(), v);
            replaced.push(n);
        }
    }
}

/// `404.html` with status 404 when the site has one. While the build is
/// broken, an HTML request gets the error instead, with the live-reload
/// script so the page recovers by itself once the edit is fixed.
fn not_found(
    dev: &Dev,
    snapshot: &Snapshot,
    path: &str,
    request_headers: &HeaderMap,
) -> Response<Body> {
    let wants_html = request_headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html
        && snapshot.is_empty()
        && let Some(error) = dev.hub.current_error()
    {
        let page = format!(
            "<!doctype html><meta charset=\"utf-8\"><title>Build error</title><body><pre>{}</pre></body>",
            escape_html(&error)
        );
        let mut r = Response::new(Body::from(reload::inject(page.as_bytes())));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
    }
    if snapshot.has("404.html") {
        return serve_file(
            dev,
            snapshot,
            "404.html",
            path,
            StatusCode::NOT_FOUND,
            &HeaderMap::new(),
        );
    }
    let mut r = text(StatusCode::NOT_FOUND, "404 Not Found");
    apply_header_rules(snapshot, path, r.headers_mut());
    r
}

/// A redirect as netlify dev sends it: the location, a short text body
/// without a content type, and `no-cache`, so that a browser asks again
/// after `_redirects` changes instead of remembering a 301 for good.
fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(format!("Redirecting to {location}")));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn content_type(key: &str) -> &'static str {
    let ext = key.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        // `_redirects`, `_headers` and other extensionless files.
        "" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// FNV-1a: a stable, fast content hash for ETags.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// True for 127.0.0.0/8, ::1 and `localhost`: the only hosts a rewrite may
/// proxy to unless the user allows more.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused_in_every_spelling() {
        for raw in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/.%2e/x",
            "/%2e./x",
            "/a/%2e%2e%2fb",
            "/..%2fetc",
            "/..%5cetc",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/%00",
            "/a/./b",
            "/%c0%ae%c0%ae/x",
            "relative",
        ] {
            assert_eq!(safe_path(raw), None, "{raw}");
        }
        assert_eq!(safe_path("/caf%C3%A9/").as_deref(), Some("/café/"));
        assert_eq!(safe_path("/a..b/c.d").as_deref(), Some("/a..b/c.d"));
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("127.9.9.9"));
        assert!(is_loopback("[::1]"));
        assert!(is_loopback("LOCALHOST"));
        assert!(!is_loopback("example.com"));
        assert!(!is_loopback("10.0.0.1"));
    }
}
