// Modal forms on <dialog>: Enter submits, Esc or a click on the backdrop cancels.

import {h, clearFormErrors, showFormError} from "./dom.js";

/**
 * Open a modal form.
 * opts: {title, body: [nodes], submit: "Save", danger, cancel: "Cancel", wide,
 *        onSubmit(form) -> Promise (reject with an ApiError to show it in the form),
 *        onClose()}
 * Resolves with onSubmit's result, or null when cancelled.
 */
export function openModal(opts) {
  return new Promise((resolve) => {
    const formError = h("div", {class: "form-error", role: "alert", hidden: true});
    const submit = h("button", {type: "submit", class: opts.danger ? "btn btn-danger" : "btn btn-primary"},
      opts.submit || "Save");
    const titleId = `m-${Math.random().toString(36).slice(2, 8)}`;
    const form = h("form", {class: "modal-form", novalidate: true},
      h("header", {class: "modal-head"},
        h("h2", {id: titleId}, opts.title),
        h("button", {type: "button", class: "icon-btn", "aria-label": "Close",
          onclick: () => close(null)}, "×")),
      h("div", {class: "modal-body"}, formError, opts.body),
      h("footer", {class: "modal-foot"},
        opts.cancel === false ? null :
          h("button", {type: "button", class: "btn", onclick: () => close(null)},
            opts.cancel || "Cancel"),
        opts.onSubmit ? submit : null));
    const dialog = h("dialog", {class: `modal${opts.wide ? " modal-wide" : ""}`,
      "aria-labelledby": titleId}, form);
    const opener = document.activeElement;
    let done = false;

    function close(result) {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      if (opts.onClose) opts.onClose(result);
      if (opener && opener.focus && document.contains(opener)) opener.focus();
      resolve(result);
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!opts.onSubmit || submit.disabled) return;
      clearFormErrors(form);
      submit.disabled = true;
      try {
        const result = await opts.onSubmit(form);
        if (result !== false) close(result === undefined ? true : result);
      } catch (error) {
        showFormError(form, error);
      } finally {
        submit.disabled = false;
      }
    });
    // Ctrl/Cmd+Enter submits from a textarea, where plain Enter makes a new line.
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(null);
    });
    dialog.addEventListener("mousedown", (event) => {
      if (event.target === dialog) close(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = form.querySelector(
      ".modal-body input:not([type=hidden]):not([disabled]), .modal-body select:not([disabled]), .modal-body textarea");
    (first || submit).focus();
    dialog.closeModal = () => close(null);
  });
}

/** Ask before something that cannot be undone; resolves true when confirmed. */
export async function confirmAction(title, text, label = "Delete") {
  const result = await openModal({
    title, body: [h("p", {}, text)], submit: label, danger: true,
    onSubmit: async () => true,
  });
  return result === true;
}
