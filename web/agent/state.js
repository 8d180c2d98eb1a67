// What the console's modules share: who is logged in, the agents, the statuses' transitions
// and the policy profiles (read once each).
import { api } from "./api.js";

export const state = {
  me: null,
  agents: [],
  // status -> the statuses it may change to, from GET /api/statuses (contract/statuses.py)
  statusNext: {},
  statuses: [],
  policyIds: [],
  policies: new Map(),
  // GET /api/teams: every policy's teams with their members
  teams: [],
};

export async function policy(id) {
  if (!id) return null;
  if (!state.policies.has(id)) state.policies.set(id, await api("GET", `/api/policies/${encodeURIComponent(id)}`));
  return state.policies.get(id);
}

export function timezoneOf(id) {
  const profile = id && state.policies.get(id);
  return profile ? profile.timezone : undefined;
}
