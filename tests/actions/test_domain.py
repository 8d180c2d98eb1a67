"""Every response speaks all four languages, and no response is defined twice (YAML keeps the last)."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

import actions
from actions.responses import response_text
from bot.dialogue.complaint_form import LOCAL_ASK_ACTIONS

ROOT = Path(__file__).resolve().parents[2]
LANGS = {"ru", "az", "ro", "tr"}


class _UniqueKeys(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; here a second one fails."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        for key in keys:
            assert keys.count(key) == 1, f"{key} defined twice: one copy is lost"
        return super().construct_mapping(node, deep=deep)


def _domain():
    return yaml.load((ROOT / "domain.yml").read_text(encoding="utf-8"), Loader=_UniqueKeys)


def _responses():
    return _domain()["responses"]


def test_every_response_has_a_variation_per_language_and_a_default():
    responses = _responses()
    assert len(responses) > 30
    for name, variations in responses.items():
        for channel in {v.get("channel") for v in variations}:
            langs = [
                c["value"]
                for v in variations
                if v.get("channel") == channel
                for c in (v.get("condition") or [])
                if c.get("name") == "language"
            ]
            assert set(langs) == LANGS and len(langs) == 4, f"{name} ({channel or 'any channel'}): languages {langs}"
        defaults = [v for v in variations if not v.get("condition")]
        assert len(defaults) == 1, f"{name}: needs exactly one default variation"


def test_variations_share_placeholders_and_button_payloads():
    import re

    for name, variations in _responses().items():
        # A channel's own wording (e-mail's list of what is missing) is compared with its own.
        shapes = {
            (
                v.get("channel"),
                frozenset(re.findall(r"{(\w+)}", v.get("text") or "")),
                tuple(b["payload"] for b in v.get("buttons") or []),
            )
            for v in variations
        }
        shapes = {shape for shape in shapes if shape[0] is None} or shapes
        assert len(shapes) == 1, f"{name}: variations differ in placeholders or buttons: {shapes}"


def test_channel_conditions_are_always_paired_with_language():
    for name, variations in _responses().items():
        for v in variations:
            if v.get("channel"):
                assert any(c.get("name") == "language" for c in v.get("condition") or []), name


def test_every_form_slot_is_asked():
    responses = _responses()
    intake = _domain()
    actions = {a if isinstance(a, str) else next(iter(a)) for a in intake.get("actions") or []}
    for slot in intake["forms"]["complaint_form"]["required_slots"]:
        assert f"utter_ask_{slot}" in responses or f"action_ask_{slot}" in actions, slot
    assert "utter_ask_field_to_correct" in responses


def test_only_actions_that_read_no_domain_go_without_it():
    """endpoints.yml sends the domain only to actions that ask for it: every custom action but
    action_validate_slot_mappings (the one run on every message) and action_submit_complaint (every
    confirmation) must ask."""
    for endpoints in ("endpoints.yml", "deploy/endpoints.production.yml"):
        config = yaml.safe_load((ROOT / endpoints).read_text(encoding="utf-8"))
        assert config["action_endpoint"]["enable_selective_domain"] is True, endpoints
    without = []
    for action in _domain().get("actions") or []:
        if isinstance(action, str) and action in LOCAL_ASK_ACTIONS:
            continue  # run in the rasa server, never sent to the action server
        if isinstance(action, str) and not action.startswith("validate_"):
            without.append(action)
        elif isinstance(action, dict):
            assert all(v.get("send_domain") is True for v in action.values()), action
    assert without == ["action_validate_slot_mappings", "action_submit_complaint"]
    source = (ROOT / "actions" / "slot_mappings.py").read_text(encoding="utf-8")
    body = source.split("class ActionValidateSlotMappings", 1)[1]
    assert "domain[" not in body and "domain.get" not in body and "response_text(" not in body
    # Registration reads only response texts, which come from domain.yml when no domain is sent.
    source = (ROOT / "actions" / "registration.py").read_text(encoding="utf-8")
    assert "domain[" not in source and "domain.get" not in source
    assert (
        response_text({}, "utter_label_phone", "ru")
        == response_text(_domain(), "utter_label_phone", "ru")
        != "utter_label_phone"
    )


def test_every_custom_action_has_one_home():
    """Each custom action of the domain is served by the action server or by the rasa server
    (bot/dialogue/complaint_form.py), never by both and never by neither."""
    executor = ActionExecutor()
    executor.register_package(actions)
    served = set(executor.actions)
    custom = {a if isinstance(a, str) else next(iter(a)) for a in _domain().get("actions") or []}
    custom = {a for a in custom if not a.startswith("utter_")}
    assert custom - served == set(LOCAL_ASK_ACTIONS)
    assert not served & set(LOCAL_ASK_ACTIONS)
    assert "validate_complaint_form" not in custom | served
