//! The function runtime through `ssgx functions serve`, with real `node`
//! and real cargo builds of `lambda_http` functions: the Netlify event and
//! response shapes, every fault answered with its reason and the next call
//! working, and no process left behind after the server stops.

mod common;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::Value;

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
}

fn start(fixture: &str) -> Server {
    let dir = common::copy_fixture(fixture);
    let root = dir.path().to_path_buf();
    let (child, addr) = common::spawn_server(&root, &["functions", "serve", "--port", "0"], "");
    Server {
        child,
        base: format!("http://{addr}"),
        _dir: dir,
        root,
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// PIDs of the processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // The parent pid is the second field after the `(name)`.
        let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        if after
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
            == Some(pid)
        {
            out.push(child);
        }
    }
    out
}

fn alive(pid: u32) -> bool {
    // A zombie has exited; only its entry is left for the parent to reap.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Stops the server as Ctrl-C would and checks nothing it started lives on.
fn stop(mut server: Server, children: &[u32]) {
    assert!(
        !children.is_empty(),
        "the server started no function process"
    );
    let pid = server.child.id();
    unsafe_kill(pid, "INT");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "server did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    for c in children {
        assert!(!alive(*c), "child process {c} outlived the server");
    }
}

/// Stops a server as Ctrl-C would, if it still runs: at the end of every
/// test, also one whose assertion failed (that once left servers behind).
fn interrupt(child: &mut Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    unsafe_kill(child.id(), "INT");
    let deadline = Instant::now() + Duration::from_secs(20);
    while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Server {
    fn drop(&mut self) {
        interrupt(&mut self.child);
    }
}

/// A server started by hand, stopped when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        interrupt(&mut self.0);
    }
}

fn unsafe_kill(pid: u32, signal: &str) {
    Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
}

