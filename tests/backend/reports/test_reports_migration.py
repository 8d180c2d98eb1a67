"""Alembic 0013 fills the complaints' latest decision and first dispute from their history."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from backend.app.core.db import alembic_config, create_db_engine


def test_0013_fills_decided_at_and_disputed_at_from_the_history(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = alembic_config()
    rows = [
        ("registered", "status", "2026-04-01 10:00:00"),
        ("resolved", "status", "2026-04-03 10:00:00"),
        ("reopened", "status", "2026-04-04 10:00:00"),
        ("resolved", "status", "2026-04-06 10:00:00"),
        ("disputed", "status", "2026-04-07 10:00:00"),
        ("resolved", "note", "2026-04-09 10:00:00"),  # a note while resolved: not a decision
    ]
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0010_teams")
            connection.execute(
                sa.text(
                    "INSERT INTO complaint (id, tracking_number, pin_hash, policy, status, language, channel,"
                    " received_at, created_at, updated_at, acknowledge_by, resolve_by, pin_failed_attempts,"
                    " pin_lockouts, rejections, notification_failed) VALUES (1, 'AAAA-BBBB', 'x', 'poliser',"
                    " 'disputed', 'tr', 'phone', '2026-04-01 10:00:00', '2026-04-01 10:00:00',"
                    " '2026-04-07 10:00:00', '2026-04-03 20:59:59', '2026-04-10 20:59:59', 0, 0, 2, 0),"
                    " (2, 'CCCC-DDDD', 'x', 'poliser', 'registered', 'tr', 'phone', '2026-04-01 10:00:00',"
                    " '2026-04-01 10:00:00', '2026-04-01 10:00:00', '2026-04-03 20:59:59',"
                    " '2026-04-10 20:59:59', 0, 0, 0, 0)"
                )
            )
            for status, kind, at in rows:
                connection.execute(
                    sa.text(
                        "INSERT INTO status_change (complaint_id, status, kind, at, actor, visible_to_customer)"
                        " VALUES (1, :status, :kind, :at, 'agent', 1)"
                    ),
                    {"status": status, "kind": kind, "at": at},
                )
            command.upgrade(config, "0013_reports_indexes")
            found = connection.execute(sa.text("SELECT id, decided_at, disputed_at FROM complaint ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [(row[0], str(row[1])[:19], str(row[2])[:19]) for row in found] == [
        (1, "2026-04-06 10:00:00", "2026-04-07 10:00:00"),
        (2, "None", "None"),
    ]
