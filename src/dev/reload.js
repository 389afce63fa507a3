// ssgx dev: live reload. Injected into HTML pages by `ssgx dev` only.
(() => {
  "use strict";
  let build = null;
  let overlay = null;
  const showError = (text) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "ssgx-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;" +
        "background:rgba(20,20,24,.96);color:#f5f5f5;font:14px/1.5 ui-monospace,monospace";
      const title = document.createElement("p");
      title.style.cssText = "color:#ff8080;font-weight:bold;margin:0 0 1rem";
      title.textContent = "ssgx: the last edit did not build. Fix it and this page updates.";
      const pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      overlay.append(title, pre);
    }
    // Text, never HTML: messages quote the user's files.
    overlay.querySelector("pre").textContent = text;
    if (!overlay.isConnected) document.documentElement.append(overlay);
  };
  const clearError = () => {
    if (overlay) overlay.remove();
  };
  const swapStyles = (paths) => {
    const stamp = Date.now();
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      const path = url.pathname.replace(/^\//, "");
      if (!paths.includes(path)) continue;
      url.searchParams.set("ssgx-reload", stamp);
      const next = link.cloneNode();
      next.href = url.href;
      next.addEventListener("load", () => link.remove(), { once: true });
      link.after(next);
    }
  };
  const events = new EventSource("/.ssgx/events");
  events.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "hello") {
      // For tests and the curious: the page is listening.
      window.__ssgxLiveReload = "connected";
      // A server restart, or edits missed while disconnected.
      if (build !== null && m.build !== build) location.reload();
      build = m.build;
      if (m.error) showError(m.error);
    } else if (m.type === "reload") {
      location.reload();
    } else if (m.type === "css") {
      build = m.build;
      swapStyles(m.paths);
      clearError();
    } else if (m.type === "error") {
      showError(m.error);
    } else if (m.type === "ok") {
      build = m.build;
      clearError();
    }
  };
})();
