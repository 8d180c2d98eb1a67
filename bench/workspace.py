"""Workspace benchmark: the agents' lists and counts with N complaints stored.

    .venv/bin/python -m bench.workspace [--db sqlite|postgresql|both] [--n 100000] [--requests 40]

For each database it makes a fresh one (as bench/backend.py does), migrates it, fills it by
bulk insert with N complaints over the last year: the five policies, statuses as time left
them (most closed, the recent ones open, about 5% overdue, some reopened or disputed),
names, phones and texts drawn from lists in the four languages, a quarter assigned to ten
agents. Then it starts the real server and times, one request at a time:

- GET /api/complaints?view=overdue&limit=50 (the first page with its X-Total-Count);
- GET /api/workspace/counts;
- searches (`q=`) by a stored phone typed the local way, by a surname, by a word of the text.

It prints p50 / p95 in milliseconds per database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from backend.app.accounts.models import Agent
from backend.app.complaints.models import Complaint
from backend.app.core.db import create_db_engine, run_migrations
from backend.app.core.security import hash_pin
from backend.app.policies.profile import compute_deadlines, load_policies
from bench.backend import AGENT_TOKEN, FILL_PIN, analyse_and_close, drive, random_tracking_numbers, server, set_next_id
from bench.runner import add_database_options, chosen_databases, fresh_database, markdown_table
from contract.statuses import ComplaintStatus

_BATCH = 5000
FIRST_NAMES = (
    "Əli Leyla Fərid Nigar Rəşad Aysel Иван Мария Ольга Сергей Ayşe Mehmet Fatma Emre Ion Maria Andrei Elena".split()
)
SURNAMES = (
    "Məmmədov Həsənova Əliyev Quliyeva Hüseynov Иванов Петрова Смирнов Кузнецова Yılmaz Kaya Demir Şahin "
    "Çelik Popescu Ionescu Popa Dumitrescu Stan"
).split()
WORDS = (
    "televizor çatdırılmadı kassir kobud zəmanət ödəniş qaytarılmadı telefon ekran sındı "
    "доставка задержка кассир грубость гарантия возврат стиральная вмятина холодильник курьер "
    "sipariş eksik teslim fatura iade kargo garanti kırık ürün mağaza "
    "invertor eroare rețea garanție livrare panou baterie factură service defect"
).split()
# (country code, national prefix the agent types, mobile prefixes) per policy region.
PHONES = {"AZ": ("994", "0", ["50", "51", "55", "70", "77"]), "TR": ("90", "0", ["532", "505", "542"])}
PHONES["RO"] = ("40", "0", ["721", "744", "755"])


def _phone(rng: random.Random, region: str) -> str:
    country, _, prefixes = PHONES[region]
    prefix = rng.choice(prefixes)
    return f"+{country}{prefix}{rng.randrange(10**7):07d}"


def local_form(phone: str) -> str:
    """+994501234567 -> "050 123 45 67": what an agent types from a call."""
    for country, national, _ in PHONES.values():
        if phone.startswith(f"+{country}"):
            rest = national + phone[1 + len(country) :]
            return f"{rest[:3]} {rest[3:6]} {rest[6:8]} {rest[8:]}"
    return phone


def _status(rng: random.Random, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Where time left the complaint: deadlines past are mostly met, the open rest is overdue."""
    received: dt.datetime = row["received_at"]
    acknowledged_at = received + dt.timedelta(hours=rng.randrange(1, 48))
    if row["resolve_by"] < now:
        if rng.random() < 0.055:  # left open past its deadline
            status = rng.choice([ComplaintStatus.acknowledged, ComplaintStatus.in_progress, ComplaintStatus.reopened])
        else:
            status = rng.choices(
                [ComplaintStatus.closed, ComplaintStatus.resolved, ComplaintStatus.disputed], [90, 8, 2]
            )[0]
    elif row["acknowledge_by"] > now and rng.random() < 0.5:
        return {"status": ComplaintStatus.registered.value, "acknowledged_at": None}
    else:
        status = rng.choices(
            [
                ComplaintStatus.acknowledged,
                ComplaintStatus.in_progress,
                ComplaintStatus.resolved,
                ComplaintStatus.reopened,
            ],
            [30, 50, 15, 5],
        )[0]
    return {"status": status.value, "acknowledged_at": min(acknowledged_at, now)}


