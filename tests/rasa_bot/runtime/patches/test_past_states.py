"""bot/runtime/patches/past_states.py and applied_events.py: the kept replay gives Rasa's own states and
the kept fold Rasa's own applied events, call after call, as a
conversation grows the way a rasa server grows it (the form's happy path, which takes the previous
listen and message out of the applied events; rejections, rewinds, restarts, new sessions, Rasa's
featurization mark set after a message's first prediction, hidden rule turns), with this project's
domain; callers may change what they get; a long conversation replays only what is new."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.patches import applied_events, past_states

ROOT = Path(__file__).resolve().parents[4]
DOMAIN = Domain.load(ROOT / "domain.yml")
RULE_ONLY = {"rule_only_slots": ["route"], "rule_only_loops": []}
FLAGS = [
    {},
    {"omit_unset_slots": True},
    {"ignore_rule_only_turns": True, "rule_only_data": RULE_ONLY},
    {"omit_unset_slots": True, "ignore_rule_only_turns": True, "rule_only_data": RULE_ONLY},
]
INTENTS = ["complain", "inform", "greet", "cancel", "request_human", "affirm", "nlu_fallback"]
FORM_SLOTS = ["full_name", "phone", "staff_member", "complaint_text", "confirmed"]


def original(tracker, **flags):
    return past_states._original(DOMAIN, tracker, **flags)


class Conversation:
    """A rasa server's tracker, grown event by event; after each step every policy's call is checked."""

    def __init__(self, cache: past_states.StatesCache, sender: str = "c1") -> None:
        self.cache = cache
        self.applied = applied_events.AppliedEventsCache(cache.size)
        self.tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")], DOMAIN.slots)
        self.checked = 0

    def add(self, *events) -> None:
        for event in events:
            self.tracker.update(event)

    def check(self) -> None:
        assert [id(e) for e in self.applied.applied(self.tracker)] == [
            id(e) for e in applied_events._original(self.tracker)
        ]
        for flags in FLAGS:
            assert self.cache.states(DOMAIN, self.tracker, **flags) == original(self.tracker, **flags), flags
            self.checked += 1

    def user(self, rng: random.Random, text: str | None = None) -> None:
        intent = rng.choice(INTENTS)
        self.add(UserUttered(text or f"message {rng.random():.5f}", {"name": intent, "confidence": 0.9}))
        self.add(ActionExecuted("action_extract_slots"))
        if rng.random() < 0.6:
            self.add(SlotSet(rng.choice(FORM_SLOTS), f"v{rng.randint(0, 9)}"))
        if rng.random() < 0.3:
            self.add(SlotSet("route", rng.choice(["handoff", "complaint", None])))
        self.check()  # the first prediction after a message; Rasa marks the message then
        self.add(DefinePrevUserUtteredFeaturization(rng.random() < 0.2))

    def form_turn(self, rng: random.Random) -> None:
        self.add(ActionExecuted("complaint_form"))
        if self.tracker.active_loop_name != "complaint_form":
            self.add(ActiveLoop("complaint_form"))
        self.add(SlotSet("requested_slot", rng.choice(FORM_SLOTS)), BotUttered("question?"))
        self.check()
        self.add(ActionExecuted("action_listen"))

    def rule_turn(self, rng: random.Random) -> None:
        if self.tracker.active_loop_name and rng.random() < 0.5:
            self.add(ActionExecutionRejected("complaint_form"))
        action = ActionExecuted(rng.choice(["utter_greet", "action_handoff", "utter_default"]))
        action.hide_rule_turn = rng.random() < 0.5
        self.add(action, BotUttered("answer"))
        self.check()
        if self.tracker.active_loop_name and rng.random() < 0.5:
            self.form_turn(rng)
            return
        listen = ActionExecuted("action_listen")
        listen.hide_rule_turn = action.hide_rule_turn
        self.add(listen)

    def end_form(self, rng: random.Random) -> None:
        self.add(ActionExecuted("complaint_form"), ActiveLoop(None), SlotSet("requested_slot", None))
        self.check()
        self.add(FollowupAction("action_submit_complaint"))
        self.check()
        self.add(ActionExecuted("action_submit_complaint"), SlotSet("confirmed", None), BotUttered("done"))
        self.check()
        self.add(ActionExecuted("action_listen"))


def grow(conversation: Conversation, rng: random.Random, turns: int, rewinds: bool = True) -> None:
    for _ in range(turns):
        roll = rng.random() if rewinds else 1.0
        if roll < 0.04:
            conversation.add(UserUtteranceReverted())
        elif roll < 0.06:
            conversation.add(ActionReverted())
        elif roll < 0.07:
            conversation.add(Restarted(), ActionExecuted("action_listen"))
        elif roll < 0.08:
            conversation.add(ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"))
        conversation.user(rng)
        if rng.random() < 0.65:
            conversation.form_turn(rng)
        elif conversation.tracker.active_loop_name and rng.random() < 0.3:
            conversation.end_form(rng)
        else:
            conversation.rule_turn(rng)
        conversation.check()


@pytest.mark.parametrize("seed", range(8))
def test_every_call_gives_rasas_own_states_as_a_conversation_grows(seed):
    rng = random.Random(seed)
    conversation = Conversation(past_states.StatesCache(10))
    grow(conversation, rng, 30)
    assert conversation.checked > 300


def test_two_conversations_sharing_a_store_keep_their_own_replays_and_the_oldest_goes_first():
    rng = random.Random(7)
    cache = past_states.StatesCache(4)  # four ways of asking: one conversation's worth
    first, second = Conversation(cache, "first"), Conversation(cache, "second")
    for _ in range(6):
        grow(first, rng, 2)
        grow(second, rng, 2)
    assert len(cache) == 4


def test_a_tracker_read_afresh_from_the_database_is_replayed_from_the_start():
    rng = random.Random(3)
    conversation = Conversation(past_states.StatesCache(10))
    grow(conversation, rng, 10)
    copy = DialogueStateTracker.from_dict("c1", [e.as_dict() for e in conversation.tracker.events], DOMAIN.slots)
    before = conversation.cache.replayed
    assert conversation.cache.states(DOMAIN, copy) == original(copy)
    assert conversation.cache.replayed - before == len(copy.applied_events())


def test_the_caller_may_change_the_states_it_gets():
    rng = random.Random(5)
    conversation = Conversation(past_states.StatesCache(10))
    grow(conversation, rng, 8)
    got = conversation.cache.states(DOMAIN, conversation.tracker)
    for state in got:  # what Rasa's featurizers do to the states they are given
        for sub_state in state.values():
            sub_state.clear()
    assert conversation.cache.states(DOMAIN, conversation.tracker) == original(conversation.tracker)


def test_a_long_conversation_replays_only_its_new_events():
    rng = random.Random(11)
    conversation = Conversation(past_states.StatesCache(10))
    grow(conversation, rng, 40, rewinds=False)
    before = conversation.cache.replayed
    conversation.user(rng)
    conversation.form_turn(rng)
    # The form's happy path takes the last listen and message out: one turn is replayed again.
    assert conversation.cache.replayed - before < 4 * 30
    assert len(conversation.tracker.applied_events()) > 150
    folded = conversation.applied.folded
    conversation.user(rng)
    assert conversation.applied.folded - folded < 15


def test_off_gives_rasas_own_function():
    rng = random.Random(2)
    conversation = Conversation(past_states.StatesCache(0))
    grow(conversation, rng, 5)
    assert conversation.cache.replayed == 0 and len(conversation.cache) == 0
    assert conversation.applied.folded == 0 and len(conversation.applied) == 0


def test_a_message_marked_after_its_state_was_kept_is_replayed_again():
    # Rasa marks a message when it is the latest one; a kept state must not outlive a mark however set.
    rng = random.Random(13)
    conversation = Conversation(past_states.StatesCache(10))
    grow(conversation, rng, 6, rewinds=False)
    conversation.user(rng)
    conversation.rule_turn(rng)
    message = next(e for e in reversed(conversation.tracker.applied_events()) if isinstance(e, UserUttered))
    message.use_text_for_featurization = not message.use_text_for_featurization
    conversation.check()


def test_a_loop_activated_later_changes_how_its_earlier_executions_fold():
    # Rasa folds with the names of every loop the tracker ever activated, later ones included.
    cache = applied_events.AppliedEventsCache(10)
    tracker = DialogueStateTracker.from_events("c2", [ActionExecuted("action_listen")], DOMAIN.slots)
    for text in ("first", "second"):
        tracker.update(UserUttered(text, {"name": "check_status", "confidence": 0.9}))
        tracker.update(ActionExecuted("status_form"))
        tracker.update(BotUttered("tracking number?"))
        assert cache.applied(tracker) == applied_events._original(tracker)
        tracker.update(ActionExecuted("action_listen"))
    tracker.update(ActiveLoop("status_form"))
    assert [id(e) for e in cache.applied(tracker)] == [id(e) for e in applied_events._original(tracker)]
