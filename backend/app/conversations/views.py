"""Conversation transcripts: fed by the rasa server's event broker (bot/runtime/event_broker.py over
HTTP here; in the production profile through RabbitMQ, backend/app/conversations/consumer.py),
read by agents per conversation and per complaint."""

import logging
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from backend.app.accounts.deps import CurrentAgent, CurrentService
from backend.app.complaints.deps import TrackingNumber, complaint_or_404
from backend.app.conversations import service
from backend.app.conversations.models import MessagePublic, RasaEventBatch, RasaEventsStored
from backend.app.conversations.presenters import message_public
from backend.app.core.deps import SessionDep
from backend.app.core.metrics import MetricsDep
from backend.app.core.models import utcnow
from backend.app.handoff.hub import console_hub

log = logging.getLogger(__name__)

router = APIRouter(tags=["conversations"])


@router.post("/api/internal/rasa-events")
def receive_rasa_events(
    batch: RasaEventBatch, session: SessionDep, _service: CurrentService, request: Request, metrics: MetricsDep
) -> RasaEventsStored:
    """Tracker events from the rasa server's event broker (service token): customer and bot
    messages enter the transcript once each (the broker may send a batch twice); slot, pause
    and resume events update the conversation's open handoff. Text is never logged."""
    stored = service.store_rasa_events(session=session, events=batch.events, now=utcnow())
    metrics.rasa_events("http", len(batch.events))
    if stored.conversations:
        console_hub(request.app.state).notify()
    log.debug("rasa events received=%d messages=%d", len(batch.events), stored.messages)
    return RasaEventsStored(received=len(batch.events), messages=stored.messages)


@router.get("/api/conversations/{conversation_id}/messages")
def read_conversation(
    conversation_id: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    _agent: CurrentAgent,
    limit: Annotated[int, Query(ge=1, le=service.TRANSCRIPT_LIMIT)] = 500,
) -> list[MessagePublic]:
    """A conversation's messages (customer, bot, agents), oldest first, the latest `limit`."""
    messages = service.conversation_messages(session=session, conversation_id=conversation_id, limit=limit)
    return [message_public(message) for message in messages]


@router.get(
    "/api/complaints/{tracking_number}/transcript",
    responses={HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"}},
)
def complaint_transcript(
    tracking_number: TrackingNumber, session: SessionDep, _agent: CurrentAgent
) -> list[MessagePublic]:
    """The conversation the complaint came from: its messages after the conversation's previous
    complaint was registered, up to the registration of the next one (customer, bot, agents)."""
    complaint = complaint_or_404(session, tracking_number)
    return [message_public(message) for message in service.complaint_transcript(session=session, complaint=complaint)]
