"""Who may read the reports (agent rights for the API, as the console's; supervisors and admins
for the page's figures), the page in the console's five languages, and the API in OpenAPI."""

from __future__ import annotations

import pytest

from backend.app.reports.i18n import texts
from tests.backend.reports.conftest import PERIOD

ENDPOINTS = [
    "/api/reports/deadlines",
    "/api/reports/breakdown/channel",
    "/api/reports/repeated",
    "/api/reports/closing-loop",
    "/api/reports/delays",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_report_api_needs_an_agents_token(client, agent_headers, service_headers, path):
    assert client.get(path, params=PERIOD).status_code == 401
    assert client.get(path, params=PERIOD, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(path, params=PERIOD, headers=service_headers).status_code == 403
    assert client.get(path, params=PERIOD, headers=agent_headers).status_code == 200
    assert client.get(path, params={**PERIOD, "format": "csv"}, headers=agent_headers).status_code == 200


def test_the_pages_figures_are_for_supervisors_and_admins(client, agent_headers, service_headers, make_agent, login):
    make_agent("ayse", role="agent")
    make_agent("deniz", role="supervisor")
    make_agent("root", role="admin")
    path = "/api/reports/page"
    assert client.get(path, params=PERIOD).status_code == 401
    assert client.get(path, params=PERIOD, headers=service_headers).status_code == 403
    assert client.get(path, params=PERIOD, headers=agent_headers).status_code == 403  # AGENT_TOKEN: role agent
    assert client.get(path, params=PERIOD, headers=login("ayse")).status_code == 403
    for username in ("deniz", "root"):
        response = client.get(path, params=PERIOD, headers=login(username))
        assert response.status_code == 200, response.text
        assert "<svg" in response.text


def test_unknown_policy_and_reversed_period_are_422(client, agent_headers):
    bad = client.get("/api/reports/deadlines", params={"policy": "nope"}, headers=agent_headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "policy"]
    reversed_ = client.get(
        "/api/reports/deadlines", params={**PERIOD, "from": "2026-05-01", "to": "2026-04-01"}, headers=agent_headers
    )
    assert reversed_.status_code == 422


def test_the_contract_default_policy_and_period(client, agent_headers):
    report = client.get("/api/reports/deadlines", headers=agent_headers).json()
    assert report["period"]["policy"] == "eurolux"
    for key in ("complaints", "acknowledged_on_time", "resolved_on_time", "open", "overdue"):
        assert report[key] == 0


@pytest.mark.parametrize("lang", ["ru", "az", "ro", "tr", "en"])
def test_the_page_and_its_figures_in_each_language(client, seeded, make_agent, login, lang):
    page = client.get("/reports", params={"lang": lang})
    assert page.status_code == 200
    assert page.headers["content-language"] == lang
    assert "script-src 'self'" in page.headers["content-security-policy"]
    t = texts(lang)
    assert f"<title>{t['reports.title']}</title>" in page.text
    make_agent("deniz", role="supervisor")
    figures = client.get("/api/reports/page", params={**PERIOD, "lang": lang}, headers=login("deniz"))
    html = figures.text
    for key in ("reports.weekly", "reports.stages", "reports.repeated", "reports.closing", "reports.delays"):
        assert t[key].replace("'", "&#39;").replace('"', "&#34;") in html, key
    assert html.count('data-csv="/api/reports/') == 12
    # Stages with the policy's own names (Poliser's), dates the local way.
    from backend.app.policies.profile import load_policies

    poliser = load_policies()["poliser"]
    assert poliser.status_label("reopened", lang) in html  # type: ignore[arg-type]
    assert "75 %" in html and "50 %" in html


def test_the_browsers_language_picks_the_page(client):
    assert client.get("/reports", headers={"Accept-Language": "az-AZ,az;q=0.9"}).headers["content-language"] == "az"
    assert client.get("/reports/reports.js").status_code == 200
    assert client.get("/reports/nope.js").status_code == 404


def test_openapi_documents_every_report(client):
    schema = client.get("/openapi.json").json()
    for path, model in (
        ("/api/reports/deadlines", "DeadlinesReport"),
        ("/api/reports/breakdown/{dimension}", "BreakdownReport"),
        ("/api/reports/repeated", "RepeatedReport"),
        ("/api/reports/closing-loop", "ClosingLoopReport"),
        ("/api/reports/delays", "DelaysReport"),
    ):
        answer = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert answer["application/json"]["schema"]["$ref"].endswith(model), path
        assert "text/csv" in answer


def test_customer_text_in_the_figures_is_escaped(client, register, make_agent, login):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    register("eurolux", staff_member=evil)
    register("eurolux", staff_member=evil, phone="050 765 43 21")
    make_agent("deniz", role="supervisor")
    html = client.get("/api/reports/page", params={"policy": "eurolux"}, headers=login("deniz")).text
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # in the staff plot and the repeated staff member table
