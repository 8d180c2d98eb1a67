from __future__ import annotations

import re
import uuid

import pytest
import yaml
from stack import ROOT, Stack

TRACKING = re.compile(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")


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
    policy = request.param
    if stack.env["COMPLAINT_POLICY"] != policy:
        stack.stop("actions")
        stack.env["COMPLAINT_POLICY"] = policy
        stack.start("actions")
        stack.wait_ready("actions")
    return stack


@pytest.fixture
def sender():
    return f"e2e-{uuid.uuid4().hex[:12]}"


def domain_texts(response: str) -> dict[str, str]:
    """The text of a response per language, from the domain."""
    for path in (ROOT / "domain.yml",):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        variations = (data.get("responses") or {}).get(response)
        if variations:
            return {
                c["value"]: v["text"]
                for v in variations
                for c in v.get("condition") or []
                if c.get("name") == "language"
            }
    raise KeyError(response)


def slot(stack: Stack, sender: str, name: str):
    return stack.tracker(sender)["slots"].get(name)


def tracking_number(replies: list[dict]) -> str | None:
    for r in replies:
        m = TRACKING.search(r.get("text") or "")
        if m:
            return m.group(0)
    return None
