"""bot.nlu.exact_intent.ExactIntentClassifier: a message that is a training example's text (up to
case, punctuation and diacritics) gets that example's intent whatever DIET said; any other
message keeps DIET's answer; a text given two intents in the data is left to DIET."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.exact_intent import ExactIntentClassifier, key

ROOT = Path(__file__).resolve().parents[3]


def example(text: str, intent: str) -> Message:
    return Message(data={"text": text, "intent": intent})


def diet_said(text: str, intent: str, confidence: float = 0.86) -> Message:
    """A message as DIET leaves it: its intent and ranking."""
    ranking = [{"name": intent, "confidence": confidence}, {"name": "deny", "confidence": 1 - confidence}]
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    return message


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def trained(storage: LocalModelStorage, examples: list[Message]) -> tuple[ExactIntentClassifier, Resource]:
    resource = Resource("exact")
    context = ExecutionContext(GraphSchema({}), "test")
    component = ExactIntentClassifier.create({}, storage, resource, context)
    component.train(TrainingData(training_examples=examples))
    return ExactIntentClassifier.load({}, storage, resource, context), resource


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nu, nu sunt de acord!", "nu nu sunt de acord"),
        ("nu știu", "nu stiu"),
        ("HAYIR", "hayir"),
        ("hayır", "hayir"),
        ("Xeyr,  razı deyiləm.", "xeyr razi deyilem"),
        ("Нет, не согласен", "нет не согласен"),
        ("  ...  ", ""),
    ],
)
def test_key_folds_case_punctuation_and_diacritics(text: str, folded: str) -> None:
    assert key(text) == folded


def test_a_training_text_gets_its_intent_after_a_reload(storage: LocalModelStorage) -> None:
    component, _ = trained(storage, [example("nu", "deny"), example("nu știu", "dont_know")])
    [message] = component.process([diet_said("Nu.", "dont_know", 1.0)])
    assert message.get("intent") == {"name": "deny", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0] == {"name": "deny", "confidence": 1.0}
    assert [r["name"] for r in ranking] == ["deny", "dont_know"] and ranking[1]["confidence"] == 0.0
    [typed_without_diacritics] = component.process([diet_said("nu stiu", "deny", 0.6)])
    assert typed_without_diacritics.get("intent")["name"] == "dont_know"


def test_other_messages_keep_diets_answer(storage: LocalModelStorage) -> None:
    component, _ = trained(storage, [example("nu", "deny")])
    message = diet_said("nu vreau să spun", "dont_know", 0.7)
    before = (dict(message.get("intent")), list(message.get("intent_ranking")))
    component.process([message])
    assert (message.get("intent"), message.get("intent_ranking")) == before


@pytest.mark.parametrize("text", ["😡", "👍👍", "?!", " … "])
def test_nothing_to_read_gets_no_confidence(storage: LocalModelStorage, text: str) -> None:
    """The FallbackClassifier after it turns a confidence of 0 into nlu_fallback."""
    component, _ = trained(storage, [example("nu", "deny")])
    [message] = component.process([diet_said(text, "affirm", 0.49)])
    assert message.get("intent") == {"name": "affirm", "confidence": 0.0}
    [with_a_digit] = component.process([diet_said("5", "inform", 0.49)])
    assert with_a_digit.get("intent") == {"name": "inform", "confidence": 0.49}


def test_a_text_with_two_intents_is_left_to_diet(storage: LocalModelStorage) -> None:
    component, _ = trained(storage, [example("da", "affirm"), example("Da!", "inform"), example("nu", "deny")])
    assert component.table == {"nu": "deny"}
    [message] = component.process([diet_said("da", "inform", 0.55)])
    assert message.get("intent") == {"name": "inform", "confidence": 0.55}


def test_the_pipeline_runs_it_after_diet_on_the_assistants_data() -> None:
    """After DIET (before it, DIET would overwrite its answer); tests/data checks that no text
    of data/nlu is under two intents, so every one of them is in the table."""
    names = [c["name"] for c in yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]]
    assert names.index("bot.nlu.exact_intent.ExactIntentClassifier") == names.index("DIETClassifier") + 1
    assert names.index("FallbackClassifier") > names.index("bot.nlu.exact_intent.ExactIntentClassifier")
    importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(ROOT / "data" / "nlu")])
    table = {key(item.get("text")): item.get("intent") for item in importer.get_nlu_data().intent_examples}
    assert table[key("nu")] == "deny" and table[key("nu, nu sunt de acord")] == "deny"
