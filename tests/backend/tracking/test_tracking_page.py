"""The customer's tracking page (/track) on the real app: languages, the PIN form and its
refusals, the signed session, CSRF, the customer's answers through the chat's closing loop,
and logs without PINs or personal data."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from backend.app.tracking import presenters
from backend.app.tracking import session as track_session
from contract.dates import local_date

Register = Callable[..., dict[str, Any]]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, page[:500]
    return found.group(1)


def sign_in(client: TestClient, number: str, pin: str, lang: str = "tr", **headers: str) -> Any:
    page = client.get("/track", params={"lang": lang}, headers=headers)
    return client.post(
        "/track",
        data={"tracking_number": number, "pin": pin, "csrf": csrf_of(page.text), "lang": lang},
        follow_redirects=False,
        headers=headers,
    )


def resolve(client: TestClient, number: str, agent_headers: dict[str, str], note: str) -> None:
    for status in ("acknowledged", "resolved"):
        answer = client.post(
            f"/api/complaints/{number}/status",
            json={"status": status, "note": note if status == "resolved" else None},
            headers=agent_headers,
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture
def fresh(client: TestClient) -> TestClient:
    client.cookies.clear()
    return client


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        ("tr-TR,tr;q=0.9", None, "tr"),
        ("az-AZ,az;q=0.9,en;q=0.5", None, "az"),
        ("en-US", None, "az"),
        ("ro,ru;q=0.5", None, "ro"),
        ("tr", "ru", "ru"),
        ("de, ru;q=0.1", None, "ru"),
    ],
)
def test_the_page_speaks_the_browsers_language(
    fresh: TestClient, accept: str, query: str | None, expected: str
) -> None:
    """Default policy eurolux: its first language (az) for a browser in none of the four."""
    page = fresh.get("/track", params={"lang": query} if query else None, headers={"Accept-Language": accept})
    assert page.status_code == 200
    assert f'<html lang="{expected}">' in page.text
    assert presenters.texts(expected)["form.submit"] in page.text
    assert page.headers["Content-Language"] == expected
    # Buttons for the four languages, the chosen one marked.
    assert all(f'href="/track?lang={code}"' in page.text for code in presenters.LANGUAGES)
    assert f'data-lang="{expected}" aria-current="true"' in page.text
    assert "script" not in page.text.lower() and "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_every_language_has_every_text() -> None:
    keys = set(presenters.texts("ru"))
    for lang in presenters.LANGUAGES:
        assert set(presenters.texts(lang)) == keys, lang
        assert all(value.strip() for value in presenters.texts(lang).values())


def test_wrong_pin_answers_as_an_unknown_number(fresh: TestClient, register: Register) -> None:
    body = register("poliser")
    wrong_pin = "000000" if body["pin"] != "000000" else "111111"
    wrong = sign_in(fresh, body["tracking_number"], wrong_pin)
    unknown = sign_in(fresh, "ZZZZ-ZZZZ" if body["tracking_number"] != "ZZZZ-ZZZZ" else "YYYY-YYYY", wrong_pin)
    for answer in (wrong, unknown):
        assert answer.status_code == 404
        assert presenters.texts("tr")["err.not_found"] in answer.text
        assert track_session.SESSION_COOKIE not in answer.cookies
        assert int(answer.headers["RateLimit-Limit"]) == 20
    assert int(unknown.headers["RateLimit-Remaining"]) == int(wrong.headers["RateLimit-Remaining"]) - 1
    assert body["pin"] not in wrong.text


def test_a_locked_out_customer_is_told_when_to_try_again(fresh: TestClient, register: Register, settings: Any) -> None:
    body = register("poliser")
    wrong_pin = "000000" if body["pin"] != "000000" else "111111"
    for _ in range(settings.pin_max_attempts - 1):
        assert sign_in(fresh, body["tracking_number"], wrong_pin, lang="ru").status_code == 404
    locked = sign_in(fresh, body["tracking_number"], wrong_pin, lang="ru")
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.pin_lockout_minutes * 60
    # "... после 7 декабря 2026 г. (понедельник), 15:45": a local date and time of day.
    message = re.search(r'id="error">([^<]+)<', locked.text)
    assert message and message.group(1).startswith("Слишком много неверных попыток для этой жалобы")
    assert re.search(r"после \d{1,2} [а-я]+ \d{4}\s?г\. \([а-я]+\),? \d{1,2}:\d{2}", message.group(1)), message.group(1)
    # The moment is the complaint's own policy's local time (Poliser: Istanbul), the minute after
    # the lock-out ends.
    ends = dt.datetime.now(ZoneInfo("Europe/Istanbul")) + dt.timedelta(seconds=int(locked.headers["Retry-After"]))
    told = re.search(r"(\d{1,2}):(\d{2})\.$", message.group(1))
    assert told
    told_minutes = int(told.group(1)) * 60 + int(told.group(2))
    assert (told_minutes - (ends.hour * 60 + ends.minute)) % (24 * 60) in (0, 1, 2), (message.group(1), ends)
    # Even the right PIN waits now.
    assert sign_in(fresh, body["tracking_number"], body["pin"], lang="ru").status_code == 429


def test_without_the_csrf_token_nothing_is_checked(fresh: TestClient, register: Register) -> None:
    body = register("poliser")
    fresh.get("/track")
    no_token = fresh.post("/track", data={"tracking_number": body["tracking_number"], "pin": body["pin"]})
    forged = fresh.post(
        "/track", data={"tracking_number": body["tracking_number"], "pin": body["pin"], "csrf": "0" * 64}
    )
    for answer in (no_token, forged):
        assert answer.status_code == 403
        assert track_session.SESSION_COOKIE not in answer.cookies
    # A token from another browser (another CSRF cookie) does not pass either.
    other = TestClient(fresh.app)
    token = csrf_of(other.get("/track").text)
    fresh.cookies.set(track_session.CSRF_COOKIE, "x" * 32, path="/track")
    assert (
        fresh.post(
            "/track", data={"tracking_number": body["tracking_number"], "pin": body["pin"], "csrf": token}
        ).status_code
        == 403
    )


def test_session_cookie_and_the_answers_go_through_the_closing_loop(
    fresh: TestClient, register: Register, agent_headers: dict[str, str]
) -> None:
    body = register("poliser")
    number = body["tracking_number"]
    signed_in = sign_in(fresh, number, body["pin"])
    assert signed_in.status_code == 303
    cookie = next(h for h in signed_in.headers.get_list("set-cookie") if h.startswith(track_session.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/track" in cookie and "Max-Age=900" in cookie
    assert body["pin"] not in cookie
    assert int(signed_in.headers["RateLimit-Remaining"]) == 20  # a right PIN costs nothing

    # Signed in, without ?lang= or Accept-Language: the complaint's own language.
    assert '<html lang="tr">' in fresh.get("/track").text
    page = fresh.get("/track", params={"lang": "tr"})
    tr = presenters.texts("tr")
    assert 'data-status="registered" data-state="current"' in page.text
    assert "Kaydedildi" in page.text and "İşlem aşamasında" in page.text and "Karşılandı" in page.text
    assert tr["stage.after_approval"] in page.text and 'id="approve"' not in page.text

    resolve(fresh, number, agent_headers, "Eksik ürün kargoya verildi, fatura düzeltildi.")
    page = fresh.get("/track", params={"lang": "tr"})
    assert "Eksik ürün kargoya verildi, fatura düzeltildi." in page.text and 'id="approve"' in page.text
    token = csrf_of(page.text)
    # A rejection needs its reason.
    blank = fresh.post("/track/decision", data={"answer": "reject", "reason": " ", "csrf": token, "lang": "tr"})
    assert blank.status_code == 422 and tr["err.reason_required"] in blank.text
    rejected = fresh.post(
        "/track/decision",
        data={"answer": "reject", "reason": "Ürün hâlâ gelmedi", "csrf": token, "lang": "tr"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303 and rejected.headers["location"] == "/track?lang=tr&done=reopened"
    complaint = fresh.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert complaint["status"] == "reopened" and complaint["rejections"] == 1
    assert complaint["history"][-1]["note"] == "the customer rejected the decision (1): Ürün hâlâ gelmedi"
    assert complaint["history"][-1]["actor"] == "customer"
    # Rating before the answer to a decision: refused, as in the chat.
    refused = fresh.post("/track/rating", data={"rating": "4", "csrf": token, "lang": "tr"})
    assert refused.status_code == 409 and tr["err.not_ratable"] in refused.text

    resolve_again = fresh.post(
        f"/api/complaints/{number}/status",
        json={"status": "resolved", "note": "Ürün bedeli iade edildi."},
        headers=agent_headers,
    )
    assert resolve_again.status_code == 200, resolve_again.text
    approved = fresh.post("/track/decision", data={"answer": "approve", "csrf": token, "lang": "tr"})
    assert approved.status_code == 200 and tr["done.approved"] in approved.text
    assert "Tamamlandı" in approved.text
    rated = fresh.post("/track/rating", data={"rating": "5", "csrf": token, "lang": "tr"})
    assert tr["rating.current"].format(rating=5) in rated.text
    complaint = fresh.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert (complaint["status"], complaint["rating"]) == ("closed", 5)

    # Signing out ends the session.
    value = fresh.cookies.get(track_session.SESSION_COOKIE)
    page = fresh.get("/track")
    assert 'id="summary"' in page.text
    fresh.post("/track/logout", data={"csrf": csrf_of(page.text)})
    assert 'id="lookup"' in fresh.get("/track").text
    # Another complaint's session cookie cannot be made from this one (the next id is another's).
    register("poliser")
    complaint_id, expires, signature = value.split(".")
    fresh.cookies.set(track_session.SESSION_COOKIE, f"{int(complaint_id) + 1}.{expires}.{signature}", path="/track")
    assert 'id="lookup"' in fresh.get("/track").text


def test_actions_need_a_session(fresh: TestClient) -> None:
    token = csrf_of(fresh.get("/track").text)
    answer = fresh.post("/track/decision", data={"answer": "approve", "csrf": token})
    assert answer.status_code == 401 and 'id="lookup"' in answer.text


def test_no_pin_or_personal_data_in_the_logs(
    fresh: TestClient, register: Register, caplog: pytest.LogCaptureFixture, agent_headers: dict[str, str]
) -> None:
    body = register("poliser", full_name="Zeynep Kaya", phone="0532 765 43 21")
    caplog.set_level(logging.DEBUG)
    wrong_pin = "000000" if body["pin"] != "000000" else "111111"
    sign_in(fresh, body["tracking_number"], wrong_pin)
    sign_in(fresh, body["tracking_number"], body["pin"])
    resolve(fresh, body["tracking_number"], agent_headers, "Karar metni")
    page = fresh.get("/track")
    fresh.post(
        "/track/decision", data={"answer": "reject", "reason": "Zeynep Kaya 05327654321", "csrf": csrf_of(page.text)}
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "tracking page: signed in" in logged
    for secret in (body["pin"], wrong_pin, "Zeynep", "Kaya", "7654321", "765 43 21"):
        assert secret not in logged, secret


def test_coming_stages_carry_the_policys_promised_dates(
    fresh: TestClient, register: Register, agent_headers: dict[str, str]
) -> None:
    """Poliser: accepted within 2 working days, processed within 4 more, satisfied within 7
    from receipt (Turkish calendar); each coming stage shows its date the local way."""
    body = register("poliser")
    assert sign_in(fresh, body["tracking_number"], body["pin"], lang="ru").status_code == 303
    page = fresh.get("/track", params={"lang": "ru"}).text
    complaint = fresh.get(f"/api/complaints/{body['tracking_number']}", headers=agent_headers).json()
    ru = presenters.texts("ru")

    def day(field: str) -> str:
        return local_date(dt.datetime.fromisoformat(complaint["deadlines"][field]).date(), "ru")

    rows = re.findall(
        r'data-status="(\w+)" data-state="(\w+)">\s*<span class="label">([^<]+)</span>\s*'
        r'<span class="when">([^<]+)</span>',
        page,
    )
    assert [(status, state) for status, state, _, _ in rows] == [
        ("registered", "current"),
        ("acknowledged", "coming"),
        ("in_progress", "coming"),
        ("resolved", "coming"),
        ("closed", "coming"),
    ]
    # Poliser's own names: «На стадии обработки», «Удовлетворено», «Завершен».
    assert [label for _, _, label, _ in rows][2:] == ["На стадии обработки", "Удовлетворено", "Завершен"]
    whens = [html.unescape(when) for _, _, _, when in rows]
    assert whens[1] == ru["stage.due"].format(date=day("acknowledge_by"))
    assert whens[2] == ru["stage.until"].format(date=day("investigate_by"))
    assert whens[3] == ru["stage.due"].format(date=day("resolve_by"))
    assert whens[4] == ru["stage.after_approval"]
