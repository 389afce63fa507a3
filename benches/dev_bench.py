#!/usr/bin/env python3
"""ssgx dev beside hugo server and netlify dev, in one run.

    python3 benches/dev_bench.py [--pages 10000] [--edits 20] [--starts 3] [--duration 10]

1. On the benchmark corpus (benches/gen_corpus.py; the same pages for both),
   `ssgx dev` and `hugo server` (its defaults: rendered to memory, fast
   render mode): time from process start to the first 200 on `/` (median of
   --starts), then edit-to-reload latency, median of --edits, for a
   body-only page edit, a title edit and a template edit. The latency runs
   from the file write to the reload message on the browser's socket
   (ssgx: the Server-Sent Events stream at /.ssgx/events; Hugo: its
   LiveReload WebSocket).
2. A static page served by `ssgx dev` and by `netlify dev --offline`
   (netlify-cli, pinned in benches/tools), wrk at 32 connections.
3. A JavaScript function through `ssgx dev` and through `ssgx functions
   serve`, wrk at 32 connections.
4. Start to first response on the repository's own site (site/): `ssgx
   dev` at the repository root, and `netlify dev --offline` serving the
   same site as built by `ssgx build`.

Needs wrk and hugo (Debian) and `npm ci --prefix benches/tools`;
`bash benches/run.sh dev` installs them. Everything listens on 127.0.0.1.
"""

import argparse
import base64
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
NETLIFY = os.path.join(HERE, "tools", "node_modules", ".bin", "netlify")
QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return None


def start(cmd, cwd, url, env=None, limit=300):
    """Starts a server; returns (process, seconds until `url` answered 200)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, start_new_session=True, **QUIET)
    deadline = t0 + limit
    while time.perf_counter() < deadline:
        if status_of(url) == 200:
            return proc, time.perf_counter() - t0
        if proc.poll() is not None:
            sys.exit(f"{cmd[0]} exited early in {cwd}")
        time.sleep(0.01)
    stop(proc)
    sys.exit(f"{url} never answered 200")


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
    except Exception:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def sse_messages(port):
    """ssgx dev's reload stream: a queue of (arrival time, message type)."""
    q = queue.Queue()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /.ssgx/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")

    def read():
        buf = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = re.search(rb'^data: \{"type":"(\w+)"', line) or re.search(rb'^data: .*"type":"(\w+)"', line)
                if m:
                    q.put((time.perf_counter(), m.group(1).decode()))

    threading.Thread(target=read, daemon=True).start()
    return q


def livereload_messages(port):
    """Hugo's LiveReload WebSocket: a queue of (arrival time, command).

    A minimal RFC 6455 client (handshake, one masked text frame out,
    unmasked text frames in) so the benchmark needs no Python package."""
    q = queue.Queue()
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET /livereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit(f"hugo refused the LiveReload socket: {head!r}")
    hello = b'{"command":"hello","protocols":["http://livereload.com/protocols/official-7"]}'
    mask = os.urandom(4)
    sock.sendall(bytes([0x81, 0x80 | len(hello)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(hello)))

    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def read():
        try:
            while True:
                b0, b1 = exact(2)
                n = b1 & 0x7F
                if n == 126:
                    n = int.from_bytes(exact(2), "big")
                elif n == 127:
                    n = int.from_bytes(exact(8), "big")
                payload = exact(n)
                m = re.search(rb'"command"\s*:\s*"(\w+)"', payload)
                if b0 & 0x0F == 1 and m:
                    q.put((time.perf_counter(), m.group(1).decode()))
        except (EOFError, OSError):
            return

    threading.Thread(target=read, daemon=True).start()
    return q


def reload_latency(messages, path, edit, edits, settle=0.3):
    """Median ms from writing `path` (edit(original, i) gives the text) to
    the next reload message; the file is restored afterwards."""
    with open(path) as f:
        original = f.read()
    times = []
    try:
        for i in range(edits):
            while not messages.empty():
                messages.get_nowait()
            text = edit(original, i)
            t0 = time.perf_counter()
            with open(path, "w") as f:
                f.write(text)
            while True:
                try:
                    at, kind = messages.get(timeout=120)
                except queue.Empty:
                    sys.exit(f"no reload after editing {path}")
                if kind == "reload":
                    times.append((at - t0) * 1000)
                    break
            time.sleep(settle)
    finally:
        with open(path, "w") as f:
            f.write(original)
        time.sleep(settle * 3)
    return statistics.median(times)


def body_edit(text, i):
    return text.rstrip("\n") + f"\n\nEdited paragraph {i} {time.time()}.\n"


def title_edit(text, i):
    return re.sub(r'^title: .*$', f'title: "Edited title {i} {time.time()}"', text, count=1, flags=re.M)


def template_edit(text, i):
    # Inside the page's block: text outside blocks of a child template
    # is not rendered.
    return text.replace("<article>", f'<article data-edit="{i}-{time.time()}">', 1)


def wrk(url, duration, connections=32):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, int(errors.group(1)) if errors else 0


def netlify_env():
    env = dict(os.environ, NETLIFY_TELEMETRY_DISABLED="1")
    env.pop("NETLIFY_SITE_ID", None)
    return env


def netlify_dev(site, port):
    return [NETLIFY, "dev", "--offline", "--internal-disable-edge-functions", "--no-open",
            "--port", str(port), "--functions-port", str(free_port())]


def corpus(args):
    folder = os.path.join(WORK, f"c{args.pages}")
    if not os.path.isdir(os.path.join(folder, "ssgx")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--pages", str(args.pages),
                        "--out", folder], check=True)
    return os.path.join(folder, "ssgx"), os.path.join(folder, "hugo")


