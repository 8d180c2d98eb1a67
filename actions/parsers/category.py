"""The category of a complaint the customer was not asked for, from its text: the policy's
categories' keywords in the customer's language (contract/policies/<id>.yml), folded and
matched at the start of a word, so "доставку" finds "доставк" and "siparişim" "sipariş".

One category must have more matching keywords than any other; a tie or no match leaves the
category empty (the policy's handoff team gets the complaint) rather than guess."""

from __future__ import annotations

import re

from contract.policy import IntakePolicy
from contract.text import fold

_WORD_START = r"(?<![^\W_])"


def _pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(_WORD_START + re.escape(fold(keyword)))


def infer_category(text: str | None, language: str | None, policy: IntakePolicy) -> str | None:
    """The one best-matching category, or None (no text, no keywords, no match, or a tie)."""
    if not text or not language:
        return None
    folded = fold(text)
    scores: dict[str, int] = {}
    for category in policy.categories:
        hits = sum(1 for keyword in category.keywords.get(language, ()) if _pattern(keyword).search(folded))
        if hits:
            scores[category.id] = hits
    if not scores:
        return None
    ranked = sorted(scores.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return None
    return max(scores, key=lambda category_id: scores[category_id])
