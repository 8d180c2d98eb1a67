// Teams: their names and the categories' labels from the profiles (GET /api/teams, the
// policies), the admin's page of who is in which team (#/teams), and what the lists and the
// complaint page show of them.
import { api } from "./api.js";
import { $, clear, el, options } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import { state } from "./state.js";

export async function loadTeams() {
  state.teams = await api("GET", "/api/teams");
  return state.teams;
}

function named(names) { return (names && (names[lang] || names.en)) || ""; }

export function teamName(teamId) {
  const team = state.teams.find((x) => x.id === teamId);
  return team ? named(team.names) || team.key : "";
}

// A category's label in the console's language (the policy's profile), else its id.
export function categoryLabel(profile, id) {
  if (!id) return "";
  const category = profile && (profile.categories || []).find((c) => c.id === id);
  return (category && named(category.labels)) || id;
}

export function teamOptions() {
  return [["", t("team.any")], ["mine", t("team.mine")],
    ...state.teams.map((x) => [String(x.id), `${x.policy} · ${named(x.names) || x.key}`])];
}

export async function showTeams() {
  $("teams-error").textContent = "";
  const box = $("teams-list");
  clear(box);
  try { await loadTeams(); } catch (error) { $("teams-error").textContent = errorText(error); return; }
  const admin = state.me && state.me.role === "admin";
  for (const team of state.teams) box.append(teamCard(team, admin));
  if (admin) box.append(await emailCard());
}

// The admin sets each agent's address for their alerts (backend/app/alerts); "" removes it.
async function emailCard() {
  try { state.agents = await api("GET", "/api/agents"); } catch (_) { /* the list from the start */ }
  const rows = el("ul", { className: "plain" });
  for (const agent of state.agents) {
    const input = el("input", { type: "email", maxlength: "254", value: agent.email || "", "aria-label": `${t("alerts.email")}: ${agent.username}` });
    rows.append(el("li", { dataset: { username: agent.username } }, `${agent.display_name} (${agent.username}) `,
      el("form", { className: "inline", onsubmit: (event) => { event.preventDefault(); saveEmail(agent.username, input.value.trim()); } },
        input, el("button", { type: "submit", text: t("alerts.email_save") }))));
  }
  return el("div", { className: "email-card" }, el("h3", { text: t("alerts.agents_email") }), rows);
}

async function saveEmail(username, email) {
  $("teams-error").textContent = "";
  try {
    await api("PATCH", `/api/agents/${encodeURIComponent(username)}`, { email });
    $("teams-error").textContent = t("alerts.email_saved");
  } catch (error) { $("teams-error").textContent = errorText(error); }
}

function teamCard(team, admin) {
  const profile = state.policies.get(team.policy);
  const categories = team.categories.map((c) => categoryLabel(profile, c)).join(", ");
  const members = el("ul", { className: "plain" });
  for (const m of team.members) {
    members.append(el("li", { dataset: { username: m.username } }, `${m.display_name} (${m.username}) `,
      admin ? el("button", { type: "button", className: "remove-member", onclick: () => change(team, "DELETE", m.username), text: t("teams.remove") }) : null));
  }
  if (!team.members.length) members.append(el("li", { className: "muted", text: t("teams.none") }));
  const card = el("div", { className: "team-card", dataset: { teamId: String(team.id), policy: team.policy, key: team.key } },
    el("h3", { text: `${team.policy} · ${named(team.names) || team.key}` }),
    categories ? el("p", {}, `${t("teams.categories")}: ${categories}`) : null,
    team.handoff ? el("p", { className: "muted", text: t("teams.handoff") }) : null,
    el("h4", { text: t("teams.members") }), members);
  if (admin) {
    const select = el("select", { className: "member-select", "aria-label": t("teams.add") });
    const taken = new Set(team.members.map((m) => m.username));
    options(select, state.agents.filter((a) => !taken.has(a.username)).map((a) => [a.username, a.display_name]));
    card.append(el("form", { className: "status-form", onsubmit: (event) => { event.preventDefault(); if (select.value) change(team, "PUT", select.value); } },
      select, el("button", { type: "submit", text: t("teams.add") })));
  }
  return card;
}

async function change(team, method, username) {
  $("teams-error").textContent = "";
  try {
    await api(method, `/api/teams/${team.id}/members/${encodeURIComponent(username)}`);
    await showTeams();
  } catch (error) { $("teams-error").textContent = errorText(error); }
}
