"""One stack (backend, action server, rasa) for every channel test, with each
channel pointed at a local fake of its platform."""

from __future__ import annotations

import uuid

import pytest

from tests.channels.helpers import (
    TELEGRAM_TOKEN,
    TWILIO_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    WHATSAPP_PHONE_ID,
    WHATSAPP_TOKEN,
    platform_env,
)
from tests.support.stack import Stack
from tests.support.telegram import FakeTelegram
from tests.support.whatsapp import FakeGraph, FakeTwilio


@pytest.fixture(scope="session")
def fakes():
    telegram = FakeTelegram(TELEGRAM_TOKEN).start()
    graph = FakeGraph(WHATSAPP_TOKEN, WHATSAPP_PHONE_ID).start()
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
    yield {"telegram": telegram, "graph": graph, "twilio": twilio}
    for server in (telegram, graph, twilio):
        server.stop()


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory, fakes):
    workdir = tmp_path_factory.mktemp("channels")
    s = Stack(
        workdir,
        env={
            "ATTACHMENTS_DIR": str(workdir / "attachments"),
            **platform_env(fakes),
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_WHATSAPP_NUMBER": f"whatsapp:{TWILIO_NUMBER}",
            "TWILIO_API_BASE_URL": fakes["twilio"].url,
            # The default 20 messages per conversation, counted over 5 minutes instead of one, so
            # that a slow machine cannot let the window slide during test_guard_e2e's 21 messages.
            "MESSAGE_RATE_WINDOW_SECONDS": "300",
        },
    )
    try:
        s.start("backend")
        s.start("actions")
        s.start("rasa")
        for name in ("backend", "actions", "rasa"):
            s.wait_ready(name)
        yield s
    finally:
        s.stop_all()


@pytest.fixture
def customer_number():
    """A fresh Azerbaijani mobile number per test (the sender id on WhatsApp)."""
    return "99450" + str(uuid.uuid4().int)[:7]
