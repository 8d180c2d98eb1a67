"""HTTP plumbing shared by the channels: one lazily opened aiohttp session per
channel, and the backend's attachment store. No rasa imports, so the Telegram
long-polling runner stays light."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.config import BackendSettings


class HttpClient:
    """One aiohttp session per channel, opened lazily inside the server's loop
    (never before it runs: that is what broke Rasa's own Telegram channel)."""

    def __init__(self, timeout: float = 30) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


class AttachmentError(Exception):
    pass


class AttachmentStore:
    """`POST {BACKEND_URL}/api/attachments` (multipart: file, conversation_id, channel)
    with the action server's service token."""

    def __init__(self, settings: BackendSettings | None = None, http: HttpClient | None = None) -> None:
        self.settings = settings or BackendSettings.from_env()
        self.http = http or HttpClient(self.settings.timeout)

    async def upload(
        self, *, conversation_id: str, channel: str, filename: str, content: bytes, content_type: str
    ) -> dict[str, Any]:
        if len(content) > self.settings.max_attachment_bytes:
            raise AttachmentError(f"file of {len(content)} bytes is over the limit")
        form = aiohttp.FormData()
        form.add_field("conversation_id", conversation_id)
        form.add_field("channel", channel)
        form.add_field("file", content, filename=filename, content_type=content_type or "application/octet-stream")
        try:
            async with self.http.session.post(
                f"{self.settings.url}/api/attachments",
                data=form,
                headers={"Authorization": f"Bearer {self.settings.service_token}"},
            ) as resp:
                if resp.status >= 300:
                    raise AttachmentError(f"backend answered {resp.status}")
                body = await resp.json(content_type=None)
        except aiohttp.ClientError as exc:
            raise AttachmentError(f"backend unreachable ({type(exc).__name__})") from None
        return body if isinstance(body, dict) else {}
