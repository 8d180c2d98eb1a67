"""Backend benchmark: registrations per second and look-up latency with N complaints stored.

    .venv/bin/python -m bench.backend [--db sqlite|postgresql|both] [--n 100000]

For each database it makes a fresh one (SQLite: a file in a temporary directory; PostgreSQL:
a schema of its own in BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else the local `test`
database, dropped at the end), migrates it, fills it with N complaints by bulk insert, starts
the real server (uvicorn, `--workers`, access log off) and drives it over HTTP with httpx from
`--clients` concurrent connections:

- registrations: POST /api/complaints with an Idempotency-Key, as the action server sends them;
- GET /api/complaints/{tracking_number} of random stored complaints (the agent's view);
- POST /api/status-lookup with tracking number and PIN (the customer's view; argon2 verify).

It prints a markdown table. The client runs on the same machine and takes CPU from the
server, so the figures are a floor rather than a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from backend.app.complaints.models import Complaint, HistoryKind, StatusChange
from backend.app.core.db import create_db_engine, run_migrations
from backend.app.core.security import TRACKING_ALPHABET, hash_pin
from backend.app.policies.profile import compute_deadlines, load_policies
from bench.runner import (
    REPO_ROOT,
    add_database_options,
    chosen_databases,
    free_port,
    fresh_database,
    markdown_table,
    percentile,
    stop_process_group,
    wait_until_ready,
)
from contract.statuses import ComplaintStatus

AGENT_TOKEN = "bench-agent-token-0123456789"
SERVICE_TOKEN = "bench-service-token-0123456789"
# Every filled complaint shares this PIN (and so one hash): hashing 100,000 PINs would take
# minutes and measure nothing the registrations do not measure already.
FILL_PIN = "424242"
_FILL_BATCH = 5000

REGISTRATION = {
    "full_name": "Məmmədov Əli Vəli oğlu",
    "phone": "050 123 45 67",
    "complaint_text": "Televizor çatdırılmadı, iki həftədir gözləyirəm.",
    "language": "az",
    "channel": "rest",
    "policy": "eurolux",
}


# --- databases ---------------------------------------------------------------------------------


def fill(url: str, n: int) -> tuple[list[str], float]:
    """N complaints over the last year, spread over the five policies, each with its
    registration in the history. Returns the tracking numbers and the seconds it took."""
    engine = create_db_engine(url)
    run_migrations(engine)
    started = time.perf_counter()
    policies = list(load_policies().values())
    pin_hash = hash_pin(FILL_PIN)
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(4)
    tracking_numbers = random_tracking_numbers(rng, n)
    deadline_cache: dict[tuple[str, dt.date], dict[str, Any]] = {}
    complaints, history = [], []
    with engine.begin() as connection:
        for index, number in enumerate(tracking_numbers, start=1):
            policy = policies[index % len(policies)]
            received_at = now - dt.timedelta(seconds=rng.randrange(365 * 24 * 3600))
            key = (policy.id, received_at.date())
            if key not in deadline_cache:
                deadline_cache[key] = compute_deadlines(policy, received_at=received_at).model_dump()
            complaints.append(
                {
                    "id": index,
                    "tracking_number": number,
                    "pin_hash": pin_hash,
                    "policy": policy.id,
                    "status": ComplaintStatus.registered.value,
                    "language": policy.languages[0].value,
                    "channel": "rest",
                    "full_name": f"Müştəri {index}",
                    "phone": f"+99450{index:07d}",
                    "complaint_text": "Bench complaint text.",
                    "received_at": received_at,
                    "created_at": received_at,
                    "updated_at": received_at,
                    "pin_failed_attempts": 0,
                    **deadline_cache[key],
                }
            )
            history.append(
                {
                    "complaint_id": index,
                    "kind": HistoryKind.status.value,
                    "status": ComplaintStatus.registered.value,
                    "visible_to_customer": True,
                    "at": received_at,
                    "actor": "service",
                }
            )
            if len(complaints) == _FILL_BATCH or index == n:
                connection.execute(sa.insert(Complaint), complaints)  # type: ignore[arg-type]
                connection.execute(sa.insert(StatusChange), history)  # type: ignore[arg-type]
                complaints, history = [], []
        set_next_id(connection, "complaint", n)
    analyse_and_close(engine)
    return tracking_numbers, time.perf_counter() - started


def random_tracking_numbers(rng: random.Random, n: int) -> list[str]:
    """N distinct tracking numbers in a random order."""
    numbers: set[str] = set()
    while len(numbers) < n:
        chars = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(8))
        numbers.add(f"{chars[:4]}-{chars[4:]}")
    return sorted(numbers, key=lambda _: rng.random())


def set_next_id(connection: sa.Connection, table: str, last_id: int) -> None:
    """After rows inserted with their own ids, PostgreSQL's sequence continues after them."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": last_id})


