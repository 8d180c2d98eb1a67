"""What one customer's turn costs, with nobody else on the assistant (issue 25).

    make bench-turns           # = .venv/bin/python -m bench.turns
    python -m bench.turns [--db sqlite,postgresql] [--conversations 6] [--complaints 4] [--keep]

For each tracker store database, the three processes of `make run` (rasa, action server, backend)
start with fresh databases (scripts/run-*.sh, as bench.load starts them), and customers talk to
the REST channel one at a time. Each customer files `--complaints` complaints in a row in one
conversation (bench.load's script: opening, name, phone, staff member, what happened, confirm), so
the conversation grows to a few hundred events. Printed:

- **one customer alone**: p50 reply time (request to response, every bot message of the turn) of
  every step of a complaint, over the first complaint of every conversation, and CPU ms per
  customer message of each process: the CPU time of the whole run (every thread, from
  /proc/<pid>/task/*/schedstat) over the number of messages;
- **action server calls per turn** by step (the rasa server's `rasa_action_server_calls_total`
  on /metrics, read between turns; a backend notification that arrives during a turn, such as
  the acknowledgement after registration, counts in it);
- **turn cost versus conversation length**: p50 reply time and rasa CPU ms of the turns that
  start with about 10, 50 and 200 events in the tracker (counted in the tracker store's
  database after each turn, outside the measured window), and of each complaint of the conversation
  (the same six steps at a longer tracker each time).

`RASA_TRACKER_CACHE=0 make bench-turns` measures the rasa server without its tracker cache
(bot/runtime/tracker_cache.py), the "before" of docs/scale-out.md.

Run it on a quiet machine, and compare figures of one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from bench.load import CONFIRM, Proc, complaint_script, start_ours
from bench.runner import DEFAULT_POSTGRES_URL, markdown_table, percentile
from contract import tracking

STEPS = ("opening", "name", "phone", "staff", "complaint", "confirm")
# Turns are put in the bucket of the length they start at: (label, lowest, highest) events.
LENGTHS = (("~10", 0, 20), ("~50", 35, 70), ("~200", 170, 260))
SETTLE_S = 0.3  # the event broker sends a turn's events up to 0.25 s after the reply


def session_pids(proc: Proc) -> list[int]:
    """Every process of `proc`'s session (it was started with start_new_session)."""
    pids = []
    session = proc.popen.pid
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[3]) == session:  # fields[3] is the session id (the 6th field of stat)
            pids.append(int(stat.parent.name))
    return pids


def cpu_ns(proc: Proc, pids: list[int] | None = None) -> int:
    """CPU time of every thread of every process in `proc`'s session, in ns. `pids` (from
    session_pids, read once) spares a walk over /proc on every turn."""
    total = 0
    for pid in pids if pids is not None else session_pids(proc):
        for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            try:
                total += int(task.read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
    return total


@dataclass
class TurnFigure:
    step: str
    complaint: int  # 0 = the conversation's first complaint
    events_before: int
    reply_ms: float
    rasa_cpu_ms: float
    action_calls: int = 0  # calls of the rasa server to the action server during the turn


@dataclass
class RunFigures:
    database: str
    turns: list[TurnFigure] = field(default_factory=list)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # process -> CPU ms per message
    registered: int = 0
    complaints: int = 0
    # The rasa server's past-states calls over the whole run (bot/runtime/patches/past_states.py):
    # calls, the applied events they were about, the events replayed to answer them.
    past_states: dict[str, float] = field(default_factory=dict)


def event_count(tracker_db: sa.engine.Engine, sender: str) -> int:
    """The events stored for the conversation, read from the tracker store's database: asking
    Rasa's API would cost the measured rasa server a whole tracker's JSON on every turn."""
    with tracker_db.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()


async def metric_totals(http: aiohttp.ClientSession, rasa_url: str, *prefixes: str) -> list[float]:
    """The sum of every sample of each metric named, from the rasa server's /metrics."""
    async with http.get(f"{rasa_url}/webhooks/ops/metrics") as r:
        r.raise_for_status()
        text = await r.text()
    lines = text.splitlines()
    return [sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(prefix)) for prefix in prefixes]


async def action_calls(http: aiohttp.ClientSession, rasa_url: str) -> int:
    """The rasa server's calls to the action server so far (bot/runtime/patches/action_calls.py)."""
    return int((await metric_totals(http, rasa_url, CALLS_METRIC))[0])


CALLS_METRIC = "rasa_action_server_calls_total{"
PAST_STATES_METRICS = {
    "calls": "rasa_past_states_calls_total ",
    "events": "rasa_past_states_events_total ",
    "replayed": "rasa_past_states_events_replayed_total ",
}


