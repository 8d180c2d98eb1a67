"""The header JWT our processes send to Rasa, checked the way the web chat's presence route does."""

from contract import rasa_auth


def test_a_token_signed_with_the_secret_is_accepted_until_it_expires() -> None:
    token = rasa_auth.jwt("s3cret", "backend", now=1_000)
    assert rasa_auth.verify("s3cret", token, now=1_000 + 10)
    assert not rasa_auth.verify("s3cret", token, now=1_000 + rasa_auth.LIFETIME_SECONDS + 1)


def test_another_secret_a_changed_payload_and_garbage_are_refused() -> None:
    token = rasa_auth.jwt("s3cret", "backend", now=1_000)
    assert not rasa_auth.verify("other", token, now=1_000)
    header, payload, signature = token.split(".")
    forged = rasa_auth.jwt("s3cret", "intruder", now=1_000).split(".")[1]
    assert not rasa_auth.verify("s3cret", f"{header}.{forged}.{signature}", now=1_000)
    for junk in ("", "a.b", "a.b.c", "...", token + "x"):
        assert not rasa_auth.verify("s3cret", junk, now=1_000)


def test_bearer_reads_only_a_bearer_header() -> None:
    assert rasa_auth.bearer("Bearer abc") == "abc"
    assert rasa_auth.bearer("bearer abc") == "abc"
    assert rasa_auth.bearer("Basic abc") is None
    assert rasa_auth.bearer(None) is None
    assert rasa_auth.bearer("Bearer ") is None
