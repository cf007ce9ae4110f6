// Upstream: resolvers in the order tried, with live status (up/down, RTT, last error); add / remove.

import {ApiError, del, get, post} from "../api.js";
import {button, chip, empty, errorBox, field, fill, h, inlineForm, table, toast} from "../dom.js";
import {confirmAction} from "../modal.js";

export default {
  id: "upstream",
  title: "Upstream",
  async render(view, params, ctx) {
    const list = h("div");
    const form = inlineForm("upstream-form", [
      field("Address", h("input", {name: "address", placeholder: "1.0.0.1 or 2606:4700:4700::1001",
        autocomplete: "off", spellcheck: "false"})),
      field("Port", h("input", {name: "port", value: "53", inputmode: "numeric", autocomplete: "off"})),
      field("Priority", h("input", {name: "priority", value: "0", inputmode: "numeric", autocomplete: "off"}),
        "lower is tried first"),
    ], "Add resolver", async (f) => {
      const address = f.address.value.trim();
      if (!address) throw new ApiError(400, "enter the resolver's IP address", "address");
      const body = {address};
      for (const name of ["port", "priority"]) {
        const v = f[name].value.trim();
        if (v === "") continue;
        if (!/^-?\d+$/.test(v)) throw new ApiError(400, `invalid ${name} '${v}': expected a whole number`, name);
        body[name] = Number(v);
      }
      const row = await post("/api/upstream", body);
      toast(`resolver ${row.address} added`);
      f.address.value = "";
      load();
    });
    fill(view, h("section", {class: "panel"}, h("h2", {}, "Add a resolver"), form),
      h("p", {class: "muted small"}, "Names outside your zones are forwarded to these resolvers, lowest priority first; status refreshes every 5 seconds."),
      list);

    async function load() {
      let page;
      try {
        page = await get("/api/upstream", {limit: 1000});
      } catch (error) {
        fill(list, errorBox(error));
        return;
      }
      if (!page.items.length) {
        fill(list, empty("No upstream resolvers: names outside your zones get SERVFAIL. Add one above."));
        return;
      }
      fill(list, table([
        {label: "#", cell: (u) => String(u.id), class: "num"},
        {label: "Address", cell: (u) => h("span", {class: "mono"}, u.address), class: "strong"},
        {label: "Port", cell: (u) => String(u.port), class: "num"},
        {label: "Priority", cell: (u) => String(u.priority), class: "num"},
        {label: "Status", cell: (u) => chip(u.status, `status-${u.status}`)},
        {label: "RTT", cell: (u) => u.last_rtt_ms === null || u.last_rtt_ms === undefined ? "–" : `${Number(u.last_rtt_ms).toFixed(1)} ms`, class: "num"},
        {label: "Last error", cell: (u) => u.last_error ? h("span", {class: "text-error"}, u.last_error) : "–", class: "wrap grow"},
        {label: "", class: "actions", cell: (u) => button("Remove", async () => {
          if (!await confirmAction("Remove resolver", `Stop forwarding to ${u.address}:${u.port}?`, "Remove")) return;
          try {
            await del(`/api/upstream/${u.id}`);
            toast(`resolver ${u.address} removed`);
          } catch (error) {
            toast(error.message, "error");
          }
          load();
        }, "btn btn-small btn-danger-quiet", {"aria-label": `Remove ${u.address}`})},
      ], page.items));
    }
    await load();
    ctx.every(5000, () => {
      if (!list.contains(document.activeElement)) load();
    });
  },
};
