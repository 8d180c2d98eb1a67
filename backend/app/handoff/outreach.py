"""An agent writes to the customer from a complaint (the policies let the company ask for more
information): through the handoff's own path, so that the customer's answer comes back to the
console linked to the complaint. With no open handoff on the complaint's conversation, Rasa
pauses it and a handoff held by the writing agent opens; the message then goes as any agent's
message does (handoff.flows.send_agent_message), and the complaint's history records it."""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import Session

from backend.app.clients.rasa import RasaClient
from backend.app.complaints import service as complaint_service
from backend.app.complaints.models import Complaint, HistoryKind
from backend.app.conversations.models import ConversationMessage
from backend.app.handoff import flows, service
from backend.app.handoff.hub import ConsoleHub
from backend.app.handoff.models import Handoff, HandoffCreate, HandoffReason, HandoffStatus
from backend.app.handoff.service import Actor
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)


class NoConversation(Exception):
    """The complaint came by phone, letter or in a shop: there is no conversation to write in."""


def write_to_customer(
    *,
    session: Session,
    complaint: Complaint,
    policy: PolicyProfile,
    actor: Actor,
    text: str,
    rasa: RasaClient,
    hub: ConsoleHub,
    now: dt.datetime,
) -> ConversationMessage:
    """NoConversation; NotYours when another agent holds the conversation; RasaUnavailable
    (Rasa did not pause it: nothing opened; or did not take the message: it is kept in the
    transcript, marked undelivered)."""
    conversation_id = complaint.conversation_id
    if not conversation_id:
        raise NoConversation(
            f"complaint {complaint.tracking_number} came by {complaint.channel}: it has no conversation to write in; "
            "call or write to the customer's contacts instead"
        )
    handoff = service.get_open_handoff(session=session, conversation_id=conversation_id)
    if handoff is None:
        handoff = _open(session, complaint, policy, actor, rasa, hub, now)
    elif handoff.status == HandoffStatus.waiting:
        handoff = flows.take(session=session, handoff=handoff, actor=actor, hub=hub)
    message = flows.send_agent_message(session=session, handoff=handoff, actor=actor, text=text, rasa=rasa, hub=hub)
    complaint.history.append(
        complaint_service.history_entry(complaint, HistoryKind.message, text, actor.username, now, visible=True)
    )
    complaint.updated_at = now
    session.add(complaint)
    session.commit()
    log.info(
        "agent wrote to the customer tracking_number=%s handoff=%s by=%s",
        complaint.tracking_number,
        handoff.id,
        actor.username,
    )
    return message


def _open(
    session: Session,
    complaint: Complaint,
    policy: PolicyProfile,
    actor: Actor,
    rasa: RasaClient,
    hub: ConsoleHub,
    now: dt.datetime,
) -> Handoff:
    """Rasa first: while it does not pause the conversation, no handoff is opened."""
    assert complaint.conversation_id is not None
    rasa.pause(complaint.conversation_id)
    slots = {"tracking_number": complaint.tracking_number, "full_name": complaint.full_name}
    handoff_in = HandoffCreate(
        conversation_id=complaint.conversation_id,
        channel=complaint.channel,
        language=complaint.language,
        policy=complaint.policy,
        reason=HandoffReason.outreach,
        slots={name: value for name, value in slots.items() if value},
    )
    handoff, _created = flows.request_handoff(
        session=session, handoff_in=handoff_in, policy=policy, by=actor.username, hub=hub, now=now
    )
    if handoff.status == HandoffStatus.waiting:
        handoff = flows.take(session=session, handoff=handoff, actor=actor, hub=hub)
    return handoff
