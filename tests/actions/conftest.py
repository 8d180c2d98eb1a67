from __future__ import annotations

import pytest
import pytest_asyncio

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
