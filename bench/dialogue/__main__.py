"""`make bench-dialogue`: the simulated customers against one running stack, policy by policy.

    make bench-dialogue                      # = .venv/bin/python -m bench.dialogue
    BENCH_HALF=held_out|tune|all  BENCH_LANGS=ru,az  BENCH_POLICIES=kontakt  BENCH_IDS=ru-eurolux-03
    BENCH_CONCURRENCY=3  BENCH_CUSTOMERS=path.yml[,other.yml]  (default bench/dialogue/customers/*.yml)

One stack (rasa, actions, backend with their own databases in a temporary directory); for each
policy only the action server restarts with COMPLAINT_POLICY=<policy> (the backend learns a
complaint's policy from its registration). Exit 0 after printing (a measurement), 2 when a
customer file is invalid.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.dialogue.customers import Customer, CustomerFileError, load_customers, select
from bench.dialogue.report import render, write_results
from bench.dialogue.score import Outcome, ideal_turns
from bench.dialogue.simulate import Conversation, converse, outcome
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS_DIR = ROOT / "bench" / "dialogue" / "customers"
RESULTS_DIR = ROOT / "var" / "results" / "dialogue"


def _list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def customer_paths() -> list[Path]:
    chosen = _list("BENCH_CUSTOMERS")
    return [Path(p) for p in chosen] if chosen else sorted(CUSTOMERS_DIR.glob("*.yml"))


def chosen_customers() -> list[Customer]:
    half = os.environ.get("BENCH_HALF") or "all"
    if half not in ("all", "held_out", "tune"):
        raise CustomerFileError(f"BENCH_HALF={half!r}: held_out, tune or all")
    paths = customer_paths()
    if not paths:
        raise CustomerFileError(f"no customer files in {CUSTOMERS_DIR}")
    return select(
        load_customers(paths),
        half=half,
        languages=_list("BENCH_LANGS"),
        policies=_list("BENCH_POLICIES"),
        ids=_list("BENCH_IDS"),
    )


def run_one(stack: Stack, customer: Customer) -> tuple[Outcome, Conversation]:
    talk = converse(stack, customer)
    result = outcome(stack, talk)
    mark = "ok" if not result.failed else ("FILE" if result.file_fault else "FAIL")
    print(f"  {customer.id}: {mark} ({talk.sent} messages, {talk.seconds:.1f} s)", file=sys.stderr, flush=True)
    return result, talk


def run_policy(stack: Stack, customers: Sequence[Customer], concurrency: int) -> list[tuple[Outcome, Conversation]]:
    def guarded(customer: Customer) -> tuple[Outcome, Conversation]:
        try:
            return run_one(stack, customer)
        except Exception as error:  # one broken conversation must not end the measurement
            print(f"  {customer.id}: ERROR {error!r}", file=sys.stderr, flush=True)
            talk = Conversation(customer, why=f"error: {error!r}")
            wrong = {name: False for name in customer.expect}
            return Outcome(customer, False, 0, ideal_turns(customer), wrong, {}, why=talk.why), talk

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(guarded, customers))


def main() -> int:
    try:
        customers = chosen_customers()
    except CustomerFileError as error:
        print(f"invalid customer file(s):\n{error}", file=sys.stderr)
        return 2
    if not customers:
        print("no customer matches BENCH_HALF / BENCH_LANGS / BENCH_POLICIES / BENCH_IDS", file=sys.stderr)
        return 0
    concurrency = int(os.environ.get("BENCH_CONCURRENCY") or 3)
    policies = sorted({c.policy for c in customers})
    workdir = Path(tempfile.mkdtemp(prefix="bench-dialogue-"))
    stack = Stack(workdir, policy=policies[0])
    results: list[tuple[Outcome, Conversation]] = []
    started = time.monotonic()
    try:
        for name in ("backend", "actions", "rasa"):
            stack.start(name)
        for name in ("backend", "actions", "rasa"):
            stack.wait_ready(name, timeout=300)
        print(f"stack ready in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        for policy in policies:
            stack.use_policy(policy)
            mine = [c for c in customers if c.policy == policy]
            print(f"{policy}: {len(mine)} customers", file=sys.stderr, flush=True)
            results += run_policy(stack, mine, concurrency)
    finally:
        stack.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.monotonic() - started
    messages = sum(t.sent for _, t in results)
    waited = sum(t.seconds for _, t in results)
    outcomes = [o for o, _ in results]
    print(render(outcomes))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    meta = {
        "started": stamp,
        "seconds": round(elapsed, 1),
        "messages": messages,
        "concurrency": concurrency,
        "seconds_per_message": round(waited / messages, 3) if messages else None,
    }
    path = write_results(RESULTS_DIR, stamp, results, meta)
    print(
        f"{len(results)} customers, {messages} messages in {elapsed:.0f} s "
        f"({meta['seconds_per_message']} s per reply, concurrency {concurrency}); results: {path.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
