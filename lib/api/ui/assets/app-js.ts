/**
 * The UI's script: hash routing, the views, and one blocking-query loop per view.
 *
 * Kept as a string module so `tsc` ships it in dist with no copy step. It may
 * not contain a backtick or a dollar-brace, which would end or interpolate the
 * template.
 *
 * @module
 */

/** The script served at /ui/app.js (vanilla JS, no dependencies). */
export const APP_JS = String.raw`"use strict";
// The disco web UI: one page over the agent's own HTTP API. Each view keeps
// itself current with blocking queries (?index=&wait=), and catalog data only
// ever reaches the page as text nodes or properties, never as markup.
(() => {
  /** How long one blocking query may wait on the agent. */
  const WAIT = "5m";
  /** Retry delays after a failed query: doubled from the first up to the last. */
  const BACKOFF_MS_MIN = 500;
  const BACKOFF_MS_MAX = 15000;
  /** How long the Delete button waits for its confirming second click. */
  const CONFIRM_MS = 4000;

  const main = document.getElementById("main");
  const live = document.getElementById("live");
  let viewAbort = null;

  // ---- DOM -----------------------------------------------------------------

  /** An element with properties (on* are listeners) and children (strings become text). */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "for") el.setAttribute(k, String(v));
      else el[k] = v;
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c);
    return el;
  }

  function show(...nodes) {
    main.replaceChildren(...nodes);
  }

  function badge(status, text) {
    return h("span", { class: "badge " + status, "data-status": status }, text === undefined ? status : text);
  }

  function tags(list) {
    return h("span", { class: "tags" }, (list || []).map((t) => h("span", { class: "tag" }, t)));
  }

  function message(el, text, kind) {
    el.textContent = text;
    el.className = "msg " + (kind || "");
  }

  // ---- HTTP ----------------------------------------------------------------

  /** A KV key or prefix as a URL path: each segment encoded, the slashes kept. */
  const encPath = (key) => key.split("/").map(encodeURIComponent).join("/");
  const kvUrl = (key, query) => "/v1/kv/" + encPath(key) + (query ? "?" + query : "");

  async function call(method, url, body) {
    const res = await fetch(url, { method, body });
    const text = await res.text();
    if (!res.ok) throw new Error(res.status + " " + (text || res.statusText));
    return text ? JSON.parse(text) : null;
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }

  function setLive(ok, detail) {
    live.textContent = ok ? "live" : "reconnecting…";
    live.className = "live " + (ok ? "on" : "off");
    live.title = ok ? "Updates arrive as they happen" : String(detail || "");
  }

  /**
   * Keeps onData fed with the answer at url: one blocking query after another,
   * each from the index the last one returned, until the signal fires. A 404
   * gives null (a missing key or an empty folder is still an answer).
   */
  function watch(url, signal, onData) {
    const sep = url.includes("?") ? "&" : "?";
    let index = 0;
    let backoff = 0;
    (async () => {
      while (!signal.aborted) {
        try {
          const res = await fetch(url + sep + "index=" + index + "&wait=" + WAIT, { signal });
          if (res.status !== 200 && res.status !== 404) throw new Error(res.status + " " + (await res.text()));
          const next = Number(res.headers.get("X-Consul-Index")) || 1;
          const body = res.status === 200 ? await res.json() : (await res.text(), null);
          if (signal.aborted) return;
          setLive(true);
          backoff = 0;
          // A wait that ran out answers the same index: nothing to redraw.
          if (index === 0 || next !== index) onData(body);
          // An index going backwards means the catalog was restored: start over.
          index = next < index ? 0 : next;
        } catch (err) {
          if (signal.aborted) return;
          setLive(false, err);
          backoff = Math.min(BACKOFF_MS_MAX, Math.max(BACKOFF_MS_MIN, backoff * 2));
          await sleep(backoff, signal);
        }
      }
    })();
  }

  // ---- Services ------------------------------------------------------------

  function healthCell(s) {
    return h("td", { class: "health" },
      badge("passing", s.ChecksPassing + " passing"),
      s.ChecksWarning ? badge("warning", s.ChecksWarning + " warning") : null,
      s.ChecksCritical ? badge("critical", s.ChecksCritical + " critical") : null);
  }

  function servicesView(signal) {
    const filter = h("input", { type: "search", placeholder: "Filter by name or tag", class: "filter", "aria-label": "Filter services" });
    const body = h("tbody");
    const empty = h("p", { class: "empty" });
    let list = [];
    const draw = () => {
      const q = filter.value.trim().toLowerCase();
      const rows = list.filter((s) => !q || s.Name.toLowerCase().includes(q) || s.Tags.some((t) => t.toLowerCase().includes(q)));
      body.replaceChildren(...rows.map((s) => h("tr", { "data-service": s.Name },
        h("td", null, h("a", { href: "#/services/" + encodeURIComponent(s.Name) }, s.Name)),
        h("td", { class: "count" }, s.InstanceCount + (s.InstanceCount === 1 ? " instance" : " instances")),
        healthCell(s),
        h("td", null, tags(s.Tags)))));
      empty.textContent = list.length === 0 ? "No services are registered." : rows.length === 0 ? "No service matches." : "";
    };
    filter.addEventListener("input", draw);
    show(h("div", { class: "bar" }, h("h1", null, "Services"), filter),
      h("table", { class: "list", id: "services" },
        h("thead", null, h("tr", null, h("th", null, "Service"), h("th", null, "Instances"), h("th", null, "Health checks"), h("th", null, "Tags"))),
        body),
      empty);
    watch("/v1/internal/ui/services", signal, (data) => { list = data || []; draw(); });
  }

  function worst(checks) {
    const rank = { passing: 0, warning: 1, critical: 2 };
    return checks.reduce((w, c) => (rank[c.Status] > rank[w] ? c.Status : w), "passing");
  }

  function checksTable(checks) {
    if (checks.length === 0) return h("p", { class: "muted" }, "No checks.");
    return h("table", { class: "checks" },
      h("tbody", null, checks.map((c) => h("tr", { "data-check": c.CheckID },
        h("td", null, badge(c.Status)),
        h("td", null, h("div", { class: "check-name" }, c.Name || c.CheckID), h("div", { class: "muted small" }, c.CheckID + (c.Type ? " · " + c.Type : ""))),
        h("td", null, c.Output ? h("pre", { class: "output" }, c.Output) : h("span", { class: "muted" }, "no output"))))));
  }

  function instanceCard(e) {
    const s = e.Service;
    const address = (s.Address || e.Node.Address) + ":" + s.Port;
    return h("section", { class: "card", "data-instance": s.ID },
      h("header", null, h("h2", null, s.ID), badge(worst(e.Checks))),
      h("dl", null,
        h("dt", null, "Node"), h("dd", null, h("a", { href: "#/nodes" }, e.Node.Node)),
        h("dt", null, "Address"), h("dd", { class: "mono" }, address),
        h("dt", null, "Tags"), h("dd", null, s.Tags && s.Tags.length ? tags(s.Tags) : h("span", { class: "muted" }, "none"))),
      checksTable(e.Checks));
  }

  function serviceView(signal, name) {
    const list = h("div", { id: "instances" });
    show(h("div", { class: "bar" }, h("a", { href: "#/services", class: "back" }, "← Services"), h("h1", null, name)), list);
    watch("/v1/health/service/" + encodeURIComponent(name), signal, (entries) => {
      entries = entries || [];
      if (entries.length === 0) list.replaceChildren(h("p", { class: "empty" }, "No instances of " + name + " are registered."));
      else list.replaceChildren(...entries.map(instanceCard));
    });
  }

  // ---- Nodes ---------------------------------------------------------------

  function nodesView(signal) {
    const body = h("tbody");
    show(h("div", { class: "bar" }, h("h1", null, "Nodes")),
      h("table", { class: "list", id: "nodes" },
        h("thead", null, h("tr", null, h("th", null, "Node"), h("th", null, "Address"), h("th", null, "Status"), h("th", null, "Services"), h("th", null, "Checks"))),
        body));
    watch("/v1/internal/ui/nodes", signal, (nodes) => {
      body.replaceChildren(...(nodes || []).map((n) => {
        const serf = n.Checks.find((c) => c.CheckID === "serfHealth");
        const failing = n.Checks.filter((c) => c.Status !== "passing").length;
        return h("tr", { "data-node": n.Node },
          h("td", null, n.Node),
          h("td", { class: "mono" }, n.Address),
          h("td", null, serf ? badge(serf.Status, serf.Status === "passing" ? "alive" : serf.Status) : badge("warning", "unknown")),
          h("td", null, h("span", { class: "tags" }, n.Services.map((s) =>
            h("a", { class: "tag link", href: "#/services/" + encodeURIComponent(s.Service), title: s.ID }, s.Service + ":" + s.Port)))),
          h("td", null, failing ? badge(worst(n.Checks), failing + " failing of " + n.Checks.length) : badge("passing", n.Checks.length + " passing")));
      }));
    });
  }

  // ---- Key/Value -----------------------------------------------------------

  function crumbs(key) {
    const parts = key.split("/");
    const out = [h("a", { href: "#/kv/" }, "Key/Value")];
    let path = "";
    parts.forEach((p, i) => {
      if (p === "" && i === parts.length - 1) return;
      path += p + (i < parts.length - 1 ? "/" : "");
      out.push(h("span", { class: "sep" }, "/"));
      out.push(i < parts.length - 1 ? h("a", { href: "#/kv/" + encPath(path) }, p) : h("span", { class: "leaf" }, p));
    });
    return h("nav", { class: "crumbs", "aria-label": "Key path" }, out);
  }

  function kvFolderView(signal, prefix) {
    const body = h("tbody");
    const empty = h("p", { class: "empty" });
    const name = h("input", { type: "text", id: "kv-new-key", placeholder: "name, or folder/", "aria-label": "New key name", required: true });
    const value = h("textarea", { id: "kv-new-value", rows: 4, placeholder: "value", "aria-label": "New value" });
    const status = h("p", { class: "msg" });
    const form = h("form", { class: "card create", id: "kv-create", onsubmit: async (ev) => {
      ev.preventDefault();
      const rel = name.value.trim();
      if (!rel) return message(status, "Give the key a name.", "error");
      const key = prefix + rel;
      const folder = key.endsWith("/");
      try {
        // cas=0 writes only when the key does not exist yet: creating never overwrites.
        const ok = await call("PUT", kvUrl(key, "cas=0"), folder ? "" : value.value);
        if (!ok) return message(status, key + " already exists.", "error");
        name.value = "";
        value.value = "";
        message(status, "Created " + key + ".", "ok");
      } catch (err) {
        message(status, "Not created: " + err.message, "error");
      }
    } },
      h("h2", null, "Create"),
      h("div", { class: "row" }, h("span", { class: "mono prefix" }, prefix || "/"), name),
      value,
      h("div", { class: "row" }, h("button", { type: "submit" }, "Create"), status));
    show(h("div", { class: "bar" }, crumbs(prefix)),
      h("table", { class: "list", id: "keys" }, h("thead", null, h("tr", null, h("th", null, "Key"))), body),
      empty, form);
    watch(kvUrl(prefix, "keys&separator=/"), signal, (keys) => {
      const list = (keys || []).filter((k) => k !== prefix);
      body.replaceChildren(...list.map((k) => {
        const rel = k.slice(prefix.length);
        return h("tr", { "data-key": k }, h("td", null,
          h("a", { href: "#/kv/" + encPath(k), class: rel.endsWith("/") ? "folder" : "key" }, rel)));
      }));
      empty.textContent = list.length ? "" : "No keys under " + (prefix || "the root") + ".";
    });
  }

  /** A KV value as text, or null when it is not UTF-8 (shown as base64, not editable). */
  function decodeValue(b64) {
    const bytes = Uint8Array.from(atob(b64 || ""), (c) => c.charCodeAt(0));
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), size: bytes.length };
    } catch {
      return { text: null, size: bytes.length };
    }
  }

  function kvKeyView(signal, key) {
    const meta = h("p", { class: "muted small", id: "kv-meta" });
    const editor = h("textarea", { id: "kv-value", rows: 12, spellcheck: false, "aria-label": "Value" });
    const save = h("button", { type: "button", id: "kv-save", disabled: true }, "Save");
    const del = h("button", { type: "button", id: "kv-delete", class: "danger", disabled: true }, "Delete");
    const status = h("p", { class: "msg", id: "kv-status" });
    const parent = key.slice(0, key.lastIndexOf("/") + 1);
    // The entry the editor was loaded from (writes are conditional on its index),
    // and the newest one the agent reported.
    let entry = null;
    let latest = null;
    let dirty = false;
    let notice = false;
    let confirmTimer = 0;

    const warn = (text) => { message(status, text, "error"); notice = true; };
    const load = () => {
      entry = latest;
      const v = decodeValue(entry.Value);
      editor.readOnly = v.text === null;
      editor.value = v.text === null ? (entry.Value || "") : v.text;
      save.disabled = v.text === null;
      del.disabled = false;
      dirty = false;
      if (notice) { message(status, ""); notice = false; }
      meta.textContent = "Flags " + entry.Flags + " · created at index " + entry.CreateIndex + " · modified at index " + entry.ModifyIndex
        + (entry.Session ? " · locked by session " + entry.Session : "")
        + (v.text === null ? " · binary value of " + v.size + " bytes, shown as base64 and not editable" : "");
    };
    editor.addEventListener("input", () => { dirty = true; });
    save.addEventListener("click", async () => {
      if (!entry) return;
      try {
        // cas: the write lands only if nobody changed the key since the editor loaded it.
        const ok = await call("PUT", kvUrl(key, "cas=" + entry.ModifyIndex), editor.value);
        if (ok) { dirty = false; notice = false; message(status, "Saved.", "ok"); }
        else warn("Not saved: the key changed on the agent since you loaded it.");
      } catch (err) {
        warn("Not saved: " + err.message);
      }
    });
    del.addEventListener("click", async () => {
      if (!entry) return;
      if (!confirmTimer) {
        del.textContent = "Click again to delete";
        confirmTimer = setTimeout(() => { confirmTimer = 0; del.textContent = "Delete"; }, CONFIRM_MS);
        return;
      }
      clearTimeout(confirmTimer);
      confirmTimer = 0;
      del.textContent = "Delete";
      try {
        const ok = await call("DELETE", kvUrl(key, "cas=" + entry.ModifyIndex));
        if (ok) location.hash = "#/kv/" + encPath(parent);
        else warn("Not deleted: the key changed on the agent since you loaded it.");
      } catch (err) {
        warn("Not deleted: " + err.message);
      }
    });
    signal.addEventListener("abort", () => clearTimeout(confirmTimer), { once: true });

    show(h("div", { class: "bar" }, crumbs(key)),
      h("section", { class: "card" }, meta, editor, h("div", { class: "row" }, save, del, status)));
    watch(kvUrl(key), signal, (entries) => {
      latest = (entries && entries[0]) || null;
      if (!latest) {
        entry = null;
        save.disabled = del.disabled = true;
        if (!dirty) { editor.value = ""; editor.readOnly = true; meta.textContent = ""; }
        return warn("This key does not exist (it may have been deleted).");
      }
      // An edit in progress is never overwritten: say so and let the user choose.
      if (!dirty || !entry) return load();
      warn("The key changed on the agent while you were editing; Save will refuse until you reload.");
      status.append(" ", h("button", { type: "button", class: "link", onclick: load }, "Reload"));
    });
  }

  // ---- Routing -------------------------------------------------------------

  function notFound(what) {
    show(h("p", { class: "empty" }, "Nothing here: " + what));
  }

  function route() {
    if (viewAbort) viewAbort.abort();
    viewAbort = new AbortController();
    const signal = viewAbort.signal;
    const m = /^#?\/?([a-z]*)(?:\/(.*))?$/s.exec(location.hash) || ["", "", ""];
    const tab = m[1] || "services";
    let rest;
    try {
      rest = decodeURIComponent(m[2] || "");
    } catch {
      return notFound(location.hash);
    }
    for (const a of document.querySelectorAll("[data-tab]")) a.classList.toggle("active", a.dataset.tab === tab);
    if (tab === "services") return rest ? serviceView(signal, rest) : servicesView(signal);
    if (tab === "nodes") return nodesView(signal);
    if (tab === "kv") return rest === "" || rest.endsWith("/") ? kvFolderView(signal, rest) : kvKeyView(signal, rest);
    notFound(location.hash);
  }

  async function header() {
    try {
      const self = await call("GET", "/v1/agent/self");
      const el = document.getElementById("agent");
      el.textContent = self.Config.NodeName + " · " + self.Config.Datacenter;
      document.title = "disco · " + self.Config.NodeName;
    } catch {
      // The header is decoration; the views report their own connection state.
    }
  }

  window.addEventListener("hashchange", route);
  header();
  route();
})();
`;
