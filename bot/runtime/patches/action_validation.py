# Changes: rasa.core.actions.action.RemoteAction._validate_action_result (Rasa checks every action
# server response with jsonschema.validate, re-checking the schema and building a validator each time).
# Shown by: tests/rasa_bot/runtime/patches/test_action_validation.py (same verdicts and errors as Rasa's).
"""Action server responses validated against a validator built once, not once per response.

Rasa 3.6 checks every response of the action server (`RemoteAction._validate_action_result`)
with `jsonschema.validate(result, schema)`, which first validates the fixed response schema
against JSON Schema's meta-schema and builds a new validator, on every call. A form turn here
calls the action server two or three times, so that repeated schema check was about a quarter
of the rasa server's CPU per customer message under `make bench-load` (py-spy): 4.6-6 ms per
response with the stock call against 1.2 ms with a validator built once (the same schema, the
same checks, the same error; measured on a three-event response).

`install()` replaces the method on `RemoteAction` (bot.runtime.patches.install_all calls it).
Nothing changes for a
response: a valid one passes, an invalid one raises the same `ValidationError` with Rasa's
explanation appended.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_STOCK = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def uninstall() -> None:
    RemoteAction._validate_action_result = _STOCK  # type: ignore[method-assign]
