"""An overdue complaint worked through from the workspace, end to end (issue 20's first "Must
show"): real rasa with the trained model, the action server and the backend; the customer is
a socket.io client of the web chat (as rasa-webchat connects) writing in Russian, the agent is
in Debian's headless Chromium (tests/handoff/workspace_journey.cjs) with the console in
Azerbaijani. The customer files a Eurolux complaint; its acknowledgement deadline is moved into
the past in the database (as the workspace's view tests do); the agent finds it in the overdue
view, takes it and sends a delay notice (the customer's chat gets it in Russian), resolves it
with a written decision and the steps taken (the chat gets the decision with approve / reject),
the customer rejects it, and the agent finds it reopened in the rejected view."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from zoneinfo import ZoneInfo

import pytest
import socketio
import sqlalchemy as sa
from sqlmodel import col

from backend.app.complaints.models import Complaint
from backend.app.notifications.texts import load_texts
from backend.app.workspace import i18n
from contract.statuses import Language
from tests.handoff.handoff_stack import PASSWORD, create_agents, node_env
from tests.handoff.test_handoff_browser_e2e import ARTIFACTS, DRIVER, browser_ready  # noqa: F401
from tests.support.conversation import TRACKING, domain_texts
from tests.support.stack import Stack

JOURNEY_DRIVER = DRIVER.with_name("workspace_journey.cjs")
BAKU = ZoneInfo("Asia/Baku")
NAME = "Керимов Фарид Алекперович"
REASON = "Ждём заключения сервисного центра производителя."
DECISION = "Деньги за неверно пробитый товар вернём на вашу карту, кассиру сделан выговор."
STEPS = "Проверили чек и запись камеры над кассой; поговорили с кассиром."
REJECTION = "Мне нужны извинения от магазина, а не только деньги."
REPLY_TIMEOUT = 90  # seconds: rasa on two shared cores


@pytest.fixture(scope="module")
def journey_stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("journey-stack"), policy="eurolux")
    try:
        for name in ("backend", "actions", "rasa"):
            stack.start(name)
        for name in ("backend", "actions", "rasa"):
            stack.wait_ready(name)
        yield stack
    finally:
        stack.stop_all()


class ChatCustomer:
    """The customer's web chat: one socket.io connection to rasa's socketio channel, as
    rasa-webchat makes it, keeping every message the bot sends into the conversation."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: list[dict] = []
        self.confirms: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.received.append)
        self.sio.on("session_confirm", self.confirms.put_nowait)
        self.token = ""

    async def connect(self) -> str:
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": None})
        self.token = await asyncio.wait_for(self.confirms.get(), 15)
        return self.token

    async def say(self, text: str) -> None:
        await self.sio.emit(
            "user_uttered", {"message": text, "session_id": self.token, "customData": {"language": "ru"}}
        )

    async def message(self, found, what: str, start: int = 0) -> dict:
        """The first message from `start` on for which found(text) holds."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            for item in self.received[start:]:
                if found(item.get("text") or ""):
                    return item
            await asyncio.sleep(0.1)
        raise AssertionError(f"the chat never showed {what}; it got {[m.get('text') for m in self.received[start:]]}")


async def next_step(driver: asyncio.subprocess.Process, expected: str) -> dict:
    line = await asyncio.wait_for(driver.stdout.readline(), 180)
    assert line, f"the browser driver ended before '{expected}' (see its stderr)"
    step = json.loads(line)
    assert step["step"] == expected, step
    return step


def lead(template: str) -> str:
    """The words of a text before its first placeholder."""
    return template.split("{", 1)[0].strip()


def test_overdue_web_chat_complaint_delayed_resolved_and_rejected_from_the_console_in_azerbaijani(
    journey_stack,
    browser_ready,  # noqa: F811
    tmp_path,
):
    s = journey_stack
    create_agents(s, "root", "nargiz")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    az = i18n.labels("az")
    texts = load_texts()
    started = time.monotonic()

    async def journey() -> dict:
        customer = ChatCustomer(s.rasa_url)
        await customer.connect()
        try:
            # 1. The customer files the complaint in Russian; it is registered.
            await customer.say(f"Меня зовут {NAME}, телефон 051 777 20 30, кассир Лейла обсчитала меня")
            await customer.message(lambda text: "+994517772030" in text, "the summary")
            mark = len(customer.received)
            await customer.say("да, всё верно")
            receipt = await customer.message(TRACKING.search, "the tracking number", mark)
            number = TRACKING.search(receipt["text"]).group(0)
            record = s.complaint(number)
            assert record["status"] == "registered" and record["channel"] == "socketio" and record["language"] == "ru"
            # Overdue: the acknowledgement was due an hour ago.
            overdue_at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(microsecond=0)
            engine = sa.create_engine(s.env["DATABASE_URL"])
            with engine.begin() as connection:
                connection.execute(
                    sa.update(Complaint)
                    .where(col(Complaint.tracking_number) == number)
                    .values(acknowledge_by=overdue_at)
                )
            engine.dispose()
            resolve_by = dt.datetime.fromisoformat(record["deadlines"]["resolve_by"]).astimezone(BAKU).date()
            new_date = resolve_by + dt.timedelta(days=7)

            # 2. The agent, in the browser.
            env = node_env(
                {
                    "HOME": str(tmp_path),
                    "AGENT_URL": f"{s.backend_url}/agent",
                    "AGENT_USERNAME": "nargiz",
                    "AGENT_PASSWORD": PASSWORD,
                    "TRACKING_NUMBER": number,
                    "DELAY_REASON": REASON,
                    "DELAY_DATE": new_date.isoformat(),
                    "DECISION": DECISION,
                    "STEPS_TAKEN": STEPS,
                    "SCREENSHOTS": str(ARTIFACTS),
                }
            )
            stderr = (tmp_path / "driver.stderr").open("w")
            driver = await asyncio.create_subprocess_exec(
                "node",
                str(JOURNEY_DRIVER),
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
            try:
                mark = len(customer.received)
                delayed = await next_step(driver, "delayed")
                notice = await customer.message(lambda text: REASON in text, "the delay notice", mark)
                driver.stdin.write(b"go\n")

                mark = len(customer.received)
                resolved = await next_step(driver, "resolved")
                decision = await customer.message(lambda text: DECISION in text, "the decision", mark)
                # The customer rejects it with the decision's own button, then says why.
                reject = next(
                    b for b in decision.get("quick_replies") or decision.get("buttons") or [] if b["payload"] == "/deny"
                )
                mark = len(customer.received)
                await customer.say(reject["payload"])
                await customer.message(lambda text: bool(text), "the question why", mark)
                mark = len(customer.received)
                await customer.say(REJECTION)
                rereview = await customer.message(lambda text: number in text, "the re-review answer", mark)
                driver.stdin.write(b"go\n")

                rejected = await next_step(driver, "rejected")
                assert await asyncio.wait_for(driver.wait(), 60) == 0
            finally:
                if driver.returncode is None:
                    driver.kill()
                    await driver.wait()
                stderr.close()
            return {
                "number": number,
                "overdue_at": overdue_at,
                "new_date": new_date,
                "delayed": delayed,
                "notice": notice["text"],
                "resolved": resolved,
                "decision": decision,
                "reject": reject,
                "rereview": rereview["text"],
                "rejected": rejected,
            }
        finally:
            await customer.sio.disconnect()

    try:
        got = asyncio.run(journey())
    except BaseException:
        print((tmp_path / "driver.stderr").read_text() if (tmp_path / "driver.stderr").exists() else "")
        raise
    elapsed = time.monotonic() - started
    number = got["number"]
    delayed, resolved, rejected = got["delayed"], got["resolved"], got["rejected"]

    # The console is in Azerbaijani; the complaint was in the overdue view, marked overdue.
    assert delayed["htmlLang"] == "az"
    assert delayed["overdue"]["title"] == az["view.overdue"] and delayed["overdue"]["count"] == 1
    assert delayed["overdue"]["overdueRow"] and az["list.overdue"] in " ".join(delayed["overdue"]["cells"])
    assert NAME in delayed["overdue"]["cells"]
    acknowledge = next(d for d in delayed["deadlines"] if d["kind"] == "acknowledge")
    assert acknowledge["state"] == "breached" and az["deadline.acknowledge"] in acknowledge["text"]
    # Written the Azerbaijani way (Babel's month and weekday names), not Chromium's "2026 M12 7, Mon".
    due = got["overdue_at"].astimezone(BAKU)
    names = i18n.date_names("az")
    written = f"{names['weekdays'][due.weekday()]}, {due.day} {names['months'][due.month - 1]} {due.year}, {due:%H:%M}"
    assert written in acknowledge["text"], acknowledge["text"]
    assert "nargiz" in " ".join(delayed["facts"]) and az["field.assigned_to"] in delayed["facts"]
    assert delayed["error"] == ""

    # The delay notice reached the web chat in Russian, with the reason and the new date.
    notice = got["notice"]
    assert notice.startswith(lead(texts.templates["delay_notice"][Language.ru]["text"])), notice
    assert number in notice and REASON in notice
    # The date as the customers' texts write it (dd.mm.yyyy, or the local way with month names).
    assert str(got["new_date"].year) in notice and str(got["new_date"].day) in notice, notice

    # The decision: written, with the steps taken, sent to the chat with approve / reject.
    assert resolved["noteLabel"] == az["status.decision"] and resolved["error"] == ""
    decision = got["decision"]["text"]
    assert decision.startswith(lead(domain_texts("utter_decision")["ru"])) and number in decision
    steps_heading = texts.decision_parts[Language.ru]["steps_taken"]
    assert f"{DECISION}\n{steps_heading}\n{STEPS}" in decision, decision
    assert got["reject"]["title"] == "Не согласен"
    assert got["rereview"] == domain_texts("utter_rereview_started")["ru"].format(tracking_number=number)

    # Rejected: reopened, in the console's rejected view.
    assert rejected["rejected"]["status"] == "reopened" and rejected["rejected"]["title"] == az["view.rejected"]
    assert rejected["rejected"]["count"] == 1
    # The browser's only failed request is its favicon (its "Failed to load resource" console line with it).
    assert [r for r in rejected["failedRequests"] if r != "404 /favicon.ico"] == [], rejected["failedRequests"]
    assert [e for e in rejected["errors"] if not e.startswith("Failed to load resource")] == [], rejected["errors"]

    complaint = s.complaint(number)
    assert complaint["status"] == "reopened" and complaint["assigned_to"]["username"] == "nargiz"
    assert complaint["delayed_to"] and complaint["delayed_to"].startswith(got["new_date"].isoformat())
    events = [h["status"] if h["kind"] == "status" else h["kind"] for h in complaint["history"]]
    assert events.index("delay") < events.index("resolved") < events.index("reopened"), events
    resolution = next(h for h in complaint["history"] if h["kind"] == "status" and h["status"] == "resolved")
    assert resolution["actor"] == "nargiz" and resolution["note"] == DECISION and resolution["steps_taken"] == STEPS
    assert events[-1] == "reopened" and REJECTION in complaint["history"][-1]["note"]
    print(f"workspace journey: {elapsed:.1f} s")
