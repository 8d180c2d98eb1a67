# Changes: rasa.core.actions.action.RemoteAction.run (Rasa does not count its calls to the action
# server). Shown by: tests/rasa_bot/runtime/patches/test_action_calls.py; read by `make bench-turns`.
"""Every call of a rasa server to the action server, counted by action for /metrics
(`rasa_action_server_calls_total{action}`): the round trips per customer turn, which issue 25
brought to one on a form turn (bot/dialogue/complaint_form.py), stay visible in production and
in `make bench-turns`."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter
from rasa.core.actions.action import RemoteAction

CALLS = Counter("rasa_action_server_calls", "Calls of this rasa server to the action server", ["action"])

_original = RemoteAction.run
_installed = False


async def counted_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    CALLS.labels(self.name()).inc()
    return await _original(self, *args, **kwargs)


def install() -> None:
    global _installed
    if not _installed:
        RemoteAction.run = counted_run  # type: ignore[method-assign]
        _installed = True
