/* ssgx hydrate.js: fills [data-ssgx-src] elements with JSON from functions. */
(() => {
  const seen = new Map();
  const dig = (v, path) => !path || path === "." ? v
    : path.split(".").reduce((o, k) => (o == null ? o : o[k]), v);
  const str = (v) => v == null ? "" : typeof v == "object" ? JSON.stringify(v) : String(v);
  const fill = (format, v) => format.replace(/\{([^{}]*)\}/g, (_, p) => str(dig(v, p.trim())));

  // The function URL with the page's own query or path values added.
  const address = (d) => {
    const url = new URL(d.ssgxSrc, location.href);
    const names = d.ssgxFromQuery;
    if (names) {
      for (const [k, v] of new URLSearchParams(location.search)) {
        if (names == "*" || names.split(",").includes(k)) url.searchParams.append(k, v);
      }
    }
    if (d.ssgxFromPath) {
      const have = location.pathname.split("/");
      d.ssgxFromPath.split("/").forEach((part, i) => {
        if (part[0] == ":" && have[i]) url.searchParams.set(part.slice(1), decodeURIComponent(have[i]));
      });
    }
    return url.pathname + url.search;
  };

  // Identical requests share one fetch; a refresh asks again once the last one settled.
  const load = (url, ms, again) => {
    let entry = seen.get(url);
    if (!entry || (again && entry.done)) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), ms);
      entry = { done: false };
      entry.promise = fetch(url, { signal: abort.signal, headers: { accept: "application/json" } })
        .then((r) => { if (!r.ok) throw Error(r.status); return r.json(); })
        .finally(() => { clearTimeout(timer); entry.done = true; });
      seen.set(url, entry);
    }
    return entry.promise;
  };

  const show = (el, data) => {
    const d = el.dataset;
    const raw = "ssgxRaw" in d;
    const one = (v) => d.ssgxFormat != null ? fill(d.ssgxFormat, v) : str(dig(v, d.ssgxField));
    const put = (node, v) => { if (raw) node.innerHTML = one(v); else node.textContent = one(v); };
    if (d.ssgxEach == null) return put(el, data);
    const list = document.createElement("ul");
    for (const item of [].concat(dig(data, d.ssgxEach) ?? [])) {
      const li = document.createElement("li");
      put(li, item);
      list.append(li);
    }
    el.replaceChildren(list);
  };

  const start = (el) => {
    const d = el.dataset;
    const url = address(d);
    const ms = (+d.ssgxTimeout || 10) * 1000;
    const run = (again) => {
      if (!again) d.ssgxState = "loading";
      load(url, ms, again).then(
        (data) => { show(el, data); d.ssgxState = "ready"; },
        () => { d.ssgxState = "error"; },
      );
    };
    run(false);
    if (+d.ssgxRefresh > 0) setInterval(() => run(true), d.ssgxRefresh * 1000);
  };

  const lazy = "IntersectionObserver" in window && new IntersectionObserver((entries, watcher) => {
    for (const e of entries) if (e.isIntersecting) { watcher.unobserve(e.target); start(e.target); }
  });
  for (const el of document.querySelectorAll("[data-ssgx-src]")) {
    if (lazy && "ssgxLazy" in el.dataset) lazy.observe(el); else start(el);
  }
})();
