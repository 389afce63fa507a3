#!/usr/bin/env python3
"""Function calls: `ssgx functions serve` beside netlify-cli, in one run.

    python3 benches/functions_bench.py [--duration 10] [--rounds 3] [--edits 5] [--edits-only]

Serves the same trivial logic (answer a short text) as a Rust function
(built in debug, as `functions serve` does by default, and again with
`--release`), a JavaScript v1 function and a JavaScript v2 function with
ssgx, and the two JavaScript ones with `netlify functions:serve --offline`
(netlify-cli, pinned in benches/tools). For each, wrk measures warm calls
per second and p50/p99 latency at 1 and 32 connections; then the time
from a source edit to the new code answering is measured (file write →
first response with the new text, polled every 2 ms; the function is
called once before each edit, as a function in use is), median of --edits.
The wrk rows run --rounds times, alternating, and each reports its median.

Needs wrk (Debian) and `npm ci --prefix benches/tools`; benches/run.sh
functions installs both. Everything listens on 127.0.0.1 only.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work", "fnbench")

V1 = 'exports.handler = async () => ({ statusCode: 200, headers: { "content-type": "text/plain" }, body: "%s" });\n'
V2 = 'export default async () => new Response("%s", { headers: { "content-type": "text/plain" } });\n'
RS_TOML = """[package]
name = "hello-rs"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
lambda_http = "1"
tokio = { version = "1", features = ["macros", "rt"] }
"""
RS_MAIN = """use lambda_http::{Body, Error, Request, Response, run, service_fn};

async fn handler(_request: Request) -> Result<Response<Body>, Error> {
    Ok(Response::builder().status(200).header("content-type", "text/plain").body("%s".into())?)
}

// As `ssgx new function` writes it: one event at a time per process.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_for(url, expect, limit=600):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if expect in get(url, timeout=2):
                return
        except Exception:
            pass
        time.sleep(0.05)
    sys.exit(f"{url} never answered {expect!r}")


def wrk(url, connections, duration):
    threads = 1 if connections == 1 else 2
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0


def edit_latency(url, path, template, edits):
    times = []
    for i in range(edits):
        # The function is in use when it is edited: one call first, so the
        # host serving it holds the current code. Without it, an edit could
        # reach a host loading the module for the first time, the edit
        # already on disk, and the time would measure no reload at all.
        get(url, timeout=30)
        text = f"edited {i} {time.time()}"
        start = time.perf_counter()
        write(path, template % text)
        last = ""
        while True:
            try:
                last = get(url, timeout=30)
                if text in last:
                    break
            except urllib.error.HTTPError as e:
                last = f"{e.code}: {e.read().decode(errors='replace')}"
            except Exception as e:  # noqa: BLE001 (a server mid-reload)
                last = str(e)
            if time.perf_counter() - start > 60:
                sys.exit(f"{url} did not answer with the edited code within 60 s; last answer:\n{last}")
            time.sleep(0.002)
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(0.3)
    return statistics.median(times)


