"""Reports benchmark: each ISO 10002 report over N complaints of one policy.

    .venv/bin/python -m bench.reports [--db sqlite|postgresql|both] [--n 100000] [--requests 20]

For each database it makes a fresh one (bench/runner.py), migrates it, and fills it by bulk
insert with N complaints of one policy (default eurolux: all N count in its reports) received
over the last year, with the history the reports read: the status entries of registration,
acknowledgement (mostly on time), decision (mostly on time), approval or rejection and
dispute; ratings, delay notices with a reason from a short list; categories of the profile,
staff members and inverter models from lists, customers who complain again (a phone in 5 %
of the complaints repeats). Then it starts the real server and times, one request at a time,
every report of the API (JSON, and the deadlines' CSV) for the last quarter and for the whole
year, and the page's figures. It prints p50 / p95 in milliseconds per database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
from typing import Any

import httpx
import sqlalchemy as sa

from backend.app.accounts.models import Agent
from backend.app.complaints.models import Complaint, StatusChange
from backend.app.core.db import create_db_engine, run_migrations
from backend.app.core.security import hash_password, hash_pin
from backend.app.policies.profile import compute_deadlines, load_policies
from bench.backend import AGENT_TOKEN, FILL_PIN, analyse_and_close, drive, random_tracking_numbers, server, set_next_id
from bench.runner import add_database_options, chosen_databases, fresh_database, markdown_table

_BATCH = 5000
STAFF = ["Kassir Leyla", "Кассир Лейла", "Menecer Rəşad", "Курьер Сергей", "Satıcı Aysel", "Usta Emre", "Ion Popa"]
MODELS = ["SUN2000-5KTL-M1", "SUN2000-10KTL-M1", "SG5.0RS", "MIN 6000TL-XH"]
REASONS = ["Ждём деталь от поставщика", "Ekspertiza gözlənilir", "Depodan çatdırılma gecikir", "Nevoie de expertiză"]
SUPERVISOR = {"username": "bench-supervisor", "password": "bench-supervisor-password"}


def _history(complaint_id: int, at: dt.datetime, status: str, kind: str = "status", note: str | None = None) -> dict:
    return {
        "complaint_id": complaint_id,
        "at": at,
        "status": status,
        "kind": kind,
        "note": note,
        "actor": "bench",
        "visible_to_customer": True,
    }


def _timeline(rng: random.Random, row: dict[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """Sets the complaint's state in `row` and returns its history after registration."""
    received: dt.datetime = row["received_at"]
    cid = row["id"]
    history: list[dict[str, Any]] = []
    ack_by: dt.datetime = row["acknowledge_by"]
    acknowledged = (
        received + (ack_by - received) * rng.uniform(0.05, 0.95)
        if rng.random() < 0.85
        else ack_by + dt.timedelta(hours=rng.randrange(2, 96))
    )
    if acknowledged > now:
        row.update(status="registered", acknowledged_at=None)
        return history
    row.update(status="acknowledged", acknowledged_at=acknowledged)
    history.append(_history(cid, acknowledged, "acknowledged"))
    resolve_by: dt.datetime = row["resolve_by"]
    if rng.random() < 0.08:
        history.append(
            _history(cid, acknowledged + dt.timedelta(hours=1), "acknowledged", "delay", rng.choice(REASONS))
        )
        row["delayed_to"] = resolve_by + dt.timedelta(days=7)
    decided = (
        acknowledged + (resolve_by - acknowledged) * rng.uniform(0.1, 0.95)
        if rng.random() < 0.8
        else resolve_by + dt.timedelta(hours=rng.randrange(2, 240))
    )
    if decided > now or rng.random() < 0.03:
        row["status"] = rng.choice(["acknowledged", "in_progress"])
        return history
    history.append(_history(cid, decided, "resolved", note="Decision"))
    row.update(status="resolved", updated_at=decided, decided_at=decided)
    answered = decided + dt.timedelta(hours=rng.randrange(1, 72))
    if answered > now:
        return history
    if rng.random() < 0.9:
        history.append(_history(cid, answered, "closed"))
        row.update(status="closed", rating=rng.choices([1, 2, 3, 4, 5], [5, 5, 10, 30, 50])[0])
        if rng.random() < 0.4:
            row["rating"] = None
    else:
        row["rejections"] = 1
        history.append(_history(cid, answered, "reopened"))
        row["status"] = "reopened"
        if rng.random() < 0.3:
            again = answered + dt.timedelta(days=2)
            if again < now:
                history.append(_history(cid, again, "resolved", note="Second decision"))
                history.append(_history(cid, again + dt.timedelta(hours=5), "disputed"))
                row.update(status="disputed", rejections=2, decided_at=again, disputed_at=again + dt.timedelta(hours=5))
    return history


