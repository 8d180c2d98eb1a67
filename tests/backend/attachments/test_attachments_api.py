import hashlib
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.core.settings import Settings
from tests.backend.conftest import ATTACHMENT_MAX_BYTES

Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]
Counts = Callable[[], dict[str, int]]

JPEG = b"\xff\xd8\xff\xe0" + b"receipt photo" * 100


def _upload(
    client: TestClient,
    headers: Headers,
    content: bytes = JPEG,
    filename: str = "receipt.jpg",
    part_type: str = "image/jpeg",
    **form: str,
) -> Any:
    """`part_type` is the Content-Type of the file's part; `form` the other fields."""
    return client.post("/api/attachments", files={"file": (filename, content, part_type)}, data=form, headers=headers)


def test_upload_is_stored_and_linked_when_the_complaint_is_registered(
    client: TestClient,
    register: Register,
    service_headers: Headers,
    agent_headers: Headers,
    settings: Settings,
) -> None:
    response = _upload(client, service_headers, conversation_id="tg-1001", channel="telegram")
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded == {
        **uploaded,
        "filename": "receipt.jpg",
        "content_type": "image/jpeg",
        "size": len(JPEG),
        "sha256": hashlib.sha256(JPEG).hexdigest(),
        "conversation_id": "tg-1001",
        "channel": "telegram",
        "tracking_number": None,
    }
    stored = [path for path in settings.attachments_dir.rglob("*") if path.is_file()]
    assert [path.read_bytes() for path in stored] == [JPEG]
    assert stored[0].name == uploaded["id"].replace("-", "")  # never the sender's file name

    other = _upload(client, service_headers, b"%PDF-1.4 other", "other.pdf", "application/pdf", conversation_id="tg-2")
    number = register("eurolux", conversation_id="tg-1001")["tracking_number"]
    record = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert record["attachments"] == [
        {
            "id": uploaded["id"],
            "filename": "receipt.jpg",
            "content_type": "image/jpeg",
            "size": len(JPEG),
            "created_at": record["attachments"][0]["created_at"],
        }
    ]
    assert record["attachments"][0]["created_at"].endswith("+04:00")  # Baku, as every time in the record

    # A second complaint of the same conversation gets only what came after the first.
    later = _upload(client, service_headers, b"voice", "voice.ogg", "audio/ogg", conversation_id="tg-1001")
    second = register("eurolux", conversation_id="tg-1001")["tracking_number"]
    second_record = client.get(f"/api/complaints/{second}", headers=agent_headers).json()
    assert [item["id"] for item in second_record["attachments"]] == [later.json()["id"]]
    assert len(client.get(f"/api/complaints/{number}", headers=agent_headers).json()["attachments"]) == 1
    unrelated = client.get(f"/api/attachments/{other.json()['id']}", headers=agent_headers)
    assert unrelated.status_code == 200


def test_download_streams_the_file(client: TestClient, service_headers: Headers, agent_headers: Headers) -> None:
    uploaded = _upload(client, service_headers, filename="Qəbz №5.jpg", conversation_id="c1").json()
    response = client.get(f"/api/attachments/{uploaded['id']}", headers=agent_headers)
    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "filename*=utf-8''Q%C9%99bz%20%E2%84%965.jpg" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert "sandbox" in response.headers["content-security-policy"]


def test_active_content_is_only_downloaded(
    client: TestClient, service_headers: Headers, agent_headers: Headers
) -> None:
    html = b"<script>alert(document.cookie)</script>"
    uploaded = _upload(client, service_headers, html, "../../etc/page.html", "text/html", conversation_id="c1").json()
    assert uploaded["filename"] == "page.html"
    response = client.get(f"/api/attachments/{uploaded['id']}", headers=agent_headers)
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("declared", "form_type", "filename", "expected"),
    [
        ("application/octet-stream", None, "scan.pdf", "application/pdf"),  # guessed from the name
        ("application/octet-stream", None, "blob", "application/octet-stream"),
        ("image/jpeg", "image/png", "photo", "image/png"),  # the form field overrides
        ("IMAGE/JPEG; charset=binary", None, "photo", "image/jpeg"),
    ],
)
def test_content_type(
    client: TestClient,
    service_headers: Headers,
    declared: str,
    form_type: str | None,
    filename: str,
    expected: str,
) -> None:
    form = {"conversation_id": "c1", **({"content_type": form_type} if form_type else {})}
    response = _upload(client, service_headers, filename=filename, part_type=declared, **form)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == expected


