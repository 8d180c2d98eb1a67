"""Real processes, real time: a restart between planning and sending, a kill -9 in the middle
of a send, two backend processes (each with its scheduler) on one database."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.complaints.models import Complaint
from backend.app.core.settings import REPO_ROOT, Settings
from backend.app.main import create_app
from backend.app.notifications.models import Notification, NotificationAttempt, NotificationState
from backend.app.notifications.scheduler import JOB_TABLE, store_wake_ups, wake_job_id
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import RASA_TOKEN, sender_settings
from tests.support.loopback import LoopbackServer, SmtpSink
from tests.support.net import free_port

# Several backend processes, killed and restarted: not in make test-unit.
pytestmark = pytest.mark.integration

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


class BackendProcess:
    """`uvicorn backend.app.main:app` in a process of its own."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=REPO_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> "BackendProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"backend did not start:\n{self.output()}")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def backends(
    database_url: str, tmp_path: Path, loopback: LoopbackServer, smtp: SmtpSink
) -> Iterator[Callable[..., BackendProcess]]:
    started: list[BackendProcess] = []

    def _start(name: str, **env: str) -> BackendProcess:
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
            "RASA_TOKEN": RASA_TOKEN,
            "SMTP_URL": smtp.url,
            "SMTP_FROM": "complaints@example.com",
            "SCHEDULER_ENABLED": "true",
            "SCHEDULER_SWEEP_SECONDS": "1",
            # A short lease for quick take-overs; a send's timeout must stay below it (settings).
            "NOTIFICATION_LEASE_SECONDS": "3",
            "NOTIFICATION_SEND_TIMEOUT_SECONDS": "2",
            **env,
        }
        backend = BackendProcess(name, environment, tmp_path)
        started.append(backend)
        return backend.wait_ready()

    yield _start
    for backend in started:
        backend.stop()


def _complaints(client: TestClient, count: int, policy: str = "eurolux", **overrides: Any) -> list[int]:
    ids = []
    for _ in range(count):
        body = {**VALID_COMPLAINTS[policy], "policy": policy, **overrides}
        assert client.post("/api/complaints", json=body, headers=SERVICE).status_code == 201
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        ids = [complaint.id for complaint in session.exec(select(Complaint).order_by(Complaint.id)).all()]
    return ids  # type: ignore[return-value]


def _plan(
    engine: sa.Engine, complaint_ids: list[int], due: Callable[[int], dt.datetime], channel: str = "rasa"
) -> list[Notification]:
    """Decision notices due at due(i); they go whatever the complaint's status."""
    rows = []
    with Session(engine, expire_on_commit=False) as session:
        for i, complaint_id in enumerate(complaint_ids):
            moment = due(i)
            row = Notification(
                complaint_id=complaint_id,
                kind="decision",
                audience="customer",
                channel=channel,
                language="az",
                due_at=moment,
                attempt_at=moment,
                payload={"decision_text": f"decision {i}"},
            )
            session.add(row)
            rows.append(row)
        session.commit()
    return rows


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _states(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(row.state for row in session.exec(select(Notification).where(Notification.kind == "decision")))


def test_restart_between_planning_and_sending(
    nclient: TestClient, settings: Settings, loopback: LoopbackServer, smtp: SmtpSink
) -> None:
    """Planned by one process, which stops before it is due; the next process starts before it
    is due too and sends it on time: the wake-up job was in the database (the sweep is set to
    5 minutes, so nothing else could have woken it)."""
    live = sender_settings(settings, loopback, smtp, scheduler_enabled=True, scheduler_sweep_seconds=300)
    loopback.conversation("conv-restart")
    [complaint_id] = _complaints(nclient, 1, conversation_id="conv-restart")
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)
    with TestClient(create_app(live)) as first:
        engine = first.app.state.engine  # type: ignore[attr-defined]
        rows = _plan(engine, [complaint_id], lambda _: due)
        first.app.state.notifications.wake(rows)  # type: ignore[attr-defined]
        with engine.connect() as connection:
            jobs = connection.execute(sa.text(f"SELECT id FROM {JOB_TABLE}")).scalars().all()
        assert wake_job_id(due)[0] in jobs
    assert loopback.triggered() == []
    time.sleep(1)
    with TestClient(create_app(live)) as second:
        engine = second.app.state.engine  # type: ignore[attr-defined]
        _wait(lambda: _states(engine)["sent"] == 1, 15, "the notification to be sent")
        with Session(engine) as session:
            row = session.exec(select(Notification).where(Notification.kind == "decision")).one()
            lateness = (row.sent_at - due).total_seconds()  # type: ignore[operator]
    assert 0 <= lateness < 1.5, lateness
    assert len(loopback.triggered()) == 1


