"""Texts of the notifications, from backend/texts/notifications.yml, in ru/az/ro/tr.

Dates are written the local way of the text's language (contract/dates.py: month and weekday
names), in the policy's time zone.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from backend.app.complaints.models import Complaint
from backend.app.notifications.models import Notification
from backend.app.policies.profile import PolicyProfile
from contract.dates import NO_DATE, local_date
from contract.statuses import ComplaintStatus, Language

TEXTS_FILE = Path(__file__).resolve().parents[2] / "texts" / "notifications.yml"

PLACEHOLDERS = frozenset(
    {
        "tracking_number",
        "company",
        "policy",
        "status",
        "acknowledge_by",
        "resolve_by",
        "progress_update_by",
        "note",
        "decision_text",
        "reason",
        "new_date",
        "deadline_label",
        "deadline_date",
        "assignee",
        "contact",
        "website",
        "pin",  # only the SMS a policy sends with the PIN (compose.Composer.policy_sms)
    }
)
DEADLINES = ("acknowledge_by", "investigate_by", "progress_update_by", "resolve_by")
# steps_taken: the heading of the steps under the decision; impossible_lead: what the chat's
# decision message starts with when the complaint cannot be resolved.
DECISION_PARTS = ("steps_taken", "impossible_lead")


@dataclass(frozen=True)
class Rendered:
    template: str
    language: Language
    subject: str
    text: str


class Texts:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.templates: dict[str, dict[Language, dict[str, str]]] = {}
        for name, languages in data["templates"].items():
            self.templates[name] = {}
            for language in Language:
                block = (languages or {}).get(language.value)
                if not block or not block.get("subject") or not block.get("text"):
                    raise ValueError(f"{TEXTS_FILE.name}: template {name} lacks {language} subject/text")
                for part in ("subject", "text"):
                    unknown = _fields(block[part]) - PLACEHOLDERS
                    if unknown:
                        raise ValueError(f"{TEXTS_FILE.name}: {name}.{language}.{part}: unknown {sorted(unknown)}")
                self.templates[name][language] = {"subject": block["subject"], "text": block["text"]}
        self.deadline_labels: dict[Language, dict[str, str]] = {}
        for language in Language:
            labels = data["deadline_labels"][language.value]
            missing = set(DEADLINES) - set(labels)
            if missing:
                raise ValueError(f"{TEXTS_FILE.name}: deadline_labels.{language} lacks {sorted(missing)}")
            self.deadline_labels[language] = labels
        # Pieces of the decision's text (decision_text below).
        self.decision_parts: dict[Language, dict[str, str]] = {}
        for language in Language:
            parts = data["decision_parts"][language.value]
            missing = set(DECISION_PARTS) - {name for name, text in parts.items() if text}
            if missing:
                raise ValueError(f"{TEXTS_FILE.name}: decision_parts.{language} lacks {sorted(missing)}")
            self.decision_parts[language] = parts

    def render(self, template: str, language: Language, context: Mapping[str, str]) -> Rendered:
        block = self.templates[template][language]
        values = {name: context.get(name, "") for name in PLACEHOLDERS}
        return Rendered(
            template=template,
            language=language,
            subject=block["subject"].format_map(values).replace("\n", " ").strip(),
            text=block["text"].format_map(values).strip(),
        )


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@cache
def load_texts(path: Path = TEXTS_FILE) -> Texts:
    with path.open(encoding="utf-8") as handle:
        return Texts(yaml.safe_load(handle))


def format_date(moment: dt.datetime | None, policy: PolicyProfile, language: Language) -> str:
    """The moment's date in the policy's time zone, written the way of `language`."""
    return NO_DATE if moment is None else local_date(policy.local(moment).date(), language)


def sentence(text: str | None) -> str:
    """An agent's note inside a text: trimmed, ending with a full stop."""
    text = (text or "").strip()
    if text and text[-1] not in ".!?…":
        text += "."
    return text


def template_for(notification: Notification) -> str:
    payload = notification.payload or {}
    return str(payload.get("template") or notification.kind)


def context_for(
    notification: Notification, complaint: Complaint, policy: PolicyProfile, language: Language
) -> dict[str, str]:
    payload = notification.payload or {}
    texts = load_texts()
    status = ComplaintStatus(complaint.status)
    contact = [value for value in (policy.contact.phone, policy.contact.email) if value]
    deadline = notification.deadline
    deadline_moment = getattr(complaint, deadline, None) if deadline in DEADLINES else None
    if deadline == "resolve_by" and complaint.delayed_to is not None:
        deadline_moment = complaint.delayed_to
    note = sentence(payload.get("note"))
    return {
        "tracking_number": complaint.tracking_number,
        "company": policy.company,
        "policy": policy.id,
        "status": policy.status_label(status, language),
        "acknowledge_by": format_date(complaint.acknowledge_by, policy, language),
        "resolve_by": format_date(complaint.delayed_to or complaint.resolve_by, policy, language),
        "progress_update_by": format_date(complaint.progress_update_by, policy, language),
        "note": f" {note}" if note else "",
        "decision_text": decision_text(payload, policy, language),
        "reason": sentence(payload.get("reason")) or NO_DATE,
        "new_date": format_date(_parse(payload.get("new_date")), policy, language),
        "deadline_label": texts.deadline_labels[language].get(deadline or "", deadline or ""),
        "deadline_date": format_date(deadline_moment, policy, language),
        "assignee": complaint.assigned_to.username if complaint.assigned_to is not None else NO_DATE,
        "contact": f" ({', '.join(contact)})" if contact else "",
        "website": policy.contact.website or policy.contact.email or "",
    }


def decision_text(payload: Mapping[str, Any], policy: PolicyProfile, language: Language) -> str:
    """The written decision (the result; the policy's label of `resolved` when the customer may
    not see it), then the steps taken under their heading in the customer's language."""
    text = str(payload.get("decision_text") or policy.status_label(ComplaintStatus.resolved, language))
    steps = str(payload.get("steps_taken") or "").strip()
    if steps:
        text += f"\n{load_texts().decision_parts[language]['steps_taken']}\n{steps}"
    return text


def _parse(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value))
