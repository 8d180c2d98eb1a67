"""The teams in the console, in Debian's headless Chromium (tests/handoff/teams_browser.cjs),
against the real backend process: an admin (console in Turkish) adds an agent to Poliser's
finance team, sees a billing complaint's team on its page, changes the category to delivery and
finds the complaint in the logistics team's queue, no longer in finance's."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from backend.app.workspace import i18n
from tests.handoff.handoff_stack import PASSWORD, create_agents, node_env
from tests.handoff.test_handoff_browser_e2e import ARTIFACTS, DRIVER, browser_ready  # noqa: F401,F811
from tests.support.stack import SERVICE_TOKEN, Stack

pytestmark = pytest.mark.integration
TEAMS_DRIVER = DRIVER.with_name("teams_browser.cjs")
TR = i18n.labels("tr")


@pytest.fixture(scope="module")
def backend_stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("teams-stack"), policy="poliser")
    try:
        stack.start("backend")
        stack.wait_ready("backend")
        yield stack
    finally:
        stack.stop_all()


def test_an_admin_manages_a_team_and_moves_a_complaint_to_another_teams_queue(backend_stack, browser_ready):  # noqa: F811
    s = backend_stack
    headers = create_agents(s, "root", "emre")
    complaint = {
        "policy": "poliser",
        "full_name": "Ayşe Yılmaz",
        "phone": "0532 123 45 67",
        "complaint_text": "Faturada iki kez ödeme alınmış.",
        "complaint_category": "billing",
        "language": "tr",
        "channel": "whatsapp",
    }
    registered = httpx.post(
        f"{s.backend_url}/api/complaints", json=complaint, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    )
    assert registered.status_code == 201, registered.text
    number = registered.json()["tracking_number"]
    teams = {
        t["key"]: t for t in httpx.get(f"{s.backend_url}/api/teams?policy=poliser", headers=headers["root"]).json()
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = node_env(
        {
            "HOME": str(s.workdir),
            "AGENT_URL": f"{s.backend_url}/agent",
            "ADMIN_USERNAME": "root",
            "ADMIN_PASSWORD": PASSWORD,
            "MEMBER": "emre",
            "TRACKING_NUMBER": number,
            "FINANCE_ID": str(teams["finance"]["id"]),
            "LOGISTICS_ID": str(teams["logistics"]["id"]),
            "SCREENSHOTS": str(ARTIFACTS),
        }
    )
    run = subprocess.run(["node", str(TEAMS_DRIVER)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert result["errors"] == []
    assert result["financeTitle"] == "poliser · Finans departmanı"
    assert "Emre (emre)" in result["financeMembers"]
    assert result["factsBefore"][TR["field.team"]] == "Finans departmanı"
    assert result["factsBefore"][TR["field.complaint_category"]] == "Fatura ve ödeme"
    assert result["factsAfter"][TR["field.team"]] == "Lojistik departmanı"
    assert result["factsAfter"][TR["field.complaint_category"]] == "Teslimat"
    assert "billing" in result["historyText"] and "delivery" in result["historyText"]
    assert TR["team.mine"] in result["teamOptions"]
    # What the browser did is what the API holds.
    members = httpx.get(f"{s.backend_url}/api/teams?policy=poliser", headers=headers["emre"]).json()
    assert [m["username"] for t in members if t["key"] == "finance" for m in t["members"]] == ["emre"]
    detail = httpx.get(f"{s.backend_url}/api/complaints/{number}", headers=headers["root"]).json()
    assert (detail["complaint_category"], detail["team"]) == ("delivery", "logistics")
