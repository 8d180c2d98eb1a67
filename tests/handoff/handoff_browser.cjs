// Drives a handoff in Debian's headless Chromium with playwright-core (no browser download):
// a customer on the web chat page (/chat) and an agent in the console (/agent), each in a
// browser context of their own. Run by test_handoff_browser_e2e.py; prints one JSON line.
//
// env: CHAT_URL, AGENT_URL, AGENT_USERNAME, AGENT_PASSWORD, SCREENSHOTS (directory),
//      CUSTOMER_NAME, SECOND_NAME, XSS (a message that would run script if inserted as HTML),
//      CHROMIUM (default /usr/bin/chromium)
"use strict";

const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const { chromium } = require(path.join(root, "web", "node_modules", "playwright-core"));

const TRACKING = /\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b/;
const TIMEOUT = 60000;

async function botMessages(page) {
  return page.$$eval(".rw-response", (nodes) => nodes.map((n) => n.innerText.trim()));
}

async function waitForReplies(page, before, quiet = 700) {
  await page.waitForFunction((n) => document.querySelectorAll(".rw-response").length > n, before, { timeout: TIMEOUT });
  let count = -1;
  for (;;) {
    await page.waitForTimeout(quiet);
    const now = (await botMessages(page)).length;
    if (now === count) return;
    count = now;
  }
}

async function say(page, text, expectReply = true) {
  const before = (await botMessages(page)).length;
  await page.fill(".rw-new-message", text);
  await page.press(".rw-new-message", "Enter");
  if (expectReply) await waitForReplies(page, before);
}

async function click(page, title) {
  const before = (await botMessages(page)).length;
  await page.locator(".rw-reply", { hasText: title }).last().click();
  await waitForReplies(page, before);
}