def test_kill_9_during_a_send_then_another_process_finishes_it_once(
    nclient: TestClient, backends: Callable[..., BackendProcess], loopback: LoopbackServer, database_url: str
) -> None:
    """Process A hands the notification to Rasa and is killed before it hears back. After the
    lease, process B claims it again, finds its key in the conversation's tracker and marks it
    sent: the customer got it once."""
    loopback.conversation("conv-kill")
    [complaint_id] = _complaints(nclient, 1, conversation_id="conv-kill")
    engine = nclient.app.state.engine  # type: ignore[attr-defined]
    loopback.hang("/conversations/conv-kill/trigger_intent")
    loopback.hung.clear()
    first = backends("a")
    _plan(engine, [complaint_id], lambda _: dt.datetime.now(dt.UTC))
    assert loopback.hung.wait(15), first.output()
    first.kill()
    with Session(engine) as session:
        row = session.exec(select(Notification).where(Notification.kind == "decision")).one()
        assert row.state == NotificationState.claimed and row.attempts == 1
        killed_worker = row.claimed_by
    loopback.release()
    second = backends("b")
    _wait(lambda: _states(engine)["sent"] == 1, 20, "the second process to finish the send")
    assert [call["name"] for call in loopback.triggered()] == ["EXTERNAL_decision"]  # once
    with Session(engine) as session:
        row = session.exec(select(Notification).where(Notification.kind == "decision")).one()
        attempts = session.exec(select(NotificationAttempt).where(NotificationAttempt.notification_id == row.id)).all()
    assert row.attempts == 2
    assert [(a.outcome, a.worker != killed_worker) for a in attempts] == [("sent", True)]
    assert "already in the conversation" in (attempts[0].detail or "")
    assert "Traceback" not in second.output()


def test_kill_9_during_an_email_is_at_least_once_with_one_message_id(
    nclient: TestClient, backends: Callable[..., BackendProcess], smtp: SmtpSink
) -> None:
    """SMTP has no way to ask whether a message arrived: killed after the server took the
    message, the notification is sent again after the lease. Both copies carry the same
    Message-ID (the notification's key), so mail clients can tell they are one message."""
    [complaint_id] = _complaints(nclient, 1, "inverter_eu")
    engine = nclient.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:  # the registration notice is not what this test is about
        for row in session.exec(select(Notification)).all():
            row.state = NotificationState.cancelled
            session.add(row)
        session.commit()
    smtp.released.clear()
    smtp.hung.clear()
    smtp.hang_next = True
    first = backends("a")
    _plan(engine, [complaint_id], lambda _: dt.datetime.now(dt.UTC), channel="email")
    assert smtp.hung.wait(15), first.output()
    first.kill()
    smtp.released.set()
    backends("b")
    _wait(lambda: _states(engine)["sent"] == 1, 20, "the second process to send the e-mail")
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]


def test_two_backend_processes_send_each_notification_once(
    nclient: TestClient, backends: Callable[..., BackendProcess], loopback: LoopbackServer
) -> None:
    """Two processes, each with APScheduler on the same job table and a dispatcher, race for
    300 notifications due within the same second: each goes out exactly once."""
    count = 300
    complaint_ids = _complaints(nclient, 3, conversation_id="conv-race")
    loopback.conversation("conv-race")
    loopback.delay = 0.005
    engine = nclient.app.state.engine  # type: ignore[attr-defined]
    # The wake-up jobs come from this (third) process: a scheduler learns of jobs others stored
    # when it next looks at the table, at the latest after a sweep interval.
    settings_env = {"NOTIFICATION_BATCH_SIZE": "20", "NOTIFICATION_CONCURRENCY": "8", "SCHEDULER_SWEEP_SECONDS": "1"}
    first = backends("a", **settings_env)
    second = backends("b", **settings_env)
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    targets = [complaint_ids[i % len(complaint_ids)] for i in range(count)]
    rows = _plan(engine, targets, lambda i: due + dt.timedelta(milliseconds=3 * i))
    store_wake_ups(engine, [row.attempt_at for row in rows])  # both schedulers fire these jobs
    try:
        _wait(lambda: _states(engine)["sent"] == count, 60, "all notifications to be sent")
    finally:
        loopback.delay = 0
    keys = Counter(call["entities"]["notification_id"] for call in loopback.triggered())
    assert len(keys) == count and set(keys.values()) == {1}
    with Session(engine) as session:
        workers = Counter(a.worker for a in session.exec(select(NotificationAttempt)).all() if a.worker is not None)
    assert sum(workers.values()) == count
    assert len(workers) == 2, workers  # both processes took part
    for backend in (first, second):
        assert "JobLookupError" not in backend.output() and "Traceback" not in backend.output()
        assert RASA_TOKEN not in backend.output()  # request URLs are not logged
