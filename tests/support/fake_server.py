"""The base of the loopback fakes of outside platforms: a threaded HTTP server on a free port of
127.0.0.1 that records what it received, so a test waits for the bot's requests there."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Streamed:
    """A large file a fake serves in chunks, never held whole: `size` bytes of zeros, with or
    without Content-Length (without: the body ends when the connection closes). `sent` counts
    what was written before the client hung up; `done` is set when the answer ended."""

    def __init__(self, size: int, *, declare_length: bool = True, chunk: int = 64 * 1024) -> None:
        self.size = size
        self.declare_length = declare_length
        self.chunk = chunk
        self.sent = 0
        self.done = threading.Event()

    @property
    def declared_size(self) -> int | None:
        """The size the platform states in its metadata (None: it states none)."""
        return self.size if self.declare_length else None

    def write_to(self, handler: BaseHTTPRequestHandler) -> None:
        block = bytes(self.chunk)
        try:
            while self.sent < self.size:
                piece = block[: min(self.chunk, self.size - self.sent)]
                handler.wfile.write(piece)
                self.sent += len(piece)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            handler.close_connection = True
            self.done.set()


def size_of(content: bytes | Streamed) -> int | None:
    return content.declared_size if isinstance(content, Streamed) else len(content)


class FakeServer:
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
                if isinstance(payload, Streamed):
                    if payload.declare_length:
                        self.send_header("Content-Length", str(payload.size))
                    else:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    payload.write_to(self)
                    return
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

    def start(self) -> FakeServer:
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


def json_answer(status: int, data: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(data, ensure_ascii=False).encode("utf-8")
