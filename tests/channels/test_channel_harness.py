"""The channels as `rasa run` loads them from credentials.yml, without a model
(rasa_harness.py in rasa's environment): switched off when their tokens are
missing, and the web chat's socket.io room fix."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.net import free_port
from tests.support.stack import ROOT

RASA_PY = str(ROOT / ".venv-rasa" / "bin" / "python")
HARNESS = os.path.join(os.path.dirname(__file__), "rasa_harness.py")
CHANNEL_VARS = ("TELEGRAM_", "WHATSAPP_", "TWILIO_")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(CHANNEL_VARS)} | {
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
    }


@contextlib.contextmanager
def harness_server(log: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """rasa_harness.py serving the channels of credentials.yml on a free port; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [RASA_PY, HARNESS, "serve", str(port)],
        env=clean_env() | (extra_env or {}),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/webhooks/telegram/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def channels_off(tmp_path_factory):
    log = tmp_path_factory.mktemp("harness") / "harness.log"
    with harness_server(log) as url:
        yield url, log


def test_channels_without_tokens_start_and_say_they_are_off(channels_off):
    url, log = channels_off
    for name in ("telegram", "whatsapp", "twilio"):
        assert httpx.get(f"{url}/webhooks/{name}/").json() == {"status": "off"}
        r = httpx.post(f"{url}/webhooks/{name}/webhook", json={"update_id": 1})
        assert r.status_code == 503 and "is off" in r.json()["error"], (name, r.text)
    assert (
        httpx.get(
            f"{url}/webhooks/whatsapp/webhook",
            params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
        ).status_code
        == 403
    )
    text = log.read_text()
    assert "Traceback" not in text


def socketio_check(credentials: str | None = None) -> dict:
    env = clean_env() | ({"HARNESS_CREDENTIALS": credentials} if credentials else {})
    run = subprocess.run([RASA_PY, HARNESS, "socketio-check"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(next(line for line in run.stdout.splitlines() if line.startswith("{")))


def test_web_chat_replies_arrive_when_enter_room_is_a_coroutine():
    """python-socketio >= 5.10 behaviour, simulated on the pinned 5.9."""
    ours = socketio_check()
    assert re.fullmatch(r"wc:[0-9a-f]{32}\.[A-Za-z0-9_-]{43}", ours["session"]), ours
    assert ours["reply"] == {"text": "echo:Здравствуйте"}
    assert ours["same_session"] == ours["session"]
    assert ours["fresh_session"] not in (ours["session"], "../../not a session id")
    # After the new session the socket has left the old room; its messages go to the new one.
    assert ours["reply_in_fresh_session"] == {"text": "echo:снова"}


def test_rasas_own_socketio_channel_loses_the_replies_there(tmp_path):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("socketio:\n  session_persistence: true\n  metadata_key: customData\n")
    assert socketio_check(str(credentials))["reply"] is None  # RasaHQ/rasa#13027, what bot/channels/webchat.py fixes


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("process groups")
