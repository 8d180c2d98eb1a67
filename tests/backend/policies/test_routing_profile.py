"""The teams and categories of a policy profile: what the validation refuses, and the API."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from backend.app.policies.profile import PolicyProfile
from contract.policy import BUNDLED_DIR, read_profile

POLISER = read_profile(BUNDLED_DIR / "poliser.yml")
INVERTER = read_profile(BUNDLED_DIR / "inverter_eu.yml")


def _broken(base: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> str:
    data = copy.deepcopy(base)
    change(data)
    with pytest.raises(ValidationError) as caught:
        PolicyProfile.model_validate(data)
    return str(caught.value)


def test_the_bundled_routing() -> None:
    poliser = PolicyProfile.model_validate(POLISER)
    assert [c.id for c in poliser.categories] == ["product_quality", "delivery", "service", "staff", "billing"]
    assert poliser.team_key_for("product_quality") == "technical"
    assert poliser.team_key_for(None) == poliser.handoff_team == "customer_support"
    inverter = PolicyProfile.model_validate(INVERTER)
    assert {c.id: c.team for c in inverter.categories} == {"service": "service", "product": "technical"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["categories"][0].update(team="nobody"), "unknown team 'nobody'"),
        (lambda d: d.update(handoff_team="nobody"), "handoff_team: unknown team 'nobody'"),
        (lambda d: d["categories"].append(d["categories"][0]), "a category id appears twice"),
        (lambda d: d["teams"].append(d["teams"][0]), "a team id appears twice"),
        (lambda d: d["categories"][0].update(id="a_very_long_category"), "categories.0.id"),
        (lambda d: d["categories"][0].update(id="Billing"), "categories.0.id"),
        (lambda d: d["categories"][1]["labels"].pop("en"), "category delivery: labels lacks ['en']"),
        (lambda d: d["teams"][0]["names"].pop("tr"), "team customer_support: names lacks ['tr']"),
        (lambda d: d["categories"][2]["keywords"].pop("ro"), "category service: keywords lack ['ro']"),
        (lambda d: d.update(categories=[]), "categories"),
        (lambda d: d.pop("teams"), "teams"),
    ],
)
def test_validation_names_what_is_wrong(change: Callable[[dict[str, Any]], None], message: str) -> None:
    assert message in _broken(POLISER, change)


def test_a_policy_that_asks_the_category_needs_no_keywords_but_its_when_values_must_be_categories() -> None:
    assert not any(c.get("keywords") for c in INVERTER["categories"])
    message = _broken(INVERTER, lambda d: d["categories"][1].update(id="hardware"))
    assert "when names unknown category 'product'" in message


def test_the_api_lists_categories_with_their_team(client: TestClient) -> None:
    profile = client.get("/api/policies/poliser").json()
    assert {"product_quality": "technical", "billing": "finance"}.items() <= {
        c["id"]: c["team"] for c in profile["categories"]
    }.items()
    assert profile["handoff_team"] == "customer_support"
    assert {t["id"] for t in profile["teams"]} == {"customer_support", "technical", "logistics", "finance"}
    assert client.get("/api/policies/inverter_eu").json()["categories"][0]["labels"]["ro"] == "Reclamație de serviciu"
