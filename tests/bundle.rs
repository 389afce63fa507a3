//! `ssgx build` bundles functions in the form Netlify takes unchanged,
//! checked with Netlify's own tools: zip-it-and-ship-it finds every
//! function with the right runtime, each JavaScript bundle answers under
//! lambda-local, and the Rust bundle is a static binary that answers an
//! invocation through the Lambda Runtime API.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools")
}

fn node(args: &[&str]) -> (bool, String, String) {
    let out = Command::new("node")
        .args(args)
        .current_dir(tools())
        .output()
        .expect("node runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn build_fixture() -> tempfile::TempDir {
    let dir = common::copy_fixture("functions-site");
    let out = Command::new(env!("CARGO_BIN_EXE_ssgx"))
        .arg("build")
        .current_dir(dir.path())
        .env(
            "SSGX_TARGET_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ssgx-functions-target"),
        )
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// True when the ELF file has no program interpreter (statically linked).
fn is_static_elf(bytes: &[u8]) -> bool {
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap()) as usize;
    let u16_at = |o: usize| u16::from_le_bytes(bytes[o..o + 2].try_into().unwrap()) as usize;
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    (0..phnum).all(|i| {
        let p_type = u32::from_le_bytes(
            bytes[phoff + i * phentsize..phoff + i * phentsize + 4]
                .try_into()
                .unwrap(),
        );
        p_type != 3 // PT_INTERP
    })
}

/// Serves one invocation to `binary` through a minimal Lambda Runtime API
/// and returns what the binary answered.
fn invoke_through_runtime_api(binary: &Path, event: &Value) -> Value {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut child = Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "rust-echo")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let event = serde_json::to_vec(event).unwrap();
    let mut answer = Value::Null;
    // First connection(s): `next` gets the event; then `response` brings the answer.
    for stream in listener.incoming() {
        let mut stream = stream.unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        if request_line.contains("/invocation/next") {
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 10_000;
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: req-1\r\nlambda-runtime-deadline-ms: {deadline}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:0:function:rust-echo\r\ncontent-length: {}\r\n\r\n",
                event.len()
            )
            .unwrap();
            stream.write_all(&event).unwrap();
        } else {
            answer = serde_json::from_slice(&body).unwrap_or(Value::Null);
            stream
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    answer
}

fn unzip(zip_file: &Path, into: &Path) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_file).unwrap()).unwrap();
    archive.extract(into).unwrap();
}

#[test]
fn bundles_are_what_netlify_takes() {
    let dir = build_fixture();
    let out = dir.path().join(".netlify/v1/functions");

    // The short URL and v2 routes are rewrites on Netlify.
    let redirects = common::read(dir.path().join("public/_redirects"));
    assert!(
        redirects.contains("/.functions/*  /.netlify/functions/:splat  200"),
        "{redirects}"
    );
    assert!(
        redirects.contains("/hello/:name  /.netlify/functions/hello  200!"),
        "{redirects}"
    );

    // Rust: a static musl binary with the symbol Netlify detects Rust by.
    let binary = out.join("rust-echo");
    let bytes = std::fs::read(&binary).expect("rust-echo binary");
    assert!(
        is_static_elf(&bytes),
        "the Rust bundle must be statically linked"
    );
    assert!(
        bytes.windows(19).any(|w| w == b"rust_eh_personality"),
        "symbol kept"
    );
    let answer = invoke_through_runtime_api(
        &binary,
        &json!({
            "path": "/.netlify/functions/rust-echo", "httpMethod": "GET",
            "headers": {"host": "x"}, "multiValueHeaders": {"host": ["x"]},
            "queryStringParameters": {"a": "1"}, "multiValueQueryStringParameters": {"a": ["1"]},
            "isBase64Encoded": false,
            "requestContext": {"httpMethod": "GET", "path": "/.netlify/functions/rust-echo", "requestId": "req-1"},
        }),
    );
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["query"]["a"], json!(["1"]));

    // Netlify's bundler lists every function with the right runtime.
    let zisi_out = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = node(&[
        "zisi.mjs",
        out.to_str().unwrap(),
        zisi_out.path().to_str().unwrap(),
    ]);
    assert!(ok, "zip-it-and-ship-it failed: {stderr}");
    let found: Vec<Value> = serde_json::from_str(stdout.trim()).unwrap();
    let runtime_of = |name: &str| {
        found
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["runtime"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(runtime_of("rust-echo").as_deref(), Some("rs"), "{stdout}");
    for js in [
        "echo",
        "hello",
        "multi",
        "binary",
        "typed",
        "work-background",
        "tick",
        "throws",
    ] {
        assert_eq!(runtime_of(js).as_deref(), Some("js"), "{js} in {stdout}");
    }

    // The bundle carries the npm package and the relative module it uses.
    let archive =
        zip::ZipArchive::new(std::fs::File::open(out.join("uses-dep.zip")).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    for expected in [
        "node_modules/tiny-greeter/index.js",
        "node_modules/tiny-greeter/package.json",
        "functions/lib/shout.js",
        "functions/uses-dep.js",
        "uses-dep.js",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }

    // Each JavaScript bundle, unpacked, answers under lambda-local.
    let event = |path: &str, query: Value| {
        json!({
            "path": path, "httpMethod": "GET", "headers": {"host": "example.com"},
            "multiValueHeaders": {"host": ["example.com"]},
            "queryStringParameters": query, "multiValueQueryStringParameters": {},
            "rawUrl": format!("https://example.com{path}"), "rawQuery": "", "isBase64Encoded": false,
        })
    };
    for (name, ev, expected_status, expected_body) in [
        (
            "echo",
            event("/.netlify/functions/echo", json!({})),
            200,
            None,
        ),
        (
            "multi",
            event("/.netlify/functions/multi", json!({})),
            201,
            Some("multi"),
        ),
        (
            "typed",
            event("/.netlify/functions/typed", json!({"who": "ada"})),
            200,
            Some("typed hello ada"),
        ),
        (
            "hello",
            event("/hello/ada", json!({})),
            200,
            Some("hello ada"),
        ),
        (
            "uses-dep",
            event("/.netlify/functions/uses-dep", json!({})),
            200,
            Some("GREETINGS, ADA!"),
        ),
    ] {
        let unpacked = tempfile::tempdir().unwrap();
        unzip(&out.join(format!("{name}.zip")), unpacked.path());
        let entry = ["js", "mjs"]
            .iter()
            .map(|e| unpacked.path().join(format!("{name}.{e}")))
            .find(|p| p.exists())
            .expect("root entry");
        let (ok, stdout, stderr) =
            node(&["lambda-local.cjs", entry.to_str().unwrap(), &ev.to_string()]);
        assert!(ok, "{name} under lambda-local: {stdout} {stderr}");
        let result: Value = serde_json::from_str(stdout.trim().lines().last().unwrap()).unwrap();
        assert_eq!(result["statusCode"], expected_status, "{name}: {result}");
        if let Some(text) = expected_body {
            let body = result["body"].as_str().unwrap();
            let decoded = if result["isBase64Encoded"] == true {
                use base64::Engine;
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(body)
                        .unwrap(),
                )
                .unwrap()
            } else {
                body.to_string()
            };
            assert_eq!(decoded, text, "{name}");
        }
    }
}
