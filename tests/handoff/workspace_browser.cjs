// The agents' workspace in Debian's headless Chromium (playwright-core): an agent whose browser
// speaks Azerbaijani logs in, registers a complaint received by phone two days ago, checks its
// deadlines on the complaint page, and tries to resolve it without a written decision (the API
// answers 422; the console says why in Azerbaijani). Run by test_workspace_browser_e2e.py;
// prints one JSON line. env: AGENT_URL, AGENT_USERNAME, AGENT_PASSWORD, RECEIVED_AT
// (yyyy-mm-ddThh:mm, the agent's wall clock), CUSTOMER_NAME, SCREENSHOTS.
"use strict";

const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TIMEOUT = 30000;

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const shots = process.env.SCREENSHOTS;
  const result = { errors: [] };
  try {
    const context = await browser.newContext({ locale: "az-AZ", timezoneId: "Asia/Baku", viewport: { width: 1400, height: 900 } });
    const agent = await context.newPage();
    agent.on("pageerror", (e) => result.errors.push(String(e)));
    // Answers with an error status (the expected 422) are the browser's network log, not errors of the page.
    agent.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) result.errors.push(m.text()); });
    result.failedRequests = [];
    agent.on("response", (r) => { if (r.status() >= 400) result.failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`); });
    await agent.goto(process.env.AGENT_URL);
    result.htmlLang = await agent.getAttribute("html", "lang");
    result.loginButton = await agent.textContent("#login-submit");
    await agent.fill("#login-username", process.env.AGENT_USERNAME);
    await agent.fill("#login-password", process.env.AGENT_PASSWORD);
    await agent.click("#login-submit");
    await agent.waitForSelector("#console-view:not([hidden])", { timeout: TIMEOUT });
    result.overdueView = (await agent.textContent("#views [data-view=overdue]")).trim();

    // A complaint received by phone two days ago.
    await agent.click("#new-complaint");
    await agent.waitForSelector("#new-panel:not([hidden]) #new-fields [name=full_name]", { timeout: TIMEOUT });
    await agent.selectOption("#new-policy", "kontakt");
    await agent.waitForSelector("#new-fields [name=complaint_text]", { timeout: TIMEOUT });
    await agent.selectOption("#new-channel", "phone");
    await agent.selectOption("#new-language", "az");
    await agent.fill("#new-received-at", process.env.RECEIVED_AT);
    await agent.fill("#new-fields [name=full_name]", process.env.CUSTOMER_NAME);
    await agent.fill("#new-fields [name=phone]", "050 333 44 55");
    for (const name of await agent.$$eval("#new-fields [name]", (n) => n.map((x) => x.name))) {
      if (name === "complaint_text") await agent.fill("#new-fields [name=complaint_text]", "Kassir pulun qalığını səhv qaytardı");
      // Kontakt does not ask the customer the category; the agent files it (the staff).
      if (name === "complaint_category") await agent.selectOption("#new-fields [name=complaint_category]", "staff");
    }
    await agent.click("#new-submit");
    await agent.waitForFunction(() => document.querySelector("#new-result .pin") || document.querySelector("#new-error").textContent,
      null, { timeout: TIMEOUT });
    result.newError = await agent.textContent("#new-error");
    result.registered = await agent.textContent("#new-result");
    await agent.click("#new-open");
    await agent.waitForSelector("#complaint-panel:not([hidden]) #c-deadlines li", { timeout: TIMEOUT });
    result.title = await agent.textContent("#c-title");
    result.facts = await agent.$$eval("#c-facts dt, #c-facts dd", (n) => n.map((x) => x.textContent));
    result.deadlines = await agent.$$eval("#c-deadlines li", (n) => n.map((x) => ({ kind: x.dataset.kind, state: x.dataset.state, text: x.textContent })));
    result.history = await agent.$$eval("#c-history li", (n) => n.map((x) => x.textContent));
    if (shots) await agent.screenshot({ path: path.join(shots, "workspace-phone-complaint.png"), fullPage: true });

    // Resolve without a written decision: 422, said in Azerbaijani.
    await agent.selectOption("#c-status-select", "resolved");
    result.noteLabel = await agent.textContent("#c-status-note-label");
    await agent.fill("#c-status-note", "");
    await agent.click("#c-change-status");
    await agent.waitForFunction(() => document.querySelector("#c-error").textContent, null, { timeout: TIMEOUT });
    result.resolveError = await agent.textContent("#c-error");
    result.statusAfter = await agent.getAttribute("#c-status", "data-status");
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(1);
});
