"""Conversation ids are issued by the server, one namespace per channel.

A customer channel names its conversations `<prefix><the platform's own id>`: Telegram
`tg:<chat id>`, WhatsApp (Meta) `wa:<number>`, Twilio `tw:<+number>`, the web chat `wc:<signed
session>`, e-mail `em:<a digest of the sender's address>` (the address itself stays out of ids,
URLs and logs). A client-chosen id (the REST channel's `sender`) can therefore never name another
channel's conversation, and whatever sends to a platform (the channels' outputs, the backend's
notification senders) takes the platform's id back out with `platform_id`, which answers None for
an id of another channel (nothing is sent to a number guessed from a foreign id).
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

TELEGRAM = "tg:"
WHATSAPP = "wa:"
TWILIO = "tw:"
WEBCHAT = "wc:"
EMAIL = "em:"
PREFIXES = (TELEGRAM, WHATSAPP, TWILIO, WEBCHAT, EMAIL)
# The Rasa input channel (its name) that owns each namespace.
CHANNELS = {TELEGRAM: "telegram", WHATSAPP: "whatsapp", TWILIO: "twilio", WEBCHAT: "socketio", EMAIL: "email"}


def issued(prefix: str, platform_id: str | int) -> str:
    """The conversation id of a platform's id on the channel of `prefix`."""
    return f"{prefix}{platform_id}"


def email_conversation(address: str) -> str:
    """The conversation of an e-mail address: one per address (case-folded), as one per
    Telegram chat; which complaint a letter concerns comes from its thread."""
    digest = hashlib.sha256(address.strip().casefold().encode("utf-8")).hexdigest()[:24]
    return issued(EMAIL, digest)


def platform_id(conversation_id: str | None, prefix: str) -> str | None:
    """The platform's id inside a conversation id of the channel of `prefix`, else None."""
    if not conversation_id or not conversation_id.startswith(prefix) or len(conversation_id) == len(prefix):
        return None
    return conversation_id[len(prefix) :]


def reserved(sender: str) -> bool:
    """True when a client-chosen id would fall in a channel's namespace (any letter case)."""
    return sender[:3].lower() in PREFIXES


def output_channel(conversation_id: str) -> str:
    """The channel Rasa must send a bot message of this conversation on: the one that owns its
    namespace, never "whoever wrote last". An id of no namespace (the REST channel's, which has
    no channel to push on) keeps Rasa's "latest"."""
    for prefix, channel in CHANNELS.items():
        if platform_id(conversation_id, prefix) is not None:
            return channel
    return "latest"


# Rasa's routes match the raw request path (see backend/app/clients/rasa_paths.py): an id keeps
# every character RFC 3986 allows in a path segment as it is, Twilio's "whatsapp:+994..." too.
PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"


def conversation_path(conversation_id: str) -> str:
    """The conversation's path in Rasa's HTTP API."""
    return "/conversations/" + quote(conversation_id, safe=PATH_SEGMENT_SAFE)
