"""The chat page's language (link, browser, policy) and what its first message promises
(`GET /api/chat/welcome`: the policy's deadlines for a complaint filed now, the agents' hours)."""

from __future__ import annotations

import json
import re

import pytest


def page_config(text: str) -> dict:
    return json.loads(re.search(r"window\.ComplaintChat = (\{.*?\});", text).group(1))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("az", "az"),
        ("az-AZ,az;q=0.9,en;q=0.8", "az"),
        ("en-US,en;q=0.9,ro;q=0.8,ru;q=0.7", "ro"),
        # The order of preference is the q-values', not the header's.
        ("ru;q=0.3,tr;q=0.9", "tr"),
        ("tr;q=0,ru", "ru"),
        # None of the four: the policy's default (eurolux: Azerbaijani), not Russian.
        ("en-US,en;q=0.9", "az"),
        ("", "az"),
    ],
)
def test_the_page_opens_in_the_browsers_language_else_the_policys(client, header, expected):
    page = client.get("/chat", headers={"Accept-Language": header})
    assert page.status_code == 200
    assert f'<html lang="{expected}">' in page.text
    config = page_config(page.text)
    assert config["pageLanguage"] == expected and config["defaultLanguage"] == "az"
    # The browser's language is not fixed: the widget may still prefer the customer's own choice.
    assert config["language"] is None


def test_the_link_fixes_the_language(client):
    page = client.get("/chat", params={"lang": "ro"}, headers={"Accept-Language": "az"})
    assert '<html lang="ro">' in page.text
    assert page_config(page.text)["language"] == "ro"
    odd = client.get("/chat", params={"lang": "</script>"}, headers={"Accept-Language": "tr"})
    assert '<html lang="tr">' in odd.text and page_config(odd.text)["language"] is None


def welcome(client, headers, policy: str, at: str) -> dict:
    answer = client.get("/api/chat/welcome", params={"policy": policy, "at": at}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_welcome_inside_working_hours(client, service_headers):
    # Eurolux (Baku), a Wednesday at 11:00: 3 working days to acknowledge (Thursday, Friday, and
    # Tuesday: Women's Day on Sunday 8 March is observed on Monday), 10 calendar days to resolve.
    answer = welcome(client, service_headers, "eurolux", "2026-03-04T11:00:00+04:00")
    assert answer["within_working_hours"] is True and answer["next_shift_starts"] is None
    assert answer["acknowledge_by"].startswith("2026-03-10") and answer["acknowledge_by"].endswith("+04:00")
    assert answer["resolve_by"].startswith("2026-03-14")
    assert answer["shifts"]["sat"] == "10:00-16:00" and "sun" not in answer["shifts"]
    assert answer["languages"][0] == "az"


def test_welcome_after_hours_names_the_next_shift_past_a_holiday(client, service_headers):
    # Poliser (Istanbul): Republic Day, Thursday 29 October 2026, is off; 2 + 7 working days.
    answer = welcome(client, service_headers, "poliser", "2026-10-28T19:00:00+03:00")
    assert answer["within_working_hours"] is False
    assert answer["next_shift_starts"] == "2026-10-30T08:30:00+03:00"
    assert answer["acknowledge_by"].startswith("2026-11-02")  # Fri 30 Oct, Mon 2 Nov
    assert answer["resolve_by"].startswith("2026-11-09")
    assert answer["shifts"] == {day: "08:30-17:30" for day in ("mon", "tue", "wed", "thu", "fri")}


def test_welcome_wants_a_caller_and_a_known_policy(client, service_headers):
    assert client.get("/api/chat/welcome").status_code == 401
    assert client.get("/api/chat/welcome", params={"policy": "nobody"}, headers=service_headers).status_code in (
        404,
        422,
    )
