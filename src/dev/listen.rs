//! The dev server's socket: binding (the next free port unless told to be
//! strict) and the accept loop. Connections are served by hyper directly
//! rather than `axum::serve`, for one thing axum does not offer: a
//! connection that sends no request for `idle` is closed, so idle and
//! half-open clients do not pile up.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

use crate::error::Error;

/// Takes `port`, or the next free one unless `strict`.
pub async fn bind(host: &str, port: u16, strict: bool) -> Result<tokio::net::TcpListener, Error> {
    let ip: std::net::IpAddr = host.parse().map_err(|_| {
        Error::usage(
            format!("`{host}` is not an IP address"),
            "use --host 127.0.0.1, or 0.0.0.0 to listen on every interface",
        )
    })?;
    let tries = if strict || port == 0 { 1 } else { 20 };
    let mut last = None;
    for candidate in (0..tries).filter_map(|i| port.checked_add(i)) {
        match tokio::net::TcpListener::bind(SocketAddr::new(ip, candidate)).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    let reason = last.map_or_else(|| "no port left".to_string(), |e| e.to_string());
    Err(Error::usage(
        format!("cannot listen on {host}:{port}: {reason}"),
        if strict {
            "stop what uses the port, or choose another --port"
        } else {
            "ports up to 20 above it are busy too; choose another --port"
        },
    ))
}

/// Serves `app` until `shutdown` completes, then lets open requests finish
/// (for at most 5 s). Each request carries the client's address as
/// [`ConnectInfo`], as `axum::serve` would give it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    idle: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            // Also covers the wait for the next request on a kept-alive
            // connection: hyper starts this clock whenever it waits for a
            // request head.
            .header_read_timeout(idle)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}
