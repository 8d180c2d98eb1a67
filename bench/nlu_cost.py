"""CPU per NLU parse of a trained model, as a rasa server spends it (issue 25).

Loads the model once (as scripts/nlu_report.py does), with TensorFlow on one intra-op and one
inter-op thread as scripts/run-rasa.sh starts the server, parses every held-out example
(tests/nlu/<lang>.yml) once to warm up (TensorFlow traces its prediction graphs on the first
calls), freezes the loaded heap as the server does (bot/runtime/patches/gc_pauses.py), then
parses them one at a time REPEAT times over. Prints CPU ms per parse (time.process_time, every
thread of the process) p50 / p95 / mean per language and overall: the processor's
parse_message, which is what the server runs on each customer message (the whole NLU graph:
tokenizer, featurizers, DIET, the exact-text classifier, synonyms, fallback, and Rasa's
bookkeeping around them). Then the mean CPU of each graph node, timed by a graph hook, so a
lighter configuration can be argued from where the time goes.

Several --model options compare configurations in one run: each message is parsed by every
model in turn (the order rotating), so the load of this shared machine falls on all alike.
`make bench-nlu` (RASA_MODEL or --model picks the model; --json writes the figures).
Accuracy of the same model: `make nlu-report`; both go in docs/nlu-pipeline.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.runner import percentile

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "tests" / "nlu"
# As scripts/run-rasa.sh: one message's inference is a few small matrices, and the server scales
# by process. Set before TensorFlow is imported (rasa's CLI applies them; a script must itself).
TF_THREADS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}


@dataclass(frozen=True)
class Summary:
    """CPU milliseconds per parse over `n` parses."""

    n: int
    p50: float
    p95: float
    mean: float


def summarise(seconds: Iterable[float]) -> Summary:
    values = [s * 1000 for s in seconds]
    if not values:
        return Summary(0, float("nan"), float("nan"), float("nan"))
    return Summary(len(values), percentile(values, 50), percentile(values, 95), statistics.fmean(values))


class NodeTimer:
    """A graph node hook (rasa.engine.graph.GraphNodeHook's two methods; GraphNode only calls
    them) adding each node's CPU seconds to `seconds[node]` and counting its runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.runs: dict[str, int] = {}
        self.enabled = False

    def on_before_node(self, node_name: str, execution_context: Any, config: Any, received_inputs: Any) -> dict:
        return {"start": time.process_time()}

    def on_after_node(
        self, node_name: str, execution_context: Any, config: Any, output: Any, input_hook_data: dict
    ) -> None:
        if self.enabled:
            spent = time.process_time() - input_hook_data["start"]
            self.seconds[node_name] = self.seconds.get(node_name, 0.0) + spent
            self.runs[node_name] = self.runs.get(node_name, 0) + 1

    def reset(self) -> None:
        self.seconds.clear()
        self.runs.clear()


def node_rows(seconds: dict[str, float], parses: int, total_ms: float) -> list[tuple[str, float, float]]:
    """(node, mean CPU ms per parse, share of the whole parse's mean), costliest first; the
    parse's own remainder (dask, Rasa's bookkeeping) as "other"."""
    if not parses:
        return []
    rows = [(name.removeprefix("run_"), spent * 1000 / parses) for name, spent in seconds.items()]
    rows.sort(key=lambda row: row[1], reverse=True)
    rows.append(("other (graph runner, parse_message's bookkeeping)", max(total_ms - sum(ms for _, ms in rows), 0.0)))
    return [(name, ms, ms / total_ms if total_ms else 0.0) for name, ms in rows]


