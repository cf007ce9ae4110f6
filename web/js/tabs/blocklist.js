// Blocklist: search, block, bulk import with counts, unblock; the allowlist; list sources.

import {ApiError, del, get, post, seg} from "../api.js";
import {button, chip, debounce, empty, errorBox, field, fill, formatNumber, formatTime, h, inlineForm,
  pager, table, toast} from "../dom.js";
import {confirmAction} from "../modal.js";

const LIMIT = 50;

function responseSelect(name = "response") {
  return h("select", {name},
    h("option", {value: "zero"}, "zero (0.0.0.0 / ::)"),
    h("option", {value: "nxdomain"}, "nxdomain"));
}

function blockedSection() {
  let offset = 0;
  let q = "";
  const list = h("div");
  const search = h("input", {type: "search", id: "block-search", placeholder: "Search blocked domains",
    "aria-label": "search blocked domains"});
  search.addEventListener("input", debounce(() => { q = search.value.trim(); offset = 0; load(); }));
  const form = inlineForm("block-form", [
    field("Domain", h("input", {name: "domain", placeholder: "ads.example.com or *.tracker.example",
      autocomplete: "off", spellcheck: "false"})),
    field("Response", responseSelect()),
  ], "Block", async (f) => {
    const domain = f.domain.value.trim();
    if (!domain) throw new ApiError(400, "enter a domain", "domain");
    const entry = await post("/api/blocklist", {domain, response: f.response.value});
    toast(`${entry.domain} blocked`);
    f.domain.value = "";
    load();
  });
  const bulkResult = h("p", {class: "result", "aria-live": "polite"});
  const bulk = inlineForm("bulk-form", [
    field("Bulk import", h("textarea", {name: "domains", rows: "5", class: "mono", spellcheck: "false",
      placeholder: "one domain per line, or hosts-file lines:\nads.example.com\n0.0.0.0 tracker.example.net"}),
    "Hosts-file lines and # comments are accepted."),
    field("Response", responseSelect()),
  ], "Import", async (f) => {
    const lines = f.domains.value.split(/\r?\n/).filter((l) => l.trim());
    if (!lines.length) throw new ApiError(400, "paste at least one domain", "domains");
    const counts = await post("/api/blocklist/import", {domains: lines, response: f.response.value});
    bulkResult.textContent = `${formatNumber(counts.added)} added · ${formatNumber(counts.duplicate)} already blocked · ${formatNumber(counts.invalid)} invalid`;
    f.domains.value = "";
    load();
  });

  async function load() {
    let page;
    try {
      page = await get("/api/blocklist", {q, limit: LIMIT, offset});
    } catch (error) {
      fill(list, errorBox(error));
      return;
    }
    if (!page.items.length) {
      fill(list, empty(q ? "No blocked domain matches." : "Nothing is blocked. Block a domain above, or import a list."));
      return;
    }
    fill(list, h("p", {class: "muted small"}, `${formatNumber(page.total)} blocked`), table([
      {label: "Domain", cell: (e) => h("span", {class: "mono"}, e.domain), class: "wrap grow"},
      {label: "Response", cell: (e) => chip(e.response, `resp-${e.response}`)},
      {label: "Source", cell: (e) => e.source_id ? `list #${e.source_id}` : "manual"},
      {label: "Added", cell: (e) => formatTime(e.added), class: "nowrap"},
      {label: "", class: "actions", cell: (e) => button("Unblock", async () => {
        try {
          await del(`/api/blocklist/${seg(e.domain)}`);
          toast(`${e.domain} unblocked`);
        } catch (error) {
          toast(error.message, "error");
        }
        load();
      }, "btn btn-small", {"aria-label": `Unblock ${e.domain}`})},
    ], page.items), pager(offset, LIMIT, page.total, (o) => { offset = o; load(); }));
  }
  const section = h("section", {class: "panel"}, h("h2", {}, "Blocked domains"), form,
    h("details", {class: "bulk"}, h("summary", {}, "Bulk import"), bulk, bulkResult),
    h("div", {class: "toolbar"}, search), list);
  return {section, load};
}

