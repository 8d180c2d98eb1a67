# Changes: rasa.shared.core.domain.Domain.states_for_tracker_history (what
# DialogueStateTracker.past_states returns), which every policy calls for every prediction and
# which replays the whole session each time.
# Shown by: tests/rasa_bot/runtime/patches/test_past_states.py (the same states as Rasa's at every
# prefix of real and edge-case conversations); measured by `make bench-turns` (docs/scale-out.md).
"""A turn's dialogue state computed from the events it added, not from the whole session.

Rasa's policies (memoization, rules, TED) each ask for the dialogue's past states several times
per turn; Rasa replays every applied event of the session into a fresh tracker to build them, so
a turn costs more the longer the conversation (6-7 ms per call at ~270 events on the
development machine, against 0.5-0.8 ms at ~20). Here the replay is kept, per conversation and
way of asking (the three flags): the events replayed, the states of their turns, and a few
checkpoints (the replay tracker before each of the last action executions). The next call
replays only from the last checkpoint that its own applied events still agree with.

Applied events are not only appended: a form's happy path takes the previous turn's listen and
message out of them, a rewind takes more, and Rasa marks after the first prediction whether a
message's text or its intent was featurized (which changes that message's state). So a kept
replay is trusted up to where the tracker's applied events are still, object for object, the
ones replayed, with the same featurization marks; a restart, a new session or a tracker read
afresh from the database replays from the start. Callers change the states they get (Rasa's
featurizers delete a message's text), so each call returns copies, sharing sub-states between
states exactly where Rasa's own result shares them. `RASA_STATES_CACHE` is the number of
replays kept (default 500; 0 turns this off).
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter
from rasa.shared.core import constants
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.tracker_cache import snapshot

DEFAULT_SIZE = 500
CHECKPOINTS = 12  # a form turn's rewind reaches back one turn (about five action executions)
_original = Domain.states_for_tracker_history

# On /metrics: how much of the conversations the policies asked about had to be replayed.
CALLS = Counter("rasa_past_states_calls", "Calls for a conversation's past dialogue states")
APPLIED = Counter("rasa_past_states_events", "Applied events of the conversations those calls were about")
REPLAYED = Counter("rasa_past_states_events_replayed", "Events replayed to answer those calls")


@dataclass
class _Carried:
    """What Rasa's loop carries from one turn to the next when rule-only turns are hidden."""

    last_ml_action: dict | None = None
    hidden: bool = False


@dataclass
class _Checkpoint:
    position: int  # events replayed before it
    states: int
    carried: _Carried
    tracker: DialogueStateTracker


@dataclass
class _Replay:
    domain: Domain
    events: list[Event]
    tracker: DialogueStateTracker
    states: list[State] = field(default_factory=list)
    carried: _Carried = field(default_factory=_Carried)
    # The featurization mark of each message when it was replayed: (position, event, mark).
    marks: list[tuple[int, UserUttered, bool | None]] = field(default_factory=list)
    checkpoints: deque[_Checkpoint] = field(default_factory=lambda: deque(maxlen=CHECKPOINTS))


