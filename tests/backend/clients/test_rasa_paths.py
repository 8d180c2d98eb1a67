"""backend/app/clients/rasa_paths.py: conversation ids in Rasa's API paths, written as Rasa reads them."""

import pytest

from backend.app.clients.rasa_paths import conversation_path, reachable


@pytest.mark.parametrize(
    "conversation_id",
    ["424242", "994501112233", "whatsapp:+994501112233", "Qm7x_Zy-2AbC.d~", "user@example.com"],
)
def test_the_ids_of_every_channel_go_as_they_are(conversation_id):
    assert conversation_path(conversation_id) == f"/conversations/{conversation_id}"
    assert reachable(conversation_id)


@pytest.mark.parametrize(
    ("conversation_id", "path"),
    [("a/b", "/conversations/a%2Fb"), ("a b", "/conversations/a%20b"), ("a?b#c", "/conversations/a%3Fb%23c")],
)
def test_what_a_path_segment_cannot_hold_is_encoded_and_reported_unreachable(conversation_id, path):
    assert conversation_path(conversation_id) == path
    assert not reachable(conversation_id)
