// The complaint page's forms (take / assign / unassign, status with the written decision,
// internal note, delay notice, write to the customer, the customer's answer or rating given
// by phone) and the form of a complaint received by phone, e-mail or in a shop.
import { api, newIdempotencyKey } from "./api.js";
import { $, clear, el, options } from "./dom.js";
import { errorText, label, statusLabel, t } from "./i18n.js";
import { page, showComplaint, showPageError } from "./complaint.js";
import { intakeInputs, intakeSlots } from "./queue.js";
import { policy, state } from "./state.js";
import { categoryLabel } from "./teams.js";

// Fills the forms for the complaint on the page.
export function prepareActions() {
  const c = page.complaint;
  if (!c) return;
  const me = state.me && state.me.username;
  const assigned = c.assigned_to && (typeof c.assigned_to === "string" ? c.assigned_to : c.assigned_to.username);
  options($("c-assign-to"), state.agents.map((a) => [a.username, a.display_name]), assigned || me);
  $("c-take").disabled = !me || assigned === me;
  $("c-unassign").disabled = !assigned;
  // Another category moves the complaint to that category's team's queue.
  const categories = (page.profile && page.profile.categories) || [];
  options($("c-category-select"), categories.map((x) => [x.id, categoryLabel(page.profile, x.id)]), c.complaint_category || "");
  const next = state.statusNext[c.status] || [];
  options($("c-status-select"), next.map((s) => [s, statusLabel(page.profile, s)]));
  $("c-change-status").disabled = !next.length;
  $("c-impossible").checked = false;
  decisionFields();
}

// Resolving: the note is the written decision (or the explanation), with the steps taken.
function decisionFields() {
  const resolving = $("c-status-select").value === "resolved";
  $("c-steps-box").hidden = !resolving;
  $("c-impossible-box").hidden = !resolving;
  $("c-status-note-label").textContent = !resolving ? t("field.note")
    : $("c-impossible").checked ? t("status.explanation") : t("status.decision");
}

async function run(call, fields, done) {
  const c = page.complaint;
  if (!c) return;
  showPageError(null);
  try {
    await call(c);
    if (done) done();
  } catch (error) {
    showPageError(error, fields);
    return;
  }
  await showComplaint(c.tracking_number);
  prepareActions();
}

const path = (c, tail) => `/api/complaints/${c.tracking_number}/${tail}`;

function assign(username) {
  return run((c) => api("POST", path(c, "assign"), { username }));
}

function changeCategory(event) {
  event.preventDefault();
  const category = $("c-category-select").value;
  return run((c) => api("POST", path(c, "category"), { category }), { category: "category.invalid" });
}

function changeStatus(event) {
  event.preventDefault();
  const status = $("c-status-select").value;
  const impossible = status === "resolved" && $("c-impossible").checked;
  const body = { status, note: $("c-status-note").value.trim() || null, visible_to_customer: $("c-status-visible").checked };
  if (status === "resolved") {
    const steps = $("c-steps").value.trim();
    if (steps) body.steps_taken = steps;
    if (impossible) body.outcome = "impossible";
  }
  const why = { note: impossible ? "err.explanation_required" : status === "resolved" ? "err.decision_required" : undefined };
  return run((c) => api("POST", path(c, "status"), body), why, () => { $("c-status-note").value = ""; $("c-steps").value = ""; });
}

function addNote(event) {
  event.preventDefault();
  const note = $("c-note").value.trim();
  if (!note) return null;
  return run((c) => api("POST", path(c, "notes"), { note }), null, () => { $("c-note").value = ""; });
}

function delay(event) {
  event.preventDefault();
  const body = { reason: $("c-delay-reason").value.trim(), new_date: $("c-delay-date").value };
  return run((c) => api("POST", path(c, "delay"), body), null, () => { $("c-delay-reason").value = ""; });
}

function message(event) {
  event.preventDefault();
  const text = $("c-message").value.trim();
  if (!text) return null;
  return run((c) => api("POST", path(c, "messages"), { text }), { 409: "err.no_conversation" }, () => { $("c-message").value = ""; });
}

