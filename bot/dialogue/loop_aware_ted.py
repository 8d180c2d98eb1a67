"""TEDPolicy that does not run its network while a form's happy path decides the next action.

While a form (Rasa "loop") runs and has not rejected the message, Rasa's RulePolicy predicts
the form after a customer message and `action_listen` after the form, and marks that prediction
"no user prediction"; the policy ensemble then ignores every other kind of prediction
(`DefaultPolicyPredictionEnsemble._pick_best_policy`). TED's answer in those steps is computed
and thrown away, yet it was the largest single cost of a rasa server's turn: about 18% of its
busy time under `make bench-load` (py-spy), two of the three predictions of a form turn.

`LoopAwareTEDPolicy` answers those steps with zeros, the answer TED itself gives when it has
no model, and runs the network for every other step (no form, a rejected form, a default
action, anything after the form ends). The condition is Rasa's own
(`RulePolicy._find_action_from_loop_happy_path`), so the two cannot disagree on which steps
are the happy path. One thing would break the "thrown away" reasoning: TED predicting from
the message's text (end-to-end stories); this assistant has none, and `tests/rasa_bot`
checks that the training data stays so.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker


def on_loop_happy_path(tracker: DialogueStateTracker) -> bool:
    """RulePolicy predicts this step from the running form, as a no-user prediction."""
    action, _ = RulePolicy._find_action_from_loop_happy_path(tracker)
    return action is not None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class LoopAwareTEDPolicy(TEDPolicy):
    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: Any | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if on_loop_happy_path(tracker):
            return self._prediction(self._default_predictions(domain))
        return super().predict_action_probabilities(
            tracker, domain, rule_only_data=rule_only_data, precomputations=precomputations, **kwargs
        )
