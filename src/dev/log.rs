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

/// The request log, written by its own thread: a busy server does not
/// wait on the terminal, and lines that pile up go out in one write.
pub struct RequestLog(std::sync::mpsc::Sender<Logged>);

impl RequestLog {
    pub fn start() -> RequestLog {
        let (tx, rx) = std::sync::mpsc::channel::<Logged>();
        std::thread::spawn(move || {
            use std::io::Write;
            let stderr = std::io::stderr();
            while let Ok(first) = rx.recv() {
                // Let a busy moment's lines gather: one wake-up and one
                // write for many requests, still immediate to a person.
                std::thread::sleep(std::time::Duration::from_millis(10));
                let mut out = std::io::BufWriter::new(stderr.lock());
                let _ = writeln!(out, "{first}");
                for more in rx.try_iter().take(100_000) {
                    let _ = writeln!(out, "{more}");
                }
                let _ = out.flush();
            }
        });
        RequestLog(tx)
    }

    pub fn line(&self, line: Logged) {
        let _ = self.0.send(line);
    }
}