def setup():
    shutil.rmtree(WORK, ignore_errors=True)
    ssgx_site = os.path.join(WORK, "ssgx")
    write(os.path.join(ssgx_site, "site", "_index.md"), "bench\n")
    write(os.path.join(ssgx_site, "functions", "hello-v1.js"), V1 % "hello v1")
    write(os.path.join(ssgx_site, "functions", "hello-v2.mjs"), V2 % "hello v2")
    write(os.path.join(ssgx_site, "functions", "hello-rs", "Cargo.toml"), RS_TOML)
    write(os.path.join(ssgx_site, "functions", "hello-rs", "src", "main.rs"), RS_MAIN % "hello rs")
    netlify_site = os.path.join(WORK, "netlify")
    write(os.path.join(netlify_site, "netlify.toml"), '[functions]\n  directory = "functions"\n')
    write(os.path.join(netlify_site, "functions", "hello-v1.js"), V1 % "hello v1")
    write(os.path.join(netlify_site, "functions", "hello-v2.mjs"), V2 % "hello v2")
    # netlify-cli takes the topmost package.json as the project root; a
    # git folder here stops that search (NETLIFY.md §8).
    subprocess.run(["git", "init", "-q", netlify_site], check=True)
    return ssgx_site, netlify_site


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--edits-only", action="store_true", help="skip the wrk rows")
    ap.add_argument("--ssgx", default=os.path.join(REPO, "target", "release", "ssgx"))
    args = ap.parse_args()
    ssgx_site, netlify_site = setup()
    env = dict(os.environ, NETLIFY_TELEMETRY_DISABLED="1", SSGX_LOG="warn")
    env.pop("NETLIFY_SITE_ID", None)

    servers = []
    try:
        sp = free_port()
        servers.append(subprocess.Popen([args.ssgx, "functions", "serve", "--port", str(sp)], cwd=ssgx_site, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # The Rust function once more, built with --release, in a server of
        # its own (stopped before the edit timings: it would rebuild too).
        rp = free_port()
        release_server = subprocess.Popen([args.ssgx, "functions", "serve", "--release", "--port", str(rp)],
                                          cwd=ssgx_site, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
        servers.append(release_server)
        np_ = free_port()
        netlify = os.path.join(HERE, "tools", "node_modules", ".bin", "netlify")
        servers.append(subprocess.Popen([netlify, "functions:serve", "--offline", "--port", str(np_)], cwd=netlify_site,
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        targets = [
            ("ssgx rust", f"http://127.0.0.1:{sp}/.netlify/functions/hello-rs", "hello rs"),
            ("ssgx rust -r", f"http://127.0.0.1:{rp}/.netlify/functions/hello-rs", "hello rs"),
            ("ssgx js v1", f"http://127.0.0.1:{sp}/.netlify/functions/hello-v1", "hello v1"),
            ("ssgx js v2", f"http://127.0.0.1:{sp}/.netlify/functions/hello-v2", "hello v2"),
            ("netlify v1", f"http://127.0.0.1:{np_}/.netlify/functions/hello-v1", "hello v1"),
            ("netlify v2", f"http://127.0.0.1:{np_}/.netlify/functions/hello-v2", "hello v2"),
        ]
        for _, url, expect in targets:
            wait_for(url, expect)

        # Rounds alternate the rows, and each row reports its median round:
        # this machine's speed drifts over minutes, and a ratio of two rows
        # measured minutes apart once moved by a third.
        rounds = {}
        for _ in range(0 if args.edits_only else args.rounds):
            for connections in (1, 32):
                for name, url, _ in targets:
                    rounds.setdefault((name, connections), []).append(wrk(url, connections, args.duration))
        results = {key: sorted(runs)[len(runs) // 2] for key, runs in rounds.items()}
        release_server.send_signal(signal.SIGINT)
        release_server.wait(timeout=20)
        if not args.edits_only:
            print(f"wrk, {args.duration} s per row, warm, 127.0.0.1; `ssgx rust` is built in debug (the default of"
                  " `functions serve`), `ssgx rust -r` with `functions serve --release`")
            print(f"median of {args.rounds} alternating rounds (the round with the median req/s)")
            print(f"{'function':<12} {'conns':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}  rounds (req/s)")
            for (name, connections), (rps, p50, p99, errors) in results.items():
                every = " ".join(f"{run[0]:.0f}" for run in rounds[(name, connections)])
                print(f"{name:<12} {connections:>5} {rps:>10.1f} {p50:>8.2f} {p99:>8.2f} {errors:>8}  {every}")
            print("\nratios at 32 connections:")
            r = {k: v[0] for k, v in results.items()}
            print(f"  ssgx rust / netlify v1 = {r[('ssgx rust', 32)] / r[('netlify v1', 32)]:.1f}x")
            print(f"  ssgx rust -r / netlify v1 = {r[('ssgx rust -r', 32)] / r[('netlify v1', 32)]:.1f}x")
            print(f"  ssgx js v1 / netlify v1 = {r[('ssgx js v1', 32)] / r[('netlify v1', 32)]:.1f}x")
            print(f"  ssgx js v2 / netlify v2 = {r[('ssgx js v2', 32)] / r[('netlify v2', 32)]:.1f}x")

        print(f"\nsource edit → new code answering, median of {args.edits} (ms)")
        edits = [
            ("ssgx js v1", targets[2][1], os.path.join(ssgx_site, "functions", "hello-v1.js"), V1),
            ("ssgx js v2", targets[3][1], os.path.join(ssgx_site, "functions", "hello-v2.mjs"), V2),
            ("ssgx rust", targets[0][1], os.path.join(ssgx_site, "functions", "hello-rs", "src", "main.rs"), RS_MAIN),
            ("netlify v1", targets[4][1], os.path.join(netlify_site, "functions", "hello-v1.js"), V1),
            ("netlify v2", targets[5][1], os.path.join(netlify_site, "functions", "hello-v2.mjs"), V2),
        ]
        for name, url, path, template in edits:
            print(f"  {name:<12} {edit_latency(url, path, template, args.edits):8.1f}")
    finally:
        for s in servers:
            try:
                os.killpg(s.pid, signal.SIGINT) if s.args[0].endswith("netlify") else s.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass
        for s in servers:
            try:
                s.wait(timeout=20)
            except subprocess.TimeoutExpired:
                s.kill()


if __name__ == "__main__":
    main()
