"""Unit tests of update parsing and reply rendering (no servers)."""

from __future__ import annotations

import time

from bot.channels.messages import MEDIA, PAYLOAD, TEXT, UNSUPPORTED, Ignored, Inbound, split_text
from bot.channels.telegram.updates import inline_keyboard, parse_update
from bot.channels.twilio.payload import message_forms, parse_form
from bot.channels.whatsapp.payload import LIST_BUTTON_LABEL, button_messages, parse_webhook, text_messages
from tests.support.telegram import FakeTelegram
from tests.support.whatsapp import FakeGraph, FakeTwilio

TG = FakeTelegram("1:x")  # used only to build updates, never started
GRAPH = FakeGraph("t", "106540352242922")
TWILIO = FakeTwilio("AC1", "t")
LANGUAGES = [
    {"title": "Русский", "payload": '/switch_language{"language":"ru"}'},
    {"title": "Azərbaycanca", "payload": '/switch_language{"language":"az"}'},
    {"title": "Română", "payload": '/switch_language{"language":"ro"}'},
    {"title": "Türkçe", "payload": '/switch_language{"language":"tr"}'},
]


# --- Telegram ----------------------------------------------------------------------------------


def test_text_message_carries_language_code_and_chat_id():
    got = parse_update(TG.message_update(42, "Здравствуйте", language_code="az"))
    assert isinstance(got, Inbound) and got.kind == TEXT
    assert got.sender_id == "tg:42" and got.text == "Здравствуйте"
    assert got.metadata["language_code"] == "az" and got.metadata["telegram"]["chat_id"] == 42


def test_start_command_greets_and_other_commands_lose_their_slash():
    start = parse_update(TG.message_update(1, "/start promo-42"))
    assert (start.kind, start.text) == (PAYLOAD, "/greet")
    assert parse_update(TG.message_update(1, "/start@complaints_test_bot")).text == "/greet"
    assert parse_update(TG.message_update(1, "/help")).text == "help"


def test_callback_query_is_the_buttons_payload():
    got = parse_update(TG.callback_update(7, "/dont_know", language_code="tr"))
    assert (got.kind, got.text, got.sender_id) == (PAYLOAD, "/dont_know", "tg:7")
    assert got.metadata["language_code"] == "tr" and got.metadata["telegram"]["callback_query_id"]


def test_photo_takes_the_largest_size_and_the_caption():
    update = TG.photo_update(5, caption="чек")
    got = parse_update(update)
    assert got.kind == MEDIA and got.text == "чек"
    (media,) = got.media
    assert media.ref == update["message"]["photo"][-1]["file_id"]  # 1280x960, not the thumbnail
    assert media.content_type == "image/jpeg" and media.filename.endswith(".jpg")


def test_document_keeps_its_name_and_type():
    got = parse_update(TG.document_update(5, b"%PDF", "чек.pdf", "application/pdf"))
    assert got.kind == MEDIA and got.media[0].filename == "чек.pdf"
    assert got.media[0].content_type == "application/pdf"


def test_too_big_document_is_unsupported_not_fetched():
    update = TG.document_update(5, b"x", "video.mp4", "video/mp4")
    update["message"]["document"]["file_size"] = 50 * 1024 * 1024
    assert parse_update(update).kind == UNSUPPORTED


def test_sticker_sends_its_emoji_and_voice_sends_nothing():
    # Complete Bot API objects: python-telegram-bot refuses a sticker or voice note without the
    # fields Telegram always sends (such an update is ignored as malformed).
    angry = {"file_id": "s", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512}
    angry |= {"is_animated": False, "is_video": False, "emoji": "😡"}
    sticker = parse_update(TG.message_update(5, None, sticker=angry))
    assert (sticker.kind, sticker.text) == (UNSUPPORTED, "😡")
    voice = parse_update(TG.message_update(5, None, voice={"file_id": "v", "file_unique_id": "v1", "duration": 2}))
    assert (voice.kind, voice.text) == (UNSUPPORTED, "")


