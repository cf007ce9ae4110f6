// Small SVG charts drawn by hand (no library): a line with area, and stacked bars.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

let W = 600;
const H = 180;
const PAD = {left: 40, right: 8, top: 10, bottom: 22};

function niceMax(value) {
  if (value <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= value) return m * exp;
  return 10 * exp;
}

function shortNumber(n) {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toFixed(2)}`;
}

function clock(t) {
  const d = new Date(t * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function frame(svg, maxY, t0, t1, label) {
  const plotH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + plotH - (plotH * i) / 4;
    svg.append(s("line", {x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "grid-line"}));
    svg.append(s("text", {x: PAD.left - 6, y: y + 4, class: "axis", "text-anchor": "end"},
      shortNumber((maxY * i) / 4)));
  }
  svg.append(s("text", {x: PAD.left, y: H - 5, class: "axis"}, clock(t0)));
  svg.append(s("text", {x: W - PAD.right, y: H - 5, class: "axis", "text-anchor": "end"},
    clock(t1)));
  svg.setAttribute("aria-label", label);
}

/** The SVG, as wide in user units as its box is in pixels, so text is never stretched. */
function base(label, width) {
  W = Math.max(Math.round(width || 600), 200);
  return s("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label});
}

/** Queries per second as a line over [t0, t1]; points: [{t, qps}]. */
export function lineChart(points, t0, t1, label, width) {
  const svg = base(label, width);
  const maxY = niceMax(Math.max(0, ...points.map((p) => p.qps)));
  frame(svg, maxY, t0, t1, label);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (t) => PAD.left + (plotW * (t - t0)) / Math.max(t1 - t0, 1);
  const y = (v) => PAD.top + plotH - (plotH * v) / maxY;
  if (points.length) {
    const line = points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.qps).toFixed(1)}`).join(" ");
    const area = `${line} L${x(points[points.length - 1].t).toFixed(1)},${y(0)} L${x(points[0].t).toFixed(1)},${y(0)} Z`;
    svg.append(s("path", {d: area, class: "area"}));
    svg.append(s("path", {d: line, class: "line"}));
  }
  for (const p of points) {
    const title = s("title", {}, `${clock(p.t)}  ${p.qps} q/s`);
    const dot = s("circle", {cx: x(p.t), cy: y(p.qps), r: 6, class: "hover-dot"});
    dot.append(title);
    svg.append(dot);
  }
  return svg;
}

/** Answer kinds as stacked bars, one per point; kinds: [name], points: [{t, [kind]: n}]. */
export function stackedBars(points, kinds, t0, t1, step, label, width) {
  const svg = base(label, width);
  const totals = points.map((p) => kinds.reduce((sum, k) => sum + (p[k] || 0), 0));
  const maxY = niceMax(Math.max(0, ...totals));
  frame(svg, maxY, t0, t1, label);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slots = Math.max(Math.round((t1 - t0) / step), 1);
  const bw = Math.max(plotW / slots - 1, 1);
  points.forEach((p) => {
    const x = Math.min(PAD.left + (plotW * (p.t - t0)) / Math.max(t1 - t0, 1), W - PAD.right - bw);
    let top = PAD.top + plotH;
    kinds.forEach((k, ki) => {
      const v = p[k] || 0;
      if (!v) return;
      const hgt = (plotH * v) / maxY;
      top -= hgt;
      const rect = s("rect", {x: x.toFixed(1), y: top.toFixed(1), width: bw.toFixed(1),
        height: hgt.toFixed(1), class: `bar kind-${ki}`});
      rect.append(s("title", {}, `${clock(p.t)}  ${k.replace("_", " ")}: ${v}`));
      svg.append(rect);
    });
  });
  return svg;
}
