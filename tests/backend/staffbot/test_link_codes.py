"""Linking an agent's Telegram chat with a one-time code (backend/app/staffbot/service.py):
a valid code links once, an expired, reused or superseded code does not, one chat per agent and
one agent per chat, and a deactivated agent's chat is not served."""

import datetime as dt

from sqlmodel import Session

from backend.app.accounts import service as accounts
from backend.app.accounts.models import AgentUpdate
from backend.app.core.models import utcnow
from backend.app.staffbot import service
from backend.app.staffbot.models import StaffTelegramCode

CHAT = 5_000_000_001


def test_a_code_links_the_chat_once(client, engine, make_agent):
    agent = make_agent("lale")
    now = utcnow()
    with Session(engine) as session:
        code = service.issue_link_code(session=session, agent_id=agent.id, now=now)
        assert service.chat_id_of(session, agent.id) is None
        linked = service.redeem(session=session, code=code.lower(), chat_id=CHAT, username="lale_tg", now=now)
        assert linked is not None and linked.username == "lale"
        assert service.chat_id_of(session, agent.id) == CHAT
        assert service.agent_for_chat(session=session, chat_id=CHAT).username == "lale"
        # Spent: the same code again, even from the same chat, links nothing.
        assert service.redeem(session=session, code=code, chat_id=CHAT + 1, username=None, now=now) is None
        assert service.chat_id_of(session, agent.id) == CHAT
        # Only the hash is stored.
        stored = session.exec(StaffTelegramCode.__table__.select()).all()
        assert stored and all(code not in str(row) for row in stored)


def test_an_expired_or_superseded_code_links_nothing(client, engine, make_agent):
    agent = make_agent("murat")
    now = utcnow()
    with Session(engine) as session:
        old = service.issue_link_code(session=session, agent_id=agent.id, now=now)
        late = now + service.CODE_TTL + dt.timedelta(seconds=1)
        assert service.redeem(session=session, code=old, chat_id=CHAT, username=None, now=late) is None
        first = service.issue_link_code(session=session, agent_id=agent.id, now=now)
        second = service.issue_link_code(session=session, agent_id=agent.id, now=now)
        assert service.redeem(session=session, code=first, chat_id=CHAT, username=None, now=now) is None
        assert service.redeem(session=session, code="NOSUCHCODE", chat_id=CHAT, username=None, now=now) is None
        assert service.redeem(session=session, code=second, chat_id=CHAT, username=None, now=now) is not None


def test_one_agent_per_chat_and_unlink(client, engine, make_agent):
    one, two = make_agent("ana"), make_agent("ion")
    now = utcnow()
    with Session(engine) as session:
        for agent in (one, two):
            code = service.issue_link_code(session=session, agent_id=agent.id, now=now)
            assert service.redeem(session=session, code=code, chat_id=CHAT, username=None, now=now)
        # The chat moved to the second agent.
        assert service.chat_id_of(session, one.id) is None
        assert service.chat_id_of(session, two.id) == CHAT
        assert service.unlink(session=session, agent_id=two.id) is True
        assert service.unlink(session=session, chat_id=CHAT) is False
        assert service.agent_for_chat(session=session, chat_id=CHAT) is None


def test_a_deactivated_agent_is_not_served(client, engine, make_agent):
    agent = make_agent("deniz")
    now = utcnow()
    with Session(engine) as session:
        code = service.issue_link_code(session=session, agent_id=agent.id, now=now)
        assert service.redeem(session=session, code=code, chat_id=CHAT, username=None, now=now)
        stored = accounts.get_agent_by_username(session=session, username="deniz")
        accounts.update_agent(session=session, agent=stored, agent_in=AgentUpdate(is_active=False), now=now)
        assert service.agent_for_chat(session=session, chat_id=CHAT) is None
        # ...and cannot link again while inactive.
        code = service.issue_link_code(session=session, agent_id=agent.id, now=now)
        assert service.redeem(session=session, code=code, chat_id=CHAT + 7, username=None, now=now) is None
