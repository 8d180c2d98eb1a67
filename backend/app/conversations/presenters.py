"""API shape of a conversation message."""

from backend.app.conversations.models import ConversationMessage, MessagePublic


def message_public(message: ConversationMessage) -> MessagePublic:
    extra = message.extra or {}
    return MessagePublic(
        id=message.id or 0,
        conversation_id=message.conversation_id,
        role=message.role,
        text=message.text,
        at=message.at,
        channel=message.channel,
        agent_username=message.agent_username,
        agent_name=message.agent_name,
        delivered_at=message.delivered_at,
        delivery_error=message.delivery_error,
        intent=message.intent,
        buttons=list(extra.get("buttons") or []),
        attachments=list(extra.get("attachments") or []),
    )
