"""Every change this project makes to Rasa's own runtime, one module each, installed in one place.

Each module starts with a comment naming the Rasa behaviour it changes and the test that shows
why; each has its own `install()`, safe to call more than once. `install_all()` is the only
caller in the product: the ops channel (bot.runtime.ops) calls it when Rasa builds the channels
of credentials.yml, which every rasa server of this project loads before its agent, tracker
store and lock store.
"""

from __future__ import annotations

from bot.runtime.patches import (
    action_calls,
    action_validation,
    applied_events,
    event_types,
    external_once,
    gc_pauses,
    local_form,
    past_states,
    sqlite_tracker,
)
from contract import log_privacy


def install_all() -> None:
    action_validation.install()  # action server responses checked by a validator built once
    action_calls.install()  # calls to the action server counted on /metrics
    event_types.install()  # event classes found by name from a table
    sqlite_tracker.install()  # the SQLite tracker store in write-ahead-log mode
    external_once.install()  # a backend notification enters a conversation once
    gc_pauses.install()  # collector pauses timed on /metrics (the freeze: bot.runtime.ops)
    local_form.install()  # the complaint form's next question decided in the rasa server
    applied_events.install()  # a conversation's applied events folded from the last turn, not the session's start
    past_states.install()  # the dialogue's past states replayed from the last turn, not the session's start
    log_privacy.install()  # no phone number, e-mail or PIN in any log record (Sanic's access log too)
