"""The agents' workspace in Debian's headless Chromium (tests/handoff/workspace_browser.cjs), on
the real backend: the console in Azerbaijani from the browser's language, a complaint received
by phone two days ago registered from the console with its deadlines counted from then, and a
resolution without a written decision refused (422) with the reason in Azerbaijani."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from zoneinfo import ZoneInfo

import pytest

from backend.app.workspace import i18n
from tests.handoff.handoff_stack import PASSWORD, create_agents, node_env
from tests.handoff.test_handoff_browser_e2e import ARTIFACTS, DRIVER, browser_ready  # noqa: F401
from tests.support.stack import Stack

WORKSPACE_DRIVER = DRIVER.with_name("workspace_browser.cjs")
NAME = "Əliyeva Nərgiz Vaqif qızı"


@pytest.fixture(scope="module")
def backend_only(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("workspace-stack"), policy="kontakt")
    try:
        stack.start("backend")
        stack.wait_ready("backend")
        yield stack
    finally:
        stack.stop_all()


def test_phone_complaint_and_resolution_without_decision_in_azerbaijani(backend_only, browser_ready):  # noqa: F811
    s = backend_only
    headers = create_agents(s, "root", "leyla")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    received = (dt.datetime.now(ZoneInfo("Asia/Baku")) - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    env = node_env(
        {
            "HOME": str(s.workdir),
            "AGENT_URL": f"{s.backend_url}/agent",
            "AGENT_USERNAME": "leyla",
            "AGENT_PASSWORD": PASSWORD,
            "RECEIVED_AT": received.strftime("%Y-%m-%dT%H:%M"),
            "CUSTOMER_NAME": NAME,
            "SCREENSHOTS": str(ARTIFACTS),
        }
    )
    run = subprocess.run(["node", str(WORKSPACE_DRIVER)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    az = i18n.labels("az")

    assert result["htmlLang"] == "az" and result["loginButton"] == az["login.submit"]
    assert result["overdueView"].startswith(az["view.overdue"])
    assert result["newError"] == "", result["newError"]
    number = result["title"].split(" · ")[0]
    assert number in result["registered"] and NAME in result["title"]

    complaint = s.complaint(number)
    assert complaint["channel"] == "phone" and complaint["language"] == "az"
    # The agent filed the category the policy does not ask the customer: its team's queue.
    assert (complaint["complaint_category"], complaint["team"]) == ("staff", "customer_service")
    assert dt.datetime.fromisoformat(complaint["received_at"]) == received
    assert [h["actor"] for h in complaint["history"]] == ["leyla"]
    # The page shows the deadlines the API counted from the received time, the local way.
    kinds = [d["kind"] for d in result["deadlines"]]
    assert kinds[0] == "acknowledge" and "resolve" in kinds
    assert all(az[f"deadline.{kind}"] in d["text"] for kind, d in zip(kinds, result["deadlines"], strict=True))
    acknowledge_by = dt.datetime.fromisoformat(complaint["deadlines"]["acknowledge_by"])
    assert acknowledge_by > received
    assert str(acknowledge_by.day) in result["deadlines"][0]["text"]
    assert az["field.received_at"] in result["facts"] and az["channel.phone"] in result["facts"]

    # No written decision: the API refused it (still registered) and the console said why, in az.
    assert result["noteLabel"] == az["status.decision"]
    assert result["resolveError"] == az["err.decision_required"]
    assert result["statusAfter"] == "registered" and s.complaint(number)["status"] == "registered"
    assert result["errors"] == []
    assert [r for r in result["failedRequests"] if not r.startswith("404 /favicon")] == [
        f"422 /api/complaints/{number}/status"
    ]
    assert headers["leyla"]
