"""Benchmark of contract.langid over every TSV file in the langid benchmark folder.

Prints, per file, accuracy per language (ru, az, ro, tr, en) and messages per
second for contract.langid.detect and two baselines: plain lingua restricted to
the same five languages, and langdetect (the port of Google's language-detection)
restricted to the four of them it has - it has no Azerbaijani, so its az column
is 0 by construction. Run with `make bench-langid` (the backend's environment,
which has langdetect); set LANGID_BENCH_DIR to measure another folder of
`lang<TAB>text` files.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from contract import langid

LANGS = ("ru", "az", "ro", "tr", "en")
NOT_IN_LANGDETECT = {"az"}
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "langid"


def load(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [(r["lang"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]


def lingua_only(text: str) -> str | None:
    scores = langid._scores(text)
    return max(scores, key=scores.get)


def langdetect_baseline() -> Callable[[str], str | None]:
    """langdetect with only the profiles of our languages it has, seeded (it samples at random)."""
    factory = DetectorFactory()
    factory.set_seed(0)
    factory.load_json_profile(
        [
            (Path(PROFILES_DIRECTORY) / lang).read_text(encoding="utf-8")
            for lang in LANGS
            if lang not in NOT_IN_LANGDETECT
        ]
    )

    def detect(text: str) -> str | None:
        try:
            detector = factory.create()
            detector.append(text)
            return detector.detect()
        except LangDetectException:  # no letters it knows
            return None

    return detect


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
        "contract.langid.detect": lambda t: langid.detect(t).language,
        "lingua 5 langs (baseline)": lingua_only,
        "langdetect, no az (baseline)": langdetect_baseline(),
    }
    print(f"# langid benchmark ({folder})\nAccuracy in % of rows of each language; msg/s is the median of 3 passes.")
    print(
        f"langdetect has no Azerbaijani ({', '.join(sorted(NOT_IN_LANGDETECT))}): it scores 0 there by construction.\n"
    )
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
