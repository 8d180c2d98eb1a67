// The agent console: queue, summary card, transcript and reply box of handed-over conversations.
// Plain JavaScript, no framework. Everything that comes from customers (or the bot) is put into
// the page as text (textContent / text nodes), never as HTML; the page's CSP forbids inline
// scripts besides.
"use strict";

(function () {
  const TOKEN_KEY = "agent_console_token";
  const SLOT_LABELS = {
    full_name: "Name", phone: "Phone", email: "E-mail", staff_member: "Staff member",
    complaint_text: "Complaint", complaint_category: "Category", inverter_model: "Inverter model",
    serial_number: "Serial number", ticket_number: "Ticket number", solution_idea: "Solution idea",
    tracking_number: "Tracking number", requested_slot: "Bot was asking for",
  };
  const REASONS = { requested: "asked for a person", not_understood: "bot did not understand", angry: "customer upset" };
  const REGISTERED_TEXT = {
    ru: (tn, pin) => `Ваша жалоба зарегистрирована. Номер: ${tn}, PIN: ${pin}.`,
    az: (tn, pin) => `Şikayətiniz qeydə alındı. Nömrə: ${tn}, PIN: ${pin}.`,
    ro: (tn, pin) => `Reclamația dvs. a fost înregistrată. Număr: ${tn}, PIN: ${pin}.`,
    tr: (tn, pin) => `Şikayetiniz kaydedildi. Numara: ${tn}, PIN: ${pin}.`,
  };

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    queue: [],
    selected: null, // handoff id
    card: null,
    messages: new Map(), // id -> message of the selected conversation
    unread: new Map(), // conversation_id -> count
    agents: [],
    // status -> the statuses it may change to, from GET /api/statuses (contract/statuses.py)
    statusNext: {},
    policies: new Map(),
    lastPin: null, // {handoff, trackingNumber, pin} of the complaint registered last in this tab
    ws: null,
    wsRetry: 0,
  };

  const $ = (id) => document.getElementById(id);

  // --- DOM helpers: text only -----------------------------------------------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Times are shown in the policy's time zone (what the customer is told), when it is known.
  function fmtTime(iso, policyId) {
    if (!iso) return "—";
    const d = new Date(iso);
    const id = policyId || (state.card && state.card.policy);
    const profile = id && state.policies.get(id);
    const options = { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" };
    if (profile && profile.timezone) options.timeZone = profile.timezone;
    try { return d.toLocaleString(undefined, options); } catch (_) { delete options.timeZone; return d.toLocaleString(undefined, options); }
  }

  function fmtWait(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  // --- HTTP ----------------------------------------------------------------------------------
  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ Authorization: `Bearer ${state.token}` }, extraHeaders || {});
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (response.status === 401) { logout("Your session ended; log in again."); throw new Error("not logged in"); }
    if (!response.ok) {
      const detail = data && data.detail;
      const text = Array.isArray(detail) ? detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("\n")
        : (detail || `error ${response.status}`);
      const error = new Error(text);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function showError(where, error) { $(where).textContent = error ? String(error.message || error) : ""; }

  // --- login ---------------------------------------------------------------------------------
  async function login(event) {
    event.preventDefault();
    showError("login-error", null);
    try {
      const response = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: $("login-username").value, password: $("login-password").value }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.detail || `login failed (${response.status})`);
      state.token = data.access_token;
      sessionStorage.setItem(TOKEN_KEY, state.token);
      $("login-password").value = "";
      await start();
    } catch (error) {
      showError("login-error", error);
    }
  }

  function logout(message) {
    if (state.token) fetch("/api/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${state.token}` } }).catch(() => {});
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    if (state.ws) { state.ws.onclose = null; state.ws.close(); state.ws = null; }
    $("console-view").hidden = true;
    $("login-view").hidden = false;
    showError("login-error", message ? new Error(message) : null);
  }

  async function start() {
    state.me = await api("GET", "/api/auth/me");
    $("me").textContent = `${state.me.display_name} (${state.me.username})`;
    $("login-view").hidden = true;
    $("console-view").hidden = false;
    try { state.agents = await api("GET", "/api/agents"); } catch (_) { state.agents = []; }
    try { state.statusNext = (await api("GET", "/api/statuses")).transitions || {}; } catch (_) { state.statusNext = {}; }
    state.queue = await api("GET", "/api/handoffs");
    renderQueue();
    connect();
  }

  // --- live feed -----------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/console/ws`);
    state.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: state.token }));
    ws.onmessage = (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch (_) { return; }
      if (data.type === "hello") {
        state.wsRetry = 0;
        setConnection("online");
        if (state.selected !== null) loadConversation(state.selected, { keepScroll: true });
      } else if (data.type === "queue") {
        state.queue = data.handoffs;
        renderQueue();
        if (state.selected !== null) refreshCardIfChanged();
      } else if (data.type === "messages") {
        for (const message of data.messages) receive(message);
      }
    };
    ws.onclose = (event) => {
      setConnection("offline");
      if (event.code === 4401) { logout("Your session ended; log in again."); return; }
      const delay = Math.min(10000, 500 * 2 ** state.wsRetry++);
      setTimeout(() => { if (state.token) connect(); }, delay);
    };
  }

  function setConnection(what) {
    const badge = $("connection");
    badge.dataset.state = what;
    badge.textContent = what;
  }

  setInterval(() => {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: "ping" }));
  }, 25000);
  setInterval(() => { if (state.token) renderQueue(); }, 5000);

  // --- the queue -----------------------------------------------------------------------------
  function selectedHandoff() { return state.queue.find((h) => h.id === state.selected) || state.card; }

  function renderQueue() {
    const waiting = state.queue.filter((h) => h.status === "waiting");
    const active = state.queue.filter((h) => h.status === "active");
    $("waiting-count").textContent = String(waiting.length);
    document.title = waiting.length ? `(${waiting.length}) Agent console` : "Agent console";
    for (const [listId, items] of [["queue-waiting", waiting], ["queue-active", active]]) {
      const list = $(listId);
      clear(list);
      for (const h of items) list.append(queueItem(h));
      if (!items.length) list.append(el("li", { className: "muted", text: "none" }));
    }
  }

  function queueItem(h) {
    const mine = state.me && h.agent_username === state.me.username;
    const unread = state.unread.get(h.conversation_id) || 0;
    const classes = ["queue-item", mine ? "mine" : "", h.id === state.selected ? "selected" : ""].join(" ");
    const meta = h.status === "waiting"
      ? `waiting ${fmtWait(h.requested_at)} · ${h.channel} · ${h.language || "?"}`
      : `${h.agent_name || h.agent_username} · ${h.channel} · ${h.language || "?"}`;
    return el("li", { className: classes, dataset: { handoffId: String(h.id), status: h.status }, onclick: () => select(h.id) },
      unread ? el("span", { className: "unread", text: unread }) : null,
      el("div", { className: "who", text: h.customer_name || `Conversation ${h.conversation_id.slice(0, 10)}` }),
      el("div", { className: `meta reason-${h.reason}`, text: REASONS[h.reason] || h.reason }),
      el("div", { className: "meta", text: meta }));
  }

  async function select(id) {
    state.selected = id;
    renderQueue();
    await loadConversation(id);
  }

  async function loadConversation(id, options) {
    showError("conv-error", null);
    showError("card-error", null);
    try {
      const [card, messages] = await Promise.all([api("GET", `/api/handoffs/${id}`), api("GET", `/api/handoffs/${id}/messages`)]);
      if (state.selected !== id) return;
      try { await policy(card.policy); } catch (_) { /* times then in the browser's zone */ }
      state.card = card;
      state.messages = new Map(messages.map((m) => [m.id, m]));
      state.unread.delete(card.conversation_id);
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
    const h = state.queue.find((x) => x.id === state.selected);
    const card = state.card;
    if (!card) return;
    if (!h || h.status !== card.status || h.agent_username !== card.agent_username || h.bot_paused !== card.bot_paused
        || h.tracking_number !== card.tracking_number) {
      try {
        state.card = await api("GET", `/api/handoffs/${state.selected}`);
        renderHead();
        await renderCard();
      } catch (error) { showError("conv-error", error); }
    }
  }

  // --- the conversation ----------------------------------------------------------------------
  function renderHead() {
    const h = state.card;
    const mine = state.me && h.agent_username === state.me.username;
    const supervisor = state.me && (state.me.role === "supervisor" || state.me.role === "admin");
    $("conv-title").textContent = h.customer_name || `Conversation ${h.conversation_id}`;
    const who = h.status === "waiting" ? "waiting for an agent" : h.status === "active" ? `with ${h.agent_name || h.agent_username}` : `back with the bot (${h.outcome})`;
    $("conv-sub").textContent = `${h.channel} · ${h.language || "?"} · ${who}`;
    const canAct = h.status === "active" && (mine || supervisor);
    $("take").disabled = h.status !== "waiting";
    $("send").disabled = !canAct;
    $("reply").disabled = !canAct;
    $("return").disabled = !canAct;
    $("close").disabled = !canAct;
    $("transfer").disabled = h.status === "closed" || (h.status === "active" && !canAct);
    const select = $("transfer-to");
    clear(select);
    select.append(el("option", { value: "", text: "queue" }));
    for (const agent of state.agents) {
      if (agent.username === h.agent_username) continue;
      select.append(el("option", { value: agent.username, text: agent.display_name }));
    }
    select.disabled = $("transfer").disabled;
  }

  function receive(message) {
    const h = state.card;
    if (h && message.conversation_id === h.conversation_id && state.selected !== null) {
      if (!state.messages.has(message.id)) {
        state.messages.set(message.id, message);
        renderTranscript(true);
      }
    } else if (message.role === "user") {
      state.unread.set(message.conversation_id, (state.unread.get(message.conversation_id) || 0) + 1);
      renderQueue();
    }
  }

  function renderTranscript(scroll) {
    const list = $("transcript");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    clear(list);
    const messages = [...state.messages.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
    for (const m of messages) list.append(messageItem(m));
    if (scroll || nearBottom) list.scrollTop = list.scrollHeight;
  }

  function messageItem(m) {
    const who = m.role === "user" ? "Customer" : m.role === "bot" ? "Bot" : (m.agent_name || m.agent_username || "Agent");
    let stateLine = null;
    if (m.role === "agent") {
      if (m.delivery_error) stateLine = el("div", { className: "msg-state failed", text: `not delivered: ${m.delivery_error}` });
      else stateLine = el("div", { className: "msg-state", text: m.delivered_at ? "delivered ✓" : "sending…" });
    }
    return el("li", { className: "msg", dataset: { role: m.role, messageId: String(m.id) } },
      el("div", { className: "msg-head", text: `${who} · ${fmtTime(m.at)}${m.intent === "nlu_fallback" ? " · not understood" : ""}` }),
      el("div", { className: "msg-text", text: m.text }),
      m.buttons && m.buttons.length ? el("div", { className: "msg-buttons", text: `[${m.buttons.join("] [")}]` }) : null,
      m.attachments && m.attachments.length ? el("div", { className: "msg-buttons", text: `📎 ${m.attachments.map((a) => a.filename || a.id).join(", ")}` }) : null,
      stateLine);
  }

  async function act(path, body, where) {
    showError(where || "conv-error", null);
    try {
      await api("POST", `/api/handoffs/${state.selected}/${path}`, body);
      await loadConversation(state.selected, { keepScroll: true });
    } catch (error) {
      showError(where || "conv-error", error);
      if (error.status === 409) await loadConversation(state.selected, { keepScroll: true }).catch(() => {});
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
      const message = await api("POST", `/api/handoffs/${state.selected}/messages`, { text });
      box.value = "";
      state.messages.set(message.id, message);
      renderTranscript(true);
    } catch (error) {
      showError("conv-error", error);
      if (state.selected !== null) {
        const messages = await api("GET", `/api/handoffs/${state.selected}/messages`).catch(() => null);
        if (messages) { state.messages = new Map(messages.map((m) => [m.id, m])); renderTranscript(true); }
      }
    } finally {
      renderHead();
      box.focus();
    }
  }

  // --- the summary card ----------------------------------------------------------------------
  function facts(target, rows) {
    clear(target);
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      target.append(el("dt", { text: label }), el("dd", { text: value }));
    }
  }

  async function policy(id) {
    if (!state.policies.has(id)) state.policies.set(id, await api("GET", `/api/policies/${id}`));
    return state.policies.get(id);
  }

  async function renderCard() {
    const h = state.card;
    facts($("card-facts"), [
      ["Reason", REASONS[h.reason] || h.reason],
      ["Language", h.language || "unknown"],
      ["Channel", h.channel],
      ["Policy", h.policy],
      ["Asked at", fmtTime(h.requested_at)],
      ["Promised reply", fmtTime(h.expected_reply_by)],
      ["Working hours", h.within_working_hours ? "yes" : `no; next shift ${fmtTime(h.next_shift_starts)}`],
      ["Time zone", (state.policies.get(h.policy) || {}).timezone],
      ["Bot", h.bot_paused ? "paused" : "active"],
    ]);
    facts($("card-slots"), Object.entries(h.slots).map(([k, v]) => [SLOT_LABELS[k] || k, v]));
    $("card-missing").textContent = h.missing_fields.length ? `Still missing: ${h.missing_fields.map((s) => SLOT_LABELS[s] || s).join(", ")}` : "";
    const view = $("complaint-view");
    clear(view);
    if (h.complaint) {
      const c = h.complaint;
      const d = c.deadlines || {};
      const box = el("dl", { className: "facts" });
      facts(box, [
        ["Number", c.tracking_number], ["Status", c.status], ["Registered", fmtTime(c.created_at)],
        ["Acknowledge by", fmtTime(d.acknowledge_by)], ["Progress update by", d.progress_update_by && fmtTime(d.progress_update_by)],
        ["Resolve by", fmtTime(d.resolve_by)], ["Overdue", c.overdue ? "yes" : "no"],
      ]);
      view.append(box);
      const shown = state.lastPin;
      if (shown && shown.handoff === h.id && shown.trackingNumber === c.tracking_number) {
        view.append(el("div", { className: "pin", text: `PIN ${shown.pin} is shown only now: give it to the customer.` }));
      }
      $("complaint-form").hidden = true;
      $("status-form").hidden = false;
      $("note-form").hidden = false;
      const select = $("status-select");
      clear(select);
      for (const next of state.statusNext[c.status] || []) select.append(el("option", { value: next, text: next }));
      $("change-status").disabled = !select.options.length;
    } else {
      $("status-form").hidden = true;
      $("note-form").hidden = true;
      $("complaint-form").hidden = false;
      await renderComplaintForm(h);
    }
  }

  async function renderComplaintForm(h) {
    const fields = $("complaint-fields");
    let intake = [];
    try { intake = (await policy(h.policy)).intake || []; } catch (_) { intake = []; }
    // A live update re-renders the card: what the agent typed in this card's form stays.
    const typed = {};
    if (fields.dataset.handoffId === String(h.id)) {
      for (const input of fields.querySelectorAll("[name]")) typed[input.name] = input.value;
    }
    // One Idempotency-Key per filled form, not per click: a double click registers once.
    if (fields.dataset.handoffId !== String(h.id) || !fields.dataset.idempotencyKey) {
      fields.dataset.idempotencyKey = newIdempotencyKey();
    }
    clear(fields);
    fields.dataset.handoffId = String(h.id);
    const slots = intake.length ? intake.map((f) => f.slot) : ["full_name", "phone", "email", "staff_member", "complaint_text"];
    for (const slot of slots) {
      const value = slot in typed ? typed[slot] : (h.slots[slot] || "");
      let input;
      if (slot === "complaint_category") {
        input = el("select", { name: slot }, el("option", { value: "", text: "—" }), el("option", { value: "service", text: "service" }), el("option", { value: "product", text: "product" }));
        input.value = value;
      } else if (slot === "complaint_text" || slot === "solution_idea") {
        input = el("textarea", { name: slot, rows: 3 });
        input.value = value;
      } else {
        input = el("input", { name: slot });
        input.value = value;
      }
      fields.append(el("label", {}, SLOT_LABELS[slot] || slot, input));
    }
  }

  function newIdempotencyKey() {
    // getRandomValues, unlike randomUUID, works on a plain-http console as well.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function register(event) {
    event.preventDefault();
    const h = state.card;
    const fields = $("complaint-fields");
    const key = fields.dataset.idempotencyKey || (fields.dataset.idempotencyKey = newIdempotencyKey());
    showError("card-error", null);
    const body = { policy: h.policy, language: h.language || undefined, channel: h.channel, conversation_id: h.conversation_id };
    for (const input of $("complaint-fields").querySelectorAll("[name]")) {
      if (input.value.trim()) body[input.name] = input.value.trim();
    }
    try {
      const receipt = await api("POST", "/api/complaints", body, { "Idempotency-Key": key });
      // Registered: the next complaint typed into this form is another one.
      if (fields.dataset.idempotencyKey === key) fields.dataset.idempotencyKey = newIdempotencyKey();
      // Kept in this tab only (never stored): the card shows it until another one is registered.
      if (receipt.pin) {
        state.lastPin = { handoff: h.id, trackingNumber: receipt.tracking_number, pin: receipt.pin };
        // The number and PIN for the customer, in their language, ready to send.
        const template = REGISTERED_TEXT[h.language] || REGISTERED_TEXT.ru;
        if (!$("reply").disabled && !$("reply").value.trim()) $("reply").value = template(receipt.tracking_number, receipt.pin);
      }
      await api("POST", `/api/handoffs/${h.id}/complaint`, { tracking_number: receipt.tracking_number });
      await loadConversation(h.id, { keepScroll: true });
    } catch (error) {
      showError("card-error", error);
    }
  }

  async function changeStatus(event) {
    event.preventDefault();
    const c = state.card && state.card.complaint;
    if (!c) return;
    showError("card-error", null);
    try {
      await api("POST", `/api/complaints/${c.tracking_number}/status`, {
        status: $("status-select").value,
        note: $("status-note").value.trim() || null,
        visible_to_customer: $("status-visible").checked,
      });
      $("status-note").value = "";
      await loadConversation(state.selected, { keepScroll: true });
    } catch (error) { showError("card-error", error); }
  }

  async function addNote(event) {
    event.preventDefault();
    const c = state.card && state.card.complaint;
    const note = $("internal-note").value.trim();
    if (!c || !note) return;
    showError("card-error", null);
    try {
      await api("POST", `/api/complaints/${c.tracking_number}/notes`, { note });
      $("internal-note").value = "";
    } catch (error) { showError("card-error", error); }
  }

  // --- wiring --------------------------------------------------------------------------------
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout(null));
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

  if (state.token) start().catch(() => logout(null));
  else $("login-view").hidden = false;
})();
