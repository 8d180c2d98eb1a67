// The customer's tracking page in Debian's headless Chromium (playwright-core), on a phone-sized
// screen with the browser in Turkish: a Poliser customer opens /track, signs in with the
// tracking number and PIN, reads the stages and the decision, rejects it with a reason; an
// agent resolves again (the backend's API); the customer approves the new decision and rates it.
// Run by test_tracking_browser_e2e.py; prints one JSON line. env: TRACK_URL, BACKEND_URL,
// AGENT_TOKEN, TRACKING_NUMBER, PIN, REASON, SECOND_DECISION, SCREENSHOTS.
"use strict";

const path = require("path");
const root = path.resolve(__dirname, "..", "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TIMEOUT = 30000;

async function stages(page) {
  return page.$$eval("#stages li", (rows) => rows.map((r) => ({
    status: r.dataset.status, state: r.dataset.state,
    label: r.querySelector(".label").textContent.trim(), when: r.querySelector(".when").textContent.trim(),
  })));
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const shots = process.env.SCREENSHOTS;
  const env = process.env;
  const result = { errors: [], requests: [] };
  try {
    // A phone: 390 x 844 CSS pixels, touch, Turkish.
    const context = await browser.newContext({
      locale: "tr-TR", timezoneId: "Europe/Istanbul", viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => result.errors.push(String(e)));
    // Every request of the page: nothing may leave the backend's host.
    page.on("request", (r) => result.requests.push(r.url()));
    await page.goto(env.TRACK_URL);
    result.htmlLang = await page.getAttribute("html", "lang");
    result.submitLabel = (await page.textContent("#lookup-submit")).trim();
    await page.fill("#tracking_number", env.TRACKING_NUMBER.toLowerCase().replace("-", " "));
    await page.fill("#pin", env.PIN);
    await page.screenshot({ path: path.join(shots, "track-phone-sign-in.png") });
    await Promise.all([page.waitForNavigation(), page.click("#lookup-submit")]);
    await page.waitForSelector("#stages", { timeout: TIMEOUT });
    result.status = (await page.textContent("#status")).trim();
    result.stagesBefore = await stages(page);
    result.decision = (await page.textContent("#decision-text")).trim();
    result.noHorizontalScroll = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page.screenshot({ path: path.join(shots, "track-phone-decision.png"), fullPage: true });

    // Reject with a reason: the complaint goes back for a re-review, as in the chat.
    await page.fill("#reason", env.REASON);
    await Promise.all([page.waitForNavigation(), page.click("#reject")]);
    await page.waitForSelector("#done", { timeout: TIMEOUT });
    result.afterReject = { done: (await page.textContent("#done")).trim(), status: (await page.textContent("#status")).trim(),
      stages: await stages(page), canAnswer: (await page.$("#approve")) !== null };

    // An agent resolves again, through the API.
    const resolved = await fetch(`${env.BACKEND_URL}/api/complaints/${env.TRACKING_NUMBER}/status`, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.AGENT_TOKEN}` },
      body: JSON.stringify({ status: "resolved", note: env.SECOND_DECISION }),
    });
    result.secondResolve = resolved.status;

    // The customer comes back (the session cookie keeps them in), approves and rates.
    await page.goto(env.TRACK_URL);
    await page.waitForSelector("#approve", { timeout: TIMEOUT });
    result.secondDecision = (await page.textContent("#decision-text")).trim();
    await Promise.all([page.waitForNavigation(), page.click("#approve")]);
    await page.waitForSelector("#done", { timeout: TIMEOUT });
    result.afterApprove = { done: (await page.textContent("#done")).trim(), status: (await page.textContent("#status")).trim() };
    await page.check("#rating-form input[value='5']");
    await Promise.all([page.waitForNavigation(), page.click("#rate")]);
    await page.waitForSelector("#rating-current", { timeout: TIMEOUT });
    result.afterRating = { done: (await page.textContent("#done")).trim(), rating: (await page.textContent("#rating-current")).trim(),
      stages: await stages(page), notes: await page.$$eval("#notes .note .text", (n) => n.map((x) => x.textContent.trim())) };
    result.noHorizontalScrollEnd = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page.screenshot({ path: path.join(shots, "track-phone-closed.png"), fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
