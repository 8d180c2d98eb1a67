"""contract.settings: the defaults every process shares, and how a child process re-derives them."""

from __future__ import annotations

from pathlib import Path

from contract import settings


def test_defaults_follow_the_ports(tmp_path: Path) -> None:
    env = {"ACTIONS_PORT": "6101"}
    added = settings.resolve(env, dotenv=tmp_path / "none")
    assert added["ACTION_SERVER_URL"] == "http://127.0.0.1:6101/webhook"
    assert added["BACKEND_URL"] == "http://127.0.0.1:8000" and added["COMPLAINT_POLICY"] == "eurolux"
    assert "ACTIONS_PORT" not in added


def test_a_child_with_another_port_rederives_what_its_parent_filled_in(tmp_path: Path) -> None:
    parent: dict[str, str] = {}
    settings.apply(parent)
    assert parent["BACKEND_URL"] == "http://127.0.0.1:8000"
    child = dict(parent, BACKEND_PORT="6202")
    settings.apply(child)
    assert child["BACKEND_URL"] == "http://127.0.0.1:6202"
    # A value set on purpose after the parent's defaults is kept.
    chosen = dict(parent, BACKEND_PORT="6203", BACKEND_URL="http://backend.internal:80")
    settings.apply(chosen)
    assert chosen["BACKEND_URL"] == "http://backend.internal:80"


def test_the_environment_wins_over_dotenv_which_wins_over_defaults(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nexport COMPLAINT_POLICY=poliser\nRASA_PORT=6301  # inline comment\nENVIRONMENT='production'\n"
        "RASA_TRACKER_URL=\n",
        encoding="utf-8",
    )
    added = settings.resolve({"ENVIRONMENT": "development"}, dotenv=dotenv)
    assert added["COMPLAINT_POLICY"] == "poliser"
    assert added["RASA_PORT"] == "6301" and added["RASA_URL"] == "http://127.0.0.1:6301"
    assert "ENVIRONMENT" not in added  # the environment said development
    assert added["RASA_TRACKER_URL"].startswith("sqlite:///")  # empty in .env counts as unset