def bench_corpus(args):
    ssgx_site, hugo_site = corpus(args)
    page = "section-00/page-00000.md"
    results = {}
    for tool in ["ssgx", "hugo"]:
        starts = []
        for _ in range(args.starts):
            port = free_port()
            if tool == "ssgx":
                cmd, cwd = [args.ssgx, "dev", "--port", str(port), "--strict-port"], ssgx_site
            else:
                cmd, cwd = ["hugo", "server", "--port", str(port), "--bind", "127.0.0.1",
                            "--baseURL", f"http://127.0.0.1:{port}/"], hugo_site
            proc, seconds = start(cmd, cwd, f"http://127.0.0.1:{port}/")
            starts.append(seconds)
            stop(proc)
        port = free_port()
        if tool == "ssgx":
            proc, _ = start([args.ssgx, "dev", "--port", str(port), "--strict-port"], ssgx_site,
                            f"http://127.0.0.1:{port}/")
            messages = sse_messages(port)
            content, template = os.path.join(ssgx_site, "site", page), os.path.join(ssgx_site, "templates", "page.html")
        else:
            proc, _ = start(["hugo", "server", "--port", str(port), "--bind", "127.0.0.1",
                             "--baseURL", f"http://127.0.0.1:{port}/"], hugo_site,
                            f"http://127.0.0.1:{port}/")
            messages = livereload_messages(port)
            content = os.path.join(hugo_site, "content", page)
            template = os.path.join(hugo_site, "layouts", "_default", "single.html")
        time.sleep(1)
        try:
            results[tool] = {
                "start": statistics.median(starts),
                "body": reload_latency(messages, content, body_edit, args.edits),
                "title": reload_latency(messages, content, title_edit, args.edits),
                "template": reload_latency(messages, template, template_edit, max(3, args.edits // 4)),
            }
        finally:
            stop(proc)
        print(f"  {tool}: {results[tool]}", flush=True)
    return results


def static_site_for_netlify(public, name):
    """A folder under benches/work that netlify dev serves `public` from."""
    site = os.path.join(WORK, name)
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(public, os.path.join(site, "public"))
    with open(os.path.join(site, "netlify.toml"), "w") as f:
        f.write('[build]\n  publish = "public"\n')
    # netlify-cli takes the topmost package.json as the project root; a git
    # folder stops that search (NETLIFY.md §8).
    subprocess.run(["git", "init", "-q", site], check=True)
    return site


def bench_serving(args):
    """Static files vs netlify dev; functions through dev vs functions serve."""
    site = os.path.join(WORK, "devbench")
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(os.path.join(REPO, "tests", "fixtures", "dev-site"), site)
    with open(os.path.join(site, "functions", "hello-v1.js"), "w") as f:
        f.write('exports.handler = async () => ({ statusCode: 200, headers: { "content-type": "text/plain" }, body: "hello v1" });\n')
    subprocess.run([args.ssgx, "build", "--no-functions"], cwd=site, check=True, **QUIET)
    netlify_site = static_site_for_netlify(os.path.join(site, "public"), "devbench-netlify")

    out = {}
    port = free_port()
    dev, _ = start([args.ssgx, "dev", "--port", str(port), "--strict-port"], site, f"http://127.0.0.1:{port}/")
    status_of(f"http://127.0.0.1:{port}/.netlify/functions/hello-v1", timeout=60)
    try:
        out["static ssgx dev"] = wrk(f"http://127.0.0.1:{port}/about/", args.duration)
        out["function ssgx dev"] = wrk(f"http://127.0.0.1:{port}/.netlify/functions/hello-v1", args.duration)
    finally:
        stop(dev)
    port = free_port()
    serve, _ = start([args.ssgx, "functions", "serve", "--port", str(port)], site,
                     f"http://127.0.0.1:{port}/.netlify/functions/hello-v1")
    try:
        out["function ssgx functions serve"] = wrk(f"http://127.0.0.1:{port}/.netlify/functions/hello-v1", args.duration)
    finally:
        stop(serve)
    port = free_port()
    nd, _ = start(netlify_dev(netlify_site, port), netlify_site, f"http://127.0.0.1:{port}/about/",
                  env=netlify_env())
    try:
        out["static netlify dev"] = wrk(f"http://127.0.0.1:{port}/about/", args.duration)
    finally:
        stop(nd)
    for k, v in out.items():
        print(f"  {k}: {v[0]:.0f} req/s ({v[1]} non-2xx)", flush=True)
    return out


def bench_own_site(args):
    """Start to first response on the repository's own site."""
    subprocess.run([args.ssgx, "build", "--no-functions"], cwd=REPO, check=True, **QUIET)
    netlify_site = static_site_for_netlify(os.path.join(REPO, "public"), "own-site-netlify")
    times = {"ssgx dev": [], "netlify dev": []}
    for _ in range(args.starts):
        port = free_port()
        proc, seconds = start([args.ssgx, "dev", "--port", str(port), "--strict-port"], REPO,
                              f"http://127.0.0.1:{port}/")
        times["ssgx dev"].append(seconds)
        stop(proc)
        port = free_port()
        proc, seconds = start(netlify_dev(netlify_site, port), netlify_site, f"http://127.0.0.1:{port}/",
                              env=netlify_env())
        times["netlify dev"].append(seconds)
        stop(proc)
    out = {k: statistics.median(v) for k, v in times.items()}
    print(f"  {out}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--ssgx", default=os.path.join(REPO, "target", "release", "ssgx"))
    args = ap.parse_args()
    args.ssgx = os.path.abspath(args.ssgx)

    print(f"1. {args.pages}-page corpus: ssgx dev vs hugo server", flush=True)
    c = bench_corpus(args)
    print("2-3. serving", flush=True)
    s = bench_serving(args)
    print("4. the repository's own site", flush=True)
    o = bench_own_site(args)

    s_, h = c["ssgx"], c["hugo"]
    print()
    print(f"| {args.pages} pages | ssgx dev | hugo server | ratio |")
    print("|---|---|---|---|")
    print(f"| start to first response | {s_['start'] * 1000:.0f} ms | {h['start'] * 1000:.0f} ms | {s_['start'] / h['start']:.2f}x |")
    for key, label in [("body", "body-only edit → reload"), ("title", "title edit → reload"),
                       ("template", "template edit → reload")]:
        print(f"| {label} (median) | {s_[key]:.1f} ms | {h[key]:.1f} ms | {s_[key] / h[key]:.2f}x |")
    print()
    print("| served | req/s | compared with | ratio |")
    print("|---|---|---|---|")
    sd, nd = s["static ssgx dev"][0], s["static netlify dev"][0]
    print(f"| static page, ssgx dev | {sd:.0f} | netlify dev {nd:.0f} | {sd / nd:.1f}x |")
    fd, fs = s["function ssgx dev"][0], s["function ssgx functions serve"][0]
    print(f"| JS v1 function, ssgx dev | {fd:.0f} | ssgx functions serve {fs:.0f} | {fd / fs:.2f}x |")
    print()
    print(f"| own site, start to first response | ssgx dev {o['ssgx dev'] * 1000:.0f} ms | "
          f"netlify dev {o['netlify dev'] * 1000:.0f} ms | {o['ssgx dev'] / o['netlify dev']:.3f}x |")


if __name__ == "__main__":
    main()
