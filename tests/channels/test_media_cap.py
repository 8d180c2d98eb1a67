"""A customer sends a file far above ATTACHMENT_MAX_BYTES (10 MB) on Telegram or WhatsApp: the
rasa server refuses it without reading it whole (the loopback platform counts what it managed to
send before the server hung up), stores nothing, logs it without personal data, and the message
itself (its caption) still reaches the assistant. The channels of credentials.yml run on
rasa_harness.py (an echo in place of the agent: the caption's answer is `echo:<caption>`)."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from tests.channels.helpers import (
    TELEGRAM_SECRET,
    WHATSAPP_APP_SECRET,
    platform_env,
)
from tests.channels.test_channel_harness import harness_server
from tests.support.fake_server import Streamed
from tests.support.whatsapp import meta_sign

HUGE = 200 * 1024 * 1024  # what the platform would send in full
CAP = 10 * 1024 * 1024
# The cap, plus what the kernel's socket buffers take before the platform notices the hang-up.
READ_AT_MOST = CAP + 24 * 1024 * 1024
CAPTION = "Кассир обсчитал меня, чек в файле"


class Server:
    def __init__(self, url: str, log) -> None:
        self.rasa_url = url
        self.log = log

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def mark(self) -> int:
        return len(self.text())

    def refusals(self, channel: str, after: int) -> list[str]:
        """The log's "not stored: file too large" lines of `channel` since `after`. Their id is
        log_id's pseudonym, never the customer's."""
        return [
            line
            for line in self.text()[after:].splitlines()
            if line.startswith(f"{channel}: attachment from ") and " not stored: file too large" in line
        ]


@pytest.fixture(scope="module")
def server(tmp_path_factory, fakes):
    log = tmp_path_factory.mktemp("media") / "harness.log"
    env = platform_env(fakes)
    with harness_server(log, env) as url:
        yield Server(url, log)


def post_update(server: Server, update: dict) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    return httpx.post(f"{server.rasa_url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=60)


def replies_to(tg, chat: int) -> list[str]:
    return [m.get("text") for m in tg.sent(chat)]


def test_telegram_file_of_unstated_size_is_cut_off_at_the_cap(server, fakes):
    s, tg = server, fakes["telegram"]
    chat = random.randint(10**8, 10**9)
    huge = Streamed(HUGE, declare_length=False)  # no file_size, no Content-Length: only the bytes tell
    mark, log_mark = tg.mark(), s.mark()
    r = post_update(s, tg.document_update(chat, huge, "scan.pdf", "application/pdf", caption=CAPTION))
    assert r.status_code == 200 and r.json()["outcome"] == "media", r.text
    assert huge.done.wait(30)
    assert tg.wait_for(lambda q: q.get("method") == "download", after=mark)
    assert CAP < huge.sent < READ_AT_MOST, huge.sent
    assert [line.endswith("(more than that, the limit is 10.0 MiB)") for line in s.refusals("telegram", log_mark)] == [
        True
    ]
    log = s.text()[log_mark:]
    assert " stored (" not in log and str(chat) not in log and CAPTION not in log
    assert replies_to(tg, chat) == [f"echo:{CAPTION}"], "the message was dropped with the file"


def test_telegram_file_stated_above_the_cap_is_not_even_fetched(server, fakes):
    s, tg = server, fakes["telegram"]
    chat = random.randint(10**8, 10**9)
    big = Streamed(15 * 1024 * 1024)  # under Telegram's 20 MB, over our cap; its size is stated
    update = tg.document_update(chat, big, "scan.pdf", "application/pdf", caption=CAPTION)
    file_id = update["message"]["document"]["file_id"]
    log_mark = s.mark()
    r = post_update(s, update)
    assert r.status_code == 200 and r.json()["outcome"] == "media", r.text
    assert all(call.get("file_id") != file_id for call in tg.calls("getFile"))
    assert big.sent == 0
    refusals = s.refusals("telegram", log_mark)
    assert [line.endswith("(declared 15.0 MiB, the limit is 10.0 MiB)") for line in refusals] == [True]
    assert replies_to(tg, chat) == [f"echo:{CAPTION}"]


def post_whatsapp(stack, body: dict) -> httpx.Response:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_sign(WHATSAPP_APP_SECRET, raw)}
    return httpx.post(f"{stack.rasa_url}/webhooks/whatsapp/webhook", content=raw, headers=headers, timeout=30)


def document(media_id: str) -> dict:
    return {"type": "document", "document": {"caption": CAPTION, "mime_type": "application/pdf", "id": media_id}}


def test_whatsapp_file_of_unstated_size_is_cut_off_at_the_cap(server, fakes, customer_number):
    s, graph, wa = server, fakes["graph"], customer_number
    huge = Streamed(HUGE, declare_length=False)
    media_id = graph.add_media(huge, "application/pdf")
    mark, log_mark = graph.mark(), s.mark()
    assert post_whatsapp(s, graph.webhook(wa, document(media_id))).status_code == 200
    graph.wait_for(lambda q: q.get("kind") == "download" and q["id"] == media_id, after=mark)
    assert huge.done.wait(30)
    assert CAP < huge.sent < READ_AT_MOST, huge.sent
    answers = graph.wait_for(lambda q: q.get("kind") == "message" and q["json"]["to"] == wa, after=mark, timeout=60)
    assert answers[0]["json"]["text"]["body"] == f"echo:{CAPTION}"
    refusals = s.refusals("whatsapp", log_mark)
    assert [line.endswith("(more than that, the limit is 10.0 MiB)") for line in refusals] == [True]
    assert wa not in s.text() and CAPTION not in s.text()


def test_whatsapp_file_stated_above_the_cap_is_not_downloaded(server, fakes, customer_number):
    s, graph, wa = server, fakes["graph"], customer_number
    huge = Streamed(HUGE)  # the media lookup states file_size, the download Content-Length
    media_id = graph.add_media(huge, "application/pdf")
    mark, log_mark = graph.mark(), s.mark()
    assert post_whatsapp(s, graph.webhook(wa, document(media_id))).status_code == 200
    graph.wait_for(lambda q: q.get("kind") == "message" and q["json"]["to"] == wa, after=mark, timeout=60)
    assert not [q for q in graph.requests[mark:] if q.get("kind") == "download" and q.get("id") == media_id]
    assert huge.sent == 0
    refusals = s.refusals("whatsapp", log_mark)
    assert [line.endswith("(declared 200.0 MiB, the limit is 10.0 MiB)") for line in refusals] == [True]
