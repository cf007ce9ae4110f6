// Building the page: every value from the server goes in as text (textContent), never as HTML.

/** Make an element: h("td", {class: "x", onclick: f}, "text", child, ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked" || key === "disabled" || key === "selected") {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A chip for a record type, answer kind or status; colour comes from its class. */
export function chip(text, kind) {
  const slug = String(kind || text).toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return h("span", {class: `chip chip-${slug}`}, text);
}

/** A form field: label, control, hint and a place for its error. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const err = h("div", {class: "field-error", id: `${id}-err`, "aria-live": "polite"});
  control.setAttribute("aria-describedby", `${id}-err`);
  const wrap = h("div", {class: "field", dataset: {name: control.name || ""}},
    h("label", {for: id}, label), control,
    hint ? h("div", {class: "hint", id: `${id}-hint`}, hint) : null, err);
  return wrap;
}

/** Show an API error in a form: on its field when the API named one, else at the top. */
export function showFormError(form, error) {
  clearFormErrors(form);
  const name = error && error.field;
  const control = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  const message = error && error.message ? error.message : String(error);
  if (control) {
    control.setAttribute("aria-invalid", "true");
    const err = form.querySelector(`#${CSS.escape(control.id)}-err`);
    if (err) err.textContent = message;
    control.focus();
  } else {
    const box = form.querySelector(".form-error");
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
  }
}

export function clearFormErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll(".form-error")) {
    el.textContent = "";
    el.hidden = true;
  }
}

/** A place for an error shown where the thing that failed was. */
export function errorBox(error) {
  let message = error && error.message ? error.message : String(error);
  if (error && error.status === 401) message = `Not signed in: ${message}`;
  if (error && error.status === 403) message = `Not allowed with this key: ${message}`;
  return h("div", {class: "error-box", role: "alert"}, message);
}

export function empty(text, ...extra) {
  return h("div", {class: "empty"}, h("p", {}, text), ...extra);
}

/**
 * A table that turns into cards on a phone: each cell carries its column's label.
 * columns: [{label, cell(row) -> node|text, class, phone: "hide" | "only"}]
 */
export function table(columns, rows, opts = {}) {
  const cls = (c) => [c.class, c.phone ? `phone-${c.phone}` : null].filter(Boolean).join(" ") || null;
  const head = h("tr", {}, columns.map((c) => h("th", {scope: "col", class: cls(c)}, c.label)));
  const body = rows.map((row) => h("tr", {class: opts.rowClass ? opts.rowClass(row) : null},
    columns.map((c) => h("td", {class: cls(c), dataset: {label: c.label}}, c.cell(row)))));
  return h("div", {class: "table-wrap"},
    h("table", {class: "grid"}, h("thead", {}, head), h("tbody", {}, body)));
}

/** Paging controls: "1–50 of 230" with previous / next. */
export function pager(offset, limit, total, go) {
  if (total <= limit && offset === 0) return null;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  return h("nav", {class: "pager", "aria-label": "pages"},
    h("button", {type: "button", class: "btn", disabled: offset === 0,
      onclick: () => go(Math.max(0, offset - limit))}, "‹ Previous"),
    h("span", {class: "pager-info"}, `${first}–${last} of ${total}`),
    h("button", {type: "button", class: "btn", disabled: last >= total,
      onclick: () => go(offset + limit)}, "Next ›"));
}

/** A button. */
export function button(text, onclick, cls = "btn", attrs = {}) {
  return h("button", {type: "button", class: cls, onclick, ...attrs}, text);
}

/** A short-lived message at the bottom of the screen. */
export function toast(text, kind = "ok") {
  const host = document.getElementById("toasts");
  const el = h("div", {class: `toast toast-${kind}`, role: "status"}, text);
  host.append(el);
  setTimeout(() => el.remove(), 4000);
}

export function formatNumber(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return Number(n).toLocaleString("en-US");
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return "–";
  return `${(ratio * 100).toFixed(1)} %`;
}

export function formatDuration(seconds) {
  let s = Math.floor(seconds || 0);
  const d = Math.floor(s / 86400); s %= 86400;
  const hh = Math.floor(s / 3600); s %= 3600;
  const mm = Math.floor(s / 60); s %= 60;
  if (d) return `${d}d ${hh}h ${mm}m`;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${s}s`;
  return `${s}s`;
}

/** An ISO date or epoch seconds as local "YYYY-MM-DD HH:MM:SS". */
export function formatTime(value) {
  if (value === null || value === undefined || value === "") return "–";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Debounce for search boxes. */
export function debounce(fn, ms = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A one-line form that posts and shows its error in place. */
export function inlineForm(id, fields, label, submit) {
  const formError = h("div", {class: "form-error", role: "alert", hidden: true});
  const form = h("form", {class: "compose", id}, formError, fields,
    h("div", {class: "field field-button"}, h("button", {type: "submit", class: "btn btn-primary"}, label)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    try {
      await submit(form.elements, form);
    } catch (error) {
      showFormError(form, error);
    }
  });
  return form;
}
