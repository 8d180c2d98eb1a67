"""Policy profiles (`contract/policies/<id>.yml`, shared with the action server): schema,
loading, intake checks and deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator
from sqlmodel import SQLModel

from backend.app.core.languages import ConsoleLanguage
from backend.app.policies.calendar import DayUnit, WorkingCalendar, calendar_for
from backend.app.policies.routing import CategoryProfile, RoutingId, TeamProfile, check_routing
from backend.app.policies.working_hours import WorkingHours
from contract.fields import INTAKE_SLOTS
from contract.policy import profile_paths, read_profile
from contract.statuses import ComplaintStatus, Language

# The complaint fields a policy's intake list may name (the Rasa slots of the same names).
Slot = Literal[INTAKE_SLOTS]  # type: ignore[valid-type]
# The customer notices (backend.app.notifications.models.NotificationKind) a policy may send by SMS.
SmsNotice = Literal[
    "registration", "acknowledgement", "progress_update", "delay_notice", "decision", "approval_request"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    phone: str | None = None
    email: str | None = None
    website: str | None = None


class IntakeField(_Strict):
    slot: Slot
    optional: bool = False
    # full_name: the chat asks for the patronymic too.
    patronymic: bool = False
    # Either this slot or the alternative one must be given.
    alternative: Slot | None = None
    # Asked (and required) only when every named slot has the given value.
    when: dict[Slot, str] | None = None

    def applies_to(self, values: Mapping[str, Any]) -> bool:
        return all(values.get(slot) == wanted for slot, wanted in (self.when or {}).items())


class DeadlineRule(_Strict):
    model_config = ConfigDict(populate_by_name=True)

    days: PositiveInt
    unit: DayUnit
    from_: Literal["receipt", "acknowledgement"] = Field(alias="from")


class DeadlineRules(_Strict):
    acknowledge: DeadlineRule
    investigate: DeadlineRule | None = None
    progress_update: DeadlineRule | None = None
    resolve: DeadlineRule

    @field_validator("acknowledge")
    @classmethod
    def _acknowledge_counts_from_receipt(cls, rule: DeadlineRule) -> DeadlineRule:
        if rule.from_ != "receipt":
            raise ValueError("the acknowledgement deadline can only count from receipt")
        return rule


class PolicyProfile(_Strict):
    id: str
    company: str
    country: str
    timezone: str
    languages: list[Language] = Field(min_length=1)
    phone_region: str
    contact: Contact
    intake: list[IntakeField] = Field(min_length=1)
    deadlines: DeadlineRules
    # The policy's names of the statuses: the customers' four languages, and en for the console.
    statuses: dict[ConsoleLanguage, dict[ComplaintStatus, str]]
    external_remedies: dict[Language, str]
    # When agents answer in the chat (handoff); default Monday to Friday 09:00-18:00.
    working_hours: WorkingHours = WorkingHours()
    # Customer notices that go by SMS to the complaint's phone too, whatever channel it came by
    # (Poliser: registration with the tracking number and the PIN, decision).
    sms_notices: list[SmsNotice] = []
    # Who handles what (routing.py): the teams, the categories of complaints with each one's
    # team, and the team of conversations without a complaint (and of an unknown category).
    teams: list[TeamProfile] = Field(min_length=1)
    categories: list[CategoryProfile] = Field(min_length=1)
    handoff_team: RoutingId

    @field_validator("country")
    @classmethod
    def _known_calendar(cls, value: str) -> str:
        if value not in holidays.list_supported_countries():
            raise ValueError(f"no holiday calendar for country {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value!r}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> PolicyProfile:
        slots = [field.slot for field in self.intake]
        if len(slots) != len(set(slots)):
            raise ValueError("a slot appears twice in intake")
        if len(self.sms_notices) != len(set(self.sms_notices)):
            raise ValueError("a notice appears twice in sms_notices")
        # A complaint may be written in any of the four languages, whatever the policy's own,
        # and the console speaks those and English: every status is named in all five.
        for console_language in ConsoleLanguage:
            missing = set(ComplaintStatus) - set(self.statuses.get(console_language, {}))
            if missing:
                raise ValueError(f"statuses.{console_language} lacks {sorted(missing)}")
        for language in Language:
            if language not in self.external_remedies:
                raise ValueError(f"external_remedies lacks {language}")
        check_routing(self.teams, self.categories, self.handoff_team, asks_category="complaint_category" in slots)
        for field in self.intake:
            for slot, wanted in (field.when or {}).items():
                if slot == "complaint_category" and self.category(wanted) is None:
                    raise ValueError(f"intake {field.slot}: when names unknown category {wanted!r}")
        return self

    def category(self, category_id: str | None) -> CategoryProfile | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def team_key_for(self, category_id: str | None) -> str:
        """The team that gets a complaint of this category; the handoff team when it has none."""
        category = self.category(category_id)
        return self.handoff_team if category is None else category.team

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def calendar(self) -> WorkingCalendar:
        return calendar_for(self.country)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def status_label(self, status: ComplaintStatus, language: Language | ConsoleLanguage) -> str:
        return self.statuses[ConsoleLanguage(language)][status]

    @property
    def status_labels(self) -> dict[str, dict[str, str]]:
        """{language: {status: label}} in the console's five languages (GET /api/policies/{id})."""
        return {
            language.value: {status.value: self.statuses[language][status] for status in ComplaintStatus}
            for language in ConsoleLanguage
        }


