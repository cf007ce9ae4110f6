// Keys: scoped API keys (the secret is shown once, at creation) and the audit log.

import {ApiError, del, get, post, seg} from "../api.js";
import {button, chip, debounce, empty, errorBox, field, fill, formatTime, h, inlineForm, pager, table, toast}
  from "../dom.js";
import {confirmAction, openModal} from "../modal.js";

function showSecret(key) {
  const secret = h("input", {readonly: true, value: key.secret, class: "mono secret-once",
    id: "new-secret", "aria-label": "secret"});
  const copy = button("Copy", async () => {
    try {
      await navigator.clipboard.writeText(key.secret);
      copy.textContent = "Copied";
    } catch {
      secret.select();
    }
  }, "btn");
  return openModal({
    title: `Key ${key.name} created`,
    cancel: "Done",
    body: [
      h("p", {class: "warn"}, "Copy the secret now: it is shown only this once and cannot be read again."),
      h("div", {class: "copy-row"}, secret, copy),
      h("p", {class: "muted small"}, `Scope ${key.scope}. Use it as "Authorization: Bearer SECRET".`),
    ],
  });
}

/** One line saying what changed: a record's name, type and data, a domain, or the JSON. */
function summary(entry) {
  const value = entry.after !== null && entry.after !== undefined ? entry.after : entry.before;
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return String(value);
  if (value.type && value.rdata !== undefined) return `${value.name} ${value.type} ${value.rdata}`;
  if (value.domain) return value.domain;
  if (value.name && value.scope) return `${value.name} (${value.scope})`;
  if (value.name) return value.name;
  if (value.address) return `${value.address}:${value.port}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function detail(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export default {
  id: "keys",
  title: "Keys & audit",
  async render(view) {
    const keyList = h("div");
    const form = inlineForm("key-form", [
      field("Name", h("input", {name: "name", placeholder: "ci-deploy", autocomplete: "off", spellcheck: "false"})),
      field("Scope", h("select", {name: "scope"},
        h("option", {value: "read"}, "read: GET only"),
        h("option", {value: "write"}, "write: zones, records, blocklist, cache"),
        h("option", {value: "admin"}, "admin: everything"))),
    ], "Create key", async (f) => {
      const name = f.name.value.trim();
      if (!name) throw new ApiError(400, "enter a name for the key", "name");
      const key = await post("/api/keys", {name, scope: f.scope.value});
      f.name.value = "";
      await showSecret(key);
      loadKeys();
      loadAudit();
    });
    let offset = 0;
    const filters = {actor: "", action: "", target: ""};
    const auditList = h("div");
    const filterInput = (name, placeholder) => {
      const el = h("input", {type: "search", placeholder, "aria-label": `filter audit by ${name}`});
      el.addEventListener("input", debounce(() => { filters[name] = el.value.trim(); offset = 0; loadAudit(); }));
      return el;
    };
    fill(view,
      h("section", {class: "panel"}, h("h2", {}, "API keys"), form, keyList),
      h("section", {class: "panel"}, h("h2", {}, "Audit log"),
        h("div", {class: "toolbar"}, filterInput("actor", "Who, e.g. key:ci"),
          filterInput("action", "Action, e.g. add-record"), filterInput("target", "Target")),
        auditList));

    async function loadKeys() {
      let page;
      try {
        page = await get("/api/keys", {limit: 1000});
      } catch (error) {
        fill(keyList, errorBox(error));
        return;
      }
      if (!page.items.length) {
        fill(keyList, empty("No keys. Give scripts a read or write key instead of the admin token."));
        return;
      }
      fill(keyList, table([
        {label: "Name", cell: (k) => k.name, class: "strong"},
        {label: "Scope", cell: (k) => chip(k.scope, `scope-${k.scope}`)},
        {label: "Created", cell: (k) => formatTime(k.created), class: "nowrap"},
        {label: "Secret", cell: () => h("span", {class: "muted"}, "shown once at creation")},
        {label: "", class: "actions", cell: (k) => button("Revoke", async () => {
          if (!await confirmAction("Revoke key", `Revoke ${k.name}? Calls using it fail from now on.`, "Revoke")) return;
          try {
            await del(`/api/keys/${seg(k.name)}`);
            toast(`key ${k.name} revoked`);
          } catch (error) {
            toast(error.message, "error");
          }
          loadKeys();
          loadAudit();
        }, "btn btn-small btn-danger-quiet", {"aria-label": `Revoke ${k.name}`})},
      ], page.items));
    }

    async function loadAudit() {
      let page;
      try {
        page = await get("/api/audit", {...filters, limit: 25, offset});
      } catch (error) {
        fill(auditList, errorBox(error));
        return;
      }
      if (!page.items.length) {
        fill(auditList, empty("No changes recorded yet."));
        return;
      }
      fill(auditList, table([
        {label: "When", cell: (a) => formatTime(a.time), class: "nowrap"},
        {label: "Who", cell: (a) => a.actor},
        {label: "Action", cell: (a) => h("code", {}, a.action)},
        {label: "Target", cell: (a) => h("span", {class: "mono"}, a.target), class: "wrap"},
        {label: "Change", cell: (a) => h("details", {class: "change"},
          h("summary", {}, h("span", {class: "mono"}, summary(a))),
          a.before !== null ? h("pre", {class: "mono"}, "before: ", detail(a.before)) : null,
          a.after !== null ? h("pre", {class: "mono"}, "after: ", detail(a.after)) : null), class: "wrap grow"},
      ], page.items), pager(offset, 25, page.total, (o) => { offset = o; loadAudit(); }));
    }
    await Promise.all([loadKeys(), loadAudit()]);
  },
};
