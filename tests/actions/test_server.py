"""The action server as an attacker meets it (actions/server.py through scripts/run-actions.sh, a
real process): a hand-made tracker posted to /webhook without the shared secret registers
nothing, and the server refuses to listen beyond loopback with placeholder secrets."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_server import FakeServer, json_answer
from tests.support.net import free_port, outside_address

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_TOKEN = "actions-token-for-the-test-0123456789"
SERVICE_TOKEN = "service-token-for-the-test-0123456789"


class FakeBackend(FakeServer):
    """Answers POST /api/complaints as the backend does, recording each call."""

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        self._record({"method": method, "path": path, "authorization": headers.get("Authorization")})
        if method == "POST" and path == "/api/complaints":
            return json_answer(
                201,
                {
                    "tracking_number": "K7QM-4PXR",
                    "pin": "123456",
                    "status": "registered",
                    "deadlines": {"acknowledge_by": "2026-02-02T10:00:00Z", "resolve_by": "2026-02-20T10:00:00Z"},
                },
            )
        return json_answer(404, {"detail": "not found"})


def forged_call() -> dict[str, Any]:
    """What rasa would post for action_submit_complaint: a tracker the attacker filled in."""
    slots = {
        "language": "ru",
        "full_name": "Керимов Фарид",
        "phone": "+994517772030",
        "complaint_text": "кассир обсчитала меня",
        "confirmed": "yes",
        "registration_key": "forged-key-1",
    }
    return {
        "next_action": "action_submit_complaint",
        "sender_id": "victim-conversation",
        "version": "3.6.2",
        "domain": {"responses": {}},
        "tracker": {
            "sender_id": "victim-conversation",
            "slots": slots,
            "latest_message": {"text": "да", "intent": {"name": "affirm"}, "entities": []},
            "latest_event_time": time.time(),
            "paused": False,
            "events": [],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ROOT / "scripts" / "run-actions.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
    out, _ = proc.communicate(timeout=20)
    return out


@pytest.fixture
def backend() -> Iterator[FakeBackend]:
    server = FakeBackend().start()
    yield server
    server.stop()


def environment(backend_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIONS_", "ACTION_SERVER"))}
    env.update(
        ACTIONS_PORT=str(port),
        BACKEND_URL=backend_url,
        SERVICE_TOKEN=SERVICE_TOKEN,
        ACTIONS_TOKEN=ACTIONS_TOKEN,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def wait_health(proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the action server exited with {proc.returncode}:\n{stop(proc)}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(stop(proc))


def test_a_hand_made_tracker_without_the_token_registers_nothing(backend: FakeBackend) -> None:
    port = free_port()
    # Beyond loopback, as the scale-out profile published it: allowed with real secrets only.
    proc = start(environment(backend.url, port, ACTIONS_HOST="0.0.0.0", ACTIONS_MAX_BODY_BYTES="65536"))
    url = f"http://{outside_address()}:{port}"  # the attacker calls from the network
    try:
        wait_health(proc, url)  # /health stays open for the balancer
        body = json.dumps(forged_call())
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": ACTIONS_TOKEN}):
            answer = httpx.post(f"{url}/webhook", content=body, headers=headers, timeout=10)
            assert answer.status_code == 401, answer.text
            assert answer.json() == {"error": "unauthorized"}
        assert httpx.get(f"{url}/actions", timeout=10).status_code == 401
        # A body past ACTIONS_MAX_BODY_BYTES is refused even with the token (Sanic's default: 100 MB).
        big = httpx.post(
            f"{url}/webhook",
            content=b"{" + b" " * 100_000 + b"}",
            headers={"Authorization": f"Bearer {ACTIONS_TOKEN}", "Content-Type": "application/json"},
            timeout=10,
        )
        assert big.status_code == 413
        assert backend.requests == []  # nothing reached the backend

        # The same call as rasa sends it (endpoints.yml's header) is served.
        answer = httpx.post(
            f"{url}/webhook", content=body, headers={"Authorization": f"Bearer {ACTIONS_TOKEN}"}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        (call,) = backend.requests
        assert call["path"] == "/api/complaints" and call["authorization"] == f"Bearer {SERVICE_TOKEN}"
    finally:
        stop(proc)


def test_by_default_it_cannot_be_reached_from_another_address(backend: FakeBackend) -> None:
    port = free_port()
    env = environment(backend.url, port)
    env.pop("ACTIONS_HOST", None)
    proc = start(env)
    try:
        wait_health(proc, f"http://127.0.0.1:{port}")
        with pytest.raises(httpx.ConnectError):
            httpx.post(f"http://{outside_address()}:{port}/webhook", content=json.dumps(forged_call()), timeout=5)
        assert backend.requests == []
    finally:
        stop(proc)


@pytest.mark.parametrize(
    ("weak", "tokens"),
    [
        ("ACTIONS_TOKEN", {"ACTIONS_TOKEN": "", "SERVICE_TOKEN": SERVICE_TOKEN}),
        ("SERVICE_TOKEN", {"ACTIONS_TOKEN": ACTIONS_TOKEN, "SERVICE_TOKEN": "dev-service-token"}),
    ],
)
def test_it_refuses_to_listen_beyond_loopback_with_a_placeholder_secret(
    backend: FakeBackend, weak: str, tokens: dict[str, str]
) -> None:
    port = free_port()
    env = environment(backend.url, port, ACTIONS_HOST="0.0.0.0")
    env.update(tokens)
    proc = start(env)
    try:
        code = proc.wait(timeout=60)
    finally:
        out = stop(proc)
    assert code != 0
    assert "refusing to listen on 0.0.0.0" in out and "(ACTIONS_HOST)" in out
    assert weak in out and ACTIONS_TOKEN not in out and SERVICE_TOKEN not in out  # names, never values
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
