"""Cross-language NLU report on the held-out split (tests/nlu/<lang>.yml).

Loads the trained model once, parses every held-out example and prints intent
accuracy and entity F1 (exact span and type) per language, then F1 per language
and entity type. NLU_REPORT_ERRORS=1 also prints each example whose entities
differ (expected vs predicted spans): what to read to fix the training data.
Exits 1 when a language's intent accuracy is under NLU_MIN_INTENT_ACCURACY
(default 0.93). Run with `make nlu-report` (RASA_MODEL picks another model).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def entity_set(entities) -> set[tuple]:
    return {
        (e["entity"], int(e["start"]), int(e["end"]))
        for e in entities or []
        if e.get("extractor") != "RegexEntityExtractor"
    }


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """F1, precision, recall; a class with nothing expected nor predicted scores 1."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return score, precision, recall


def spans(text: str, entities: set[tuple]) -> str:
    return ", ".join(f"{kind}={text[start:end]!r}" for kind, start, end in sorted(entities, key=lambda e: e[1])) or "-"


async def main() -> int:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.log_utils import configure_structlog

    # Without this, structlog prints a debug line per parsed message, burying the tables.
    configure_structlog(logging.WARNING)
    model = os.environ.get("RASA_MODEL", str(ROOT / "models" / "complaints.tar.gz"))
    floor = float(os.environ.get("NLU_MIN_INTENT_ACCURACY", "0.93"))
    show_errors = os.environ.get("NLU_REPORT_ERRORS") == "1"
    agent = Agent.load(model)
    rows = []
    confusions: dict[str, Counter] = {}
    # per (language, entity type): [tp, fp, fn]
    by_type: dict[tuple[str, str], list[int]] = {}
    errors: list[str] = []
    for path in sorted((ROOT / "tests" / "nlu").glob("*.yml")):
        lang = path.stem
        data = load_data(str(path))
        right = total = 0
        confusions[lang] = Counter()
        for example in data.intent_examples:
            text = example.get("text")
            parsed = await agent.parse_message(text)
            got = parsed["intent"]["name"]
            want = example.get("intent")
            total += 1
            if got == want:
                right += 1
            else:
                confusions[lang][(want, got)] += 1
            expected = entity_set(example.get("entities"))
            predicted = entity_set(parsed.get("entities"))
            for kind in {e[0] for e in expected | predicted}:
                exp = {e for e in expected if e[0] == kind}
                pred = {e for e in predicted if e[0] == kind}
                counts = by_type.setdefault((lang, kind), [0, 0, 0])
                counts[0] += len(exp & pred)
                counts[1] += len(pred - exp)
                counts[2] += len(exp - pred)
            if expected != predicted:
                errors.append(
                    f"[{lang}] {text}\n    expected:  {spans(text, expected)}\n    predicted: {spans(text, predicted)}"
                )
        totals = [sum(c[i] for (lg, _), c in by_type.items() if lg == lang) for i in range(3)]
        rows.append((lang, total, right / total, *f1(*totals)))

    print("\n# NLU held-out report (tests/nlu, never seen in training)\n")
    print("| language | examples | intent accuracy | entity F1 | entity precision | entity recall |")
    print("|---|---|---|---|---|---|")
    for lang, total, acc, score, p, r in rows:
        print(f"| {lang} | {total} | {acc:.1%} | {score:.1%} | {p:.1%} | {r:.1%} |")
    kinds = sorted({kind for _, kind in by_type})
    print("\n## Entity F1 per type (expected count in brackets)\n")
    print("| language | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for lang, *_ in rows:
        cells = []
        for kind in kinds:
            tp, fp, fn = by_type.get((lang, kind), [0, 0, 0])
            cells.append(f"{f1(tp, fp, fn)[0]:.1%} ({tp + fn})" if tp + fp + fn else "-")
        print(f"| {lang} | " + " | ".join(cells) + " |")
    print()
    for lang, counter in confusions.items():
        if counter:
            top = ", ".join(f"{w}->{g} x{n}" for (w, g), n in counter.most_common(5))
            print(f"{lang}: most frequent intent errors: {top}")
    if show_errors:
        print(f"\n## Examples whose entities differ ({len(errors)})\n")
        print("\n".join(errors))
    failing = [lang for lang, _, acc, *_ in rows if acc < floor]
    if failing:
        print(f"\nintent accuracy under {floor:.0%} in: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
