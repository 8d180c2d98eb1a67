"""Cross-language NLU report on the held-out split (tests/nlu/<lang>.yml).

Loads the trained model once, parses every held-out example and prints intent
accuracy and entity F1 (exact span, type and value) per language. Exits 1 when
a language's intent accuracy is under NLU_MIN_INTENT_ACCURACY (default 0.93).
Run with `make nlu-report`.
"""

from __future__ import annotations

import asyncio
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


async def main() -> int:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    model = os.environ.get("RASA_MODEL", str(ROOT / "models" / "complaints.tar.gz"))
    floor = float(os.environ.get("NLU_MIN_INTENT_ACCURACY", "0.93"))
    agent = Agent.load(model)
    rows = []
    confusions: dict[str, Counter] = {}
    for path in sorted((ROOT / "tests" / "nlu").glob("*.yml")):
        lang = path.stem
        data = load_data(str(path))
        right = total = 0
        tp = fp = fn = 0
        confusions[lang] = Counter()
        for example in data.intent_examples:
            parsed = await agent.parse_message(example.get("text"))
            got = parsed["intent"]["name"]
            want = example.get("intent")
            total += 1
            if got == want:
                right += 1
            else:
                confusions[lang][(want, got)] += 1
            expected = entity_set(example.get("entities"))
            predicted = entity_set(parsed.get("entities"))
            tp += len(expected & predicted)
            fp += len(predicted - expected)
            fn += len(expected - predicted)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((lang, total, right / total, f1, precision, recall))

    print("\n# NLU held-out report (tests/nlu, never seen in training)\n")
    print("| language | examples | intent accuracy | entity F1 | entity precision | entity recall |")
    print("|---|---|---|---|---|---|")
    for lang, total, acc, f1, p, r in rows:
        print(f"| {lang} | {total} | {acc:.1%} | {f1:.1%} | {p:.1%} | {r:.1%} |")
    print()
    for lang, counter in confusions.items():
        if counter:
            top = ", ".join(f"{w}->{g} x{n}" for (w, g), n in counter.most_common(5))
            print(f"{lang}: most frequent intent errors: {top}")
    failing = [lang for lang, _, acc, *_ in rows if acc < floor]
    if failing:
        print(f"\nintent accuracy under {floor:.0%} in: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
