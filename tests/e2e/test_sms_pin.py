"""Issue 22, "Must show": a Poliser complaint registered in the chat (REST channel, the three real
processes) sends one SMS holding the tracking number and the PIN to a loopback server of Twilio's
Messages API; the decision follows by SMS. Then the backend's database, Rasa's tracker store, the
action server's outbox and every log the processes wrote are searched for the PIN: none holds it.

One conversation on its own stack, so its files hold this conversation only; the stack's
directory is searched byte by byte once the processes have stopped (SQLite's write-ahead logs
folded back into the files)."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_intake import converse, registered
from tests.support.stack import AGENT_TOKEN, Stack
from tests.support.whatsapp import FakeTwilio

pytestmark = pytest.mark.integration

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SID, TOKEN, FROM = "AC" + "7" * 32, "e2e-twilio-auth-token", "+15005550006"
PHONE = "+905423184009"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio(SID, TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("sms-pin")
    s = Stack(workdir, policy="poliser", env={"ATTACHMENTS_DIR": str(workdir / "attachments")})
    s.env["BACKEND_URL"] = s.backend_url
    # Twilio's SMS settings for the backend only (with the account settings the rasa server
    # would open its Twilio WhatsApp channel too).
    twilio_env = {
        "TWILIO_SMS_FROM": FROM,
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_BASE_URL": twilio.url,
        "PIN_ENCRYPTION_KEY": "e2e-pin-encryption-key-0123456789",
    }
    try:
        s.start("backend", **twilio_env)
        s.start("actions")
        s.start("rasa")
        for name in ("backend", "actions", "rasa"):
            s.wait_ready(name, timeout=400)  # a loaded machine loads the model slowly
        yield s
    finally:
        s.stop_all()


def _found(workdir: Path, secret: str) -> list[str]:
    return sorted(
        str(path.relative_to(workdir))
        for path in workdir.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    )


def test_a_poliser_chat_registration_sends_one_sms_with_the_pin_and_nothing_keeps_it(
    stack: Stack, twilio: FakeTwilio
) -> None:
    sender = f"e2e-sms-{int(time.time() * 1000) % 10**9:x}"
    replies = converse(
        stack,
        sender,
        [
            ("Merhaba, şikayetim var", "full_name"),
            ("Öztürk Hakan", "phone"),
            ("0542 318 40 09", "complaint_text"),
            ("aldığım yalıtım levhaları kırık geldi, bayi değiştirmeyi reddediyor", "confirmed"),
            ("evet doğru", None),
        ],
    )
    record = registered(stack, replies, "tr")
    number = record["tracking_number"]
    shown = [m.group(1) for r in replies for m in [re.search(r"(?<!\d)(\d{6})(?!\d)", r.get("text") or "")] if m]
    assert shown, f"no PIN shown to the customer: {replies}"
    pin = shown[0]

    sms = twilio.wait_for(lambda r: r.get("kind") == "message", timeout=30)
    assert len(sms) == 1 and sms[0]["form"]["To"] == PHONE and sms[0]["form"]["From"] == FROM
    assert number in sms[0]["form"]["Body"] and f"PIN: {pin}" in sms[0]["form"]["Body"]

    # The decision: into the conversation, and by SMS (short, no PIN).
    decided = httpx.post(
        f"{stack.backend_url}/api/complaints/{number}/status",
        json={"status": "resolved", "note": "Kırık levhalar bayi tarafından değiştirilecek."},
        headers=AGENT,
        timeout=10,
    )
    assert decided.status_code == 200, decided.text
    sms = twilio.wait_for(lambda r: r.get("kind") == "message", timeout=30, count=2)
    assert number in sms[1]["form"]["Body"] and pin not in sms[1]["form"]["Body"]

    # Both SMS rows recorded as sent, and nothing else planned to go by SMS: exactly two SMS.
    def sms_rows() -> list[dict]:
        return [n for n in stack.complaint(number)["notifications"] if n["channel"] == "sms"]

    deadline = time.monotonic() + 30
    while not (len(sms_rows()) == 2 and all(n["sent_at"] for n in sms_rows())) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert sorted((n["kind"], bool(n["sent_at"])) for n in sms_rows()) == [("decision", True), ("registration", True)]
    assert len(twilio.sent(PHONE)) == 2

    stack.stop_all()  # the logs complete
    for database in stack.workdir.glob("*.db"):
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    searched = sorted(path.name for path in stack.workdir.glob("*") if path.is_file())
    assert {"backend.db", "rasa-tracker.db", "actions-outbox.db", "backend.log", "rasa.log", "actions.log"} <= set(
        searched
    ), searched
    assert _found(stack.workdir, number), "the search does not see the conversation"
    assert _found(stack.workdir, pin) == []
