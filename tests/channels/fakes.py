"""Local stand-ins for the platforms, on loopback, speaking their real protocols.

* FakeTelegram: the Bot API (https://core.telegram.org/bots/api) - getMe,
  setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling with
  offset/timeout), sendMessage, sendPhoto, sendDocument, answerCallbackQuery,
  getFile and file download, with Telegram's {"ok", "result"} envelopes and
  error shapes. JSON, form-encoded and multipart requests are all read.
* FakeGraph: the WhatsApp Cloud API - POST /{version}/{phone-number-id}/messages,
  GET /{version}/{media-id} (media URL), media download; Bearer token checked.
* FakeTwilio: the Messages API - POST /2010-04-01/Accounts/{sid}/Messages.json
  with HTTP basic auth, and media under .../Messages/{MM}/Media/{ME}.

Each records what it received, so tests wait for the bot's replies there. Also
the customer's side of each platform: building the updates/webhooks they send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import httpx

# A tiny valid JPEG (1x1 px) and a PDF header: what customers "send".
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> whose requests go to `route`."""

    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = owner.route(self.command, self.path, self.headers, body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.lock = threading.Condition()
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def _record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)
            self.lock.notify_all()

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], after: int = 0, timeout: float = 60, count: int = 1
    ) -> list[dict[str, Any]]:
        """Requests matching `predicate` recorded from index `after` on; waits until `count` arrived."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [r for r in self.requests[after:] if predicate(r)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{type(self).__name__}: {len(found)}/{count} matching requests after "
                        f"{timeout}s; got {self.requests[after:]}"
                    )
                self.lock.wait(left)

    def mark(self) -> int:
        with self.lock:
            return len(self.requests)


def _json(status: int, data: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(data, ensure_ascii=False).encode("utf-8")


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


# --- Telegram ------------------------------------------------------------------------------------


class FakeTelegram(_Server):
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

    def callback_update(self, user_id: int, data: str, language_code: str = "ru") -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(uuid.uuid4().int)[:19],
                "from": self.user(user_id, language_code),
                "message": {
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

    def add_file(self, content: bytes, path: str) -> dict[str, Any]:
        """Stores a file as Telegram would after an upload; returns its PhotoSize/Document ids."""
        n = next(self._file_ids)
        file_id, unique = f"AgACAgIAAxkBAAI{n:06d}", f"AQAD{n:06d}"
        self.files[file_id] = (path, content)
        return {"file_id": file_id, "file_unique_id": unique, "file_size": len(content)}

    def photo_update(self, user_id: int, caption: str = "", language_code: str = "ru") -> dict[str, Any]:
        small = self.add_file(JPEG, f"photos/file_{len(self.files)}.jpg")
        big = self.add_file(JPEG, f"photos/file_{len(self.files)}.jpg")
        photo = [{**small, "width": 90, "height": 90}, {**big, "width": 1280, "height": 960}]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        return self.message_update(user_id, None, language_code, **extra)

    def document_update(self, user_id: int, content: bytes, name: str, mime: str, caption: str = "") -> dict:
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
                return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            for _fid, (fpath, content) in self.files.items():
                if fpath == m.group(2):
                    self._record({"method": "download", "params": {"file_path": fpath}})
                    return 200, {"Content-Type": "application/octet-stream"}, content
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", parts.path)
        if not m:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if m.group(1) != self.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        api_method = m.group(2)
        params = read_params(headers, body, parts.query)
        if api_method != "getUpdates":
            self._record({"method": api_method, "params": params})
        handler = getattr(self, f"_m_{api_method}", None)
        if handler is None:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
        return handler(params)

    def _ok(self, result: Any) -> tuple[int, dict[str, str], bytes]:
        return _json(200, {"ok": True, "result": result})

    def _m_getMe(self, params: dict) -> tuple:
        return self._ok(self.bot_user)

    def _m_setWebhook(self, params: dict) -> tuple:
        if not params.get("url", "").startswith("https://") and params.get("url"):
            return _json(
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
            return _json(
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
        return message

    def _m_sendMessage(self, params: dict) -> tuple:
        if not params.get("chat_id"):
            return _json(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"})
        text = params.get("text") or ""
        if not text.strip():
            return _json(400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"})
        if len(text) > 4096:
            return _json(400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"})
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for key in row:
                if len(key.get("callback_data", "").encode()) > 64:
                    return _json(
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
            return _json(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"})
        path, content = self.files[file_id]
        return self._ok(
            {"file_id": file_id, "file_unique_id": "AQAD" + file_id[-6:], "file_size": len(content), "file_path": path}
        )


# --- WhatsApp Cloud API (Graph) ------------------------------------------------------------------


class FakeGraph(_Server):
    def __init__(self, access_token: str, phone_number_id: str, version: str = "v21.0") -> None:
        super().__init__()
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.version = version
        self.media: dict[str, tuple[str, bytes]] = {}
        self._ids = itertools.count(1)

    def add_media(self, content: bytes, mime: str) -> str:
        media_id = str(1_000_000_000_000_000 + next(self._ids))
        self.media[media_id] = (mime, content)
        return media_id

    def sent(self, to: str, after: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            return [r["json"] for r in self.requests[after:] if r.get("kind") == "message" and r["json"]["to"] == to]

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if headers.get("Authorization") != f"Bearer {self.access_token}":
            return _json(
                401,
                {
                    "error": {
                        "message": "Invalid OAuth access token - Cannot parse access token",
                        "type": "OAuthException",
                        "code": 190,
                        "fbtrace_id": "AbCdEf",
                    }
                },
            )
        parts = urlsplit(path)
        if method == "POST" and parts.path == f"/{self.version}/{self.phone_number_id}/messages":
            data = json.loads(body)
            if data.get("messaging_product") != "whatsapp" or not data.get("to"):
                return _json(
                    400,
                    {
                        "error": {
                            "message": "(#100) Invalid parameter",
                            "type": "OAuthException",
                            "code": 100,
                            "fbtrace_id": "AbCdEf",
                        }
                    },
                )
            problem = _interactive_problem(data)
            if problem:
                return _json(
                    400,
                    {
                        "error": {
                            "message": f"(#131009) Parameter value is not valid: {problem}",
                            "type": "OAuthException",
                            "code": 131009,
                            "fbtrace_id": "AbCdEf",
                        }
                    },
                )
            self._record({"kind": "message", "json": data})
            wamid = "wamid." + base64.b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            return _json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": data["to"], "wa_id": data["to"]}],
                    "messages": [{"id": wamid}],
                },
            )
        m = re.fullmatch(rf"/{re.escape(self.version)}/(\d+)", parts.path)
        if method == "GET" and m and m.group(1) in self.media:
            mime, content = self.media[m.group(1)]
            return _json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/whatsapp_business/attachments/?mid={m.group(1)}&ext=1&hash=ATs",
                    "mime_type": mime,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "file_size": len(content),
                    "id": m.group(1),
                },
            )
        if method == "GET" and parts.path == "/whatsapp_business/attachments/":
            mid = parse_qs(parts.query).get("mid", [""])[0]
            if mid in self.media:
                self._record({"kind": "download", "id": mid})
                mime, content = self.media[mid]
                return 200, {"Content-Type": mime}, content
        return _json(
            404,
            {
                "error": {
                    "message": "Unsupported request",
                    "type": "GraphMethodException",
                    "code": 100,
                    "fbtrace_id": "AbCdEf",
                }
            },
        )

    # The customer's side: webhook bodies as Meta sends them ------------------------------------------
    def webhook(self, wa_id: str, message: dict[str, Any], name: str = "Test") -> dict[str, Any]:
        message = {"from": wa_id, "id": "wamid." + uuid.uuid4().hex, "timestamp": str(int(time.time())), **message}
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": self.phone_number_id,
                                },
                                "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                                "messages": [message],
                            },
                        }
                    ],
                }
            ],
        }

    def status_webhook(self, wa_id: str) -> dict[str, Any]:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": self.phone_number_id,
                                },
                                "statuses": [
                                    {
                                        "id": "wamid." + uuid.uuid4().hex,
                                        "status": "delivered",
                                        "timestamp": str(int(time.time())),
                                        "recipient_id": wa_id,
                                        "conversation": {"id": "c1", "origin": {"type": "service"}},
                                        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }


def _interactive_problem(data: dict[str, Any]) -> str | None:
    """The Cloud API's limits on interactive messages."""
    if data.get("type") != "interactive":
        return None
    interactive = data["interactive"]
    if len(interactive.get("body", {}).get("text", "")) > 1024:
        return "body too long"
    action = interactive.get("action", {})
    if interactive.get("type") == "button":
        buttons = action.get("buttons", [])
        if not 1 <= len(buttons) <= 3:
            return "1 to 3 buttons"
        if any(len(b["reply"]["title"]) > 20 or len(b["reply"]["id"]) > 256 for b in buttons):
            return "button title over 20 characters"
    if interactive.get("type") == "list":
        rows = [r for s in action.get("sections", []) for r in s.get("rows", [])]
        if not action.get("button") or not 1 <= len(rows) <= 10:
            return "list needs a button and 1 to 10 rows"
        if any(len(r["title"]) > 24 for r in rows):
            return "row title over 24 characters"
    return None


