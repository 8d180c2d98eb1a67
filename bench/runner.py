"""What the benchmarks share: percentiles of timings, the markdown table of results, a fresh
database of either kind (SQLite in a temporary directory, or a schema of its own in
PostgreSQL), free ports, and starting, waiting for and stopping the processes under test."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.support.net import free_port  # noqa: F401 - the benchmarks start servers on free ports

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgresql")

# --- timings -------------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the two nearest ranks (the inclusive
    method of statistics.quantiles); NaN without values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    n: int
    p50: float
    p95: float
    p99: float
    max: float


def summarize(values: Sequence[float]) -> Summary:
    return Summary(
        n=len(values),
        p50=percentile(values, 50),
        p95=percentile(values, 95),
        p99=percentile(values, 99),
        max=max(values, default=math.nan),
    )


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], *, text_columns: int = 1) -> str:
    """A markdown table; the first `text_columns` columns left-aligned, the figures right."""
    align = ["---"] * text_columns + ["---:"] * (len(header) - text_columns)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- databases -----------------------------------------------------------------------------------


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--db sqlite|postgresql|both and --postgres-url (default BENCH_POSTGRES_URL, else
    TEST_POSTGRES_URL, else the local `test` database)."""
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
    )


def chosen_databases(args: argparse.Namespace) -> list[str]:
    return list(DATABASES) if args.db == "both" else [args.db]


@contextlib.contextmanager
def fresh_database(kind: str, postgres_url: str) -> Iterator[str]:
    """The URL of an empty database, removed afterwards: a SQLite file in a temporary
    directory, or a schema of its own in `postgres_url`."""
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="bench-db-"))
        try:
            yield f"sqlite:///{directory / 'bench.db'}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    base = sa.engine.make_url(postgres_url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- processes ------------------------------------------------------------------------------------


def wait_until_ready(
    url: str,
    process: subprocess.Popen[bytes],
    *,
    name: str,
    timeout: float,
    log: Path | None = None,
    ready: Callable[[httpx.Response], bool] = lambda response: response.status_code == 200,
) -> None:
    """Polls `url` until `ready` says so; RuntimeError (with the end of `log`) when the
    process exits first, TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
            raise RuntimeError(f"{name} exited with status {process.returncode}\n{tail}")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            if ready(httpx.get(url, timeout=2)):
                return
        time.sleep(0.2)
    raise TimeoutError(f"{name} did not become ready within {timeout:g} s")


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM to the process's group (it was started with start_new_session), SIGKILL if it
    is still there after `timeout` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
