"""A seeded data set whose report figures are known, driven through the real API on a
controlled clock (every status change happens at the moment it says): 40 Poliser complaints
received 6-26 April 2026 (Istanbul), three just outside the period, one of another policy.

What each complaint went through (index i):
- acknowledged on time for i < 30 (an hour before the deadline), a day late for i >= 30;
  complaint 11 arrives on Tuesday 21 April: its two working days are Wednesday 22 and Friday 24,
  because Thursday 23 April (National Sovereignty Day) is a public holiday; it is acknowledged
  on Friday 24 at 10:00, on time only because the holiday does not count;
- a decision two hours before the resolution deadline for i < 20, a day after it for 20 <= i < 28,
  none for i >= 28 (still acknowledged, overdue now);
- approved and rated for i < 10 (5 x6, 4 x2, 2 x2), rejected for i = 20, 21 (reopened), rejected,
  decided again and rejected again for i = 22 (disputed);
- a delay notice for i = 28, 29, 30;
- phones: 0, 1, 2 the same; 3 and 4 share an e-mail address; the others their own;
- staff member "Kasiyer Ayşe" for every fourth, "kasiyer  ayşe" for i = 1 (one person).
"Now" is 20 May 2026 12:00 Istanbul: every deadline has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from backend.app.core import clock

TZ = ZoneInfo("Europe/Istanbul")
NOW = dt.datetime(2026, 5, 20, 12, 0, tzinfo=TZ)
PERIOD = {"policy": "poliser", "from": "2026-04-06", "to": "2026-04-26"}
# Received days: weekdays of the three weeks, Thursday 23 April (a holiday) left out.
DAYS = [6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 20, 21, 22, 24]
HOLIDAY_INDEX = 11  # received on DAYS[11] = 21 April
CHANNELS = ["whatsapp", "phone", "email"]
CATEGORIES = ["delivery", "billing", "product_quality", "service"]


@dataclass
class Seeded:
    numbers: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    registered: list[dict[str, Any]] = field(default_factory=list)


def _moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.fixture
def manual_clock() -> Iterator[clock.ManualClock]:
    with clock.use(clock.ManualClock(NOW)) as manual:
        yield manual  # type: ignore[misc]


@pytest.fixture
def seeded(client: TestClient, agent_headers: dict[str, str], manual_clock: clock.ManualClock) -> Seeded:
    data = Seeded()

    def at(moment: dt.datetime) -> None:
        manual_clock.set(moment)

    def post(path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = client.post(path, json=body, headers=agent_headers)
        assert response.status_code == status, (path, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    def register(received: dt.datetime, policy: str = "poliser", **fields: Any) -> dict[str, Any]:
        at(received)
        body = {
            "policy": policy,
            "full_name": "Ayşe Yılmaz",
            "phone": "0532 123 45 67",
            "complaint_text": "Siparişim eksik teslim edildi.",
            "language": "tr",
            "channel": "whatsapp",
            "received_at": received.isoformat(),
            **fields,
        }
        if policy != "poliser":
            body.update(full_name="Məmmədov Əli Vəli oğlu", phone="050 123 45 67", language="az", staff_member="Leyla")
        return post("/api/complaints", body, 201)

    def status(number: str, moment: dt.datetime, value: str, note: str | None = None) -> None:
        at(moment)
        post(f"/api/complaints/{number}/status", {"status": value, "note": note})

    for i in range(40):
        received = dt.datetime(2026, 4, DAYS[i % len(DAYS)], 10, i, tzinfo=TZ)
        if i == HOLIDAY_INDEX:
            received = dt.datetime(2026, 4, 21, 10, 0, tzinfo=TZ)
        phone = f"0532 2{i:02d} {i:02d} {i:02d}"
        if i in (0, 1, 2):
            phone = "0532 111 11 11"
        staff = "Kasiyer Ayşe" if i % 4 == 0 else ("kasiyer  ayşe" if i == 1 else None)
        answer = register(
            received,
            phone=phone,
            email="ortak@example.com" if i in (3, 4) else None,
            channel=CHANNELS[i % 3],
            language="ru" if i % 5 == 0 else "tr",
            complaint_category=CATEGORIES[i % 4],
            staff_member=staff,
        )
        data.registered.append(answer)
        number = answer["tracking_number"]
        data.numbers.append(number)
        acknowledge_by = _moment(answer["deadlines"]["acknowledge_by"])
        resolve_by = _moment(answer["deadlines"]["resolve_by"])
        if i == HOLIDAY_INDEX:
            status(number, dt.datetime(2026, 4, 24, 10, 0, tzinfo=TZ), "acknowledged")
        elif i < 30:
            status(number, acknowledge_by - dt.timedelta(hours=1), "acknowledged")
        else:
            status(number, acknowledge_by + dt.timedelta(days=1), "acknowledged")
        if i < 20:
            decided = resolve_by - dt.timedelta(hours=2)
        elif i < 28:
            decided = resolve_by + dt.timedelta(days=1)
        else:
            if i in (28, 29, 30):
                at(dt.datetime(2026, 5, 10, 9, 0, tzinfo=TZ))
                reason = {28: "Parça bekleniyor", 29: "parça  bekleniyor", 30: "Tedarikçi gecikmesi"}[i]
                post(f"/api/complaints/{number}/delay", {"reason": reason, "new_date": "2026-06-30"})
            continue
        status(number, decided, "resolved", "Karar: ürün değiştirildi.")
        later = decided + dt.timedelta(hours=3)
        if i < 10:
            at(later)
            post(f"/api/complaints/{number}/customer-decision", {"approved": True})
            rating = 5 if i < 6 else (4 if i < 8 else 2)
            post(f"/api/complaints/{number}/rating", {"rating": rating})
        elif i in (20, 21, 22):
            at(later)
            post(f"/api/complaints/{number}/customer-decision", {"approved": False, "reason": "Kabul etmiyorum"})
            if i == 22:
                status(number, later + dt.timedelta(hours=1), "resolved", "İkinci karar.")
                at(later + dt.timedelta(hours=2))
                post(f"/api/complaints/{number}/customer-decision", {"approved": False, "reason": "Yine hayır"})
    # Just outside the period in Istanbul (inside it by UTC dates), and another policy's.
    data.outside.append(register(dt.datetime(2026, 4, 5, 23, 30, tzinfo=TZ))["tracking_number"])
    data.outside.append(register(dt.datetime(2026, 4, 27, 0, 30, tzinfo=TZ))["tracking_number"])
    data.outside.append(register(dt.datetime(2026, 4, 15, 12, 0, tzinfo=TZ), policy="eurolux")["tracking_number"])
    at(NOW)
    return data


@pytest.fixture
def csv_rows() -> Callable[[Any], list[dict[str, str]]]:
    import csv
    import io

    def _rows(response: Any) -> list[dict[str, str]]:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    return _rows
