/* The built-in theme's search box: loads search_index.json on first use and
   lists the pages whose title, description or text hold every word typed. */
(() => {
  const form = document.querySelector("form.site-search");
  if (!form) return;
  const input = form.querySelector("input");
  const list = form.querySelector("ul");
  let index;
  const load = () => index ??= fetch(form.dataset.index).then((r) => r.json());
  const score = (page, words) => {
    let total = 0;
    for (const w of words) {
      const t = page.title.toLowerCase().includes(w) ? 3 : 0;
      const d = (page.description || "").toLowerCase().includes(w) ? 2 : 0;
      const b = page.body.toLowerCase().includes(w) ? 1 : 0;
      if (!t && !d && !b) return 0;
      total += t + d + b;
    }
    return total;
  };
  const show = async () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.replaceChildren();
    if (!words.length) return;
    const pages = await load();
    const hits = pages.map((p) => [score(p, words), p]).filter(([s]) => s > 0)
      .sort((a, b) => b[0] - a[0]).slice(0, 10);
    for (const [, page] of hits) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = page.url;
      a.textContent = page.title;
      li.append(a);
      list.append(li);
    }
    if (!hits.length) {
      const li = document.createElement("li");
      li.textContent = "No pages match.";
      list.append(li);
    }
  };
  input.addEventListener("focus", load, { once: true });
  input.addEventListener("input", show);
  form.addEventListener("submit", (e) => e.preventDefault());
})();
