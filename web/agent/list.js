// The workspace's lists: views with counts (GET /api/workspace/counts), search and filters,
// paged on the server (limit/offset, X-Total-Count).
import { api, apiPage } from "./api.js";
import { $, clear, el, options } from "./dom.js";
import { errorText, fmtDateTime, label, statusLabel, t } from "./i18n.js";
import { state, timezoneOf } from "./state.js";
import { teamOptions } from "./teams.js";

const PAGE = 25;
const COUNTED = ["all", "mine", "unassigned", "overdue", "due_today", "rejected", "failed_notifications"];
const list = { view: "all", offset: 0, total: null };

function filters() {
  const params = new URLSearchParams();
  const q = $("search").value.trim();
  if (q) params.set("q", q);
  for (const [name, id] of [["policy", "filter-policy"], ["status", "filter-status"], ["channel", "filter-channel"], ["language", "filter-language"], ["team", "filter-team"]]) {
    if ($(id).value) params.set(name, $(id).value);
  }
  return params;
}

export function fillFilters() {
  options($("filter-policy"), [["", t("list.any_policy")], ...state.policyIds.map((id) => [id, id])]);
  const anyProfile = state.policies.get(state.policyIds[0]);
  options($("filter-status"), [["", t("list.any_status")], ...state.statuses.map((s) => [s, statusLabel(anyProfile, s)])]);
  const channels = ["socketio", "telegram", "whatsapp", "twilio", "rest", "phone", "email", "shop"];
  options($("filter-channel"), [["", t("list.any_channel")], ...channels.map((c) => [c, label("channel", c)])]);
  options($("filter-language"), [["", t("list.any_language")], ...["ru", "az", "ro", "tr"].map((l) => [l, label("language", l)])]);
  // A team's queue, or the queues of the caller's teams (GET /api/complaints?team=).
  options($("filter-team"), teamOptions());
}

export async function refreshCounts() {
  try {
    const counts = await api("GET", `/api/workspace/counts?${filters()}`);
    for (const view of COUNTED) $(`count-${view}`).textContent = String(counts[view] ?? 0);
  } catch (_) { /* the counts come back with the next refresh */ }
}

export async function showList(view) {
  if (view !== list.view) list.offset = 0;
  list.view = view;
  for (const button of document.querySelectorAll("#views .view")) button.classList.toggle("selected", button.dataset.view === view);
  $("list-title").textContent = t(`view.${view}`);
  await load();
}

async function load() {
  $("list-error").textContent = "";
  const params = filters();
  params.set("view", list.view);
  params.set("limit", String(PAGE));
  params.set("offset", String(list.offset));
  try {
    const { items, total } = await apiPage(`/api/complaints?${params}`);
    list.total = total;
    render(items);
  } catch (error) {
    $("list-error").textContent = errorText(error);
  }
  refreshCounts();
}

function nextDeadline(c) {
  if (c.next_deadline) return `${t(`deadline.${c.next_deadline.kind}`)}: ${fmtDateTime(c.next_deadline.at, timezoneOf(c.policy))}`;
  const d = c.deadlines || {};
  return fmtDateTime(c.acknowledged_at ? d.resolve_by : d.acknowledge_by, timezoneOf(c.policy));
}

function assignee(c) {
  const a = c.assigned_to;
  if (!a) return "—";
  return typeof a === "string" ? a : a.display_name || a.username;
}

function render(items) {
  const body = $("complaint-rows");
  clear(body);
  for (const c of items) {
    const open = () => { location.hash = `#/complaint/${c.tracking_number}`; };
    body.append(el("tr", { className: c.overdue ? "overdue" : "", dataset: { trackingNumber: c.tracking_number, status: c.status }, onclick: open },
      el("td", {}, el("a", { href: `#/complaint/${c.tracking_number}`, text: c.tracking_number })),
      el("td", { text: c.full_name || "—" }),
      el("td", { text: statusLabel(state.policies.get(c.policy), c.status) }),
      el("td", { text: c.policy }),
      el("td", { text: label("channel", c.channel) }),
      el("td", { text: c.language }),
      el("td", { text: assignee(c) }),
      el("td", {}, nextDeadline(c), c.overdue ? el("span", { className: "badge breached", text: t("list.overdue") }) : null),
      el("td", { text: fmtDateTime(c.created_at, timezoneOf(c.policy)) })));
  }
  if (!items.length) body.append(el("tr", {}, el("td", { colspan: 9, className: "muted", text: t("list.empty") })));
  const total = list.total ?? list.offset + items.length;
  $("page-info").textContent = items.length ? t("list.page", { from: list.offset + 1, to: list.offset + items.length, total }) : "";
  $("page-prev").disabled = list.offset === 0;
  $("page-next").disabled = list.total === null ? items.length < PAGE : list.offset + items.length >= list.total;
}

export function wireList() {
  $("list-filters").addEventListener("submit", (event) => { event.preventDefault(); list.offset = 0; load(); });
  for (const id of ["filter-policy", "filter-status", "filter-channel", "filter-language", "filter-team"]) {
    $(id).addEventListener("change", () => { list.offset = 0; load(); });
  }
  $("page-prev").addEventListener("click", () => { list.offset = Math.max(0, list.offset - PAGE); load(); });
  $("page-next").addEventListener("click", () => { list.offset += PAGE; load(); });
}