def test_edits_groups_channels_bots_and_junk_are_ignored():
    edited = TG.message_update(5, "x")
    edited["edited_message"] = edited.pop("message")
    group = TG.message_update(5, "x")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "g"}
    bot = TG.message_update(5, "x")
    bot["message"]["from"]["is_bot"] = True
    group_button = TG.callback_update(5, "/affirm")
    group_button["callback_query"]["message"]["chat"] = {"id": -100, "type": "supergroup", "title": "g"}
    for update in (
        edited,
        group,
        bot,
        group_button,
        {"update_id": 1, "channel_post": {}},
        {"update_id": 2},
        {"update_id": 3, "message": None},
        [],
        {"update_id": 4, "message": {"chat": {"type": "private"}}},
    ):
        assert isinstance(parse_update(update), Ignored), update


def test_updates_with_fields_of_the_wrong_type_are_ignored_not_an_error():
    """python-telegram-bot raises AttributeError on some of these; the webhook must still answer
    200 (an error makes Telegram deliver the same update again and again)."""
    for update in (
        {"update_id": 5, "message": "x"},
        {"update_id": 6, "callback_query": 7},
        {"update_id": 7, "message": {"message_id": "a", "chat": "b", "date": []}},
    ):
        assert isinstance(parse_update(update), Ignored), update


def test_inline_keyboard_fits_telegrams_64_byte_callback_data():
    keyboard = inline_keyboard(LANGUAGES + [{"title": "Очень длинная кнопка", "payload": "/inform" + "x" * 80}])
    keys = [k for row in keyboard["inline_keyboard"] for k in row]
    assert [k["callback_data"] for k in keys[:4]] == [b["payload"] for b in LANGUAGES]
    assert keys[4]["callback_data"] == "t:Очень длинная кнопка"
    assert all(len(k["callback_data"].encode()) <= 64 for k in keys)
    assert parse_update(TG.callback_update(1, keys[4]["callback_data"])).text == "Очень длинная кнопка"
    assert [len(row) for row in keyboard["inline_keyboard"]] == [2, 2, 1]


# --- WhatsApp ----------------------------------------------------------------------------------


def test_whatsapp_text_buttons_lists_and_media():
    wa = "994501234567"
    assert (
        parse_webhook(GRAPH.webhook(wa, {"type": "text", "text": {"body": "salam"}}), "106540352242922")[0].text
        == "salam"
    )
    button = GRAPH.webhook(
        wa,
        {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "/dont_know", "title": "Не знаю"}},
        },
    )
    assert parse_webhook(button)[0].kind == PAYLOAD and parse_webhook(button)[0].text == "/dont_know"
    listed = GRAPH.webhook(
        wa,
        {
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": "Türkçe", "title": "Türkçe"}},
        },
    )
    assert (parse_webhook(listed)[0].kind, parse_webhook(listed)[0].text) == (TEXT, "Türkçe")
    template = GRAPH.webhook(wa, {"type": "button", "button": {"payload": "/affirm", "text": "Да"}})
    assert parse_webhook(template)[0].text == "/affirm"
    doc = GRAPH.webhook(
        wa, {"type": "document", "document": {"id": "123", "filename": "чек.pdf", "mime_type": "application/pdf"}}
    )
    got = parse_webhook(doc)[0]
    assert got.kind == MEDIA and got.text == "" and got.media[0].filename == "чек.pdf"
    image = parse_webhook(GRAPH.webhook(wa, {"type": "image", "image": {"id": "9", "mime_type": "image/jpeg"}}))[0]
    assert image.media[0].filename == "image-9.jpg"
    assert parse_webhook(GRAPH.webhook(wa, {"type": "location", "location": {}}))[0].kind == UNSUPPORTED
    assert parse_webhook(GRAPH.webhook(wa, {"type": "reaction", "reaction": {}})) == []


def test_whatsapp_statuses_and_other_numbers_are_dropped():
    assert parse_webhook(GRAPH.status_webhook("994501234567")) == []
    body = GRAPH.webhook("994501234567", {"type": "text", "text": {"body": "x"}})
    assert parse_webhook(body, "someone-else") == []
    assert parse_webhook({"object": "page", "entry": []}) == []
    assert parse_webhook({"entry": [{"changes": [{"field": "account_update", "value": {}}]}]}) == []