async def say(http: aiohttp.ClientSession, rasa_url: str, sender: str, text: str, language: str) -> list[dict]:
    body = {"sender": sender, "message": text, "metadata": {"language": language}}
    async with http.post(f"{rasa_url}/webhooks/rest/webhook", json=body) as r:
        r.raise_for_status()
        return await r.json()


async def run_database(
    database: str, workdir: Path, postgres_url: str, conversations: int, complaints: int
) -> RunFigures:
    # One customer types 24 messages in a minute here; the channels' per-conversation limit
    # (MESSAGE_RATE_LIMIT, 20 a minute) would drop some.
    extra: dict[str, str] = {"MESSAGE_RATE_LIMIT": "100000"}
    admin = None
    name = f"bench_turns_{uuid.uuid4().hex[:8]}"
    tracker_db = sa.create_engine(f"sqlite:///{workdir}/rasa-tracker.db")  # start_ours' default
    if database == "postgresql":
        admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")  # psycopg 3, this venv
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # Rasa's venv connects with psycopg2, SQLAlchemy's default driver for postgresql://.
        url = sa.engine.make_url(postgres_url).set(drivername="postgresql", database=name)
        extra["RASA_TRACKER_URL"] = url.render_as_string(hide_password=False)
        tracker_db = sa.create_engine(sa.engine.make_url(postgres_url).set(database=name))
    target = await start_ours(workdir, extra)
    figures = RunFigures(database)
    rasa = next(p for p in target.procs if p.name == "rasa")
    rng = random.Random(25)
    messages = 0
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            # One conversation first, not measured: the first turns of a process load lazily.
            pids = {p.name: session_pids(p) for p in target.procs}
            rasa_pids = pids["rasa"]
            await _conversation(http, target.rasa_url, rng, 1, (rasa, rasa_pids), None, tracker_db)
            await asyncio.sleep(SETTLE_S)
            before = {p.name: cpu_ns(p, pids[p.name]) for p in target.procs}
            for _ in range(conversations):
                sent, done = await _conversation(
                    http, target.rasa_url, rng, complaints, (rasa, rasa_pids), figures, tracker_db
                )
                messages += sent
                figures.complaints += complaints
                figures.registered += done
            await asyncio.sleep(1.0)
            # The /metrics reads between turns cost rasa CPU too: measured apart and taken off.
            lookups = len(figures.turns) + conversations
            start = cpu_ns(rasa, rasa_pids)
            for _ in range(20):
                await action_calls(http, target.rasa_url)
            lookup_ns = (cpu_ns(rasa, rasa_pids) - start) / 20
            after = {p.name: cpu_ns(p, pids[p.name]) for p in target.procs}
            totals = await metric_totals(http, target.rasa_url, *PAST_STATES_METRICS.values())
            figures.past_states = dict(zip(PAST_STATES_METRICS, totals, strict=True))
        for proc in target.procs:
            spent = after[proc.name] - before[proc.name]
            if proc.name == "rasa":
                spent -= lookups * lookup_ns
            figures.cpu_ms[proc.name] = spent / 1e6 / max(messages, 1)
    finally:
        target.stop()
        tracker_db.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return figures


async def _conversation(
    http: aiohttp.ClientSession,
    rasa_url: str,
    rng: random.Random,
    complaints: int,
    rasa: tuple[Proc, list[int]],  # the process and its session's pids
    figures: RunFigures | None,
    tracker_db: sa.engine.Engine,
) -> tuple[int, int]:
    rasa_proc, rasa_pids = rasa
    sender = f"bench-turns-{uuid.uuid4().hex[:12]}"
    sent = registered = 0
    events = 0
    calls = await action_calls(http, rasa_url)
    for complaint in range(complaints):
        language, script, _ = complaint_script(rng)
        for step, text in zip(STEPS, script, strict=True):
            cpu_before = cpu_ns(rasa_proc, rasa_pids)
            started = time.perf_counter()
            replies = await say(http, rasa_url, sender, text, language)
            reply_ms = (time.perf_counter() - started) * 1000
            cpu_ms = (cpu_ns(rasa_proc, rasa_pids) - cpu_before) / 1e6
            sent += 1
            await asyncio.sleep(SETTLE_S)
            calls, turn_calls = await action_calls(http, rasa_url), calls
            if figures is not None:
                figures.turns.append(TurnFigure(step, complaint, events, reply_ms, cpu_ms, calls - turn_calls))
            events = event_count(tracker_db, sender)
            if text == CONFIRM[language] and any(tracking.IN_REPLY.search(r.get("text") or "") for r in replies):
                registered += 1
    return sent, registered


def _mean_calls(turns: list[TurnFigure]) -> float:
    return sum(t.action_calls for t in turns) / max(len(turns), 1)


