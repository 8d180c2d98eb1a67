"""Prepares the shared stores of the scale-out profile before its processes start: the two
PostgreSQL databases (created when missing) and Rasa's tracker table (created once here, so two
rasa servers starting together do not race to create it). Run with .venv-rasa's Python."""

from __future__ import annotations

import os
import sys

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def ensure_database(url: str) -> None:
    target = make_url(url)
    admin = target.set(drivername="postgresql+psycopg2", database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if exists.scalar() is None:
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
            print(f"created database {target.database}")
    engine.dispose()


def main() -> int:
    tracker_url = os.environ["RASA_TRACKER_URL"]
    backend_url = os.environ["DATABASE_URL"]
    for url in (tracker_url, backend_url):
        if url.startswith("postgresql"):
            ensure_database(url)
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore(host=tracker_url).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
