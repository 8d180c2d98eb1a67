"""The process settings every part reads, with the embedded defaults of `make run`.

Order: the environment, then `.env` at the repository root, then the defaults below (an
empty value counts as unset). `apply()` puts them into `os.environ`; both virtual
environments run it at interpreter start (scripts/make-venv.sh writes a `.pth` file), so
`rasa train`, `rasa shell`, the action server, the backend and the tests all see the same
values, and Rasa's `${VAR}` placeholders in endpoints.yml always expand. The scripts read
them with `python -m contract.settings` (shell `export` lines).

What was filled in is recorded in `CONTRACT_DEFAULTED` (JSON). A process started from one that
filled them in (a test stack, a script) sees them again as unset as long as they still hold the
recorded value: a URL derived from a port follows that process's own port, while a value that
someone set on purpose since then is kept.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOTENV = ROOT / ".env"
MARKER = "CONTRACT_DEFAULTED"

# Quiet libraries: no telemetry, no TensorFlow banner, no SQLAlchemy 2.0 warnings in Rasa.
_FIXED = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}

# name -> default, computed from the values before it (in this order).
_DEFAULTS: dict[str, Callable[[MutableMapping[str, str]], str]] = {
    "ENVIRONMENT": lambda env: "development",
    "COMPLAINT_POLICY": lambda env: "eurolux",
    "RASA_PORT": lambda env: "5005",
    "ACTIONS_PORT": lambda env: "5055",
    "BACKEND_PORT": lambda env: "8000",
    # Where each process listens: loopback unless set (docs/security.md); elsewhere it refuses
    # to start while a secret that guards it is a placeholder (contract.exposure).
    "RASA_HOST": lambda env: "127.0.0.1",
    "ACTIONS_HOST": lambda env: "127.0.0.1",
    "BACKEND_HOST": lambda env: "127.0.0.1",
    "ACTION_SERVER_URL": lambda env: f"http://{_reach(env['ACTIONS_HOST'])}:{env['ACTIONS_PORT']}/webhook",
    "BACKEND_URL": lambda env: f"http://{_reach(env['BACKEND_HOST'])}:{env['BACKEND_PORT']}",
    "RASA_URL": lambda env: f"http://{_reach(env['RASA_HOST'])}:{env['RASA_PORT']}",
    # The origins whose pages may call the rasa server from a browser: the backend's /chat page.
    "RASA_CORS_ORIGINS": lambda env: " ".join(
        dict.fromkeys(
            f"http://{host}:{env['BACKEND_PORT']}" for host in ("127.0.0.1", "localhost", _reach(env["BACKEND_HOST"]))
        )
    ),
    # The action server's shared secret (Authorization: Bearer); empty: not checked, which only
    # a loopback action server may be. Always set, so endpoints.yml's ${ACTIONS_TOKEN} expands.
    "ACTIONS_TOKEN": lambda env: "",
    "RASA_TRACKER_URL": lambda env: f"sqlite:///{ROOT / 'var' / 'rasa-tracker.db'}",
    "RASA_MODEL": lambda env: str(ROOT / "models" / "complaints.tar.gz"),
    # The e-mail channel (on when IMAP_URL is set): the size limit of a letter, read by the backend
    # and by the rasa server's e-mail channel alike.
    "MAIL_MAX_BYTES": lambda env: str(10 * 1024 * 1024),
    "IMAP_POLL_SECONDS": lambda env: "60",
    # The staff bot (on when STAFF_TELEGRAM_BOT_TOKEN is set): the Bot API server it talks to.
    "STAFF_TELEGRAM_API_BASE_URL": lambda env: "https://api.telegram.org",
}


def _reach(host: str) -> str:
    """The address other processes of this machine call a listener on `host` at."""
    host = host.strip()
    if host in ("", "0.0.0.0", "::", "[::]"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def read_dotenv(path: Path = DOTENV) -> dict[str, str]:
    """KEY=value lines; blank lines and # comments skipped, surrounding quotes removed."""
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return values
    for line in lines:
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:  # an inline comment after an unquoted value, as python-dotenv reads it
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def resolve(environ: MutableMapping[str, str] | None = None, dotenv: Path = DOTENV) -> dict[str, str]:
    """The values the environment lacks: from .env, then the defaults."""
    environ = os.environ if environ is None else environ
    try:
        defaulted = json.loads(environ.get(MARKER) or "{}")
    except ValueError:
        defaulted = {}
    # Values an earlier apply() filled in, unchanged since, are not this process's own choice.
    given = {key: value for key, value in environ.items() if key != MARKER and defaulted.get(key) != value}
    merged: dict[str, str] = dict(given)
    added: dict[str, str] = {}
    for key, value in read_dotenv(dotenv).items():
        if key not in given:
            merged[key] = added[key] = value
    for key, value in _FIXED.items():
        if key not in merged:
            merged[key] = added[key] = value
    for key, default in _DEFAULTS.items():
        if not merged.get(key):
            merged[key] = added[key] = default(merged)
    return added


def apply(environ: MutableMapping[str, str] | None = None) -> None:
    """Fills os.environ (or `environ`) in; what is already set wins. Never raises: it runs at
    every interpreter start of the project's environments."""
    environ = os.environ if environ is None else environ
    try:
        added = resolve(environ)
        environ.update(added)
        environ[MARKER] = json.dumps(added, separators=(",", ":"))
        (ROOT / "var").mkdir(exist_ok=True)
    except Exception as exc:  # noqa: BLE001 - a broken .env must not stop pip or python itself
        print(f"contract.settings: {exc}", file=sys.stderr)


def main() -> None:
    """Prints `export KEY=value` lines of every setting the environment lacks, for scripts."""
    added = resolve()
    for key, value in added.items():
        print(f"export {key}={shlex.quote(value)}")
    print(f"export {MARKER}={shlex.quote(json.dumps(added, separators=(',', ':')))}")


if __name__ == "__main__":
    main()
