// The console's language: the labels the server rendered the page with (a JSON data block,
// from backend/texts/console/<lang>.yml), dates the local way, statuses with the policy's labels.
import { $ } from "./dom.js";

export const lang = document.body.dataset.lang || "en";
const labels = JSON.parse($("i18n").textContent);

// t("list.page", {from: 1, to: 20, total: 55}); an unknown key shows itself (a test keeps
// every key the scripts use in every label file).
export function t(key, vars) {
  const text = Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}

// A label when there is one (field.x, channel.x...), else the raw value.
export function label(prefix, value) {
  if (value === null || value === undefined || value === "") return "";
  const key = `${prefix}.${value}`;
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : String(value);
}

// Month and weekday names and the long date's order from Babel (the page's "dates" block):
// browsers lack some languages' date data (Chromium writes Azerbaijani "2026 M12 10, Thu").
const names = JSON.parse($("dates").textContent);

// The moment's calendar fields in the time zone (the browser's own when none or unknown).
function fields(date, timeZone) {
  const options = { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-US", timeZone ? { ...options, timeZone } : options).formatToParts(date);
  } catch (_) {
    parts = new Intl.DateTimeFormat("en-US", options).formatToParts(date);
  }
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { y: get("year"), m: get("month"), d: get("day"), hh: get("hour") % 24, mm: get("minute") };
}

function localDate(f) {
  const weekday = names.weekdays[(new Date(Date.UTC(f.y, f.m - 1, f.d)).getUTCDay() + 6) % 7];
  const day = names.date.replace("{d}", String(f.d)).replace("{MMMM}", names.months[f.m - 1]).replace("{y}", String(f.y));
  return `${weekday}, ${day}`;
}

const pad = (n) => String(n).padStart(2, "0");

// "Ç.a., 18 iyun 2025, 14:05": weekday and month names in the agent's language, in the
// policy's time zone (what the customer is told).
export function fmtDateTime(iso, timeZone) {
  if (!iso) return "—";
  const f = fields(new Date(iso), timeZone);
  return `${localDate(f)}, ${pad(f.hh)}:${pad(f.mm)}`;
}

export function fmtDate(iso, timeZone) {
  if (!iso) return "—";
  return localDate(fields(new Date(iso), timeZone));
}

// The policy profile's label of a status in the agent's language (status_labels, else the
// profile's own customer labels, else the console's default set).
export function statusLabel(profile, status) {
  const own = profile && ((profile.status_labels && profile.status_labels[lang]) || (profile.statuses && profile.statuses[lang]));
  return (own && own[status]) || label("statuses", status);
}

// An API refusal in the agent's language. `fields` maps a field to the key that says why it
// is wanted (e.g. note -> err.decision_required when resolving).
export function errorText(error, fields) {
  if (!error) return "";
  const hint = fields || {};
  const detail = error.detail;
  if (error.status === 422) {
    if (Array.isArray(detail) && detail.length) {
      return detail.map((d) => {
        const field = String((d.loc || []).slice(-1)[0] || "");
        if (hint[field]) return t(hint[field]);
        const name = label("field", field) || field;
        return t(d.type === "missing" ? "err.required" : "err.invalid", { field: name });
      }).join("\n");
    }
    const named = Object.keys(hint).find((field) => typeof detail === "string" && detail.includes(field));
    if (named) return t(hint[named]);
    return t("err.invalid", { field: typeof detail === "string" ? detail : "" });
  }
  if (error.status === 409) return t(hint[409] || "err.conflict");
  if (error.status === 403) return t("err.forbidden");
  if (error.status === 404) return t("err.not_found");
  if (error.status === 429) return t("err.too_many");
  return error.status ? t("err.http", { status: error.status }) : String(error.message || error);
}
