"""From a parsed inbound message to Rasa: attachments fetched and stored with
the backend, then one UserMessage handed to Rasa. Runs inside the rasa server.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.backend import BackendClient
from bot.channels.messages import ATTACHMENT_INTENT, MEDIA, UNSUPPORTED, Inbound, Media
from bot.channels.redaction import log_id

logger = logging.getLogger(__name__)

# Rasa gets this for content it cannot read (voice, location...) when the platform
# gives no emoji of its own: no letters and no digits, so the action server answers
# utter_invalid_message ("nothing I can read, please write in words") in the
# conversation's language. Not shown to the customer.
NO_TEXT = "\u2026"

Fetch = Callable[[Media], Awaitable[tuple[bytes, str]]]


def domain_intents(app: Any) -> frozenset[str]:
    try:
        return frozenset(app.ctx.agent.domain.intents)
    except AttributeError:
        return frozenset()


async def deliver(
    inbound: Inbound,
    *,
    channel: str,
    output: OutputChannel,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    fetch: Fetch,
    backend: BackendClient,
    intents: frozenset[str],
) -> None:
    text = inbound.text
    metadata = dict(inbound.metadata)
    who = log_id(inbound.sender_id)

    if inbound.kind == MEDIA:
        stored: list[dict[str, Any]] = []
        for media in inbound.media:
            try:
                content, content_type = await fetch(media)
                answer = await backend.upload_attachment(
                    conversation_id=inbound.sender_id,
                    channel=channel,
                    filename=media.filename,
                    content=content,
                    content_type=content_type or media.content_type,
                )
            except Exception as exc:  # noqa: BLE001 - the message itself still goes to Rasa
                logger.warning("%s: attachment from %s not stored: %s", channel, who, exc)
                continue
            stored.append({k: answer[k] for k in ("id", "filename", "content_type", "size") if k in answer})
            logger.info("%s: attachment from %s stored (%s)", channel, who, answer.get("id"))
        if stored:
            metadata["attachments"] = stored
        if not text:
            if ATTACHMENT_INTENT in intents:
                text = f"/{ATTACHMENT_INTENT}"
            else:
                # Stored with the conversation; the domain has no intent to acknowledge it yet.
                logger.info("%s: file without caption from %s stored, nothing sent to rasa", channel, who)
                return
    elif inbound.kind == UNSUPPORTED:
        text = text or NO_TEXT
        metadata["unsupported_content"] = True

    if not text:
        return
    await on_new_message(
        UserMessage(
            text,
            output,
            inbound.sender_id,
            input_channel=channel,
            message_id=inbound.message_id,
            metadata=metadata,
        )
    )
