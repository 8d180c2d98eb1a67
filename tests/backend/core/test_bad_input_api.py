"""Bad requests get a clear 4xx and change nothing: the row count of every table (and the
files in the attachment store) is the same afterwards."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent

Payload = Callable[..., dict[str, Any]]
Register = Callable[..., dict[str, Any]]
Counts = Callable[[], dict[str, int]]
Headers = dict[str, str]

ONE_MB = 1024 * 1024
AGENT, SERVICE, ADMIN, NONE, WRONG = "agent", "service", "admin", "none", "wrong"


@pytest.fixture
def seeded(
    register: Register,
    make_agent: Callable[..., Agent],
    login: Callable[..., Headers],
    agent_headers: Headers,
    service_headers: Headers,
) -> dict[str, Any]:
    """One complaint, and headers_for(caller) (an admin account is made only when asked for)."""

    def headers_for(caller: str) -> Headers:
        if caller == ADMIN:
            make_agent("root", role="admin")
            return login("root")
        return {AGENT: agent_headers, SERVICE: service_headers, NONE: {}, WRONG: {"Authorization": "Bearer nope"}}[
            caller
        ]

    return {"number": register("eurolux")["tracking_number"], "headers_for": headers_for}


def _complaint(**overrides: Any) -> dict[str, Any]:
    body = {
        "full_name": "Məmmədov Əli",
        "phone": "050 123 45 67",
        "complaint_text": "Televizor çatdırılmadı.",
        "language": "az",
        "channel": "rest",
        **overrides,
    }
    return {key: value for key, value in body.items() if value is not None}


# (name, method, path, caller, json body or raw bytes, expected status, words the message contains)
CASES: list[tuple[str, str, str, str, Any, int, str]] = [
    ("empty body", "POST", "/api/complaints", SERVICE, {}, 422, "Field required"),
    ("no body at all", "POST", "/api/complaints", SERVICE, None, 422, "Field required"),
    ("not JSON", "POST", "/api/complaints", SERVICE, b"full_name=Ali", 422, "JSON"),
    ("a JSON list", "POST", "/api/complaints", SERVICE, [_complaint()], 422, "valid dictionary"),
    ("name is a number", "POST", "/api/complaints", SERVICE, _complaint(full_name=42), 422, "valid string"),
    ("text is a list", "POST", "/api/complaints", SERVICE, _complaint(complaint_text=["a"]), 422, "valid string"),
    ("date is prose", "POST", "/api/complaints", SERVICE, _complaint(received_at="yesterday"), 422, "datetime"),
    ("missing phone", "POST", "/api/complaints", SERVICE, _complaint(phone=None), 422, "required by policy"),
    ("unknown policy", "POST", "/api/complaints", SERVICE, _complaint(policy="acme"), 422, "eurolux"),
    ("unknown language", "POST", "/api/complaints", SERVICE, _complaint(language="en"), 422, "'ru'"),
    ("a 1 MB text", "POST", "/api/complaints", SERVICE, _complaint(complaint_text="x" * ONE_MB), 413, "1048576 bytes"),
    ("no token", "POST", "/api/complaints", NONE, _complaint(), 401, "bearer token"),
    ("wrong token", "POST", "/api/complaints", WRONG, _complaint(), 401, "bearer token"),
    ("malformed number", "GET", "/api/complaints/K7QM-4PX", AGENT, None, 422, "malformed tracking number"),
    ("number with O and 0", "GET", "/api/complaints/O0O0-1I1I", AGENT, None, 422, "no 0, O, 1 or I"),
    ("unknown number", "GET", "/api/complaints/ZZZZ-ZZZZ", AGENT, None, 404, "unknown tracking number"),
    ("service reads", "GET", "/api/complaints/{number}", SERVICE, None, 403, "agent rights"),
    ("wrong token reads", "GET", "/api/complaints/{number}", WRONG, None, 401, "bearer token"),
    ("bad status", "POST", "/api/complaints/{number}/status", AGENT, {"status": "done"}, 422, "'acknowledged'"),
    ("status as number", "POST", "/api/complaints/{number}/status", AGENT, {"status": 3}, 422, "Input should be"),
    (
        "status, malformed number",
        "POST",
        "/api/complaints/ABC/status",
        AGENT,
        {"status": "acknowledged"},
        422,
        "malformed tracking number",
    ),
    ("impossible status", "POST", "/api/complaints/{number}/status", AGENT, {"status": "closed"}, 409, "cannot become"),
    (
        "status by service",
        "POST",
        "/api/complaints/{number}/status",
        SERVICE,
        {"status": "acknowledged"},
        403,
        "agent rights",
    ),
    ("a 1 MB note", "POST", "/api/complaints/{number}/notes", AGENT, {"note": "x" * ONE_MB}, 413, "limit"),
    ("note, malformed number", "POST", "/api/complaints/12345/notes", AGENT, {"note": "hi"}, 422, "malformed"),
    (
        "assign, unknown agent",
        "POST",
        "/api/complaints/{number}/assign",
        AGENT,
        {"username": "ghost"},
        422,
        "no active agent",
    ),
    (
        "lookup, malformed number",
        "POST",
        "/api/status-lookup",
        NONE,
        {"tracking_number": "K7QM-4PXRR", "pin": "123456"},
        422,
        "malformed tracking number",
    ),
    (
        "lookup, PIN as number",
        "POST",
        "/api/status-lookup",
        NONE,
        {"tracking_number": "{number}", "pin": 123456},
        422,
        "valid string",
    ),
    ("lookup, 1 MB", "POST", "/api/status-lookup", NONE, {"tracking_number": "x" * ONE_MB, "pin": "1"}, 413, "limit"),
    (
        "agents by an agent",
        "POST",
        "/api/agents",
        AGENT,
        {"username": "eve", "display_name": "Eve", "password": "a long enough password"},
        403,
        "admin rights",
    ),
    (
        "agents, 1 MB",
        "POST",
        "/api/agents",
        ADMIN,
        {"username": "eve", "display_name": "x" * ONE_MB, "password": "a long enough password"},
        413,
        "limit",
    ),
    ("erase by an agent", "POST", "/api/privacy/erase", AGENT, {"phone": "050 123 45 67"}, 403, "admin rights"),
    ("erase, no subject", "POST", "/api/privacy/erase", ADMIN, {}, 422, "phone or e-mail"),
    (
        "login, password a number",
        "POST",
        "/api/auth/login",
        NONE,
        {"username": "root", "password": 1},
        422,
        "valid string",
    ),
    ("unknown policy profile", "GET", "/api/policies/acme", NONE, None, 404, "unknown policy"),
]


@pytest.mark.parametrize(
    ("method", "path", "caller", "body", "status", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_request_is_refused_clearly_and_changes_nothing(
    client: TestClient,
    seeded: dict[str, Any],
    row_counts: Counts,
    method: str,
    path: str,
    caller: str,
    body: Any,
    status: int,
    words: str,
) -> None:
    number = seeded["number"]
    headers = dict(seeded["headers_for"](caller))
    before = row_counts()
    if isinstance(body, bytes):
        content = body
    elif body is None:
        content = None
    else:
        content = json.dumps(body).replace("{number}", number).encode()
    if content is not None:
        headers["Content-Type"] = "application/json"
    response = client.request(method, path.replace("{number}", number), content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert words in json.dumps(response.json()["detail"], ensure_ascii=False)
    assert row_counts() == before


def test_a_body_too_large_without_content_length_is_refused_too(
    client: TestClient, seeded: dict[str, Any], row_counts: Counts
) -> None:
    """A chunked body has no Content-Length: it is counted as it arrives."""
    before = row_counts()

    def chunks() -> Any:
        yield b'{"complaint_text": "'
        for _ in range(20):
            yield b"x" * 64 * 1024
        yield b'"}'

    response = client.post(
        "/api/complaints",
        content=chunks(),
        headers={**seeded["headers_for"](SERVICE), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "request body larger than the limit of 1048576 bytes"}
    assert row_counts() == before


def test_a_body_just_under_the_limit_is_read(client: TestClient, seeded: dict[str, Any]) -> None:
    """The limit is on the body, not on what is in it: 1 MB minus a little gets as far as validation."""
    body = json.dumps(_complaint(complaint_text="x" * (ONE_MB - 1000))).encode()
    assert len(body) < ONE_MB
    response = client.post(
        "/api/complaints", content=body, headers={**seeded["headers_for"](SERVICE), "Content-Type": "application/json"}
    )
    assert response.status_code == 422  # complaint_text is longer than 10000 characters
    assert response.json()["detail"][0]["loc"] == ["body", "complaint_text"]
