from __future__ import annotations

import pytest

from actions.policy import load_policy


@pytest.fixture(params=["eurolux", "kontakt", "music_gallery", "inverter_eu", "poliser"])
def any_policy(request):
    return load_policy(request.param)
