#!/usr/bin/env python3
"""Differential check: the same requests to `ssgx dev` and `netlify dev`.

    python3 benches/netlify_dev_diff.py [--ssgx target/release/ssgx]

Both serve the fixture site tests/fixtures/dev-site (static files,
`_redirects`, `_headers`, netlify.toml rules, JavaScript functions v1, v2,
background). netlify dev (netlify-cli pinned in benches/tools, `--offline`)
serves the site as `ssgx build` wrote it; ssgx dev serves it from memory.
Each request is compared on status, the headers that matter (location,
content type, the site's custom headers, cache-control) and the body (the
live-reload script ssgx dev injects is removed first; function answers are
compared as JSON on the fields the function echoes).

Every difference is printed. Differences explained by `known()` are expected
(where netlify dev itself differs from Netlify's production CDN, or where
ssgx dev adds something on purpose); anything else makes the script exit 1.
Needs `npm ci --prefix benches/tools`.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work", "netlify-diff")
NETLIFY = os.path.join(HERE, "tools", "node_modules", ".bin", "netlify")
RELOAD_TAG = '<script src="/.ssgx/reload.js" defer></script>'

# (method, path, request headers, body)
REQUESTS = [
    ("GET", "/", {}, None),
    ("GET", "/about/", {}, None),
    ("GET", "/about", {}, None),
    ("GET", "/blog/", {}, None),
    ("GET", "/blog/first/", {}, None),
    ("GET", "/blog/second/", {}, None),
    ("GET", "/featured/", {}, None),
    ("GET", "/plain.txt", {}, None),
    ("GET", "/style.css", {}, None),
    ("GET", "/theme.css", {}, None),
    ("GET", "/custom-404.html", {}, None),
    ("HEAD", "/about/", {}, None),
    ("GET", "/about/index.html", {}, None),
    ("GET", "/blog/first", {}, None),
    # Redirects.
    ("GET", "/old-about", {}, None),
    ("GET", "/old-about?x=1", {}, None),
    ("GET", "/temp", {}, None),
    ("GET", "/news/first", {}, None),
    ("GET", "/news/a/b/", {}, None),
    ("GET", "/news", {}, None),
    ("GET", "/items/second", {}, None),
    ("GET", "/toml-old", {}, None),
    ("GET", "/query?id=first", {}, None),
    ("GET", "/query", {}, None),
    ("GET", "/fr", {"Accept-Language": "fr-FR,fr;q=0.9"}, None),
    ("GET", "/fr", {}, None),
    # Shadowing and force.
    ("GET", "/forced.html", {}, None),
    # Rewrites and other statuses.
    ("GET", "/spa/deep/link", {}, None),
    ("GET", "/spa/", {}, None),
    ("GET", "/gone", {}, None),
    ("GET", "/missing/thing", {}, None),
    # Functions.
    ("GET", "/.netlify/functions/echo?a=1&a=2", {}, None),
    ("GET", "/.netlify/functions/echo/deep/path", {}, None),
    ("POST", "/.netlify/functions/echo", {"Content-Type": "application/json"}, b'{"x": 1}'),
    ("GET", "/api/echo?b=2", {}, None),
    ("POST", "/api/echo", {"Content-Type": "text/plain"}, b"hello"),
    ("GET", "/hello/ada", {}, None),
    ("GET", "/hello/ada/", {}, None),
    ("GET", "/.netlify/functions/hello", {}, None),
    ("GET", "/.netlify/functions/work-background", {}, None),
    ("GET", "/.netlify/functions/nope", {}, None),
    ("GET", "/.functions/echo", {}, None),
    # Misses.
    ("GET", "/no/such/page", {}, None),
    ("GET", "/no-such-file.txt", {}, None),
    ("GET", "/blog/no-such-post/", {}, None),
]

HEADERS = ["location", "content-type", "x-frame-options", "x-toml", "x-blog", "cache-control"]

FUNCTION_PATHS = ("/.netlify/functions/", "/.functions/", "/api/", "/hello/")
PRETTY_FOLDER = ("/about", "/blog/first")


def known(method, path, field, ours, theirs):
    """Why a difference is expected, or None."""
    bare = path.split("?")[0]
    if bare.startswith(FUNCTION_PATHS) and field in ("x-frame-options", "x-toml", "x-blog", "cache-control"):
        return ("netlify dev applies the header rules to function responses; on Netlify they apply to "
                "static responses only (NETLIFY.md §4), as in ssgx dev")
    if field == "cache-control" and theirs == "public, max-age=0":
        return ("netlify dev sends its own `public, max-age=0` on files, ignoring the site's Cache-Control "
                "rules; Netlify's CDN sends the site's value, as ssgx dev does")
    if bare in PRETTY_FOLDER:
        return ("Netlify's CDN answers a folder path without its slash with a 301 to the slash (pretty "
                "URLs), as ssgx dev does; netlify dev serves the folder's index.html at once")
    if bare == "/.functions/echo" and field == "status":
        return ("ssgx dev serves /.functions/* itself; netlify dev only through the _redirects rule "
                "that ssgx build writes, which Netlify applies in production")
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(base, method, path, headers, body):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def wait(base, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            fetch(base, "GET", "/", {}, None)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{base} never answered")


def normal_body(path, headers, body):
    text = body.decode(errors="replace").replace(RELOAD_TAG, "")
    if "application/json" in headers.get("content-type", "") and "functions/echo" in path or path.startswith("/api/"):
        try:
            v = json.loads(text)
            return json.dumps({k: v.get(k) for k in ("path", "query", "method", "bodyLength")}, sort_keys=True)
        except ValueError:
            pass
    return text.strip()


def setup(ssgx):
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.copytree(os.path.join(REPO, "tests", "fixtures", "dev-site"), WORK)
    with open(os.path.join(WORK, "netlify.toml"), "a") as f:
        f.write('\n[functions]\ndirectory = "functions"\n')
    subprocess.run([ssgx, "build", "--no-functions", "--base-url", "/"], cwd=WORK, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["git", "init", "-q", WORK], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ssgx", default=os.path.join(REPO, "target", "release", "ssgx"))
    args = ap.parse_args()
    ssgx = os.path.abspath(args.ssgx)
    setup(ssgx)
    sp, np_ = free_port(), free_port()
    env = dict(os.environ, NETLIFY_TELEMETRY_DISABLED="1")
    env.pop("NETLIFY_SITE_ID", None)
    servers = [
        subprocess.Popen([ssgx, "dev", "--port", str(sp), "--strict-port"], cwd=WORK,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True),
        subprocess.Popen([NETLIFY, "dev", "--offline", "--internal-disable-edge-functions", "--no-open",
                          "--port", str(np_), "--functions-port", str(free_port())], cwd=WORK, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True),
    ]
    ours, theirs = f"http://127.0.0.1:{sp}", f"http://127.0.0.1:{np_}"
    try:
        wait(ours)
        wait(theirs)
        # ssgx dev's site base URL is its own address; netlify dev serves the
        # build made with root-relative URLs: compare bodies with both removed.
        unexpected, expected, same, same_but_known = [], [], 0, 0
        for method, path, headers, body in REQUESTS:
            a = fetch(ours, method, path, headers, body)
            b = fetch(theirs, method, path, headers, body)
            diffs = []
            if a[0] != b[0]:
                diffs.append(("status", a[0], b[0]))
            for h in HEADERS:
                va, vb = a[1].get(h), b[1].get(h)
                if h == "content-type" and va and vb:
                    va, vb = va.replace(" ", "").lower(), vb.replace(" ", "").lower()
                if va != vb:
                    diffs.append((h, va, vb))
            ba = normal_body(path, a[1], a[2]).replace(ours, "")
            bb = normal_body(path, b[1], b[2])
            if method != "HEAD" and ba != bb:
                diffs.append(("body", ba[:160], bb[:160]))
            explained = True
            for field, va, vb in diffs:
                why = known(method, path, field, va, vb)
                explained = explained and why is not None
                line = f"{method} {path}: {field}: ssgx dev {va!r} / netlify dev {vb!r}"
                (expected if why else unexpected).append(line + (f"\n    expected: {why}" if why else ""))
            if not diffs:
                same += 1
            elif explained:
                same_but_known += 1
        print(f"{len(REQUESTS)} requests: {same} identical on status, key headers and body; "
              f"{same_but_known} differing only as explained; {len(REQUESTS) - same - same_but_known} otherwise")
        if expected:
            print(f"\n{len(expected)} expected difference(s):")
            print("\n".join(expected))
        if unexpected:
            print(f"\n{len(unexpected)} unexplained difference(s):")
            print("\n".join(unexpected))
            sys.exit(1)
    finally:
        for s in servers:
            try:
                os.killpg(s.pid, signal.SIGINT)
                s.wait(timeout=15)
            except Exception:
                os.killpg(s.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
