"""Which secrets guard each process, and the start-up refusal that applies contract.secrets to it.

A process that listens beyond loopback must have every secret that guards what it serves set to
a real value (docs/security.md). The backend checks its own settings (backend/app/core/settings.py);
the rasa server, the action server and the balancer are checked here, before they start:

    python -m contract.exposure rasa|actions|balancer

prints the reason and exits 3 when the process must not start. Standard library only (it runs
with `python3 -S` from the scripts, as contract.settings does).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from contract import secrets, settings

# process -> (the setting of its bind address, the secrets that guard what it serves)
GUARDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "backend": ("BACKEND_HOST", ("AGENT_TOKEN", "SERVICE_TOKEN", "SECRET_KEY", "PIN_ENCRYPTION_KEY")),
    # The HTTP API, the calls it makes to the action server and the backend, the web chat's ids.
    "rasa": ("RASA_HOST", ("RASA_TOKEN", "ACTIONS_TOKEN", "SERVICE_TOKEN", "WEBCHAT_SESSION_SECRET")),
    "actions": ("ACTIONS_HOST", ("ACTIONS_TOKEN", "SERVICE_TOKEN")),
    # The balancer publishes the rasa servers and the backends: everything they need.
    "balancer": (
        "BALANCER_HOST",
        (
            "RASA_TOKEN",
            "ACTIONS_TOKEN",
            "SERVICE_TOKEN",
            "WEBCHAT_SESSION_SECRET",
            "AGENT_TOKEN",
            "SECRET_KEY",
            "PIN_ENCRYPTION_KEY",
        ),
    ),
}


def check(process: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why `process` must not start with these settings (environment, .env, defaults), or None."""
    environ = dict(os.environ if environ is None else environ)
    environ.update(settings.resolve(environ))
    host_setting, names = GUARDS[process]
    reason = secrets.refusal(environ.get(host_setting), {name: environ.get(name) for name in names})
    return f"{process}: {reason} ({host_setting})" if reason else None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in GUARDS:
        print(f"usage: python -m contract.exposure {'|'.join(GUARDS)}", file=sys.stderr)
        return 2
    reason = check(args[0])
    if reason:
        print(reason, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
