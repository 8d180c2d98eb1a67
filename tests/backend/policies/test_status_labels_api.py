"""GET /api/policies/{id} names every status in each of the console's languages."""

from fastapi.testclient import TestClient

from backend.app.core.languages import ConsoleLanguage
from backend.app.policies.profile import load_policies
from contract.statuses import ComplaintStatus


def test_every_policy_names_every_status_in_five_languages(client: TestClient, agent_headers: dict[str, str]) -> None:
    for policy_id in load_policies():
        labels = client.get(f"/api/policies/{policy_id}", headers=agent_headers).json()["status_labels"]
        assert set(labels) == {language.value for language in ConsoleLanguage}, policy_id
        for language, names in labels.items():
            assert set(names) == {status.value for status in ComplaintStatus}, (policy_id, language)
            assert all(name.strip() and name not in {s.value for s in ComplaintStatus} for name in names.values()), (
                policy_id,
                language,
            )


def test_poliser_uses_its_own_stage_names(client: TestClient, agent_headers: dict[str, str]) -> None:
    labels = client.get("/api/policies/poliser", headers=agent_headers).json()["status_labels"]
    assert labels["ru"] == {
        **labels["ru"],
        "in_progress": "На стадии обработки",
        "resolved": "Удовлетворено",
        "closed": "Завершен",
        "disputed": "Актуальна",
    }
    assert labels["tr"]["in_progress"] == "İşlem aşamasında" and labels["tr"]["disputed"] == "Güncel"
    assert labels["en"]["in_progress"] == "In processing"