def report(runs: list[RunFigures]) -> str:
    out = ["# What a turn costs (bench.turns)", ""]
    for run in runs:
        first = [t for t in run.turns if t.complaint == 0]
        out.append(f"## Tracker store: {run.database}")
        out.append(f"registered {run.registered} of {run.complaints} complaints; {len(run.turns)} measured turns\n")
        out.append("One customer alone, first complaint of each conversation: p50 reply ms by step\n")
        rows = [
            [
                step,
                len(ts),
                f"{percentile([t.reply_ms for t in ts], 50):.0f}",
                f"{percentile([t.rasa_cpu_ms for t in ts], 50):.1f}",
                f"{_mean_calls(ts):.2f}",
            ]
            for step in STEPS
            if (ts := [t for t in first if t.step == step])
        ]
        rows.append(
            [
                "every step",
                len(first),
                f"{percentile([t.reply_ms for t in first], 50):.0f}",
                f"{percentile([t.rasa_cpu_ms for t in first], 50):.1f}",
                f"{_mean_calls(first):.2f}",
            ]
        )
        headers = ["step", "turns", "p50 reply ms", "p50 rasa CPU ms", "action server calls / turn"]
        out.append(markdown_table(headers, rows))
        out.append("\nCPU ms per customer message, whole run (every turn of every complaint)\n")
        out.append(markdown_table(["process", "CPU ms / message"], [[n, f"{ms:.1f}"] for n, ms in run.cpu_ms.items()]))
        out.append("\nTurn cost versus conversation length (events in the tracker when the turn starts)\n")
        rows = []
        for label, low, high in LENGTHS:
            ts = [t for t in run.turns if low <= t.events_before <= high]
            rows.append(
                [
                    label,
                    len(ts),
                    f"{percentile([t.events_before for t in ts], 50):.0f}",
                    f"{percentile([t.reply_ms for t in ts], 50):.0f}",
                    f"{percentile([t.rasa_cpu_ms for t in ts], 50):.1f}",
                ]
            )
        out.append(markdown_table(["events", "turns", "median events", "p50 reply ms", "p50 rasa CPU ms"], rows))
        # The buckets above hold different steps (~10: openings and names only); each complaint
        # of a conversation has the same six steps, at a longer tracker each time.
        out.append("\nThe same six steps, complaint after complaint in one conversation\n")
        rows = []
        for complaint in sorted({t.complaint for t in run.turns}):
            ts = [t for t in run.turns if t.complaint == complaint]
            rows.append(
                [
                    f"complaint {complaint + 1}",
                    len(ts),
                    f"{min(t.events_before for t in ts)}-{max(t.events_before for t in ts)}",
                    f"{percentile([t.reply_ms for t in ts], 50):.0f}",
                    f"{percentile([t.rasa_cpu_ms for t in ts], 50):.1f}",
                ]
            )
        out.append(markdown_table(["", "turns", "events", "p50 reply ms", "p50 rasa CPU ms"], rows))
        if run.past_states.get("calls"):
            ps = run.past_states
            out.append(
                f"\nPast dialogue states: {ps['calls']:.0f} calls about {ps['events'] / ps['calls']:.0f} applied events"
                f" each on average, {ps['replayed'] / ps['calls']:.1f} events replayed per call"
                f" ({100 * ps['replayed'] / max(ps['events'], 1):.0f} % of them; RASA_STATES_CACHE=0: 100 %)"
            )
        out.append("")
    summary = {
        run.database: {
            "cpu_ms_per_message": {k: round(v, 2) for k, v in run.cpu_ms.items()},
            "p50_reply_ms": round(percentile([t.reply_ms for t in run.turns if t.complaint == 0], 50), 1),
            "action_calls_per_turn": {
                step: round(_mean_calls([t for t in run.turns if t.step == step]), 2) for step in STEPS
            },
            "by_length": {
                label: round(percentile([t.reply_ms for t in run.turns if low <= t.events_before <= high], 50), 1)
                for label, low, high in LENGTHS
            },
            "rasa_cpu_ms_by_complaint": [
                round(percentile([t.rasa_cpu_ms for t in run.turns if t.complaint == n], 50), 1)
                for n in sorted({t.complaint for t in run.turns})
            ],
        }
        for run in runs
    }
    out.append(json.dumps(summary))
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-turns-"))
    runs = []
    try:
        for database in args.db.split(","):
            runs.append(
                await run_database(database, workdir / database, args.postgres_url, args.conversations, args.complaints)
            )
    finally:
        if args.keep:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report(runs))
    return 0 if all(run.registered == run.complaints for run in runs) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql", help="tracker store databases, in this order")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--conversations", type=int, default=6)
    parser.add_argument("--complaints", type=int, default=4, help="complaints filed in a row in one conversation")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
