"""Notification benchmark: N notifications falling due within one minute, delivered by the
backend's own scheduler and dispatcher to a local sender.

    .venv/bin/python -m bench.notifications [--db sqlite|postgresql|both]
        [--n 10000] [--spread 60] [--route rasa|sms] [--complaints 500]

For each database: a fresh one (SQLite in a temporary directory; PostgreSQL in a schema of its
own of BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else the local `test` database), migrated;
`--complaints` complaints from chat conversations; N decision notices due at random moments
within `--spread` seconds starting a few seconds ahead. The process then does what a backend
process does after planning them: APScheduler wake-ups in the persistent job store (one per
second that has something due), and the dispatcher (claims in the database, sends, records).

The receiver is a LoopbackServer in a process of its own: Rasa's HTTP API (route `rasa`: the
tracker is read, then trigger_intent, two requests a notification) or an SMS gateway (one
request). Lateness is the receiver's arrival time minus the due time; throughput is the
notifications delivered per second from the first due time to the last arrival. It also counts
duplicates (a notification key received twice) and missing ones.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from backend.app.complaints.models import Complaint
from backend.app.core.db import create_db_engine, run_migrations
from backend.app.core.security import hash_pin
from backend.app.core.settings import Settings
from backend.app.notifications.models import Notification, NotificationState
from backend.app.notifications.service import NotificationService
from backend.app.policies.profile import compute_deadlines, load_policies
from bench.runner import add_database_options, chosen_databases, free_port, fresh_database, markdown_table, summarize
from tests.support.loopback import LoopbackServer, serve_asyncio

_LEAD = 5.0  # seconds between the start and the first due time


def _serve(port: int, conversations: int, ready: Any) -> None:
    server = LoopbackServer(port=port)
    for index in range(conversations):
        server.conversation(f"bench-{index}")

    async def serve() -> None:
        task = asyncio.create_task(serve_asyncio(server, port))
        await asyncio.sleep(0.2)
        ready.set()
        await task

    asyncio.run(serve())


@dataclass
class Result:
    db: str
    route: str
    n: int
    spread: float
    delivered: int
    duplicates: int
    failed: int
    p50: float
    p99: float
    worst: float
    db_p99: float
    throughput: float
    peak: float


def _complaints(engine: sa.Engine, count: int) -> list[int]:
    policy = load_policies()["eurolux"]
    now = dt.datetime.now(dt.UTC)
    deadlines = compute_deadlines(policy, received_at=now).model_dump()
    pin_hash = hash_pin("424242")
    rows = [
        {
            "id": index + 1,
            "tracking_number": f"B{index:03d}-{index // 1000:04d}"[:9],
            "pin_hash": pin_hash,
            "policy": policy.id,
            "status": "resolved",
            "language": "az",
            "channel": "rest",
            "conversation_id": f"bench-{index}",
            "phone": "+994501234567",
            "received_at": now,
            "created_at": now,
            "updated_at": now,
            "acknowledged_at": now,
            **deadlines,
        }
        for index in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Complaint.__table__), rows)  # type: ignore[attr-defined]
    return [row["id"] for row in rows]


def run(kind: str, url: str, *, n: int, spread: float, route: str, complaints: int, seed: int = 5) -> Result:
    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    receiver = context.Process(target=_serve, args=(port, complaints, ready), daemon=True)
    receiver.start()
    ready.wait(30)
    base = f"http://127.0.0.1:{port}"
    engine = create_db_engine(url)
    run_migrations(engine)
    ids = _complaints(engine, complaints)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        rasa_url=base,
        sms_gateway_url=f"{base}/sms",
        scheduler_enabled=True,
        scheduler_sweep_seconds=30,
    )
    service = NotificationService(engine, settings, load_policies())
    service.start()
    rng = random.Random(seed)
    first_due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=_LEAD)
    offsets = sorted(rng.uniform(0, spread) for _ in range(n))
    due_by_key: dict[str, dt.datetime] = {}
    rows = []
    for index, offset in enumerate(offsets):
        due = first_due + dt.timedelta(seconds=offset)
        key = uuid.uuid4().hex
        due_by_key[key] = due
        rows.append(
            {
                "complaint_id": ids[index % len(ids)],
                "kind": "decision",
                "audience": "customer",
                "channel": route,
                "language": "az",
                "state": "planned",
                "due_at": due,
                "attempt_at": due,
                "attempts": 0,
                "key": key,
                "payload": {"decision_text": "Simi pulsuz dəyişəcəyik."},
            }
        )
    table = Notification.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for start in range(0, len(rows), 2000):
            connection.execute(sa.insert(table), rows[start : start + 2000])
    service.wake_at(due_by_key.values())  # what the planning request does after its commit
    deadline = time.monotonic() + _LEAD + spread + 180
    open_states = [NotificationState.planned.value, NotificationState.claimed.value]
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            left = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.state.in_(open_states))
            ).scalar_one()
        if left == 0 and time.monotonic() > _LEAD:
            break
        time.sleep(0.5)
    service.stop()
    with engine.connect() as connection:
        db_rows = connection.execute(sa.select(table.c.key, table.c.state, table.c.sent_at, table.c.due_at)).all()
    records = httpx.get(f"{base}/_records", timeout=60).json()
    receiver.terminate()
    receiver.join(10)
    engine.dispose()

    arrivals: dict[str, list[float]] = {}
    for record in records:
        body = record.get("body") or {}
        if route == "rasa" and record["path"].endswith("/trigger_intent"):
            key = (body.get("entities") or {}).get("notification_id")
        elif route == "sms" and record["path"] == "/sms":
            key = body.get("reference")
        else:
            continue
        arrivals.setdefault(key, []).append(record["at"])
    lateness = summarize([min(arrivals[key]) - due.timestamp() for key, due in due_by_key.items() if key in arrivals])
    duplicates = sum(len(times) - 1 for times in arrivals.values())
    db_lateness = summarize([(row.sent_at - row.due_at).total_seconds() for row in db_rows if row.sent_at is not None])
    last_arrival = max((min(times) for times in arrivals.values()), default=first_due.timestamp())
    per_second = Counter(int(min(times)) for times in arrivals.values())
    return Result(
        db=kind,
        route=route,
        n=n,
        spread=spread,
        delivered=lateness.n,
        duplicates=duplicates,
        failed=sum(1 for row in db_rows if row.state != NotificationState.sent.value),
        p50=lateness.p50,
        p99=lateness.p99,
        worst=lateness.max,
        db_p99=db_lateness.p99,
        throughput=lateness.n / max(1e-9, last_arrival - first_due.timestamp()),
        peak=max(per_second.values(), default=0),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_database_options(parser)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which they fall due (0: all at once)")
    parser.add_argument("--route", choices=["rasa", "sms"], default="rasa")
    parser.add_argument("--complaints", type=int, default=500)
    args = parser.parse_args()
    results = []
    for kind in chosen_databases(args):
        with fresh_database(kind, args.postgres_url) as url:
            print(f"{kind}: {args.n} notifications due within {args.spread:g} s, route {args.route} ...", flush=True)
            results.append(run(kind, url, n=args.n, spread=args.spread, route=args.route, complaints=args.complaints))
    print()
    print(
        markdown_table(
            [
                "db",
                "route",
                "due within",
                "delivered",
                "duplicates",
                "not sent",
                "lateness p50",
                "p99",
                "max",
                "p99 (db sent_at)",
                "throughput",
                "peak second",
            ],
            [
                [
                    r.db,
                    r.route,
                    f"{r.spread:g} s",
                    f"{r.delivered}/{r.n}",
                    r.duplicates,
                    r.failed,
                    f"{r.p50:.3f} s",
                    f"{r.p99:.3f} s",
                    f"{r.worst:.3f} s",
                    f"{r.db_p99:.3f} s",
                    f"{r.throughput:.0f}/s",
                    f"{r.peak}/s",
                ]
                for r in results
            ],
            text_columns=3,
        )
    )


if __name__ == "__main__":
    main()
