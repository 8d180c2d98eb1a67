// The /reports page: the console's login (the same bearer token, web/agent/api.js), then the
// figures as HTML with SVG plots written by the server (GET /api/reports/page), and the CSV
// links fetched with the token and saved as files.
import { ApiError, login, logoutCall, session } from "/agent/api.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
const lang = body.dataset.lang;

function show(view) {
  $("login-view").hidden = view !== "login";
  $("reports-view").hidden = view !== "reports";
}

function message(text) {
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = text;
  $("figures").replaceChildren(p);
}

function chosen() {
  const params = new URLSearchParams(location.search);
  for (const name of ["policy", "from", "to"]) {
    if (params.get(name)) $(name).value = params.get(name);
  }
  const query = new URLSearchParams({ policy: $("policy").value, lang });
  if ($("from").value) query.set("from", $("from").value);
  if ($("to").value) query.set("to", $("to").value);
  return query;
}

async function load() {
  const figures = $("figures");
  figures.setAttribute("aria-busy", "true");
  figures.textContent = body.dataset.loading;
  const response = await fetch(`/api/reports/page?${chosen()}`, { headers: { Authorization: `Bearer ${session.token}` } });
  figures.removeAttribute("aria-busy");
  if (response.status === 401) { logoutCall(); show("login"); return; }
  if (response.status === 403) { message(body.dataset.forbidden); return; }
  if (!response.ok) { message(body.dataset.failed); return; }
  // HTML the server wrote and escaped (backend/app/reports/figures.html); no script runs in it.
  figures.innerHTML = await response.text();
  // The picker shows the period the figures are of (the defaults included).
  const period = figures.querySelector(".period");
  if (period) {
    $("policy").value = period.dataset.policy;
    $("from").value = period.dataset.from;
    $("to").value = period.dataset.to;
  }
  document.body.dataset.loaded = "true";
}

async function download(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!response.ok) throw new ApiError(response.status, null);
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name ? name[1] : "report.csv";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

$("figures").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-csv]");
  if (!link) return;
  event.preventDefault();
  download(link.dataset.csv).catch(() => message(body.dataset.failed));
});

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await login($("login-username").value, $("login-password").value);
    show("reports");
    await load();
  } catch (error) {
    $("login-error").textContent = error instanceof ApiError && error.detail ? error.detail : String(error);
  }
});

$("logout").addEventListener("click", () => { logoutCall(); show("login"); });

// Language links keep the chosen policy and period.
for (const link of document.querySelectorAll(".langs a")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const query = chosen();
    query.set("lang", link.dataset.lang);
    location.search = query.toString();
  });
}

if (session.token) { show("reports"); load(); } else { show("login"); }
