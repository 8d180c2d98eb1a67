// Issue 24's Must-show, in Debian's headless Chromium with playwright-core (no browser download):
// a new customer whose browser speaks Azerbaijani (--lang=az, Accept-Language az) opens /chat
// without ?lang=: the assistant greets in Azerbaijani with three quick replies before anything is
// typed, and "check my complaint" leads to the status look-up. A reload greets no second time.
// Then a Romanian browser, cheaply. Run by test_webchat_greeting_e2e.py; prints one JSON line.
//
// env: CHAT_URL (backend /chat), SCREENSHOT (png path), CHECK_TITLE (the az "check" button's title),
// CHROMIUM (default /usr/bin/chromium)
"use strict";

const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TIMEOUT = 60000;

// Counted by the page itself from the first moment: did the typing line ever show?
function watchTyping() {
  window.__typingSeen = false;
  new MutationObserver(() => {
    const line = document.querySelector(".cc-typing");
    if (line && !line.hidden) window.__typingSeen = true;
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["hidden"] });
}

function replies(page) {
  return page.$$eval(".rw-from-response .rw-response", (nodes) => nodes.map((n) => n.innerText.trim()));
}

function typed(page) {
  return page.$$eval(".rw-from-client .rw-client", (nodes) => nodes.map((n) => n.innerText.trim()));
}

function quickReplies(page) {
  return page.$$eval(".rw-reply", (nodes) => nodes.map((n) => n.innerText.trim()));
}

async function waitForReplies(page, before) {
  await page.waitForFunction(
    (n) => document.querySelectorAll(".rw-from-response .rw-response").length > n, before, { timeout: TIMEOUT });
  let count = -1;
  for (;;) {
    await page.waitForTimeout(700);
    const now = (await replies(page)).length;
    if (now === count) return;
    count = now;
  }
}

async function opened(browser, lang) {
  const context = await browser.newContext({
    locale: lang,
    extraHTTPHeaders: { "Accept-Language": lang },
    viewport: { width: 480, height: 860 },
  });
  const page = await context.newPage();
  await page.addInitScript(watchTyping);
  return page;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=az"],
  });
  const result = { errors: [] };
  try {
    const page = await opened(browser, "az");
    page.on("pageerror", (e) => result.errors.push(String(e)));
    await page.goto(process.env.CHAT_URL);
    await waitForReplies(page, 0);
    result.navigatorLanguages = await page.evaluate(() => navigator.languages);
    result.htmlLang = await page.evaluate(() => document.documentElement.lang);
    result.greeting = await replies(page);
    result.typedBeforeGreeting = await typed(page);
    result.quickReplies = await quickReplies(page);
    result.typingSeen = await page.evaluate(() => window.__typingSeen);
    result.typingHiddenAfter = await page.evaluate(() => document.querySelector(".cc-typing").hidden);
    result.trackLink = await page.$eval(".cc-track", (a) => ({ text: a.textContent, href: a.href }));
    result.header = await page.$eval(".rw-title", (t) => t.textContent);
    result.session = await page.evaluate(() => JSON.parse(window.localStorage.getItem("chat_session")).session_id);
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

    // "Şikayətimi yoxlamaq": the status look-up asks for the tracking number.
    const before = (await replies(page)).length;
    await page.locator(".rw-reply", { hasText: process.env.CHECK_TITLE }).click();
    await page.waitForTimeout(150);
    result.typingWhileWaiting = await page.evaluate(() => !document.querySelector(".cc-typing").hidden ||
      document.querySelectorAll(".rw-from-response .rw-response").length > 0);
    await waitForReplies(page, before);
    result.afterCheck = (await replies(page)).slice(before);
    result.typedAfterCheck = await typed(page);
    await page.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, "-status.png"), fullPage: true });

    // The page reopened (same session): the conversation goes on, no second greeting.
    const all = (await replies(page)).length;
    await page.reload();
    await page.waitForSelector(".rw-from-response .rw-response", { timeout: TIMEOUT });
    await page.waitForTimeout(4000);
    result.afterReload = await replies(page);
    result.repliesBeforeReload = all;
    result.sessionAfterReload = await page.evaluate(
      () => JSON.parse(window.localStorage.getItem("chat_session")).session_id);

    // A Romanian browser: the greeting and its buttons in Romanian.
    const ro = await opened(browser, "ro-RO");
    await ro.goto(process.env.CHAT_URL);
    await waitForReplies(ro, 0);
    result.greetingRo = await replies(ro);
    result.quickRepliesRo = await quickReplies(ro);
    result.htmlLangRo = await ro.evaluate(() => document.documentElement.lang);
    result.sessionRo = await ro.evaluate(() => JSON.parse(window.localStorage.getItem("chat_session")).session_id);
    await ro.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, "-ro.png"), fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(1);
});
