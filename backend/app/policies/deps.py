"""The loaded policy profiles of the app, as a dependency of the routes."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from backend.app.policies.profile import PolicyProfile


def get_policies(request: Request) -> Mapping[str, PolicyProfile]:
    policies: Mapping[str, PolicyProfile] = request.app.state.policies
    return policies


PoliciesDep = Annotated[Mapping[str, PolicyProfile], Depends(get_policies)]