def fill(url: str, n: int) -> tuple[list[dict[str, Any]], float]:
    engine = create_db_engine(url)
    run_migrations(engine)
    started = time.perf_counter()
    policies = list(load_policies().values())
    pin_hash = hash_pin(FILL_PIN)
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(20)
    agents = [
        {
            "id": index,
            "username": f"agent{index}",
            "display_name": f"Agent {index}",
            "role": "agent",
            "is_active": True,
            "password_hash": pin_hash,
            "created_at": now,
            "updated_at": now,
            "failed_logins": 0,
        }
        for index in range(1, 11)
    ]
    deadline_cache: dict[tuple[str, dt.date, int], dict[str, Any]] = {}
    samples: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    with engine.begin() as connection:
        connection.execute(sa.insert(Agent), agents)  # type: ignore[arg-type]
        for index, number in enumerate(random_tracking_numbers(rng, n), start=1):
            policy = policies[index % len(policies)]
            received_at = now - dt.timedelta(seconds=rng.randrange(365 * 24 * 3600))
            key = (policy.id, received_at.date(), received_at.hour)
            if key not in deadline_cache:
                deadline_cache[key] = compute_deadlines(policy, received_at=received_at).model_dump()
            region = {"poliser": "TR", "inverter_eu": "RO"}.get(policy.id, "AZ")
            row = {
                "id": index,
                "tracking_number": number,
                "pin_hash": pin_hash,
                "policy": policy.id,
                "language": rng.choice(policy.languages).value,
                "channel": rng.choice(["socketio", "telegram", "whatsapp", "phone", "email", "shop"]),
                "full_name": f"{rng.choice(SURNAMES)} {rng.choice(FIRST_NAMES)}",
                "phone": _phone(rng, region) if rng.random() < 0.8 else None,
                "email": f"customer{index}@example.com" if rng.random() < 0.3 else None,
                "complaint_text": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 40))).capitalize() + ".",
                "received_at": received_at,
                "created_at": received_at,
                "updated_at": received_at,
                "pin_failed_attempts": 0,
                "assigned_to_id": rng.randrange(1, 11) if rng.random() < 0.25 else None,
                "notification_failed": rng.random() < 0.005,
                **deadline_cache[key],
            }
            row.update(_status(rng, row, now))
            rows.append(row)
            if index % 997 == 0:
                samples.append(row)
            if len(rows) == _BATCH or index == n:
                connection.execute(sa.insert(Complaint), rows)  # type: ignore[arg-type]
                rows = []
        set_next_id(connection, "complaint", n)
        set_next_id(connection, "agent", len(agents))
    analyse_and_close(engine)
    return samples, time.perf_counter() - started


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"-- {kind}: filling {args.n} complaints", file=sys.stderr, flush=True)
    with fresh_database(kind, args.postgres_url) as url:
        samples, fill_seconds = fill(url, args.n)
        print(f"-- {kind}: filled in {fill_seconds:.1f} s", file=sys.stderr, flush=True)
        rng = random.Random(7)
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        totals: dict[str, list[int]] = {}

        def getter(name: str, query: Callable[[], str]) -> Callable[[httpx.AsyncClient, int], Any]:
            async def request(client: httpx.AsyncClient, _index: int) -> httpx.Response:
                response = await client.get(query(), headers=headers)
                if "X-Total-Count" in response.headers:
                    totals.setdefault(name, []).append(int(response.headers["X-Total-Count"]))
                return response

            return request

        phones = [sample["phone"] for sample in samples if sample["phone"]]
        queries: dict[str, Callable[[], str]] = {
            "overdue view, first page + total": lambda: "/api/complaints?view=overdue&limit=50",
            "counts": lambda: "/api/workspace/counts",
            "search by phone": lambda: "/api/complaints?limit=50&q=" + quote(local_form(rng.choice(phones))),
            "search by surname": lambda: f"/api/complaints?limit=50&q={rng.choice(SURNAMES)}",
            "search by a word of the text": lambda: f"/api/complaints?limit=50&q={rng.choice(WORDS)}",
        }
        results = {}
        with server(url, 1) as target:
            asyncio.run(drive(target, 10, 1, getter("warm-up", queries["counts"])))
            for name, query in queries.items():
                results[name] = asyncio.run(drive(target, args.requests, 1, getter(name, query)))
        return {"kind": kind, "fill_seconds": fill_seconds, "results": results, "totals": totals}


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    names = list(rows[0]["results"]) if rows else []
    table = []
    for name in names:
        cells: list[object] = [name]
        for row in rows:
            measured = row["results"][name]
            found = row["totals"].get(name)
            matches = f", ~{sorted(found)[len(found) // 2]:,} found" if found else ""
            errors = f", {measured.errors} errors" if measured.errors else ""
            cells.append(f"{measured.percentile(50):.0f} / {measured.percentile(95):.0f}{matches}{errors}")
        table.append(cells)
    header = ["request (p50 / p95 ms)"] + [row["kind"] for row in rows]
    intro = (
        f"{args.n:,} complaints; one uvicorn worker; {args.requests} requests of each kind, one at a time; "
        f"{os.cpu_count()} CPUs shared by client, server and database (load average "
        + " ".join(f"{value:.1f}" for value in os.getloadavg())
        + ")"
    )
    return intro + "\n\n" + markdown_table(header, table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workspace", description=(__doc__ or "").split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--n", type=int, default=100_000, help="complaints stored before measuring")
    parser.add_argument("--requests", type=int, default=40, help="requests of each kind")
    args = parser.parse_args(argv)
    rows = [run_one(kind, args) for kind in chosen_databases(args)]
    print(report(rows, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
