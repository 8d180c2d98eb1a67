"""A conversation's path in Rasa's HTTP API (`/conversations/{id}/...`).

Rasa's routes (Sanic 21.12, registered without `unquote`) match the raw request path and hand
the conversation id over as it was written: `/conversations/whatsapp%3A%2B994501112233/...`
is a conversation of its own, not the Twilio customer `whatsapp:+994501112233`. An id is
therefore written with every character RFC 3986 allows in a path segment as it is
(unreserved, sub-delimiters, ":" and "@"); only the rest is percent-encoded, and an id with
such characters ("/", "?", "#", "%", spaces, non-ASCII) cannot be reached through Rasa's API
at all. No channel of this product gives one: the channels' ids are `tg:<digits>`, `wa:<digits>`,
`tw:+<digits>` (contract.conversation_ids), the web chat's session ids and the REST channel's
client-chosen senders are quoted as needed.
"""

from __future__ import annotations

from urllib.parse import quote

from contract.conversation_ids import PATH_SEGMENT_SAFE, conversation_path

__all__ = ["conversation_path", "reachable"]


def reachable(conversation_id: str) -> bool:
    """Whether Rasa's API addresses this id as it is (see the module's docstring)."""
    return quote(conversation_id, safe=PATH_SEGMENT_SAFE) == conversation_id
