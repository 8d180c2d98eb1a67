"""What the staff bot does for an agent, each through the same flow as the console: taking a
waiting conversation (handoff.flows.take), taking a complaint (complaints.service.assign),
answering the customer (handoff.flows.send_agent_message), snoozing an alert
(alerts.service.snooze), linking and unlinking the chat. Synchronous, one session each: the
bot's handlers run them in a worker thread, as FastAPI runs the console's routes.

Each returns an `Answer`: the label key of what to tell the agent (backend/texts/console,
`telegram.bot.*`) and its values, in the agent's language; nothing here writes words."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent, AgentRole
from backend.app.clients.rasa import RasaClient, RasaUnavailable
from backend.app.complaints import service as complaint_service
from backend.app.complaints.models import Complaint
from backend.app.core.models import utcnow
from backend.app.handoff import flows as handoff_flows
from backend.app.handoff import service as handoff_service
from backend.app.handoff.hub import ConsoleHub
from backend.app.handoff.models import Handoff, HandoffStatus
from backend.app.handoff.service import Actor
from backend.app.staffbot import service

log = logging.getLogger(__name__)

# What "snooze" on an alert means: quiet for an hour, then it may be sent again.
SNOOZE = dt.timedelta(hours=1)


@dataclass
class Answer:
    key: str  # telegram.bot.<key>
    values: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    language: str | None = None  # the agent's, when known
    # The handoff the agent now holds from this message (kept on its keyboard for replies).
    handoff_id: int | None = None
    taken_by: str | None = None


@dataclass(frozen=True)
class Context:
    """What the flows need from the application."""

    engine: sa.Engine
    hub: ConsoleHub
    rasa: RasaClient


def _supervises(agent: Agent) -> bool:
    return AgentRole(agent.role).rank >= AgentRole.supervisor.rank


def actor_of(agent: Agent) -> Actor:
    """Who acts: the linked agent, with their role's rights, as the console's Actor.of."""
    return Actor(username=agent.username, display_name=agent.display_name, supervisor=_supervises(agent))


def linked_agent(ctx: Context, chat_id: int) -> Agent | None:
    with Session(ctx.engine) as session:
        agent = service.agent_for_chat(session=session, chat_id=chat_id)
        if agent is not None:
            session.expunge(agent)
        return agent


def link(ctx: Context, *, code: str, chat_id: int, username: str | None) -> Answer:
    with Session(ctx.engine) as session:
        agent = service.redeem(session=session, code=code, chat_id=chat_id, username=username, now=utcnow())
        if agent is None:
            return Answer("bad_code", ok=False)
        log.info("staff telegram linked agent=%s", agent.username)
        return Answer("linked", {"name": agent.display_name}, language=agent.language)


def unlink(ctx: Context, *, chat_id: int) -> bool:
    with Session(ctx.engine) as session:
        return service.unlink(session=session, chat_id=chat_id)


def take_handoff(ctx: Context, *, agent: Agent, handoff_id: int) -> Answer:
    """The console's take, as this agent; who has it when someone was quicker."""
    with Session(ctx.engine) as session:
        handoff = handoff_service.get_handoff(session=session, handoff_id=handoff_id)
        if handoff is None:
            return Answer("gone", ok=False)
        try:
            handoff = handoff_flows.take(session=session, handoff=handoff, actor=actor_of(agent), hub=ctx.hub)
        except handoff_service.HandoffConflict:
            current = handoff_service.get_handoff(session=session, handoff_id=handoff_id)
            if current is not None and current.status == HandoffStatus.active:
                name = current.agent_name or current.agent_username
                return Answer("taken_by", {"name": name}, ok=False, taken_by=name)
            return Answer("gone", ok=False)
        return Answer("you_took", handoff_id=handoff.id, taken_by=agent.display_name)


def take_complaint(ctx: Context, *, agent: Agent, complaint_id: int) -> Answer:
    """The console's assign-to-me: a complaint nobody has, or one's own; someone else's stays."""
    with Session(ctx.engine) as session:
        complaint = session.exec(select(Complaint).where(col(Complaint.id) == complaint_id).with_for_update()).first()
        stored = session.get(Agent, agent.id)
        if complaint is None or stored is None:
            return Answer("gone", ok=False)
        try:
            complaint = complaint_service.assign(
                session=session,
                complaint=complaint,
                assignee=stored,
                note=None,
                actor=agent.username,
                actor_is_supervisor=_supervises(agent),
                now=utcnow(),
            )
        except complaint_service.AssignmentNotAllowed:
            holder = complaint.assigned_to
            name = holder.display_name if holder is not None else "?"
            return Answer("assigned_to", {"name": name}, ok=False, taken_by=name)
        log.info("complaint assigned from telegram tracking_number=%s to=%s", complaint.tracking_number, agent.username)
        ctx.hub.notify()
        return Answer("assigned_to", {"name": agent.display_name}, taken_by=agent.display_name)


def held_handoff(ctx: Context, *, agent: Agent) -> int | None:
    """The one conversation the agent has (active, theirs); None for none or several."""
    with Session(ctx.engine) as session:
        ids = session.exec(
            select(Handoff.id)
            .where(col(Handoff.status) == HandoffStatus.active, col(Handoff.agent_username) == agent.username)
            .limit(2)
        ).all()
        return ids[0] if len(ids) == 1 else None


def reply(ctx: Context, *, agent: Agent, handoff_id: int, text: str) -> Answer:
    """To the customer's channel, exactly as the console's reply (transcript, then Rasa)."""
    with Session(ctx.engine) as session:
        handoff = handoff_service.get_handoff(session=session, handoff_id=handoff_id)
        if handoff is None:
            return Answer("gone", ok=False)
        try:
            handoff_flows.send_agent_message(
                session=session, handoff=handoff, actor=actor_of(agent), text=text, rasa=ctx.rasa, hub=ctx.hub
            )
        except handoff_service.NotYours:
            name = handoff.agent_name or handoff.agent_username
            return Answer("taken_by", {"name": name}, ok=False)
        except handoff_service.HandoffConflict:
            return Answer("gone", ok=False)
        except RasaUnavailable:
            return Answer("not_sent", ok=False)
        return Answer("sent", handoff_id=handoff_id)


def snooze(ctx: Context, *, agent: Agent, alert_id: int) -> Answer:
    """alerts.service.snooze, as this agent, for SNOOZE."""
    try:
        from backend.app.alerts import service as alerts  # the alerts package (issue 23, i23-alerts)
    except ImportError:
        return Answer("gone", ok=False)
    until = utcnow() + SNOOZE
    with Session(ctx.engine) as session:
        try:
            alerts.snooze(session=session, alert_id=alert_id, agent_id=agent.id, until=until)
        except LookupError:
            return Answer("gone", ok=False)
    return Answer("snoozed", {"time": until.strftime("%H:%M")})
