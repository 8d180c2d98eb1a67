"""The Rasa route for web chat conversations: delivered only when the customer's page is open.

A web chat has no push: a notice emitted into the conversation's room while no page is
connected reaches nobody. So, for a `wc:` conversation, the sender first asks the rasa server's
web chat channel whether a page of it is connected now (GET /webhooks/socketio/presence,
answered from the channel's presence store, shared through Redis between rasa servers):
- connected: as any conversation (RasaSender: trigger_intent), counted as delivered;
- closed: the notice still goes into the conversation (the channel shows it when the customer
  opens the chat again with the same session), and the route answers `ChatClosed`, a permanent
  failure of this route: the dispatcher goes on to the chain's next route (e-mail, then SMS).
  Without one the row ends `failed` with that reason, on the agents' list of failed
  notifications: nothing reached the customer yet.
Every send to a web chat reads the whole tracker for the notification's key first (RasaSender's
`maybe_delivered` check), so a notice already waiting there is never uttered twice: not on the
automatic retries, and not on an agent's retry of a failed row (which starts its count anew).

There is a window of one request between the answer and the notice: a page closed just then
gets it on its return only; one opened just then gets it and the e-mail.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from backend.app.clients.rasa import RasaUnavailable
from backend.app.notifications.outgoing import Outgoing, Permanent
from backend.app.notifications.senders import RasaSender, _rasa_error
from contract import conversation_ids

CLOSED = "the customer's web chat is closed: the notice waits in the conversation, shown when they open it again"


class ChatClosed(Permanent):
    """The notice is in the conversation, but no page is open to show it."""


class WebChatAwareRasaSender(RasaSender):
    async def send(self, message: Outgoing, tracker: dict[str, Any] | None = None) -> str:
        conversation = message.conversation_id
        if conversation_ids.platform_id(conversation, conversation_ids.WEBCHAT) is None:
            return await super().send(message, tracker)
        try:
            connected = await self.rasa.webchat_connected(conversation, key=message.notification_id)  # type: ignore[arg-type]
        except RasaUnavailable as exc:
            raise _rasa_error(exc) from None
        detail = await super().send(dataclasses.replace(message, maybe_delivered=True), tracker)
        if connected:
            return detail
        raise ChatClosed(f"{CLOSED} ({detail})")
