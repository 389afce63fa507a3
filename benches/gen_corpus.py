#!/usr/bin/env python3
"""Deterministic benchmark corpus for ssgx, Hugo and Eleventy.

N pages over 10 sections, 2-4 tags each from a pool of 50, realistic
Markdown of 1.5-4 KB (headings, lists, code blocks, tables, links,
emphasis). The same bodies are written three times, with each tool's front
matter and equivalent templates (page, section list, tag list, tag pages,
home, 404), so the three builds make the same set of HTML files.

    python3 benches/gen_corpus.py --pages 10000 --out benches/work/c10k

makes OUT/ssgx, OUT/hugo and OUT/eleventy. Same --pages, same bytes.
"""

import argparse
import os
import random
import shutil

SECTIONS = 10
TAG_POOL = [f"tag-{i:02d}" for i in range(50)]
WORDS = (
    "static site generator function deploy netlify markdown template theme "
    "render page section build cache edge request response header body json "
    "content author layout asset image link anchor heading list table code "
    "server client browser fetch hydrate greeting figure stock count live "
    "fast simple clear error line column file folder output public stage swap"
).split()
LANGS = ["rust", "js", "toml", "sh", "python"]


def sentence(rng, lo=6, hi=16):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(words))
        words[i] = rng.choice([f"*{words[i]}*", f"**{words[i]}**", f"`{words[i]}`"])
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.com/{rng.choice(WORDS)})"
    return " ".join(words) + "."


def paragraph(rng):
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def block(rng):
    kind = rng.random()
    if kind < 0.45:
        return paragraph(rng)
    if kind < 0.6:
        return "\n".join(f"- {sentence(rng, 3, 8)}" for _ in range(rng.randint(3, 6)))
    if kind < 0.7:
        return "\n".join(f"{i + 1}. {sentence(rng, 3, 8)}" for i in range(rng.randint(3, 5)))
    if kind < 0.85:
        lang = rng.choice(LANGS)
        lines = [f"let {rng.choice(WORDS)}_{i} = {rng.randint(0, 999)}; // {rng.choice(WORDS)}" for i in range(rng.randint(3, 8))]
        return f"```{lang}\n" + "\n".join(lines) + "\n```"
    cols = rng.randint(2, 4)
    head = "| " + " | ".join(rng.choice(WORDS).capitalize() for _ in range(cols)) + " |"
    sep = "|" + "---|" * cols
    rows = ["| " + " | ".join(str(rng.randint(0, 9999)) for _ in range(cols)) + " |" for _ in range(rng.randint(2, 5))]
    return "\n".join([head, sep] + rows)


def body(rng):
    target = rng.randint(1500, 4000)
    parts, size = [], 0
    while size < target:
        if rng.random() < 0.2 or not parts:
            level = rng.choice(["##", "##", "###"])
            text = f"{level} {sentence(rng, 2, 5)[:-1]}"
        else:
            text = block(rng)
        parts.append(text)
        size += len(text) + 2
    return "\n\n".join(parts) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def pages(n):
    rng = random.Random(20261129)
    for i in range(n):
        section = f"section-{i % SECTIONS:02d}"
        title = sentence(rng, 3, 7)[:-1].replace("*", "").replace("`", "").replace('"', "")
        title = title.split("[")[0].strip() or "Untitled"
        day = 1 + (i * 7919) % 3650
        date = f"{2016 + day // 365:04d}-{1 + (day % 365) // 31:02d}-{1 + day % 28:02d}"
        tags = sorted(rng.sample(TAG_POOL, rng.randint(2, 4)))
        yield section, f"page-{i:05d}", title, date, tags, body(rng)


def yaml_list(items):
    return "[" + ", ".join(items) + "]"


