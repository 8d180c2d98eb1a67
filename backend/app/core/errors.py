"""Errors as the routes answer them: field-level errors in the shape of FastAPI's own 422
answers (`detail`: a list of {type, loc, msg, input}) for what only a route or a policy can
check, and a service's refusals (its own exceptions) as HTTP statuses."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from fastapi import HTTPException
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


@contextmanager
def refusals(statuses: Mapping[type[Exception], HTTPStatus]) -> Iterator[None]:
    """Inside the block, a service's refusal of one of these types becomes an HTTP answer
    with that status and the refusal's message as `detail`."""
    try:
        yield
    except tuple(statuses) as exc:
        status = next(code for kind, code in statuses.items() if isinstance(exc, kind))
        raise HTTPException(status_code=status, detail=str(exc)) from None
