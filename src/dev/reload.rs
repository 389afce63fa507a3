//! Live reload: the event stream browsers listen on (Server-Sent Events at
//! `/.ssgx/events`), the client script, and its injection into HTML
//! responses. Messages are JSON: `hello` (on connect: build number and any
//! current error), `reload`, `css` (stylesheets to swap in place),
//! `error` (the overlay's text) and `ok` (clear the overlay).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use serde_json::json;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// The client, served at [`SCRIPT_PATH`].
pub const SCRIPT: &str = include_str!("reload.js");
pub const SCRIPT_PATH: &str = "/.ssgx/reload.js";
pub const EVENTS_PATH: &str = "/.ssgx/events";
/// Not sent to pages: ends their streams.
const CLOSE: &str = "close";

#[derive(Default)]
struct State {
    build: u64,
    error: Option<String>,
}

/// Tells every open page what happened.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<String>,
    state: Arc<Mutex<State>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(64).0,
            state: Arc::default(),
        }
    }
}

impl Hub {
    fn send(&self, message: serde_json::Value) {
        // No page listening is fine.
        let _ = self.sender.send(message.to_string());
    }

    fn next_build(&self) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.build += 1;
        state.build
    }

    /// A new build changed `changed` (output paths): stylesheets alone are
    /// swapped in place, anything else reloads the page.
    pub fn built(&self, changed: &[String]) {
        if changed.is_empty() {
            return;
        }
        let build = self.next_build();
        if changed.iter().all(|p| p.ends_with(".css")) {
            self.send(json!({"type": "css", "build": build, "paths": changed}));
        } else {
            self.send(json!({"type": "reload", "build": build}));
        }
    }

    /// Shows `error` in the overlay of every page, or clears it.
    pub fn set_error(&self, error: Option<String>) {
        let (previous, build) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let previous = std::mem::replace(&mut state.error, error.clone());
            (previous, state.build)
        };
        match error {
            Some(text) if previous.as_ref() != Some(&text) => {
                self.send(json!({"type": "error", "error": text}));
            }
            None if previous.is_some() => self.send(json!({"type": "ok", "build": build})),
            _ => {}
        }
    }

    pub fn current_error(&self) -> Option<String> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .error
            .clone()
    }

    /// Ends every page's stream (the server is stopping).
    pub fn close(&self) {
        let _ = self.sender.send(CLOSE.to_string());
    }

    /// The event stream for one page.
    pub fn stream(
        &self,
    ) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>> + use<>> {
        let hello = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            json!({"type": "hello", "build": state.build, "error": state.error}).to_string()
        };
        let first = tokio_stream::once(hello);
        let rest = BroadcastStream::new(self.sender.subscribe())
            .filter_map(Result::ok)
            .take_while(|m| m != CLOSE);
        let events = first
            .chain(rest)
            .map(|data| Ok(Event::default().data(data)));
        Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}

/// `html` with the client script before `</body>` (or at the end).
pub fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" defer></script>");
    let at = find_last_ci(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=haystack.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_close() {
        let out = String::from_utf8(inject(b"<html><BODY>x</Body></html>")).unwrap();
        assert_eq!(
            out,
            "<html><BODY>x<script src=\"/.ssgx/reload.js\" defer></script></Body></html>"
        );
        let bare = String::from_utf8(inject(b"<p>hi")).unwrap();
        assert!(bare.ends_with("defer></script>"));
    }
}
