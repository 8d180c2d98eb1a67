"""Reads response texts from the domain (labels of the summary), so no
customer-facing text lives in Python."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _domain_file_responses() -> dict[str, Any]:
    """domain.yml's responses, for the action run on every message, to which Rasa sends no
    domain (endpoints.yml: enable_selective_domain keeps that call light)."""
    with (ROOT / "domain.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("responses") or {}


def response_text(domain: dict[str, Any], name: str, language: str | None) -> str:
    responses = (domain or {}).get("responses") or _domain_file_responses()
    variations = responses.get(name) or []
    default = None
    for variation in variations:
        if variation.get("channel"):
            continue  # a channel's own wording (e-mail's list of what is missing)
        conditions = variation.get("condition") or []
        if not conditions:
            default = default or variation.get("text")
            continue
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return variation.get("text") or ""
    return default or name
