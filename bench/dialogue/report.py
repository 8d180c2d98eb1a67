"""What `make bench-dialogue` prints and keeps: per half (held-out first) the figures per
language and per policy, field accuracy per language, the failing customers; the full results
as JSON and each failing conversation's transcript for debugging."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.dialogue.customers import HALVES, LANGUAGES
from bench.dialogue.score import Outcome, field_accuracy, figures, group_by
from bench.dialogue.simulate import Conversation
from bench.runner import markdown_table
from contract.fields import INTAKE_SLOTS

FIGURE_HEADER = ["customers", "completed %", "median turns", "over ideal %", "fields right %"]


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0f}"


def _figure_row(label: str, outcomes: Sequence[Outcome]) -> list[object]:
    f = figures(outcomes)
    turns = "–" if math.isnan(f.median_turns) else f"{f.median_turns:g}"
    return [label, f.customers, _pct(f.completion), turns, _pct(f.over_ideal), _pct(f.field_accuracy)]


def figures_table(outcomes: Sequence[Outcome], key: str) -> str:
    rows = [_figure_row(name, group) for name, group in group_by(outcomes, key).items()]
    rows.append(_figure_row("all", outcomes))
    return markdown_table([key, *FIGURE_HEADER], rows)


def fields_table(outcomes: Sequence[Outcome]) -> str:
    accuracy = field_accuracy(outcomes)
    languages = [lang for lang in LANGUAGES if any(lang in per for per in accuracy.values())]
    rows = [
        [name, *(_pct(accuracy[name].get(lang, math.nan)) for lang in languages)]
        for name in INTAKE_SLOTS
        if name in accuracy
    ]
    return markdown_table(["field (% right)", *languages], rows)


def failure_lines(outcome: Outcome) -> list[str]:
    """`id: field expected X, got Y` per wrong field, and why it was not completed."""
    cid = outcome.customer.id
    if outcome.file_fault:
        return [f"{cid}: CUSTOMER FILE: {outcome.file_fault}"]
    lines = [] if outcome.completed else [f"{cid}: not completed ({outcome.why}, {outcome.turns} messages)"]
    for name, ok in outcome.fields.items():
        if not ok:
            lines.append(f"{cid}: {name} expected {outcome.customer.expect[name]!r}, got {outcome.stored.get(name)!r}")
    return lines


def render(outcomes: Sequence[Outcome]) -> str:
    """The printed report: each half present, held-out first, then the failures."""
    parts: list[str] = []
    for half, group in sorted(group_by(outcomes, "half").items(), key=lambda kv: HALVES.index(kv[0])):
        parts += [
            f"## Half: {half}",
            "",
            figures_table(group, "language"),
            "",
            figures_table(group, "policy"),
            "",
            fields_table(group),
            "",
        ]
        faults = [o for o in group if o.file_fault]
        if faults:
            parts += [f"{len(faults)} customer(s) left out of the figures: their file lacks an answer", ""]
        failing = [line for o in group if o.failed for line in failure_lines(o)]
        parts += [f"### Failing customers ({half}): {sum(o.failed for o in group)}", ""]
        parts += [f"- {line}" for line in failing] or ["none"]
        parts.append("")
    return "\n".join(parts)


def _outcome_json(outcome: Outcome, talk: Conversation) -> dict[str, Any]:
    c = outcome.customer
    return {
        "id": c.id,
        "language": c.language,
        "policy": c.policy,
        "half": c.half,
        "completed": outcome.completed,
        "why": outcome.why,
        "file_fault": outcome.file_fault,
        "turns": outcome.turns,
        "ideal_turns": outcome.ideal,
        "fields": dict(outcome.fields),
        "expected": dict(c.expect),
        "stored": dict(outcome.stored),
        "tracking_number": talk.tracking_number,
        "seconds": round(talk.seconds, 2),
        "sender": talk.sender,
    }


def transcript_markdown(outcome: Outcome, talk: Conversation) -> str:
    lines = [f"# {outcome.customer.id} ({outcome.customer.policy}, {outcome.customer.half})", ""]
    lines += [f"- {line}" for line in failure_lines(outcome)] + [""]
    for entry in talk.transcript:
        if "customer" in entry:
            lines.append(f"**customer:** {entry['customer']}")
        elif "bot" in entry:
            buttons = f"  _[{', '.join(entry['buttons'])}]_" if entry["buttons"] else ""
            lines.append(f"> {entry['bot']}".replace("\n", "\n> ") + buttons)
        else:
            lines.append(f"_(requested_slot: {entry['asked']})_")
        lines.append("")
    lines += ["## Final slots", "", "```json", json.dumps(dict(outcome.stored), ensure_ascii=False, indent=2), "```"]
    return "\n".join(lines) + "\n"


def write_results(
    directory: Path, stamp: str, results: Sequence[tuple[Outcome, Conversation]], meta: dict[str, Any]
) -> Path:
    """var/results/dialogue/<stamp>.json, and transcripts/<id>.md of each failing conversation
    (a customer that passes now loses the transcript of an earlier failure)."""
    transcripts = directory / "transcripts"
    transcripts.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stamp}.json"
    payload = {**meta, "customers": [_outcome_json(o, t) for o, t in results]}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    for outcome, talk in results:
        transcript = transcripts / f"{outcome.customer.id}.md"
        if outcome.failed:
            transcript.write_text(transcript_markdown(outcome, talk), encoding="utf-8")
        else:
            transcript.unlink(missing_ok=True)
    return path
