//! `ssgx dev` over real HTTP: static files, Netlify's redirect and header
//! rules, both function prefixes, traversal refused, body limits, the live
//! reload stream across edits (including broken ones), and an incremental
//! result equal to a clean build.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::redirect::Policy;
use serde_json::Value;

struct Dev {
    child: Child,
    base: String,
    addr: String,
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(fixture: &str) -> Dev {
    let dir = common::copy_fixture(fixture);
    let root = dir.path().to_path_buf();
    let mut dev = start_in(&root, &["--port", "0"]);
    dev._dir = Some(dir);
    dev
}

/// Starts `ssgx dev` in `root` and waits for its banner.
fn start_in(root: &Path, args: &[&str]) -> Dev {
    let mut all = vec!["dev"];
    all.extend_from_slice(args);
    let (child, addr) = common::spawn_server(root, &all, "ssgx dev: serving");
    Dev {
        child,
        base: format!("http://{addr}"),
        addr,
        root: root.to_path_buf(),
        _dir: None,
    }
}

fn client() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// One request with the path sent exactly as written (clients normalise
/// `..` away), answered as (status, body).
fn raw_get(addr: &str, raw_path: &str) -> (u16, String) {
    exchange(
        addr,
        &format!("GET {raw_path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `head` as written on a new connection and reads the whole answer:
/// (status, text).
fn exchange(addr: &str, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The live-reload stream's messages, as JSON, on a channel.
fn events(addr: &str) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /.ssgx/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    std::thread::spawn(move || {
        let reader = BufReader::new(stream);
        for line in reader.lines().map_while(Result::ok) {
            if let Some(data) = line.strip_prefix("data: ")
                && let Ok(v) = serde_json::from_str::<Value>(data)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// The next message of `kind`, skipping others.
fn expect_event(rx: &mpsc::Receiver<Value>, kind: &str, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(v) if v["type"] == kind => return v,
            Ok(v) => eprintln!("(skipping event {v})"),
            Err(_) => panic!("no `{kind}` event within {limit:?}"),
        }
    }
}

fn header(resp: &reqwest::blocking::Response, name: &str) -> String {
    resp.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn static_files_rules_and_functions() {
    let dev = start("dev-site");
    let c = client();
    let get = |path: &str| c.get(format!("{}{path}", dev.base)).send().unwrap();

    // Static pages, with the reload script injected into HTML only.
    let home = get("/");
    assert_eq!(home.status(), 200);
    assert_eq!(header(&home, "content-type"), "text/html; charset=utf-8");
    let body = home.text().unwrap();
    assert!(body.contains("Welcome to the dev fixture."));
    assert!(body.contains(r#"<script src="/.ssgx/reload.js" defer></script></body>"#));
    let text = get("/plain.txt");
    assert_eq!(text.text().unwrap(), "plain text\n");
    let css = get("/style.css");
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
    assert!(!css.text().unwrap().contains("reload.js"));

    // A folder without its slash is redirected to it, as on Netlify.
    let about = get("/about");
    assert_eq!(about.status(), 301);
    assert_eq!(header(&about, "location"), "/about/");
    // The page exists, so the unforced `/about/ → /blog/` rule is shadowed.
    let about = get("/about/");
    assert_eq!(about.status(), 200);
    assert!(about.text().unwrap().contains("About this fixture."));

    // ETags let a reload revalidate.
    let etag = header(&get("/about/"), "etag");
    let again = c
        .get(format!("{}/about/", dev.base))
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), 304);

    // Headers: `_headers` and [[headers]] both apply; netlify.toml wins on
    // the same name; a path block adds its own.
    let blog = get("/blog/");
    assert_eq!(header(&blog, "x-frame-options"), "DENY");
    assert_eq!(header(&blog, "x-toml"), "from netlify.toml");
    assert_eq!(header(&blog, "cache-control"), "public, max-age=60");
    assert_eq!(header(&blog, "x-blog"), "yes");
    assert_eq!(header(&get("/"), "x-blog"), "");

    // Redirects of every kind.
    let cases: &[(&str, u16, &str)] = &[
        ("/old-about", 301, "/about/"),
        ("/temp", 302, "/about/"),
        ("/news/first", 301, "/blog/first"),
        ("/news/a/b/", 301, "/blog/a/b/"),
        ("/items/second", 302, "/blog/second/"),
        ("/toml-old", 301, "/about/"),
        ("/query?id=first", 302, "/items/first?id=first"),
        ("/forced.html", 301, "/about/"),
        ("/old-about?x=1", 301, "/about/?x=1"),
    ];
    for (path, status, location) in cases {
        let r = get(path);
        assert_eq!(r.status().as_u16(), *status, "{path}");
        assert_eq!(header(&r, "location"), *location, "{path}");
    }
    // Query matching: without `id` the rule does not apply.
    assert_eq!(get("/query").status(), 404);
    // Language condition.
    let fr = c
        .get(format!("{}/fr", dev.base))
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .unwrap();
    assert_eq!(fr.status(), 302);
    assert_eq!(get("/fr").status(), 404);

    // Rewrites: 200 shows the target's content at the asked URL.
    let spa = get("/spa/deep/link");
    assert_eq!(spa.status(), 200);
    assert!(spa.text().unwrap().contains("About this fixture."));
    // Other statuses serve the target with that status.
    let gone = get("/gone");
    assert_eq!(gone.status(), 410);
    assert!(gone.text().unwrap().contains("About this fixture."));
    let missing = get("/missing/thing");
    assert_eq!(missing.status(), 404);
    assert!(missing.text().unwrap().contains("custom missing page"));
    // A proxy rewrite to another machine is refused unless allowed.
    let external = get("/external/x");
    assert_eq!(external.status(), 502);
    assert!(external.text().unwrap().contains("--allow-proxy"));

    // Misses get the site's 404.html (the default theme makes one).
    let miss = get("/no/such/page");
    assert_eq!(miss.status(), 404);
    assert!(miss.text().unwrap().contains("<html"));

    // Functions behind both prefixes, v2 routes, rewrites to functions
    // (the event keeps the path asked for), background functions.
    for prefix in ["/.netlify/functions", "/.functions"] {
        let r = get(&format!("{prefix}/echo?a=1"));
        assert_eq!(r.status(), 200, "{prefix}");
        let v: Value = serde_json::from_str(&r.text().unwrap()).unwrap();
        assert_eq!(v["path"], format!("{prefix}/echo"));
        assert_eq!(v["query"]["a"], "1");
    }
    let rewritten: Value = serde_json::from_str(&get("/api/echo?b=2").text().unwrap()).unwrap();
    assert_eq!(rewritten["path"], "/api/echo");
    assert_eq!(rewritten["query"]["b"], "2");
    assert_eq!(get("/hello/ada").text().unwrap(), "hello ada");
    let background = get("/.functions/work-background");
    assert_eq!(background.status(), 202);
    assert_eq!(background.text().unwrap(), "");
    assert_eq!(get("/.functions/nope").status(), 404);

    // Non-GET to a static file.
    let post = c
        .post(format!("{}/about/", dev.base))
        .body("x")
        .send()
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[test]
fn traversal_is_refused() {
    let dev = start("dev-site");
    // A link out of the site in static/ is never served.
    std::os::unix::fs::symlink("/etc/passwd", dev.root.join("static/passwd")).unwrap();
    std::os::unix::fs::symlink("/etc", dev.root.join("static/etc")).unwrap();
    let variants = [
        "/../../../../etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/.%2e/.%2e/etc/passwd",
        "/%2e./%2e./etc/passwd",
        "/blog/../../../etc/passwd",
        "/blog/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..\\..\\..\\etc\\passwd",
        "/..%5c..%5c..%5cetc%5cpasswd",
        "/%5c..%5c..%5cetc/passwd",
        "/blog/..%5c..%5cetc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/....//....//etc/passwd",
        "/./../etc/passwd",
        "/%00/../etc/passwd",
        "/etc/passwd%00.html",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/.functions/../../etc/passwd",
        "/.netlify/functions/..%2f..%2fetc/passwd",
        "/passwd",
        "/etc/passwd",
        "/etc/hostname",
        "//etc/passwd",
        "/static/../../etc/passwd",
    ];
    assert!(variants.len() >= 20);
    for raw in variants {
        let (status, text) = raw_get(&dev.addr, raw);
        assert!(
            status == 400 || status == 404,
            "{raw} answered {status}:\n{text}"
        );
        assert!(!text.contains("root:"), "{raw} leaked /etc/passwd");
    }
}

/// Sends only the head of a POST whose Content-Length is `length`, and
/// reads the answer: the server must not wait for a body it will refuse.
fn post_head(addr: &str, path: &str, length: usize) -> u16 {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    exchange(addr, &head).0
}

#[test]
fn oversized_bodies_get_413() {
    let dev = start("dev-site");
    let over = 6 * 1024 * 1024 + 1;
    for path in ["/.functions/echo", "/api/echo", "/about/", "/hello/ada"] {
        assert_eq!(post_head(&dev.addr, path, over), 413, "{path}");
    }
    // A chunked body (no length given) is cut off at the limit too.
    let c = client();
    let chunks = (0..7).map(|_| Ok::<_, std::io::Error>(vec![b'z'; 1024 * 1024]));
    let chunked = c
        .post(format!("{}/.functions/echo", dev.base))
        .body(reqwest::blocking::Body::new(ChunkReader::new(chunks)))
        .send();
    if let Ok(r) = chunked {
        assert_eq!(r.status(), 413);
    }
    // Just under the limit still reaches the function (on a new
    // connection: the server closes one whose body it refused).
    let ok = client()
        .post(format!("{}/.functions/echo", dev.base))
        .header("content-type", "text/plain")
        .body(vec![b'y'; 1024 * 1024])
        .send()
        .unwrap();
    assert_eq!(ok.status(), 200);
    let v: Value = serde_json::from_str(&ok.text().unwrap()).unwrap();
    assert_eq!(v["bodyLength"], 1024 * 1024);
}

/// A reader over chunks, so reqwest sends the body without a length.
struct ChunkReader<I> {
    chunks: I,
    current: std::io::Cursor<Vec<u8>>,
}

impl<I: Iterator<Item = std::io::Result<Vec<u8>>>> ChunkReader<I> {
    fn new(chunks: I) -> Self {
        ChunkReader {
            chunks,
            current: std::io::Cursor::new(Vec::new()),
        }
    }
}

impl<I: Iterator<Item = std::io::Result<Vec<u8>>>> Read for ChunkReader<I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            match self.chunks.next() {
                Some(chunk) => self.current = std::io::Cursor::new(chunk?),
                None => return Ok(0),
            }
        }
    }
}

#[test]
fn edits_reload_pages_swap_styles_and_show_errors() {
    let dev = start("dev-site");
    let c = client();
    let events = events(&dev.addr);
    let hello = expect_event(&events, "hello", Duration::from_secs(10));
    assert!(hello["error"].is_null());

    // A Markdown edit: the page changes and pages are told to reload.
    let about = dev.root.join("site/about.md");
    std::fs::write(&about, "+++\ntitle = \"About\"\n+++\nEdited body.\n").unwrap();
    expect_event(&events, "reload", Duration::from_secs(10));
    let page = c
        .get(format!("{}/about/", dev.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("Edited body."));

    // A stylesheet edit swaps styles without a reload.
    std::fs::write(dev.root.join("static/style.css"), "body { color: red; }\n").unwrap();
    let css = expect_event(&events, "css", Duration::from_secs(10));
    assert_eq!(css["paths"], serde_json::json!(["style.css"]));

    // A broken template: the error reaches the page with its location, the
    // server keeps serving the last good build.
    let templates = dev.root.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("page.html"),
        "{% extends \"base.html\" %}\n{% block content %}{{ page.content | safe }{% endblock %}\n",
    )
    .unwrap();
    let error = expect_event(&events, "error", Duration::from_secs(10));
    let text = error["error"].as_str().unwrap();
    assert!(text.contains("page.html:2:"), "{text}");
    let still = c.get(format!("{}/about/", dev.base)).send().unwrap();
    assert_eq!(still.status(), 200);
    assert!(still.text().unwrap().contains("Edited body."));

    // A page opened now learns of the error at once.
    let late = events_hello(&dev.addr);
    assert!(late["error"].as_str().unwrap().contains("page.html"));

    // The fix clears it: the template now changes every page.
    std::fs::write(
        templates.join("page.html"),
        "{% extends \"base.html\" %}\n{% block content %}<div class=\"fixed\">{{ page.content | safe }}</div>{% endblock %}\n",
    )
    .unwrap();
    expect_event(&events, "ok", Duration::from_secs(10));
    expect_event(&events, "reload", Duration::from_secs(10));
    let fixed = c
        .get(format!("{}/about/", dev.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(fixed.contains("<div class=\"fixed\">"));
}

fn events_hello(addr: &str) -> Value {
    expect_event(&events(addr), "hello", Duration::from_secs(10))
}

/// After a scripted series of edits, every file ssgx dev serves equals
/// what a clean `ssgx build` of the same files makes.
#[test]
fn edits_end_equal_to_a_clean_build() {
    let dev = start("dev-site");
    let events = events(&dev.addr);
    expect_event(&events, "hello", Duration::from_secs(10));
    let site = dev.root.join("site");
    let first = "+++\ntitle = \"First post\"\ndate = 2026-01-02\n+++\n";
    let edits: Vec<Box<dyn Fn()>> = vec![
        // Body only: the page, the blog and tag listings showing its
        // summary, and featured.md (which fetches it with get_page).
        Box::new(|| {
            std::fs::write(
                site.join("blog/first.md"),
                format!("{first}A new summary.\n\n<!-- more -->\n\nMore.\n"),
            )
            .unwrap()
        }),
        Box::new(|| {
            std::fs::write(
                site.join("blog/first.md"),
                format!("{first}Summary three.\n\n<!-- more -->\n\nThe body, again.\n"),
            )
            .unwrap()
        }),
        // Body of a page nobody lists.
        Box::new(|| {
            std::fs::write(
                site.join("featured.md"),
                "+++\ntitle = \"Featured\"\ntemplate = \"featured.html\"\n+++\nNew words.\n",
            )
            .unwrap()
        }),
        // A template some pages use: only they are rendered again.
        Box::new(|| {
            let path = dev.root.join("templates/featured.html");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("<h1>", "<h1 class=\"edited\">")).unwrap()
        }),
        // Title and date: listings reorder.
        Box::new(|| {
            std::fs::write(
                site.join("blog/second.md"),
                "+++\ntitle = \"Second, renamed\"\ndate = 2025-12-01\n+++\nThe second post.\n",
            )
            .unwrap()
        }),
        // A new page.
        Box::new(|| {
            std::fs::write(
                site.join("blog/third.md"),
                "+++\ntitle = \"Third\"\ndate = 2026-03-01\n+++\nThird.\n",
            )
            .unwrap()
        }),
        // A removed page.
        Box::new(|| std::fs::remove_file(site.join("about.md")).unwrap()),
        // The site's redirect rules go away (so every file is reachable
        // at its own path below).
        Box::new(|| std::fs::remove_file(dev.root.join("static/_redirects")).unwrap()),
        // Config.
        Box::new(|| {
            std::fs::write(
                dev.root.join("ssgx.toml"),
                "title = \"Renamed fixture\"\ndescription = \"Changed.\"\n",
            )
            .unwrap()
        }),
    ];
    for (n, edit) in edits.iter().enumerate() {
        edit();
        expect_event(&events, "reload", Duration::from_secs(10));
        // After the body-only edits, which dev renders incrementally.
        if (1..=3).contains(&n) {
            assert_same_as_clean_build(&dev, &["forced.html"]);
        }
    }

    // The output folder must lie inside the project.
    assert_same_as_clean_build(&dev, &[]);
    let clean = common::snapshot(&dev.root.join("clean-build"));
    let featured = String::from_utf8_lossy(&clean["featured/index.html"]).into_owned();
    assert!(featured.contains("The body, again."), "{featured}");
    assert!(featured.contains("<h1 class=\"edited\">"), "{featured}");
    assert!(clean.contains_key("blog/third/index.html"));
    assert!(!clean.contains_key("about/index.html"));
    let c = client();
    // And nothing the clean build dropped is still served.
    assert_eq!(
        c.get(format!("{}/about/", dev.base))
            .send()
            .unwrap()
            .status(),
        404
    );
}

/// Every file a clean `ssgx build` of the project makes is served by
/// `ssgx dev` with the same bytes (less the reload script). `skip` lists
/// files a redirect rule hides.
fn assert_same_as_clean_build(dev: &Dev, skip: &[&str]) {
    let out = dev.root.join("clean-build");
    let run = common::ssgx(
        &dev.root,
        &[
            "build",
            "--no-functions",
            "--base-url",
            &dev.base,
            "--output",
            "clean-build",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let clean = common::snapshot(&out);
    let c = client();
    let tag = r#"<script src="/.ssgx/reload.js" defer></script>"#;
    for (path, bytes) in clean.iter().filter(|(p, _)| !skip.contains(&p.as_str())) {
        let url = format!("{}/{path}", dev.base);
        let served = c.get(&url).send().unwrap();
        assert_eq!(served.status(), 200, "{path}");
        let served = served.bytes().unwrap().to_vec();
        let served = if path.ends_with(".html") {
            String::from_utf8(served)
                .unwrap()
                .replace(tag, "")
                .into_bytes()
        } else {
            served
        };
        assert!(served == *bytes, "{path} differs from a clean build");
    }
}

#[test]
fn busy_port_moves_on_or_fails_when_strict() {
    let dir = common::copy_fixture("dev-site");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dev = start_in(dir.path(), &["--port", &port]);
    assert_ne!(dev.addr, format!("127.0.0.1:{port}"));
    drop(dev);

    let run = common::ssgx(dir.path(), &["dev", "--port", &port, "--strict-port"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("cannot listen on 127.0.0.1:{port}"))
    );
    assert!(!run.stderr.contains("panicked"));
}

/// Ctrl-C stops the server and every function process with it.
#[test]
fn interrupt_leaves_no_process_behind() {
    let dev = start("dev-site");
    let c = client();
    // Start the Node host.
    assert_eq!(
        c.get(format!("{}/.functions/echo", dev.base))
            .send()
            .unwrap()
            .status(),
        200
    );
    let pid = dev.child.id();
    let children = descendants(pid);
    assert!(!children.is_empty(), "the Node host runs as a child");
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut dev = dev;
    let deadline = Instant::now() + Duration::from_secs(15);
    while dev.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "ssgx dev did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    for child in children {
        assert!(
            !Path::new(&format!("/proc/{child}")).exists()
                || std::fs::read_to_string(format!("/proc/{child}/stat"))
                    .map(|s| s.contains(") Z "))
                    .unwrap_or(true),
            "process {child} outlived ssgx dev"
        );
    }
}

/// Every process below `pid`, from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let after = stat.rsplit_once(") ").map_or("", |(_, r)| r);
            let ppid = after.split_whitespace().nth(1).and_then(|p| p.parse().ok());
            if ppid == Some(parent) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found
}

/// In real headless Chromium: a Markdown edit reloads the page; a
/// stylesheet edit applies without a reload.
#[test]
fn live_reload_in_chromium() {
    let dev = start("dev-site");
    // The site's own theme.css replaces the theme's, so the edit below
    // changes the stylesheet every page links.
    let css = dev.root.join("static/theme.css");
    let events = events(&dev.addr);
    expect_event(&events, "hello", Duration::from_secs(10));
    std::fs::write(&css, "body { outline: 0px none; }\n").unwrap();
    expect_event(&events, "css", Duration::from_secs(10));

    let browser = common::webdriver::Browser::start(true);
    browser.goto(&format!("{}/about/", dev.base));
    browser.wait_for(
        "return document.body.innerText.includes('About this fixture.')",
        Duration::from_secs(10),
    );
    // Wait until the page listens for changes.
    browser.wait_for(
        "return window.__ssgxLiveReload === 'connected'",
        Duration::from_secs(10),
    );
    // A mark that a reload would wipe.
    browser.eval("window.__kept = 1; return true");

    std::fs::write(&css, "body { outline: 3px solid rgb(255, 0, 0); }\n").unwrap();
    browser.wait_for(
        "return getComputedStyle(document.body).outlineColor === 'rgb(255, 0, 0)'",
        Duration::from_secs(10),
    );
    assert_eq!(
        browser.eval("return window.__kept === 1"),
        serde_json::json!(true),
        "a stylesheet edit must not reload the page"
    );

    std::fs::write(
        dev.root.join("site/about.md"),
        "+++\ntitle = \"About\"\n+++\nEdited in the browser test.\n",
    )
    .unwrap();
    browser.wait_for(
        "return document.body.innerText.includes('Edited in the browser test.') && window.__kept === undefined",
        Duration::from_secs(10),
    );
}

/// A Rust function that stops compiling shows in the overlay with cargo's
/// message while the old build keeps answering; the fix clears it.
#[test]
fn function_compile_error_shows_in_the_overlay_until_fixed() {
    let dir = common::copy_fixture("dev-site");
    let crate_dir = dir.path().join("functions/rust-echo");
    common::copy_tree(
        &common::fixture("functions-site/functions/rust-echo"),
        &crate_dir,
    );
    let mut dev = start_in(dir.path(), &["--port", "0"]);
    dev._dir = Some(dir);
    let c = client();
    // The first call waits for cargo's first build of `lambda_http`, which
    // takes minutes on a clean CI machine: no short client timeout here.
    let first = Client::builder()
        .timeout(Duration::from_secs(900))
        .build()
        .unwrap()
        .get(format!("{}/.functions/rust-echo", dev.base))
        .send()
        .unwrap();
    assert_eq!(first.status(), 200);
    let events = events(&dev.addr);
    expect_event(&events, "hello", Duration::from_secs(10));

    let main_rs = crate_dir.join("src/main.rs");
    let original = std::fs::read_to_string(&main_rs).unwrap();
    std::fs::write(&main_rs, format!("{original}\nfn broken( {{\n")).unwrap();
    let error = expect_event(&events, "error", Duration::from_secs(300));
    let text = error["error"].as_str().unwrap();
    assert!(
        text.contains("function `rust-echo` does not compile"),
        "{text}"
    );
    assert!(
        text.contains("src/main.rs"),
        "cargo's message names the file: {text}"
    );
    let still = c
        .get(format!("{}/.functions/rust-echo", dev.base))
        .send()
        .unwrap();
    assert_eq!(still.status(), 200, "the previous build keeps answering");

    std::fs::write(&main_rs, &original).unwrap();
    expect_event(&events, "ok", Duration::from_secs(300));
}

/// A Rust function added while `ssgx dev` runs: a call made while its
/// first build runs waits for it and answers, instead of a 404.
#[test]
fn a_function_added_during_dev_answers_once_built() {
    let dir = common::copy_fixture("dev-site");
    let (child, addr, log) =
        common::spawn_server_with_log(dir.path(), &["dev", "--port", "0"], "ssgx dev: serving");
    let _dev = Dev {
        child,
        base: format!("http://{addr}"),
        addr: addr.clone(),
        root: dir.path().to_path_buf(),
        _dir: None,
    };
    let scaffold = Command::new(env!("CARGO_BIN_EXE_ssgx"))
        .args(["new", "function", "greet", "--lang", "rust"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(scaffold.status.success(), "{scaffold:?}");
    // Call only once the reload is compiling the new crate.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = log
            .recv_timeout(left)
            .expect("a `building function greet` line");
        if line.contains("building function greet") {
            break;
        }
    }
    let answer = Client::builder()
        .timeout(Duration::from_secs(900))
        .build()
        .unwrap()
        .get(format!("http://{addr}/.functions/greet?name=Ada"))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.text().unwrap().contains("Hello, Ada!"));
    // The log says where the new function answers.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = log.recv_timeout(left).expect("a `New function` line");
        if line.contains("New function greet at /.functions/greet") {
            break;
        }
    }
}

/// A connection that sends nothing is closed after --idle-timeout, also
/// after a first request on a kept-alive connection.
#[test]
fn idle_connections_are_closed() {
    let dir = common::copy_fixture("dev-site");
    let mut dev = start_in(dir.path(), &["--port", "0", "--idle-timeout", "1"]);
    dev._dir = Some(dir);
    let started = Instant::now();
    let mut silent = TcpStream::connect(&dev.addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(
        silent.read(&mut buf).unwrap_or(0),
        0,
        "closed without an answer"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let mut kept = TcpStream::connect(&dev.addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(kept, "GET /plain.txt HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let started = Instant::now();
    loop {
        match kept.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("plain text\n"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the idle kept-alive connection was closed"
    );
}

/// Edits to `_redirects` apply without a restart; a 200 rule to this
/// machine proxies.
#[test]
fn proxy_rewrites_reach_this_machine() {
    let dev = start("dev-site");
    let events = events(&dev.addr);
    expect_event(&events, "hello", Duration::from_secs(10));
    let rules = dev.root.join("static/_redirects");
    let mut text = std::fs::read_to_string(&rules).unwrap();
    text.push_str(&format!("/proxied/*  http://{}/:splat  200\n", dev.addr));
    std::fs::write(&rules, text).unwrap();
    expect_event(&events, "reload", Duration::from_secs(10));
    let proxied = client()
        .get(format!("{}/proxied/plain.txt", dev.base))
        .send()
        .unwrap();
    assert_eq!(proxied.status(), 200);
    assert_eq!(proxied.text().unwrap(), "plain text\n");
}

/// A function reading a file of its `included_files` sees the new file
/// after an edit, without a restart.
#[test]
fn included_files_reload_functions() {
    let dev = start("dev-site");
    let c = client();
    let url = format!("{}/.functions/reader", dev.base);
    assert!(
        c.get(&url)
            .send()
            .unwrap()
            .text()
            .unwrap()
            .contains("first")
    );
    std::fs::write(
        dev.root.join("data/value.json"),
        "{\"value\": \"second\"}\n",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = c.get(&url).send().unwrap().text().unwrap();
        if body.contains("second") {
            break;
        }
        assert!(Instant::now() < deadline, "still {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
