"""The mailbox reader (aioimaplib, asyncio): logs in, SELECTs the mailbox of IMAP_URL, fetches
the unseen letters by UID (BODY.PEEK: reading does not mark them), hands each to the inbound
flow in a worker thread, and marks it \\Seen only once it was handled: a reader stopped
mid-fetch leaves it unseen, the next one fetches it again, and its row makes it count once.
Waits in IDLE when the server offers it (at most IMAP_POLL_SECONDS, so letters left unseen by a
failure are tried again), else polls. Reconnects with backoff. Off when IMAP_URL is unset."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import aioimaplib
import sqlalchemy as sa

from backend.app.clients.rasa import RasaClient
from backend.app.core.settings import Settings
from backend.app.mail.inbound import InboundFlow, Outcome
from backend.app.mail.smtp import Mailer
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)
# aioimaplib logs the protocol lines (the LOGIN line, letters' headers) at DEBUG.
logging.getLogger("aioimaplib").setLevel(logging.WARNING)

_FETCH_UID = re.compile(rb"UID (\d+)")
BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


@dataclass(frozen=True)
class MailboxUrl:
    secure: bool
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    mailbox: str

    @classmethod
    def parse(cls, url: str) -> MailboxUrl:
        """imap[s]://user:password@host:port/MAILBOX (user and password URL-encoded)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError("IMAP_URL must be imap[s]://user:password@host:port/MAILBOX")
        secure = parts.scheme == "imaps"
        return cls(
            secure=secure,
            host=parts.hostname,
            port=parts.port or (993 if secure else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        )


class MailboxReader:
    def __init__(
        self, url: MailboxUrl, handle: Callable[[bytes], Outcome], *, poll_seconds: float, timeout: float = 30.0
    ) -> None:
        self.url = url
        self.handle = handle
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.client: aioimaplib.IMAP4 | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="mailbox-reader")

    async def stop(self) -> None:
        self._stopping.set()
        if self.client is not None and self.client.has_pending_idle():
            with contextlib.suppress(Exception):
                await self.client.stop_wait_server_push()  # the IDLE ends in _wait, which sends DONE
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, self.timeout)
            except (TimeoutError, asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                self._task.cancel()
        await self._disconnect()

    async def _run(self) -> None:
        backoff = BACKOFF_START_SECONDS
        while not self._stopping.is_set():
            try:
                await self.connect()
                backoff = BACKOFF_START_SECONDS
                while not self._stopping.is_set():
                    await self.read_unseen()
                    await self._wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: reconnect after a while
                log.warning("mailbox reader: %s; reconnecting in %.0f s", type(exc).__name__, backoff)
                await self._disconnect()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)

    # --- the protocol ------------------------------------------------------------------------------

    async def connect(self) -> None:
        url = self.url
        client = (
            aioimaplib.IMAP4_SSL(url.host, url.port, timeout=self.timeout)
            if url.secure
            else aioimaplib.IMAP4(url.host, url.port, timeout=self.timeout)
        )
        self.client = client
        await client.wait_hello_from_server()
        _ok(await client.login(url.user, url.password), "LOGIN")
        _ok(await client.select(_quoted(url.mailbox)), "SELECT")
        log.info("mailbox reader: logged in (IDLE %s)", "offered" if client.has_capability("IDLE") else "not offered")

    async def read_unseen(self) -> int:
        """Handles every unseen letter; how many were marked \\Seen."""
        client = self._client()
        found = _ok(await client.uid_search("UNSEEN"), "SEARCH")
        uids = [uid for line in found.lines[:1] for uid in bytes(line).split() if uid.isdigit()]
        seen = 0
        for uid in uids:
            if self._stopping.is_set():
                break
            raw = await self._fetch(client, uid.decode())
            if raw is None:
                continue
            outcome = await asyncio.to_thread(self.handle, raw)
            if outcome.seen:
                _ok(await client.uid("store", uid.decode(), "+FLAGS.SILENT", r"(\Seen)"), "STORE")
                seen += 1
        return seen

    async def _fetch(self, client: aioimaplib.IMAP4, uid: str) -> bytes | None:
        response = _ok(await client.uid("fetch", uid, "(BODY.PEEK[])"), "FETCH")
        # [b'1 FETCH (UID 1 BODY[] {123}', bytearray(<the letter>), b')', b'Fetch completed']
        for index, line in enumerate(response.lines[:-1]):
            if isinstance(line, bytes | bytearray) and line.rstrip().endswith(b"}") and b"BODY[]" in line:
                return bytes(response.lines[index + 1])
        return None

    async def _wait(self) -> None:
        """Until the server reports a change (IDLE) or IMAP_POLL_SECONDS have passed."""
        client = self._client()
        if not client.has_capability("IDLE"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)
            return
        idle = await client.idle_start(timeout=self.poll_seconds)
        try:
            with contextlib.suppress(TimeoutError):
                await client.wait_server_push(timeout=self.poll_seconds + 5)
        finally:
            client.idle_done()
            await asyncio.wait_for(idle, self.timeout)

    def _client(self) -> aioimaplib.IMAP4:
        if self.client is None:
            raise ConnectionError("not connected")
        return self.client

    async def _disconnect(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.logout(), 5)


def _ok(response: aioimaplib.Response, command: str) -> aioimaplib.Response:
    if response.result != "OK":
        raise ConnectionError(f"IMAP {command} answered {response.result}")
    return response


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_reader(
    settings: Settings, engine: sa.Engine, policies: Mapping[str, PolicyProfile], rasa: RasaClient
) -> MailboxReader | None:
    """The process's reader of IMAP_URL's mailbox; None when the channel is off."""
    if settings.imap_url is None:
        return None
    flow = InboundFlow(engine=engine, settings=settings, policies=policies, rasa=rasa, mailer=Mailer(settings))
    url = MailboxUrl.parse(settings.imap_url.get_secret_value())
    return MailboxReader(url, flow.handle, poll_seconds=settings.imap_poll_seconds)
