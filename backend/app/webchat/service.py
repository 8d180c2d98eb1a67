"""The web chat's greeting: what the policy promises a complaint filed now, and when its agents
answer (the same rules as a handoff's answer and a registration's deadlines)."""

import datetime as dt

from backend.app.policies.profile import PolicyProfile, compute_deadlines, localise_deadlines
from backend.app.policies.working_hours import WEEKDAYS, availability
from backend.app.webchat.models import ChatWelcome


def welcome(policy: PolicyProfile, now: dt.datetime) -> ChatWelcome:
    hours = policy.working_hours
    when = availability(hours, policy.calendar, policy.tz, now)
    deadlines = localise_deadlines(policy, compute_deadlines(policy, received_at=now))
    return ChatWelcome(
        policy=policy.id,
        languages=[str(language) for language in policy.languages],
        acknowledge_by=deadlines.acknowledge_by,
        resolve_by=deadlines.resolve_by,
        within_working_hours=when.within_working_hours,
        next_shift_starts=when.next_shift_starts and policy.local(when.next_shift_starts),
        shifts={day: hours.shifts[day] for day in WEEKDAYS if day in hours.shifts},
        closed_on_public_holidays=hours.closed_on_public_holidays,
    )


def default_language(policy: PolicyProfile | None) -> str:
    """The page's language when neither the link nor the browser names one of the four."""
    return str(policy.languages[0]) if policy is not None else "ru"
