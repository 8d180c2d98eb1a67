from contract import rasa_auth, secrets


def test_placeholders_and_short_values_are_not_secrets():
    for value in ("", "dev-agent-token", "change-me", "secret", "short-but-real"):
        assert secrets.is_placeholder(value), value
    assert not secrets.is_placeholder("k3J9-vQ2x-77aa-Lm0p")


def test_loopback_addresses():
    assert secrets.is_loopback("127.0.0.1") and secrets.is_loopback("::1") and secrets.is_loopback("localhost")
    assert not secrets.is_loopback("0.0.0.0") and not secrets.is_loopback("") and not secrets.is_loopback("10.1.2.3")


def test_refusal_only_off_loopback_with_a_placeholder():
    assert secrets.refusal("127.0.0.1", {"AGENT_TOKEN": "dev-agent-token"}) is None
    assert secrets.refusal("0.0.0.0", {"AGENT_TOKEN": "k3J9-vQ2x-77aa-Lm0p"}) is None
    reason = secrets.refusal("0.0.0.0", {"AGENT_TOKEN": "dev-agent-token", "SERVICE_TOKEN": "k3J9-vQ2x-77aa-Lm0p"})
    assert reason is not None and "AGENT_TOKEN" in reason and "SERVICE_TOKEN" not in reason


def test_rasa_jwt_is_signed_with_the_token_and_expires():
    token = rasa_auth.jwt("s" * 32, "backend", now=1000)
    header, payload, signature = token.split(".")
    assert rasa_auth.jwt("s" * 32, "backend", now=1000) == token
    assert rasa_auth.jwt("t" * 32, "backend", now=1000).split(".")[2] != signature
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert (
        claims["user"] == {"username": "backend", "role": "admin"}
        and claims["exp"] == 1000 + rasa_auth.LIFETIME_SECONDS
    )
    assert rasa_auth.headers(None, "backend") == {}
    assert rasa_auth.headers("s" * 32, "backend")["Authorization"].startswith("Bearer ")
