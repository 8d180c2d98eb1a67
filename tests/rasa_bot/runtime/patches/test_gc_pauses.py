"""bot/runtime/patches/gc_pauses.py: the heap alive at start is frozen, later garbage is still collected, and
every collection's pause is timed. Each check in a fresh interpreter: gc.freeze is process-wide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]

# Each check starts a fresh interpreter of the Rasa environment: not in make test-unit.
pytestmark = pytest.mark.integration


def run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_the_heap_alive_at_start_is_frozen_and_later_cycles_are_still_collected():
    out = run(
        """
import gc, weakref
from bot.runtime.patches import gc_pauses
class Node: pass
kept = [Node() for _ in range(50_000)]
for a, b in zip(kept, kept[1:]): a.next, b.prev = b, a
gc_pauses.freeze_at_start()
frozen = gc.get_freeze_count()
late = Node(); late.me = late; probe = weakref.ref(late); del late
gc.collect()
print(frozen >= 50_000, probe() is None)
"""
    )
    assert out == ["True", "True"]


def test_it_freezes_at_start_and_after_the_first_turn_only():
    out = run(
        """
import gc
from bot.runtime.patches import gc_pauses
gc_pauses.after_turn(); print(gc.get_freeze_count())           # before start: nothing
gc_pauses.freeze_at_start(); first = gc.get_freeze_count()
junk = [[i] for i in range(20_000)]
gc_pauses.after_turn(); second = gc.get_freeze_count()
more = [[i] for i in range(20_000)]
gc_pauses.after_turn(); gc_pauses.freeze_at_start(); third = gc.get_freeze_count()
print(first > 0, second >= first + 20_000, third == second)
"""
    )
    assert out == ["0", "True", "True", "True"]


def test_every_collection_is_timed_on_metrics_by_generation():
    out = run(
        """
import gc
from prometheus_client import generate_latest
from bot.runtime.patches import gc_pauses
gc_pauses.install(); gc_pauses.install()
assert gc.callbacks.count(gc_pauses._on_gc) == 1
gc.collect(2); gc.collect(0)
text = generate_latest().decode()
def count(g):
    line = [l for l in text.splitlines() if l.startswith(f'rasa_gc_pause_seconds_count{{generation="{g}"}}')]
    return float(line[0].split()[-1]) if line else 0.0
print(count(2) >= 1, count(0) >= 1, "rasa_gc_frozen_objects 0.0" in text)
"""
    )
    assert out == ["True", "True", "True"]


def test_rasa_gc_freeze_0_turns_the_freeze_off():
    out = run(
        """
import gc, os
os.environ["RASA_GC_FREEZE"] = "0"
from bot.runtime.patches import gc_pauses
gc_pauses.freeze_at_start(); gc_pauses.after_turn()
print(gc.get_freeze_count())
"""
    )
    assert out == ["0"]
