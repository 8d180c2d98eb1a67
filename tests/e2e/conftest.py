from __future__ import annotations

import uuid

import pytest

from tests.support.dovecot import Dovecot
from tests.support.loopback import SmtpSink
from tests.support.stack import Stack

# The company's address: the e-mail channel answers from it.
COMPANY_ADDRESS = "reclamatii@complaints.example"


@pytest.fixture(scope="session")
def mailbox():
    """The company's mailbox: Debian's dovecot on loopback (fails, never skips, without it)."""
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_sink():
    """Every letter the product sends (answers, notifications) arrives here."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, mailbox, smtp_sink):
    # The mailbox is the inverter maker's, whose policy takes complaints by e-mail only.
    mail = {
        "IMAP_URL": mailbox.url,
        "IMAP_POLICY": "inverter_eu",
        "SMTP_URL": smtp_sink.url,
        "EMAIL_FROM": COMPANY_ADDRESS,
    }
    s = Stack(tmp_path_factory.mktemp("stack"), env=mail)
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
def policy_stack(stack, request):
    """The stack with the action server restarted under another COMPLAINT_POLICY."""
    stack.use_policy(request.param)
    return stack


@pytest.fixture
def sender():
    return f"e2e-{uuid.uuid4().hex[:12]}"
