"""Reading a conversation's replies the way the end-to-end tests do: the domain's texts per
language, a slot from Rasa's tracker, the tracking number in the bot's answers."""

from __future__ import annotations

from pathlib import Path

import yaml

from contract import tracking

ROOT = Path(__file__).resolve().parents[2]
TRACKING = tracking.IN_REPLY


def domain_texts(response: str) -> dict[str, str]:
    """The text of a response per language, from domain.yml."""
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    variations = (data.get("responses") or {}).get(response)
    if not variations:
        raise KeyError(response)
    return {c["value"]: v["text"] for v in variations for c in v.get("condition") or [] if c.get("name") == "language"}


def slot(stack, sender: str, name: str):
    return stack.tracker(sender)["slots"].get(name)


def tracking_number(replies: list[dict]) -> str | None:
    for r in replies:
        m = TRACKING.search(r.get("text") or "")
        if m:
            return m.group(0)
    return None
