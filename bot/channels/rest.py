"""Rasa's REST channel (`POST /webhooks/rest/webhook`, DESIGN.md §3), its turns counted.

`bot.channels.rest.TimedRestInput` in credentials.yml: the same name and the same endpoint as
Rasa's own `rest` channel; only every customer message is counted and timed for /metrics
(bot.runtime.metrics).
"""

from __future__ import annotations

from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.runtime.metrics import Handler, timed


class TimedRestInput(RestInput):
    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return super().blueprint(timed(self.name(), on_new_message))