fn json(resp: reqwest::blocking::Response) -> Value {
    let text = resp.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn javascript_functions_behave_as_on_netlify() {
    let server = start("functions-site");
    let c = client();
    let base = &server.base;

    // Every event field of a GET with repeated query keys and headers.
    let resp = c
        .get(format!(
            "{base}/.netlify/functions/echo/sub/path?a=1&a=2&b=x+y"
        ))
        .header("x-custom", "one")
        .header("x-custom", "two")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = json(resp);
    let e = &body["event"];
    assert_eq!(e["path"], "/.netlify/functions/echo/sub/path");
    assert_eq!(e["httpMethod"], "GET");
    assert_eq!(e["queryStringParameters"]["a"], "1, 2");
    assert_eq!(e["queryStringParameters"]["b"], "x y");
    assert_eq!(
        e["multiValueQueryStringParameters"]["a"],
        serde_json::json!(["1", "2"])
    );
    assert_eq!(e["headers"]["x-custom"], "one, two");
    assert_eq!(
        e["multiValueHeaders"]["x-custom"],
        serde_json::json!(["one", "two"])
    );
    assert_eq!(e["headers"]["client-ip"], "127.0.0.1");
    assert!(e["headers"]["x-nf-request-id"].is_string());
    assert_eq!(e["rawQuery"], "a=1&a=2&b=x+y");
    assert!(
        e["rawUrl"]
            .as_str()
            .unwrap()
            .ends_with("/.netlify/functions/echo/sub/path?a=1&a=2&b=x+y")
    );
    assert!(e.get("body").is_none() || e["body"].is_null());
    assert_eq!(e["isBase64Encoded"], true);
    assert_eq!(body["functionName"], "echo");
    assert_eq!(
        body["env"], "hi from netlify.toml",
        "[build.environment] reaches functions"
    );

    // Warm module state; the short /.functions/ URL reaches the same function.
    let again = json(c.get(format!("{base}/.functions/echo")).send().unwrap());
    assert_eq!(again["calls"], 2, "module state is kept between calls");

    // POST with JSON: a UTF-8 string.
    let body = json(
        c.post(format!("{base}/.functions/echo"))
            .header("content-type", "application/json")
            .body(r#"{"hello":"wörld"}"#)
            .send()
            .unwrap(),
    );
    assert_eq!(body["event"]["body"], r#"{"hello":"wörld"}"#);
    assert_eq!(body["event"]["isBase64Encoded"], false);
    assert_eq!(body["event"]["httpMethod"], "POST");

    // POST with binary: byte-exact round trip, and a binary response.
    let bytes: Vec<u8> = (0..=255u8).rev().chain(0..=255u8).collect();
    let resp = c
        .post(format!("{base}/.functions/binary"))
        .header("content-type", "application/octet-stream")
        .body(bytes.clone())
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut expected = bytes.clone();
    expected.extend([0, 255, 254, 1]);
    assert_eq!(resp.bytes().unwrap().to_vec(), expected);

    // Custom status with multi-value headers.
    let resp = c.get(format!("{base}/.functions/multi")).send().unwrap();
    assert_eq!(resp.status(), 201);
    let cookies: Vec<_> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies, vec!["a=1", "b=2"]);
    assert_eq!(resp.headers()["x-one"], "a");
    assert_eq!(resp.text().unwrap(), "multi");

    // v2 with config.path: its route answers, the default URL does not.
    let resp = c.get(format!("{base}/hello/ada?x=!")).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-method"], "GET");
    assert_eq!(resp.text().unwrap(), "hello ada!");
    assert_eq!(
        c.get(format!("{base}/.netlify/functions/hello"))
            .send()
            .unwrap()
            .status(),
        404
    );

    // TypeScript, types stripped before Node sees it.
    let resp = c
        .get(format!("{base}/.functions/typed?who=ada"))
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "typed hello ada");

    // Faults: each gives its reason, and the next call works.
    let resp = c.get(format!("{base}/.functions/throws")).send().unwrap();
    assert_eq!(resp.status(), 500);
    let text = resp.text().unwrap();
    assert!(text.starts_with("Error: boom from throws"), "{text}");
    let resp = c
        .get(format!("{base}/.functions/throws"))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(resp.text().unwrap().contains("boom from throws"));
    for (name, message) in [
        (
            "nostatus",
            "Your function response must have a numerical statusCode. You gave: undefined",
        ),
        (
            "numbody",
            "Your function response must have a string or a stream body. You gave: 42",
        ),
        (
            "undef",
            "lambda response was undefined. check your function code again",
        ),
    ] {
        let resp = c.get(format!("{base}/.functions/{name}")).send().unwrap();
        assert_eq!(resp.status(), 500, "{name}");
        assert!(resp.text().unwrap().contains(message), "{name}");
    }
    let started = Instant::now();
    let resp = c.get(format!("{base}/.functions/slow")).send().unwrap();
    assert_eq!(resp.status(), 500);
    assert!(
        resp.text()
            .unwrap()
            .contains("TimeoutError: Task timed out after 2.00 seconds")
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let resp = c
        .get(format!("{base}/.functions/loop?spin=1"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 500, "a synchronous endless loop times out");
    let resp = c.get(format!("{base}/.functions/loop")).send().unwrap();
    assert_eq!(
        (resp.status().as_u16(), resp.text().unwrap()),
        (200, "not spinning".to_string()),
        "host replaced after the loop"
    );
    let resp = c
        .get(format!("{base}/.functions/exits?exit=1"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 500, "process.exit in a function");
    let resp = c.get(format!("{base}/.functions/exits")).send().unwrap();
    assert_eq!(
        (resp.status().as_u16(), resp.text().unwrap()),
        (200, "alive".to_string()),
        "host restarted after exit"
    );

    // Oversize body: 413 before the function runs.
    let big = vec![b'x'; 6 * 1024 * 1024 + 1];
    let resp = c
        .post(format!("{base}/.functions/echo"))
        .body(big)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 413);

    // Background: 202 at once, the work goes on.
    let marker = server.root.join("background-done.txt");
    let started = Instant::now();
    let resp = c
        .get(format!(
            "{base}/.functions/work-background?out={}",
            marker.display()
        ))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert!(resp.text().unwrap().is_empty());
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "202 comes before the work ends"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "background function never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Scheduled, called over HTTP: runs with the schedule event, says so.
    let resp = c.get(format!("{base}/.functions/tick")).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .unwrap()
            .contains("which is a scheduled function")
    );

    // The cron runner calls `every-minute` on its schedule, with
    // Netlify's schedule event (within a minute of starting).
    let ran = server.root.join("scheduled-ran.json");
    let deadline = Instant::now() + Duration::from_secs(65);
    while !ran.exists() {
        assert!(
            Instant::now() < deadline,
            "the every-minute function never ran"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(100));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(&ran).unwrap()).unwrap();
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["headers"]["x-nf-event"], "schedule");
    assert_eq!(event["headers"]["user-agent"], "Netlify Clockwork");
    assert!(
        event["body"]
            .as_str()
            .unwrap()
            .starts_with(r#"{"next_run":""#),
        "{event}"
    );

    let children = children_of(server.child.id());
    stop(server, &children);
}

#[test]
fn rust_functions_run_against_the_runtime_api() {
    let server = start("functions-site");
    let c = client();
    let base = &server.base;

    let resp = c
        .get(format!(
            "{base}/.netlify/functions/rust-echo/deep?a=1&a=2&b=z"
        ))
        .header("x-custom", "one")
        .header("x-custom", "two")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookies: Vec<_> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        cookies,
        vec!["a=1", "b=2"],
        "multi-value headers from lambda_http"
    );
    let body = json(resp);
    assert_eq!(body["method"], "GET");
    assert_eq!(body["path"], "/.netlify/functions/rust-echo/deep");
    assert_eq!(body["query"]["a"], serde_json::json!(["1", "2"]));
    assert_eq!(body["query"]["b"], serde_json::json!(["z"]));
    // Netlify's event joins repeated headers in `headers`, and lambda_http
    // lets `headers` override `multiValueHeaders` (NETLIFY.md §6).
    assert_eq!(body["headers"]["x-custom"], serde_json::json!(["one, two"]));
    // The Runtime API's context: an X-Ray style trace id, which
    // lambda_runtime also puts in `_X_AMZN_TRACE_ID`, and a request id.
    let trace = body["trace_id"].as_str().expect("a trace id").to_string();
    let (root, sampled) = trace.split_once(';').expect("Root=...;Sampled=0");
    let parts: Vec<&str> = root.trim_start_matches("Root=").split('-').collect();
    assert!(
        root.starts_with("Root=1-") && sampled == "Sampled=0",
        "{trace}"
    );
    assert_eq!((parts[1].len(), parts[2].len()), (8, 24), "{trace}");
    assert_eq!(body["trace_env"], body["trace_id"]);
    let first_request = body["request_id"].clone();
    assert!(first_request.is_string());
    let again = json(
        c.get(format!("{base}/.functions/rust-echo"))
            .send()
            .unwrap(),
    );
    assert_ne!(again["request_id"], first_request, "a request id per call");

    // Binary POST round trip, custom status.
    let bytes: Vec<u8> = (0..=255u8).collect();
    let resp = c
        .post(format!("{base}/.functions/rust-echo"))
        .header("content-type", "application/octet-stream")
        .body(bytes.clone())
        .send()
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body = json(resp);
    use base64::Engine;
    let echoed = base64::engine::general_purpose::STANDARD
        .decode(body["body_b64"].as_str().unwrap())
        .unwrap();
    assert_eq!(echoed, bytes);

    // Binary response.
    let resp = c
        .get(format!("{base}/.functions/rust-echo?binary=1"))
        .send()
        .unwrap();
    assert_eq!(resp.bytes().unwrap().to_vec(), vec![0, 1, 2, 255, 254]);

    // A panic is a 500 with the reason; the same process serves on.
    let resp = c
        .get(format!("{base}/.functions/rust-echo?panic=1"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert!(resp.text().unwrap().contains("asked to panic"));
    assert_eq!(
        c.get(format!("{base}/.functions/rust-echo"))
            .send()
            .unwrap()
            .status(),
        200
    );

    // An exit is a 500; the next call starts a new process.
    let resp = c
        .get(format!("{base}/.functions/rust-echo?exit=1"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert!(resp.text().unwrap().contains("exited"));
    assert_eq!(
        c.get(format!("{base}/.functions/rust-echo"))
            .send()
            .unwrap()
            .status(),
        200
    );

    // Concurrent calls are served by a pool of warm processes.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = format!("{base}/.functions/rust-echo?sleep=1");
            std::thread::spawn(move || client().get(url).send().unwrap().status().as_u16())
        })
        .collect();
    let started = Instant::now();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "4 one-second calls ran in parallel"
    );

    let children = children_of(server.child.id());
    // ssgx and the function processes it started run as SCHED_BATCH (3).
    for pid in std::iter::once(server.child.id()).chain(children.iter().copied()) {
        assert_eq!(scheduling_policy(pid), Some(3), "process {pid}");
    }
    stop(server, &children);
}

/// The scheduling policy of a process: field 41 of /proc/PID/stat.
fn scheduling_policy(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(name)` start at the third.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(41 - 3)?.parse().ok()
}

#[test]
fn functions_list_and_invoke() {
    let dir = common::copy_fixture("functions-site");
    let run = common::ssgx(dir.path(), &["functions", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "echo",
        "hello",
        "/hello/:name",
        "work-background",
        "background",
        "tick",
        "scheduled",
        "@hourly",
        "typed",
        "ts",
    ] {
        assert!(
            run.stdout.contains(expected),
            "`{expected}` missing from:\n{}",
            run.stdout
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ssgx"))
        .args([
            "functions",
            "invoke",
            "echo",
            "--query",
            "a=1",
            "--header",
            "x-test: yes",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("HTTP 200"), "{stdout}");
    assert!(stdout.contains(r#""x-test":"yes""#), "{stdout}");
    // Calling a JavaScript function compiles no Rust crate.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("building function"), "{stderr}");
    assert!(!dir.path().join(".ssgx/target").exists(), "{stderr}");

    // A whole event from a file reaches the function as written, even one
    // without the requestContext ssgx's own events carry.
    std::fs::write(
        dir.path().join("event.json"),
        r#"{"path": "/given", "httpMethod": "PUT", "queryStringParameters": {"q": "1"}, "body": "b"}"#,
    )
    .unwrap();
    let run = common::ssgx(
        dir.path(),
        &["functions", "invoke", "echo", "--event", "@event.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("HTTP 200"), "{}", run.stdout);
    for expected in [
        r#""path":"/given""#,
        r#""httpMethod":"PUT""#,
        r#""queryStringParameters":{"q":"1"}"#,
        r#""body":"b""#,
    ] {
        assert!(
            run.stdout.contains(expected),
            "{expected} in {}",
            run.stdout
        );
    }
    // Not JSON: a usage error naming the fix.
    std::fs::write(dir.path().join("bad.json"), "{not json").unwrap();
    let run = common::ssgx(
        dir.path(),
        &["functions", "invoke", "echo", "--event", "@bad.json"],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("the event is not JSON"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// Node does not say where a module fails to parse; ssgx does, for the
/// function's own file and for a local module it imports.
#[test]
fn javascript_syntax_errors_name_the_file_line_and_column() {
    let dir = common::copy_fixture("functions-site");
    let functions = dir.path().join("functions");
    std::fs::write(
        functions.join("broken.mjs"),
        "export default async () => {\n  return new Response(\"hi\" };\n",
    )
    .unwrap();
    std::fs::create_dir_all(functions.join("parts")).unwrap();
    std::fs::write(functions.join("parts/bad.mjs"), "export const x = 1 +;\n").unwrap();
    std::fs::write(
        functions.join("imports-bad.mjs"),
        "import { x } from './parts/bad.mjs';\nexport default async () => new Response(String(x));\n",
    )
    .unwrap();
    for (name, location, source) in [
        (
            "broken",
            "functions/broken.mjs:2:23",
            "return new Response(\"hi\" };",
        ),
        (
            "imports-bad",
            "functions/parts/bad.mjs:1:21",
            "export const x = 1 +;",
        ),
    ] {
        let run = common::ssgx(dir.path(), &["functions", "invoke", name]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("SyntaxError: {location}: ")),
            "{name}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(source), "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    // TypeScript is parsed by ssgx (oxc) before Node sees it.
    std::fs::write(
        functions.join("bad-types.ts"),
        "type N = { n: number };\nexport default async () => {\n  const x: N = { n: 1 ;\n  return new Response(String(x.n));\n};\n",
    )
    .unwrap();
    let run = common::ssgx(dir.path(), &["functions", "invoke", "bad-types"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("functions/bad-types.ts:3:23: "),
        "{}",
        run.stderr
    );

    // A served function keeps giving the same located error, said once;
    // a SyntaxError the handler throws while running is not a parse error.
    std::fs::write(
        functions.join("throws-syntax.mjs"),
        "export default async () => new Response(JSON.parse('{'));\n",
    )
    .unwrap();
    let (child, addr) =
        common::spawn_server(dir.path(), &["functions", "serve", "--port", "0"], "");
    let _server = Running(child);
    let c = client();
    for _ in 0..2 {
        let resp = c
            .get(format!("http://{addr}/.netlify/functions/imports-bad"))
            .send()
            .unwrap();
        assert_eq!(resp.status(), 500);
        let body = resp.text().unwrap();
        assert_eq!(
            body.matches("functions/parts/bad.mjs:1:21").count(),
            1,
            "{body}"
        );
        assert!(body.contains("export const x = 1 +;"), "{body}");
    }
    let body = c
        .get(format!("http://{addr}/.netlify/functions/throws-syntax"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(body.starts_with("SyntaxError: Expected property"), "{body}");
    assert!(!body.contains("node --check"), "{body}");
}

#[test]
fn invalid_function_names_are_errors() {
    let dir = common::copy_fixture("functions-site");
    std::fs::write(
        dir.path().join("functions/bad.name.js"),
        "exports.handler = async () => ({statusCode: 200})",
    )
    .unwrap();
    let run = common::ssgx(dir.path(), &["functions", "list"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("functions/bad.name.js")
            && run.stderr.contains("not a valid function name"),
        "{}",
        run.stderr
    );
}

fn poll_until(c: &Client, url: &str, expect: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if let Ok(resp) = c.get(url).send()
            && resp.text().unwrap_or_default().contains(expect)
        {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{url} never answered {expect:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn edits_reload_functions_while_serving() {
    let server = start("functions-site");
    let c = client();
    let base = server.base.clone();
    let fns = server.root.join("functions");

    // A JavaScript edit is live on the next call.
    std::fs::write(
        fns.join("multi.js"),
        "exports.handler = async () => ({ statusCode: 200, body: 'edited multi' });\n",
    )
    .unwrap();
    poll_until(
        &c,
        &format!("{base}/.functions/multi"),
        "edited multi",
        Duration::from_secs(10),
    );

    // A v2 function too, edit after edit: each edit starts a fresh Node
    // host, which must load the v1/v2 adapter whole while the next spare
    // host is being set up (a half-written adapter once broke every later
    // v2 call).
    for i in 0..3 {
        std::fs::write(
            fns.join("hello.mjs"),
            format!(
                "export default async (request, context) => new Response(`edit {i} ${{context.params.name}}`);\nexport const config = {{ path: \"/hello/:name\" }};\n"
            ),
        )
        .unwrap();
        let url = format!("{base}/hello/ada");
        poll_until(&c, &url, &format!("edit {i} ada"), Duration::from_secs(10));
        for _ in 0..10 {
            let resp = c.get(&url).send().unwrap();
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.text().unwrap(), format!("edit {i} ada"));
        }
    }

    // A TypeScript function is stripped again after its edit (calls between
    // edits reuse the stripped copy).
    let typed = format!("{base}/.functions/typed?who=ada");
    poll_until(&c, &typed, "typed hello ada", Duration::from_secs(10));
    std::fs::write(
        fns.join("typed.ts"),
        "export const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 200, body: 'retyped' });\n",
    )
    .unwrap();
    poll_until(&c, &typed, "retyped", Duration::from_secs(10));

    // A new function is picked up without a restart.
    std::fs::write(
        fns.join("fresh.js"),
        "exports.handler = async () => ({ statusCode: 200, body: 'fresh' });\n",
    )
    .unwrap();
    poll_until(
        &c,
        &format!("{base}/.functions/fresh"),
        "fresh",
        Duration::from_secs(10),
    );

    // A Rust edit that does not compile keeps the old process serving...
    let main_rs = fns.join("rust-echo/src/main.rs");
    let original = std::fs::read_to_string(&main_rs).unwrap();
    std::fs::write(&main_rs, format!("{original}\nfn broken( {{\n")).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let resp = c
        .get(format!("{base}/.functions/rust-echo"))
        .send()
        .unwrap();
    assert_eq!(
        resp.status(),
        200,
        "the old build still serves after a failed rebuild"
    );
    // ...and the fixed code replaces it once it builds.
    std::fs::write(
        &main_rs,
        original.replace("\"method\":", "\"edited\": true, \"method\":"),
    )
    .unwrap();
    poll_until(
        &c,
        &format!("{base}/.functions/rust-echo"),
        "\"edited\":true",
        Duration::from_secs(300),
    );

    let children = children_of(server.child.id());
    stop(server, &children);
}

#[test]
fn scaffolded_functions_answer_and_are_never_overwritten() {
    let dir = common::copy_fixture("basic");
    let root = dir.path();
    for (name, lang) in [("greet-rs", "rust"), ("greet-js", "js"), ("greet-ts", "ts")] {
        let run = common::ssgx(root, &["new", "function", name, "--lang", lang]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = Command::new(env!("CARGO_BIN_EXE_ssgx"))
            .args(["functions", "invoke", name, "--query", "name=Ada"])
            .current_dir(root)
            .env("SSGX_TARGET_DIR", common::functions_target_dir())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.starts_with("HTTP 200"),
            "{name}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("Hello, Ada!"), "{name}: {stdout}");
    }
    // A second scaffold of a taken name refuses and changes nothing.
    let before = common::snapshot(&root.join("functions"));
    let run = common::ssgx(root, &["new", "function", "greet-js", "--lang", "ts"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("exists already"), "{}", run.stderr);
    assert_eq!(before, common::snapshot(&root.join("functions")));
}

/// Functions run with the variables `netlify dev` gives them, lowest to
/// highest: `[build.environment]`, `[context.dev.environment]`, `.env`,
/// `.env.local`, and ssgx's own environment, which no file replaces. Edits
/// to netlify.toml and the `.env` files apply without a restart; a `.env`
/// line that cannot be read is reported with its place, and the last good
/// variables stay.
#[test]
fn functions_get_netlify_devs_variables_and_follow_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("functions")).unwrap();
    std::fs::write(
        root.join("functions/env.js"),
        "exports.handler = async () => ({ statusCode: 200, body: ['FROM_TOML', 'FROM_CONTEXT', 'FROM_DOTENV', 'PATH'].map((k) => `${k}=${process.env[k]}`).join(' ') });\n",
    )
    .unwrap();
    std::fs::write(
        root.join("netlify.toml"),
        "[build.environment]\nFROM_TOML = \"toml\"\nFROM_CONTEXT = \"toml\"\n\n[context.dev.environment]\nFROM_CONTEXT = \"context\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".env"),
        "# comment\nFROM_DOTENV=env\nFROM_CONTEXT=env\nPATH=/nowhere\n",
    )
    .unwrap();
    let (child, addr, log) =
        common::spawn_server_with_log(root, &["functions", "serve", "--port", "0"], "");
    let _server = Running(child);
    let c = client();
    let url = format!("http://{addr}/.netlify/functions/env");
    let body = c.get(&url).send().unwrap().text().unwrap();
    assert!(
        body.starts_with("FROM_TOML=toml FROM_CONTEXT=env FROM_DOTENV=env PATH=")
            && !body.contains("/nowhere"),
        "{body}"
    );

    std::fs::write(root.join(".env.local"), "FROM_DOTENV=\"local value\"\n").unwrap();
    poll_until(&c, &url, "FROM_DOTENV=local value", Duration::from_secs(10));
    std::fs::write(
        root.join("netlify.toml"),
        "[build.environment]\nFROM_TOML = \"edited\"\n",
    )
    .unwrap();
    poll_until(&c, &url, "FROM_TOML=edited", Duration::from_secs(10));

    std::fs::write(root.join(".env.local"), "GOOD=1\nNOT A LINE\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = String::new();
    while !seen.contains(".env.local:2:") {
        let left = deadline.saturating_duration_since(Instant::now());
        match log.recv_timeout(left) {
            Ok(line) => seen.push_str(&line),
            Err(_) => panic!("no error naming .env.local:2 in:\n{seen}"),
        }
    }
    let body = c.get(&url).send().unwrap().text().unwrap();
    assert!(body.contains("FROM_DOTENV=local value"), "{body}");
}

/// An edit restarts the Node host, but a call the old host is running
/// still gets its answer rather than a 500.
#[test]
fn a_call_in_flight_during_a_reload_still_answers() {
    let server = start("functions-site");
    let fns = server.root.join("functions");
    std::fs::write(
        fns.join("pause.js"),
        "exports.handler = () => new Promise((done) => setTimeout(() => done({ statusCode: 200, body: 'paused' }), 1500));\n",
    )
    .unwrap();
    let c = client();
    let url = format!("{}/.functions/pause", server.base);
    poll_until(&c, &url, "paused", Duration::from_secs(20));

    let in_flight = {
        let (c, url) = (c.clone(), url.clone());
        std::thread::spawn(move || {
            let resp = c.get(&url).send().unwrap();
            (resp.status().as_u16(), resp.text().unwrap())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(
        fns.join("multi.js"),
        "exports.handler = async () => ({ statusCode: 200, body: 'edited during a call' });\n",
    )
    .unwrap();
    poll_until(
        &c,
        &format!("{}/.functions/multi", server.base),
        "edited during a call",
        Duration::from_secs(10),
    );
    let (status, body) = in_flight.join().unwrap();
    assert_eq!((status, body.as_str()), (200, "paused"));
    let children = children_of(server.child.id());
    stop(server, &children);
}
