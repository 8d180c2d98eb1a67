from __future__ import annotations

import uuid

import pytest

from tests.support.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack"))
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
