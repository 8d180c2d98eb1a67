"""Web chat session tokens: only ours are taken back, and the key's rules per environment."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from bot.channels.webchat_sessions import SessionIds, SessionSecretMissing, load_key, sender_of

REAL = "a-real-webchat-signing-secret-0123456789"


def test_an_issued_token_is_verified_and_names_its_conversation():
    ids = SessionIds(REAL.encode())
    sender, token = ids.issue()
    assert sender.startswith("wc:") and len(sender) == 35
    assert ids.verify(token) == sender == sender_of(token)
    assert ids.issue()[0] != sender


def test_anything_but_our_own_signature_is_refused():
    ids = SessionIds(REAL.encode())
    sender, token = ids.issue()
    other_sender, other_token = ids.issue()
    signature = token.split(".", 1)[1]
    refused = [
        sender,  # the id alone
        f"{other_sender}.{signature}",  # another id's signature
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.upper(),
        token + "=",
        " " + token,
        "persisted-session-1234",
        None,
        42,
        {"session_id": token},
    ]
    for value in refused:
        assert ids.verify(value) is None, value
    # The same token under another key (another install) is not ours either.
    assert SessionIds(b"another-install-secret-987654321").verify(token) is None
    assert ids.verify(other_token) == other_sender


def test_outside_development_a_real_secret_is_required(tmp_path):
    key_file = tmp_path / "webchat-session.key"
    for value in ("", "dev-webchat", "change-me", "short"):
        with pytest.raises(SessionSecretMissing):
            load_key({"ENVIRONMENT": "production", "WEBCHAT_SESSION_SECRET": value}, key_file)
    assert load_key({"ENVIRONMENT": "production", "WEBCHAT_SESSION_SECRET": REAL}, key_file) == REAL.encode()
    assert not key_file.exists()


def test_in_development_the_install_key_is_made_once_private_and_kept(tmp_path):
    key_file = tmp_path / "var" / "webchat-session.key"
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(load_key({"ENVIRONMENT": "development"}, key_file)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) >= 32  # servers starting together agree
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_key({"ENVIRONMENT": "development"}, key_file) == keys[0]  # a restart keeps it
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["webchat-session.key"]
    # A secret that is set wins, in development too.
    assert load_key({"ENVIRONMENT": "development", "WEBCHAT_SESSION_SECRET": REAL}, key_file) == REAL.encode()
