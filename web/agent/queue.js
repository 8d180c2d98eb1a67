// The handoff queue (kept from the first console): waiting and taken conversations, the
// transcript and reply box of the selected one, and its summary card (register the complaint
// from what the bot collected, change its status, add a note).
import { api, newIdempotencyKey } from "./api.js";
import { $, clear, el, facts } from "./dom.js";
import { errorText, fmtDateTime, label, statusLabel, t } from "./i18n.js";
import { policy, state, timezoneOf } from "./state.js";
import { categoryLabel } from "./teams.js";

const SLOTS = ["full_name", "phone", "email", "staff_member", "complaint_text"];
const q = {
  queue: [],
  selected: null, // handoff id
  card: null,
  messages: new Map(), // id -> message of the selected conversation
  unread: new Map(), // conversation_id -> count
  lastPin: null, // {handoff, trackingNumber, pin} of the complaint registered last in this tab
};

function showError(where, error, fields) {
  const node = $(where);
  node.textContent = error ? errorText(error, fields) : "";
  node.title = error && typeof error.detail === "string" ? error.detail : "";
}

const time = (iso) => fmtDateTime(iso, timezoneOf(q.card && q.card.policy));

function fmtWait(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return t("wait.s", { s: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("wait.m", { m: minutes, s: seconds % 60 });
  return t("wait.h", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export function waitingCount() { return q.queue.filter((h) => h.status === "waiting").length; }

export function setQueue(handoffs) {
  q.queue = handoffs;
  renderQueue();
  if (q.selected !== null) refreshCardIfChanged();
}

export function renderQueue() {
  const waiting = q.queue.filter((h) => h.status === "waiting");
  const active = q.queue.filter((h) => h.status === "active");
  $("waiting-count").textContent = String(waiting.length);
  $("count-waiting").textContent = String(waiting.length);
  document.title = waiting.length ? t("app.title_waiting", { n: waiting.length }) : t("app.title");
  for (const [listId, items] of [["queue-waiting", waiting], ["queue-active", active]]) {
    const list = $(listId);
    clear(list);
    for (const h of items) list.append(queueItem(h));
    if (!items.length) list.append(el("li", { className: "muted", text: t("queue.none") }));
  }
}

function queueItem(h) {
  const mine = state.me && h.agent_username === state.me.username;
  const unread = q.unread.get(h.conversation_id) || 0;
  const classes = ["queue-item", mine ? "mine" : "", h.id === q.selected ? "selected" : ""].join(" ");
  const where = `${label("channel", h.channel)} · ${h.language || "?"}`;
  const meta = h.status === "waiting" ? `${t("queue.waiting_for", { wait: fmtWait(h.requested_at) })} · ${where}`
    : `${h.agent_name || h.agent_username} · ${where}`;
  return el("li", { className: classes, dataset: { handoffId: String(h.id), status: h.status }, onclick: () => { location.hash = `#/handoff/${h.id}`; } },
    unread ? el("span", { className: "unread", text: unread }) : null,
    el("div", { className: "who", text: h.customer_name || t("queue.conversation", { id: h.conversation_id.slice(0, 10) }) }),
    el("div", { className: `meta reason-${h.reason}`, text: label("reason", h.reason) }),
    el("div", { className: "meta", text: meta }));
}

export async function select(id) {
  q.selected = id;
  renderQueue();
  await loadConversation(id);
}

export function reloadSelected() {
  if (q.selected !== null) loadConversation(q.selected, { keepScroll: true });
}

async function loadConversation(id, options) {
  showError("conv-error", null);
  showError("card-error", null);
  try {
    const [card, messages] = await Promise.all([api("GET", `/api/handoffs/${id}`), api("GET", `/api/handoffs/${id}/messages`)]);
    if (q.selected !== id) return;
    try { await policy(card.policy); } catch (_) { /* times then in the browser's zone */ }
    q.card = card;
    q.messages = new Map(messages.map((m) => [m.id, m]));
    q.unread.delete(card.conversation_id);
    $("empty-state").hidden = true;
    $("conversation").hidden = false;
    $("card").hidden = false;
    renderHead();
    renderTranscript(!(options && options.keepScroll));
    await renderCard();
    renderQueue();
  } catch (error) {
    showError("conv-error", error);
  }
}

async function refreshCardIfChanged() {
  const h = q.queue.find((x) => x.id === q.selected);
  const card = q.card;
  if (!card) return;
  if (!h || h.status !== card.status || h.agent_username !== card.agent_username || h.bot_paused !== card.bot_paused
      || h.tracking_number !== card.tracking_number) {
    try {
      q.card = await api("GET", `/api/handoffs/${q.selected}`);
      renderHead();
      await renderCard();
    } catch (error) { showError("conv-error", error); }
  }
}

function renderHead() {
  const h = q.card;
  const mine = state.me && h.agent_username === state.me.username;
  const supervisor = state.me && (state.me.role === "supervisor" || state.me.role === "admin");
  $("conv-title").textContent = h.customer_name || t("queue.conversation", { id: h.conversation_id });
  const who = h.status === "waiting" ? t("handoff.waiting_agent") : h.status === "active"
    ? t("handoff.with", { name: h.agent_name || h.agent_username }) : t("handoff.back_with_bot", { outcome: h.outcome });
  $("conv-sub").textContent = `${label("channel", h.channel)} · ${h.language || "?"} · ${who}`;
  $("conv-sub").dataset.status = h.status;
  const canAct = h.status === "active" && (mine || supervisor);
  $("take").disabled = h.status !== "waiting";
  $("send").disabled = !canAct;
  $("reply").disabled = !canAct;
  $("return").disabled = !canAct;
  $("close").disabled = !canAct;
  $("transfer").disabled = h.status === "closed" || (h.status === "active" && !canAct);
  const select = $("transfer-to");
  clear(select);
  select.append(el("option", { value: "", text: t("handoff.queue_option") }));
  for (const agent of state.agents) {
    if (agent.username === h.agent_username) continue;
    select.append(el("option", { value: agent.username, text: agent.display_name }));
  }
  select.disabled = $("transfer").disabled;
}

export function receive(message) {
  const h = q.card;
  if (h && message.conversation_id === h.conversation_id && q.selected !== null) {
    if (!q.messages.has(message.id)) {
      q.messages.set(message.id, message);
      renderTranscript(true);
    }
  } else if (message.role === "user") {
    q.unread.set(message.conversation_id, (q.unread.get(message.conversation_id) || 0) + 1);
    renderQueue();
  }
}

function renderTranscript(scroll) {
  const list = $("transcript");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  clear(list);
  const messages = [...q.messages.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
  for (const m of messages) list.append(messageItem(m, q.card && q.card.policy));
  if (scroll || nearBottom) list.scrollTop = list.scrollHeight;
}

// One message of a transcript (also the complaint page's transcripts).
export function messageItem(m, policyId) {
  const who = m.role === "user" ? t("role.user") : m.role === "bot" ? t("role.bot") : (m.agent_name || m.agent_username || t("role.agent"));
  let stateLine = null;
  if (m.role === "agent") {
    if (m.delivery_error) stateLine = el("div", { className: "msg-state failed", text: t("msg.not_delivered", { error: m.delivery_error }) });
    else stateLine = el("div", { className: "msg-state", text: m.delivered_at ? t("msg.delivered") : t("msg.sending") });
  }
  return el("li", { className: "msg", dataset: { role: m.role, messageId: String(m.id) } },
    el("div", { className: "msg-head", text: `${who} · ${fmtDateTime(m.at, timezoneOf(policyId))}${m.intent === "nlu_fallback" ? ` · ${t("msg.not_understood")}` : ""}` }),
    el("div", { className: "msg-text", text: m.text }),
    m.buttons && m.buttons.length ? el("div", { className: "msg-buttons", text: `[${m.buttons.join("] [")}]` }) : null,
    m.attachments && m.attachments.length ? el("div", { className: "msg-buttons", text: `📎 ${m.attachments.map((a) => a.filename || a.id).join(", ")}` }) : null,
    stateLine);
}

async function act(path, body) {
  showError("conv-error", null);
  try {
    await api("POST", `/api/handoffs/${q.selected}/${path}`, body);
    await loadConversation(q.selected, { keepScroll: true });
  } catch (error) {
    showError("conv-error", error);
    if (error.status === 409) await loadConversation(q.selected, { keepScroll: true }).catch(() => {});
  }
}

async function send(event) {
  event.preventDefault();
  const box = $("reply");
  const text = box.value.trim();
  if (!text || $("send").disabled) return;
  $("send").disabled = true;
  showError("conv-error", null);
  try {
    const message = await api("POST", `/api/handoffs/${q.selected}/messages`, { text });
    box.value = "";
    q.messages.set(message.id, message);
    renderTranscript(true);
  } catch (error) {
    showError("conv-error", error);
    if (q.selected !== null) {
      const messages = await api("GET", `/api/handoffs/${q.selected}/messages`).catch(() => null);
      if (messages) { q.messages = new Map(messages.map((m) => [m.id, m])); renderTranscript(true); }
    }
  } finally {
    renderHead();
    box.focus();
  }
}

async function renderCard() {
  const h = q.card;
  facts($("card-facts"), [
    [t("card.reason"), label("reason", h.reason)],
    [t("field.language"), h.language ? `${label("language", h.language)} (${h.language})` : t("word.unknown")],
    [t("field.channel"), `${label("channel", h.channel)} (${h.channel})`],
    [t("field.policy"), h.policy],
    [t("card.asked_at"), time(h.requested_at)],
    [t("card.promised_reply"), time(h.expected_reply_by)],
    [t("card.working_hours"), h.within_working_hours ? t("word.yes") : t("card.no_next_shift", { at: time(h.next_shift_starts) })],
    [t("card.time_zone"), timezoneOf(h.policy)],
    [t("card.bot"), h.bot_paused ? t("card.bot_paused") : t("card.bot_active")],
  ]);
  facts($("card-slots"), Object.entries(h.slots).map(([k, v]) => [label("field", k), v]));
  $("card-missing").textContent = h.missing_fields.length ? t("card.still_missing", { fields: h.missing_fields.map((s) => label("field", s)).join(", ") }) : "";
  const view = $("complaint-view");
  clear(view);
  if (h.complaint) {
    const c = h.complaint;
    const d = c.deadlines || {};
    const profile = state.policies.get(c.policy || h.policy);
    view.dataset.status = c.status;
    const box = el("dl", { className: "facts" });
    facts(box, [
      [t("field.tracking_number"), c.tracking_number], [t("field.status"), statusLabel(profile, c.status)], [t("field.created_at"), time(c.created_at)],
      [t("deadline.acknowledge"), time(d.acknowledge_by)], [t("deadline.progress_update"), d.progress_update_by && time(d.progress_update_by)],
      [t("deadline.resolve"), time(d.resolve_by)], [t("field.overdue"), c.overdue ? t("word.yes") : t("word.no")],
    ]);
    view.append(box, el("a", { href: `#/complaint/${c.tracking_number}`, text: t("card.open_complaint") }));
    const shown = q.lastPin;
    if (shown && shown.handoff === h.id && shown.trackingNumber === c.tracking_number) {
      view.append(el("div", { className: "pin", text: t("card.pin_once", { pin: shown.pin }) }));
    }
    $("complaint-form").hidden = true;
    $("status-form").hidden = false;
    $("note-form").hidden = false;
    const select = $("status-select");
    clear(select);
    for (const next of state.statusNext[c.status] || []) select.append(el("option", { value: next, text: statusLabel(profile, next) }));
    $("change-status").disabled = !select.options.length;
  } else {
    delete view.dataset.status;
    $("status-form").hidden = true;
    $("note-form").hidden = true;
    $("complaint-form").hidden = false;
    await renderComplaintForm(h);
  }
}

// The intake fields of a policy as form controls (also the page of a phone complaint); the
// category offers the policy's categories (`profile`).
export function intakeInputs(container, slots, values, profile) {
  clear(container);
  for (const slot of slots) {
    const value = values[slot] || "";
    let input;
    if (slot === "complaint_category") {
      const categories = profile && profile.categories && profile.categories.length
        ? profile.categories.map((c) => [c.id, categoryLabel(profile, c.id)])
        : [["service", t("category.service")], ["product", t("category.product")]];
      input = el("select", { name: slot }, el("option", { value: "", text: "—" }),
        ...categories.map(([value, text]) => el("option", { value, text })));
    } else if (slot === "complaint_text" || slot === "solution_idea") {
      input = el("textarea", { name: slot, rows: 3 });
    } else {
      input = el("input", { name: slot });
    }
    input.value = value;
    container.append(el("label", {}, label("field", slot), input));
  }
}

export async function intakeSlots(policyId) {
  try {
    const profile = await policy(policyId);
    const slots = (profile.intake || []).map((f) => f.slot);
    if (!slots.length) return SLOTS;
    // Where the customer is not asked the category, the agent may still file it (else the
    // policy's handoff team gets the complaint).
    if ((profile.categories || []).length && !slots.includes("complaint_category")) slots.push("complaint_category");
    return slots;
  } catch (_) { return SLOTS; }
}

async function renderComplaintForm(h) {
  const fields = $("complaint-fields");
  const slots = await intakeSlots(h.policy);
  // A live update re-renders the card: what the agent typed in this card's form stays.
  const typed = {};
  if (fields.dataset.handoffId === String(h.id)) {
    for (const input of fields.querySelectorAll("[name]")) typed[input.name] = input.value;
  }
  // One Idempotency-Key per filled form, not per click: a double click registers once.
  if (fields.dataset.handoffId !== String(h.id) || !fields.dataset.idempotencyKey) {
    fields.dataset.idempotencyKey = newIdempotencyKey();
  }
  intakeInputs(fields, slots, Object.assign({}, h.slots, typed), await policy(h.policy).catch(() => null));
  fields.dataset.handoffId = String(h.id);
}

// The customer's message with number and PIN, in the customer's language (that language's
// label file), ready to send.
async function registeredText(language, tn, pin) {
  const response = await fetch(`/agent/i18n/${encodeURIComponent(language || "ru")}.json`);
  const labels = response.ok ? await response.json() : {};
  return (labels["customer.registered"] || t("customer.registered")).replace("{tn}", tn).replace("{pin}", pin);
}

async function register(event) {
  event.preventDefault();
  const h = q.card;
  const fields = $("complaint-fields");
  const key = fields.dataset.idempotencyKey || (fields.dataset.idempotencyKey = newIdempotencyKey());
  showError("card-error", null);
  const body = { policy: h.policy, language: h.language || undefined, channel: h.channel, conversation_id: h.conversation_id };
  for (const input of fields.querySelectorAll("[name]")) {
    if (input.value.trim()) body[input.name] = input.value.trim();
  }
  try {
    const receipt = await api("POST", "/api/complaints", body, { "Idempotency-Key": key });
    // Registered: the next complaint typed into this form is another one.
    if (fields.dataset.idempotencyKey === key) fields.dataset.idempotencyKey = newIdempotencyKey();
    // Kept in this tab only (never stored): the card shows it until another one is registered.
    if (receipt.pin) {
      q.lastPin = { handoff: h.id, trackingNumber: receipt.tracking_number, pin: receipt.pin };
      const text = await registeredText(h.language, receipt.tracking_number, receipt.pin);
      if (!$("reply").disabled && !$("reply").value.trim()) $("reply").value = text;
    }
    await api("POST", `/api/handoffs/${h.id}/complaint`, { tracking_number: receipt.tracking_number });
    await loadConversation(h.id, { keepScroll: true });
  } catch (error) {
    showError("card-error", error);
  }
}

async function changeStatus(event) {
  event.preventDefault();
  const c = q.card && q.card.complaint;
  if (!c) return;
  showError("card-error", null);
  try {
    await api("POST", `/api/complaints/${c.tracking_number}/status`, {
      status: $("status-select").value,
      note: $("status-note").value.trim() || null,
      visible_to_customer: $("status-visible").checked,
    });
    $("status-note").value = "";
    await loadConversation(q.selected, { keepScroll: true });
  } catch (error) { showError("card-error", error, { note: "err.decision_required" }); }
}

async function addNote(event) {
  event.preventDefault();
  const c = q.card && q.card.complaint;
  const note = $("internal-note").value.trim();
  if (!c || !note) return;
  showError("card-error", null);
  try {
    await api("POST", `/api/complaints/${c.tracking_number}/notes`, { note });
    $("internal-note").value = "";
  } catch (error) { showError("card-error", error); }
}

export function wireQueue() {
  $("take").addEventListener("click", () => act("take"));
  $("return").addEventListener("click", () => act("return", {}));
  $("close").addEventListener("click", () => act("close", {}));
  $("transfer").addEventListener("click", () => act("transfer", { username: $("transfer-to").value || null }));
  $("reply-form").addEventListener("submit", send);
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  });
  $("complaint-form").addEventListener("submit", register);
  $("status-form").addEventListener("submit", changeStatus);
  $("note-form").addEventListener("submit", addNote);
  setInterval(() => { if (q.queue.length) renderQueue(); }, 5000);
}