class StatesCache:
    """The kept replays, least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 0)
        self._replays: OrderedDict[tuple, _Replay] = OrderedDict()
        self.replayed = 0  # events replayed, for tests and benchmarks

    def __len__(self) -> int:
        return len(self._replays)

    def states(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        if not self.size:
            return _original(domain, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        key = (
            tracker.sender_id,
            tracker.is_rule_tracker,
            omit_unset_slots,
            ignore_rule_only_turns,
            _frozen(rule_only_data) if ignore_rule_only_turns else None,
        )
        applied = tracker.applied_events()
        CALLS.inc()
        APPLIED.inc(len(applied))
        replay = _resumed(self._replays.get(key), domain, applied) or _fresh(domain, tracker)
        flags = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        REPLAYED.inc(len(applied) - len(replay.events))
        for event in applied[len(replay.events) :]:
            if isinstance(event, ActionExecuted):
                replay.checkpoints.append(
                    _Checkpoint(
                        len(replay.events), len(replay.states), copy.copy(replay.carried), snapshot(replay.tracker)
                    )
                )
                _add_state(domain, replay.tracker, event.hide_rule_turn, replay.states, replay.carried, *flags)
            elif isinstance(event, UserUttered):
                replay.marks.append((len(replay.events), event, event.use_text_for_featurization))
            replay.tracker.update(event)
            replay.events.append(event)
            self.replayed += 1
        self._replays[key] = replay
        self._replays.move_to_end(key)
        while len(self._replays) > self.size:
            self._replays.popitem(last=False)
        # The state after the last event is not kept: the next event changes it.
        states = list(replay.states)
        _add_state(domain, replay.tracker, False, states, copy.copy(replay.carried), *flags)
        return _copies(states)


def _fresh(domain: Domain, tracker: DialogueStateTracker) -> _Replay:
    start = tracker.init_copy()
    start.events = deque(maxlen=1)  # the replay reads slots, loop and latest events, not the history
    return _Replay(domain, [], start)


def _resumed(replay: _Replay | None, domain: Domain, applied: list[Event]) -> _Replay | None:
    """`replay` rolled back to its last checkpoint that `applied` agrees with; None when none does."""
    if replay is None or replay.domain is not domain:
        return None
    agreed = 0
    for new, old in zip(applied, replay.events, strict=False):
        if new is not old:
            break
        agreed += 1
    for position, message, mark in replay.marks:
        if position < agreed and message.use_text_for_featurization != mark:
            agreed = position  # Rasa marked the message after its state was made
            break
    if agreed == len(replay.events):
        return replay
    checkpoint = next((c for c in reversed(replay.checkpoints) if c.position <= agreed), None)
    if checkpoint is None:
        return None
    while replay.checkpoints and replay.checkpoints[-1] is not checkpoint:
        replay.checkpoints.pop()
    replay.checkpoints.pop()  # made again when its action execution is replayed
    del replay.events[checkpoint.position :]
    del replay.states[checkpoint.states :]
    replay.marks = [m for m in replay.marks if m[0] < checkpoint.position]
    replay.carried = copy.copy(checkpoint.carried)
    replay.tracker = snapshot(checkpoint.tracker)
    return replay


def _add_state(
    domain: Domain,
    tracker: DialogueStateTracker,
    hide_rule_turn: bool,
    states: list[State],
    carried: _Carried,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> None:
    """One turn of Domain.states_for_tracker_history (Rasa 3.6), with its carried values explicit."""
    if ignore_rule_only_turns:
        if not carried.hidden:
            carried.last_ml_action = domain._get_prev_action_sub_state(tracker)
        # A follow-up action or the form's happy path keeps whether the turn is hidden.
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            carried.hidden = hide_rule_turn
        if carried.hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if carried.last_ml_action:
            state[constants.PREVIOUS_ACTION] = carried.last_ml_action
    states.append(domain._clean_state(state))


def _copies(states: list[State]) -> list[State]:
    """Fresh states and sub-states, a sub-state shared by two states still shared by their copies."""
    made: dict[int, dict] = {}
    out = []
    for state in states:
        copied = {}
        for part, sub_state in state.items():
            if id(sub_state) not in made:
                made[id(sub_state)] = dict(sub_state)
            copied[part] = made[id(sub_state)]
        out.append(copied)
    return out


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_frozen(v) for v in value)
    return value


_cache: StatesCache | None = None


def install() -> None:
    global _cache
    if _cache is not None:
        return
    _cache = StatesCache(int(os.environ.get("RASA_STATES_CACHE", DEFAULT_SIZE)))

    def states_for_tracker_history(
        self: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        return _cache.states(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)

    Domain.states_for_tracker_history = states_for_tracker_history