SSGX_TEMPLATES = {
    "base.html": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title></head>
<body><nav><a href="/">Home</a> <a href="/tags/">Tags</a></nav><main>{% block content %}{% endblock %}</main></body></html>
""",
    "index.html": """{% extends "base.html" %}{% block title %}Bench{% endblock %}{% block content %}<h1>Bench</h1><ul>
{% for s in section.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}<li><a href="{{ sub.permalink }}">{{ sub.title }}</a></li>
{% endfor %}</ul>{% endblock %}""",
    "section.html": """{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock %}{% block content %}<h1>{{ section.title }}</h1><ul>
{% for p in section.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time></li>
{% endfor %}</ul>{% endblock %}""",
    "page.html": """{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock %}{% block content %}<article><h1>{{ page.title }}</h1><time>{{ page.date }}</time>
{{ page.content | safe }}<p>{% for t in page.taxonomies.tags %}<a href="/tags/{{ t }}/">{{ t }}</a> {% endfor %}</p></article>{% endblock %}""",
    "taxonomy_list.html": """{% extends "base.html" %}{% block title %}Tags{% endblock %}{% block content %}<h1>Tags</h1><ul>
{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}</a> ({{ t.page_count }})</li>
{% endfor %}</ul>{% endblock %}""",
    "taxonomy_single.html": """{% extends "base.html" %}{% block title %}{{ term.name }}{% endblock %}{% block content %}<h1>{{ term.name }}</h1><ul>
{% for p in term.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>
{% endfor %}</ul>{% endblock %}""",
    "404.html": """{% extends "base.html" %}{% block title %}Not found{% endblock %}{% block content %}<h1>Not found</h1>{% endblock %}""",
}

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ block "title" . }}{{ end }}</title></head>
<body><nav><a href="/">Home</a> <a href="/tags/">Tags</a></nav><main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "index.html": """{{ define "title" }}Bench{{ end }}{{ define "main" }}<h1>Bench</h1><ul>
{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>{{ end }}""",
    "_default/list.html": """{{ define "title" }}{{ .Title }}{{ end }}{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Pages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}</ul>{{ end }}""",
    "_default/single.html": """{{ define "title" }}{{ .Title }}{{ end }}{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>
{{ .Content }}<p>{{ range .Params.tags }}<a href="/tags/{{ . }}/">{{ . }}</a> {{ end }}</p></article>{{ end }}""",
    "_default/terms.html": """{{ define "title" }}Tags{{ end }}{{ define "main" }}<h1>Tags</h1><ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}</ul>{{ end }}""",
    "_default/term.html": """{{ define "title" }}{{ .Title }}{{ end }}{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>{{ end }}""",
    "404.html": """{{ define "title" }}Not found{{ end }}{{ define "main" }}<h1>Not found</h1>{{ end }}""",
}

ELEVENTY_CONFIG = """export default function (eleventyConfig) {
  const sections = Array.from({ length: %d }, (_, i) => `section-${String(i).padStart(2, "0")}`);
  eleventyConfig.addGlobalData("sectionNames", sections);
  eleventyConfig.addCollection("bySection", (api) => {
    const out = {};
    for (const s of sections) {
      out[s] = api.getFilteredByGlob(`src/${s}/*.md`).sort((a, b) => b.date - a.date);
    }
    return out;
  });
  eleventyConfig.addCollection("tagMap", (api) => {
    const out = {};
    for (const item of api.getAll()) {
      for (const t of item.data.tags || []) (out[t] ||= []).push(item);
    }
    return out;
  });
  return { dir: { input: "src", output: "_site" }, markdownTemplateEngine: false };
}
"""

ELEVENTY_TEMPLATES = {
    "_includes/base.njk": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><nav><a href="/">Home</a> <a href="/tags/">Tags</a></nav><main>{{ content | safe }}</main></body></html>
""",
    "_includes/page.njk": """---
layout: base.njk
---
<article><h1>{{ title }}</h1><time>{{ page.date.toISOString().slice(0, 10) }}</time>
{{ content | safe }}<p>{% for t in tags %}<a href="/tags/{{ t }}/">{{ t }}</a> {% endfor %}</p></article>""",
    "index.njk": """---
layout: base.njk
title: Bench
---
<h1>Bench</h1><ul>
{% for s in sectionNames %}<li><a href="/{{ s }}/">{{ s }}</a></li>
{% endfor %}</ul>""",
    "sections.njk": """---
layout: base.njk
pagination:
  data: sectionNames
  size: 1
  alias: sectionName
permalink: "/{{ sectionName }}/"
eleventyComputed:
  title: "{{ sectionName }}"
---
<h1>{{ sectionName }}</h1><ul>
{% for p in collections.bySection[sectionName] %}<li><a href="{{ p.url }}">{{ p.data.title }}</a> <time>{{ p.date.toISOString().slice(0, 10) }}</time></li>
{% endfor %}</ul>""",
    "tags.njk": """---
layout: base.njk
title: Tags
permalink: /tags/
---
<h1>Tags</h1><ul>
{% for t, items in collections.tagMap %}<li><a href="/tags/{{ t }}/">{{ t }}</a> ({{ items.length }})</li>
{% endfor %}</ul>""",
    "tag.njk": """---
layout: base.njk
pagination:
  data: collections.tagMap
  size: 1
  alias: tag
permalink: "/tags/{{ tag }}/"
eleventyComputed:
  title: "{{ tag }}"
---
<h1>{{ tag }}</h1><ul>
{% for p in collections.tagMap[tag] %}<li><a href="{{ p.url }}">{{ p.data.title }}</a></li>
{% endfor %}</ul>""",
    "404.njk": """---
layout: base.njk
title: Not found
permalink: /404.html
---
<h1>Not found</h1>""",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    s_root, h_root, e_root = (os.path.join(out, t) for t in ("ssgx", "hugo", "eleventy"))

    write(os.path.join(s_root, "ssgx.toml"), 'title = "Bench"\ntaxonomies = [{ name = "tags" }]\n')
    for name, text in SSGX_TEMPLATES.items():
        write(os.path.join(s_root, "templates", name), text)
    write(os.path.join(h_root, "config.toml"),
          'baseURL = "/"\ntitle = "Bench"\ndisableKinds = ["RSS", "sitemap", "robotsTXT"]\n'
          '[taxonomies]\ntag = "tags"\n[markup.goldmark.renderer]\nunsafe = true\n')
    for name, text in HUGO_LAYOUTS.items():
        write(os.path.join(h_root, "layouts", name), text)
    write(os.path.join(e_root, "eleventy.config.mjs"), ELEVENTY_CONFIG % SECTIONS)
    write(os.path.join(e_root, "src", "src.json"), '{"layout": "page.njk"}\n')
    for name, text in ELEVENTY_TEMPLATES.items():
        write(os.path.join(e_root, "src", name), text)
    for i in range(SECTIONS):
        s = f"section-{i:02d}"
        write(os.path.join(s_root, "site", s, "_index.md"), f'+++\ntitle = "{s}"\nsort_by = "date"\n+++\n')
        write(os.path.join(h_root, "content", s, "_index.md"), f'---\ntitle: "{s}"\n---\n')

    for section, slug, title, date, tags, text in pages(args.pages):
        write(os.path.join(s_root, "site", section, slug + ".md"),
              f'---\ntitle: "{title}"\ndate: {date}\ntaxonomies:\n  tags: {yaml_list(tags)}\n---\n{text}')
        write(os.path.join(h_root, "content", section, slug + ".md"),
              f'---\ntitle: "{title}"\ndate: {date}\ntags: {yaml_list(tags)}\n---\n{text}')
        write(os.path.join(e_root, "src", section, slug + ".md"),
              f'---\ntitle: "{title}"\ndate: {date}\ntags: {yaml_list(tags)}\n---\n{text}')


if __name__ == "__main__":
    main()
