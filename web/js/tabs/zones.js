// Zones: list with serial and record counts, create (with SOA fields), delete.

import {ApiError, del, get, post, seg} from "../api.js";
import {button, empty, errorBox, field, fill, formatNumber, formatTime, h, pager, table, toast}
  from "../dom.js";
import {confirmAction, openModal} from "../modal.js";

const LIMIT = 25;

/**
 * Every zone, for the tabs that pick one; on failure the error is shown in C{view} and null
 * is returned.
 */
export async function loadZones(view) {
  try {
    return (await get("/api/zones", {limit: 10000})).items;
  } catch (error) {
    fill(view, errorBox(error));
    return null;
  }
}

export function createZoneModal() {
  return openModal({
    title: "Create zone",
    submit: "Create zone",
    body: [
      field("Zone name", h("input", {name: "name", required: true, placeholder: "example.com",
        autocomplete: "off", spellcheck: "false"})),
      h("fieldset", {class: "fieldset"}, h("legend", {}, "SOA (optional: both fields create the SOA and apex NS)"),
        field("Primary nameserver (SOA mname)", h("input", {name: "ns", placeholder: "ns1.example.com",
          autocomplete: "off", spellcheck: "false"})),
        field("Admin mailbox as a name (SOA rname)", h("input", {name: "admin",
          placeholder: "admin.example.com", autocomplete: "off", spellcheck: "false"}),
        "hostmaster@example.com is written hostmaster.example.com"),
        field("Default TTL", h("input", {name: "ttl", value: "3600", inputmode: "text"}),
          "Seconds, or 1h, 1d, 1h30m")),
    ],
    async onSubmit(form) {
      const f = form.elements;
      const body = {name: f.name.value.trim()};
      if (!body.name) throw new ApiError(400, "enter the zone name", "name");
      if (f.ns.value.trim()) body.ns = f.ns.value.trim();
      if (f.admin.value.trim()) body.admin = f.admin.value.trim();
      if ((body.ns && !body.admin) || (!body.ns && body.admin)) {
        throw new ApiError(400, "give both the nameserver and the admin mailbox, or neither",
          body.ns ? "admin" : "ns");
      }
      const ttl = f.ttl.value.trim();
      if (ttl) body.ttl = /^\d+$/.test(ttl) ? Number(ttl) : ttl;
      return post("/api/zones", body);
    },
  });
}

export default {
  id: "zones",
  title: "Zones",
  async render(view) {
    let offset = 0;
    const list = h("div");
    fill(view,
      h("div", {class: "toolbar"},
        button("+ Create zone", async () => {
          const zone = await createZoneModal();
          if (zone) {
            toast(`zone ${zone.name} created`);
            load();
          }
        }, "btn btn-primary", {id: "add-zone"})),
      list);

    async function load() {
      let page;
      try {
        page = await get("/api/zones", {limit: LIMIT, offset});
      } catch (error) {
        fill(list, errorBox(error));
        return;
      }
      if (!page.items.length && offset > 0) {
        offset = Math.max(0, offset - LIMIT);
        return load();
      }
      if (!page.items.length) {
        fill(list, empty("No zones yet. A zone is the domain this server answers for, e.g. example.com.",
          button("Create your first zone", async () => {
            if (await createZoneModal()) load();
          }, "btn btn-primary")));
        return;
      }
      const soaCells = {};
      fill(list, table([
        {label: "Zone", cell: (z) => h("a", {href: `#/records/${seg(z.name)}`, class: "strong"}, z.name)},
        {label: "SOA", cell: (z) => soaCells[z.name] = h("span", {class: "mono muted"}, z.serial === null ? "no SOA" : "…"), class: "wrap"},
        {label: "Serial", cell: (z) => h("span", {class: "mono"}, z.serial === null ? "–" : String(z.serial)), class: "num"},
        {label: "Records", cell: (z) => formatNumber(z.records), class: "num"},
        {label: "TTL", cell: (z) => String(z.ttl), class: "num"},
        {label: "Created", cell: (z) => formatTime(z.created), class: "nowrap"},
        {label: "", class: "actions", cell: (z) => [
          h("a", {href: `#/records/${seg(z.name)}`, class: "btn btn-small"}, "Records"),
          button("Delete", async () => {
            const ok = await confirmAction("Delete zone",
              `Delete ${z.name} and its ${z.records} records? This cannot be undone.`);
            if (!ok) return;
            try {
              await del(`/api/zones/${seg(z.name)}`);
              toast(`zone ${z.name} deleted`);
            } catch (error) {
              toast(error.message, "error");
            }
            load();
          }, "btn btn-small btn-danger-quiet", {"aria-label": `Delete zone ${z.name}`}),
        ]},
      ], page.items), pager(offset, LIMIT, page.total, (o) => {
        offset = o;
        load();
      }));
      await Promise.all(page.items.filter((z) => z.serial !== null).map(async (z) => {
        try {
          const soa = (await get(`/api/zones/${seg(z.name)}/records`, {type: "SOA", limit: 1})).items[0];
          const [mname, rname] = soa ? soa.rdata.split(/\s+/) : ["–", ""];
          soaCells[z.name].textContent = `${mname} · ${rname}`;
        } catch {
          soaCells[z.name].textContent = "–";
        }
      }));
    }
    await load();
  },
};
