"""What to tell the customer, and when: notifications planned from the policy profile's
deadlines and from what happens to a complaint. What the staff hear (reminders, breaches,
rejections, disputes) are alerts, planned by backend.app.alerts.planner from the same calls.

Two sorts of rows:
- event rows, due at once: registration, acknowledgement, progress_update (an agent's
  update), delay_notice, decision;
- scheduled rows, derived from the complaint's current state by `desired()`: the policy's
  automatic progress update (inverter_eu: 14 working days after the acknowledgement), a
  reminder to approve a decision. (Rows of the kinds agent_reminder, escalation and rereview
  are from before the alerts: `replan` cancels any still planned.)
  `replan()` cancels the planned ones that are no longer wanted and adds the missing ones, so
  any change of status or deadline keeps them right; the dispatcher asks `still_wanted()`
  again just before sending.

Every function works inside the caller's transaction and returns the rows it added; the
caller commits and then wakes the dispatcher for them (the flows of backend.app.complaints, with
NotificationService.planning).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from backend.app.alerts import planner as alerts
from backend.app.alerts.planner import Due
from backend.app.complaints.models import (
    Complaint,
    DecisionOutcome,
    HistoryKind,
    StatusChangeBase,
    StatusChangeCreate,
)
from backend.app.core.settings import Settings
from backend.app.notifications.models import (
    Notification,
    NotificationAttempt,
    NotificationAudience,
    NotificationKind,
    NotificationState,
)
from backend.app.notifications.sealed_pin import PinSeal
from backend.app.policies.profile import PolicyProfile
from contract import conversation_ids
from contract.statuses import RESOLUTION_STOPPED, Channel, ComplaintStatus, Language

# Conversations Rasa can reach (output_channel=latest).
CHAT_CHANNELS = frozenset({Channel.rest, Channel.socketio, Channel.telegram, Channel.whatsapp, Channel.twilio})
# The REST channel has no push at all: an e-mail copy goes too when the address is known. (The
# web chat's notice goes on to e-mail or SMS only when the page is closed: notifications/webchat.py.)
NO_PUSH_CHANNELS = frozenset({Channel.rest})
OPEN = frozenset({NotificationState.planned, NotificationState.claimed})
# Rows `replan` manages; the rest are events.
SCHEDULED_KINDS = frozenset(
    {
        NotificationKind.agent_reminder,
        NotificationKind.escalation,
        NotificationKind.progress_update,
        NotificationKind.approval_request,
    }
)
# What a flow collects for the dispatcher's wake-ups: notification rows and alerts' moments.
Planned = Notification | Due


def decision_payload(change: StatusChangeBase, kind: NotificationKind) -> dict[str, Any]:
    """What the decision's (or its reminder's) text needs: the written decision and the steps
    taken when the customer may see them; "impossible" has templates of its own."""
    payload: dict[str, Any] = {}
    if change.visible_to_customer:
        payload.update(
            {
                key: value
                for key, value in (("decision_text", change.note), ("steps_taken", change.steps_taken))
                if value
            }
        )
    if change.outcome == DecisionOutcome.impossible:
        payload["template"] = f"{kind.value}_impossible"
    return payload


@dataclass(frozen=True)
class Spec:
    """A wanted notification; rows match it on (kind, audience, deadline, due_at, channel)."""

    kind: NotificationKind
    audience: NotificationAudience
    due_at: dt.datetime
    channel: str | None
    language: Language
    deadline: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def identity(self) -> tuple[str, str, str | None, dt.datetime, str | None]:
        return (self.kind, self.audience, self.deadline, self.due_at, self.channel)


def identity(row: Notification) -> tuple[str, str, str | None, dt.datetime, str | None]:
    return (row.kind, row.audience, row.deadline, row.due_at, row.channel)


def is_scheduled(row: Notification) -> bool:
    kind = NotificationKind(row.kind)
    if kind is NotificationKind.approval_request:
        return True
    return kind in SCHEDULED_KINDS and row.deadline is not None


class Planner:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.seal = PinSeal(settings.pin_encryption_key)

    # --- routes --------------------------------------------------------------------------------

    def customer_channels(self, complaint: Complaint) -> list[str | None]:
        """The planned route of each row a customer notification makes: the conversation
        (through Rasa, or WhatsApp's window-aware sender), else e-mail, else SMS, else None
        (nothing reaches the customer: the row fails and shows on the agents' list); plus an
        e-mail copy for the REST channel."""
        channel = Channel(complaint.channel)
        if complaint.conversation_id and channel in CHAT_CHANNELS:
            primary: str | None = "whatsapp" if channel is Channel.whatsapp else "rasa"
        elif complaint.email:
            primary = "email"
        elif complaint.phone:
            primary = "sms"
        else:
            primary = None
        channels = [primary]
        if self.has_email_copy(complaint):
            channels.append("email")
        return channels

    def customer_routes(self, complaint: Complaint, policy: PolicyProfile, kind: NotificationKind) -> list[str | None]:
        """customer_channels, plus an SMS row of its own when the policy sends this notice by
        SMS (`sms_notices`) and the complaint has a phone."""
        channels = self.customer_channels(complaint)
        if kind.value in policy.sms_notices and complaint.phone and "sms" not in channels:
            channels.append("sms")
        return channels

    @staticmethod
    def has_email_copy(complaint: Complaint) -> bool:
        return bool(complaint.conversation_id and complaint.email and Channel(complaint.channel) in NO_PUSH_CHANNELS)

    # --- events --------------------------------------------------------------------------------

    def on_registered(
        self,
        session: Session,
        complaint: Complaint,
        policy: PolicyProfile,
        *,
        in_chat: bool,
        now: dt.datetime,
        pin: str | None = None,
    ) -> list[Planned]:
        """The registration notice. Registered by the assistant in a conversation, the
        assistant's own reply carried the tracking number: that row is recorded as sent. The
        SMS the policy sends with the tracking number and the PIN keeps the PIN sealed."""
        rows = []
        kind = NotificationKind.registration
        for channel in self.customer_routes(complaint, policy, kind):
            row = self._event(complaint, kind, channel, now)
            if channel == "sms" and pin is not None and kind.value in policy.sms_notices:
                row.sealed_pin = self.seal.seal(pin)
            # By e-mail the assistant's answer letter carried it (in the customer's thread).
            answered = channel in ("rasa", "whatsapp") or (
                channel == "email" and conversation_ids.platform_id(complaint.conversation_id, conversation_ids.EMAIL)
            )
            if in_chat and answered:
                row.channel = complaint.channel
                row.state = NotificationState.sent
                row.sent_at = now
                row.attempts = 1
                row.attempt_log.append(
                    NotificationAttempt(
                        complaint_id=complaint.id,  # type: ignore[arg-type]
                        at=now,
                        channel=str(complaint.channel),
                        outcome="sent",
                        detail="the tracking number was in the assistant's reply at registration",
                    )
                )
            rows.append(row)
        return [*self._added(complaint, rows), *self.replan(session, complaint, policy, now=now)]

    def on_status_changed(
        self,
        session: Session,
        complaint: Complaint,
        policy: PolicyProfile,
        *,
        previous: ComplaintStatus,
        change: StatusChangeCreate,
        now: dt.datetime,
    ) -> list[Planned]:
        """An agent changed the status: the decision when resolved, the acknowledgement when
        the complaint leaves `registered`, an update when it is (again) being worked on."""
        status = ComplaintStatus(complaint.status)
        note = change.note if change.visible_to_customer else None
        kind: NotificationKind | None = None
        payload: dict[str, Any] = {}
        if status is ComplaintStatus.resolved:
            kind, payload = NotificationKind.decision, decision_payload(change, NotificationKind.decision)
        elif previous is ComplaintStatus.registered and status in (
            ComplaintStatus.acknowledged,
            ComplaintStatus.in_progress,
        ):
            kind, payload = NotificationKind.acknowledgement, {"note": note}
        elif status in (ComplaintStatus.in_progress, ComplaintStatus.reopened):
            kind, payload = NotificationKind.progress_update, {"note": note}
        rows: list[Notification] = []
        if kind is not None:
            rows = [
                self._event(complaint, kind, channel, now, payload)
                for channel in self.customer_routes(complaint, policy, kind)
            ]
        return [*self._added(complaint, rows), *self.replan(session, complaint, policy, now=now)]

    def on_delay(
        self,
        session: Session,
        complaint: Complaint,
        policy: PolicyProfile,
        *,
        reason: str,
        new_date: dt.datetime,
        now: dt.datetime,
    ) -> list[Planned]:
        payload = {"reason": reason, "new_date": new_date.isoformat()}
        rows = [
            self._event(complaint, NotificationKind.delay_notice, channel, now, payload)
            for channel in self.customer_routes(complaint, policy, NotificationKind.delay_notice)
        ]
        return [*self._added(complaint, rows), *self.replan(session, complaint, policy, now=now)]

    def on_customer_decision(
        self,
        session: Session,
        complaint: Complaint,
        policy: PolicyProfile,
        *,
        approved: bool,
        reason: str | None,
        now: dt.datetime,
    ) -> list[Planned]:
        """The customer answered in the chat (which already told them what happens next): the
        people concerned get an alert of a rejection; of a dispute, the supervisors too."""
        events = alerts.on_customer_decision(session, complaint, approved=approved, reason=reason, now=now)
        return [*events, *self.replan(session, complaint, policy, now=now)]

    def _event(
        self,
        complaint: Complaint,
        kind: NotificationKind,
        channel: str | None,
        now: dt.datetime,
        payload: dict[str, Any] | None = None,
    ) -> Notification:
        return Notification(
            kind=kind,
            audience=NotificationAudience.customer,
            channel=channel,
            language=Language(complaint.language),
            due_at=now,
            attempt_at=now,
            payload={key: value for key, value in (payload or {}).items() if value is not None} or None,
        )

    @staticmethod
    def _added(complaint: Complaint, rows: list[Notification]) -> list[Notification]:
        complaint.notifications.extend(rows)
        return rows

    # --- the schedule ---------------------------------------------------------------------------

    def desired(self, complaint: Complaint, policy: PolicyProfile, *, now: dt.datetime) -> list[Spec]:
        """The scheduled notifications the complaint wants in its current state."""

        # After an erasure nothing is sent to the customer (there is no address left anyway).
        def customer_channels(kind: NotificationKind) -> list[str | None]:
            return [] if complaint.erased_at is not None else self.customer_routes(complaint, policy, kind)

        status = ComplaintStatus(complaint.status)
        stopped = status in RESOLUTION_STOPPED
        specs: list[Spec] = []

        if complaint.progress_update_by is not None and not stopped and not self._agent_updated(complaint):
            due = self._local(policy, complaint.progress_update_by, self.settings.customer_notice_local_time)
            for channel in customer_channels(NotificationKind.progress_update):
                specs.append(
                    Spec(
                        NotificationKind.progress_update,
                        NotificationAudience.customer,
                        due,
                        channel,
                        Language(complaint.language),
                        "progress_update_by",
                    )
                )

        if status is ComplaintStatus.resolved and self.settings.approval_reminder_days > 0:
            decision = next(
                (
                    entry
                    for entry in reversed(complaint.history)
                    if entry.kind == HistoryKind.status and entry.status == ComplaintStatus.resolved
                ),
                None,
            )
            if decision is not None:
                day = decision.at + dt.timedelta(days=self.settings.approval_reminder_days)
                due = self._local(policy, day, self.settings.customer_notice_local_time)
                text = decision_payload(decision, NotificationKind.approval_request)
                for channel in customer_channels(NotificationKind.approval_request):
                    specs.append(
                        Spec(
                            NotificationKind.approval_request,
                            NotificationAudience.customer,
                            due,
                            channel,
                            Language(complaint.language),
                            payload=text,
                        )
                    )
        return specs

    def replan(
        self, session: Session, complaint: Complaint, policy: PolicyProfile, *, now: dt.datetime
    ) -> list[Planned]:
        """Cancels planned scheduled rows that are no longer wanted, adds the missing ones. A
        sent (or failed, or claimed) row with the same identity counts as done. The staff's
        deadline alerts follow the same change (backend.app.alerts.planner.replan)."""
        wanted = {spec.identity: spec for spec in self.desired(complaint, policy, now=now)}
        present: set[tuple[Any, ...]] = set()
        for row in complaint.notifications:
            if not is_scheduled(row):
                continue
            key = identity(row)
            if row.state == NotificationState.planned and key not in wanted:
                row.state = NotificationState.cancelled
                row.last_error = "no longer wanted (status or deadline changed)"
                row.sealed_pin = None
                session.add(row)
            elif row.state != NotificationState.cancelled:
                present.add(key)
        added = [
            Notification(
                kind=spec.kind,
                audience=spec.audience,
                channel=spec.channel,
                language=spec.language,
                deadline=spec.deadline,
                due_at=spec.due_at,
                attempt_at=spec.due_at,
                payload=spec.payload or None,
            )
            for key, spec in wanted.items()
            if key not in present
        ]
        return [*self._added(complaint, added), *alerts.replan(session, complaint, policy, self.settings, now=now)]

    def still_wanted(self, row: Notification, complaint: Complaint, policy: PolicyProfile, *, now: dt.datetime) -> bool:
        """Asked just before sending: the complaint may have changed since the row was planned."""
        if row.audience == NotificationAudience.customer and complaint.erased_at is not None:
            return False
        if is_scheduled(row):
            return identity(row) in {spec.identity for spec in self.desired(complaint, policy, now=now)}
        return row.audience == NotificationAudience.customer  # staff rows from before the alerts

    @staticmethod
    def _agent_updated(complaint: Complaint) -> bool:
        """An agent already told the customer how it goes: the policy's update is given."""
        return any(
            row.kind == NotificationKind.progress_update
            and row.deadline is None
            and row.state != NotificationState.cancelled
            for row in complaint.notifications
        )

    @staticmethod
    def _local(policy: PolicyProfile, moment: dt.datetime, at: dt.time) -> dt.datetime:
        """`at` o'clock on the local day of `moment`, in the policy's time zone, as UTC."""
        return alerts.local_at(policy, moment, at)