def load_policies(directory: Path | None = None) -> dict[str, PolicyProfile]:
    policies: dict[str, PolicyProfile] = {}
    for path in profile_paths(directory):
        policy = PolicyProfile.model_validate(read_profile(path))
        policies[policy.id] = policy
    return policies


# --- deadlines ---------------------------------------------------------------------------------


# The deadlines a policy gives a complaint (in UTC; localise_deadlines for the answers).
class Deadlines(SQLModel):
    acknowledge_by: dt.datetime
    investigate_by: dt.datetime | None = None
    progress_update_by: dt.datetime | None = None
    resolve_by: dt.datetime


def compute_deadlines(
    policy: PolicyProfile, *, received_at: dt.datetime, acknowledged_at: dt.datetime | None = None
) -> Deadlines:
    """Deadlines counted "from acknowledgement" use the acknowledgement deadline until the
    complaint has really been acknowledged, then the moment it was."""
    rules = policy.deadlines

    def due(rule: DeadlineRule, start: dt.datetime) -> dt.datetime:
        return policy.calendar.deadline(start, rule.days, rule.unit, policy.tz)

    acknowledge_by = due(rules.acknowledge, received_at)
    starts = {"receipt": received_at, "acknowledgement": acknowledged_at or acknowledge_by}

    def optional(rule: DeadlineRule | None) -> dt.datetime | None:
        return None if rule is None else due(rule, starts[rule.from_])

    return Deadlines(
        acknowledge_by=acknowledge_by,
        investigate_by=optional(rules.investigate),
        progress_update_by=optional(rules.progress_update),
        resolve_by=due(rules.resolve, starts[rules.resolve.from_]),
    )


def localise_deadlines(policy: PolicyProfile, deadlines: Deadlines) -> Deadlines:
    return Deadlines.model_validate(
        {name: None if moment is None else policy.local(moment) for name, moment in deadlines.model_dump().items()}
    )


# --- intake ------------------------------------------------------------------------------------


class IntakeError(ValueError):
    """Field-level problems, in the shape of FastAPI's 422 `detail` list."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} intake error(s)")
        self.errors = errors


def intake_error(field: str, kind: str, message: str, value: Any = None) -> dict[str, Any]:
    return {"type": kind, "loc": ("body", field), "msg": message, "input": value}


def missing_fields(policy: PolicyProfile, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = []
    for field in policy.intake:
        if field.optional or not field.applies_to(values) or values.get(field.slot) is not None:
            continue
        if field.alternative is not None:
            if values.get(field.alternative) is not None:
                continue
            wanted = f"{field.slot} or {field.alternative}"
        else:
            wanted = field.slot
        errors.append(intake_error(field.slot, "missing", f"Field required by policy {policy.id}: {wanted}"))
    return errors


def normalise_phone(raw: str, region: str) -> str:
    """E.164 form of a phone number; national numbers are read in the policy's region."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number (numbers without a country code are read as {region})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
