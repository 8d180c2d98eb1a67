// The teams in the console, in Debian's headless Chromium (playwright-core): an admin whose
// browser speaks Turkish opens the teams page, adds an agent to Poliser's finance team, opens a
// billing complaint (its team shown), changes its category to delivery and finds it in the
// logistics team's queue. Run by test_teams_browser_e2e.py; prints one JSON line.
// env: AGENT_URL, ADMIN_USERNAME, ADMIN_PASSWORD, MEMBER, TRACKING_NUMBER, FINANCE_ID, LOGISTICS_ID, SCREENSHOTS.
"use strict";

const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TIMEOUT = 30000;
const env = process.env;

async function facts(page) {
  return page.$$eval("#c-facts dt", (n) => Object.fromEntries(n.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
}

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const result = { errors: [] };
  try {
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => result.errors.push(String(e)));
    // The browser's own favicon request is not the page's.
    page.on("console", (m) => {
      const where = m.location().url || "";
      if (m.type() === "error" && !where.endsWith("/favicon.ico")) result.errors.push(`${m.text()} ${where}`.trim());
    });
    page.on("response", (r) => { if (r.status() >= 400) result.errors.push(`${r.status()} ${r.url()}`); });
    await page.goto(env.AGENT_URL);
    await page.fill("#login-username", env.ADMIN_USERNAME);
    await page.fill("#login-password", env.ADMIN_PASSWORD);
    await page.click("#login-submit");
    await page.waitForSelector("#connection[data-state=online]", { timeout: TIMEOUT });

    await page.click("#teams-open");
    const finance = page.locator(`.team-card[data-team-id="${env.FINANCE_ID}"]`);
    await finance.waitFor({ timeout: TIMEOUT });
    result.financeTitle = await finance.locator("h3").innerText();
    await finance.locator(".member-select").selectOption(env.MEMBER);
    await finance.locator("button[type=submit]").click();
    await page.locator(`.team-card[data-team-id="${env.FINANCE_ID}"] li[data-username="${env.MEMBER}"]`).waitFor({ timeout: TIMEOUT });
    result.financeMembers = await page.locator(`.team-card[data-team-id="${env.FINANCE_ID}"]`).innerText();
    if (env.SCREENSHOTS) await page.screenshot({ path: path.join(env.SCREENSHOTS, "console-teams.png") });

    await page.evaluate((n) => { location.hash = `#/complaint/${n}`; }, env.TRACKING_NUMBER);
    await page.waitForSelector("#c-category-select option", { state: "attached", timeout: TIMEOUT });
    result.factsBefore = await facts(page);
    await page.selectOption("#c-category-select", "delivery");
    await page.click("#c-change-category");
    await page.waitForSelector("#c-history li[data-kind=category]", { timeout: TIMEOUT });
    result.factsAfter = await facts(page);
    result.historyText = await page.locator("#c-history li[data-kind=category]").innerText();

    await page.evaluate(() => { location.hash = "#/view/all"; });
    await page.waitForSelector("#filter-team option", { state: "attached", timeout: TIMEOUT });
    await page.selectOption("#filter-team", env.LOGISTICS_ID);
    await page.locator(`#complaint-rows tr[data-tracking-number="${env.TRACKING_NUMBER}"]`).waitFor({ timeout: TIMEOUT });
    await page.selectOption("#filter-team", env.FINANCE_ID);
    await page.waitForFunction((n) => !document.querySelector(`#complaint-rows tr[data-tracking-number="${n}"]`), env.TRACKING_NUMBER, { timeout: TIMEOUT });
    result.teamOptions = await page.$$eval("#filter-team option", (n) => n.map((o) => o.textContent));
    if (env.SCREENSHOTS) await page.screenshot({ path: path.join(env.SCREENSHOTS, "console-team-queue.png") });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exit(1); });
