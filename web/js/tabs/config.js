// Config: every key with its value, default and description; secrets masked; edit one key.

import {get, put, seg} from "../api.js";
import {button, empty, errorBox, field, fill, h, table, toast} from "../dom.js";
import {openModal} from "../modal.js";

function editModal(item) {
  const input = h("input", {name: "value", autocomplete: "off", spellcheck: "false",
    type: item.secret ? "password" : "text", value: item.secret ? "" : item.value,
    placeholder: item.secret ? "enter a new value" : item.default});
  return openModal({
    title: `Set ${item.key}`,
    submit: "Save",
    body: [
      h("p", {class: "muted"}, item.description),
      field("Value", input, item.secret ? "Secret: the current value is never shown." :
        `Default: ${item.default === "" ? "(empty)" : item.default}`),
      item.key === "api_token" ? h("p", {class: "warn"}, "Changing the token signs this tab out; sign in again with the new one.") : null,
    ],
    onSubmit: (form) => put(`/api/config/${seg(item.key)}`, {value: form.elements.value.value}),
  });
}

export default {
  id: "config",
  title: "Config",
  async render(view) {
    const list = h("div");
    fill(view, h("p", {class: "muted small"}, "Changes take effect in the running server within a second, except listener ports and interfaces."), list);
    async function load() {
      let page;
      try {
        page = await get("/api/config", {limit: 1000});
      } catch (error) {
        fill(list, errorBox(error));
        return;
      }
      if (!page.items.length) {
        fill(list, empty("No configuration keys."));
        return;
      }
      fill(list, table([
        {label: "Key", cell: (c) => h("code", {}, c.key), class: "nowrap"},
        {label: "Value", cell: (c) => c.value === "" ? h("span", {class: "muted"}, "(empty)")
          : h("span", {class: `mono${c.secret ? " secret" : ""}`}, c.value), class: "wrap"},
        {label: "Description", cell: (c) => [c.description,
          c.value !== c.default && !c.secret ? h("span", {class: "muted small block"}, `default: ${c.default === "" ? "(empty)" : c.default}`) : null],
        class: "wrap grow"},
        {label: "", class: "actions", cell: (c) => button("Edit", async () => {
          const saved = await editModal(c);
          if (saved) {
            toast(`${c.key} saved`);
            load();
          }
        }, "btn btn-small", {"aria-label": `Edit ${c.key}`})},
      ], page.items));
    }
    await load();
  },
};
