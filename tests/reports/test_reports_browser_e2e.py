"""The /reports page in Debian's headless Chromium (tests/reports/reports_browser.cjs) against
the real backend process, its database filled as bench/reports.py fills it (3,000 complaints of
a year, with their history): an agent is told the reports are for supervisors; a supervisor
sees the figures with their plots in Russian (the browser's language), saves a CSV with the
same rows as the figure counts, and switches to Turkish. Screenshots: var/artifacts/reports-*.png."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import httpx
import pytest

from backend.app.reports.i18n import texts
from bench.reports import SUPERVISOR, fill
from tests.handoff.handoff_stack import PASSWORD, create_agents, node_env
from tests.handoff.test_handoff_browser_e2e import ARTIFACTS, browser_ready  # noqa: F401
from tests.support.stack import Stack

pytestmark = pytest.mark.integration
DRIVER = Path(__file__).with_name("reports_browser.cjs")


@pytest.fixture(scope="module")
def backend_stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("reports-stack"), policy="eurolux")
    try:
        stack.start("backend")
        stack.wait_ready("backend")
        yield stack
    finally:
        stack.stop_all()


def test_a_supervisor_reads_the_reports_and_an_agent_is_refused(backend_stack, browser_ready):  # noqa: F811
    s = backend_stack
    fill(s.env["DATABASE_URL"], 3000, "eurolux")
    create_agents(s, "root", "ayse")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = node_env(
        {
            "HOME": str(s.workdir),
            "REPORTS_URL": f"{s.backend_url}/reports",
            "AGENT_USERNAME": "ayse",
            "SUPERVISOR_USERNAME": SUPERVISOR["username"],
            "PASSWORD": PASSWORD,
            "SCREENSHOTS": str(ARTIFACTS),
        }
    )
    # The bench's supervisor has its own password; the driver logs both in with PASSWORD.
    admin = httpx.post(f"{s.backend_url}/api/auth/login", json={"username": "root", "password": PASSWORD}).json()
    changed = httpx.patch(
        f"{s.backend_url}/api/agents/{SUPERVISOR['username']}",
        json={"password": PASSWORD},
        headers={"Authorization": f"Bearer {admin['access_token']}"},
    )
    assert changed.status_code == 200, changed.text

    run = subprocess.run(["node", str(DRIVER)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    ru, tr = texts("ru"), texts("tr")

    assert result["errors"] == []
    assert result["lang"] == "ru"
    assert ru["reports.forbidden"] in result["agentSees"]
    assert result["title"] == ru["reports.title"]
    assert result["svgs"] >= 7 and result["csvLinks"] == 12
    assert ru["reports.weekly"] in result["headings"] and ru["reports.delays"] in result["headings"]
    assert tr["reports.weekly"] in result["trHeadings"]
    # The CSV the browser saved has the rows the figure counts.
    figure = httpx.get(
        f"{s.backend_url}/api/reports/breakdown/channel", headers={"Authorization": f"Bearer {admin['access_token']}"}
    ).json()
    rows = list(csv.DictReader(io.StringIO(result["csv"].lstrip("\ufeff"))))
    assert result["csvName"].startswith("by-channel-eurolux-")
    assert len(rows) == figure["complaints"] > 0
    assert str(figure["complaints"]) in result["tiles"][0]
