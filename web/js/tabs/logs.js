// Query log: newest first, filtered by client, name and answer kind; pause and refresh.

import {get} from "../api.js";
import {button, chip, debounce, empty, errorBox, fill, formatTime, h, pager, table} from "../dom.js";

const LIMIT = 50;
const KINDS = ["authoritative", "cache", "upstream", "blocked", "refused", "rate-limited", "stale"];

export default {
  id: "logs",
  title: "Query log",
  async render(view, params, ctx) {
    let offset = 0;
    let paused = false;
    const filters = {client: "", name: "", answered_by: ""};
    const list = h("div");
    const status = h("span", {class: "muted small", "aria-live": "polite"});
    const pause = button("Pause", () => {
      paused = !paused;
      pause.textContent = paused ? "Resume" : "Pause";
      pause.setAttribute("aria-pressed", String(paused));
      status.textContent = paused ? "paused" : "live: refreshing every 2 s";
    }, "btn", {id: "log-pause", "aria-pressed": "false"});
    const input = (name, placeholder) => {
      const el = h("input", {type: "search", name, placeholder, "aria-label": `filter by ${name}`,
        autocomplete: "off", spellcheck: "false"});
      el.addEventListener("input", debounce(() => { filters[name] = el.value.trim(); offset = 0; load(); }));
      return el;
    };
    const kind = h("select", {name: "answered_by", "aria-label": "filter by answer kind", id: "log-kind",
      onchange: (e) => { filters.answered_by = e.target.value; offset = 0; load(); }},
    h("option", {value: ""}, "All answers"), KINDS.map((k) => h("option", {value: k}, k)));
    fill(view, h("div", {class: "toolbar"},
      input("client", "Client address"), input("name", "Exact name, e.g. www.example.com"), kind,
      h("span", {class: "spacer"}), status, pause,
      button("Refresh", () => load(), "btn", {id: "log-refresh"})), list);
    status.textContent = "live: refreshing every 2 s";

    async function load() {
      let page;
      try {
        page = await get("/api/logs", {...filters, limit: LIMIT, offset});
      } catch (error) {
        fill(list, errorBox(error));
        return;
      }
      if (!page.items.length) {
        const filtered = Object.values(filters).some(Boolean);
        fill(list, empty(filtered ? "No query matches these filters."
          : "No queries logged yet. Queries to the DNS port show up here within a second or two."));
        return;
      }
      fill(list, table([
        {label: "Time", cell: (r) => formatTime(r.time), class: "nowrap"},
        {label: "Client", cell: (r) => h("span", {class: "mono"}, r.client)},
        {label: "Proto", cell: (r) => r.protocol, phone: "hide"},
        {label: "Name", cell: (r) => h("span", {class: "mono"}, r.name), class: "wrap grow"},
        {label: "Type", cell: (r) => chip(r.type, `type-${r.type}`)},
        {label: "Rcode", cell: (r) => chip(r.rcode, `rcode-${r.rcode}`)},
        {label: "Answered by", cell: (r) => chip(r.answered_by, `kind-${r.answered_by}`)},
        {label: "ms", cell: (r) => Number(r.duration_ms).toFixed(1), class: "num", phone: "hide"},
      ], page.items), pager(offset, LIMIT, page.total, (o) => { offset = o; load(); }));
    }
    await load();
    ctx.every(2000, () => {
      if (!paused && offset === 0) load();
    });
  },
};
