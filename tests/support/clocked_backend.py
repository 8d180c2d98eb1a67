"""A backend process on a controlled clock, for tests that need several real backend
processes to agree on "now" (tests/backend/alerts/test_alerts_two_processes.py).

`python -m tests.support.clocked_backend PORT` serves the app of backend.app.main (settings
from the environment, as uvicorn would) with a ManualClock starting at TEST_CLOCK_START (ISO
8601), and two routes only this launcher adds: POST /test/clock {"now": ISO} moves the clock,
POST /test/run-due runs this process's dispatcher on everything due then (its DrainStats)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from typing import Any

import uvicorn

from backend.app.core import clock
from backend.app.main import create_app

manual = clock.ManualClock(dt.datetime.fromisoformat(os.environ["TEST_CLOCK_START"]))
# Entered for the life of the process (kept referenced: a collected context would restore the
# system clock).
_clock_context = clock.use(manual)
_clock_context.__enter__()
app = create_app()


@app.post("/test/clock")
def set_clock(body: dict[str, str]) -> dict[str, str]:
    manual.set(dt.datetime.fromisoformat(body["now"]))
    return {"now": manual.now().isoformat()}


@app.post("/test/run-due")
def run_due() -> dict[str, Any]:
    stats = app.state.notifications.dispatcher.run_due()
    return {**dataclasses.asdict(stats), "worker": app.state.notifications.dispatcher.worker}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
