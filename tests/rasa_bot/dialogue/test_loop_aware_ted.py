"""bot.dialogue.loop_aware_ted.LoopAwareTEDPolicy skips TED's network exactly on the steps where Rasa's
RulePolicy decides from the running form with a no-user prediction (which the ensemble prefers
to any other), and the training data stays without end-to-end (text) stories, the one thing
that would let TED's answer matter there."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.loop_aware_ted import LoopAwareTEDPolicy, on_loop_happy_path

ROOT = Path(__file__).resolve().parents[3]
FORM = "complaint_form"


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9})


def test_happy_path_steps_of_a_running_form():
    in_form = [ActionExecuted(FORM), ActiveLoop(FORM), SlotSet("requested_slot", "phone")]
    # The customer answered: the form runs next.
    assert on_loop_happy_path(tracker(*in_form, ActionExecuted(ACTION_LISTEN_NAME), user("050 111 22 33")))
    # The form ran: listening next.
    assert on_loop_happy_path(tracker(*in_form, ActionExecuted(ACTION_LISTEN_NAME), user("x"), ActionExecuted(FORM)))


def test_every_other_step_runs_ted():
    assert not on_loop_happy_path(tracker(user("Здравствуйте", "greet")))  # no form
    rejected = tracker(
        ActionExecuted(FORM),
        ActiveLoop(FORM),
        ActionExecuted(ACTION_LISTEN_NAME),
        user("оператор", "request_human"),
        ActionExecutionRejected(FORM),
    )
    assert not on_loop_happy_path(rejected)  # the form rejected the message: stories and TED decide
    ended = tracker(ActionExecuted(FORM), ActiveLoop(FORM), ActionExecuted(FORM), ActiveLoop(None))
    assert not on_loop_happy_path(ended)  # the form is done: what comes after is predicted


def test_skipped_answer_is_zeros_and_ted_runs_otherwise(monkeypatch):
    domain = Domain.load(str(ROOT / "domain.yml"))
    policy = LoopAwareTEDPolicy.__new__(LoopAwareTEDPolicy)  # no model needed for the routing
    policy.config = {}
    policy.priority = 1
    calls = []

    def network(self, tracker, domain, **kwargs):
        calls.append(tracker.sender_id)
        return PolicyPrediction([1.0] + [0.0] * (domain.num_actions - 1), "TEDPolicy")

    monkeypatch.setattr("rasa.core.policies.ted_policy.TEDPolicy.predict_action_probabilities", network)
    happy = tracker(ActionExecuted(FORM), ActiveLoop(FORM), ActionExecuted(ACTION_LISTEN_NAME), user("x"))
    skipped = policy.predict_action_probabilities(happy, domain)
    assert skipped.probabilities == [0.0] * domain.num_actions and not calls
    policy.predict_action_probabilities(tracker(user("Здравствуйте", "greet")), domain)
    assert len(calls) == 1


def test_the_rule_policys_happy_path_prediction_wins_over_any_ted_answer():
    """What makes skipping safe: a no-user prediction beats a confident TED prediction."""
    domain_actions = 5
    rule = PolicyPrediction([0, 0, 1.0, 0, 0], "RulePolicy", policy_priority=6, is_no_user_prediction=True)
    ted_confident = PolicyPrediction([0, 0, 0, 0.99, 0.01], "TEDPolicy", policy_priority=1)
    ted_skipped = PolicyPrediction([0.0] * domain_actions, "TEDPolicy", policy_priority=1)
    for ted in (ted_confident, ted_skipped):
        best = DefaultPolicyPredictionEnsemble._pick_best_policy([rule, ted])
        assert best.policy_name == "RulePolicy" and best.probabilities == rule.probabilities


def test_training_data_has_no_end_to_end_stories():
    for path in sorted((ROOT / "data").glob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for block in (doc.get("stories") or []) + (doc.get("rules") or []):
            for step in block.get("steps") or []:
                assert "user" not in step, f"{path.name}: {block.get('story') or block.get('rule')} has user text"


def test_config_uses_it_in_place_of_ted():
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    names = [p["name"] for p in config["policies"]]
    assert "bot.dialogue.loop_aware_ted.LoopAwareTEDPolicy" in names and "TEDPolicy" not in names
    assert RulePolicy.__name__ in names
