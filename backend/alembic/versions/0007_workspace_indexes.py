"""workspace indexes: the overdue and due-today views, failed notifications, and on
PostgreSQL a trigram index for the search (backend/app/complaints/filters.py)

Revision ID: 0007_workspace_indexes
Revises: 0006_decisions_language
Create Date: 2027-01-10
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_workspace_indexes"
down_revision: str | None = "0006_decisions_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Word for word filters.SEARCH_DOCUMENT_SQL: PostgreSQL uses an expression index only for the
# same expression.
SEARCH_DOCUMENT_SQL = (
    "lower(coalesce(tracking_number, '') || chr(31) || coalesce(full_name, '') || chr(31) || "
    "coalesce(phone, '') || chr(31) || coalesce(email, '') || chr(31) || coalesce(staff_member, '') || "
    "chr(31) || coalesce(complaint_text, '') || chr(31) || coalesce(ticket_number, '') || chr(31) || "
    "coalesce(serial_number, ''))"
)
TRIGRAM_INDEX = "ix_complaint_search_trgm"


def upgrade() -> None:
    # "not acknowledged and its deadline passed / falls today": the NULL first, then the range.
    op.create_index("ix_complaint_acknowledged_at_acknowledge_by", "complaint", ["acknowledged_at", "acknowledge_by"])
    # "the resolution runs (status IN ...) and its deadline passed / falls today".
    op.create_index("ix_complaint_status_resolve_by", "complaint", ["status", "resolve_by"])
    op.create_index("ix_complaint_notification_failed_created_at", "complaint", ["notification_failed", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        _trigram_index()


def _trigram_index() -> None:
    """LIKE '%word%' over 100k complaints from a GIN trigram index, when pg_trgm can be had
    (creating the extension needs a superuser or a trusted extension; without it the search
    scans the table, as on SQLite)."""
    bind = op.get_bind()
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE extname = 'pg_trgm'"
        )
    ).scalar()
    if schema is None:
        available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
        if available is None:
            log.warning("pg_trgm is not installed: the complaints' search scans the table")
            return
        savepoint = bind.begin_nested()
        try:
            # In public (not the connection's first schema): one copy per database, shared by
            # every schema, that dropping one schema does not take away.
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
            savepoint.commit()
            schema = "public"
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            log.warning("pg_trgm could not be created (%s): the complaints' search scans the table", type(exc).__name__)
            return
    op.execute(f'CREATE INDEX {TRIGRAM_INDEX} ON complaint USING gin ({SEARCH_DOCUMENT_SQL} "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    op.drop_index("ix_complaint_notification_failed_created_at", "complaint")
    op.drop_index("ix_complaint_status_resolve_by", "complaint")
    op.drop_index("ix_complaint_acknowledged_at_acknowledge_by", "complaint")
