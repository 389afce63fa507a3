//! The dev server's request log: one compact line a request, written by
//! its own thread so a busy server never waits on the terminal.

use std::time::Duration;

use axum::http::StatusCode;

/// One request, as the log shows it.
pub struct Logged {
    pub method: axum::http::Method,
    pub path: String,
    pub status: StatusCode,
    pub elapsed: Duration,
}

impl std::fmt::Display for Logged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.status.is_server_error() || self.status == StatusCode::NOT_FOUND {
            "!"
        } else {
            " "
        };
        write!(
            f,
            "{mark} {} {} {} {} ms",
            self.method,
            self.path,
            self.status.as_u16(),
            self.elapsed.as_millis()
        )
    }
}

/// What the log thread is handed: a line, or a request to confirm that
/// every line before it is out.
enum Message {
    Line(Logged),
    Flush(std::sync::mpsc::Sender<()>),
}

/// The request log, written by its own thread: a busy server does not
/// wait on the terminal, and lines that pile up go out in one write.
pub struct RequestLog(std::sync::mpsc::Sender<Message>);

impl RequestLog {
    pub fn start() -> RequestLog {
        let (tx, rx) = std::sync::mpsc::channel::<Message>();
        std::thread::spawn(move || {
            use std::io::Write;
            let stderr = std::io::stderr();
            while let Ok(first) = rx.recv() {
                // Let a busy moment's lines gather: one wake-up and one
                // write for many requests, still immediate to a person.
                if matches!(first, Message::Line(_)) {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                let mut out = std::io::BufWriter::new(stderr.lock());
                let mut flushed = Vec::new();
                for message in std::iter::once(first).chain(rx.try_iter().take(100_000)) {
                    match message {
                        Message::Line(line) => {
                            let _ = writeln!(out, "{line}");
                        }
                        Message::Flush(done) => flushed.push(done),
                    }
                }
                let _ = out.flush();
                drop(out);
                for done in flushed {
                    let _ = done.send(());
                }
            }
        });
        RequestLog(tx)
    }

    pub fn line(&self, line: Logged) {
        let _ = self.0.send(Message::Line(line));
    }

    /// Waits (up to a second) until every line logged so far is written:
    /// on Ctrl-C, the last requests still show. False if that did not
    /// happen in time.
    pub fn flush(&self) -> bool {
        let (done, written) = std::sync::mpsc::channel();
        self.0.send(Message::Flush(done)).is_ok()
            && written
                .recv_timeout(std::time::Duration::from_secs(1))
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_confirms_the_lines_before_it_are_written() {
        let log = RequestLog::start();
        for n in 0..3 {
            log.line(Logged {
                method: axum::http::Method::GET,
                path: format!("/page-{n}/"),
                status: StatusCode::OK,
                elapsed: Duration::from_millis(1),
            });
        }
        assert!(log.flush());
        assert!(log.flush(), "a flush with nothing pending is confirmed too");
    }
}
