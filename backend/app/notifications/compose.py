"""What a claimed notification becomes before it is sent: still wanted or cancelled, its text
in the customer's (or the staff's) language, what Rasa's EXTERNAL_ intent carries, and the
routes to try in order."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from backend.app.complaints.models import Complaint
from backend.app.notifications.models import Notification, NotificationAudience, NotificationKind
from backend.app.notifications.outgoing import Outgoing
from backend.app.notifications.planner import Planner
from backend.app.notifications.sealed_pin import PinUnreadable
from backend.app.notifications.texts import context_for, decision_text, format_date, load_texts, template_for
from backend.app.policies.profile import PolicyProfile
from contract.statuses import Channel, Language

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    id: int
    complaint_id: int
    attempts: int
    kind: str
    deadline: str | None
    complaint_status: str
    chain: list[str] = field(default_factory=list)
    message: Outgoing | None = None
    cancel_reason: str | None = None


class Composer:
    def __init__(self, policies: Mapping[str, PolicyProfile], planner: Planner) -> None:
        self.policies = policies
        self.planner = planner
        self.texts = load_texts()

    def prepare(self, session: Session, row: Notification, reclaimed: bool, now: dt.datetime) -> Prepared:
        complaint = row.complaint
        policy = self.policies[complaint.policy]
        item = Prepared(
            id=row.id,  # type: ignore[arg-type]
            complaint_id=complaint.id,  # type: ignore[arg-type]
            attempts=row.attempts,
            kind=row.kind,
            deadline=row.deadline,
            complaint_status=complaint.status,
        )
        if not self.planner.still_wanted(row, complaint, policy, now=now):
            item.cancel_reason = "no longer wanted when due (the complaint changed)"
            return item
        item.chain = self.chain(row, complaint)
        if row.channel != "sms" and row.kind in policy.sms_notices and complaint.phone:
            # The policy's SMS is a row of its own: the conversation's fallback sends no second one.
            item.chain = [route for route in item.chain if route != "sms"]
        if not item.chain:
            return item
        language = Language(row.language or complaint.language)
        template = template_for(row)
        context = context_for(row, complaint, policy, language)
        if row.channel == "sms" and row.kind in policy.sms_notices:
            template, context["pin"] = self.policy_sms(row, template)
        rendered = self.texts.render(template, language, context)
        payload = row.payload or {}
        kind = NotificationKind(row.kind)
        if kind in (NotificationKind.decision, NotificationKind.approval_request):
            # Rasa's EXTERNAL_decision shows the decision with approve / reject buttons.
            intent = "EXTERNAL_decision"
            decision = decision_text(payload, policy, language)
            if template.endswith("_impossible"):
                decision = f"{self.texts.decision_parts[language]['impossible_lead']}\n{decision}"
            entities: dict[str, Any] = {"tracking_number": complaint.tracking_number, "decision_text": decision}
        else:
            intent = f"EXTERNAL_{kind.value}"
            entities = {"tracking_number": complaint.tracking_number, "text": rendered.text}
            if payload.get("reason"):
                entities["reason"] = payload["reason"]
            if payload.get("new_date"):
                entities["new_date"] = format_date(dt.datetime.fromisoformat(payload["new_date"]), policy, language)
        entities["notification_id"] = row.key
        staff = row.audience != NotificationAudience.customer
        item.message = Outgoing(
            notification_id=item.id,
            key=row.key,
            kind=row.kind,
            template=template,
            language=language.value,
            tracking_number=complaint.tracking_number,
            subject=rendered.subject,
            text=rendered.text,
            rasa_intent=intent,
            entities=entities,
            conversation_id=None if staff else complaint.conversation_id,
            email=None if staff else complaint.email,
            phone=None if staff else complaint.phone,
            # attempts counts this claim: above 1, an earlier attempt failed or never recorded.
            maybe_delivered=reclaimed or row.attempts > 1,
        )
        return item

    def policy_sms(self, row: Notification, template: str) -> tuple[str, str]:
        """The short text of a notice the policy sends by SMS (`<kind>_sms`; the usual one for
        a kind without it), and the PIN it carries (the registration's, opened from the row;
        "" when there is none: after a failure, or an agent's retry, it was wiped)."""
        pin = ""
        if row.sealed_pin is not None:
            try:
                pin = self.planner.seal.open(row.sealed_pin)
            except PinUnreadable:
                log.warning("notification %s: the sealed PIN cannot be opened (key changed?)", row.id)
        if row.kind == NotificationKind.registration and not pin:
            return "registration_sms_no_pin", ""
        short = f"{row.kind}_sms"
        return (short if short in self.texts.templates else template), pin

    def chain(self, row: Notification, complaint: Complaint) -> list[str]:
        """The routes to try, in order, starting with the planned one."""
        if row.audience != NotificationAudience.customer:
            return []  # staff rows from before the alerts (backend/app/alerts): still_wanted cancels them
        if row.channel is None:
            return []
        if row.channel == "email" and self.planner.has_email_copy(complaint):
            return ["email"]  # the REST channel's e-mail copy
        channel = Channel(complaint.channel)
        routes: list[str] = []
        if complaint.conversation_id:
            if channel is Channel.whatsapp:
                routes.append("whatsapp")
            elif channel in (Channel.rest, Channel.socketio, Channel.telegram, Channel.twilio):
                routes.append("rasa")
            if channel is Channel.telegram:
                routes.append("telegram")
        if complaint.email and not self.planner.has_email_copy(complaint):
            routes.append("email")
        if complaint.phone:
            routes.append("sms")
        if row.channel in routes:
            return routes[routes.index(row.channel) :]
        return [row.channel, *routes]
