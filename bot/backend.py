"""The backend's API as the Rasa side uses it: the action server (complaints, status look-ups,
customer decisions, ratings, handoffs) and the channels (attachments).

One client over the process's pooled session (bot.http), with the service token and the one
backend timeout of bot.settings. No rasa imports: the action server and the rasa server both
use it. Errors never carry personal data: they name the API, not the request.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot import http
from bot.settings import settings

logger = logging.getLogger(__name__)


class BackendUnavailable(Exception):
    """The backend did not answer, or answered 5xx: retry later, keep the data."""


@dataclass
class BackendRejected(Exception):
    """The backend refused the data (4xx): `field` names the field when it says so."""

    status: int
    field: str | None
    detail: Any
    retry_after: str | None = None


class BackendClient:
    def __init__(self, base_url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.base_url = (base_url or settings.backend_url).rstrip("/")
        self.token = token or settings.service_token
        self.timeout = aiohttp.ClientTimeout(total=timeout or settings.backend_timeout)

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def _call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        attempts: int = 2,
        headers: dict[str, str] | None = None,
    ) -> dict:
        """One backend call: 4xx -> BackendRejected at once; no answer or 5xx -> retried with
        backoff (0.5 s, 1 s, ...), then BackendUnavailable."""
        headers = {**self._auth, **(headers or {})}
        what = path.split("/")[2]  # "complaints", "status-lookup": never personal data
        delay = 0.5
        for attempt in range(1, attempts + 1):
            try:
                async with http.session().request(
                    method, f"{self.base_url}{path}", json=payload, headers=headers, timeout=self.timeout
                ) as resp:
                    body = await resp.json(content_type=None)
                    if resp.status in (200, 201):
                        return body
                    if 400 <= resp.status < 500:
                        raise BackendRejected(resp.status, _field_of(body), body, resp.headers.get("Retry-After"))
                    logger.warning("backend answered %s on %s (attempt %d)", resp.status, what, attempt)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                logger.warning("backend call %s failed (attempt %d): %s", what, attempt, type(exc).__name__)
            if attempt < attempts:
                await asyncio.sleep(delay)
                delay *= 2
        raise BackendUnavailable()

    # --- the action server -------------------------------------------------------------------
    async def look_up_status(self, tracking_number: str, pin: str, language: str | None) -> dict:
        payload = {"tracking_number": tracking_number, "pin": pin}
        if language:
            payload["language"] = language
        return await self._call("POST", "/api/status-lookup", payload, attempts=1)

    async def record_decision(
        self,
        tracking_number: str,
        *,
        approved: bool,
        reason: str | None,
        language: str | None,
        conversation_id: str,
        pin: str | None = None,
    ) -> dict:
        """The backend takes it from the complaint's own conversation, or with its PIN."""
        payload = {"approved": approved, "reason": reason, "language": language, "conversation_id": conversation_id}
        if pin:
            payload["pin"] = pin
        return await self._call("POST", f"/api/complaints/{tracking_number}/customer-decision", payload)

    async def store_rating(
        self, tracking_number: str, rating: int, *, conversation_id: str, pin: str | None = None
    ) -> dict:
        """As record_decision: from the complaint's own conversation, or with its PIN."""
        payload: dict[str, Any] = {"rating": rating, "conversation_id": conversation_id}
        if pin:
            payload["pin"] = pin
        return await self._call("POST", f"/api/complaints/{tracking_number}/rating", payload)

    async def request_handoff(self, payload: dict[str, Any]) -> dict:
        return await self._call("POST", "/api/handoffs", payload)

    async def chat_welcome(self, policy: str) -> dict:
        """`GET /api/chat/welcome`: the policy's promise and its agents' hours for the web chat's
        first message. Once: the customer is waiting for it."""
        return await self._call("GET", f"/api/chat/welcome?{urlencode({'policy': policy})}", None, attempts=1)

    async def register_complaint(self, payload: dict[str, Any], idempotency_key: str, attempts: int = 3) -> dict:
        """POST /api/complaints; the same key always yields the same complaint."""
        return await self._call(
            "POST", "/api/complaints", payload, attempts=attempts, headers={"Idempotency-Key": idempotency_key}
        )

    # --- the channels ------------------------------------------------------------------------
    async def send_letter(self, conversation_id: str, messages: list[dict[str, Any]]) -> dict:
        """`POST /api/mail/outbound`: the bot's messages to an e-mail customer outside a letter's
        turn (an agent's reply, a question asked again), sent by the backend in the thread."""
        return await self._call(
            "POST", "/api/mail/outbound", {"conversation_id": conversation_id, "messages": messages}
        )

    async def upload_attachment(
        self, *, conversation_id: str, channel: str, filename: str, content: bytes, content_type: str
    ) -> dict[str, Any]:
        """`POST /api/attachments` (multipart: file, conversation_id, channel); once, a file is not
        worth a customer's wait. Raises AttachmentError."""
        if len(content) > settings.attachment_max_bytes:
            raise AttachmentError(f"file of {len(content)} bytes is over the limit")
        form = aiohttp.FormData()
        form.add_field("conversation_id", conversation_id)
        form.add_field("channel", channel)
        form.add_field("file", content, filename=filename, content_type=content_type or "application/octet-stream")
        try:
            async with http.session().post(
                f"{self.base_url}/api/attachments", data=form, headers=self._auth, timeout=self.timeout
            ) as resp:
                if resp.status >= 300:
                    raise AttachmentError(f"backend answered {resp.status}")
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise AttachmentError(f"backend unreachable ({type(exc).__name__})") from None
        return body if isinstance(body, dict) else {}


class AttachmentError(Exception):
    pass


def _field_of(body: Any) -> str | None:
    """The first field FastAPI's 422 names (loc: ["body", "phone"])."""
    try:
        for err in body.get("detail", []):
            loc = err.get("loc") or []
            if len(loc) >= 2:
                return str(loc[-1])
    except AttributeError:
        pass
    if isinstance(body, dict) and isinstance(body.get("field"), str):
        return body["field"]
    return None
