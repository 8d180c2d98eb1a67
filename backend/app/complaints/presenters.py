"""Table rows -> API schemas. Every moment is shown in the policy's time zone."""

import datetime as dt
from collections.abc import Mapping, Sequence

from backend.app.accounts.models import AgentRef
from backend.app.attachments.models import Attachment, AttachmentPublic
from backend.app.complaints.deadline_states import deadline_states
from backend.app.complaints.filters import is_overdue, next_deadline
from backend.app.complaints.models import (
    Complaint,
    ComplaintBase,
    ComplaintDetail,
    ComplaintPublic,
    ComplaintRegistered,
    CustomerNote,
    DecisionOutcome,
    EarlierComplaint,
    HistoryKind,
    NextDeadline,
    StatusChangePublic,
    StatusLookupPublic,
)
from backend.app.notifications.models import Notification, NotificationAttemptPublic, NotificationPublic
from backend.app.policies.profile import PolicyProfile, localise_deadlines
from contract.statuses import ComplaintStatus, Language


def complaint_public(complaint: Complaint, policy: PolicyProfile, *, now: dt.datetime) -> ComplaintPublic:
    return ComplaintPublic.model_validate(
        {
            **{field: getattr(complaint, field) for field in ComplaintBase.model_fields},
            "tracking_number": complaint.tracking_number,
            "policy": complaint.policy,
            "status": complaint.status,
            "received_at": policy.local(complaint.received_at),
            "created_at": policy.local(complaint.created_at),
            "acknowledged_at": complaint.acknowledged_at and policy.local(complaint.acknowledged_at),
            "deadlines": localise_deadlines(policy, complaint.deadlines),
            "overdue": is_overdue(complaint, now),
            "assigned_to": None
            if complaint.assigned_to is None
            else AgentRef(username=complaint.assigned_to.username, display_name=complaint.assigned_to.display_name),
            "team_id": complaint.team_id,
            "team": None if complaint.team is None else complaint.team.key,
            "erased_at": complaint.erased_at and policy.local(complaint.erased_at),
            "rating": complaint.rating,
            "rejections": complaint.rejections,
            "delayed_to": complaint.delayed_to and policy.local(complaint.delayed_to),
            "notification_failed": complaint.notification_failed,
            "next_deadline": _next_deadline(complaint, policy),
        }
    )


def _next_deadline(complaint: Complaint, policy: PolicyProfile) -> NextDeadline | None:
    found = next_deadline(complaint)
    return None if found is None else NextDeadline(kind=found[0], at=policy.local(found[1]))  # type: ignore[arg-type]


def complaint_detail(
    complaint: Complaint,
    policy: PolicyProfile,
    *,
    now: dt.datetime,
    earlier: Sequence[Complaint] = (),
    policies: Mapping[str, PolicyProfile] | None = None,
    conversations: Sequence[str] | None = None,
) -> ComplaintDetail:
    """`earlier`: the customer's other complaints (each shown in its own policy's time zone,
    from `policies`); `conversations`: default the complaint's own conversation."""
    history = [
        StatusChangePublic.model_validate(change, update={"at": policy.local(change.at)})
        for change in complaint.history
    ]
    notifications = [notification_public(notification, policy) for notification in complaint.notifications]
    decision = next(
        (
            entry
            for entry in reversed(complaint.history)
            if entry.kind == HistoryKind.status and entry.status == ComplaintStatus.resolved
        ),
        None,
    )
    if conversations is None:
        conversations = [complaint.conversation_id] if complaint.conversation_id else []
    return ComplaintDetail.model_validate(
        {
            **complaint_public(complaint, policy, now=now).model_dump(),
            "history": history,
            "notifications": notifications,
            "attachments": [attachment_public(attachment, policy) for attachment in complaint.attachments],
            "deadline_states": deadline_states(complaint, policy, now=now),
            "earlier_complaints": [
                earlier_complaint(other, (policies or {}).get(other.policy, policy)) for other in earlier
            ],
            "conversations": list(conversations),
            "outcome": decision and (decision.outcome or DecisionOutcome.resolved),
            "steps_taken": decision and decision.steps_taken,
        }
    )


def earlier_complaint(complaint: Complaint, policy: PolicyProfile) -> EarlierComplaint:
    return EarlierComplaint(
        tracking_number=complaint.tracking_number,
        status=ComplaintStatus(complaint.status),
        created_at=policy.local(complaint.created_at),
        policy=complaint.policy,
    )


def notification_public(notification: Notification, policy: PolicyProfile) -> NotificationPublic:
    return NotificationPublic(
        id=notification.id,  # type: ignore[arg-type]
        kind=notification.kind,
        due_at=policy.local(notification.due_at),
        sent_at=notification.sent_at and policy.local(notification.sent_at),
        channel=notification.channel,
        audience=notification.audience,
        language=notification.language,
        state=notification.state,
        deadline=notification.deadline,
        attempts=notification.attempts,
        last_error=notification.last_error,
        attempt_log=[
            NotificationAttemptPublic(
                at=policy.local(attempt.at), channel=attempt.channel, outcome=attempt.outcome, detail=attempt.detail
            )
            for attempt in notification.attempt_log
        ],
    )


def attachment_public(attachment: Attachment, policy: PolicyProfile) -> AttachmentPublic:
    return AttachmentPublic.model_validate(attachment, update={"created_at": policy.local(attachment.created_at)})


def registration_receipt(complaint: Complaint, policy: PolicyProfile, *, pin: str | None) -> ComplaintRegistered:
    return ComplaintRegistered(
        tracking_number=complaint.tracking_number,
        pin=pin,
        status=ComplaintStatus(complaint.status),
        policy=complaint.policy,
        created_at=policy.local(complaint.created_at),
        deadlines=localise_deadlines(policy, complaint.deadlines),
    )


def customer_status(
    complaint: Complaint, policy: PolicyProfile, language: Language | None = None
) -> StatusLookupPublic:
    """`language`: of the status label (default the complaint's)."""
    status = ComplaintStatus(complaint.status)
    note = next(
        (
            change
            for change in reversed(complaint.history)
            if change.kind in (HistoryKind.status, HistoryKind.delay) and change.visible_to_customer and change.note
        ),
        None,
    )
    return StatusLookupPublic(
        tracking_number=complaint.tracking_number,
        status=status,
        status_label=policy.status_label(status, language or Language(complaint.language)),
        policy=complaint.policy,
        deadlines=localise_deadlines(policy, complaint.deadlines),
        last_note=None if note is None else CustomerNote(at=policy.local(note.at), text=note.note or ""),
    )
