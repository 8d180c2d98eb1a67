"""Management commands, from the repo root:

    .venv/bin/python -m backend.manage create-admin --username alice [--display-name "Alice"]
    .venv/bin/python -m backend.manage purge-attachments --older-than-days 30
    .venv/bin/python -m backend.manage purge-transcripts --older-than-days 30

create-admin takes the password from --password, else from ADMIN_PASSWORD, else asks for it
(twice) on the terminal; --password is visible to other users of the machine and stays in the
shell history, so prefer the other two. Both commands migrate the database first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlmodel import Session

from backend.app.accounts import service as account_service
from backend.app.accounts.models import AgentCreate, AgentRole
from backend.app.attachments import service as attachment_store
from backend.app.conversations.service import purge_unlinked_messages
from backend.app.core.db import create_db_engine, run_migrations
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.privacy.rasa_tracker import TrackerStoreUnavailable
from backend.app.privacy.service import purge_quiet_trackers

log = logging.getLogger("backend.manage")


class CommandError(Exception):
    """A message for the person at the terminal; exit status 1."""


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.manage", description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin account (the first one, typically)")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", help="defaults to the username")
    create.add_argument("--password", help="else ADMIN_PASSWORD, else asked for on the terminal")
    purge = commands.add_parser("purge-attachments", help="delete uploaded files that never became part of a complaint")
    purge.add_argument("--older-than-days", type=int, default=30, metavar="N")
    purge_t = commands.add_parser(
        "purge-transcripts", help="delete the messages of conversations that never became a complaint"
    )
    purge_t.add_argument("--older-than-days", type=int, default=30, metavar="N")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = settings or Settings()
    engine = create_db_engine(settings.database_url)
    try:
        run_migrations(engine)
        with Session(engine) as session:
            if args.command == "create-admin":
                message = _create_admin(session, args.username, args.display_name, args.password)
            elif args.command == "purge-transcripts":
                message = _purge_transcripts(session, settings, args.older_than_days)
            else:
                message = _purge_attachments(session, settings, args.older_than_days)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(message)
    return 0


def _create_admin(session: Session, username: str, display_name: str | None, password: str | None) -> str:
    password = password or os.environ.get("ADMIN_PASSWORD") or _ask_password()
    try:
        agent_in = AgentCreate(
            username=username, display_name=display_name or username, role=AgentRole.admin, password=password
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
        raise CommandError(problems) from None
    try:
        agent = account_service.create_agent(session=session, agent_in=agent_in, now=utcnow())
    except account_service.AgentExists as exc:
        raise CommandError(str(exc)) from None
    return f"admin {agent.username!r} created; log in with POST /api/auth/login"


def _ask_password() -> str:
    if not sys.stdin.isatty():
        raise CommandError("no password: give --password, set ADMIN_PASSWORD, or run this in a terminal")
    password = getpass.getpass("Password for the new admin: ")
    if getpass.getpass("The same again: ") != password:
        raise CommandError("the two passwords differ")
    return password


def _purge_attachments(session: Session, settings: Settings, days: int) -> str:
    if days < 0:
        raise CommandError("--older-than-days must not be negative")
    stale = attachment_store.unlinked_older_than(session=session, before=utcnow() - dt.timedelta(days=days))
    keys = [attachment.storage_key for attachment in stale]
    for attachment in stale:
        session.delete(attachment)
    session.commit()
    removed = attachment_store.remove_files(settings.attachments_dir, keys)
    return f"{len(stale)} unlinked attachment(s) older than {days} days deleted ({removed} file(s) removed)"


def _purge_transcripts(session: Session, settings: Settings, days: int) -> str:
    if days < 0:
        raise CommandError("--older-than-days must not be negative")
    before = utcnow() - dt.timedelta(days=days)
    deleted = purge_unlinked_messages(session=session, before=before)
    # The same conversations in Rasa's tracker store (it also holds those the transcripts never saw).
    url = settings.rasa_tracker_url.get_secret_value() if settings.rasa_tracker_url else None
    try:
        events = purge_quiet_trackers(session=session, tracker_url=url, before=before)
    except TrackerStoreUnavailable:
        raise CommandError(f"{deleted} message(s) deleted, but Rasa's tracker store is unreachable") from None
    return (
        f"{deleted} message(s) of conversations without a complaint, quiet for {days} days, deleted"
        f" ({events} tracker store event(s))"
    )


if __name__ == "__main__":
    sys.exit(main())