def fill(url: str, n: int, policy_id: str) -> float:
    engine = create_db_engine(url)
    run_migrations(engine)
    started = time.perf_counter()
    policy = load_policies()[policy_id]
    categories = [category.id for category in policy.categories]
    pin_hash = hash_pin(FILL_PIN)
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(24)
    repeat_phones = [f"+99450{rng.randrange(10**7):07d}" for _ in range(n // 40 + 1)]
    deadline_cache: dict[tuple[dt.date, int], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Agent),  # type: ignore[arg-type]
            [
                {
                    "id": 1,
                    "username": SUPERVISOR["username"],
                    "display_name": "Bench Supervisor",
                    "role": "supervisor",
                    "is_active": True,
                    "password_hash": hash_password(SUPERVISOR["password"]),
                    "created_at": now,
                    "updated_at": now,
                    "failed_logins": 0,
                }
            ],
        )
        for index, number in enumerate(random_tracking_numbers(rng, n), start=1):
            received_at = now - dt.timedelta(seconds=rng.randrange(365 * 24 * 3600))
            key = (received_at.date(), received_at.hour)
            if key not in deadline_cache:
                deadline_cache[key] = compute_deadlines(policy, received_at=received_at).model_dump()
            row: dict[str, Any] = {
                "id": index,
                "tracking_number": number,
                "pin_hash": pin_hash,
                "policy": policy.id,
                "language": rng.choice(policy.languages).value,
                "channel": rng.choice(["socketio", "telegram", "whatsapp", "phone", "email", "shop"]),
                "full_name": "Bench Customer",
                "phone": rng.choice(repeat_phones) if rng.random() < 0.05 else f"+99455{index:07d}",
                "email": f"customer{index}@example.com" if rng.random() < 0.3 else None,
                "staff_member": rng.choice(STAFF) if rng.random() < 0.4 else None,
                "inverter_model": rng.choice(MODELS) if rng.random() < 0.2 else None,
                "complaint_category": rng.choice(categories),
                "complaint_text": "Bench complaint.",
                "received_at": received_at,
                "created_at": received_at,
                "updated_at": received_at,
                "pin_failed_attempts": 0,
                "rejections": 0,
                "rating": None,
                "delayed_to": None,
                "acknowledged_at": None,
                "decided_at": None,
                "disputed_at": None,
                "notification_failed": False,
                **deadline_cache[key],
            }
            history.append(_history(index, received_at, "registered"))
            history.extend(_timeline(rng, row, now))
            rows.append(row)
            if len(rows) == _BATCH or index == n:
                connection.execute(sa.insert(Complaint), rows)  # type: ignore[arg-type]
                connection.execute(sa.insert(StatusChange), history)  # type: ignore[arg-type]
                rows, history = [], []
        set_next_id(connection, "complaint", n)
        set_next_id(connection, "agent", 1)
    analyse_and_close(engine)
    return time.perf_counter() - started


def _queries(policy: str) -> dict[str, str]:
    today = dt.date.today()
    periods = {
        "quarter": f"policy={policy}&from={today - dt.timedelta(days=90)}&to={today}",
        "year": f"policy={policy}&from={today - dt.timedelta(days=365)}&to={today}",
    }
    queries = {}
    for name, period in periods.items():
        queries[f"deadlines, {name}"] = f"/api/reports/deadlines?{period}"
        queries[f"deadlines CSV, {name}"] = f"/api/reports/deadlines?{period}&format=csv"
        for dimension in ("category", "channel", "language", "staff_member"):
            queries[f"by {dimension}, {name}"] = f"/api/reports/breakdown/{dimension}?{period}"
        for key in ("customer", "category", "staff_member", "inverter_model"):
            queries[f"repeated by {key}, {name}"] = f"/api/reports/repeated?key={key}&{period}"
        queries[f"closing loop, {name}"] = f"/api/reports/closing-loop?{period}"
        queries[f"delays, {name}"] = f"/api/reports/delays?{period}"
        queries[f"the page's figures, {name}"] = f"/api/reports/page?{period}"
    return queries


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"-- {kind}: filling {args.n} complaints", file=sys.stderr, flush=True)
    with fresh_database(kind, args.postgres_url) as url:
        fill_seconds = fill(url, args.n, args.policy)
        print(f"-- {kind}: filled in {fill_seconds:.1f} s", file=sys.stderr, flush=True)
        agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        results = {}
        with server(url, 1) as target:
            login = httpx.post(f"{target[0]}/api/auth/login", json=SUPERVISOR, timeout=30)
            login.raise_for_status()
            supervisor = {"Authorization": f"Bearer {login.json()['access_token']}"}
            queries = _queries(args.policy)

            def getter(path: str) -> Any:
                headers = supervisor if path.startswith("/api/reports/page") else agent

                async def request(client: httpx.AsyncClient, _index: int) -> httpx.Response:
                    return await client.get(path, headers=headers)

                return request

            asyncio.run(drive(target, 3, 1, getter(queries["deadlines, year"])))  # warm-up
            for name, path in queries.items():
                results[name] = asyncio.run(drive(target, args.requests, 1, getter(path)))
        return {"kind": kind, "fill_seconds": fill_seconds, "results": results}


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    names = list(rows[0]["results"]) if rows else []
    table = []
    for name in names:
        cells: list[object] = [name]
        for row in rows:
            measured = row["results"][name]
            errors = f", {measured.errors} errors" if measured.errors else ""
            cells.append(f"{measured.percentile(50):.0f} / {measured.percentile(95):.0f}{errors}")
        table.append(cells)
    header = ["report (p50 / p95 ms)"] + [row["kind"] for row in rows]
    intro = (
        f"{args.n:,} complaints of policy {args.policy} over the last year; one uvicorn worker; "
        f"{args.requests} requests of each report, one at a time, over HTTP; "
        f"{os.cpu_count()} CPUs shared by client, server and database (load average "
        + " ".join(f"{value:.1f}" for value in os.getloadavg())
        + ")"
    )
    return intro + "\n\n" + markdown_table(header, table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=(__doc__ or "").split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--n", type=int, default=100_000, help="complaints stored before measuring")
    parser.add_argument("--requests", type=int, default=20, help="requests of each report")
    parser.add_argument("--policy", default="eurolux", help="the policy of every complaint")
    args = parser.parse_args(argv)
    rows = [run_one(kind, args) for kind in chosen_databases(args)]
    print(report(rows, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
