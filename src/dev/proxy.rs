//! Proxy rewrites: a rule with status 200 and an absolute `to` forwards the
//! request there and relays the answer, as Netlify does. Locally only
//! loopback targets are allowed unless `--allow-proxy` says otherwise, so a
//! `_redirects` file cannot make a developer's machine fetch arbitrary
//! hosts.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Response, StatusCode};

use super::Dev;
use super::server::{is_loopback, text};
use crate::functions::MAX_BODY_BYTES;

/// Hop-by-hop headers, which a proxy must not forward.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "host",
    "content-length",
];

pub async fn forward(dev: &Dev, target: &str, request: Request) -> Response<Body> {
    let Ok(url) = reqwest::Url::parse(target) else {
        return text(
            StatusCode::BAD_GATEWAY,
            &format!("502 Bad Gateway: `{target}` is not a URL"),
        );
    };
    let host = url.host_str().unwrap_or("").to_string();
    if !dev.allow_proxy && !is_loopback(&host) {
        return text(
            StatusCode::BAD_GATEWAY,
            &format!(
                "502 Bad Gateway: ssgx dev proxies only to this machine; start it with --allow-proxy to reach {host}"
            ),
        );
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "413 Payload Too Large: request bodies are limited to 6 MB, as on Netlify",
        );
    };
    let mut outgoing = dev.http.request(parts.method.clone(), url).body(body);
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = match outgoing.send().await {
        Ok(a) => a,
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                &format!("502 Bad Gateway: could not reach {target}: {e}"),
            );
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = match answer.bytes().await {
        Ok(b) => b,
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                &format!("502 Bad Gateway: {target} broke off its answer: {e}"),
            );
        }
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}
