"""Local stand-ins for the WhatsApp platforms, on loopback, speaking their real protocols.

* FakeGraph: the WhatsApp Cloud API - POST /{version}/{phone-number-id}/messages,
  GET /{version}/{media-id} (media URL), media download; Bearer token checked.
* FakeTwilio: the Messages API - POST /2010-04-01/Accounts/{sid}/Messages.json
  with HTTP basic auth, and media under .../Messages/{MM}/Media/{ME}.

Each records what it received, so tests wait for the bot's replies there. Also
the customer's side of each platform: building the webhooks they send. The fake
Telegram Bot API is tests/support/telegram.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.support.fake_server import FakeServer, Streamed, json_answer, size_of

# --- WhatsApp Cloud API (Graph) ------------------------------------------------------------------


class FakeGraph(FakeServer):
    def __init__(self, access_token: str, phone_number_id: str, version: str = "v21.0") -> None:
        super().__init__()
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.version = version
        self.media: dict[str, tuple[str, bytes]] = {}
        self._ids = itertools.count(1)

    def add_media(self, content: bytes | Streamed, mime: str) -> str:
        media_id = str(1_000_000_000_000_000 + next(self._ids))
        self.media[media_id] = (mime, content)
        return media_id

    def sent(self, to: str, after: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            return [r["json"] for r in self.requests[after:] if r.get("kind") == "message" and r["json"]["to"] == to]

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if headers.get("Authorization") != f"Bearer {self.access_token}":
            return json_answer(
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
                return json_answer(
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
                return json_answer(
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
            return json_answer(
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
            info = {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/whatsapp_business/attachments/?mid={m.group(1)}&ext=1&hash=ATs",
                "mime_type": mime,
                "id": m.group(1),
            }
            if not isinstance(content, Streamed):
                info["sha256"] = hashlib.sha256(content).hexdigest()
            if size_of(content) is not None:
                info["file_size"] = size_of(content)
            return json_answer(200, info)
        if method == "GET" and parts.path == "/whatsapp_business/attachments/":
            mid = parse_qs(parts.query).get("mid", [""])[0]
            if mid in self.media:
                self._record({"kind": "download", "id": mid})
                mime, content = self.media[mid]
                return 200, {"Content-Type": mime}, content
        return json_answer(
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
        return self._envelope({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})

    def status_webhook(self, wa_id: str) -> dict[str, Any]:
        status = {
            "id": "wamid." + uuid.uuid4().hex,
            "status": "delivered",
            "timestamp": str(int(time.time())),
            "recipient_id": wa_id,
            "conversation": {"id": "c1", "origin": {"type": "service"}},
            "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
        }
        return self._envelope({"statuses": [status]})

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        """One change of the business account, as Meta wraps messages and statuses alike."""
        metadata = {"display_phone_number": "15550783881", "phone_number_id": self.phone_number_id}
        change = {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata, **value}}
        return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [change]}]}


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


# Twilio's answers to refused messages: (HTTP status, its error code and message).
TWILIO_ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    429: (20429, "Too Many Requests"),
    503: (20503, "Service Unavailable"),
}


class FakeTwilio(FakeServer):
    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.media: dict[str, tuple[str, bytes]] = {}
        # The next messages refused, in order: (status, Retry-After or None).
        self.refusals: list[tuple[int, int | None]] = []

    def refuse(self, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """The next `times` messages are answered with Twilio's error for `status` (TWILIO_ERRORS)."""
        with self.lock:
            self.refusals.extend([(status, retry_after)] * times)

    def refused(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r["form"] for r in self.requests if r.get("kind") == "refused"]

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
            return json_answer(
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
                return json_answer(
                    400,
                    {
                        "code": 21619,
                        "message": "A text message body or media urls must be specified.",
                        "more_info": "https://www.twilio.com/docs/errors/21619",
                        "status": 400,
                    },
                )
            if len(form.get("Body", "")) > 1600:
                return json_answer(
                    400,
                    {
                        "code": 21617,
                        "message": "The concatenated message body exceeds the 1600 character limit.",
                        "more_info": "https://www.twilio.com/docs/errors/21617",
                        "status": 400,
                    },
                )
            with self.lock:
                refusal = self.refusals.pop(0) if self.refusals else None
            if refusal is not None:
                status, retry_after = refusal
                code, text = TWILIO_ERRORS[status]
                self._record({"kind": "refused", "form": form, "status": status})
                answer = json_answer(
                    status,
                    {
                        "code": code,
                        "message": text,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                        "status": status,
                    },
                )
                if retry_after is not None:
                    answer[1]["Retry-After"] = str(retry_after)
                return answer
            self._record({"kind": "message", "form": form})
            sid = "SM" + uuid.uuid4().hex
            now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
            return json_answer(
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
        return json_answer(
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
