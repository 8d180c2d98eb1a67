"""A registration confirmed during a backend outage survives a crash of the rasa server: the
real three processes, the customer on the REST channel. Was a Rasa reminder (in memory) on
main, which the crash lost; now the action server's outbox delivers it once and tells the
conversation when rasa is back."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.support.conversation import TRACKING, domain_texts
from tests.support.stack import AGENT_TOKEN, Stack

NAME = "Гусейнов Тимур Ильхамович"
WAIT = 120  # seconds for each step the product takes on its own
STARTUP = 600  # loading the model takes minutes on a busy machine


def complaints_of(stack: Stack, name: str) -> list[dict]:
    listed = httpx.get(
        f"{stack.backend_url}/api/complaints",
        params={"q": name.split()[0]},
        headers={"Authorization": f"Bearer {AGENT_TOKEN}"},
        timeout=10,
    ).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    return [c for c in items if c["full_name"] == name]


def told(stack: Stack, sender: str) -> list[str]:
    """Tracking numbers the bot has said in the conversation (its tracker, after the restart)."""
    events = stack.tracker(sender).get("events") or []
    return [m.group(0) for e in events if e.get("event") == "bot" for m in [TRACKING.search(e.get("text") or "")] if m]


def wait_until(check, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    return check()


def test_a_registration_during_a_backend_outage_survives_a_rasa_crash_and_registers_once(tmp_path):
    s = Stack(tmp_path)
    sender = f"e2e-outbox-{uuid.uuid4().hex[:12]}"
    try:
        for name in ("backend", "actions", "rasa"):
            s.start(name)
        for name in ("backend", "actions", "rasa"):
            s.wait_ready(name, timeout=STARTUP)
        replies = s.say(sender, f"Меня зовут {NAME}, телефон 051 777 20 31, кассир Лейла обсчитала меня")
        assert s.tracker(sender)["slots"].get("requested_slot") == "confirmed", replies

        s.stop("backend")
        replies = s.say(sender, "да")
        assert any(r.get("text") == domain_texts("utter_registration_retrying")["ru"] for r in replies), replies

        s.kill("rasa")  # the crash: whatever rasa kept in memory is gone
        s.start("backend")
        s.wait_ready("backend")
        # Delivered while rasa is down: registered, the customer not told yet.
        delivered_while_rasa_was_down = wait_until(lambda: complaints_of(s, NAME))

        s.start("rasa")
        s.wait_ready("rasa", timeout=STARTUP)
        numbers = wait_until(lambda: told(s, sender))
        complaints = complaints_of(s, NAME)
        assert len(complaints) == 1, f"{len(complaints)} complaints registered for the conversation"
        assert numbers, "the customer was never told the tracking number"
        assert set(numbers) == {complaints[0]["tracking_number"]}
        assert s.tracker(sender)["slots"].get("tracking_number") == complaints[0]["tracking_number"]
        assert delivered_while_rasa_was_down, "the backend got the complaint only once rasa was back"
        # The outbox is empty: a later trigger would find nothing to say.
        time.sleep(3)
        assert len(told(s, sender)) == 1 and len(complaints_of(s, NAME)) == 1
    finally:
        s.stop_all()
