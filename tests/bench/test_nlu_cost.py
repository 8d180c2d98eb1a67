"""The arithmetic of bench/nlu_cost.py: CPU ms per parse from seconds, the per-node table and its
remainder, and the graph hook that counts only once warmed up. Needs no model (nor Rasa)."""

from __future__ import annotations

import math
import time

import pytest

from bench.nlu_cost import NodeTimer, node_rows, render_comparison, rotated, summarise


def test_summary_is_in_milliseconds_with_interpolated_percentiles() -> None:
    s = summarise([0.010, 0.020, 0.030, 0.040, 0.100])
    assert s.n == 5
    assert s.p50 == pytest.approx(30.0)
    # position 0.95 * 4 = 3.8: 40 + 0.8 * (100 - 40)
    assert s.p95 == pytest.approx(88.0)
    assert s.mean == pytest.approx(40.0)


def test_summary_of_nothing_is_nan_not_an_error() -> None:
    s = summarise([])
    assert s.n == 0 and math.isnan(s.p50) and math.isnan(s.mean)


def test_node_rows_are_means_per_parse_costliest_first_and_the_rest_is_other() -> None:
    # 4 parses of 10 ms mean: DIET 24 ms in all, the tokenizer 4 ms in all
    rows = node_rows({"run_WhitespaceTokenizer0": 0.004, "run_DIETClassifier5": 0.024}, parses=4, total_ms=10.0)
    assert [name for name, _, _ in rows] == [
        "DIETClassifier5",
        "WhitespaceTokenizer0",
        "other (graph runner, parse_message's bookkeeping)",
    ]
    assert [ms for _, ms, _ in rows] == pytest.approx([6.0, 1.0, 3.0])
    assert [share for _, _, share in rows] == pytest.approx([0.6, 0.1, 0.3])


def test_node_rows_never_show_a_negative_remainder() -> None:
    # process_time's resolution can make the nodes add up to a hair over the whole parse
    rows = node_rows({"run_DIETClassifier5": 0.0101}, parses=1, total_ms=10.0)
    assert rows[-1][1] == 0.0
    assert node_rows({}, parses=0, total_ms=0.0) == []


def test_the_hook_counts_nothing_before_it_is_enabled() -> None:
    timer = NodeTimer()
    data = timer.on_before_node("run_DIETClassifier5", None, {}, {})
    timer.on_after_node("run_DIETClassifier5", None, {}, None, data)
    assert timer.seconds == {} and timer.runs == {}

    timer.enabled = True
    data = timer.on_before_node("run_DIETClassifier5", None, {}, {})
    deadline = time.process_time() + 0.002
    while time.process_time() < deadline:  # burn a little CPU
        pass
    timer.on_after_node("run_DIETClassifier5", None, {}, None, data)
    assert timer.runs == {"run_DIETClassifier5": 1}
    assert timer.seconds["run_DIETClassifier5"] >= 0.002


def test_models_take_turns_at_going_first() -> None:
    assert [rotated([0, 1, 2], turn) for turn in range(4)] == [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]
    assert rotated([], 3) == []


def test_the_comparison_has_a_line_per_model_with_each_language() -> None:
    def result(model: str, ms: float) -> dict:
        s = {"n": 2, "p50": ms, "p95": ms * 2, "mean": ms}
        return {"model": model, "per_language": {"ru": s, "az": s}, "all": s}

    text = render_comparison([result("base.tar.gz", 12.5), result("alt.tar.gz", 7.25)])
    assert "| ru p50 / mean | az p50 / mean |" in text
    assert "| alt.tar.gz | 7.25 / 7.25 | 7.25 / 7.25 | 7.25 / 14.50 / 7.25 |" in text