function phoneDecision(event) {
  event.preventDefault();
  const body = { approved: $("c-decision").value === "approve", reason: $("c-decision-reason").value.trim() || null };
  return run((c) => api("POST", path(c, "customer-decision"), body), null, () => { $("c-decision-reason").value = ""; });
}

function phoneRating(event) {
  event.preventDefault();
  return run((c) => api("POST", path(c, "rating"), { rating: Number($("c-rating").value) }));
}

// --- a complaint received by phone, e-mail or in a shop ---------------------------------------

function localNow() {
  const now = new Date();
  now.setSeconds(0, 0);
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export async function showNewForm() {
  const form = $("new-form");
  if (!form.dataset.idempotencyKey) form.dataset.idempotencyKey = newIdempotencyKey();
  if (!$("new-policy").options.length) options($("new-policy"), state.policyIds.map((id) => [id, id]));
  if (!$("new-received-at").value) $("new-received-at").value = localNow();
  $("new-received-at").max = localNow();
  await policyChanged();
}

async function policyChanged() {
  const id = $("new-policy").value;
  const profile = await policy(id).catch(() => null);
  const languages = (profile && profile.languages) || ["ru", "az", "ro", "tr"];
  const chosen = $("new-language").value;
  options($("new-language"), languages.map((l) => [l, label("language", l)]), languages.includes(chosen) ? chosen : languages[0]);
  const typed = {};
  for (const input of $("new-fields").querySelectorAll("[name]")) typed[input.name] = input.value;
  intakeInputs($("new-fields"), await intakeSlots(id), typed, profile);
}

// datetime-local is the agent's wall clock: sent with the browser's offset.
function receivedAtIso(value) {
  const date = new Date(value);
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${value.length === 16 ? `${value}:00` : value}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

async function registerNew(event) {
  event.preventDefault();
  const form = $("new-form");
  const key = form.dataset.idempotencyKey || (form.dataset.idempotencyKey = newIdempotencyKey());
  $("new-error").textContent = "";
  const body = {
    policy: $("new-policy").value,
    channel: $("new-channel").value,
    language: $("new-language").value,
    received_at: receivedAtIso($("new-received-at").value),
  };
  for (const input of $("new-fields").querySelectorAll("[name]")) {
    if (input.value.trim()) body[input.name] = input.value.trim();
  }
  try {
    const receipt = await api("POST", "/api/complaints", body, { "Idempotency-Key": key });
    form.dataset.idempotencyKey = newIdempotencyKey();
    const result = $("new-result");
    clear(result);
    result.append(el("div", { className: "pin", text: t("new.registered", { tn: receipt.tracking_number, pin: receipt.pin }) }),
      el("a", { id: "new-open", href: `#/complaint/${receipt.tracking_number}`, text: t("card.open_complaint") }));
    for (const input of $("new-fields").querySelectorAll("[name]")) input.value = "";
  } catch (error) {
    $("new-error").textContent = errorText(error);
  }
}

export function wireActions() {
  $("c-take").addEventListener("click", () => assign(state.me.username));
  $("c-assign-form").addEventListener("submit", (event) => { event.preventDefault(); assign($("c-assign-to").value); });
  $("c-unassign").addEventListener("click", () => assign(null));
  $("c-status-select").addEventListener("change", decisionFields);
  $("c-impossible").addEventListener("change", decisionFields);
  $("c-status-form").addEventListener("submit", changeStatus);
  $("c-category-form").addEventListener("submit", changeCategory);
  $("c-note-form").addEventListener("submit", addNote);
  $("c-delay-form").addEventListener("submit", delay);
  $("c-message-form").addEventListener("submit", message);
  $("c-decision-form").addEventListener("submit", phoneDecision);
  $("c-rating-form").addEventListener("submit", phoneRating);
  $("new-policy").addEventListener("change", policyChanged);
  $("new-form").addEventListener("submit", registerNew);
}
