//! The HTTP front of the runtime: turns a request to
//! `/.netlify/functions/NAME`, `/.functions/NAME` or a v2 route into an
//! invocation, and the result into a response. [`router`] serves only
//! functions (`ssgx functions serve`); the dev server calls [`handle`].

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Response, StatusCode, header};

use super::event::{FunctionResponse, HttpRequest};
use super::schedule::Schedule;
use super::{Kind, MAX_BODY_BYTES, Runtime};

/// A router that answers every path with [`handle`].
pub fn router(runtime: Runtime) -> Router {
    Router::new().fallback(serve_any).with_state(runtime)
}

async fn serve_any(State(runtime): State<Runtime>, request: Request) -> Response<Body> {
    handle(&runtime, request).await
}

fn accepts_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text.to_string()))
        .unwrap_or_default()
}

/// Answers one request with the function its path reaches (404 if none).
pub async fn handle(runtime: &Runtime, request: Request) -> Response<Body> {
    let Some((name, params)) = runtime.route_after_reload(request.uri().path()).await else {
        return plain(StatusCode::NOT_FOUND, "404 Not Found");
    };
    call(runtime, request, &name, params).await
}

/// Calls function `name` with the request. The event's path is the one
/// the client asked for, also when a rewrite chose the function.
pub async fn call(
    runtime: &Runtime,
    request: Request,
    name: &str,
    params: std::collections::BTreeMap<String, String>,
) -> Response<Body> {
    let name = name.to_string();
    let path = request.uri().path().to_string();
    let html = accepts_html(&request);
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_string(), |c| c.0.ip().to_string());
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "PayloadTooLargeError: request bodies to functions are limited to {MAX_BODY_BYTES} bytes (6 MB), as on Netlify"
                ),
            );
        }
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut http = HttpRequest {
        method: parts.method.as_str().to_string(),
        path,
        raw_query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body,
        origin: format!("http://{host}"),
        client_ip,
    };

    let function = runtime.function(&name).await;
    let scheduled = function.as_ref().is_some_and(|f| f.kind == Kind::Scheduled);
    if let Some(f) = function.filter(|f| f.kind == Kind::Scheduled) {
        scheduled_request(&mut http, &name, f.schedule.as_deref());
    }
    let result = runtime.invoke(&name, params, http).await;
    match result {
        Ok(r) if scheduled => {
            let mut text = format!(
                "You performed an HTTP request to `/.netlify/functions/{name}`, which is a scheduled function.\n\
                 You can do this to test your functions locally, but it won't work in production.\n"
            );
            if !r.body.is_empty() {
                text.push_str("\nYour function returned `body`. Is this an accident? It won't be interpreted by Netlify.\n");
            }
            plain(StatusCode::OK, &text)
        }
        Ok(r) => to_http(r),
        Err(e) => to_http(e.response(&name, html)),
    }
}

/// A scheduled function gets Netlify's schedule event, whatever was sent.
fn scheduled_request(http: &mut HttpRequest, name: &str, schedule: Option<&str>) {
    let now = chrono::Utc::now();
    let next = schedule
        .and_then(|s| Schedule::parse(s).ok())
        .and_then(|s| s.next_after(&now))
        .unwrap_or(now);
    let scheduled = super::runtime::scheduled_request(name, &next);
    http.method = scheduled.method;
    http.body = scheduled.body;
    http.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
    http.headers.extend(scheduled.headers);
}

/// A function's answer as an HTTP response.
pub fn to_http(r: FunctionResponse) -> Response<Body> {
    let mut response = Response::new(Body::from(r.body));
    *response.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in r.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            // Hop-by-hop and length headers are the server's business.
            if n == header::CONTENT_LENGTH
                || n == header::TRANSFER_ENCODING
                || n == header::CONNECTION
            {
                continue;
            }
            response.headers_mut().append(n, v);
        }
    }
    response
}
