// Nameservers: the NS and SOA of every zone in one authority map; add an NS in one step.

import {ApiError, del, get, post, seg} from "../api.js";
import {button, chip, clearFormErrors, empty, errorBox, field, fill, h, pager, showFormError, table, toast}
  from "../dom.js";
import {confirmAction} from "../modal.js";
import {loadZones} from "./zones.js";

/** Zones per page of the map (each costs two requests). */
const ZONES_PER_PAGE = 20;

function soaText(rdata) {
  const [mname, rname, serial] = rdata.split(/\s+/);
  return `${mname} ${rname} · serial ${serial}`;
}

export default {
  id: "nameservers",
  title: "Nameservers",
  async render(view) {
    const zones = await loadZones(view);
    if (zones === null) return;
    if (!zones.length) {
      fill(view, empty("No zones yet. Create a zone on the Zones tab; its SOA and NS appear here.",
        h("a", {href: "#/zones", class: "btn btn-primary"}, "Go to zones")));
      return;
    }
    const zoneSelect = h("select", {name: "zone", id: "ns-zone"},
      zones.map((z) => h("option", {value: z.name}, z.name)));
    const formError = h("div", {class: "form-error", role: "alert", hidden: true});
    const form = h("form", {class: "compose", id: "ns-compose"},
      formError,
      field("Zone", zoneSelect),
      field("Nameserver host", h("input", {name: "rdata", placeholder: "ns2.example.com",
        autocomplete: "off", spellcheck: "false", required: true})),
      field("TTL", h("input", {name: "ttl", placeholder: "zone default", autocomplete: "off"})),
      h("div", {class: "field field-button"}, h("button", {type: "submit", class: "btn btn-primary"}, "Add NS")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const f = form.elements;
      const body = {name: "@", type: "NS", rdata: f.rdata.value.trim()};
      const ttl = f.ttl.value.trim();
      if (ttl) body.ttl = /^\d+$/.test(ttl) ? Number(ttl) : ttl;
      try {
        if (!body.rdata) throw new ApiError(400, "enter the nameserver host", "rdata");
        await post(`/api/zones/${seg(f.zone.value)}/records`, body);
        toast(`NS ${body.rdata} added to ${f.zone.value}`);
        f.rdata.value = "";
        load();
      } catch (error) {
        showFormError(form, error);
      }
    });
    const map = h("div");
    fill(view, h("section", {class: "panel"}, h("h2", {}, "Add a nameserver (NS at the zone apex)"), form), map);

    let offset = 0;
    async function load() {
      const rows = [];
      const shown = zones.slice(offset, offset + ZONES_PER_PAGE);
      try {
        const pages = await Promise.all(shown.flatMap((z) => ["SOA", "NS"].map((type) =>
          get(`/api/zones/${seg(z.name)}/records`, {type, limit: 1000}))));
        for (const page of pages) rows.push(...page.items);
      } catch (error) {
        fill(map, errorBox(error));
        return;
      }
      if (!rows.length) {
        fill(map, empty("No NS or SOA records yet."));
        return;
      }
      fill(map, table([
        {label: "Zone", cell: (r) => r.zone, class: "strong"},
        {label: "Name", cell: (r) => h("span", {class: "mono"}, r.name), class: "wrap"},
        {label: "Type", cell: (r) => chip(r.type, `type-${r.type}`)},
        {label: "Host", cell: (r) => h("span", {class: "mono"}, r.type === "SOA" ? soaText(r.rdata) : r.rdata), class: "wrap grow"},
        {label: "TTL", cell: (r) => String(r.ttl), class: "num"},
        {label: "", class: "actions", cell: (r) => r.type === "SOA" ? null : button("Delete", async () => {
          if (!await confirmAction("Delete NS record", `Remove ${r.rdata} as a nameserver of ${r.zone}?`)) return;
          try {
            await del(`/api/records/${r.id}`);
            toast("NS record deleted");
          } catch (error) {
            toast(error.message, "error");
          }
          load();
        }, "btn btn-small btn-danger-quiet", {"aria-label": `Delete NS ${r.rdata}`})},
      ], rows, {rowClass: (r) => r.type === "SOA" ? "zone-start" : null}),
      pager(offset, ZONES_PER_PAGE, zones.length, (o) => { offset = o; load(); }));
    }
    await load();
  },
};
