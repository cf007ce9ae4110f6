// Cache: size, capacity, hit rate, hits and misses of the forwarding cache; flush it.

import {del, get} from "../api.js";
import {button, errorBox, fill, formatNumber, formatPercent, h, toast} from "../dom.js";
import {confirmAction} from "../modal.js";

function stat(label, value, id) {
  return h("div", {class: "stat"}, h("div", {class: "stat-label"}, label),
    h("div", {class: "stat-value", id}, value));
}

export default {
  id: "cache",
  title: "Cache",
  async render(view, params, ctx) {
    const numbers = h("div");
    const flush = button("Flush cache", async () => {
      if (!await confirmAction("Flush cache", "Drop every cached answer? The next queries go upstream again.", "Flush")) return;
      try {
        await del("/api/cache");
        toast("cache flushed");
      } catch (error) {
        toast(error.message, "error");
      }
      load();
    }, "btn btn-danger", {id: "flush-cache"});
    fill(view, numbers, h("div", {class: "toolbar"}, flush,
      h("span", {class: "muted small"}, "Only forwarded answers are cached; your zones are always answered from the database.")));

    async function load() {
      try {
        const c = await get("/api/cache/stats");
        const fillRatio = c.capacity ? c.entries / c.capacity : 0;
        fill(numbers, h("div", {class: "stats"},
          stat("Entries", formatNumber(c.entries), "cache-entries"),
          stat("Capacity", c.capacity ? formatNumber(c.capacity) : "unbounded", "cache-capacity"),
          stat("Hit rate", formatPercent(c.hit_rate), "cache-hit-rate"),
          stat("Hits", formatNumber(c.hits), "cache-hits"),
          stat("Misses", formatNumber(c.misses), "cache-misses")),
        h("div", {class: "meter", role: "meter", "aria-label": "cache fill",
          "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(fillRatio * 100))},
        h("div", {class: "meter-bar", style: `width: ${Math.min(100, fillRatio * 100).toFixed(1)}%`})),
        h("p", {class: "muted small"}, `${(fillRatio * 100).toFixed(1)} % full`));
      } catch (error) {
        fill(numbers, errorBox(error));
      }
    }
    await load();
    ctx.every(3000, load);
  },
};
