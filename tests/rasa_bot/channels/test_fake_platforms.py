"""The fake platforms are checked against real clients: python-telegram-bot
parses every Bot API answer of FakeTelegram into its own objects (it rejects
wrong shapes); the test signer of Twilio webhooks follows Twilio's algorithm."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, Conflict, InvalidToken

from tests.support.samples import JPEG
from tests.support.telegram import FakeTelegram
from tests.support.whatsapp import FakeGraph, FakeTwilio, twilio_sign

TOKEN = "7000000001:AAH-fake"


@pytest.fixture
def tg():
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def test_python_telegram_bot_speaks_to_the_fake_bot_api(tg):
    async def scenario() -> None:
        bot = Bot(TOKEN, base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")
        async with bot:
            me = await bot.get_me()
            assert isinstance(me, User) and me.username == "complaints_test_bot"
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Не знаю", callback_data="/dont_know")]])
            sent = await bot.send_message(42, "Кто вас обслуживал?", reply_markup=keyboard)
            assert isinstance(sent, Message) and sent.chat.id == 42 and sent.text == "Кто вас обслуживал?"
            assert sent.reply_markup.inline_keyboard[0][0].callback_data == "/dont_know"
            with pytest.raises(BadRequest):
                await bot.send_message(42, "")
            assert await bot.set_webhook("https://example.org/webhooks/telegram/webhook", secret_token="s")
            with pytest.raises(Conflict):
                await bot.get_updates(timeout=0)
            assert await bot.delete_webhook()
            tg.queue_update(tg.photo_update(42, caption="чек"))
            (update,) = await bot.get_updates(timeout=1)
            assert isinstance(update, Update) and update.message.caption == "чек"
            photo = update.message.photo[-1]
            file = await bot.get_file(photo.file_id)
            assert bytes(await file.download_as_bytearray()) == JPEG
            assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
            assert await bot.answer_callback_query("123")
        with pytest.raises(InvalidToken):
            async with Bot("1:wrong", base_url=f"{tg.url}/bot") as wrong:
                await wrong.get_me()

    asyncio.run(scenario())


def test_fake_graph_checks_token_and_limits():
    graph = FakeGraph("tok", "1").start()
    try:
        ok = httpx.post(
            f"{graph.url}/v21.0/1/messages",
            headers={"Authorization": "Bearer tok"},
            json={"messaging_product": "whatsapp", "to": "9945", "type": "text", "text": {"body": "x"}},
        )
        assert ok.status_code == 200 and ok.json()["messages"][0]["id"].startswith("wamid.")
        assert httpx.post(f"{graph.url}/v21.0/1/messages", json={}).json()["error"]["code"] == 190
        media_id = graph.add_media(JPEG, "image/jpeg")
        info = httpx.get(f"{graph.url}/v21.0/{media_id}", headers={"Authorization": "Bearer tok"}).json()
        assert info["sha256"] == hashlib.sha256(JPEG).hexdigest()
        assert httpx.get(info["url"], headers={"Authorization": "Bearer tok"}).content == JPEG
    finally:
        graph.stop()


def test_fake_twilio_needs_basic_auth():
    twilio = FakeTwilio("AC1", "tok").start()
    try:
        url = f"{twilio.url}/2010-04-01/Accounts/AC1/Messages.json"
        assert httpx.post(url, data={"To": "a", "From": "b", "Body": "x"}).json()["code"] == 20003
        sent = httpx.post(url, data={"To": "whatsapp:+1", "From": "whatsapp:+2", "Body": "x"}, auth=("AC1", "tok"))
        assert sent.status_code == 201 and sent.json()["sid"].startswith("SM")
    finally:
        twilio.stop()


def test_twilio_signature_follows_the_documented_example():
    # Twilio's documentation example (security page): URL, params and auth token 12345.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    data = url + "".join(k + params[k] for k in sorted(params))
    expected = base64.b64encode(hmac.new(b"12345", data.encode(), hashlib.sha1).digest()).decode()
    assert twilio_sign("12345", url, params) == expected
    # twilio's own RequestValidator (rasa's environment) accepts these signatures: test_twilio_e2e.py.
