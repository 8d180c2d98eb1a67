from __future__ import annotations

import pytest
import pytest_asyncio

import actions.outbox
from actions.outbox import OutboxStore
from actions.policy import load_policy
from bot import http


@pytest.fixture(params=["eurolux", "kontakt", "music_gallery", "inverter_eu", "poliser"])
def any_policy(request):
    return load_policy(request.param)


@pytest_asyncio.fixture(autouse=True)
async def close_backend_session():
    """Each test runs in its own event loop: the backend client's pooled session of that loop is
    closed with it, as the action server closes its own when it stops."""
    yield
    await http.close()


@pytest.fixture(autouse=True)
def outbox_store(tmp_path, monkeypatch):
    """The process's outbox on a file of the test's own (never var/ of the checkout)."""
    store = OutboxStore(f"sqlite:///{tmp_path / 'outbox.db'}")
    monkeypatch.setattr(actions.outbox, "_store", store)
    yield store
    store.dispose()
