"""`complaints_overdue{policy,stage}` for /metrics: complaints overdue now (the console's
overdue view: not acknowledged by the acknowledgement deadline, or not resolved by the
resolution deadline), by policy and stage (status). Read at scrape time with one grouped query
that the overdue view's indexes serve; every replica reports the same numbers (aggregate with
max, not sum)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

import sqlalchemy as sa
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

from backend.app.complaints.filters import RESOLUTION_RUNNING, overdue_clause
from backend.app.complaints.models import Complaint
from backend.app.core.models import utcnow

log = logging.getLogger(__name__)

NAME = "complaints_overdue"
_HELP = "Complaints overdue now, by policy and stage (read from the database at scrape time)."


class OverdueCollector:
    def __init__(self, engine: sa.Engine, policies: Callable[[], Iterable[str]]) -> None:
        self.engine = engine
        self.policies = policies

    def describe(self) -> Iterable[Metric]:
        # Without describe() the registry would call collect(), i.e. query, when registering.
        return [GaugeMetricFamily(NAME, _HELP, labels=["policy", "stage"])]

    def collect(self) -> Iterator[Metric]:
        table = Complaint.__table__  # type: ignore[attr-defined]
        statement = (
            sa.select(table.c.policy, table.c.status, sa.func.count())
            .where(overdue_clause(utcnow()))
            .group_by(table.c.policy, table.c.status)
        )
        try:
            with self.engine.connect() as connection:
                found = {(policy, stage): count for policy, stage, count in connection.execute(statement)}
        except SQLAlchemyError:
            log.warning("metrics: overdue complaints not read, database unreachable")
            return
        # Every policy and running stage has a series, 0 included, so that dashboards and
        # alerts see a series drop to zero instead of vanish.
        for policy in self.policies():
            for stage in RESOLUTION_RUNNING:
                found.setdefault((policy, stage), 0)
        gauge = GaugeMetricFamily(NAME, _HELP, labels=["policy", "stage"])
        for (policy, stage), count in sorted(found.items()):
            gauge.add_metric([policy, stage], count)
        yield gauge
