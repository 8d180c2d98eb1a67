"""Customer messages Rasa would read as an intent the customer may not trigger.

Rasa reads a message that starts with "/" as `/<intent>@<confidence>{<entities>}` and skips NLU
(rasa.nlu.classifiers.regex_message_handler). The backend triggers the `EXTERNAL_*` intents
through Rasa's HTTP API, and the action server trusts their entities (a tracking number, a
decision): typed by a customer, they act on someone else's complaint. So a typed message with an
`EXTERNAL_` intent or with entities is forged, unless it is exactly the payload of a button the
domain offers. No rasa imports: tested in the backend's environment too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

INTENT_PREFIX = "/"  # rasa.shared.constants.INTENT_MESSAGE_PREFIX
BACKEND_ONLY = "external_"  # compared in lower case: no letter case slips past
_BUTTON_KEYS = ("buttons", "quick_replies")


def forged(text: str | None, payloads: frozenset[str]) -> bool:
    """True for a message that names a backend-only intent or carries entities, and is no button
    payload of the domain. Broader than Rasa's own pattern on purpose: any "{" counts."""
    typed = (text or "").strip()  # Rasa strips the text the same way before reading it
    if not typed.startswith(INTENT_PREFIX) or typed in payloads:
        return False
    intent = typed[len(INTENT_PREFIX) :].split("{", 1)[0].split("@", 1)[0].strip()
    return intent.lower().startswith(BACKEND_ONLY) or "{" in typed


def button_payloads(responses: Mapping[str, Any]) -> frozenset[str]:
    """Every button payload of the domain's responses, as the customer's client sends it back:
    Rasa renders `{{`/`}}` in a response as `{`/`}` (rasa.core.nlg.interpolator)."""
    found: set[str] = set()
    for payload in _payloads(responses):
        found.add(payload.strip())
        found.add(_rendered(payload).strip())
    return frozenset(found)


def _payloads(node: Any) -> Iterable[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in _BUTTON_KEYS and isinstance(value, list):
                for button in value:
                    if isinstance(button, Mapping) and isinstance(button.get("payload"), str):
                        yield button["payload"]
            else:
                yield from _payloads(value)
    elif isinstance(node, list):
        for item in node:
            yield from _payloads(item)


def _rendered(payload: str) -> str:
    try:
        return payload.format()
    except (IndexError, KeyError, ValueError):
        return payload  # a slot placeholder: Rasa sends it as written when no value fills it
