#!/usr/bin/env python3
"""What syntax highlighting and taxonomies cost on the 10k-page corpus.

    python3 benches/authoring_bench.py --pages 10000 --runs 5

Builds three copies of the benchmark corpus (benches/gen_corpus.py) with
target/release/ssgx, alternating runs, and reports median wall time and
peak RSS with ratios to the plain build:

  plain      no taxonomies, no highlighting
  tags       the corpus as generated: 2-4 tags a page from a pool of 50
  highlight-cold  tags, and [markdown] highlight_code = true (class-based,
             the default engine: hl-lite's lexers for the corpus's Rust,
             JS, TOML, shell and Python blocks), the highlight cache
             (.ssgx/cache/) deleted before each run (not timed): a first
             build, or a fresh checkout
  highlight-warm  the same with the cache of the previous run kept (the
             lexical engine caches nothing, so this is highlight-cold again)
  tree-sitter-cold (with --tree-sitter; not part of the bar) highlight-cold
             with highlight_engine = "tree-sitter": every block parsed
  valid-code-cold (with --valid-code; not part of the bar) tree-sitter-cold
             with each code line rewritten to be valid in its block's
             language (the corpus writes `let x_1 = 2; // w` for all five,
             which only Rust and JS parse; see valid_code())

Each round runs every variant once, starting one variant later than the
round before (see main()).

Scenarios: `clean` builds into a missing output folder, `rebuild` keeps
the last build's output. For `clean`, the previous output is moved aside
(not timed) and only deleted after the last run: this disk is ext4
without a journal, where creating files within ~30 s of deleting
thousands makes the kernel skip every recently freed inode
(`recently_deleted` in ext4's inode allocator: 70% of a clean build's
time in a profile). Deleting right before each run measured the
deletion, growing from run to run, not the build.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from compare import run  # noqa: E402  (wall seconds, peak RSS MiB)

VARIANTS = ["plain", "tags", "highlight-cold", "highlight-warm"]


def prepare(pages, variants):
    corpus = os.path.join(HERE, "work", f"c{pages}", "ssgx")
    if not os.path.isdir(corpus):
        subprocess.run(
            [sys.executable, os.path.join(HERE, "gen_corpus.py"), "--pages", str(pages),
             "--out", os.path.dirname(corpus)],
            check=True,
        )
    base = os.path.join(HERE, "work", "authoring", str(pages))
    for variant in variants:
        dest = os.path.join(base, variant)
        if os.path.isdir(os.path.join(dest, "site")):
            continue
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(corpus, dest, ignore=shutil.ignore_patterns("public"))
        config = os.path.join(dest, "ssgx.toml")
        text = open(config, encoding="utf-8").read()
        if variant == "plain":
            text = re.sub(r"(?m)^taxonomies = .*\n", "", text)
            strip_tags(os.path.join(dest, "site"))
            page = os.path.join(dest, "templates", "page.html")
            html = open(page, encoding="utf-8").read()
            html = re.sub(r"\{% for t in page\.taxonomies\.tags %\}.*?\{% endfor %\}", "", html)
            open(page, "w", encoding="utf-8").write(html)
        if variant.startswith(("highlight", "tree-sitter", "valid-code")):
            text += "\n[markdown]\nhighlight_code = true\n"
        if variant.startswith(("tree-sitter", "valid-code")):
            text += 'highlight_engine = "tree-sitter"\n'
        if variant.startswith("valid-code"):
            valid_code(os.path.join(dest, "site"))
        open(config, "w", encoding="utf-8").write(text)
    return base


LINE = re.compile(r"^let (\w+) = (\d+); // (\w+)$")
VALID = {
    "python": "{0} = {1}  # {2}",
    "toml": "{0} = {1} # {2}",
    "sh": "{0}={1} # {2}",
}


def valid_code(site):
    """Rewrites the corpus's code lines (`let a_1 = 2; // w`) into the same
    statement in the block's language where that is not already valid."""
    fence = re.compile(r"(?ms)^```(\w+)\n(.*?)^```$")

    def block(m):
        template = VALID.get(m.group(1))
        if template is None:
            return m.group(0)
        lines = [LINE.sub(lambda l: template.format(*l.groups()), line)
                 for line in m.group(2).splitlines()]
        return f"```{m.group(1)}\n" + "\n".join(lines) + "\n```"

    for folder, _, files in os.walk(site):
        for name in files:
            if name.endswith(".md"):
                path = os.path.join(folder, name)
                text = open(path, encoding="utf-8").read()
                open(path, "w", encoding="utf-8").write(fence.sub(block, text))