def meta_sign(app_secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


# --- Twilio --------------------------------------------------------------------------------------


class FakeTwilio(_Server):
    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.media: dict[str, tuple[str, bytes]] = {}

    def add_media(self, content: bytes, mime: str) -> str:
        mm, me = "MM" + uuid.uuid4().hex, "ME" + uuid.uuid4().hex
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{mm}/Media/{me}"
        self.media[path] = (mime, content)
        return self.url + path

    def sent(self, to: str, after: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            return [r["form"] for r in self.requests[after:] if r.get("kind") == "message" and r["form"]["To"] == to]

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if headers.get("Authorization") != expected:
            return _json(
                401,
                {
                    "code": 20003,
                    "message": "Authenticate",
                    "more_info": "https://www.twilio.com/docs/errors/20003",
                    "status": 401,
                },
            )
        parts = urlsplit(path)
        if method == "POST" and parts.path == f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
            if (
                not form.get("To")
                or not form.get("From")
                or not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid"))
            ):
                return _json(
                    400,
                    {
                        "code": 21619,
                        "message": "A text message body or media urls must be specified.",
                        "more_info": "https://www.twilio.com/docs/errors/21619",
                        "status": 400,
                    },
                )
            if len(form.get("Body", "")) > 1600:
                return _json(
                    400,
                    {
                        "code": 21617,
                        "message": "The concatenated message body exceeds the 1600 character limit.",
                        "more_info": "https://www.twilio.com/docs/errors/21617",
                        "status": 400,
                    },
                )
            self._record({"kind": "message", "form": form})
            sid = "SM" + uuid.uuid4().hex
            now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
            return _json(
                201,
                {
                    "account_sid": self.account_sid,
                    "api_version": "2010-04-01",
                    "body": form.get("Body"),
                    "date_created": now,
                    "date_sent": None,
                    "date_updated": now,
                    "direction": "outbound-api",
                    "error_code": None,
                    "error_message": None,
                    "from": form["From"],
                    "messaging_service_sid": None,
                    "num_media": "0",
                    "num_segments": "1",
                    "price": None,
                    "price_unit": None,
                    "sid": sid,
                    "status": "queued",
                    "to": form["To"],
                    "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                },
            )
        if method == "GET" and parts.path in self.media:
            mime, content = self.media[parts.path]
            self._record({"kind": "download", "path": parts.path})
            return 200, {"Content-Type": mime}, content
        return _json(
            404,
            {
                "code": 20404,
                "message": "The requested resource was not found",
                "more_info": "https://www.twilio.com/docs/errors/20404",
                "status": 404,
            },
        )

    # The customer's side: Twilio's webhook form and its signature ----------------------------------
    def inbound_form(self, from_number: str, to_number: str, body: str = "", **extra: str) -> dict[str, str]:
        form = {
            "SmsMessageSid": "SM" + uuid.uuid4().hex,
            "NumMedia": "0",
            "ProfileName": "Test",
            "MessageType": "text",
            "SmsSid": "",
            "WaId": from_number.lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": f"whatsapp:{to_number}",
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": "",
            "AccountSid": self.account_sid,
            "From": f"whatsapp:{from_number}",
            "ApiVersion": "2010-04-01",
        }
        form["SmsSid"] = form["MessageSid"] = form["SmsMessageSid"]
        form.update(extra)
        return form


def twilio_sign(auth_token: str, url: str, form: dict[str, str]) -> str:
    """Twilio's documented algorithm: URL + sorted key/value pairs, HMAC-SHA1, base64."""
    data = url + "".join(k + form[k] for k in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()).decode()


def post_form(url: str, form: dict[str, str], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        url,
        content=urlencode(form),
        timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
