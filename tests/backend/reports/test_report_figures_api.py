"""The report figures against the seeded data set of conftest.py, whose answers are known;
each CSV has exactly the rows its figure counts. SQLite and PostgreSQL (TEST_POSTGRES_URL)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from tests.backend.reports.conftest import HOLIDAY_INDEX, PERIOD, TZ


def test_deadlines_figure_counts_on_time_in_working_days_without_the_holiday(client, agent_headers, seeded, csv_rows):
    holiday = seeded.registered[HOLIDAY_INDEX]
    # Received Tuesday 21 April; Thursday 23 April is a public holiday, so the second working
    # day is Friday 24: acknowledged then (10:00), it is on time.
    assert dt.datetime.fromisoformat(holiday["deadlines"]["acknowledge_by"]).astimezone(TZ) == dt.datetime(
        2026, 4, 24, 23, 59, 59, tzinfo=TZ
    )

    response = client.get("/api/reports/deadlines", params=PERIOD, headers=agent_headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["complaints"] == 40
    assert (report["acknowledged_on_time"], report["acknowledged_late"], report["acknowledge_pending"]) == (30, 10, 0)
    assert report["acknowledged_on_time_share"] == 0.75
    # 20 decided on time; 8 decided late and 12 undecided past the deadline, 22 reopened... late.
    assert (report["resolved_on_time"], report["resolved_late"], report["resolve_pending"]) == (20, 20, 0)
    assert report["resolved_on_time_share"] == 0.5
    assert (report["open"], report["overdue"]) == (15, 14)
    stages = {row["stage"]: (row["open"], row["overdue"]) for row in report["by_stage"]}
    assert stages == {"acknowledged": (12, 12), "reopened": (2, 2), "disputed": (1, 0)}
    assert report["period"]["date_from"] == "2026-04-06" and report["period"]["timezone"] == "Europe/Istanbul"
    weeks = report["weeks"]
    assert [week["week_start"] for week in weeks] == ["2026-04-06", "2026-04-13", "2026-04-20"]
    assert sum(week["complaints"] for week in weeks) == 40
    assert sum(week["acknowledged_on_time"] for week in weeks) == 30
    # Week of 20 April: received 20, 21, 22, 24 -> i % 14 in 10..13; late acknowledgements are i >= 30.
    third = [i for i in range(40) if i % 14 >= 10]
    assert weeks[2]["complaints"] == len(third)
    on_time = [i for i in third if i < 30]
    assert weeks[2]["acknowledged_on_time_share"] == round(len(on_time) / len(third), 4)

    rows = csv_rows(client.get("/api/reports/deadlines", params={**PERIOD, "format": "csv"}, headers=agent_headers))
    assert sorted(row["tracking_number"] for row in rows) == sorted(seeded.numbers)
    assert not set(seeded.outside) & {row["tracking_number"] for row in rows}
    assert Counter(row["acknowledged"] for row in rows) == {"on_time": 30, "late": 10}
    assert Counter(row["resolved"] for row in rows) == {"on_time": 20, "late": 20}
    assert sum(row["open"] == "yes" for row in rows) == 15 and sum(row["overdue"] == "yes" for row in rows) == 14
    by_number = {row["tracking_number"]: row for row in rows}
    holiday_row = by_number[holiday["tracking_number"]]
    assert holiday_row["acknowledged"] == "on_time"
    assert holiday_row["acknowledged_at"] == "2026-04-24T10:00:00+03:00"
    assert holiday_row["acknowledge_by"] == "2026-04-24T23:59:59+03:00"


def test_the_period_is_read_in_the_policys_time_zone(client, agent_headers, seeded):
    # 5 April 23:30 Istanbul is 20:30 UTC: the day before the period, so not counted; 27 April
    # 00:30 is 26 April 21:30 UTC: after it.
    wider = client.get(
        "/api/reports/deadlines", params={**PERIOD, "from": "2026-04-05", "to": "2026-04-27"}, headers=agent_headers
    ).json()
    assert wider["complaints"] == 42
    eurolux = client.get("/api/reports/deadlines", params={**PERIOD, "policy": "eurolux"}, headers=agent_headers).json()
    assert eurolux["complaints"] == 1


def test_breakdowns_count_the_rows_of_their_csv(client, agent_headers, seeded, csv_rows):
    for dimension, expected in (
        ("channel", Counter(["whatsapp", "phone", "email"][i % 3] for i in range(40))),
        ("language", Counter("ru" if i % 5 == 0 else "tr" for i in range(40))),
        ("category", Counter(["delivery", "billing", "product_quality", "service"][i % 4] for i in range(40))),
    ):
        report = client.get(
            f"/api/reports/breakdown/{dimension}", params={**PERIOD, "lang": "tr"}, headers=agent_headers
        ).json()
        assert {item["value"]: item["complaints"] for item in report["items"]} == dict(expected), dimension
        rows = csv_rows(
            client.get(f"/api/reports/breakdown/{dimension}", params={**PERIOD, "format": "csv"}, headers=agent_headers)
        )
        column = "complaint_category" if dimension == "category" else dimension
        assert Counter(row[column] for row in rows) == expected
    labels = client.get("/api/reports/breakdown/category", params={**PERIOD, "lang": "tr"}, headers=agent_headers)
    assert "Teslimat" in {item["label"] for item in labels.json()["items"]}

    staff = client.get("/api/reports/breakdown/staff_member", params=PERIOD, headers=agent_headers).json()
    counted = {item["value"]: item["complaints"] for item in staff["items"]}
    # "kasiyer  ayşe" is the same person as "Kasiyer Ayşe" (10 spellings of that one).
    assert counted == {"Kasiyer Ayşe": 11, None: 29}
    rows = csv_rows(
        client.get("/api/reports/breakdown/staff_member", params={**PERIOD, "format": "csv"}, headers=agent_headers)
    )
    assert Counter(row["staff_member_counted_as"] for row in rows) == {"Kasiyer Ayşe": 11, "": 29}


def test_repeated_complaints_by_customer_staff_member_and_category(client, agent_headers, seeded, csv_rows):
    report = client.get("/api/reports/repeated", params={**PERIOD, "key": "customer"}, headers=agent_headers).json()
    groups = [sorted(group["tracking_numbers"]) for group in report["groups"]]
    numbers = seeded.numbers
    assert groups == [sorted(numbers[0:3]), sorted(numbers[3:5])]
    assert report["complaints"] == 5
    rows = csv_rows(
        client.get(
            "/api/reports/repeated", params={**PERIOD, "key": "customer", "format": "csv"}, headers=agent_headers
        )
    )
    assert sorted(row["tracking_number"] for row in rows) == sorted(numbers[0:5])
    assert Counter(row["repeated_value"] for row in rows) == {"+905321111111": 3, "ortak@example.com": 2}

    staff = client.get("/api/reports/repeated", params={**PERIOD, "key": "staff_member"}, headers=agent_headers).json()
    assert [(g["value"], g["complaints"]) for g in staff["groups"]] == [("Kasiyer Ayşe", 11)]
    category = client.get(
        "/api/reports/repeated", params={**PERIOD, "key": "category", "min_count": 10}, headers=agent_headers
    ).json()
    assert sorted((g["value"], g["complaints"]) for g in category["groups"]) == [
        ("billing", 10),
        ("delivery", 10),
        ("product_quality", 10),
        ("service", 10),
    ]
    assert (
        client.get(
            "/api/reports/repeated", params={**PERIOD, "key": "category", "min_count": 11}, headers=agent_headers
        ).json()["groups"]
        == []
    )
    rows = csv_rows(
        client.get(
            "/api/reports/repeated",
            params={**PERIOD, "key": "category", "min_count": 10, "format": "csv"},
            headers=agent_headers,
        )
    )
    assert len(rows) == 40
    assert (
        client.get("/api/reports/repeated", params={**PERIOD, "key": "inverter_model"}, headers=agent_headers).json()[
            "groups"
        ]
        == []
    )


def test_ratings_rejections_disputes_and_delays(client, agent_headers, seeded, csv_rows):
    loop = client.get("/api/reports/closing-loop", params=PERIOD, headers=agent_headers).json()
    assert (loop["rated"], loop["average_rating"]) == (10, 4.2)
    assert {r["rating"]: r["complaints"] for r in loop["ratings"]} == {1: 0, 2: 2, 3: 0, 4: 2, 5: 6}
    assert (loop["rejected"], loop["rejections"], loop["disputed"], loop["disputed_now"]) == (3, 4, 1, 1)
    rows = csv_rows(client.get("/api/reports/closing-loop", params={**PERIOD, "format": "csv"}, headers=agent_headers))
    assert sorted(row["tracking_number"] for row in rows) == sorted(seeded.numbers[:10] + seeded.numbers[20:23])
    assert sum(row["rating"] != "" for row in rows) == 10
    assert sum(row["disputed"] == "yes" for row in rows) == 1

    delays = client.get("/api/reports/delays", params=PERIOD, headers=agent_headers).json()
    assert (delays["notices"], delays["delayed_complaints"]) == (3, 3)
    assert [(r["reason"], r["notices"]) for r in delays["reasons"]] == [
        ("Parça bekleniyor", 2),
        ("Tedarikçi gecikmesi", 1),
    ]
    rows = csv_rows(client.get("/api/reports/delays", params={**PERIOD, "format": "csv"}, headers=agent_headers))
    assert sorted(row["tracking_number"] for row in rows) == sorted(seeded.numbers[28:31])
    assert {row["delayed_to"] for row in rows} == {"2026-06-30T23:59:59+03:00"}


def test_the_overdue_gauge_on_metrics(client, seeded):
    text = client.get("/metrics").text
    assert 'complaints_overdue{policy="poliser",stage="acknowledged"} 12.0' in text
    assert 'complaints_overdue{policy="poliser",stage="reopened"} 2.0' in text
    # Every policy and running stage has a series, zero included.
    assert 'complaints_overdue{policy="kontakt",stage="registered"} 0.0' in text


def test_the_grafana_dashboard_reads_metrics_the_backend_exports(client):
    import json
    import re

    from backend.app.core.settings import REPO_ROOT

    dashboard = json.loads((REPO_ROOT / "deploy" / "grafana" / "complaints.json").read_text(encoding="utf-8"))
    exposed = set(re.findall(r"^# TYPE (\S+)", client.get("/metrics").text, flags=re.MULTILINE))
    wanted = {
        re.sub(r"_(bucket|total)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b([a-z_]+_[a-z_]+)\s*[\[{()]", target["expr"])
        if name not in {"histogram_quantile", "label_values"}
    }
    assert "complaints_overdue" in wanted
    assert wanted <= {re.sub(r"_total$", "", name) for name in exposed}, wanted - exposed
