"""A message that is, word for word, one of the training examples gets that example's intent.

DIET does not learn its own training data perfectly, and which examples it misses changes from
one training to the next (TensorFlow on several threads is not repeatable even with a seed).
The short examples suffer most, because their character n-grams are mostly shared with other
intents: one training of this assistant classified Romanian "nu" ("no", a `deny` example) as
`dont_know` with confidence 1.0, because "nu știu" ("I don't know") shares them; a customer
rejecting a decision with "nu, nu sunt de acord" (also a `deny` example) was asked to rate it.

`ExactIntentClassifier` runs after DIET. Training keeps every example's text in a folded form
(case, punctuation, spacing and diacritics removed: customers type "nu stiu" as often as "nu
știu", "HAYIR" as "hayır") with its intent; a folded text that belongs to two intents is
dropped. At prediction, a message whose folded text is in the table gets that intent with
confidence 1.0, and DIET's ranking follows it. Anything else keeps DIET's answer, so this never
decides a message the data does not contain verbatim. Entities are left as DIET found them.

A message with no letter and no digit at all (emoji, a sticker's emoji, punctuation) has nothing
to classify: DIET still gives it an intent, with a confidence that changes between trainings
("😡" was `affirm` at 0.49, just over the fallback threshold, in one of them). Unless it is a
training text, its confidence is set to 0, so the FallbackClassifier after this makes it
`nlu_fallback` every time (the bot says it could not read it).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from contract.text import fold

logger = logging.getLogger(__name__)

FILE_NAME = "exact_intents.json"
_NOT_WORD = re.compile(r"[\W_]+")


def key(text: str) -> str:
    """The text folded as the actions fold keywords (case and diacritics off: ə->e, ı->i,
    ș->s), punctuation off, words separated by one space."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ExactIntentClassifier(GraphComponent, IntentClassifier):
    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        table: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.table = table or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ExactIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ExactIntentClassifier:
        with model_storage.read_from(resource) as directory:
            table = read_json_file(directory / FILE_NAME)
        return cls(config, model_storage, resource, table)

    def train(self, training_data: TrainingData) -> Resource:
        seen: dict[str, set[str]] = {}
        for example in training_data.intent_examples:
            folded = key(example.get(TEXT) or "")
            if folded:
                seen.setdefault(folded, set()).add(example.get(INTENT))
        self.table = {text: next(iter(intents)) for text, intents in seen.items() if len(intents) == 1}
        ambiguous = sum(1 for intents in seen.values() if len(intents) > 1)
        if ambiguous:
            logger.info("%d example texts belong to more than one intent; left to DIET", ambiguous)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / FILE_NAME, self.table)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            folded = key(text)
            intent = self.table.get(folded)
            if intent is not None:
                self._decide(message, intent)
            elif not folded and text.strip() and message.get(INTENT):
                message.set(INTENT, {**message.get(INTENT), PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
        return messages

    @staticmethod
    def _decide(message: Message, intent: str) -> None:
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
        message.set(INTENT, {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [{INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}]
            + [{**r, PREDICTED_CONFIDENCE_KEY: 0.0} for r in ranking],
            add_to_output=True,
        )
