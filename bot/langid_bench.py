"""Benchmark of bot.langid over every TSV file in the langid benchmark folder.

Prints, per file, accuracy per language (ru, az, ro, tr, en) and messages per
second for bot.langid.detect and, as the baseline, plain lingua restricted to
the same five languages. Run with `make bench-langid`; set LANGID_BENCH_DIR to
measure another folder of `lang<TAB>text` files.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from contract import langid

LANGS = ("ru", "az", "ro", "tr", "en")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "langid"


def load(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [(r["lang"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]


def lingua_only(text: str) -> str | None:
    scores = langid._scores(text)
    return max(scores, key=scores.get)


def measure(method, rows, repeats: int = 3) -> tuple[dict[str, float], float]:
    for _, text in rows[:20]:
        method(text)
    right, total = Counter(), Counter()
    rates = []
    for i in range(repeats):
        start = time.perf_counter()
        answers = [method(text) for _, text in rows]
        rates.append(len(rows) / (time.perf_counter() - start))
        if i == 0:
            for (lang, _), got in zip(rows, answers, strict=True):
                total[lang] += 1
                right[lang] += got == lang
    acc = {lang: 100.0 * right[lang] / total[lang] for lang in LANGS if total[lang]}
    acc["all"] = 100.0 * sum(right.values()) / sum(total.values())
    return acc, statistics.median(rates)


def main() -> int:
    folder = Path(os.environ.get("LANGID_BENCH_DIR", DEFAULT_DIR))
    files = sorted(folder.glob("*.tsv"))
    if not files:
        print(f"no .tsv files in {folder}", file=sys.stderr)
        return 1
    langid.warm_up()
    methods = {
        "bot.langid.detect": lambda t: langid.detect(t).language,
        "lingua 5 langs (baseline)": lingua_only,
    }
    print(f"# langid benchmark ({folder})\nAccuracy in % of rows of each language; msg/s is the median of 3 passes.\n")
    for path in files:
        rows = load(path)
        print(f"## {path.name} (n={len(rows)})\n")
        print("| method | " + " | ".join(LANGS) + " | all | msg/s |")
        print("|---" * (len(LANGS) + 3) + "|")
        for name, method in methods.items():
            acc, rate = measure(method, rows)
            cells = " | ".join(f"{acc.get(lang, float('nan')):.1f}" for lang in (*LANGS, "all"))
            print(f"| {name} | {cells} | {rate:,.0f} |")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