def load_examples(langs: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The held-out texts per language (tests/nlu/<lang>.yml), in file order."""
    from rasa.shared.nlu.training_data.loading import load_data

    wanted = set(langs) if langs else None
    examples = {}
    for path in sorted(HELD_OUT.glob("*.yml")):
        if wanted is None or path.stem in wanted:
            examples[path.stem] = [m.get("text") for m in load_data(str(path)).intent_examples]
    return examples


def render(result: dict[str, Any]) -> str:
    per_lang = {lang: Summary(**s) for lang, s in result["per_language"].items()}
    overall, wall = Summary(**result["all"]), Summary(**result["wall"])
    before, after = result["load_average"]
    threads = "/".join(os.environ.get(name, "?") for name in TF_THREADS)
    lines = [
        f"\n# NLU CPU per parse: {result['model']}",
        f"({result['repeat']} pass(es) over tests/nlu after one warm-up pass; TF threads {threads};"
        f" {platform.machine()}, {os.cpu_count()} cores, load average {before:.1f} -> {after:.1f})\n",
        "| language | parses | CPU ms p50 | CPU ms p95 | CPU ms mean |",
        "|---|---:|---:|---:|---:|",
    ]
    for lang, s in [*per_lang.items(), ("all", overall)]:
        lines.append(f"| {lang} | {s.n} | {s.p50:.2f} | {s.p95:.2f} | {s.mean:.2f} |")
    lines.append(f"\nWall ms per parse, all: p50 {wall.p50:.2f}, p95 {wall.p95:.2f}, mean {wall.mean:.2f}")
    lines += [
        "\n## Where a parse's CPU goes (mean ms per parse)\n",
        "| graph node | CPU ms | share |",
        "|---|---:|---:|",
    ]
    lines += [f"| {row['node']} | {row['cpu_ms']:.3f} | {row['share']:.0%} |" for row in result["nodes"]]
    lines.append(f"\nmodel load: {result['load_cpu_s']} s CPU")
    return "\n".join(lines)


def render_comparison(results: list[dict[str, Any]]) -> str:
    """One line per model, measured in the same run, message by message in turn."""
    langs = list(results[0]["per_language"])
    lines = [
        "\n# Side by side (each message parsed by every model in turn, the order rotating)\n",
        "| model | " + " | ".join(f"{lang} p50 / mean" for lang in langs) + " | all p50 / p95 / mean |",
        "|---|" + "---:|" * (len(langs) + 1),
    ]
    for r in results:
        cells = [f"{r['per_language'][lang]['p50']:.2f} / {r['per_language'][lang]['mean']:.2f}" for lang in langs]
        a = r["all"]
        lines.append(
            f"| {r['model']} | " + " | ".join(cells) + f" | {a['p50']:.2f} / {a['p95']:.2f} / {a['mean']:.2f} |"
        )
    return "\n".join(lines)


def rotated(items: list, turn: int) -> list:
    """items starting at turn's position, so that no model always parses a message first."""
    k = turn % len(items) if items else 0
    return items[k:] + items[:k]


async def measure(models: list[str], repeat: int, langs: Iterable[str] | None) -> list[dict[str, Any]]:
    for name, value in TF_THREADS.items():
        os.environ.setdefault(name, value)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog
    from rasa.utils.tensorflow.environment import setup_tf_environment

    setup_tf_environment()
    # Without this, structlog prints a debug line per parsed message (the server logs at INFO).
    configure_structlog(logging.WARNING)
    agents, timers, load_cpu = [], [], []
    for model in models:
        started = time.process_time()
        agents.append(Agent.load(model))
        load_cpu.append(time.process_time() - started)
        timers.append(NodeTimer())
        # The runner's nodes are private to Rasa; without them only the per-node table is lost.
        for node in getattr(agents[-1].processor.graph_runner, "_instantiated_nodes", {}).values():
            node._hooks.append(timers[-1])
    examples = load_examples(langs)
    for agent in agents:
        for texts in examples.values():
            for text in texts:
                await agent.parse_message(text)
    gc.collect()
    gc.freeze()
    for timer in timers:
        timer.enabled = True
    cpu = [{lang: [] for lang in examples} for _ in models]
    wall: list[list[float]] = [[] for _ in models]
    turn = 0
    load_before = os.getloadavg()[0]
    for _ in range(repeat):
        for lang, texts in examples.items():
            for text in texts:
                for i in rotated(list(range(len(models))), turn):
                    w0, c0 = time.perf_counter(), time.process_time()
                    await agents[i].parse_message(text)
                    cpu[i][lang].append(time.process_time() - c0)
                    wall[i].append(time.perf_counter() - w0)
                turn += 1
    results = []
    for i, model in enumerate(models):
        overall = summarise(v for values in cpu[i].values() for v in values)
        nodes = node_rows(timers[i].seconds, overall.n, overall.mean)
        results.append(
            {
                "model": model,
                "repeat": repeat,
                "load_average": [load_before, os.getloadavg()[0]],
                "load_cpu_s": round(load_cpu[i], 2),
                "per_language": {lang: asdict(summarise(values)) for lang, values in cpu[i].items()},
                "all": asdict(overall),
                "wall": asdict(summarise(wall[i])),
                "nodes": [{"node": n, "cpu_ms": round(ms, 4), "share": round(share, 4)} for n, ms, share in nodes],
            }
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_cost", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--model",
        action="append",
        help="a trained model; several to compare them in one run (default: RASA_MODEL, else models/complaints.tar.gz)",
    )
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "3")))
    parser.add_argument("--langs", default=os.environ.get("BENCH_LANGS"), help="e.g. ru,az (default: every file)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    langs = args.langs.split(",") if args.langs else None
    models = args.model or [os.environ.get("RASA_MODEL", str(ROOT / "models" / "complaints.tar.gz"))]
    results = asyncio.run(measure(models, args.repeat, langs))
    for result in results:
        print(render(result))
    if len(results) > 1:
        print(render_comparison(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
