"""Field-level errors in the shape of FastAPI's own 422 answers (`detail`: a list of
{type, loc, msg, input}), for what only a route or a policy can check."""

from typing import Any

from fastapi.exceptions import RequestValidationError


def field_error(
    where: str, field: str, message: str, value: Any = None, *, kind: str = "value_error"
) -> dict[str, Any]:
    """One error; `where` is body, query or path."""
    return {"type": kind, "loc": (where, field), "msg": message, "input": value}


def invalid(
    where: str, field: str, message: str, value: Any = None, *, kind: str = "value_error"
) -> RequestValidationError:
    """A 422 answer with this one error, to raise."""
    return RequestValidationError([field_error(where, field, message, value, kind=kind)])
