// The signoff reviewer page. Every string an agent supplied arrives as JSON and goes into the
// page through textContent or a text node, never as HTML, a URL or an attribute the browser acts
// on. No inline code: the Content-Security-Policy allows only this file.
"use strict";

const $ = (id) => document.getElementById(id);
let csrf = "";
let items = [];
let openKey = null; // the item the detail view shows: "session/proposal"
let lastCount = 0;

function show(section) {
  for (const id of ["pairing", "queue", "detail"]) $(id).hidden = id !== section;
}

function status(text) {
  $("status").textContent = text || "";
}

function keyOf(item) {
  return item.session + "/" + item.proposal;
}

function secondsLeft(item) {
  return Math.max(0, Math.round((item.expires_ms - Date.now()) / 1000));
}

function left(item) {
  const s = secondsLeft(item);
  return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s left" : s + " s left";
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function badges(item) {
  const row = el("div", "row");
  row.append(el("span", "tier tier-" + item.tier, item.tier.replace("_", " ")));
  row.append(el("span", "env env-" + item.environment, item.environment));
  row.append(el("span", "muted", item.agent));
  if (item.origin) row.append(el("span", "muted", item.origin));
  row.append(el("span", "left", left(item)));
  return row;
}

function renderQueue() {
  const list = $("items");
  list.replaceChildren();
  for (const item of items) {
    const li = el("li", "item");
    li.dataset.key = keyOf(item); // ids made by the console, not by an agent
    li.append(badges(item));
    li.append(el("div", "command", item.command));
    if (item.summary) li.append(el("div", "muted", item.summary));
    li.addEventListener("click", () => openItem(keyOf(item)));
    list.append(li);
  }
  $("empty").hidden = items.length > 0;
  document.title = items.length > 0 ? "(" + items.length + ") signoff" : "signoff";
  if (items.length > lastCount && document.hidden && "Notification" in window &&
      Notification.permission === "granted") {
    new Notification("signoff: " + items.length + " waiting", { body: items[items.length - 1].command });
  }
  lastCount = items.length;
  if (openKey) renderDetail();
}

function current() {
  return items.find((item) => keyOf(item) === openKey);
}

function openItem(key) {
  openKey = key;
  $("confirm").value = "";
  $("note").value = "";
  status("");
  renderDetail();
  show("detail");
}

function renderDetail() {
  const item = current();
  if (!item) {
    status("That item is no longer waiting.");
    openKey = null;
    show("queue");
    return;
  }
  $("d-tier").textContent = item.tier.replace("_", " ");
  $("d-tier").className = "tier tier-" + item.tier;
  $("d-env").textContent = item.environment;
  $("d-env").className = "env env-" + item.environment;
  $("d-command").textContent = item.command;
  $("d-agent").textContent = item.agent;
  $("d-origin").textContent = item.origin || "";
  $("d-left").textContent = left(item);
  $("d-summary").textContent = [item.summary, item.rationale].filter(Boolean).join("\n");
  $("d-summary").hidden = $("d-summary-label").hidden = !$("d-summary").textContent;
  const reasons = $("d-reasons");
  reasons.replaceChildren();
  for (const reason of item.reasons) {
    const li = el("li", null, reason.why);
    li.append(el("span", "muted", " (" + reason.rule + ")"));
    reasons.append(li);
  }
  $("d-diff").hidden = !item.diff;
  $("d-diff").textContent = item.diff;
  $("d-plan").hidden = !item.plan;
  $("d-plan").textContent = item.plan;
  $("d-first").hidden = !item.first_approval_by;
  $("d-first").textContent = item.first_approval_by
    ? "Approved once by " + item.first_approval_by + ": a second reviewer decides." : "";
  $("confirm-label").hidden = !item.confirm;
  $("d-confirm").textContent = item.confirm || "";
  $("approve").disabled = Boolean(item.confirm) && $("confirm").value !== item.confirm;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: body ? "POST" : "GET",
    headers: body ? { "Content-Type": "application/json", "X-Signoff-CSRF": csrf } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || "The console answered " + response.status + ".");
  return answer;
}

async function decide(verdict) {
  const item = current();
  if (!item) return;
  const buttons = [$("approve"), $("deny")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    await api("/api/decide", {
      session: item.session,
      proposal: item.proposal,
      digest: item.digest,
      verdict,
      note: $("note").value,
      typed: $("confirm").value,
    });
    status(verdict === "approve" ? "Approved." : "Denied.");
    openKey = null;
    show("queue");
  } catch (error) {
    status(error.message);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    if (openKey) renderDetail();
  }
}

function watch() {
  const events = new EventSource("/api/events");
  events.addEventListener("queue", (event) => {
    const queue = JSON.parse(event.data);
    items = queue.items;
    status(queue.paused ? "Streaming is paused: everything waits for a person." : "");
    renderQueue();
  });
  events.onerror = async () => {
    events.close();
    try {
      await api("/api/me");
      setTimeout(watch, 2000);
    } catch (error) {
      status(error.message);
      show("pairing");
    }
  };
}

async function start(me) {
  csrf = me.csrf;
  $("who").textContent = me.name;
  show("queue");
  if ("Notification" in window && Notification.permission === "default") $("notify").hidden = false;
  watch();
}

async function pair(event) {
  event.preventDefault();
  try {
    const me = await api("/api/pair", { code: $("pair-code").value, name: $("pair-name").value });
    history.replaceState(null, "", "/");
    status("");
    start(me);
  } catch (error) {
    status(error.message);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("pair-form").addEventListener("submit", pair);
  $("approve").addEventListener("click", () => decide("approve"));
  $("deny").addEventListener("click", () => decide("deny"));
  $("back").addEventListener("click", () => { openKey = null; status(""); show("queue"); });
  $("confirm").addEventListener("input", () => renderDetail());
  $("notify").addEventListener("click", async () => {
    await Notification.requestPermission();
    $("notify").hidden = true;
  });
  setInterval(() => {
    for (const li of document.querySelectorAll("li.item")) {
      const item = items.find((i) => keyOf(i) === li.dataset.key);
      if (item) li.querySelector(".left").textContent = left(item);
    }
    const item = current();
    if (item) $("d-left").textContent = left(item);
  }, 1000);
  const code = new URLSearchParams(location.hash.slice(1)).get("pair");
  if (code) {
    $("pair-code").value = code;
    show("pairing");
    $("pair-name").focus();
    return;
  }
  try {
    start(await api("/api/me"));
  } catch (error) {
    show("pairing");
  }
});
