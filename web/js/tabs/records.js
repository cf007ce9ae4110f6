// Records: one zone's records with type chips and search; add / edit modal; zone-file import / export.

import {ApiError, del, get, post, put, seg, withQuery} from "../api.js";
import {button, chip, debounce, empty, errorBox, field, fill, h, pager, table, toast}
  from "../dom.js";
import {confirmAction, openModal} from "../modal.js";
import {createZoneModal, loadZones} from "./zones.js";

const LIMIT = 50;

export const TYPES = {
  A: ["IPv4 address", "192.0.2.10"],
  AAAA: ["IPv6 address", "2001:db8::10"],
  CNAME: ["target name (no other records may share this name)", "www.example.com"],
  MX: ["priority and mail host", "10 mail.example.com"],
  NS: ["nameserver host", "ns1.example.com"],
  TXT: ["free text; over 255 bytes is split into strings; start with \" for zone-file strings", "v=spf1 mx -all"],
  SOA: ["mname rname serial refresh retry expire minimum (apex only)", "ns1.example.com admin.example.com 1 3600 900 604800 86400"],
  SRV: ["priority weight port target", "10 60 5060 sip.example.com"],
  CAA: ["flags tag value", "0 issue \"letsencrypt.org\""],
  PTR: ["target name", "host.example.com"],
  SPF: ["same as TXT", "v=spf1 ip4:192.0.2.0/24 -all"],
  NAPTR: ["order preference flags service regexp replacement", "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."],
};

export function relative(name, zone) {
  if (name === zone) return "@";
  return name.endsWith(`.${zone}`) ? name.slice(0, -(zone.length + 1)) : `${name}.`;
}

function intOrText(text) {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** The add / edit modal. record null means add. */
export function recordModal(zone, record, preset = {}) {
  const editing = Boolean(record);
  const type = h("select", {name: "type", disabled: editing},
    Object.keys(TYPES).map((t) => h("option", {value: t, selected: (record ? record.type : preset.type || "A") === t}, t)));
  const rdata = h("input", {name: "rdata", required: true, autocomplete: "off", spellcheck: "false",
    value: record ? record.rdata : ""});
  const hint = h("span");
  const example = h("code");
  const hintLine = h("span", {}, hint, " — e.g. ", example);
  function updateHint() {
    const [text, ex] = TYPES[type.value];
    hint.textContent = text;
    example.textContent = ex;
    rdata.placeholder = ex;
  }
  type.addEventListener("change", updateHint);
  updateHint();
  const enabled = h("input", {type: "checkbox", name: "enabled", checked: record ? record.enabled : true});
  return openModal({
    title: editing ? `Edit ${record.type} record` : `Add record to ${zone}`,
    submit: editing ? "Save" : "Add record",
    wide: true,
    body: [
      h("div", {class: "row"},
        field("Name", h("input", {name: "name", required: true, autocomplete: "off", spellcheck: "false",
          value: record ? relative(record.name, zone) : (preset.name || ""), placeholder: "www",
          disabled: editing}), editing ? null : `@ for the apex; relative to ${zone}, or absolute with a final dot`),
        field("Type", type)),
      field("Data (rdata)", rdata, hintLine),
      h("div", {class: "row row-3"},
        field("TTL", h("input", {name: "ttl", value: record ? String(record.ttl) : "",
          placeholder: "zone default", autocomplete: "off"}), "seconds or 1h, 1d"),
        field("Weight", h("input", {name: "weight", value: record ? String(record.weight) : "0",
          inputmode: "numeric", autocomplete: "off"}), "0: always; >0: weighted pick"),
        field("Geo", h("input", {name: "geo", value: record && record.geo ? record.geo : "",
          placeholder: "any", maxlength: "7", autocomplete: "off"}), "ISO country (DE) or default")),
      h("label", {class: "check"}, enabled, " Enabled (served in answers)"),
    ],
    async onSubmit(form) {
      const f = form.elements;
      const body = {rdata: f.rdata.value.trim()};
      if (!body.rdata) throw new ApiError(400, "enter the record data", "rdata");
      if (f.ttl.value.trim()) body.ttl = intOrText(f.ttl.value);
      const weight = f.weight.value.trim();
      if (weight !== "") {
        if (!/^\d+$/.test(weight)) throw new ApiError(400, `invalid weight '${weight}': expected a whole number`, "weight");
        body.weight = Number(weight);
      }
      const geo = f.geo.value.trim();
      body.geo = geo || null;
      body.enabled = f.enabled.checked;
      if (editing) return put(`/api/records/${record.id}`, body);
      body.name = f.name.value.trim();
      if (!body.name) throw new ApiError(400, "enter a name (@ for the apex)", "name");
      body.type = f.type.value;
      if (body.geo === null) delete body.geo;
      return post(`/api/zones/${seg(zone)}/records`, body);
    },
  });
}

function importModal(zone) {
  const text = h("textarea", {name: "body", rows: "12", class: "mono", spellcheck: "false",
    placeholder: `$ORIGIN ${zone}.\n$TTL 3600\n@  IN SOA ns1.${zone}. admin.${zone}. 1 3600 900 604800 86400\nwww IN A 192.0.2.10`});
  const file = h("input", {type: "file", name: "file", accept: ".zone,.txt,.db,text/plain"});
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (!chosen) return;
    chosen.text().then((content) => { text.value = content; });
  });
  return openModal({
    title: `Import zone file into ${zone}`,
    submit: "Import",
    wide: true,
    body: [
      field("Zone file (BIND master format)", text, "Paste it, or choose a file below. Ctrl+Enter imports."),
      field("Or upload a file", file),
      h("label", {class: "check"}, h("input", {type: "checkbox", name: "replace"}),
        " Replace: delete the zone's current records first"),
    ],
    async onSubmit(form) {
      const body = form.elements.body.value;
      if (!body.trim()) throw new ApiError(400, "paste a zone file or choose one", "body");
      const replace = form.elements.replace.checked ? 1 : "";
      return post(withQuery(`/api/zones/${seg(zone)}/import`, {replace}), body);
    },
  });
}

