"""A local stand-in for Telegram's Bot API (https://core.telegram.org/bots/api), on loopback:
getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling with offset/timeout),
sendMessage, sendPhoto, sendDocument, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
getFile and file download, with
Telegram's {"ok", "result"} envelopes and error shapes. JSON, form-encoded and multipart requests
are all read. Point a client at it with TELEGRAM_API_BASE_URL (python-telegram-bot:
base_url=f"{url}/bot", base_file_url=f"{url}/file/bot").

It records every call, so tests wait for the bot's replies there, and it builds the updates a
customer's Telegram sends (messages, button presses, photos, documents). The one fake Telegram
of the tests (tests/channels/test_fakes.py checks it against python-telegram-bot).
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.fake_server import FakeServer, Streamed, json_answer, size_of
from tests.support.samples import JPEG, PDF


def read_params(headers: Any, body: bytes, query: str = "") -> dict[str, Any]:
    """The parameters of a Bot API call: query string, JSON, urlencoded or multipart form."""
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    ctype = (headers.get("Content-Type") or "").lower()
    if not body:
        return params
    if ctype.startswith("application/json"):
        params.update(json.loads(body))
    elif ctype.startswith("application/x-www-form-urlencoded"):
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()})
    elif ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {headers.get('Content-Type')}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            params[name] = data if part.get_filename() else data.decode("utf-8")
    for key, value in list(params.items()):  # form encodings carry JSON objects as strings
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params


class FakeTelegram(FakeServer):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.bot_user = {
            "id": 7_000_000_001,
            "is_bot": True,
            "first_name": "Complaints",
            "username": "complaints_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.webhook: dict[str, Any] = {}
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._update_ids = itertools.count(500_000_001)
        self._message_ids = itertools.count(9_001)
        self._file_ids = itertools.count(1)
        # What the bot sent, as Telegram keeps it (edits included): (chat id, message id) -> message.
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403 on sending)

    # The customer's side ------------------------------------------------------------------------
    def user(self, user_id: int, language_code: str = "ru") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": language_code}

    def private_chat(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "first_name": "Test", "type": "private"}

    def message_update(
        self, user_id: int, text: str | None = None, language_code: str = "ru", **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.user(user_id, language_code),
            "chat": self.private_chat(user_id),
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        message.update(extra)
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self, user_id: int, data: str, language_code: str = "ru", message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A button press; `message`: the bot's message that carries the button (default a stub)."""
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(uuid.uuid4().int)[:19],
                "from": self.user(user_id, language_code),
                "message": message
                or {
                    "message_id": next(self._message_ids),
                    "from": self.bot_user,
                    "chat": self.private_chat(user_id),
                    "date": int(time.time()),
                    "text": "…",
                },
                "chat_instance": "-5000000000000000000",
                "data": data,
            },
        }

    def add_file(self, content: bytes | Streamed, path: str) -> dict[str, Any]:
        """Stores a file as Telegram would after an upload; returns its PhotoSize/Document ids."""
        n = next(self._file_ids)
        file_id, unique = f"AgACAgIAAxkBAAI{n:06d}", f"AQAD{n:06d}"
        self.files[file_id] = (path, content)
        info: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique}
        if size_of(content) is not None:
            info["file_size"] = size_of(content)
        return info

    def photo_update(self, user_id: int, caption: str = "", language_code: str = "ru") -> dict[str, Any]:
        small = self.add_file(JPEG, f"photos/file_{len(self.files)}.jpg")
        big = self.add_file(JPEG, f"photos/file_{len(self.files)}.jpg")
        photo = [{**small, "width": 90, "height": 90}, {**big, "width": 1280, "height": 960}]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        return self.message_update(user_id, None, language_code, **extra)

    def document_update(self, user_id: int, content: bytes | Streamed, name: str, mime: str, caption: str = "") -> dict:
        doc = {**self.add_file(content, f"documents/{name}"), "file_name": name, "mime_type": mime}
        extra: dict[str, Any] = {"document": doc}
        if caption:
            extra["caption"] = caption
        return self.message_update(user_id, None, **extra)

    def queue_update(self, update: dict[str, Any]) -> None:
        """For getUpdates (long polling)."""
        with self.lock:
            self.updates.append(update)
            self.lock.notify_all()

    # What the bot sent ---------------------------------------------------------------------------
    def sent(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            return [
                r["params"]
                for r in self.requests[after:]
                if r.get("method") in ("sendMessage", "sendPhoto", "sendDocument")
                and str(r["params"].get("chat_id")) == str(chat_id)
            ]

    def calls(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r["params"] for r in self.requests if r.get("method") == method]

    # The server ----------------------------------------------------------------------------------
    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        parts = parts._replace(path=unquote(parts.path))  # clients may send the token's ':' as %3A
        m = re.fullmatch(r"/file/bot([^/]+)/(.+)", parts.path)
        if m and method == "GET":
            if m.group(1) != self.token:
                return json_answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            for _fid, (fpath, content) in self.files.items():
                if fpath == m.group(2):
                    self._record({"method": "download", "params": {"file_path": fpath}})
                    return 200, {"Content-Type": "application/octet-stream"}, content
            return json_answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", parts.path)
        if not m:
            return json_answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if m.group(1) != self.token:
            return json_answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        api_method = m.group(2)
        params = read_params(headers, body, parts.query)
        if api_method != "getUpdates":
            self._record({"method": api_method, "params": params, "at": time.time()})
        handler = getattr(self, f"_m_{api_method}", None)
        if handler is None:
            return json_answer(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
        return handler(params)

    def _ok(self, result: Any) -> tuple[int, dict[str, str], bytes]:
        return json_answer(200, {"ok": True, "result": result})

    def _m_getMe(self, params: dict) -> tuple:
        return self._ok(self.bot_user)

    def _m_setWebhook(self, params: dict) -> tuple:
        if not params.get("url", "").startswith("https://") and params.get("url"):
            return json_answer(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                },
            )
        self.webhook = params
        return self._ok(True)

    def _m_deleteWebhook(self, params: dict) -> tuple:
        self.webhook = {}
        return self._ok(True)

    def _m_getWebhookInfo(self, params: dict) -> tuple:
        return self._ok(
            {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self.updates),
            }
        )

    def _m_getUpdates(self, params: dict) -> tuple:
        if self.webhook.get("url"):
            return json_answer(
                409,
                {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                },
            )
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 50)
        self._record({"method": "getUpdates", "params": params})
        deadline = time.monotonic() + timeout
        with self.lock:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones go
            while True:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if ready or left <= 0:
                    return self._ok(ready[: int(params.get("limit") or 100)])
                self.lock.wait(left)

    def _message(self, params: dict, **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": self.private_chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self.lock:
            self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, params: dict, **changes: Any) -> tuple:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        with self.lock:
            message = self.messages.get(key)
            if message is None:
                return json_answer(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
                )
            message.update(changes)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
            return self._ok(dict(message))

    def _m_editMessageText(self, params: dict) -> tuple:
        if not (params.get("text") or "").strip():
            return json_answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            )
        return self._edit(params, text=params["text"])

    def _m_editMessageReplyMarkup(self, params: dict) -> tuple:
        return self._edit(params)

    def _m_sendMessage(self, params: dict) -> tuple:
        if not params.get("chat_id"):
            return json_answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"})
        if int(params["chat_id"]) in self.blocked:
            return json_answer(
                403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            )
        text = params.get("text") or ""
        if not text.strip():
            return json_answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            )
        if len(text) > 4096:
            return json_answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"})
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for key in row:
                if len(key.get("callback_data", "").encode()) > 64:
                    return json_answer(
                        400, {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"}
                    )
        return self._ok(self._message(params, text=text))

    def _m_sendPhoto(self, params: dict) -> tuple:
        return self._ok(
            self._message(params, photo=[{**self.add_file(JPEG, "photos/sent.jpg"), "width": 1, "height": 1}])
        )

    def _m_sendDocument(self, params: dict) -> tuple:
        return self._ok(self._message(params, document={**self.add_file(PDF, "documents/sent.pdf")}))

    def _m_answerCallbackQuery(self, params: dict) -> tuple:
        return self._ok(True)

    def _m_getFile(self, params: dict) -> tuple:
        file_id = params.get("file_id")
        if file_id not in self.files:
            return json_answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"})
        path, content = self.files[file_id]
        answer = {"file_id": file_id, "file_unique_id": "AQAD" + file_id[-6:], "file_path": path}
        if size_of(content) is not None:
            answer["file_size"] = size_of(content)
        return self._ok(answer)
