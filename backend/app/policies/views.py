"""The policy profiles as the agents' console and the action server read them."""

from typing import Any

from fastapi import APIRouter, HTTPException, status

from backend.app.policies.deps import PoliciesDep

router = APIRouter(prefix="/api/policies", tags=["policies"])


@router.get("")
def list_policies(policies: PoliciesDep) -> list[str]:
    return sorted(policies)


@router.get("/{policy_id}")
def read_policy(policy_id: str, policies: PoliciesDep) -> dict[str, Any]:
    """The profile as in its YAML file (`from` keeps its name), and `status_labels`: the
    policy's name of every status in each of the console's languages (ru, az, ro, tr, en)."""
    policy = policies.get(policy_id)
    if policy is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown policy")
    return {
        **policy.model_dump(mode="json", by_alias=True, exclude_unset=True),
        "status_labels": policy.status_labels,
    }
