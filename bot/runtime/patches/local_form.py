# Changes: rasa.core.actions.action.action_for_name_or_text (Rasa runs the complaint form's
# validation action and the action_ask_<slot> actions of the domain on the action server).
# Shown by: tests/rasa_bot/dialogue/test_complaint_form.py, and end to end by the story tests,
# tests/e2e and `make bench-dialogue` (the same questions in the same order).
"""The complaint form and its conversation-dependent questions run in the rasa server
(bot/dialogue/complaint_form.py): a form turn makes one action server call, the one that reads the
customer's message, instead of two or three. Every other action is found as Rasa finds it."""

from __future__ import annotations

from typing import Any

from rasa.core.actions import action as rasa_action

from bot.dialogue.complaint_form import FORM, LOCAL_ASK_ACTIONS, ComplaintFormAction

_original = rasa_action.action_for_name_or_text
_installed = False


def action_for_name_or_text(action_name_or_text: str, domain: Any, action_endpoint: Any) -> rasa_action.Action:
    if action_name_or_text == FORM and FORM in domain.form_names:
        return ComplaintFormAction(action_endpoint)
    local = LOCAL_ASK_ACTIONS.get(action_name_or_text)
    if local is not None and action_name_or_text in domain.action_names_or_texts:
        return local
    return _original(action_name_or_text, domain, action_endpoint)


def install() -> None:
    global _installed
    if not _installed:
        rasa_action.action_for_name_or_text = action_for_name_or_text
        _installed = True
