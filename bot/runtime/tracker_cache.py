"""A turn's cost that does not grow with the conversation: the SQL tracker store keeps the
conversations it served last in memory and reads only the events stored after them.

Rasa's SQLTrackerStore loads and parses every event of the session on each turn and replays them
into a new tracker (bench.turns: docs/scale-out.md). Here a process keeps, per conversation, a
private copy of the tracker as it was saved and the database id of its last event; the next
`retrieve` reads the rows after that id (what another rasa server stored in between included) and
applies only those. The lock store still serialises a conversation's turns across servers, and the
database stays the only truth: a copy is used only when

- the tracker being saved is the one this store handed out for that conversation, and
- no new conversation session started (Rasa's `retrieve` returns the latest session only), and
- nothing of the turn was stored redacted (a PIN: the next turn must see what the database
  holds, the `pin` slot empty, as without the cache),

otherwise the conversation is read in full, as Rasa does. `RASA_TRACKER_CACHE` is the number of
conversations kept (default 2000; 0 turns the cache off).
"""

from __future__ import annotations

import copy
import json
import os
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event

from bot.runtime.tracker_store import RedactingSQLTrackerStore, was_redacted

DEFAULT_SIZE = 2000
_TOKEN = "_tracker_cache_token"


def snapshot(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A copy whose later updates do not reach `tracker` (nor the reverse), without replaying
    the events as Rasa's own copy() does: the events are shared (they are not changed once
    made), the slots and the loop are copied."""
    copied = copy.copy(tracker)
    copied.events = deque(tracker.events, maxlen=tracker.events.maxlen)
    copied.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    copied.active_loop = copy.copy(tracker.active_loop)
    copied.latest_action = copy.copy(tracker.latest_action)
    copied.__dict__.pop(_TOKEN, None)
    return copied


@dataclass
class _Saving:
    """What one save stored: the events' types, whether any was redacted, the last row's id."""

    types: list[str] = field(default_factory=list)
    redacted: bool = False
    last_id: int | None = None


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    last_id: int
    token: object


class CachingSQLTrackerStore(RedactingSQLTrackerStore):
    """RedactingSQLTrackerStore whose `retrieve` reads only the events it has not seen."""

    def __init__(self, *args: Any, cache_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = cache_size if cache_size is not None else int(os.environ.get("RASA_TRACKER_CACHE", DEFAULT_SIZE))
        self.cache_size = max(size, 0)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # A conversation's turns are serialised by the lock store: one save per conversation at a time.
        self._saving: dict[str, _Saving] = {}
        sa_event.listen(self.sessionmaker, "after_flush", self._note_rows)

    # --- reading -------------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._entries.get(sender_id) if self.cache_size else None
        if entry is None:
            return self._load(sender_id)
        with self.session_scope() as session:
            rows = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > entry.last_id)
                .order_by(self.SQLEvent.id)
                .all()
            )
            newer = [(row.id, row.type_name, row.data) for row in rows]
        if any(type_name == SessionStarted.type_name for _, type_name, _ in newer):
            return self._load(sender_id)  # a new session: Rasa hands out that session only
        tracker = snapshot(entry.tracker)
        for event in deserialise_events([json.loads(data) for _, _, data in newer]):
            tracker.update(event)
        if newer:
            entry = self._remember(sender_id, tracker, newer[-1][0])
        else:
            self._entries.move_to_end(sender_id)
        setattr(tracker, _TOKEN, entry.token)
        return tracker

    def _load(self, sender_id: str) -> DialogueStateTracker | None:
        self._entries.pop(sender_id, None)
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            stored = [(row.id, row.data) for row in rows]
        if not self.domain or not stored:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(data) for _, data in stored], self.domain.slots)
        if self.cache_size:
            entry = self._remember(sender_id, tracker, stored[-1][0])
            setattr(tracker, _TOKEN, entry.token)
        return tracker

    def _remember(self, sender_id: str, tracker: DialogueStateTracker, last_id: int) -> _Entry:
        entry = _Entry(snapshot(tracker), last_id, object())
        self._entries[sender_id] = entry
        self._entries.move_to_end(sender_id)
        while len(self._entries) > self.cache_size:
            self._entries.popitem(last=False)
        return entry

    # --- writing -------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's own save; what it stores is noted on the way (the events' types and redaction in
        `_additional_events`, the new rows' ids when they are flushed) for the cache."""
        saving = self._saving[tracker.sender_id] = _Saving()
        try:
            await super().save(tracker)
        finally:
            self._saving.pop(tracker.sender_id, None)
        self._after_save(tracker, saving.types, saving.last_id, saving.redacted)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        saving = self._saving.get(tracker.sender_id)
        for event in super()._additional_events(session, tracker):
            if saving is not None:
                saving.types.append(event.type_name)
                saving.redacted = saving.redacted or was_redacted(event)
            yield event

    def _note_rows(self, session: Any, _flush_context: Any) -> None:
        # After a flush the new rows have their ids and are still listed in `session.new`.
        for row in session.new:
            saving = self._saving.get(getattr(row, "sender_id", None)) if isinstance(row, self.SQLEvent) else None
            if saving is not None and (saving.last_id is None or row.id > saving.last_id):
                saving.last_id = row.id

    def _after_save(
        self, tracker: DialogueStateTracker, new_types: list[str], last_id: int | None, redacted: bool
    ) -> None:
        sender_id = tracker.sender_id
        entry = self._entries.get(sender_id)
        ours = entry is not None and getattr(tracker, _TOKEN, None) is entry.token
        if not self.cache_size or not ours or redacted or SessionStarted.type_name in new_types:
            # Not the tracker this store handed out (an API call's full tracker), a new session,
            # or a PIN stored masked: the next turn reads the conversation from the database.
            self._entries.pop(sender_id, None)
            return
        entry = self._remember(sender_id, tracker, last_id if last_id is not None else entry.last_id)
        setattr(tracker, _TOKEN, entry.token)
