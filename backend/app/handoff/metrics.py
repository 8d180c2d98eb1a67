"""The handoff queue's gauge for /metrics, read from the database at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

from backend.app.handoff.models import Handoff, HandoffStatus

log = logging.getLogger(__name__)

_WAITING_HELP = "Open handoffs no agent has taken yet (read from the database at scrape time)."


class HandoffQueueCollector:
    """`handoffs_waiting` from the database: the queue is shared by the replicas, so no process
    could count it from what it saw itself."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterable[Metric]:
        # Without describe() the registry would call collect(), i.e. query, when registering.
        return [GaugeMetricFamily("handoffs_waiting", _WAITING_HELP)]

    def collect(self) -> Iterator[Metric]:
        table = Handoff.__table__  # type: ignore[attr-defined]
        try:
            with self.engine.connect() as connection:
                waiting = connection.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.status == HandoffStatus.waiting.value)
                ).scalar_one()
        except SQLAlchemyError:
            # A scrape must not fail because of it; the missing series (and /readyz) tell.
            log.warning("metrics: handoff queue not read, database unreachable")
            return
        yield GaugeMetricFamily("handoffs_waiting", _WAITING_HELP, value=waiting)
