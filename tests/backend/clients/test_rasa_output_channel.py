"""The backend's messages to a customer (agents' replies, notifications, resume) go out on the
channel that owns the conversation's id, not on whichever channel last wrote into it."""

import pytest

from backend.app.clients.rasa import RasaApi


@pytest.mark.parametrize(
    ("conversation_id", "channel"),
    [
        ("tg:100200300", "telegram"),
        ("wa:994501234567", "whatsapp"),
        ("tw:+40722000111", "twilio"),
        ("wc:5f0c2a9e8b7d4c3a", "socketio"),
        ("rest-client-7", "latest"),  # the REST channel pushes nothing: Rasa collects the answer
        ("tg:", "latest"),
    ],
)
def test_each_call_names_the_conversations_own_channel(conversation_id: str, channel: str) -> None:
    api = RasaApi("http://127.0.0.1:5005", token=None)
    calls = [
        api.trigger_intent(conversation_id, "EXTERNAL_resume"),
        api.append_events(conversation_id, [], side_effects=True),
    ]
    assert [call.params["output_channel"] for call in calls] == [channel, channel]
