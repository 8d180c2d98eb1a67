"""`make run`'s process runner: all three come up under honcho, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx

from tests.support.stack import ROOT, Stack


def _alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split()[2] == "Z":
                    continue
        except FileNotFoundError:
            continue
        out.append(pid)
    return out


def _descendants(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    out = [int(c) for c in children]
    for child in list(out):
        out.extend(_descendants(child))
    return out


def test_honcho_starts_all_three_and_ctrl_c_stops_them(tmp_path):
    stack = Stack(tmp_path)  # only for its free ports and environment
    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=stack.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        ready = False
        while time.monotonic() < deadline and not ready:
            time.sleep(1)
            try:
                ready = (
                    httpx.get(f"{stack.rasa_url}/status", timeout=2).status_code == 200
                    and httpx.get(f"{stack.backend_url}/healthz", timeout=2).status_code == 200
                    and httpx.get(f"http://127.0.0.1:{stack.ports['actions']}/health", timeout=2).status_code == 200
                )
            except httpx.HTTPError:
                pass
        assert ready, (tmp_path / "honcho.log").read_text()[-3000:]
        replies = httpx.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": "run-test", "message": "Здравствуйте"},
            timeout=60,
        ).json()
        assert replies and replies[0]["text"].startswith("Здравствуйте")
        text = (tmp_path / "honcho.log").read_text()
        for prefix in ("rasa", "actions", "backend"):
            assert f" {prefix}" in text or f"{prefix}." in text, f"no {prefix} lines in the log"
        children = _descendants(honcho.pid)
        assert len(children) >= 3
        honcho.send_signal(signal.SIGINT)  # what Ctrl-C sends
        honcho.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _alive(children) == [], "processes left behind after Ctrl-C"
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
