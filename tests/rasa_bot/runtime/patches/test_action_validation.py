"""bot.runtime.patches.action_validation gives the same verdict and the same error as Rasa's own validation of
action server responses, for valid responses and for each kind of broken one."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.runtime.patches import action_validation

ROOT = Path(__file__).resolve().parents[4]

VALID = [
    {"events": [], "responses": []},
    {},
    {
        "events": [
            {"event": "slot", "name": "full_name", "value": "Фарид Керимов", "timestamp": None},
            {"event": "slot", "name": "requested_slot", "value": "phone"},
            {"event": "active_loop", "name": "complaint_form"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "Ваш номер телефона?", "buttons": [{"title": "Да", "payload": "/affirm"}]}],
    },
]
INVALID = [
    {"events": {"event": "slot"}},  # not a list
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "full_name", "value": "x"}]},  # no event type
    {"events": [{"event": "slot", "value": 3}]},  # slot without a name
    {"responses": ["a plain string"]},
    ["not", "an", "object"],
]


@pytest.fixture
def remote():
    action = RemoteAction("validate_complaint_form", None)
    yield action
    action_validation.install()  # as bot.runtime.patches.install_all leaves it


def verdict(action: RemoteAction, result) -> str:
    try:
        assert action._validate_action_result(result) is True
        return "valid"
    except ValidationError as error:
        return f"invalid: {error.message}"


@pytest.mark.parametrize("result", VALID + INVALID)
def test_same_verdict_and_message_as_rasa(remote, result):
    action_validation.uninstall()
    stock = verdict(remote, result)
    action_validation.install()
    ours = verdict(remote, result)
    assert ours == stock
    expected = "valid" if result in VALID else "invalid"
    assert ours.startswith(expected)
    if expected == "invalid":
        assert "Failed to validate Action server response" in ours
