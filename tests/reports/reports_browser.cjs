// The /reports page in Debian's headless Chromium (playwright-core): a browser set to Russian
// opens /reports; an agent logs in and is told the reports are for supervisors; the supervisor
// logs in and sees the figures with their SVG plots, saves the CSV of the channel figure, and
// switches the page to Turkish. Screenshots of both in SCREENSHOTS. Run by
// test_reports_browser_e2e.py; prints one JSON line.
// env: REPORTS_URL, AGENT_USERNAME, SUPERVISOR_USERNAME, PASSWORD, SCREENSHOTS.
"use strict";

const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TIMEOUT = 60000;
const env = process.env;

async function logIn(page, username) {
  await page.waitForSelector("#login-view:not([hidden])", { timeout: TIMEOUT });
  await page.fill("#login-username", username);
  await page.fill("#login-password", env.PASSWORD);
  await page.click("#login-submit");
}

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const result = { errors: [] };
  try {
    const context = await browser.newContext({ locale: "ru-RU", viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on("pageerror", (e) => result.errors.push(String(e)));
    page.on("console", (m) => {
      const where = m.location().url || "";
      if (m.type() === "error" && !where.endsWith("/favicon.ico") && !m.text().includes("403")) result.errors.push(`${m.text()} ${where}`.trim());
    });
    await page.goto(env.REPORTS_URL);
    result.lang = await page.getAttribute("html", "lang");

    await logIn(page, env.AGENT_USERNAME);
    await page.waitForSelector("#figures .error", { timeout: TIMEOUT });
    result.agentSees = await page.locator("#figures").innerText();
    await page.click("#logout");

    await logIn(page, env.SUPERVISOR_USERNAME);
    await page.waitForSelector("body[data-loaded=true]", { timeout: TIMEOUT });
    result.title = await page.title();
    result.tiles = await page.$$eval(".tile", (n) => n.map((t) => t.innerText));
    result.svgs = await page.locator("#figures svg").count();
    result.csvLinks = await page.locator("#figures a[data-csv]").count();
    result.headings = await page.$$eval("#figures h2", (n) => n.map((h) => h.firstChild.textContent.trim()));
    result.period = await page.locator(".period").innerText();
    if (env.SCREENSHOTS) await page.screenshot({ path: path.join(env.SCREENSHOTS, "reports-ru.png"), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: TIMEOUT }),
      page.click("#figure-channel a[data-csv]"),
    ]);
    result.csvName = download.suggestedFilename();
    result.csv = fs.readFileSync(await download.path(), "utf8");

    await page.click(".langs a[data-lang=tr]");
    await page.waitForSelector("body[data-loaded=true][data-lang=tr]", { timeout: TIMEOUT });
    result.trHeadings = await page.$$eval("#figures h2", (n) => n.map((h) => h.firstChild.textContent.trim()));
    if (env.SCREENSHOTS) await page.screenshot({ path: path.join(env.SCREENSHOTS, "reports-tr.png"), fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exit(1); });
