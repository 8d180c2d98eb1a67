"""What the web chat's first message says, as the backend answers it to the action server."""

import datetime as dt

from sqlmodel import SQLModel


class ChatWelcome(SQLModel):
    """The policy's promise and its agents' hours, for a conversation opening now. Moments are in
    the policy's time zone; the action server writes them the local way (contract/dates.py)."""

    policy: str
    # The policy's languages, its default first: the page's language when the browser's is none of them.
    languages: list[str]
    # A complaint registered now is acknowledged and resolved by these (the policy's deadlines).
    acknowledge_by: dt.datetime
    resolve_by: dt.datetime
    within_working_hours: bool
    # Outside working hours: when the next shift starts (public holidays of the country skipped).
    next_shift_starts: dt.datetime | None
    # The policy's shifts per weekday (mon..sun: "HH:MM-HH:MM"); a day missing is closed.
    shifts: dict[str, str]
    closed_on_public_holidays: bool
