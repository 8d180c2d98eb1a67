"""Who listens where: loopback by default, and every process refuses to listen beyond it with a
placeholder secret (contract/exposure.py, the backend's settings, scripts/run-*.sh)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from contract import exposure, settings
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
REAL = {
    name: f"{name.lower()}-real-secret-0123456789"
    for name in (
        "AGENT_TOKEN",
        "SERVICE_TOKEN",
        "SECRET_KEY",
        "PIN_ENCRYPTION_KEY",
        "RASA_TOKEN",
        "ACTIONS_TOKEN",
        "WEBCHAT_SESSION_SECRET",
    )
}


def test_every_listener_defaults_to_loopback_and_callers_follow_the_host(tmp_path: Path) -> None:
    added = settings.resolve({}, dotenv=tmp_path / "none")
    assert added["RASA_HOST"] == added["ACTIONS_HOST"] == added["BACKEND_HOST"] == "127.0.0.1"
    assert added["RASA_CORS_ORIGINS"].split() == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert added["ACTIONS_TOKEN"] == ""  # always set: endpoints.yml's ${ACTIONS_TOKEN} expands
    spread = settings.resolve({"ACTIONS_HOST": "0.0.0.0", "BACKEND_HOST": "10.1.2.3"}, dotenv=tmp_path / "none")
    assert spread["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"  # every interface: call loopback
    assert spread["BACKEND_URL"] == "http://10.1.2.3:8000"
    assert "http://10.1.2.3:8000" in spread["RASA_CORS_ORIGINS"].split()


@pytest.mark.parametrize("process", ["rasa", "actions", "balancer", "backend"])
def test_the_check_refuses_placeholders_only_beyond_loopback(process: str, tmp_path: Path) -> None:
    host_setting, names = exposure.GUARDS[process]
    assert exposure.check(process, {host_setting: "127.0.0.1"}) is None  # dev-* defaults on loopback
    assert exposure.check(process, {host_setting: "0.0.0.0", **REAL}) is None
    for weak in names:
        for placeholder in ("", f"dev-{weak.lower()}", "change-me"):
            reason = exposure.check(process, {host_setting: "0.0.0.0", **REAL, weak: placeholder})
            assert reason is not None and weak in reason and host_setting in reason, (weak, placeholder)
            assert all(REAL[name] not in reason for name in REAL)  # names, never values


def test_the_rasa_check_names_the_webchat_secret() -> None:
    reason = exposure.check("rasa", {"RASA_HOST": "0.0.0.0", **{**REAL, "WEBCHAT_SESSION_SECRET": ""}})
    assert reason is not None and "WEBCHAT_SESSION_SECRET" in reason


def _run(script: str, env: dict[str, str], timeout: float = 60) -> tuple[int | None, str]:
    """Runs a launcher; (exit code, output), or (None, output) when it was still running."""
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        return None, proc.communicate()[0]
    return proc.returncode, proc.communicate()[0]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REAL and not k.endswith("_HOST")}
    env.update(
        PYTHONPATH=str(ROOT),
        RASA_PORT=str(free_port()),
        BACKEND_PORT=str(free_port()),
        AGENT_TOKEN="dev-agent-token",
        SERVICE_TOKEN="dev-service-token",
        **values,
    )
    return env


@pytest.mark.parametrize(
    ("script", "host_setting", "weak"),
    [("run-backend.sh", "BACKEND_HOST", "AGENT_TOKEN"), ("run-rasa.sh", "RASA_HOST", "RASA_TOKEN")],
)
def test_a_launcher_beyond_loopback_with_dev_tokens_exits_with_the_reason(
    script: str, host_setting: str, weak: str
) -> None:
    code, out = _run(script, _env(**{host_setting: "0.0.0.0"}))
    assert code is not None and code != 0, out[-2000:]
    assert "refusing to listen on 0.0.0.0" in out and weak in out, out[-2000:]
