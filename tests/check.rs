//! `ssgx check` through the real binary: it reports the build's own
//! errors, every local link that leads nowhere (pages, files, fragments),
//! and with `--external` every external link that does not answer,
//! asking a real local HTTP server; it never writes the site.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::{copy_fixture, ssgx};

/// A tiny HTTP server: 200 for `/ok`, 404 for anything else.
fn external_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let ok = first.split_whitespace().nth(1) == Some("/ok");
            let status = if ok { "200 OK" } else { "404 Not Found" };
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn check_finds_broken_links_and_writes_nothing() {
    let dir = copy_fixture("authoring-site");
    let external = external_server();
    std::fs::write(
        dir.path().join("site/links.md"),
        format!(
            "+++\ntitle = \"Links\"\n+++\n\
             [fine](/about/) [fine too](../blog/post-1/) [feed](/atom.xml) [old](/old-about/)\n\
             [gone](/nope/) [bad anchor](/about/#nowhere) [good anchor](/about/#top)\n\n\
             ## Top {{#top}}\n\n[up](#top) [down](#bottom)\n\n\
             [up]({external}/ok) [down]({external}/missing) [skipped]({external}/skipped)\n\n\
             Code shows links, it does not make them: `<a href=\"/inline/\">`\n\n\
             ```html\n<a href=\"/in-code/\">x</a> <img src=\"/in-code.png\">\n```\n"
        ),
    )
    .unwrap();
    // Give /about/ the `top` id the link asks for.
    let about = dir.path().join("site/about.md");
    let text = common::read(&about) + "\n## Top {#top}\n";
    std::fs::write(&about, text).unwrap();

    let run = ssgx(dir.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let broken: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("broken link"))
        .collect();
    assert_eq!(
        broken,
        [
            "broken link on /links/: /nope/ (no page or file of the site is there)",
            "broken link on /links/: /about/#nowhere (the page has no element with id `nowhere`)",
            "broken link on /links/: #bottom (the page has no element with id `bottom`)",
        ],
        "{}",
        run.stderr
    );
    // The three above and the built-in theme's footer link.
    assert!(
        run.stderr.contains("4 external link(s) not requested"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("public").exists(), "check wrote the site");

    let skip = format!("{external}/skipped");
    let run = ssgx(
        dir.path(),
        &[
            "check",
            "--external",
            "--skip",
            &skip,
            "--skip",
            "https://ssgx.netlify.app/",
            "--concurrency",
            "2",
            "--timeout",
            "5",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "broken link on /links/: {external}/missing (answered 404 Not Found)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(&format!("{external}/ok ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("2 external link(s) requested, 2 skipped"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_reports_build_errors_like_build() {
    let dir = copy_fixture("err-broken-link");
    let run = ssgx(dir.path(), &["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("broken internal link"),
        "{}",
        run.stderr
    );
}
