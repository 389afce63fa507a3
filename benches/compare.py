#!/usr/bin/env python3
"""Times ssgx, Hugo and Eleventy side by side on the same corpus.

    python3 benches/compare.py --pages 10000 --runs 5 [--scenario both]

Generates the corpus (benches/gen_corpus.py) under benches/work/, checks
that the three builds make the same set of HTML files, then runs the tools
alternately (ssgx, hugo, eleventy, ssgx, ...) and reports median wall time
and peak RSS (from wait4's rusage) with ratios to Hugo. Two scenarios:

  clean   the output folder is missing (moved aside before each run, not
          timed, and deleted after the last): a fresh CI checkout, as on
          Netlify. Not deleted before each run: on this disk (ext4 without
          a journal) creating files within ~30 s of deleting thousands
          makes the kernel check every recently freed inode, and the
          deletion, not the build, set the time.
  rebuild the previous run's output is left in place: a local rebuild.

Use --ssgx to pick the binary (default target/release/ssgx; build it with
`cargo build --release` first). Hugo comes from Debian (`apt-get install
hugo`), Eleventy from npm (`npm ci --prefix benches/tools`):
benches/run.sh installs both.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(cmd, cwd):
    """Runs cmd; returns (wall seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{cmd[0]} failed in {cwd} (exit {code}):\n{err}")
    return wall, usage.ru_maxrss / 1024


def html_files(folder):
    out = set()
    for root, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".html"):
                out.add(os.path.relpath(os.path.join(root, f), folder))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenario", choices=["clean", "rebuild", "both"], default="both")
    ap.add_argument("--ssgx", default=os.path.join(REPO, "target", "release", "ssgx"))
    ap.add_argument("--skip", action="append", default=[], help="leave a tool out (hugo, eleventy)")
    args = ap.parse_args()

    work = os.path.join(HERE, "work", f"c{args.pages}")
    marker = os.path.join(work, ".pages")
    if not (os.path.exists(marker) and open(marker).read() == str(args.pages)):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--pages", str(args.pages), "--out", work], check=True)
        with open(marker, "w") as f:
            f.write(str(args.pages))

    eleventy = os.path.join(HERE, "tools", "node_modules", "@11ty", "eleventy", "cmd.cjs")
    tools = {
        "ssgx": ([os.path.abspath(args.ssgx), "build"], os.path.join(work, "ssgx"), "public"),
        "hugo": (["hugo", "--quiet"], os.path.join(work, "hugo"), "public"),
        "eleventy": (["node", eleventy, "--quiet"], os.path.join(work, "eleventy"), "_site"),
    }
    for name in args.skip:
        tools.pop(name, None)

    # Equivalence: the same HTML files from every tool.
    sets = {}
    for name, (cmd, cwd, out) in tools.items():
        shutil.rmtree(os.path.join(cwd, out), ignore_errors=True)
        run(cmd, cwd)
        sets[name] = html_files(os.path.join(cwd, out))
    reference = sets["ssgx"]
    for name, files in sets.items():
        if files != reference:
            sys.exit(f"{name} made {len(files)} HTML files, ssgx {len(reference)}: "
                     f"only in {name}: {sorted(files - reference)[:5]}, only in ssgx: {sorted(reference - files)[:5]}")
    print(f"corpus: {args.pages} pages; every tool made the same {len(reference)} HTML files")

    scenarios = ["clean", "rebuild"] if args.scenario == "both" else [args.scenario]
    trash = os.path.join(work, "trash")
    shutil.rmtree(trash, ignore_errors=True)
    os.makedirs(trash)
    for scenario in scenarios:
        results = {name: [] for name in tools}
        for _ in range(args.runs):
            for name, (cmd, cwd, out) in tools.items():
                if scenario == "clean":
                    output = os.path.join(cwd, out)
                    if os.path.isdir(output):
                        os.rename(output, os.path.join(trash, str(len(os.listdir(trash)))))
                    subprocess.run(["sync"])
                results[name].append(run(cmd, cwd))
        hugo_wall = statistics.median(w for w, _ in results["hugo"]) if "hugo" in results else None
        hugo_rss = statistics.median(r for _, r in results["hugo"]) if "hugo" in results else None
        print(f"\nscenario: {scenario}, {args.runs} runs each, alternated; medians")
        print(f"{'tool':<10} {'wall s':>8} {'peak MiB':>9} {'wall/hugo':>10} {'rss/hugo':>9}   runs (s)")
        for name, rs in results.items():
            wall = statistics.median(w for w, _ in rs)
            rss = statistics.median(r for _, r in rs)
            wr = f"{wall / hugo_wall:.3f}" if hugo_wall else "-"
            rr = f"{rss / hugo_rss:.3f}" if hugo_rss else "-"
            runs = " ".join(f"{w:.2f}" for w, _ in rs)
            print(f"{name:<10} {wall:>8.3f} {rss:>9.1f} {wr:>10} {rr:>9}   {runs}")
    shutil.rmtree(trash, ignore_errors=True)


if __name__ == "__main__":
    main()
