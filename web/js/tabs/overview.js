// Overview: live counters, charts of the last hour, a streaming query log and top lists.

import {get} from "../api.js";
import {lineChart, stackedBars} from "../chart.js";
import {chip, empty, errorBox, fill, formatDuration, formatNumber, formatPercent, formatTime, h, table}
  from "../dom.js";

const KIND_LABELS = {authoritative: "authoritative", cache: "cache", forwarded: "forwarded",
  blocked: "blocked", rate_limited: "rate-limited"};

function card(label, id) {
  return h("div", {class: "stat"}, h("div", {class: "stat-label"}, label),
    h("div", {class: "stat-value", id}, "–"));
}

function topList(title, items, key) {
  const body = items && items.length
    ? h("ol", {class: "top-list"}, items.map((item) => h("li", {},
      h("span", {class: "top-name"}, item[key]), h("span", {class: "top-count"}, formatNumber(item.count)))))
    : h("p", {class: "muted"}, "Nothing yet.");
  return h("section", {class: "panel"}, h("h2", {}, title), body);
}

export default {
  id: "overview",
  title: "Overview",
  async render(view, params, ctx) {
    const cards = h("div", {class: "stats"},
      card("Queries", "st-total"), card("Queries / s", "st-qps"), card("Cache hit rate", "st-hit"),
      card("Blocked", "st-blocked"), card("Upstream failures", "st-upfail"), card("Uptime", "st-uptime"));
    const statsError = h("div");
    let resolution = "minute";
    const qpsBox = h("div", {class: "chart-box"});
    const kindsBox = h("div", {class: "chart-box"});
    const kindsUnit = h("span", {class: "muted small"}, "(answers per minute)");
    const legend = h("ul", {class: "legend"}, Object.values(KIND_LABELS).map((label, i) =>
      h("li", {}, h("span", {class: `swatch kind-${i}`}), label)));
    const rangeSelect = h("select", {"aria-label": "chart range", onchange: (e) => {
      resolution = e.target.value;
      kindsUnit.textContent = resolution === "minute" ? "(answers per minute)" : "(answers per second)";
      loadSeries();
    }}, h("option", {value: "minute"}, "Last hour (per minute)"),
    h("option", {value: "second"}, "Last 10 minutes (per second)"));
    const charts = h("div", {class: "two-col"},
      h("section", {class: "panel"}, h("div", {class: "panel-head"}, h("h2", {}, "Queries per second"), rangeSelect), qpsBox),
      h("section", {class: "panel"}, h("div", {class: "panel-head"}, h("h2", {}, "Answer kinds ", kindsUnit)), kindsBox, legend));
    const liveLog = h("div");
    const tops = h("div", {class: "three-col"});
    fill(view, statsError, cards, charts,
      h("section", {class: "panel"}, h("div", {class: "panel-head"}, h("h2", {}, "Live query log"),
        h("a", {href: "#/logs", class: "btn btn-small"}, "Open query log")), liveLog), tops);

    // Fallback when the server keeps no series: rates computed here from successive stats.
    const local = [];
    let previous = null;
    let serverSeries = true;

    async function loadStats() {
      try {
        const s = await get("/api/stats");
        fill(statsError);
        const now = Date.now() / 1000;
        if (previous) {
          const dt = now - previous.at;
          const point = {t: Math.floor(now), qps: Math.max(0, (s.total - previous.total) / dt)};
          point.qps = Math.round(point.qps * 10) / 10;
          point.queries = s.total - previous.total;
          point.authoritative = s.authoritative - previous.authoritative;
          point.blocked = s.blocked - previous.blocked;
          point.rate_limited = s.rate_limited - previous.rate_limited;
          point.cache = Math.max(0, s.cache_hits - previous.cache_hits);
          point.forwarded = Math.max(0, point.queries - point.authoritative - point.blocked -
            point.rate_limited - point.cache);
          local.push(point);
          if (local.length > 240) local.shift();
        }
        previous = {...s, at: now};
        document.getElementById("st-total").textContent = formatNumber(s.total);
        document.getElementById("st-hit").textContent = formatPercent(s.hit_rate);
        document.getElementById("st-blocked").textContent = formatNumber(s.blocked);
        document.getElementById("st-upfail").textContent = formatNumber(s.upstream_failures);
        document.getElementById("st-uptime").textContent = formatDuration(s.uptime);
        if (!serverSeries) {
          const last = local[local.length - 1];
          document.getElementById("st-qps").textContent = last ? last.qps.toFixed(1) : "0.0";
          drawLocal();
        }
        fill(tops, topList("Top domains", s.top_domains, "name"),
          topList("Top clients", s.top_clients, "client"),
          topList("Top blocked", s.top_blocked, "name"));
      } catch (error) {
        fill(statsError, errorBox(error));
      }
    }

    function draw(points, t0, t1, step, kinds, note) {
      fill(qpsBox, lineChart(points, t0, t1, "queries per second", qpsBox.clientWidth),
        note ? h("p", {class: "muted small"}, note) : null);
      fill(kindsBox, stackedBars(points, kinds, t0, t1, step, "answers by kind", kindsBox.clientWidth));
    }

    function drawLocal() {
      const now = Math.floor(Date.now() / 1000);
      const t0 = local.length ? Math.min(local[0].t, now - 60) : now - 60;
      draw(local, t0, now, 2.5, Object.keys(KIND_LABELS),
        "The server keeps no sample ring; showing rates measured since this page opened.");
    }

    async function loadSeries() {
      if (!serverSeries) return;
      try {
        const series = await get("/api/stats/series", {resolution});
        const span = resolution === "minute" ? 3600 : 600;
        const t1 = series.now;
        const t0 = t1 - span;
        const points = series.points.filter((p) => p.t >= t0);
        draw(points, t0, t1, series.step, series.kinds);
        const last = series.points.filter((p) => p.t < t1);
        const recent = resolution === "second" ? last.slice(-5) : null;
        const qps = recent && recent.length
          ? recent.reduce((a, p) => a + p.qps, 0) / recent.length
          : (last.length ? last[last.length - 1].qps : 0);
        document.getElementById("st-qps").textContent = qps.toFixed(1);
      } catch (error) {
        if (error.status === 404) {
          serverSeries = false;
          rangeSelect.hidden = true;
          kindsUnit.textContent = "(answers per 2.5 s)";
          drawLocal();
        } else {
          fill(qpsBox, errorBox(error));
        }
      }
    }

    async function loadLog() {
      try {
        const phone = window.matchMedia("(max-width: 640px)").matches;
        const page = await get("/api/logs", {limit: phone ? 5 : 12});
        if (!page.items.length) {
          fill(liveLog, empty("No queries yet. Point a client at the DNS port to see them stream in."));
          return;
        }
        fill(liveLog, table([
          {label: "Time", cell: (r) => formatTime(r.time).slice(11), class: "nowrap"},
          {label: "Client", cell: (r) => r.client, phone: "hide"},
          {label: "Name", cell: (r) => r.name, class: "mono wrap"},
          {label: "Type", cell: (r) => chip(r.type, `type-${r.type}`)},
          {label: "Answer", cell: (r) => chip(r.answered_by, `kind-${r.answered_by}`)},
          {label: "Rcode", cell: (r) => r.rcode, phone: "hide"},
        ], page.items));
      } catch (error) {
        fill(liveLog, errorBox(error));
      }
    }

    await Promise.all([loadStats(), loadLog()]);
    await loadSeries();
    setTimeout(() => { if (ctx.alive) loadStats(); }, 600);
    ctx.every(2500, loadStats);
    ctx.every(2000, loadLog);
    ctx.every(resolution === "second" ? 2000 : 5000, loadSeries);
  },
};
