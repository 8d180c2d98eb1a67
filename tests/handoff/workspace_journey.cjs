// An overdue web chat complaint worked through from the console in Debian's headless Chromium
// (playwright-core): an agent whose browser speaks Azerbaijani logs in, finds the complaint in
// the overdue view, takes it, sends a delay notice, resolves it with a written decision and,
// once the customer has rejected it, finds it in the rejected view. Run by
// test_workspace_journey_e2e.py, which plays the customer: after each step the driver prints
// one JSON line and waits for a line on stdin before the next one.
// env: AGENT_URL, AGENT_USERNAME, AGENT_PASSWORD, TRACKING_NUMBER, DELAY_REASON, DELAY_DATE
//      (yyyy-mm-dd), DECISION, STEPS_TAKEN, SCREENSHOTS.
"use strict";

const path = require("path");
const readline = require("readline");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TIMEOUT = 30000;
const env = process.env;
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function report(step, data) {
  process.stdout.write(JSON.stringify({ step, ...data }) + "\n");
}

// The test says "go" once the customer has seen (and answered) what the step sent.
async function waitForTest() {
  const { value, done } = await lines.next();
  if (done || value.trim() !== "go") throw new Error(`the test said ${done ? "nothing" : JSON.stringify(value)}`);
}

async function historyKinds(page) {
  return page.$$eval("#c-history li", (n) => n.map((x) => ({ kind: x.dataset.kind, status: x.dataset.status || null, text: x.textContent })));
}

// Opens a view and returns the row of the complaint (its text and status) once listed.
async function rowInView(page, view) {
  await page.click(`#views [data-view=${view}]`);
  await page.waitForSelector(`#views [data-view=${view}].selected`, { timeout: TIMEOUT });
  const row = page.locator(`#complaint-rows tr[data-tracking-number="${env.TRACKING_NUMBER}"]`);
  await row.waitFor({ timeout: TIMEOUT });
  // The counts come back after the list (list.js refreshCounts).
  await page.waitForFunction((id) => document.getElementById(id).textContent !== "0", `count-${view}`, { timeout: TIMEOUT });
  return {
    title: await page.textContent("#list-title"),
    button: (await page.textContent(`#views [data-view=${view}]`)).trim(),
    count: Number(await page.textContent(`#count-${view}`)),
    cells: await row.locator("td").allTextContents(),
    status: await row.getAttribute("data-status"),
    overdueRow: await row.evaluate((tr) => tr.classList.contains("overdue")),
    row,
  };
}

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const shots = env.SCREENSHOTS;
  const errors = [];
  const failedRequests = [];
  try {
    const context = await browser.newContext({ locale: "az-AZ", timezoneId: "Asia/Baku", viewport: { width: 1400, height: 900 } });
    const agent = await context.newPage();
    agent.on("pageerror", (e) => errors.push(String(e)));
    agent.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    agent.on("response", (r) => { if (r.status() >= 400) failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`); });

    // 1. Log in (the console in Azerbaijani from the browser's language), the overdue view.
    await agent.goto(env.AGENT_URL);
    const htmlLang = await agent.getAttribute("html", "lang");
    await agent.fill("#login-username", env.AGENT_USERNAME);
    await agent.fill("#login-password", env.AGENT_PASSWORD);
    await agent.click("#login-submit");
    await agent.waitForSelector("#console-view:not([hidden])", { timeout: TIMEOUT });
    const overdue = await rowInView(agent, "overdue");
    await overdue.row.click();
    await agent.waitForSelector(`#complaint-panel:not([hidden])[data-tracking-number="${env.TRACKING_NUMBER}"] #c-deadlines li`, { timeout: TIMEOUT });
    const deadlines = await agent.$$eval("#c-deadlines li", (n) => n.map((x) => ({ kind: x.dataset.kind, state: x.dataset.state, text: x.textContent })));

    // 2. Take it, then the delay notice (reason and new date).
    await agent.click("#c-take");
    await agent.waitForFunction(() => document.querySelector("#c-take").disabled, null, { timeout: TIMEOUT });
    const facts = await agent.$$eval("#c-facts dt, #c-facts dd", (n) => n.map((x) => x.textContent));
    await agent.fill("#c-delay-reason", env.DELAY_REASON);
    await agent.fill("#c-delay-date", env.DELAY_DATE);
    await agent.click("#c-send-delay");
    await agent.waitForSelector("#c-history li[data-kind=delay]", { timeout: TIMEOUT });
    report("delayed", {
      htmlLang,
      overdue: { title: overdue.title, button: overdue.button, count: overdue.count, cells: overdue.cells, overdueRow: overdue.overdueRow },
      deadlines,
      facts,
      history: await historyKinds(agent),
      error: await agent.textContent("#c-error"),
    });
    await waitForTest();

    // 3. Resolve with the written decision and the steps taken.
    await agent.selectOption("#c-status-select", "resolved");
    const noteLabel = await agent.textContent("#c-status-note-label");
    await agent.fill("#c-status-note", env.DECISION);
    await agent.fill("#c-steps", env.STEPS_TAKEN);
    await agent.click("#c-change-status");
    await agent.waitForSelector("#c-status[data-status=resolved]", { timeout: TIMEOUT });
    report("resolved", {
      noteLabel,
      badge: await agent.textContent("#c-status"),
      history: await historyKinds(agent),
      error: await agent.textContent("#c-error"),
    });
    await waitForTest();

    // 4. The customer rejected the decision: the complaint is in the rejected view.
    const rejected = await rowInView(agent, "rejected");
    if (shots) await agent.screenshot({ path: path.join(shots, "workspace-journey-rejected.png"), fullPage: true });
    report("rejected", {
      rejected: { title: rejected.title, button: rejected.button, count: rejected.count, cells: rejected.cells, status: rejected.status },
      errors,
      failedRequests,
    });
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(1);
});