function allowSection() {
  let offset = 0;
  const list = h("div");
  const form = inlineForm("allow-form", [
    field("Domain", h("input", {name: "domain", placeholder: "good.example.com", autocomplete: "off",
      spellcheck: "false"})),
  ], "Allow", async (f) => {
    const domain = f.domain.value.trim();
    if (!domain) throw new ApiError(400, "enter a domain", "domain");
    const entry = await post("/api/allowlist", {domain});
    toast(`${entry.domain} allowed`);
    f.domain.value = "";
    load();
  });
  async function load() {
    let page;
    try {
      page = await get("/api/allowlist", {limit: 20, offset});
    } catch (error) {
      fill(list, errorBox(error));
      return;
    }
    if (!page.items.length) {
      fill(list, empty("No exceptions. An allowed domain is answered even when a list blocks it."));
      return;
    }
    fill(list, table([
      {label: "Domain", cell: (e) => h("span", {class: "mono"}, e.domain), class: "wrap grow"},
      {label: "Added", cell: (e) => formatTime(e.added), class: "nowrap"},
      {label: "", class: "actions", cell: (e) => button("Remove", async () => {
        try {
          await del(`/api/allowlist/${seg(e.domain)}`);
          toast(`${e.domain} removed from the allowlist`);
        } catch (error) {
          toast(error.message, "error");
        }
        load();
      }, "btn btn-small", {"aria-label": `Remove ${e.domain} from the allowlist`})},
    ], page.items), pager(offset, 20, page.total, (o) => { offset = o; load(); }));
  }
  return {section: h("section", {class: "panel"}, h("h2", {}, "Allowlist"), form, list), load};
}

function sourcesSection() {
  const list = h("div");
  const form = inlineForm("source-form", [
    field("List URL", h("input", {name: "url", type: "url", placeholder: "https://example.net/hosts.txt",
      autocomplete: "off", spellcheck: "false"})),
    field("Refresh", h("input", {name: "refresh", value: "24h", autocomplete: "off"})),
    field("Response", responseSelect()),
  ], "Add list", async (f) => {
    const url = f.url.value.trim();
    if (!url) throw new ApiError(400, "enter the list's URL", "url");
    const refresh = f.refresh.value.trim();
    const body = {url, response: f.response.value};
    if (refresh) body.refresh = /^\d+$/.test(refresh) ? Number(refresh) : refresh;
    await post("/api/blocklist/sources", body);
    toast("list added; it is fetched shortly");
    f.url.value = "";
    load();
  });
  async function load() {
    let page;
    try {
      page = await get("/api/blocklist/sources", {limit: 100});
    } catch (error) {
      fill(list, errorBox(error));
      return;
    }
    if (!page.items.length) {
      fill(list, empty("No list sources. Add a hosts-file URL to block what it lists, refreshed on a schedule."));
      return;
    }
    fill(list, table([
      {label: "URL", cell: (s) => h("span", {class: "mono"}, s.url), class: "wrap grow"},
      {label: "Domains", cell: (s) => formatNumber(s.count), class: "num"},
      {label: "Refresh", cell: (s) => `${Math.round(s.refresh / 3600 * 10) / 10} h`, class: "num"},
      {label: "Last update", cell: (s) => s.last_update ? formatTime(s.last_update) : "never", class: "nowrap"},
      {label: "Error", cell: (s) => s.last_error ? h("span", {class: "text-error"}, s.last_error) : "–", class: "wrap"},
      {label: "", class: "actions", cell: (s) => button("Delete", async () => {
        if (!await confirmAction("Delete list source", `Forget ${s.url} and the ${s.count} domains it brought?`)) return;
        try {
          await del(`/api/blocklist/sources/${s.id}`);
          toast("list source deleted");
        } catch (error) {
          toast(error.message, "error");
        }
        load();
      }, "btn btn-small btn-danger-quiet", {"aria-label": `Delete source ${s.url}`})},
    ], page.items));
  }
  return {section: h("section", {class: "panel"}, h("h2", {}, "List sources"), form, list), load};
}

export default {
  id: "blocklist",
  title: "Blocklist",
  async render(view) {
    const parts = [blockedSection(), allowSection(), sourcesSection()];
    fill(view, parts.map((p) => p.section));
    await Promise.all(parts.map((p) => p.load()));
  },
};
