"""What happens when a conversation is handed over and when an agent acts on it, in order:
the handoff's state (handoff.service), the transcript (conversations.service), Rasa
(clients.rasa) and the consoles' feed (the hub, woken after each change). The routes call
these; they parse the request and shape the answer.

Errors: HandoffConflict (not in a state that allows it), NotYours (another agent has it),
RasaUnavailable (Rasa did not take it; what that means is said at each flow)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import Session

from backend.app.accounts.models import Agent
from backend.app.alerts import service as alerts
from backend.app.clients.rasa import RasaClient, RasaUnavailable
from backend.app.complaints.models import Complaint
from backend.app.conversations import service as conversation_service
from backend.app.conversations.models import ConversationMessage
from backend.app.core.models import utcnow
from backend.app.handoff import service
from backend.app.handoff.hub import ConsoleHub
from backend.app.handoff.models import Handoff, HandoffCreate, HandoffOutcome
from backend.app.handoff.service import Actor
from backend.app.notifications.scheduler import wake as wake_dispatchers
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)


def request_handoff(
    *, session: Session, handoff_in: HandoffCreate, policy: PolicyProfile, by: str, hub: ConsoleHub, now: dt.datetime
) -> tuple[Handoff, bool]:
    """The conversation joins the queue, or keeps its open handoff: (handoff, created)."""
    handoff, created = service.create_handoff(session=session, handoff_in=handoff_in, policy=policy, now=now)
    if created:
        log.info(
            "handoff queued id=%s channel=%s language=%s reason=%s within_hours=%s by=%s",
            handoff.id,
            handoff.channel,
            handoff.language,
            handoff.reason,
            handoff.within_working_hours,
            by,
        )
        # The people concerned hear of it (backend/app/alerts); the dispatcher of this process is
        # woken, another process's sweep would find it too.
        linked = handoff.tracking_number or handoff.slots.get("tracking_number")
        complaint = service.complaint_for(session=session, handoff=handoff) if linked else None
        alerts.plan_handoff_waiting(session=session, handoff=handoff, complaint=complaint, now=now)
        wake_dispatchers()
        hub.notify()
    return handoff, created


def take(*, session: Session, handoff: Handoff, actor: Actor, hub: ConsoleHub) -> Handoff:
    handoff = service.take(session=session, handoff=handoff, actor=actor, now=utcnow())
    log.info("handoff taken id=%s by=%s", handoff.id, actor.username)
    hub.notify()
    return handoff


def transfer(
    *, session: Session, handoff: Handoff, actor: Actor, to: Agent | None, note: str | None, hub: ConsoleHub
) -> Handoff:
    """To another agent, or back to the queue (`to` None)."""
    handoff = service.transfer(
        session=session,
        handoff=handoff,
        actor=actor,
        to_username=None if to is None else to.username,
        to_name=None if to is None else to.display_name,
        note=note,
        now=utcnow(),
    )
    log.info("handoff transferred id=%s to=%s by=%s", handoff.id, to.username if to else "queue", actor.username)
    hub.notify()
    return handoff


def send_agent_message(
    *, session: Session, handoff: Handoff, actor: Actor, text: str, rasa: RasaClient, hub: ConsoleHub
) -> ConversationMessage:
    """The message enters the transcript at once, then goes to Rasa (tracker events with
    output_channel=latest); `delivered_at` is set when Rasa took it. RasaUnavailable: it is
    kept in the transcript, marked undelivered."""
    service.check_can_write(handoff, actor)
    message = conversation_service.add_agent_message(
        session=session,
        conversation_id=handoff.conversation_id,
        channel=handoff.channel,
        agent_username=actor.username,
        agent_name=actor.display_name,
        text=text,
        now=utcnow(),
    )
    hub.notify()
    try:
        rasa.send_agent_message(
            handoff.conversation_id, text, agent_name=actor.display_name, message_key=message.event_key
        )
    except RasaUnavailable as exc:
        conversation_service.mark_delivery(session=session, message=message, delivered_at=None, error=str(exc))
        log.warning("agent message not delivered handoff=%s: %s", handoff.id, exc)
        raise
    return conversation_service.mark_delivery(session=session, message=message, delivered_at=utcnow(), error=None)


def give_back(
    *,
    session: Session,
    handoff: Handoff,
    actor: Actor,
    outcome: HandoffOutcome,
    note: str | None,
    rasa: RasaClient,
    hub: ConsoleHub,
) -> Handoff:
    """The conversation goes back to the bot: `returned`, the form asks its question again;
    `closed`, the bot listens but asks nothing (and ends its form when a complaint was linked
    from the card). Rasa first: RasaUnavailable leaves the conversation with the agent."""
    service.check_can_write(handoff, actor)
    try:
        if outcome == HandoffOutcome.closed and handoff.tracking_number:
            # Registered from the card: the form must not ask for the complaint again.
            rasa.end_form(handoff.conversation_id, tracking_number=handoff.tracking_number)
        rasa.resume(handoff.conversation_id, ask_again=outcome == HandoffOutcome.returned)
    except RasaUnavailable as exc:
        log.warning("handoff %s not given back: %s", handoff.id, exc)
        raise
    handoff = service.close(session=session, handoff=handoff, actor=actor, outcome=outcome, note=note, now=utcnow())
    log.info("handoff %s id=%s by=%s", outcome.value, handoff.id, actor.username)
    hub.notify()
    return handoff


def link_complaint(
    *, session: Session, handoff: Handoff, complaint: Complaint, actor: Actor, hub: ConsoleHub, now: dt.datetime
) -> Handoff:
    """The complaint the agent registered (or found) goes on the card."""
    handoff = service.link_complaint(
        session=session, handoff=handoff, tracking_number=complaint.tracking_number, actor=actor, now=now
    )
    hub.notify()
    return handoff
