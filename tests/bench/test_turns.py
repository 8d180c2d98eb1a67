"""bench.turns' own arithmetic: the CPU of a process session, and turns put in length buckets."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.load import Proc
from bench.turns import RunFigures, TurnFigure, cpu_ns, report, session_pids

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def test_the_cpu_of_a_session_counts_its_threads_and_nothing_else(tmp_path: Path):
    burner = subprocess.Popen([sys.executable, "-c", BURN], start_new_session=True)
    proc = Proc("burner", burner, tmp_path / "burner.log")
    try:
        deadline = time.monotonic() + 10
        while cpu_ns(proc) < 0.3e9 and time.monotonic() < deadline:
            time.sleep(0.05)
        spent = cpu_ns(proc)
        time.sleep(0.2)  # it sleeps now: no more CPU
        assert 0.3e9 <= spent < 0.6e9
        assert session_pids(proc) == [burner.pid]
        assert cpu_ns(proc, [burner.pid]) - spent < 0.05e9
    finally:
        proc.stop()


def test_turns_are_reported_by_step_and_by_the_length_they_start_at():
    run = RunFigures("sqlite", registered=2, complaints=2, cpu_ms={"rasa": 31.5, "actions": 6.0})
    run.turns = [
        TurnFigure("opening", 0, 0, 100.0, 30.0, 2),
        TurnFigure("name", 0, 12, 120.0, 32.0, 1),
        TurnFigure("opening", 1, 55, 140.0, 35.0),
        TurnFigure("opening", 3, 210, 400.0, 90.0),
        TurnFigure("name", 3, 300, 999.0, 99.0),  # beyond the last bucket: in none
    ]
    text = report([run])
    assert "| opening | 1 | 100 | 30.0 | 2.00 |" in text  # the first complaint only
    assert "| every step | 2 | 110 | 31.0 | 1.50 |" in text
    assert "| ~10 | 2 | 6 | 110 | 31.0 |" in text
    assert "| ~50 | 1 | 55 | 140 | 35.0 |" in text
    assert "| ~200 | 1 | 210 | 400 | 90.0 |" in text
    assert "| rasa | 31.5 |" in text
    assert "| complaint 4 | 2 | 210-300 | 700 | 94.5 |" in text