async function exportZone(zone) {
  try {
    const text = await get(`/api/zones/${seg(zone)}/export`);
    const url = URL.createObjectURL(new Blob([text], {type: "text/plain"}));
    const a = h("a", {href: url, download: `${zone}.zone`});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (error) {
    toast(error.message, "error");
  }
}

export default {
  id: "records",
  title: "Records",
  async render(view, params, ctx) {
    const zones = await loadZones(view);
    if (zones === null) return;
    if (!zones.length) {
      fill(view, empty("There are no zones yet: create one, then add its records here.",
        button("Create zone", async () => {
          const zone = await createZoneModal();
          if (zone) ctx.navigate(`#/records/${seg(zone.name)}`);
        }, "btn btn-primary")));
      return;
    }
    const zone = zones.some((z) => z.name === params[0]) ? params[0] : zones[0].name;
    let offset = 0;
    let query = "";
    let typeFilter = "";
    const zoneSelect = h("select", {id: "zone-select", "aria-label": "zone",
      onchange: (e) => ctx.navigate(`#/records/${seg(e.target.value)}`)},
    zones.map((z) => h("option", {value: z.name, selected: z.name === zone}, z.name)));
    const search = h("input", {type: "search", id: "record-search", placeholder: "Search name or data",
      "aria-label": "search records"});
    search.addEventListener("input", debounce(() => { query = search.value.trim().toLowerCase(); offset = 0; load(); }));
    const typeSelect = h("select", {"aria-label": "type filter", onchange: (e) => {
      typeFilter = e.target.value; offset = 0; load();
    }}, h("option", {value: ""}, "All types"), Object.keys(TYPES).map((t) => h("option", {value: t}, t)));
    const summary = h("p", {class: "muted small"});
    const list = h("div");
    fill(view,
      h("div", {class: "toolbar"},
        h("label", {class: "inline-label"}, "Zone ", zoneSelect),
        search, typeSelect,
        h("span", {class: "spacer"}),
        button("Import", async () => {
          const result = await importModal(zone);
          if (result) {
            toast(`imported: ${result.added} added, ${result.duplicates} duplicate, ${result.deleted} deleted · serial ${result.serial}`);
            load();
          }
        }, "btn", {id: "import-zone"}),
        button("Export", () => exportZone(zone), "btn", {id: "export-zone"}),
        button("+ Add record", async () => {
          if (await recordModal(zone, null)) { toast("record added"); load(); }
        }, "btn btn-primary", {id: "add-record"})),
      summary, list);

    async function fetchRows() {
      const filter = {type: typeFilter};
      if (!query) return get(`/api/zones/${seg(zone)}/records`, {...filter, limit: LIMIT, offset});
      const all = await get(`/api/zones/${seg(zone)}/records`, {...filter, limit: 10000});
      const hits = all.items.filter((r) => r.name.includes(query) || r.rdata.toLowerCase().includes(query)
        || r.type.toLowerCase() === query);
      return {items: hits.slice(offset, offset + LIMIT), total: hits.length};
    }

    async function load() {
      let page;
      try {
        page = await fetchRows();
      } catch (error) {
        fill(list, errorBox(error));
        return;
      }
      const z = await get(`/api/zones/${seg(zone)}`).catch(() => null);
      summary.textContent = z ? `${z.records} records · serial ${z.serial ?? "– (no SOA)"} · default TTL ${z.ttl}` : "";
      if (!page.items.length) {
        fill(list, query || typeFilter ? empty("No records match.")
          : empty(`${zone} has no records yet.`, button("Add a record", async () => {
            if (await recordModal(zone, null)) load();
          }, "btn btn-primary")));
        return;
      }
      fill(list, table([
        {label: "Name", cell: (r) => h("span", {class: "mono", title: r.name}, relative(r.name, zone)), class: "wrap"},
        {label: "Type", cell: (r) => chip(r.type, `type-${r.type}`)},
        {label: "Data", cell: (r) => h("span", {class: "mono rdata"}, r.rdata), class: "wrap grow"},
        {label: "TTL", cell: (r) => String(r.ttl), class: "num", phone: "hide"},
        {label: "Weight", cell: (r) => String(r.weight), class: "num", phone: "hide"},
        {label: "Geo", cell: (r) => r.geo || "–", phone: "hide"},
        {label: "TTL · wt · geo", phone: "only",
          cell: (r) => `${r.ttl} · ${r.weight} · ${r.geo || "any"}`},
        {label: "Enabled", cell: (r) => h("input", {type: "checkbox", checked: r.enabled,
          "aria-label": `enabled: ${r.name} ${r.type}`, onchange: async (e) => {
            try {
              await put(`/api/records/${r.id}`, {enabled: e.target.checked});
              toast(`${relative(r.name, zone)} ${r.type} ${e.target.checked ? "enabled" : "disabled"}`);
            } catch (error) {
              e.target.checked = !e.target.checked;
              toast(error.message, "error");
            }
          }})},
        {label: "", class: "actions", cell: (r) => [
          button("Edit", async () => {
            if (await recordModal(zone, r)) { toast("record saved"); load(); }
          }, "btn btn-small", {"aria-label": `Edit ${r.name} ${r.type}`}),
          button("Delete", async () => {
            if (!await confirmAction("Delete record", `Delete ${r.name} ${r.type} ${r.rdata}?`)) return;
            try {
              await del(`/api/records/${r.id}`);
              toast("record deleted");
            } catch (error) {
              toast(error.message, "error");
            }
            load();
          }, "btn btn-small btn-danger-quiet", {"aria-label": `Delete ${r.name} ${r.type}`}),
        ]},
      ], page.items, {rowClass: (r) => r.enabled ? null : "disabled-row"}),
      pager(offset, LIMIT, page.total, (o) => { offset = o; load(); }));
    }
    await load();
  },
};