// The agent console's transcript lines of the open conversation.
async function consoleLines(page) {
  return page.$$eval("#transcript .msg", (nodes) => nodes.map((n) => ({
    role: n.dataset.role,
    text: n.querySelector(".msg-text").textContent,
    state: (n.querySelector(".msg-state") || {}).textContent || null,
  })));
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const shots = process.env.SCREENSHOTS;
  const result = { errors: [], agentErrors: [], timings: {} };
  try {
    // 1. The customer starts a complaint on the chat page and asks for a person.
    const customerContext = await browser.newContext({ locale: "ru-RU", viewport: { width: 520, height: 860 } });
    const customer = await customerContext.newPage();
    customer.on("pageerror", (e) => result.errors.push(String(e)));
    await customer.goto(process.env.CHAT_URL + "?lang=ru");
    await waitForReplies(customer, 0);
    await say(customer, "Здравствуйте, хочу оставить жалобу");
    await say(customer, process.env.CUSTOMER_NAME);
    await say(customer, "оператор");
    result.handoffReply = (await botMessages(customer)).slice(-1)[0];
    result.session_id = await customer.evaluate(() => JSON.parse(localStorage.getItem("chat_session")).session_id);

    // 2. The agent logs in and sees the conversation waiting, with its waiting time.
    const agentContext = await browser.newContext({ locale: "en-GB", viewport: { width: 1400, height: 900 } });
    const agent = await agentContext.newPage();
    agent.on("pageerror", (e) => result.agentErrors.push(String(e)));
    agent.on("console", (m) => { if (m.type() === "error") result.agentErrors.push(m.text()); });
    await agent.goto(process.env.AGENT_URL);
    await agent.fill("#login-username", process.env.AGENT_USERNAME);
    await agent.fill("#login-password", process.env.AGENT_PASSWORD);
    await agent.click("#login-submit");
    await agent.waitForSelector("#connection[data-state=online]", { timeout: TIMEOUT });
    const item = agent.locator("#queue-waiting .queue-item", { hasText: process.env.CUSTOMER_NAME });
    await item.waitFor({ timeout: TIMEOUT });
    result.queueText = await item.innerText();
    await item.click();
    await agent.waitForSelector("#transcript .msg[data-role=user]", { timeout: TIMEOUT });
    result.cardSlots = await agent.$$eval("#card-slots dd", (n) => n.map((x) => x.textContent));
    result.cardFacts = await agent.$$eval("#card-facts dd", (n) => n.map((x) => x.textContent));
    await agent.click("#take");
    await agent.waitForFunction(() => !document.querySelector("#reply").disabled, null, { timeout: TIMEOUT });
    if (shots) await agent.screenshot({ path: path.join(shots, "console-taken.png") });

    // 3. They write to each other.
    const greeting = "Здравствуйте! Меня зовут Алиса, я помогу.";
    let before = (await botMessages(customer)).length;
    let started = Date.now();
    await agent.fill("#reply", greeting);
    await agent.press("#reply", "Enter");
    await customer.waitForFunction(
      ([n, text]) => [...document.querySelectorAll(".rw-response")].slice(n).some((x) => x.innerText.includes(text)),
      [before, greeting], { timeout: TIMEOUT });
    result.timings.agentToCustomerMs = Date.now() - started;
    await agent.waitForSelector("#transcript .msg[data-role=agent] >> text=delivered ✓", { timeout: TIMEOUT });

    started = Date.now();
    await say(customer, process.env.XSS, false);
    await agent.waitForFunction((t) => [...document.querySelectorAll("#transcript .msg-text")].some((x) => x.textContent === t),
      process.env.XSS, { timeout: TIMEOUT });
    result.timings.customerToAgentMs = Date.now() - started;
    const question = "У меня телефон 050 111 22 33, запишите, пожалуйста";
    started = Date.now();
    await say(customer, question, false);
    await agent.waitForFunction((t) => [...document.querySelectorAll("#transcript .msg-text")].some((x) => x.textContent === t),
      question, { timeout: TIMEOUT });
    result.timings.customerToAgent2Ms = Date.now() - started;
    result.xss = await agent.evaluate(() => ({
      ran: window.__xss === 1,
      images: document.querySelectorAll("#transcript img, #queue-waiting img, #queue-active img, #card img").length,
      scripts: document.querySelectorAll("#transcript script").length,
    }));

    const answer = "Спасибо! Сейчас вас вернёт помощник, он запишет остальное.";
    before = (await botMessages(customer)).length;
    await agent.fill("#reply", answer);
    await agent.click("#send");
    await customer.waitForFunction(
      ([n, text]) => [...document.querySelectorAll(".rw-response")].slice(n).some((x) => x.innerText.includes(text)),
      [before, answer], { timeout: TIMEOUT });
    result.agentLines = await consoleLines(agent);
    if (shots) await agent.screenshot({ path: path.join(shots, "console-conversation.png") });

    // 4. The agent returns the conversation to the bot: it asks its question again.
    before = (await botMessages(customer)).length;
    await agent.click("#return");
    await waitForReplies(customer, before, 1000);
    result.afterReturn = (await botMessages(customer)).slice(before);
    await agent.waitForFunction(() => document.querySelector("#reply").disabled, null, { timeout: TIMEOUT });
    result.agentSubAfterReturn = await agent.textContent("#conv-sub");

    // 5. The customer finishes the complaint with the bot.
    await say(customer, "050 111 22 33");
    await click(customer, "Не знаю");
    await say(customer, "Купила гитару, через неделю треснула дека, в обмене отказали");
    await say(customer, "да");
    const last = (await botMessages(customer)).slice(-3).join("\n");
    const match = last.match(TRACKING);
    result.tracking_number = match ? match[0] : null;
    result.lastReplies = (await botMessages(customer)).slice(-3);
    if (shots) await customer.screenshot({ path: path.join(shots, "customer-chat.png"), fullPage: true });
    // The console keeps following the conversation for a while after the return.
    await agent.waitForTimeout(1500);
    result.agentLinesAfter = await consoleLines(agent);

    // 6. Another customer hands over half way; the agent registers the complaint from the card,
    //    sends the number and PIN, acknowledges it and closes the conversation.
    const second = await (await browser.newContext({ locale: "ru-RU", viewport: { width: 520, height: 860 } })).newPage();
    second.on("pageerror", (e) => result.errors.push(String(e)));
    await second.goto(process.env.CHAT_URL + "?lang=ru");
    await waitForReplies(second, 0);
    await say(second, "Хочу пожаловаться на доставку");
    await say(second, process.env.SECOND_NAME);
    await say(second, "оператор");
    const item2 = agent.locator("#queue-waiting .queue-item", { hasText: process.env.SECOND_NAME });
    await item2.waitFor({ timeout: TIMEOUT });
    await item2.click();
    await agent.waitForFunction((n) => document.querySelector("#conv-title").textContent === n, process.env.SECOND_NAME,
      { timeout: TIMEOUT });
    await agent.click("#take");
    await agent.waitForFunction(() => !document.querySelector("#reply").disabled, null, { timeout: TIMEOUT });
    await agent.waitForSelector("#complaint-form:not([hidden]) [name=phone]", { timeout: TIMEOUT });
    result.prefilledName = await agent.inputValue("#complaint-fields [name=full_name]");
    await agent.fill("#complaint-fields [name=phone]", "055 222 33 44");
    await agent.fill("#complaint-fields [name=complaint_text]", "Холодильник привезли с вмятиной, курьер уехал");
    // A double click on "register" (an impatient agent): one complaint, not two.
    await agent.dblclick("#register");
    await agent.waitForFunction(() => document.querySelector("#complaint-view .pin")
      || document.querySelector("#card-error").textContent, null, { timeout: TIMEOUT });
    const cardError = await agent.textContent("#card-error");
    if (cardError) throw new Error(`registration from the card failed: ${cardError}`);
    await agent.waitForFunction(() => document.querySelector("#reply").value.includes("PIN"), null, { timeout: TIMEOUT });
    await agent.waitForSelector("#status-form:not([hidden])", { timeout: TIMEOUT });
    result.registeredView = await agent.textContent("#complaint-view");
    result.prefilledReply = await agent.inputValue("#reply");
    before = (await botMessages(second)).length;
    await agent.click("#send");
    await second.waitForFunction(
      (n) => [...document.querySelectorAll(".rw-response")].slice(n).some((x) => x.innerText.includes("PIN")),
      before, { timeout: TIMEOUT });
    result.secondGot = (await botMessages(second)).slice(before);
    await agent.selectOption("#status-select", "acknowledged");
    await agent.fill("#status-note", "Приняли, курьерская служба проверяет");
    await agent.click("#change-status");
    await agent.waitForFunction(() => document.querySelector("#complaint-view").dataset.status === "acknowledged", null,
      { timeout: TIMEOUT });
    result.afterStatus = await agent.getAttribute("#complaint-view", "data-status");
    if (shots) await agent.screenshot({ path: path.join(shots, "console-registered.png") });
    await agent.click("#close");
    await agent.waitForFunction(() => document.querySelector("#conv-sub").textContent.includes("back with the bot"), null,
      { timeout: TIMEOUT });
    result.second_session_id = await second.evaluate(() => JSON.parse(localStorage.getItem("chat_session")).session_id);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(1);
});
