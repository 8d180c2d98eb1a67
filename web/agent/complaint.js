// The complaint page: every field, the deadlines with working days left and a colour, the
// history as a timeline, notifications (retry the failed), attachments (fetched with the
// bearer header: images shown, documents saved), every conversation's transcript and the
// customer's earlier complaints.
import { api, blobUrl } from "./api.js";
import { $, clear, el, facts } from "./dom.js";
import { errorText, fmtDateTime, label, statusLabel, t } from "./i18n.js";
import { messageItem } from "./queue.js";
import { policy, state } from "./state.js";
import { categoryLabel, teamName } from "./teams.js";

export const page = { complaint: null, profile: null, urls: [] };
const FIELDS = ["full_name", "phone", "email", "staff_member", "complaint_text", "complaint_category", "inverter_model",
  "serial_number", "ticket_number", "solution_idea"];
const DEADLINE_FIELDS = { acknowledge: "acknowledge_by", investigate: "investigate_by", progress_update: "progress_update_by", resolve: "resolve_by" };

export function showPageError(error, fields) {
  $("c-error").textContent = error ? errorText(error, fields) : "";
  $("c-error").title = error && typeof error.detail === "string" ? error.detail : "";
}

export async function showComplaint(trackingNumber, options) {
  if (!(options && options.keepError)) showPageError(null);
  try {
    const c = await api("GET", `/api/complaints/${encodeURIComponent(trackingNumber)}`);
    page.profile = await policy(c.policy).catch(() => null);
    page.complaint = c;
    render(c);
  } catch (error) { showPageError(error); }
  return page.complaint;
}

const time = (iso) => fmtDateTime(iso, page.profile && page.profile.timezone);

function assigneeName(a) { return !a ? t("word.nobody") : typeof a === "string" ? a : `${a.display_name} (${a.username})`; }

function render(c) {
  $("c-title").textContent = `${c.tracking_number} · ${c.full_name || "—"}`;
  const badge = $("c-status");
  badge.textContent = statusLabel(page.profile, c.status);
  badge.dataset.status = c.status;
  $("complaint-panel").dataset.trackingNumber = c.tracking_number;
  facts($("c-facts"), [
    [t("field.tracking_number"), c.tracking_number],
    [t("field.status"), statusLabel(page.profile, c.status)],
    [t("field.policy"), (page.profile && page.profile.company) || c.policy],
    [t("field.channel"), label("channel", c.channel)],
    [t("field.language"), label("language", c.language)],
    [t("field.assigned_to"), assigneeName(c.assigned_to)],
    [t("field.team"), c.team_id ? teamName(c.team_id) || c.team : null],
    [t("field.received_at"), time(c.received_at)],
    [t("field.created_at"), time(c.created_at)],
    [t("field.acknowledged_at"), c.acknowledged_at && time(c.acknowledged_at)],
    ...FIELDS.map((f) => [label("field", f), f === "complaint_category" ? categoryLabel(page.profile, c[f]) : c[f]]),
    [t("field.outcome"), c.outcome && label("outcome", c.outcome)],
    [t("field.steps_taken"), c.steps_taken],
    [t("field.delayed_to"), c.delayed_to && time(c.delayed_to)],
    [t("field.rating"), c.rating],
    [t("field.rejections"), c.rejections || null],
    [t("field.erased_at"), c.erased_at && time(c.erased_at)],
  ]);
  renderDeadlines(c);
  renderHistory(c);
  renderNotifications(c);
  renderAttachments(c);
  renderTranscripts(c);
  renderEarlier(c);
}

// deadline_states from the API; without them, the dates alone.
function renderDeadlines(c) {
  const list = $("c-deadlines");
  clear(list);
  const states = c.deadline_states || Object.entries(DEADLINE_FIELDS)
    .filter(([, field]) => c.deadlines && c.deadlines[field]).map(([kind, field]) => ({ kind, due_at: c.deadlines[field], state: null }));
  for (const d of states) {
    const left = typeof d.working_days_left === "number"
      ? (d.working_days_left < 0 ? t("deadline.days_over", { n: -d.working_days_left }) : t("deadline.days_left", { n: d.working_days_left })) : "";
    list.append(el("li", { className: `deadline ${d.state || ""}`, dataset: { kind: d.kind, state: d.state || "" } },
      el("strong", { text: t(`deadline.${d.kind}`) }), " ",
      el("span", { className: "due", text: time(d.due_at) }), " ",
      left ? el("span", { className: "left", text: left }) : null, " ",
      d.state ? el("span", { className: `badge ${d.state}`, text: t(`deadline.state.${d.state}`) }) : null));
  }
}

