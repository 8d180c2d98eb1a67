"""A small Telegram Bot API client over aiohttp, used by the channel and the
long-polling runner. The token is part of every URL, so errors never carry
the URL: they name the method and Telegram's description only.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from bot.common import redact_in_logs
from bot.config import TelegramSettings
from bot.http import HttpClient

logger = logging.getLogger(__name__)


class TelegramError(Exception):
    def __init__(self, method: str, code: int | None, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{method}: {code or ''} {description}".strip())
        self.method = method
        self.code = code
        self.description = description
        self.retry_after = retry_after


class BotApi:
    def __init__(self, settings: TelegramSettings, http: HttpClient | None = None) -> None:
        self.settings = settings
        self.http = http or HttpClient(timeout=70)
        redact_in_logs(settings.token)

    def _url(self, method: str) -> str:
        return f"{self.settings.api_base_url}/bot{self.settings.token}/{method}"

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        kwargs: dict[str, Any] = {"json": payload or {}}
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        try:
            async with self.http.session.post(self._url(method), **kwargs) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    raise TelegramError(method, resp.status, "answer is not JSON") from None
        except aiohttp.ClientError as exc:
            raise TelegramError(method, None, f"request failed ({type(exc).__name__})") from None
        except asyncio.TimeoutError:
            raise TelegramError(method, None, "timed out") from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            params = body.get("parameters") or {}
            raise TelegramError(
                method, body.get("error_code"), str(body.get("description") or "not ok"), params.get("retry_after")
            )
        return body.get("result")

    async def call_retrying(self, method: str, payload: dict[str, Any]) -> Any:
        """Once more after a 429 (flood control) or a network error."""
        try:
            return await self.call(method, payload)
        except TelegramError as exc:
            if exc.code == 429 or exc.code is None:
                await asyncio.sleep(min(float(exc.retry_after or 1), 5.0))
                return await self.call(method, payload)
            raise

    async def download(self, file_id: str) -> tuple[bytes, str]:
        """getFile, then the file itself from {base}/file/bot<token>/<file_path>."""
        info = await self.call("getFile", {"file_id": file_id})
        path = (info or {}).get("file_path")
        if not path:
            raise TelegramError("getFile", None, "no file_path (file too big or expired)")
        url = f"{self.settings.api_base_url}/file/bot{self.settings.token}/{path}"
        try:
            async with self.http.session.get(url) as resp:
                if resp.status != 200:
                    raise TelegramError("download", resp.status, "file not served")
                return await resp.read(), resp.headers.get("Content-Type", "")
        except aiohttp.ClientError as exc:
            raise TelegramError("download", None, f"request failed ({type(exc).__name__})") from None

    async def close(self) -> None:
        await self.http.close()
