"""The real processes for the handoff's end-to-end tests: backend, action server and rasa with
the event broker on (BackendEventBroker in the endpoints file), the Telegram channel pointed
at the loopback Bot API fake, agents' accounts, and small clients for the agent's side."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
from tests.support.stack import AGENT_TOKEN, ROOT, SERVICE_TOKEN, Stack  # noqa: E402,F401
from tests.support.telegram import FakeTelegram  # noqa: E402

TELEGRAM_TOKEN = "7000000002:AAH-handoff-test-token-for-the-fake"
TELEGRAM_SECRET = "tg-handoff-secret-0123456789"
PASSWORD = "handoff test password 42"
BROKER_BLOCK = """
# Added by tests/handoff: the transcripts and the agent console's feed.
event_broker:
  type: bot.runtime.event_broker.BackendEventBroker
  url: ${BACKEND_URL}
"""


def broker_endpoints(workdir: Path) -> Path:
    """endpoints.yml as it is, with the event broker block added if it lacks one."""
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    if "event_broker:" not in text:
        text += BROKER_BLOCK
    path = workdir / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return path


def start_stack(workdir: Path, telegram: FakeTelegram, policy: str = "eurolux", **env: str) -> Stack:
    """`env`: more settings of the three processes (the staff bot's, for one)."""
    stack = Stack(
        workdir,
        policy=policy,
        env={
            "ATTACHMENTS_DIR": str(workdir / "attachments"),
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TELEGRAM_API_BASE_URL": telegram.url,
            "RASA_ENDPOINTS": str(broker_endpoints(workdir)),
            **env,
        },
    )
    stack.env["BACKEND_URL"] = stack.backend_url
    try:
        for name in ("backend", "actions", "rasa"):
            stack.start(name)
        for name in ("backend", "actions", "rasa"):
            stack.wait_ready(name)
    except BaseException:
        stack.stop_all()
        raise
    return stack


def create_agents(stack: Stack, *names: str) -> dict[str, dict[str, str]]:
    """The first name becomes an admin (backend.manage create-admin), the others agents; returns
    each one's bearer headers."""
    admin, *others = names
    env = {**stack.env, "ADMIN_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "backend.manage",
            "create-admin",
            "--username",
            admin,
            "--display-name",
            admin.title(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    headers = {admin: login(stack, admin)}
    for name in others:
        r = httpx.post(
            f"{stack.backend_url}/api/agents",
            json={"username": name, "display_name": name.title(), "role": "agent", "password": PASSWORD},
            headers=headers[admin],
            timeout=10,
        )
        assert r.status_code == 201, r.text
        headers[name] = login(stack, name)
    return headers


def login(stack: Stack, username: str) -> dict[str, str]:
    r = httpx.post(f"{stack.backend_url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_for(predicate, timeout: float = 30, interval: float = 0.05, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met after {timeout}s")
        time.sleep(interval)


def open_handoff(stack: Stack, headers: dict[str, str], conversation_id: str, timeout: float = 30) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        queue = httpx.get(f"{stack.backend_url}/api/handoffs", headers=headers, timeout=10).json()
        return next((h for h in queue if h["conversation_id"] == conversation_id), None)

    return wait_for(find, timeout, 0.2, f"a handoff of {conversation_id}")


def rasa_paused(stack: Stack, conversation_id: str) -> bool:
    return bool(stack.tracker(conversation_id)["paused"])


def node_env(extra: dict[str, Any]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **{
            key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            for key, value in extra.items()
        },
    }
