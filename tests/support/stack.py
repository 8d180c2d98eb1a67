"""Starts the real processes (rasa server, action server, backend) for end-to-end
tests, on their own ports and databases, and stops them with their children."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from backend.app.clients.rasa_paths import conversation_path
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
AGENT_TOKEN = "e2e-agent-token"
SERVICE_TOKEN = "e2e-service-token"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(timeout=5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


@dataclass
class Stack:
    workdir: Path
    policy: str = "eurolux"
    env: dict = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {"rasa": free_port(), "actions": free_port(), "backend": free_port()}
        self.env = {
            **os.environ,
            "RASA_PORT": str(self.ports["rasa"]),
            "ACTIONS_PORT": str(self.ports["actions"]),
            "BACKEND_PORT": str(self.ports["backend"]),
            "RASA_TRACKER_URL": f"sqlite:///{self.workdir}/rasa-tracker.db",
            "DATABASE_URL": f"sqlite:///{self.workdir}/backend.db",
            "AGENT_TOKEN": AGENT_TOKEN,
            "SERVICE_TOKEN": SERVICE_TOKEN,
            "COMPLAINT_POLICY": self.policy,
            "RASA_URL": f"http://127.0.0.1:{self.ports['rasa']}",
            "ACTIONS_OUTBOX_URL": f"sqlite:///{self.workdir}/actions-outbox.db",
            "OUTBOX_RETRY_SECONDS": "1",
            "OUTBOX_RETRY_MAX_SECONDS": "2",
            **self.env,
        }
        self.env.pop("RASA_TOKEN", None)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['backend']}"

    def start(self, name: str, **extra_env: str) -> None:
        script = {"rasa": "run-rasa.sh", "actions": "run-actions.sh", "backend": "run-backend.sh"}[name]
        log = self.workdir / f"{name}.log"
        env = {**self.env, **extra_env}
        popen = subprocess.Popen(
            [str(ROOT / "scripts" / script)],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = Process(name, popen, log)

    def stop(self, name: str) -> None:
        proc = self.processes.pop(name, None)
        if proc:
            proc.stop()

    def kill(self, name: str) -> None:
        """Ends the process and its children at once, without a chance to clean up (a crash)."""
        proc = self.processes.pop(name, None)
        if proc and proc.popen.poll() is None:
            os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def use_policy(self, policy: str) -> None:
        """The action server restarted under another COMPLAINT_POLICY (the backend takes a
        complaint's policy from its registration, rasa has none)."""
        if self.env["COMPLAINT_POLICY"] != policy:
            self.stop("actions")
            self.env["COMPLAINT_POLICY"] = policy
            self.start("actions")
            self.wait_ready("actions")

    def wait_ready(self, name: str, timeout: float = 180) -> None:
        url = {
            "rasa": f"{self.rasa_url}/status",
            "actions": f"http://127.0.0.1:{self.ports['actions']}/health",
            "backend": f"{self.backend_url}/healthz",
        }[name]
        deadline = time.monotonic() + timeout
        proc = self.processes[name]
        while time.monotonic() < deadline:
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.popen.returncode}:\n{proc.tail()}")
            try:
                r = httpx.get(url, timeout=2)
                if r.status_code == 200 and (name != "rasa" or r.json().get("model_file")):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{name} not ready after {timeout}s:\n{proc.tail()}")

    # --- talking to it -------------------------------------------------------
    def say(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        body = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        r = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        r.raise_for_status()
        return r.json()

    def tracker(self, sender: str) -> dict:
        r = httpx.get(f"{self.rasa_url}{conversation_path(sender)}/tracker", timeout=30)
        r.raise_for_status()
        return r.json()

    def complaint(self, tracking_number: str) -> dict:
        r = httpx.get(
            f"{self.backend_url}/api/complaints/{tracking_number}",
            headers={"Authorization": f"Bearer {AGENT_TOKEN}"},
            timeout=10,
        )
        r.raise_for_status()
        return r.json()
