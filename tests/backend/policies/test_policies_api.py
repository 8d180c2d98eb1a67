from fastapi.testclient import TestClient


def test_policy_profile_as_json(client: TestClient) -> None:
    response = client.get("/api/policies/inverter_eu")
    assert response.status_code == 200
    profile = response.json()
    assert profile["id"] == "inverter_eu"
    assert profile["country"] == "RO"
    assert profile["deadlines"]["progress_update"] == {"days": 14, "unit": "working", "from": "acknowledgement"}
    assert {"slot": "ticket_number", "when": {"complaint_category": "service"}} in profile["intake"]
    assert profile["statuses"]["ro"]["registered"] == "Înregistrată"


def test_policy_list_and_unknown_policy(client: TestClient) -> None:
    assert client.get("/api/policies").json() == ["eurolux", "inverter_eu", "kontakt", "music_gallery", "poliser"]
    assert client.get("/api/policies/acme").status_code == 404