function renderHistory(c) {
  const list = $("c-history");
  clear(list);
  for (const h of c.history || []) {
    const what = h.kind === "status" ? `${t("history.status")}: ${statusLabel(page.profile, h.status)}` : label("history", h.kind);
    list.append(el("li", { className: `event ${h.kind}`, dataset: { kind: h.kind, status: h.status } },
      el("div", { className: "event-head", text: `${time(h.at)} · ${h.actor}` }),
      el("div", { className: "event-what", text: what }),
      h.note ? el("div", { className: "event-note", text: h.note }) : null,
      h.kind === "status" && !h.visible_to_customer ? el("div", { className: "muted", text: t("history.internal") }) : null));
  }
}

function renderNotifications(c) {
  const list = $("c-notifications");
  clear(list);
  for (const n of c.notifications || []) {
    const when = n.sent_at ? t("notification.sent", { at: time(n.sent_at) }) : t("notification.due", { at: time(n.due_at) });
    const retry = n.state === "failed" && n.id
      ? el("button", { type: "button", className: "retry", onclick: () => retryNotification(c, n.id), text: t("notification.retry") }) : null;
    list.append(el("li", { className: `notification ${n.state || ""}`, dataset: { state: n.state || "", kind: n.kind } },
      el("strong", { text: label("notification", n.kind) }), " · ",
      el("span", { className: `badge ${n.state === "failed" ? "breached" : ""}`, text: label("notification.state", n.state) }),
      ` · ${when}${n.channel ? ` · ${label("channel", n.channel)}` : ""}`,
      n.last_error ? el("div", { className: "muted", text: n.last_error }) : null, retry));
  }
  if (!list.firstChild) list.append(el("li", { className: "muted", text: t("complaint.none") }));
}

async function retryNotification(c, id) {
  showPageError(null);
  try {
    await api("POST", `/api/complaints/${c.tracking_number}/notifications/${id}/retry`);
    await showComplaint(c.tracking_number);
  } catch (error) { showPageError(error); }
}

function renderAttachments(c) {
  const box = $("c-attachments");
  for (const url of page.urls) URL.revokeObjectURL(url);
  page.urls = [];
  clear(box);
  for (const a of c.attachments || []) {
    const path = `/api/attachments/${a.id}`;
    if ((a.content_type || "").startsWith("image/")) {
      const img = el("img", { className: "attachment-image", alt: a.filename });
      blobUrl(path).then((url) => { page.urls.push(url); img.src = url; }).catch(() => { img.alt = `${a.filename} (${t("err.not_found")})`; });
      box.append(el("figure", {}, img, el("figcaption", { text: a.filename })));
    } else {
      box.append(el("div", {}, el("button", { type: "button", className: "download", onclick: () => download(path, a.filename), text: `${t("attachment.download")}: ${a.filename}` })));
    }
  }
  if (!box.firstChild) box.append(el("p", { className: "muted", text: t("complaint.none") }));
}

async function download(path, filename) {
  try {
    const url = await blobUrl(path);
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) { showPageError(error); }
}

async function renderTranscripts(c) {
  const box = $("c-transcripts");
  clear(box);
  const ids = c.conversations || (c.conversation_id ? [c.conversation_id] : []);
  for (const id of ids) {
    const list = el("ol", { className: "transcript page-transcript", dataset: { conversationId: id } });
    box.append(el("h4", { text: `${t("field.conversation_id")} ${id}` }), list);
    try {
      const messages = await api("GET", `/api/conversations/${encodeURIComponent(id)}/messages`);
      for (const m of messages) list.append(messageItem(m, c.policy));
      if (!messages.length) list.append(el("li", { className: "muted", text: t("transcript.empty") }));
    } catch (error) { list.append(el("li", { className: "error", text: errorText(error) })); }
  }
  if (!ids.length) box.append(el("p", { className: "muted", text: t("complaint.none") }));
}

function renderEarlier(c) {
  const list = $("c-earlier");
  clear(list);
  for (const e of c.earlier_complaints || []) {
    list.append(el("li", {}, el("a", { href: `#/complaint/${e.tracking_number}`, text: e.tracking_number }),
      ` · ${statusLabel(state.policies.get(e.policy) || page.profile, e.status)} · ${time(e.created_at)}`));
  }
  if (!list.firstChild) list.append(el("li", { className: "muted", text: t("complaint.none") }));
}
