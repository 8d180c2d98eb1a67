// Telegram for alerts: the agent links their chat with the staff bot by a one-time code
// (POST /api/staff-telegram/link-code, then `/start CODE` to the bot, or the t.me deep link),
// sees whether it is linked (GET /api/staff-telegram/link) and unlinks it (DELETE).
import { api } from "./api.js";
import { $, clear, el } from "./dom.js";
import { errorText, fmtDateTime, t } from "./i18n.js";

export async function showTelegram() {
  $("telegram-error").textContent = "";
  const box = $("telegram-status");
  clear(box);
  clear($("telegram-code"));
  let status;
  try { status = await api("GET", "/api/staff-telegram/link"); } catch (error) { $("telegram-error").textContent = errorText(error); return; }
  if (!status.enabled) {
    box.append(el("p", { className: "muted", text: t("telegram.off") }));
    return;
  }
  box.dataset.linked = status.linked ? "yes" : "no";
  box.append(el("p", { id: "telegram-state", text: status.linked
    ? t("telegram.linked", { username: status.username ? `@${status.username}` : "Telegram", when: fmtDateTime(status.linked_at) })
    : t("telegram.not_linked") }));
  box.append(el("button", { id: "telegram-link", type: "button", className: "primary", onclick: issueCode,
    text: t(status.linked ? "telegram.relink" : "telegram.link") }));
  if (status.linked) box.append(" ", el("button", { id: "telegram-unlink", type: "button", onclick: unlink, text: t("telegram.unlink") }));
}

async function issueCode() {
  $("telegram-error").textContent = "";
  const target = $("telegram-code");
  clear(target);
  try {
    const code = await api("POST", "/api/staff-telegram/link-code");
    target.append(
      el("p", { text: t("telegram.instructions") }),
      el("p", {}, el("code", { id: "telegram-command", className: "link-command", text: code.command })),
      code.deep_link ? el("p", {}, el("a", { id: "telegram-deep-link", href: code.deep_link, target: "_blank", rel: "noopener", text: t("telegram.open_bot") })) : null,
      el("p", { className: "muted", text: t("telegram.expires", { time: fmtDateTime(code.expires_at) }) }));
  } catch (error) { $("telegram-error").textContent = errorText(error); }
}

async function unlink() {
  $("telegram-error").textContent = "";
  try {
    await api("DELETE", "/api/staff-telegram/link");
    await showTelegram();
  } catch (error) { $("telegram-error").textContent = errorText(error); }
}