def test_whatsapp_rendering_respects_the_cloud_api_limits():
    (one,) = button_messages("1", "Кто вас обслуживал?", [{"title": "Не знаю", "payload": "/dont_know"}])
    assert one["interactive"]["type"] == "button"
    assert one["interactive"]["action"]["buttons"][0]["reply"] == {"id": "/dont_know", "title": "Не знаю"}
    (listed,) = button_messages("1", "Здравствуйте!", LANGUAGES)
    assert listed["interactive"]["type"] == "list" and listed["interactive"]["action"]["button"] == LIST_BUTTON_LABEL
    long_title = button_messages("1", "x", [{"title": "Очень-очень длинное название кнопки", "payload": "/a"}])
    assert len(long_title[0]["interactive"]["action"]["buttons"][0]["reply"]["title"]) <= 20
    many = button_messages("1", "Выберите", [{"title": str(i), "payload": f"/p{i}"} for i in range(12)])
    assert [m["type"] for m in many] == ["text"] and "• 11" in many[0]["text"]["body"]
    long_body = button_messages("1", "абв " * 400, [{"title": "Да", "payload": "/affirm"}])
    assert all(m["type"] == "text" for m in long_body)
    assert [len(m["text"]["body"]) <= 4096 for m in text_messages("1", "слово " * 2000)] == [True] * 3


# --- Twilio ------------------------------------------------------------------------------------


def test_twilio_form_text_media_and_buttons():
    form = TWILIO.inbound_form("+994501234567", "+14155238886", "Здравствуйте")
    got = parse_form(form)
    assert (got.sender_id, got.kind, got.text) == ("tw:+994501234567", TEXT, "Здравствуйте")
    assert got.message_id == form["MessageSid"]
    media = parse_form(
        {
            **form,
            "NumMedia": "1",
            "MediaUrl0": "https://api.twilio.com/x/Media/ME1",
            "MediaContentType0": "image/png",
            "Body": "",
        }
    )
    assert media.kind == MEDIA and media.media[0].filename == "ME1.png"
    assert parse_form({**form, "ButtonPayload": "/affirm", "ButtonText": "Да"}).text == "/affirm"
    assert parse_form({**form, "Body": "", "Latitude": "40.4"}).kind == UNSUPPORTED
    assert parse_form({}) is None
    assert parse_form({**form, "NumMedia": "many"}).kind == TEXT


def test_twilio_replies_list_buttons_as_lines_and_stay_under_1600_characters():
    forms = message_forms("whatsapp:+1", "whatsapp:+2", "Кто вас обслуживал?", [{"title": "Не знаю", "payload": "/x"}])
    assert forms == [{"From": "whatsapp:+1", "To": "whatsapp:+2", "Body": "Кто вас обслуживал?\n\n• Не знаю"}]
    assert all(len(f["Body"]) <= 1600 for f in message_forms("a", "b", "текст " * 1000))


# --- shared ------------------------------------------------------------------------------------


def test_split_text_prefers_paragraphs_then_words():
    assert split_text("", 10) == []
    assert split_text("один\n\nдва", 8) == ["один", "два"]
    pieces = split_text("слово " * 50, 40)
    assert all(len(p) <= 40 for p in pieces) and " ".join(pieces).split() == ["слово"] * 50
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_fake_updates_look_current():
    assert abs(TG.message_update(1, "x")["message"]["date"] - time.time()) < 5


def test_telegram_calls_are_retried_only_when_no_answer_came():
    """The old client's rule, kept under python-telegram-bot: a lost connection or a timeout is
    tried once more; an error Telegram answered with (a 5xx) is not, so nothing is sent twice."""
    import asyncio

    import httpx
    import pytest
    from telegram.error import NetworkError, TimedOut

    from bot.channels.telegram.api import call_retrying

    def failing(first: Exception):
        calls = []

        async def request():
            calls.append(1)
            if len(calls) == 1:
                raise first
            return "sent"

        return request, calls

    answered, calls = failing(NetworkError("Internal Server Error (500)"))
    with pytest.raises(NetworkError):
        asyncio.run(call_retrying(answered))
    assert len(calls) == 1
    for lost in (TimedOut(), NetworkError("httpx.ConnectError: refused")):
        if not isinstance(lost, TimedOut):
            lost.__cause__ = httpx.ConnectError("refused")
        request, calls = failing(lost)
        assert asyncio.run(call_retrying(request)) == "sent" and len(calls) == 2
