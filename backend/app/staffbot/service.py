"""Staff bot data functions (keyword-only, one session each): linking an agent's Telegram chat
with a one-time code, finding the chat of an agent and the agent of a chat, unlinking."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent
from backend.app.staffbot.models import StaffTelegramCode, StaffTelegramLink

# Long enough to open Telegram and type it, short enough that a code seen over a shoulder or
# left on a screen is soon worth nothing.
CODE_TTL = dt.timedelta(minutes=10)
# Unambiguous capitals and digits (no 0/O, 1/I/L): typed by hand after /start.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31**8 ≈ 8.5e11 codes, each valid minutes and once


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def chat_id_of(session: Session, agent_id: int) -> int | None:
    """The agent's linked Telegram chat, or None."""
    link = session.get(StaffTelegramLink, agent_id)
    return None if link is None else link.chat_id


def link_of(*, session: Session, agent_id: int) -> StaffTelegramLink | None:
    return session.get(StaffTelegramLink, agent_id)


def agent_for_chat(*, session: Session, chat_id: int) -> Agent | None:
    """The active agent linked to this chat; None for strangers and deactivated agents."""
    return session.exec(
        select(Agent)
        .join(StaffTelegramLink, col(StaffTelegramLink.agent_id) == col(Agent.id))
        .where(col(StaffTelegramLink.chat_id) == chat_id, col(Agent.is_active).is_(True))
    ).first()


def issue_link_code(*, session: Session, agent_id: int, now: dt.datetime) -> str:
    """A new one-time code for this agent (returned in clear this once). The agent's earlier
    codes stop working: only the one on the screen counts."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    session.exec(  # type: ignore[call-overload]
        sa.delete(StaffTelegramCode).where(
            sa.or_(
                col(StaffTelegramCode.agent_id) == agent_id,
                col(StaffTelegramCode.expires_at) <= now,
                col(StaffTelegramCode.used_at).is_not(None),
            )
        )
    )
    session.add(
        StaffTelegramCode(code_hash=_digest(code), agent_id=agent_id, created_at=now, expires_at=now + CODE_TTL)
    )
    session.commit()
    return code


def redeem(*, session: Session, code: str, chat_id: int, username: str | None, now: dt.datetime) -> Agent | None:
    """Links the chat to the code's agent; None for an unknown, expired or spent code, or an
    inactive agent. The code is spent atomically, so of two chats sending it at once one wins.
    A chat linked to another agent before moves to this one (one agent per chat)."""
    spent = session.exec(  # type: ignore[call-overload]
        sa.update(StaffTelegramCode)
        .where(
            col(StaffTelegramCode.code_hash) == _digest(code),
            col(StaffTelegramCode.used_at).is_(None),
            col(StaffTelegramCode.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(StaffTelegramCode.agent_id))
    ).first()
    if spent is None:
        session.rollback()
        return None
    agent = session.get(Agent, spent[0])
    if agent is None or not agent.is_active:
        session.commit()  # the code stays spent
        return None
    session.exec(  # type: ignore[call-overload]
        sa.delete(StaffTelegramLink).where(
            (col(StaffTelegramLink.chat_id) == chat_id) | (col(StaffTelegramLink.agent_id) == agent.id)
        )
    )
    session.add(
        StaffTelegramLink(
            agent_id=agent.id, chat_id=chat_id, username=(username or None) and username[:64], linked_at=now
        )
    )
    try:
        session.commit()
    except IntegrityError:  # the same chat redeemed two codes at the same instant
        session.rollback()
        return None
    session.refresh(agent)
    return agent


def unlink(*, session: Session, agent_id: int | None = None, chat_id: int | None = None) -> bool:
    """Forgets the agent's chat (from the console) or the chat's agent (the bot's /stop, or a
    chat that blocked the bot). True when a link was there."""
    if agent_id is None and chat_id is None:
        raise ValueError("unlink needs an agent or a chat")
    where = (
        col(StaffTelegramLink.agent_id) == agent_id
        if agent_id is not None
        else col(StaffTelegramLink.chat_id) == chat_id
    )
    gone = session.exec(sa.delete(StaffTelegramLink).where(where))  # type: ignore[call-overload]
    session.commit()
    return bool(gone.rowcount)
