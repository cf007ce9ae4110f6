// The dashboard shell: tabs by URL hash, sign-in on any 401, timers that stop with their tab.

import {ApiError, get, getToken, onUnauthorized, setToken} from "./api.js";
import {errorBox, field, fill, h} from "./dom.js";
import {openModal} from "./modal.js";
import overview from "./tabs/overview.js";
import zones from "./tabs/zones.js";
import records from "./tabs/records.js";
import nameservers from "./tabs/nameservers.js";
import blocklist from "./tabs/blocklist.js";
import upstream from "./tabs/upstream.js";
import cache from "./tabs/cache.js";
import logs from "./tabs/logs.js";
import config from "./tabs/config.js";
import keys from "./tabs/keys.js";

const staticTab = (id, title) => ({
  id, title,
  render(view) {
    const tpl = document.getElementById(`tpl-${id}`);
    fill(view, tpl.content.cloneNode(true));
    for (const link of view.querySelectorAll("[data-jump]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const target = document.getElementById(link.dataset.jump);
        target.scrollIntoView({behavior: "smooth", block: "start"});
        target.setAttribute("tabindex", "-1");
        target.focus({preventScroll: true});
      });
    }
  },
});

const TABS = [overview, zones, records, nameservers, blocklist, upstream, cache, logs, config,
  keys, staticTab("docs", "Docs"), staticTab("deploy", "Deploy")];

const view = document.getElementById("view");
const nav = document.getElementById("tabs");
const signOut = document.getElementById("sign-out");
const signIn = document.getElementById("sign-in");
let current = null;
let signingIn = null;

/** What a tab gets: timers that stop when the tab is left or the page is hidden. */
function makeContext() {
  const timers = [];
  const ctx = {
    alive: true,
    every(ms, fn) {
      const tick = () => {
        if (ctx.alive && document.visibilityState === "visible" && !signingIn) fn();
      };
      timers.push(setInterval(tick, ms));
    },
    navigate(hash) {
      location.hash = hash;
    },
    stop() {
      ctx.alive = false;
      timers.forEach(clearInterval);
    },
  };
  return ctx;
}

function parseHash() {
  const [id, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const tab = TABS.find((t) => t.id === id) || TABS[0];
  return {tab, params: rest.map(decodeURIComponent)};
}

function render() {
  const {tab, params} = parseHash();
  if (current) current.ctx.stop();
  const ctx = makeContext();
  current = {tab, ctx};
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.tab === tab.id) {
      link.setAttribute("aria-current", "page");
      // On a phone the tabs scroll sideways: keep the current one in sight.
      nav.scrollLeft = link.offsetLeft - (nav.clientWidth - link.offsetWidth) / 2;
    } else {
      link.removeAttribute("aria-current");
    }
  }
  document.title = `${tab.title} · dnsops`;
  window.scrollTo(0, 0);
  view.dataset.tab = tab.id;
  fill(view, h("h1", {class: "view-title"}, tab.title));
  const body = h("div", {class: "view-body"});
  view.append(body);
  Promise.resolve()
    .then(() => tab.render(body, params, ctx))
    .catch((error) => {
      if (!(error instanceof ApiError && error.status === 401)) console.error(error);
      fill(body, errorBox(error));
    });
}

function buildNav() {
  for (const tab of TABS) {
    nav.append(h("a", {href: `#/${tab.id}`, dataset: {tab: tab.id}}, tab.title));
  }
}

function updateAuthButtons() {
  const signedIn = Boolean(getToken());
  signOut.hidden = !signedIn;
  signIn.hidden = signedIn;
}

/** The sign-in modal; opened by a 401 from any call, or the header button. */
function askForToken(reason) {
  if (signingIn) return signingIn;
  const input = h("input", {name: "token", type: "password", autocomplete: "current-password",
    required: true, spellcheck: "false", placeholder: "API token or key secret"});
  signingIn = openModal({
    title: "Sign in",
    submit: "Sign in",
    body: [
      h("p", {class: "muted"}, reason ||
        "Paste the API token from the server log (\u201cAPI token: \u2026\u201d) or a scoped key's secret."),
      field("Token", input, "Kept in this browser tab only (sessionStorage) until you sign out."),
    ],
    async onSubmit(form) {
      const token = form.elements.token.value.trim();
      if (!token) throw new ApiError(400, "enter a token", "token");
      try {
        await get("/api/zones", {limit: 1}, {token, quiet: true});
      } catch (error) {
        if (error.status === 401) throw new ApiError(401, error.message, "token");
        throw error;
      }
      setToken(token);
      return true;
    },
  }).then((ok) => {
    signingIn = null;
    updateAuthButtons();
    if (ok) render();
  });
  return signingIn;
}

onUnauthorized((error) => {
  setToken("");
  updateAuthButtons();
  askForToken(getToken() ? null : `Sign in to continue (${error.message}).`);
});

signOut.addEventListener("click", () => {
  setToken("");
  updateAuthButtons();
  if (current) current.ctx.stop();
  fill(view, h("div", {class: "empty signed-out"},
    h("h1", {}, "Signed out"),
    h("p", {}, "The token was removed from this tab."),
    h("button", {type: "button", class: "btn btn-primary", onclick: () => askForToken()},
      "Sign in")));
});
signIn.addEventListener("click", () => askForToken());

buildNav();
updateAuthButtons();
window.addEventListener("hashchange", render);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && current && current.tab.refresh) current.tab.refresh();
});
render();
