"""The scale-out profile started for real: HAProxy (Debian's), two rasa servers, two action
servers, two backends on this machine's PostgreSQL, Redis and RabbitMQ - the scripts `make
run-scaled` uses, started one by one so a test can kill one of them. Databases, queue and
socket.io channel carry a prefix of their own and are dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bench.load import AGENT_TOKEN, Target, _with_scaled_defaults, start_scaled
from contract import rasa_auth, tracking

TRACKING = tracking.IN_REPLY
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Short timers so that a killed backend's leases and retries come round within the test.
FAST = {
    "SCHEDULER_SWEEP_SECONDS": "2",
    "NOTIFICATION_LEASE_SECONDS": "30",
    # Longer than a dead rasa server's lock can block a conversation (TICKET_LOCK_LIFETIME) plus a
    # turn, so that a send waiting on that lock is not given up and retried.
    "NOTIFICATION_SEND_TIMEOUT_SECONDS": "20",
    "NOTIFICATION_RETRY_SECONDS": "2",
    "TICKET_LOCK_LIFETIME": "10",
}


class Scaled:
    def __init__(self, target: Target, workdir: Path, prefix: str):
        self.target = target
        self.workdir = workdir
        self.prefix = prefix
        self.env = target.env
        self.rasa_url = target.rasa_url
        self.backend_url = target.backend_url
        self.procs = {p.name: p for p in target.procs}
        # The generated secrets every process of the profile got (scripts/scaled_secrets.py).
        secrets = _with_scaled_defaults(self.env)
        self.rasa_token = secrets["RASA_TOKEN"]
        self.rest_headers = {"Authorization": f"Bearer {secrets['REST_CHANNEL_TOKEN']}"}
        # Rasa's HTTP API through the balancer's internal frontend (127.0.0.1 only).
        self.rasa_api_url = f"http://127.0.0.1:{self.env['RASA_API_PORT']}"

    def api_headers(self) -> dict[str, str]:
        return rasa_auth.headers(self.rasa_token, "tests")

    def addr(self, name: str) -> str:
        return "http://" + self.env[f"{name.upper()}_ADDR"]

    def kill(self, name: str) -> None:
        """kill -9: no goodbye, no flush, no lock released."""
        proc = self.procs[name]
        os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(timeout=10)

    def say(self, sender: str, message: str, *, via: str | None = None, timeout: float = 30) -> list[dict]:
        url = (via or self.rasa_url) + "/webhooks/rest/webhook"
        r = httpx.post(url, json={"sender": sender, "message": message}, headers=self.rest_headers, timeout=timeout)
        r.raise_for_status()
        return r.json()

    def complaint(self, tracking_number: str) -> dict:
        r = httpx.get(f"{self.backend_url}/api/complaints/{tracking_number}", headers=AGENT, timeout=10)
        r.raise_for_status()
        return r.json()

    def complaints_named(self, full_name: str) -> list[dict]:
        r = httpx.get(
            f"{self.backend_url}/api/complaints", params={"q": full_name, "limit": 50}, headers=AGENT, timeout=10
        )
        r.raise_for_status()
        body = r.json()
        items = body["items"] if isinstance(body, dict) else body
        return [c for c in items if c.get("full_name") == full_name]

    def tracker(self, sender: str, via: str | None = None) -> dict:
        r = httpx.get(
            f"{via or self.rasa_api_url}/conversations/{sender}/tracker", headers=self.api_headers(), timeout=30
        )
        r.raise_for_status()
        return r.json()

    def tails(self) -> str:
        return "\n".join(f"--- {name}\n{proc.tail(15)}" for name, proc in self.procs.items())


def _drop(prefix: str, env: dict[str, str]) -> None:
    engine = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for suffix in ("rasa", "backend"):
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{prefix}_{suffix}" WITH (FORCE)'))
    engine.dispose()
    try:
        import aio_pika

        async def delete_queue() -> None:
            connection = await aio_pika.connect(env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"))
            async with connection:
                channel = await connection.channel()
                await channel.queue_delete(env["RASA_EVENTS_QUEUE"])
                await channel.exchange_delete(env["RASA_EVENTS_EXCHANGE"])

        asyncio.run(delete_queue())
    except Exception:  # noqa: BLE001 - best effort: a left-over queue has a unique name
        pass


@pytest.fixture(scope="module")
def scaled():
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        pytest.fail("haproxy is missing: make haproxy (scripts/install-haproxy.sh)")
    prefix = f"t_{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="scaled-"))
    saved = {k: os.environ.get(k) for k in FAST}
    os.environ.update(FAST)
    try:
        target = asyncio.run(start_scaled(workdir, prefix=prefix, separate=True))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    stack = Scaled(target, workdir, prefix)
    yield stack
    target.stop()
    _drop(prefix, target.env)
    shutil.rmtree(workdir, ignore_errors=True)


def unique_name(rng=None) -> str:
    """A full name no other test run has: surname of random Cyrillic syllables (a name may not
    contain digits, so no hex suffix), first name, patronymic."""
    import random

    rng = rng or random.Random()
    syllables = ["ка", "ли", "мо", "ра", "ше", "ду", "ви", "ло", "на", "се", "то", "бе"]
    surname = "".join(rng.choice(syllables) for _ in range(4)).capitalize() + "ов"
    return f"{surname} {rng.choice(['Фарид', 'Рашад', 'Эльчин', 'Тимур'])} {rng.choice(['Алекперович', 'Рашидович'])}"


def wait_for(predicate, timeout: float = 60, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None
