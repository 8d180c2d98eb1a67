"""bot.runtime.patches.action_calls counts each call of the rasa server to the action server by
action, answered or not, against a real HTTP server on loopback that answers as an action server."""

from __future__ import annotations

import asyncio

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.patches import action_calls
from tests.support.net import serving


def count(name: str) -> float:
    return action_calls.CALLS.labels(name)._value.get()


async def _call_twice_then_fail() -> list[str]:
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        if body["next_action"] == "action_broken":
            return web.json_response({"error": "boom"}, status=500)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    domain = Domain.from_dict({"actions": ["action_fine", "action_broken"]})
    nlg = TemplatedNaturalLanguageGenerator({})
    outcomes = []
    async with serving(app) as url:
        endpoint = EndpointConfig(f"{url}/webhook")
        for name in ("action_fine", "action_fine", "action_broken"):
            tracker = DialogueStateTracker("t", domain.slots)
            try:
                await RemoteAction(name, endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)
                outcomes.append("ok")
            except Exception as error:  # noqa: BLE001 - Rasa raises its own error for a 500
                outcomes.append(type(error).__name__)
    return outcomes


def test_every_call_is_counted_by_action_answered_or_not():
    action_calls.install()
    fine, broken = count("action_fine"), count("action_broken")
    outcomes = asyncio.run(_call_twice_then_fail())
    assert outcomes[:2] == ["ok", "ok"] and outcomes[2] != "ok"
    assert count("action_fine") - fine == 2 and count("action_broken") - broken == 1
