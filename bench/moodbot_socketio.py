"""The `rasa init` assistant's socket.io channel for `make bench-load`: Rasa 3.6's own
SocketIOInput, unchanged but for one thing. It calls `sio.enter_room(...)` without `await`; with
the python-socketio of requirements/rasa.lock (coroutine rooms since 5.10) the session's room is
then never joined and every reply is lost, so the moodbot answered nothing. Runs in .venv-rasa
(the moodbot's server loads it by module path from bench-credentials.yml)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from rasa.core.channels.socketio import SocketIOInput


class AwaitedRoomsSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: Any) -> Any:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        enter_room = sio.enter_room

        def enter(*args: Any, **kwargs: Any) -> Any:
            joined = enter_room(*args, **kwargs)
            # Rasa drops the coroutine: run it on the server's loop instead of never.
            return asyncio.ensure_future(joined) if inspect.isawaitable(joined) else joined

        sio.enter_room = enter
        return blueprint
