"""API shapes of handoffs; moments of a handoff in its policy's time zone."""

import datetime as dt
from collections.abc import Mapping

from backend.app.complaints.models import Complaint
from backend.app.complaints.presenters import complaint_detail
from backend.app.handoff.models import Handoff, HandoffDetail, HandoffPublic, HandoffStatus
from backend.app.policies.profile import PolicyProfile, missing_fields


def _local(policy: PolicyProfile | None, moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return policy.local(moment) if policy is not None else moment


def handoff_public(
    handoff: Handoff,
    policies: Mapping[str, PolicyProfile],
    *,
    now: dt.datetime,
    last_message_at: dt.datetime | None = None,
) -> HandoffPublic:
    policy = policies.get(handoff.policy)
    if handoff.status == HandoffStatus.waiting:
        waited = now - handoff.requested_at
    else:
        waited = (handoff.taken_at or handoff.closed_at or now) - handoff.requested_at
    return HandoffPublic(
        id=handoff.id or 0,
        conversation_id=handoff.conversation_id,
        status=handoff.status,
        reason=handoff.reason,
        channel=handoff.channel,
        language=handoff.language,
        policy=handoff.policy,
        customer_name=handoff.slots.get("full_name"),
        requested_at=_local(policy, handoff.requested_at),  # type: ignore[arg-type]
        waiting_seconds=max(0, int(waited.total_seconds())),
        expected_reply_by=_local(policy, handoff.expected_reply_by),  # type: ignore[arg-type]
        within_working_hours=handoff.within_working_hours,
        next_shift_starts=_local(policy, handoff.next_shift_starts),
        agent_username=handoff.agent_username,
        agent_name=handoff.agent_name,
        taken_at=_local(policy, handoff.taken_at),
        closed_at=_local(policy, handoff.closed_at),
        outcome=handoff.outcome,
        bot_paused=handoff.bot_paused,
        tracking_number=handoff.tracking_number,
        last_message_at=_local(policy, last_message_at),
    )


def handoff_detail(
    handoff: Handoff,
    policies: Mapping[str, PolicyProfile],
    *,
    complaint: Complaint | None,
    now: dt.datetime,
    last_message_at: dt.datetime | None = None,
) -> HandoffDetail:
    public = handoff_public(handoff, policies, now=now, last_message_at=last_message_at)
    policy = policies.get(handoff.policy)
    missing: list[str] = []
    if policy is not None and complaint is None:
        missing = [str(error["loc"][-1]) for error in missing_fields(policy, handoff.slots)]
    return HandoffDetail(
        **public.model_dump(),
        slots=dict(handoff.slots),
        log=list(handoff.log),
        complaint=None if complaint is None else complaint_detail(complaint, policies[complaint.policy], now=now),
        missing_fields=missing,
    )