def test_agent_attaches_a_scan_to_a_complaint(client: TestClient, register: Register, agent_headers: Headers) -> None:
    number = register("kontakt", channel="email")["tracking_number"]
    response = _upload(
        client, agent_headers, b"%PDF-1.7", "letter.pdf", "application/pdf", tracking_number=number.lower()
    )
    assert response.status_code == 201, response.text
    assert response.json()["tracking_number"] == number
    record = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert [item["filename"] for item in record["attachments"]] == ["letter.pdf"]


def test_too_large_is_413_and_leaves_nothing(client: TestClient, service_headers: Headers, row_counts: Counts) -> None:
    before = row_counts()
    just_over = _upload(client, service_headers, b"x" * (ATTACHMENT_MAX_BYTES + 1), conversation_id="c1")
    assert just_over.status_code == 413
    assert str(ATTACHMENT_MAX_BYTES) in just_over.json()["detail"]
    far_over = _upload(client, service_headers, b"x" * (ATTACHMENT_MAX_BYTES + 128 * 1024), conversation_id="c1")
    assert far_over.status_code == 413
    assert "limit" in far_over.json()["detail"]
    assert row_counts() == before
    exactly = _upload(client, service_headers, b"x" * ATTACHMENT_MAX_BYTES, conversation_id="c1")
    assert exactly.status_code == 201


@pytest.mark.parametrize(
    ("form", "files", "field"),
    [
        ({}, True, "conversation_id"),
        ({"conversation_id": "c1"}, False, "file"),
        ({"conversation_id": "c1", "channel": "fax"}, True, "channel"),
        ({"conversation_id": "c1", "content_type": "not a type"}, True, "content_type"),
        ({"conversation_id": "x" * 201}, True, "conversation_id"),
        ({"tracking_number": "0000-1111"}, True, "tracking_number"),
    ],
)
def test_upload_validation(
    client: TestClient,
    service_headers: Headers,
    row_counts: Counts,
    form: dict[str, str],
    files: bool,
    field: str,
) -> None:
    before = row_counts()
    response = client.post(
        "/api/attachments",
        data=form,
        files={"file": ("a.jpg", JPEG, "image/jpeg")} if files else None,
        headers=service_headers,
    )
    assert response.status_code == 422, response.text
    assert field in {error["loc"][-1] for error in response.json()["detail"]}
    assert row_counts() == before


def test_unknown_complaint_and_missing_tokens(
    client: TestClient, service_headers: Headers, agent_headers: Headers, row_counts: Counts
) -> None:
    before = row_counts()
    unknown = _upload(client, agent_headers, tracking_number="ZZZZ-ZZZZ")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "unknown tracking number"
    assert _upload(client, {}, conversation_id="c1").status_code == 401
    assert _upload(client, {"Authorization": "Bearer wrong"}, conversation_id="c1").status_code == 401
    assert row_counts() == before

    uploaded = _upload(client, service_headers, conversation_id="c1").json()
    assert client.get(f"/api/attachments/{uploaded['id']}", headers=service_headers).status_code == 403
    assert client.get(f"/api/attachments/{uploaded['id']}").status_code == 401
    missing = client.get("/api/attachments/00000000-0000-4000-8000-000000000000", headers=agent_headers)
    assert missing.status_code == 404
    assert client.get("/api/attachments/not-a-uuid", headers=agent_headers).status_code == 422


def test_file_names_are_not_logged(
    client: TestClient, service_headers: Headers, agent_headers: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    uploaded = _upload(client, service_headers, filename="Ivanov_passport.jpg", conversation_id="c1").json()
    client.get(f"/api/attachments/{uploaded['id']}", headers=agent_headers)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert uploaded["id"] in logged
    assert "Ivanov" not in logged
