"""limit_body on a bare Sanic app, as the action server's entry point uses it: a body above the
limit is answered 413 JSON (declared by Content-Length or not), one within it reaches the route."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sanic import Sanic, response

from bot.runtime.body_limit import DEFAULT_MAX_BODY_BYTES, limit_body, max_body_bytes
from tests.support.net import free_port


def test_the_setting_defaults_to_one_mebibyte_and_refuses_nonsense(monkeypatch):
    monkeypatch.delenv("RASA_MAX_BODY_BYTES", raising=False)
    assert max_body_bytes() == DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    monkeypatch.setenv("RASA_MAX_BODY_BYTES", "2048")
    assert max_body_bytes() == 2048
    for bad in ("lots", "0", "-5"):
        monkeypatch.setenv("RASA_MAX_BODY_BYTES", bad)
        with pytest.raises(ValueError):
            max_body_bytes()


def test_a_sanic_app_refuses_bodies_above_its_limit():
    app = Sanic("body_limit_test")
    limit_body(app, 4096)
    seen: list[int] = []

    @app.post("/webhook")
    async def webhook(request):
        seen.append(len(request.body))
        return response.json({"read": len(request.body)})

    async def chunked():  # no Content-Length: the limit is found while reading
        for _ in range(64):
            yield b"y" * 1024

    async def post(port: int, content) -> tuple[int, dict] | str:
        async with httpx.AsyncClient(timeout=10) as client:
            try:
                r = await client.post(f"http://127.0.0.1:{port}/webhook", content=content)
            except httpx.TransportError:
                # The server answered 413 and closed while the client was still sending.
                return "closed"
            return r.status_code, r.json()

    async def scenario() -> list:
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        try:
            return [await post(port, content) for content in (b"x" * 4096, b"x" * 4097, b"x" * 2**21, chunked())]
        finally:
            server.close()
            await server.wait_closed()

    within, above, far_above, streamed = asyncio.run(scenario())
    too_large = (413, {"error": "request body too large", "max_bytes": 4096})
    assert within == (200, {"read": 4096})
    assert above == far_above == too_large
    assert streamed in (too_large, "closed")
    assert seen == [4096]  # the route never ran on a body above the limit
