"""An alert's title and text in one agent's language, from the console's label files
(backend/texts/console/<lang>.yml, keys `alerts.title.<kind>` and `alerts.text.<kind>`), with
dates written the local way (contract/dates.py) in the policy's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.app.accounts.models import Agent
from backend.app.alerts.models import Alert
from backend.app.complaints.models import Complaint
from backend.app.handoff.models import Handoff
from backend.app.policies.profile import PolicyProfile
from backend.app.workspace import i18n
from contract.dates import local_moment


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def language_of(agent: Agent, policy: PolicyProfile) -> str:
    """The agent's console language, else the policy's first language."""
    return str(agent.language or policy.languages[0].value)


def render(
    alert: Alert, complaint: Complaint | None, handoff: Handoff | None, policy: PolicyProfile, language: str
) -> tuple[str, str]:
    labels = i18n.labels(language)
    payload: dict[str, Any] = alert.payload or {}
    deadline = (alert.deadline or "").removesuffix("_by")
    context = _Blank(
        tracking_number=complaint.tracking_number if complaint is not None else "",
        deadline=labels.get(f"deadline.{deadline}", deadline),
        due=_moment(alert.deadline_at, policy, language),
        reason=str(payload.get("reason") or ""),
        notification=labels.get(f"notification.{payload.get('notification')}", str(payload.get("notification") or "")),
        channel=labels.get(f"channel.{handoff.channel}", handoff.channel) if handoff is not None else "",
        policy=policy.id,
    )
    subject = "complaint" if complaint is not None else "conversation"
    context["subject"] = labels[f"alerts.subject.{subject}"].format_map(context)
    title = labels[f"alerts.title.{alert.kind}"].format_map(context)
    text = labels[f"alerts.text.{alert.kind}"].format_map(context)
    if context["reason"]:
        text = f"{text}\n{labels['alerts.reason'].format_map(context)}"
    return title[:300], text[:2000]


def _moment(moment: dt.datetime | None, policy: PolicyProfile, language: str) -> str:
    return "" if moment is None else local_moment(policy.local(moment), language)
