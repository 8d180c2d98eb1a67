// The agents' workspace: log-in, the language (stored on the account), the live feed and
// the page's parts (#/handoff/<id>, #/view/<view>, #/complaint/<number>, #/new).
// Plain JavaScript modules, no framework; text only (dom.js).
import { api, login as apiLogin, logoutCall, session } from "./api.js";
import { prepareActions, showNewForm, wireActions } from "./actions.js";
import { loadAlerts, receiveAlerts, wireAlerts } from "./alerts.js";
import { showComplaint } from "./complaint.js";
import { $ } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import { fillFilters, refreshCounts, showList, wireList } from "./list.js";
import { receive, reloadSelected, renderQueue, select, setQueue, wireQueue } from "./queue.js";
import { policy, state } from "./state.js";
import { loadTeams, showTeams } from "./teams.js";
import { showTelegram } from "./telegram.js";

const COOKIE = "agent_lang";
let ws = null;
let wsRetry = 0;

function setLanguageCookie(value) {
  document.cookie = `${COOKIE}=${value}; path=/agent; max-age=31536000; SameSite=Strict`;
}

async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await apiLogin($("login-username").value, $("login-password").value);
    $("login-password").value = "";
    await start();
  } catch (error) {
    $("login-error").textContent = error.status === 401 || error.status === 429 ? `${errorText(error)} ${error.detail || ""}`.trim()
      : t("login.failed", { status: error.status || "?" });
  }
}

function logout(message) {
  logoutCall();
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  $("console-view").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
}

async function start() {
  state.me = await api("GET", "/api/auth/me");
  // The agent's stored language wins over the browser's: reload the page in it once.
  const stored = state.me.language;
  if (stored && stored !== lang && !new URLSearchParams(location.search).has("lang")) {
    setLanguageCookie(stored);
    location.reload();
    return;
  }
  $("me").textContent = `${state.me.display_name} (${state.me.username})`;
  $("login-view").hidden = true;
  $("console-view").hidden = false;
  const [agents, statuses, policyIds, handoffs] = await Promise.all([
    api("GET", "/api/agents").catch(() => []),
    api("GET", "/api/statuses").catch(() => ({ statuses: [], transitions: {} })),
    api("GET", "/api/policies").catch(() => []),
    api("GET", "/api/handoffs"),
  ]);
  state.agents = agents;
  state.statusNext = statuses.transitions || {};
  state.statuses = statuses.statuses || [];
  state.policyIds = policyIds;
  await Promise.all([...policyIds.map((id) => policy(id).catch(() => null)), loadTeams().catch(() => [])]);
  $("teams-open").hidden = state.me.role !== "admin";
  fillFilters();
  setQueue(handoffs);
  loadAlerts();
  connect();
  refreshCounts();
  route();
}

async function chooseLanguage() {
  const value = $("lang-picker").value;
  try { await api("PATCH", "/api/auth/me", { language: value }); } catch (_) { /* the cookie still keeps it here */ }
  setLanguageCookie(value);
  const url = new URL(location.href);
  url.searchParams.delete("lang");
  location.replace(url.toString());
}

// --- live feed -----------------------------------------------------------------------------
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/api/console/ws`);
  ws = socket;
  socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token: session.token }));
  socket.onmessage = (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch (_) { return; }
    if (data.type === "hello") {
      wsRetry = 0;
      setConnection("online");
      reloadSelected();
    } else if (data.type === "queue") {
      setQueue(data.handoffs);
    } else if (data.type === "messages") {
      for (const message of data.messages) receive(message);
    } else if (data.type === "alerts") {
      receiveAlerts(data.alerts);
    }
  };
  socket.onclose = (event) => {
    setConnection("offline");
    if (event.code === 4401) { logout(t("session.ended")); return; }
    const delay = Math.min(10000, 500 * 2 ** wsRetry++);
    setTimeout(() => { if (session.token) connect(); }, delay);
  };
}

function setConnection(what) {
  const badge = $("connection");
  badge.dataset.state = what;
  badge.textContent = t(`connection.${what}`);
}

// --- the page's parts ----------------------------------------------------------------------
function show(part) {
  $("handoff-panel").hidden = part !== "handoff";
  $("card").hidden = part !== "handoff" || $("conversation").hidden;
  $("list-panel").hidden = part !== "list";
  $("complaint-panel").hidden = part !== "complaint";
  $("new-panel").hidden = part !== "new";
  $("teams-panel").hidden = part !== "teams";
  $("telegram-panel").hidden = part !== "telegram";
  for (const button of document.querySelectorAll("#views .view")) {
    if (part !== "list") button.classList.toggle("selected", part === "handoff" && button.dataset.view === "waiting");
  }
}

async function route() {
  if (!session.token || !state.me) return;
  const [, kind, arg] = location.hash.split("/");
  if (kind === "view" && arg && arg !== "waiting") {
    show("list");
    await showList(arg);
  } else if (kind === "complaint" && arg) {
    show("complaint");
    if (await showComplaint(decodeURIComponent(arg))) prepareActions();
  } else if (kind === "teams") {
    show("teams");
    await showTeams();
  } else if (kind === "telegram") {
    show("telegram");
    await showTelegram();
  } else if (kind === "new") {
    show("new");
    await showNewForm();
  } else {
    show("handoff");
    if (kind === "handoff" && arg) {
      await select(Number(arg));
      show("handoff");
    }
  }
}

// --- wiring --------------------------------------------------------------------------------
session.onUnauthorized = () => logout(t("session.ended"));
$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", () => logout(""));
$("lang-picker").addEventListener("change", chooseLanguage);
$("new-complaint").addEventListener("click", () => { location.hash = "#/new"; });
$("teams-open").addEventListener("click", () => { location.hash = "#/teams"; });
$("telegram-open").addEventListener("click", () => { location.hash = "#/telegram"; });
$("c-back").addEventListener("click", () => history.back());
for (const button of document.querySelectorAll("#views .view")) {
  button.addEventListener("click", () => { location.hash = `#/view/${button.dataset.view}`; });
}
window.addEventListener("hashchange", route);
wireQueue();
wireList();
wireActions();
wireAlerts();
setInterval(() => {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
}, 25000);
setInterval(() => { if (session.token && state.me) refreshCounts(); }, 30000);

if (session.token) start().catch(() => logout(""));
else { $("login-view").hidden = false; renderQueue(); }
