//! Hydration in real headless Chromium: pages built from the
//! `hydrate-site` fixture fill their `dynamic` elements from real Node
//! functions, both under `ssgx dev` and as `ssgx build` output served by
//! `ssgx serve` (which reaches `/.functions/*` only through the rewrite the
//! build wrote into `_redirects`, as Netlify does). Also: the shortcode
//! output in the built files, and the size of `hydrate.js`.

mod common;

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use common::webdriver::Browser;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &Path, command: &str) -> Server {
    let banner = format!("ssgx {command}: serving");
    let (child, addr) = common::spawn_server(root, &[command, "--port", "0"], &banner);
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

const WAIT: Duration = Duration::from_secs(20);

/// The element's state attribute and text, by class.
fn element(browser: &Browser, class: &str) -> (Value, String) {
    let v = browser.eval(&format!(
        "const e = document.querySelector('.{class}'); return e ? [e.getAttribute('data-ssgx-state'), e.textContent.trim()] : null;"
    ));
    let text = v[1].as_str().unwrap_or_default().to_string();
    (v[0].clone(), text)
}

fn wait_state(browser: &Browser, class: &str, state: &str) {
    browser.wait_for(
        &format!("const e = document.querySelector('.{class}'); return !!e && e.dataset.ssgxState === '{state}';"),
        WAIT,
    );
}

/// Everything the bar asks, against one server.
fn check_hydration(browser: &Browser, base: &str) {
    // The greeting fills in with the userId of the page's own URL.
    browser.goto(&format!("{base}/hello/?userId=ada"));
    wait_state(browser, "greeting", "ready");
    assert_eq!(element(browser, "greeting").1, "Welcome back, Ada!");

    // Identical requests on one page are made once: the counter function
    // counts its calls, and both elements show the same count.
    wait_state(browser, "count-a", "ready");
    wait_state(browser, "count-b", "ready");
    assert_eq!(element(browser, "count-a").1, element(browser, "count-b").1);

    // A function answering 500 leaves the fallback, in state `error`.
    wait_state(browser, "broken", "error");
    assert_eq!(
        element(browser, "broken").1,
        "The figure is not available right now."
    );

    // Data with markup shows as text and never runs.
    wait_state(browser, "evil", "ready");
    wait_state(browser, "evil-list", "ready");
    let (_, evil) = element(browser, "evil");
    assert!(
        evil.starts_with("<script>window.pwned = 1</script><img"),
        "{evil}"
    );
    let injected = browser.eval(
        "return [typeof window.pwned, document.querySelectorAll('.evil img, .evil script, .evil-list img, .evil-list script').length, \
         Array.from(document.querySelectorAll('.evil-list li')).map(li => li.textContent)];",
    );
    assert_eq!(injected[0], json!("undefined"));
    assert_eq!(injected[1], json!(0));
    assert_eq!(injected[2][1], json!("second"));
    assert!(injected[2][0].as_str().unwrap().starts_with("<script>"));

    // Only `raw=true` inserts markup.
    wait_state(browser, "rich", "ready");
    let bold = browser.eval(
        "const b = document.querySelector('.rich b.rich-bold'); return b ? b.textContent : null;",
    );
    assert_eq!(bold, json!("bold"));

    // A userId taken from the page's path, behind a `_redirects` rewrite.
    browser.goto(&format!("{base}/u/grace"));
    wait_state(browser, "profile", "ready");
    assert_eq!(element(browser, "profile").1, "Hello, Grace");

    // The template function gives the same element.
    browser.goto(&format!("{base}/widget/"));
    wait_state(browser, "from-template", "ready");
    assert_eq!(
        element(browser, "from-template").1,
        "Hi Grace from a template"
    );

    // A refreshing figure changes by itself.
    browser.goto(&format!("{base}/live/"));
    wait_state(browser, "tick", "ready");
    let first = element(browser, "tick").1;
    browser.wait_for(
        &format!("return document.querySelector('.tick').textContent.trim() !== '{first}';"),
        WAIT,
    );

    // A call past its timeout is abandoned: the fallback stays.
    wait_state(browser, "slow", "error");
    assert_eq!(element(browser, "slow").1, "slow fallback");

    // A lazy element loads only once it is scrolled into view.
    assert_eq!(
        element(browser, "lazy"),
        (Value::Null, "not yet".to_string())
    );
    browser.eval("document.querySelector('.lazy').scrollIntoView(); return null;");
    wait_state(browser, "lazy", "ready");
    assert_eq!(element(browser, "lazy").1, "Ada");

    // Pages without dynamic parts do not load the script.
    browser.goto(&format!("{base}/plain/"));
    let scripts = browser
        .eval("return Array.from(document.scripts).filter(s => s.src.includes('hydrate')).length;");
    assert_eq!(scripts, json!(0));
}

#[test]
fn dynamic_parts_fill_in_under_ssgx_dev() {
    let dir = common::copy_fixture("hydrate-site");
    let server = start(dir.path(), "dev");
    let browser = Browser::start(true);
    check_hydration(&browser, &server.base);
}

#[test]
fn dynamic_parts_fill_in_from_the_built_site() {
    let dir = common::copy_fixture("hydrate-site");
    let run = common::build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let server = start(dir.path(), "serve");
    // Only the build's rewrite leads `/.functions/*` to the functions.
    let client = reqwest::blocking::Client::new();
    let direct = client
        .get(format!(
            "{}/.netlify/functions/greet?userId=ada",
            server.base
        ))
        .send()
        .unwrap();
    assert_eq!(direct.status(), 200);
    let browser = Browser::start(true);
    check_hydration(&browser, &server.base);

    // Without the rewrite, `/.functions/*` is a plain 404 on Netlify, and
    // here too.
    drop(server);
    let redirects = dir.path().join("public/_redirects");
    let rules = common::read(&redirects);
    let kept: String = rules
        .lines()
        .filter(|l| !l.starts_with("/.functions/"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&redirects, kept).unwrap();
    let server = start(dir.path(), "serve");
    let status = client
        .get(format!("{}/.functions/greet?userId=ada", server.base))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 404);
}

#[test]
fn without_javascript_the_fallback_shows() {
    let dir = common::copy_fixture("hydrate-site");
    let server = start(dir.path(), "dev");
    let browser = Browser::start(false);
    browser.goto(&format!("{}/hello/?userId=ada", server.base));
    browser.wait_for("return document.readyState === 'complete';", WAIT);
    // Give a script, were one to run, the time to fill the element.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        element(&browser, "greeting"),
        (Value::Null, "Welcome, friend!".to_string())
    );
    assert_eq!(
        element(&browser, "broken").1,
        "The figure is not available right now."
    );
}

#[test]
fn hydrate_script_is_small_and_fingerprinted() {
    let dir = common::copy_fixture("hydrate-site");
    let run = common::build(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let scripts: Vec<_> = std::fs::read_dir(dir.path().join("public/ssgx"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    let script = &scripts[0];
    let name = script.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("hydrate.")
            && name.ends_with(".js")
            && name.len() == "hydrate.12345678.js".len(),
        "{name}"
    );
    let raw = std::fs::read(script).unwrap();
    let gzip = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(script)
        .output()
        .expect("gzip");
    println!(
        "hydrate.js: {} bytes, {} bytes gzipped",
        raw.len(),
        gzip.stdout.len()
    );
    assert!(gzip.stdout.len() < 2048, "over 2 KB gzipped");
    let page = common::read(dir.path().join("public/hello/index.html"));
    assert!(page.contains(&format!(
        "<script src=\"/ssgx/{name}\" defer></script></head>"
    )));
}
