import pytest
from pydantic import ValidationError

from backend.app.core.settings import REPO_ROOT, Settings

STRONG = {"agent_token": "a" * 32, "service_token": "s" * 32, "secret_key": "k" * 32, "pin_encryption_key": "p" * 32}


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_development_defaults() -> None:
    settings = make()
    assert settings.agent_token.get_secret_value() == "dev-agent-token"
    assert settings.service_token.get_secret_value() == "dev-service-token"
    assert settings.complaint_policy == "eurolux"
    assert settings.database_url == f"sqlite:///{REPO_ROOT / 'var' / 'backend.db'}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agent_token", "dev-agent-token", "AGENT_TOKEN is a placeholder"),
        ("service_token", "change-me", "SERVICE_TOKEN is a placeholder"),
        ("secret_key", "", "SECRET_KEY is empty"),
        ("secret_key", "short", "SECRET_KEY is shorter than 16"),
    ],
)
def test_production_refuses_placeholder_secrets(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make(environment="production", **{**STRONG, field: value})


def test_production_with_real_secrets() -> None:
    assert make(environment="production", **STRONG).environment == "production"


def test_production_defaults_are_refused_all_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        make(environment="production")
    text = str(caught.value)
    assert "AGENT_TOKEN" in text and "SERVICE_TOKEN" in text and "SECRET_KEY" in text


def test_tokens_must_differ() -> None:
    with pytest.raises(ValidationError, match="must differ"):
        make(agent_token="same-token", service_token="same-token")


@pytest.mark.parametrize(("lease", "timeout"), [(15, 15), (10, 30)])
def test_a_lease_shorter_than_a_send_is_refused(lease: float, timeout: float) -> None:
    """Another dispatcher would take over a row whose send may still be in flight."""
    with pytest.raises(ValidationError, match="NOTIFICATION_LEASE_SECONDS must be longer"):
        make(notification_lease_seconds=lease, notification_send_timeout_seconds=timeout)
    assert make(notification_lease_seconds=timeout + 1, notification_send_timeout_seconds=timeout)


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValidationError):
        make(complaint_policy="acme")


def test_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINT_POLICY", "poliser")
    monkeypatch.setenv("PIN_MAX_ATTEMPTS", "7")
    settings = make()
    assert settings.complaint_policy == "poliser"
    assert settings.pin_max_attempts == 7


def test_start_up_error_does_not_print_the_real_secrets() -> None:
    with pytest.raises(ValidationError) as caught:
        make(environment="production", **{**STRONG, "secret_key": "short"})
    assert STRONG["agent_token"] not in str(caught.value)
    assert "**********" in repr(make(**STRONG))


def test_attachment_store_and_limits(tmp_path: object) -> None:
    settings = make()
    assert settings.attachments_dir == REPO_ROOT / "var" / "attachments"
    assert settings.attachment_max_bytes == 10 * 1024 * 1024
    assert settings.max_body_bytes == 1024 * 1024
    assert make(attachments_dir="/srv/files").attachments_dir.as_posix() == "/srv/files"


def test_beyond_loopback_the_development_tokens_are_refused() -> None:
    assert make(backend_host="127.0.0.1").backend_host == "127.0.0.1"
    with pytest.raises(
        ValidationError, match=r"refusing to listen on 0\.0\.0\.0: AGENT_TOKEN, SERVICE_TOKEN, SECRET_KEY"
    ):
        make(backend_host="0.0.0.0")
    assert make(backend_host="0.0.0.0", **STRONG).backend_host == "0.0.0.0"
