"""The must-show of issue 23: an unassigned Poliser complaint reaches "due soon", then
"breached", on a controlled clock shared by two real backend processes on one database: the
team gets the first alert, the supervisors the second, each once (one claim, one copy per
person, one letter per person)."""

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.alerts.models import Alert
from backend.app.core.settings import REPO_ROOT
from tests.backend.alerts.conftest import received
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.support.loopback import LoopbackServer, SmtpSink
from tests.support.net import free_port

pytestmark = pytest.mark.integration

ISTANBUL = ZoneInfo("Europe/Istanbul")
START = dt.datetime(2026, 2, 2, 10, 0, tzinfo=ISTANBUL)


class ClockedBackend:
    """tests/support/clocked_backend.py in a process of its own."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.clocked_backend", str(self.port)],
            env=env,
            cwd=REPO_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> "ClockedBackend":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"backend did not start:\n{self.output()}")

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=body, timeout=60, **kwargs)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def two_backends(
    nclient: TestClient, database_url: str, tmp_path: Path, loopback: LoopbackServer, smtp: SmtpSink
) -> Iterator[tuple[ClockedBackend, ClockedBackend]]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "AGENT_TOKEN": AGENT_TOKEN,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "SECRET_KEY": "test-secret-key",
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "RASA_URL": loopback.url,
        "SMTP_URL": smtp.url,
        "SMTP_FROM": "complaints@example.com",
        "SMS_GATEWAY_URL": f"{loopback.url}/sms",  # the policy's registration SMS
        "SCHEDULER_ENABLED": "false",  # APScheduler keeps real time: the test drives the dispatchers
        "TEST_CLOCK_START": START.isoformat(),
    }
    started = [ClockedBackend(name, environment, tmp_path) for name in ("a", "b")]
    try:
        for backend in started:
            backend.wait_ready()
        yield started[0], started[1]
    finally:
        for backend in started:
            backend.stop()


def test_due_soon_to_the_team_then_breach_to_the_supervisors_once_with_two_processes(
    two_backends: tuple[ClockedBackend, ClockedBackend],
    engine: sa.Engine,
    smtp: SmtpSink,
    make_agent: Callable[..., Any],
    join: Callable[..., None],
    set_email: Callable[..., None],
) -> None:
    first, second = two_backends
    ayse, deniz, boss = make_agent("ayse"), make_agent("deniz"), make_agent("boss", role="supervisor")
    join(ayse, "poliser", "customer_support")
    join(deniz, "poliser", "customer_support")
    make_agent("tarik")  # of no team and no supervisor: hears nothing
    for agent, address in ((ayse, "ayse@example.com"), (deniz, "deniz@example.com"), (boss, "boss@example.com")):
        set_email(agent, address)
    response = first.post(
        "/api/complaints",
        {**VALID_COMPLAINTS["poliser"], "policy": "poliser"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )
    assert response.status_code == 201, response.text
    tn = response.json()["tracking_number"]

    workers: set[str] = set()

    def both_at(local: str) -> list[dict[str, Any]]:
        """Both processes' clocks to the moment, then both dispatchers at once."""
        moment = dt.datetime.strptime(f"{local}.2026", "%d.%m %H:%M.%Y").replace(tzinfo=ISTANBUL)
        for backend in two_backends:
            assert backend.post("/test/clock", {"now": moment.isoformat()}).status_code == 200
        results: list[dict[str, Any]] = []
        threads = [
            threading.Thread(target=lambda b=backend: results.append(b.post("/test/run-due").json()))  # type: ignore[misc]
            for backend in two_backends
            for _ in range(2)  # twice each: a second drain finds nothing left
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        workers.update(r["worker"] for r in results)
        return results

    both_at("04.02 08:59")  # the registration's SMS; no alert yet
    assert received(engine) == []
    assert sum(r["sent"] for r in both_at("04.02 09:01")) == 1
    assert received(engine) == [
        ("deadline_due_soon", "acknowledge_by", "ayse", "team"),
        ("deadline_due_soon", "acknowledge_by", "deniz", "team"),
    ]
    assert sum(r["sent"] for r in both_at("05.02 00:01")) == 1
    assert received(engine)[2:] == [
        ("deadline_breached", "acknowledge_by", "ayse", "team"),
        ("deadline_breached", "acknowledge_by", "boss", "supervisor"),
        ("deadline_breached", "acknowledge_by", "deniz", "team"),
    ]
    assert sum(r["claimed"] for r in both_at("05.02 10:00")) == 0
    with Session(engine) as session:
        done = session.exec(select(Alert).where(Alert.state == "sent")).all()
    assert sorted((a.kind, a.attempts) for a in done) == [("deadline_breached", 1), ("deadline_due_soon", 1)]
    assert len(workers) == 2  # both processes' dispatchers ran at each moment
    letters = Counter((m["To"], m["Subject"]) for m in smtp.messages)  # one letter per person and alert
    assert letters == {
        ("ayse@example.com", "Süre yaklaşıyor: Alındı onayı"): 1,
        ("deniz@example.com", "Süre yaklaşıyor: Alındı onayı"): 1,
        ("ayse@example.com", "Süre aşıldı: Alındı onayı"): 1,
        ("deniz@example.com", "Süre aşıldı: Alındı onayı"): 1,
        ("boss@example.com", "Süre aşıldı: Alındı onayı"): 1,
    }
    assert all(tn in m.get_content() for m in smtp.messages)
    for backend in two_backends:
        assert "Traceback" not in backend.output()