def strip_tags(site):
    """Removes the `taxonomies:` block from every page's YAML front matter."""
    pattern = re.compile(r"(?m)^taxonomies:\n(?:  .*\n)+")
    for folder, _, files in os.walk(site):
        for name in files:
            if name.endswith(".md"):
                path = os.path.join(folder, name)
                text = open(path, encoding="utf-8").read()
                new = pattern.sub("", text, count=1)
                if new != text:
                    open(path, "w", encoding="utf-8").write(new)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ssgx", default=os.path.join(REPO, "target", "release", "ssgx"))
    parser.add_argument("--tree-sitter", action="store_true",
                        help="also time tree-sitter-cold (not part of the bar)")
    parser.add_argument("--valid-code", action="store_true",
                        help="also time valid-code-cold (not part of the bar)")
    args = parser.parse_args()
    variants = (VARIANTS + (["tree-sitter-cold"] if args.tree_sitter else [])
                + (["valid-code-cold"] if args.valid_code else []))
    base = prepare(args.pages, variants)
    ssgx = os.path.abspath(args.ssgx)
    results = {}
    # Outputs moved aside for `clean` runs, deleted at the end.
    trash = os.path.join(base, "trash")
    shutil.rmtree(trash, ignore_errors=True)
    os.makedirs(trash)
    for scenario in ["clean", "rebuild"]:
        for variant in variants:
            results[(scenario, variant)] = []
        for round_ in range(args.runs):
            # Each round starts one variant later, so no variant always
            # follows the same one: on this VM a build's speed depends on
            # the build before it (memory the last process freed is handed
            # back to the host, and touching it again is slow).
            shift = round_ % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                root = os.path.join(base, variant)
                if variant.endswith("-cold"):
                    shutil.rmtree(os.path.join(root, ".ssgx", "cache"), ignore_errors=True)
                if scenario == "clean":
                    public = os.path.join(root, "public")
                    if os.path.isdir(public):
                        os.rename(public, os.path.join(trash, str(len(os.listdir(trash)))))
                    subprocess.run(["sync"], check=False)
                elif not os.path.isdir(os.path.join(root, "public")):
                    run([ssgx, "build", "--no-functions"], root)
                results[(scenario, variant)].append(run([ssgx, "build", "--no-functions"], root))
    shutil.rmtree(trash, ignore_errors=True)
    print(f"\n### {args.pages:,} pages, {args.runs} runs each (median)\n")
    print("| scenario | variant | wall (s) | peak RSS (MiB) | wall / plain |")
    print("|---|---|---:|---:|---:|")
    # (highlight-warm's first run fills its cache; the median is warm.)
    for scenario in ["clean", "rebuild"]:
        plain = statistics.median(w for w, _ in results[(scenario, "plain")])
        for variant in variants:
            runs = results[(scenario, variant)]
            wall = statistics.median(w for w, _ in runs)
            rss = statistics.median(r for _, r in runs)
            print(f"| {scenario} | {variant} | {wall:.3f} | {rss:.1f} | **{wall / plain:.2f}** |")
    print()
    for scenario in ["clean", "rebuild"]:
        for variant in variants:
            walls = " ".join(f"{w:.2f}" for w, _ in results[(scenario, variant)])
            print(f"{scenario} {variant}: {walls}")


if __name__ == "__main__":
    main()
