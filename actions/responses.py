"""Reads response texts from the domain (labels of the summary), so no
customer-facing text lives in Python."""

from __future__ import annotations

from typing import Any


def response_text(domain: dict[str, Any], name: str, language: str | None) -> str:
    variations = (domain.get("responses") or {}).get(name) or []
    default = None
    for variation in variations:
        conditions = variation.get("condition") or []
        if not conditions:
            default = default or variation.get("text")
            continue
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return variation.get("text") or ""
    return default or name
