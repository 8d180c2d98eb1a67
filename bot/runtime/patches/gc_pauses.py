# Changes: the rasa server process's garbage collection (CPython's full collections walk the millions of
# objects of TensorFlow, the model and Rasa, with the event loop stopped), not a Rasa function.
# Shown by: tests/rasa_bot/runtime/patches/test_gc_pauses.py (the loaded heap frozen, later garbage still
# collected, every pause timed); measured by `make bench-load` (docs/scale-out.md, "Capacity").
"""Garbage-collector pauses of a rasa server: measured, and kept short.

A rasa server's heap holds TensorFlow, the loaded model and Rasa's own modules: millions of
objects that live as long as the process. CPython's full (generation 2) collection walks
every one of them, with the event loop stopped, so each in-flight turn waits for it. Measured
under `make bench-load` with 20 web chat customers (docs/scale-out.md, "Capacity"): eight
full collections in 40 s, up to 0.58 s each, and the confirmation turns caught behind them
decided the level's p95.

- `freeze()` collects once and then moves every object alive into the permanent generation
  (`gc.freeze()`), which later collections do not walk. It runs when the server has started
  (the agent is loaded by then) and once more after the first customer turn, which builds
  TensorFlow's prediction graphs. Only objects alive at those two moments are frozen: a
  conversation's trackers and events come later and are collected as before.
  `RASA_GC_FREEZE=0` turns it off (to compare: `RASA_GC_FREEZE=0 make bench-load`).
- `install()` times every collection into `rasa_gc_pause_seconds{generation}` on /metrics, so an
  operator sees the pauses rather than guesses them; `rasa_gc_frozen_objects` shows the freeze.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from typing import Any

from prometheus_client import Gauge, Histogram

logger = logging.getLogger(__name__)

GC_PAUSE_SECONDS = Histogram(
    "rasa_gc_pause_seconds",
    "Time the garbage collector stopped the rasa server, by generation collected",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0),
)
FROZEN_OBJECTS = Gauge("rasa_gc_frozen_objects", "Objects kept out of garbage collection (gc.freeze)")
FROZEN_OBJECTS.set_function(gc.get_freeze_count)

_started: dict[int, float] = {}
_freezes_done = 0
_FREEZES_WANTED = 2  # at server start, and after the first turn


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    generation = int(info.get("generation", 0))
    if phase == "start":
        _started[generation] = time.perf_counter()
        return
    began = _started.pop(generation, None)
    if began is not None:
        GC_PAUSE_SECONDS.labels(str(generation)).observe(time.perf_counter() - began)


def install() -> None:
    """Time every collection of this process (once, however often it is called)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def freeze(reason: str) -> int:
    """Collect, then keep every object alive now out of later collections.

    Returns the number of objects frozen in all (gc.get_freeze_count())."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info(
        "garbage collector: %d objects frozen (%s) in %.0f ms",
        frozen,
        reason,
        (time.perf_counter() - started) * 1000,
    )
    return frozen


def freeze_at_start() -> None:
    """For the server's after_server_start: the agent and its model are loaded by then."""
    global _freezes_done
    if _freezes_done == 0 and os.environ.get("RASA_GC_FREEZE", "1") != "0":
        _freezes_done = 1
        freeze("server started")


def after_turn() -> None:
    """Called when a customer turn has ended: the first one has built TensorFlow's graphs."""
    global _freezes_done
    if 0 < _freezes_done < _FREEZES_WANTED:
        _freezes_done = _FREEZES_WANTED
        freeze("first turn done")
