// The agent's alerts (backend/app/alerts): the unread ones in a strip under the top bar, live
// from the websocket's {"type": "alerts"}; mark read, snooze an hour, open the complaint or the
// conversation; the alerts nobody received; the agent's own address for e-mailed alerts. With
// the agent's permission (a button: browsers allow asking only after a click) a desktop
// notification and a short sound for each new one.
import { api } from "./api.js";
import { $, clear, el } from "./dom.js";
import { fmtDateTime, label, t } from "./i18n.js";
import { state, timezoneOf } from "./state.js";

const SOUND_KEY = "agent_console_alert_sound";
const SNOOZE_MINUTES = 60;
let alerts = [];
let audio = null;

function soundAllowed() { return localStorage.getItem(SOUND_KEY) === "1"; }

function notifyAllowed() { return "Notification" in window && Notification.permission === "granted"; }

function showPermission() {
  const on = notifyAllowed() && soundAllowed();
  $("alerts-allow").hidden = on;
  $("alerts-allowed").hidden = !on;
}

async function allow() {
  localStorage.setItem(SOUND_KEY, "1");
  if ("Notification" in window && Notification.permission === "default") {
    try { await Notification.requestPermission(); } catch (_) { /* an old browser: sound only */ }
  }
  beep();
  showPermission();
}

function beep() {
  if (!soundAllowed()) return;
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  } catch (_) { /* no audio device */ }
}

function target(alert) {
  if (alert.tracking_number) return `#/complaint/${encodeURIComponent(alert.tracking_number)}`;
  if (alert.handoff_id) return `#/handoff/${alert.handoff_id}`;
  return null;
}

async function act(alert, path, body) {
  try {
    await api("POST", `/api/alerts/${alert.id}/${path}`, body);
    alerts = alerts.filter((item) => item.id !== alert.id);
    render();
  } catch (error) {
    $("alerts-error").textContent = error.detail || String(error.status || "");
  }
}

function render() {
  $("alerts-count").textContent = String(alerts.length);
  $("alerts-toggle").classList.toggle("has-alerts", alerts.length > 0);
  const list = $("alerts-list");
  clear(list);
  if (!alerts.length) list.append(el("li", { className: "muted", text: t("alerts.none") }));
  for (const alert of alerts) {
    const link = target(alert);
    list.append(
      el("li", { className: `alert alert-${alert.kind}` },
        el("strong", { text: alert.title }),
        el("span", { className: "muted", text: ` ${fmtDateTime(alert.created_at, timezoneOf(alert.policy))}` }),
        el("div", { text: alert.text }),
        el("div", { className: "actions" },
          link ? el("a", { href: link, text: t("alerts.open"), onclick: () => act(alert, "read") }) : null,
          el("button", { type: "button", text: t("alerts.read"), onclick: () => act(alert, "read") }),
          el("button", {
            type: "button", text: t("alerts.snooze"), onclick: () => act(alert, "snooze", { minutes: SNOOZE_MINUTES }),
          }))));
  }
}

async function renderFailed() {
  const list = $("alerts-failed-list");
  clear(list);
  let failed = [];
  try { failed = await api("GET", "/api/alerts/failed"); } catch (_) { failed = []; }
  if (!failed.length) list.append(el("li", { className: "muted", text: t("alerts.failed_none") }));
  for (const alert of failed) {
    const link = target(alert);
    list.append(el("li", {},
      el("span", {
        text: `${fmtDateTime(alert.due_at, timezoneOf(alert.policy))} · ${
          t(`alerts.title.${alert.kind}`, { deadline: label("deadline", (alert.deadline || "").replace(/_by$/, "")) })}`,
      }),
      alert.tracking_number || alert.handoff_id
        ? el("a", { href: link, text: ` ${alert.tracking_number || t("alerts.open")}` }) : null,
      el("button", { type: "button", text: t("alerts.retry"), onclick: () => retry(alert) })));
  }
}

async function retry(alert) {
  try {
    await api("POST", `/api/alerts/failed/${alert.id}/retry`);
  } catch (error) {
    $("alerts-error").textContent = error.detail || String(error.status || "");
  }
  renderFailed();
}

// New ones from the websocket: each shown once, with a desktop notification and a sound.
export function receiveAlerts(items) {
  const known = new Set(alerts.map((item) => item.id));
  const fresh = items.filter((item) => !known.has(item.id));
  if (!fresh.length) return;
  alerts = [...fresh.reverse(), ...alerts];
  render();
  beep();
  if (notifyAllowed()) {
    for (const alert of fresh) {
      try {
        const shown = new Notification(alert.title, { body: alert.text, tag: `alert-${alert.id}` });
        const link = target(alert);
        shown.onclick = () => { window.focus(); if (link) location.hash = link; };
      } catch (_) { /* a browser that only notifies from a service worker */ }
    }
  }
}

export async function loadAlerts() {
  if (!state.me || state.me.builtin) { $("alerts-bar").hidden = true; return; }
  $("alerts-bar").hidden = false;
  $("alerts-email").value = state.me.email || "";
  showPermission();
  try { alerts = await api("GET", "/api/alerts"); } catch (_) { alerts = []; }
  render();
}

async function saveEmail(event) {
  event.preventDefault();
  $("alerts-error").textContent = "";
  try {
    state.me = await api("PATCH", "/api/auth/me", { email: $("alerts-email").value.trim() });
    $("alerts-error").textContent = t("alerts.email_saved");
  } catch (error) {
    $("alerts-error").textContent = error.detail ? JSON.stringify(error.detail) : String(error.status || "");
  }
}

export function wireAlerts() {
  $("alerts-toggle").addEventListener("click", () => {
    const panel = $("alerts-panel");
    panel.hidden = !panel.hidden;
    if (!panel.hidden) renderFailed();
  });
  $("alerts-allow").addEventListener("click", allow);
  $("alerts-email-form").addEventListener("submit", saveEmail);
}
