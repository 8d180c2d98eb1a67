"""Issue 19, "Must show": after a whole conversation (a complaint registered, the PIN shown to the
customer, a status look-up with that PIN) and the customer's erasure, neither the PIN nor the
phone number is anywhere at rest in clear: not in Rasa's tracker store, not in the backend's
database, not in any log line the three processes wrote.

One conversation on its own stack (real rasa, action server and backend, REST channel), so that
its files hold this conversation only; everything in the stack's directory is searched byte by
byte once the processes have stopped (SQLite's write-ahead logs folded back into the files)."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.handoff.handoff_stack import create_agents
from tests.support.conversation import domain_texts, slot, tracking_number
from tests.support.stack import AGENT_TOKEN, Stack

pytestmark = pytest.mark.integration

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
FIRST_MESSAGE = "Меня зовут Керимов Фарид Алекперович, телефон 051 777 20 30, кассир Лейла обсчитала меня"
# The phone number however it may have been written down: as typed, national, E.164, in a path.
PHONE_FORMS = ["051 777 20 30", "0517772030", "+994517772030", "994517772030", "517772030", "777 20 30"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("at-rest")
    s = Stack(workdir, policy="eurolux", env={"ATTACHMENTS_DIR": str(workdir / "attachments")})
    s.env["BACKEND_URL"] = s.backend_url
    try:
        for name in ("backend", "actions", "rasa"):
            s.start(name)
        for name in ("backend", "actions", "rasa"):
            s.wait_ready(name, timeout=400)  # a loaded machine loads the model slowly
        yield s
    finally:
        s.stop_all()


def _wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def _found(workdir: Path, secrets: list[str]) -> dict[str, list[str]]:
    """Which secret is in which file (databases, their journals, the processes' logs)."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in workdir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [secret for secret in secrets if secret.encode() in data]
        if hits:
            found[str(path.relative_to(workdir))] = hits
    return found


def test_no_pin_and_no_phone_number_at_rest_after_a_conversation_and_its_erasure(stack: Stack) -> None:
    sender = f"e2e-{int(time.time() * 1000) % 10**9:x}"
    admin = create_agents(stack, "root")["root"]

    # The complaint: everything in one message, confirmed; the reply shows the PIN.
    stack.say(sender, FIRST_MESSAGE)
    assert slot(stack, sender, "requested_slot") == "confirmed"
    replies = stack.say(sender, "да, всё верно")
    number = tracking_number(replies)
    assert number, replies
    shown = [m.group(1) for r in replies for m in [re.search(r"(?<!\d)(\d{6})(?!\d)", r.get("text") or "")] if m]
    assert shown, f"no PIN shown to the customer: {replies}"
    pin = shown[0]

    # The status look-up with that PIN.
    stack.say(sender, "где моя жалоба?")
    stack.say(sender, number.lower())
    assert slot(stack, sender, "requested_slot") == "pin"
    replies = stack.say(sender, pin)
    report = domain_texts("utter_status_report")["ru"].split("{")[0]
    assert any((r.get("text") or "").startswith(report) for r in replies), replies

    # An agent opens a WhatsApp conversation in the console: its id (the number) is in the path.
    assert httpx.get(f"{stack.backend_url}/api/conversations/wa:+994517772030/messages", headers=AGENT).is_success

    # The transcript has the whole conversation (the event broker is asynchronous) ...
    def transcript() -> list[dict]:
        r = httpx.get(f"{stack.backend_url}/api/conversations/{sender}/messages", headers=AGENT, timeout=10)
        return r.json() if r.is_success else []

    assert _wait_for(lambda: any((m.get("text") or "").startswith(report) for m in transcript()))
    # ... before the customer asks to be forgotten.
    erased = httpx.post(f"{stack.backend_url}/api/privacy/erase", json={"phone": "051 777 20 30"}, headers=admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["tracking_numbers"] == [number]
    still_said = [e.get("text") for e in stack.tracker(sender)["events"] if e.get("event") == "user"]

    stack.stop_all()  # the logs complete
    # What SQLite does when a database is next opened: its write-ahead log folded back in.
    for database in stack.workdir.glob("*.db"):
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    found = _found(stack.workdir, [pin, *PHONE_FORMS])
    assert (found, still_said) == ({}, []), f"personal data at rest: {found}; Rasa still has {still_said}"
