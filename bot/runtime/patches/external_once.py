# Changes: rasa.core.processor.MessageProcessor.trigger_external_user_uttered (Rasa adds every
# trigger_intent call to the conversation, also the second send of one backend notification).
# Shown by: tests/rasa_bot/runtime/patches/test_external_once.py, and end to end by
# tests/e2e/test_status.py (the dispatcher's retry of a send still waiting in Rasa).
"""A backend notification enters a conversation once, however often it is sent.

The backend's dispatcher sends each notification (acknowledgement, progress update, delay
notice, decision) into the customer's conversation with POST /conversations/{id}/trigger_intent,
its key in the `notification_id` entity. Before a retry it looks for that key in the tracker
(backend/app/notifications/senders.py), which covers a send whose answer was lost after Rasa
stored it. It cannot cover a send still waiting in Rasa when the dispatcher gave up on it (a
conversation locked by a long turn, or by a rasa server that died holding its ticket): the
retry finds nothing yet, and both arrive.

Rasa handles trigger_intent under the conversation's lock, with the tracker it then saves, so
the check is exact here: `install()` wraps MessageProcessor.trigger_external_user_uttered, and
an EXTERNAL_ intent whose notification_id is already in the conversation is answered (200)
without adding anything or saying anything. Intents without a notification_id (reminders,
EXTERNAL_resume) pass unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

KEY_ENTITY = "notification_id"
_installed = False


def notification_key(entities: Any) -> str | None:
    """The notification_id in trigger_intent's entities (a list of entity dicts or the short
    {name: value} form)."""
    if isinstance(entities, dict):
        value = entities.get(KEY_ENTITY)
    elif isinstance(entities, list):
        value = next((e.get("value") for e in entities if isinstance(e, dict) and e.get("entity") == KEY_ENTITY), None)
    else:
        value = None
    return str(value) if value not in (None, "") else None


def already_in(tracker: DialogueStateTracker, key: str) -> bool:
    for event in tracker.events:
        if isinstance(event, UserUttered) and any(
            entity.get("entity") == KEY_ENTITY and str(entity.get("value")) == key for entity in event.entities
        ):
            return True
    return False


_original = MessageProcessor.trigger_external_user_uttered


async def trigger_once(
    self: MessageProcessor, intent_name: str, entities: Any, tracker: DialogueStateTracker, output_channel: Any
) -> None:
    """MessageProcessor.trigger_external_user_uttered, skipping a notification already in."""
    key = notification_key(entities)
    if key is not None and already_in(tracker, key):
        logger.info("%s with a notification key already in the conversation: not repeated", intent_name)
        return None
    return await _original(self, intent_name, entities, tracker, output_channel)


def install() -> None:
    global _installed
    if not _installed:
        MessageProcessor.trigger_external_user_uttered = trigger_once  # type: ignore[method-assign]
        _installed = True
