// Drives the web chat page in Debian's headless Chromium with playwright-core (no
// browser download). Run by test_webchat_e2e.py; prints one JSON line of results.
//
// env: CHAT_URL (backend /chat), SCREENSHOT (png path), STEPS (JSON list of
// {say} | {click} | {reload}), EXPECT_GREETING_AZ (text), CHROMIUM (default /usr/bin/chromium)
"use strict";

const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TRACKING = /\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b/;
const TIMEOUT = 60000;

function sessionId(page) {
  return page.evaluate(() => {
    const raw = window.localStorage.getItem("chat_session");
    return raw ? JSON.parse(raw).session_id : null;
  });
}

async function botMessages(page) {
  return page.$$eval(".rw-response", (nodes) => nodes.map((n) => n.innerText.trim()));
}

// Waits until the bot has said more than `before` things and then stayed quiet for a moment.
async function waitForReplies(page, before) {
  await page.waitForFunction((n) => document.querySelectorAll(".rw-response").length > n, before,
    { timeout: TIMEOUT });
  let count = -1;
  for (;;) {
    await page.waitForTimeout(700);
    const now = (await botMessages(page)).length;
    if (now === count) return;
    count = now;
  }
}

async function say(page, text) {
  const before = (await botMessages(page)).length;
  await page.fill(".rw-new-message", text);
  await page.press(".rw-new-message", "Enter");
  await waitForReplies(page, before);
}

// The widget's own labels: its title, subtitle and the input's hint.
function header(page) {
  return page.evaluate(() => {
    const title = document.querySelector(".rw-conversation-container .rw-title");
    return {
      title: title && title.textContent,
      subtitle: title && title.nextElementSibling && title.nextElementSibling.textContent,
      placeholder: document.querySelector(".rw-new-message").getAttribute("placeholder"),
    };
  });
}

async function click(page, title) {
  const before = (await botMessages(page)).length;
  await page.locator(".rw-reply", { hasText: title }).last().click();
  await waitForReplies(page, before);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const result = { errors: [] };
  try {
    // 1. A customer files a complaint in Russian, reloading the page half way.
    const context = await browser.newContext({ locale: "ru-RU", viewport: { width: 520, height: 860 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => result.errors.push(String(e)));
    await page.goto(process.env.CHAT_URL + "?lang=ru");
    await waitForReplies(page, 0);
    result.greeting = (await botMessages(page))[0];
    result.languageButtons = await page.$$eval(".cc-languages button", (b) => b.map((x) => x.textContent));
    for (const step of JSON.parse(process.env.STEPS)) {
      if (step.say) await say(page, step.say);
      if (step.click) await click(page, step.click);
      if (step.reload) {
        const before = (await botMessages(page)).length;
        await page.reload();
        await page.waitForSelector(".rw-response", { timeout: TIMEOUT });
        await page.waitForTimeout(500);
        result.keptAfterReload = (await botMessages(page)).length >= before;
      }
    }
    const all = await botMessages(page);
    const last = all.slice(-3).join("\n");
    const match = last.match(TRACKING);
    result.tracking_number = match ? match[0] : null;
    result.lastReplies = all.slice(-3);
    result.session_id = await sessionId(page);
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

    // 2. An Azerbaijani page greets in Azerbaijani; the header's language button switches to Romanian.
    const az = await browser.newContext({ locale: "az-AZ", viewport: { width: 520, height: 860 } });
    const azPage = await az.newPage();
    await azPage.goto(process.env.CHAT_URL + "?lang=az");
    await waitForReplies(azPage, 0);
    result.greetingAz = (await botMessages(azPage))[0];
    const before = (await botMessages(azPage)).length;
    result.headerAz = await header(azPage);
    await azPage.click('.cc-languages button[data-language="ro"]');
    await waitForReplies(azPage, before);
    result.afterRomanian = (await botMessages(azPage)).slice(before);
    result.headerRo = await header(azPage);
    result.session_id_az = await sessionId(azPage);
    await azPage.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, "-languages.png") });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(1);
});