def analyse_and_close(engine: sa.Engine) -> None:
    """Statistics for the planner after a bulk fill, then the engine closed."""
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
        connection.commit()
    engine.dispose()


# --- the server --------------------------------------------------------------------------------


@contextlib.contextmanager
def server(url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    attachments = tempfile.mkdtemp(prefix="backend-bench-files-")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "ENVIRONMENT": "development",
        "DATABASE_URL": url,
        "AGENT_TOKEN": AGENT_TOKEN,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "SECRET_KEY": "bench-secret-key-0123456789",
        "ATTACHMENTS_DIR": attachments,
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.app.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    # The server logs at INFO as in production, into a file rather than over the report.
    log_path = Path(attachments) / "server.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base_url}/healthz", process, name="the server", timeout=60, log=log_path)
        yield base_url, process.pid
    finally:
        stop_process_group(process)
        log_file.close()
        shutil.rmtree(attachments, ignore_errors=True)


# --- load --------------------------------------------------------------------------------------


def cpu_seconds(pid: int | None = None, command: str | None = None) -> float:
    """CPU time (user + system) of process `pid` and its children, or of every process
    running `command` (PostgreSQL's: other users of the database count too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        # After the command: state, ppid, ..., utime, stime, and cutime, cstime of children
        # that have exited (PostgreSQL's connection processes come and go).
        if (pid is not None and pid in (int(entry.name), int(fields[1]))) or (command is not None and name == command):
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    client_cpu: float = 0.0

    def cpu_ms(self, seconds: float) -> float:
        """CPU milliseconds per request."""
        return seconds / len(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: int) -> float:
        """In milliseconds."""
        return percentile(self.latencies, q) * 1000


async def drive(
    target: tuple[str, int],
    total: int,
    clients: int,
    request: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
) -> Measured:
    """`total` requests from `clients` connections, each request timed on its own, and the
    CPU time the server and this client spent."""
    base_url, pid = target
    measured = Measured()
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(client: httpx.AsyncClient) -> None:
        for index in counter:
            started = time.perf_counter()
            response = await request(client, index)
            measured.latencies.append(time.perf_counter() - started)
            if response.status_code >= 400:
                measured.errors += 1

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        server_cpu, database_cpu, client_cpu = cpu_seconds(pid), cpu_seconds(command="postgres"), time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        measured.seconds = time.perf_counter() - started
        measured.server_cpu = cpu_seconds(pid) - server_cpu
        measured.database_cpu = cpu_seconds(command="postgres") - database_cpu
        measured.client_cpu = time.process_time() - client_cpu
    return measured


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"-- {kind}: filling {args.n} complaints", file=sys.stderr, flush=True)
    with fresh_database(kind, args.postgres_url) as url:
        numbers, fill_seconds = fill(url, args.n)
        print(f"-- {kind}: filled in {fill_seconds:.1f} s; starting the server", file=sys.stderr, flush=True)
        service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        rng = random.Random(7)
        run_id = secrets.token_hex(4)

        async def register(client: httpx.AsyncClient, index: int) -> httpx.Response:
            headers = {**service, "Idempotency-Key": f"bench-{run_id}-{index}"}
            return await client.post("/api/complaints", json=REGISTRATION, headers=headers)

        async def read(client: httpx.AsyncClient, _index: int) -> httpx.Response:
            return await client.get(f"/api/complaints/{rng.choice(numbers)}", headers=agent)

        async def look_up(client: httpx.AsyncClient, _index: int) -> httpx.Response:
            body = {"tracking_number": rng.choice(numbers), "pin": FILL_PIN}
            return await client.post("/api/status-lookup", json=body)

        with server(url, args.workers) as target:
            asyncio.run(drive(target, 200, args.clients, read))  # warm-up: connections, caches
            asyncio.run(drive(target, 50, args.clients, register))
            results = {
                "registrations": asyncio.run(drive(target, args.registrations, args.clients, register)),
                "reads": asyncio.run(drive(target, args.lookups, args.lookup_clients, read)),
                "lookups": asyncio.run(drive(target, args.lookups, args.lookup_clients, look_up)),
                "reads_loaded": asyncio.run(drive(target, args.lookups, args.clients, read)),
            }
        return {"kind": kind, "fill_seconds": fill_seconds, **results}


def report(rows: list[dict[str, Any]], args: argparse.Namespace, load: tuple[float, ...]) -> str:
    def ms(measured: Measured) -> str:
        return f"{measured.percentile(50):.1f} / {measured.percentile(95):.1f}"

    cores = os.cpu_count() or 1
    lines = [
        f"{args.n:,} complaints stored; uvicorn with {args.workers} worker(s); {args.registrations} registrations "
        f"from {args.clients} concurrent clients; {args.lookups} look-ups of each kind from {args.lookup_clients} "
        f"client(s); {cores} CPUs shared by client, server and database (load average before: "
        + " ".join(f"{value:.1f}" for value in load)
        + ")",
        "",
    ]
    throughput = []
    for row in rows:
        errors = sum(row[name].errors for name in ("registrations", "reads", "lookups", "reads_loaded"))
        loaded = row["reads_loaded"]
        throughput.append(
            [
                row["kind"],
                f"{row['registrations'].per_second:.0f}",
                ms(row["registrations"]),
                ms(row["reads"]),
                ms(row["lookups"]),
                f"{loaded.per_second:.0f}, {ms(loaded)}",
                errors,
            ]
        )
    lines.append(
        markdown_table(
            [
                "database",
                "registrations/s",
                "registration p50 / p95 (ms)",
                "GET /api/complaints/{tn} p50 / p95 (ms)",
                "POST /api/status-lookup p50 / p95 (ms)",
                f"GET with {args.clients} clients: req/s, p50 / p95 (ms)",
                "errors",
            ],
            throughput,
        )
    )
    lines += [
        "",
        "CPU per registration (ms): what the machine spends, and the rate it would allow "
        f"on {cores} cores left to the server and database alone",
        "",
    ]
    cpu = []
    for row in rows:
        registrations: Measured = row["registrations"]
        backend_ms = registrations.cpu_ms(registrations.server_cpu)
        database_ms = registrations.cpu_ms(registrations.database_cpu) if row["kind"] == "postgresql" else 0.0
        cpu.append(
            [
                row["kind"],
                f"{row['fill_seconds']:.1f}",
                f"{backend_ms:.2f}",
                f"{database_ms:.2f}",
                f"{registrations.cpu_ms(registrations.client_cpu):.2f}",
                f"{cores * 1000 / (backend_ms + database_ms):.0f}",
            ]
        )
    lines.append(
        markdown_table(
            [
                "database",
                "fill (s)",
                "backend (uvicorn workers)",
                "PostgreSQL (all its processes)",
                "bench client",
                f"registrations/s on {cores} cores without the client",
            ],
            cpu,
        )
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backend", description=(__doc__ or "").split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--n", type=int, default=100_000, help="complaints stored before measuring")
    parser.add_argument("--registrations", type=int, default=3000)
    parser.add_argument("--lookups", type=int, default=2000, help="requests per kind of look-up")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections for registrations")
    parser.add_argument("--lookup-clients", type=int, default=1, help="concurrent connections for look-up latency")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    rows = [run_one(kind, args) for kind in chosen_databases(args)]
    print(report(rows, args, load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
