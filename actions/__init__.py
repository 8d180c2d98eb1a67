"""The action server: rasa-sdk discovers every Action subclass imported here. The complaint form's
next question and its action_ask_<slot> questions are the rasa server's (bot/dialogue/complaint_form.py)."""

from actions.greeting import ActionGreetChat
from actions.handoff import ActionHandoff
from actions.registration import ActionCancelComplaint, ActionSubmitComplaint
from actions.slot_mappings import ActionValidateSlotMappings
from actions.status import (
    ActionLookUpStatus,
    ActionPresentDecision,
    ActionRecordDecision,
    ActionStoreRating,
    ValidateStatusForm,
)
from contract import log_privacy

log_privacy.install()  # no phone number, e-mail or PIN in any log record of the action server

__all__ = [
    "ActionCancelComplaint",
    "ActionGreetChat",
    "ActionHandoff",
    "ActionLookUpStatus",
    "ActionPresentDecision",
    "ActionRecordDecision",
    "ActionStoreRating",
    "ValidateStatusForm",
    "ActionSubmitComplaint",
    "ActionValidateSlotMappings",
]

# Load the language models at start-up, not while the first customer waits.
from contract import langid as _langid  # noqa: E402

_langid.warm_up()


def _close_backend_sessions_with_the_server() -> None:
    """rasa-sdk's action server (rasa_sdk.endpoint.create_app) has made its Sanic app, "rasa_sdk",
    when it imports this package: the outbox's delivery loop runs with the server (started once it
    listens, stopped before it stops), and the backend client's pooled session (bot.http) closes
    once the server has stopped and its last action has run."""
    from sanic import Sanic
    from sanic.exceptions import SanicException

    from actions import outbox
    from bot import http

    try:
        app = Sanic.get_app("rasa_sdk")
    except SanicException:
        return  # imported without the server: tests, `rasa data validate`

    async def close(_app: Sanic, _loop: object) -> None:
        await http.close()

    outbox.install(app)
    app.register_listener(close, "after_server_stop")


_close_backend_sessions_with_the_server()
