"""What one customer message means for the complaint's slots.

`interpret(turn, policy)` is a pure function: it takes the message (text,
intent, entities, metadata) and the conversation state (slots, requested slot)
and returns the slot values to set and the responses to send. The Rasa action
`action_validate_slot_mappings` (actions/slot_mappings.py) runs it on every
customer message, so several fields typed in one message are all taken, and
the form only asks for what is still missing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from actions import letters, parsing
from actions.answers import answer_requested, value_for
from actions.parsers import cancelling, codes, complaint_text, staff
from actions.policy import Policy
from actions.turn import CONTROL_CONFIDENCE, CONTROL_INTENTS, CONTROL_MAX_WORDS, Outcome, Turn
from actions.unsolicited import unsolicited
from contract import langid
from contract.fields import INTAKE_SLOTS

__all__ = ["Outcome", "Turn", "interpret"]

# Slots whose answer is a short piece of data, where a few foreign words are not
# a change of language.
DATA_SLOTS = {
    "full_name",
    "phone",
    "email",
    "serial_number",
    "ticket_number",
    "inverter_model",
    "staff_member",
    "tracking_number",
    "pin",
    "rating",
}


def channel_hint(metadata: Mapping[str, Any]) -> str | None:
    """The language the channel tells us: widget locale, Telegram language_code."""
    if not isinstance(metadata, Mapping):
        return None
    for key in ("language", "lang", "locale", "language_code"):
        hint = langid.normalise_hint(metadata.get(key))
        if hint:
            return hint
    for nested in ("customData", "telegram", "user"):
        inner = metadata.get(nested)
        if isinstance(inner, Mapping):
            hint = channel_hint(inner)
            if hint:
                return hint
    return None


def decide_language(turn: Turn, policy: Policy) -> str:
    current = turn.slots.get("language")
    asked = langid.normalise_hint(turn.entity("language"))
    if turn.intent == "switch_language" and asked:
        return asked
    if turn.is_payload:
        return current or channel_hint(turn.metadata) or policy.default_language
    return langid.choose_language(
        turn.text,
        current=current,
        hint=channel_hint(turn.metadata),
        default=policy.default_language,
        free_text_expected=turn.requested_slot not in DATA_SLOTS,
        preferred=policy.languages,
    )


def registration_key(turn: Turn) -> str:
    """One key per run of the complaint form: a confirmation replayed after a lost turn (the
    rasa server died before saving it) registers once. The backend keeps a key only with a
    registered complaint, so a refused payload corrected and confirmed again still registers."""
    if not turn.form_run:
        return uuid.uuid4().hex
    return hashlib.sha256(turn.form_run.encode()).hexdigest()[:32]


def interpret(turn: Turn, policy: Policy) -> Outcome:
    out = Outcome()
    if (turn.intent or "").startswith("EXTERNAL_"):
        # Triggered by the backend (resume, decision): no customer words to read.
        return out
    language = decide_language(turn, policy)
    if language != turn.slots.get("language"):
        out.slots["language"] = language

    text = parsing.clean(turn.text or "")
    if len(text) > parsing.MAX_COMPLAINT_CHARS:
        out.say("utter_message_too_long", max_chars=parsing.MAX_COMPLAINT_CHARS)
        if turn.form_active and turn.requested_slot:
            # Keeps the form asking the same question; nothing typed before is lost.
            out.slots.setdefault(turn.requested_slot, None)
        return out
    if not turn.is_payload and not parsing.has_letters(text) and not any(ch.isdigit() for ch in text):
        # Only emoji, punctuation or nothing at all. Outside a form the fallback answers.
        if turn.form_active and turn.requested_slot:
            out.say("utter_invalid_message")
            out.slots.setdefault(turn.requested_slot, None)
        return out

    if turn.slots.get("awaiting") == "decision" and not turn.active_loop and not turn.is_payload:
        if _decision_answer(turn, text, out):
            return out
    if turn.active_loop in AUX_FORMS:
        _aux_form(turn, text, out)
        return out
    if not turn.form_active and not turn.active_loop and not turn.is_payload:
        tn = turn.entity("tracking_number") or parsing.find_tracking_number(text)
        tn = parsing.find_tracking_number(tn) if tn else None
        if not tn and turn.intent not in ("complain", "inform") and not turn.slots.get("awaiting"):
            if complaint_text.announces_a_complaint(text):  # "şikayet" alone, read as status or cancel
                out.start_complaint = True
                return out
        if (turn.intent == "check_status" and not _story_not_status(turn, text, policy)) or tn:
            # A tracking number outside any form is a status question, whatever the classifier says.
            if tn:
                out.slots["tracking_number"] = tn
            pin = parsing.find_pin(text)
            if pin:
                out.slots["pin"] = pin
            out.status_check = turn.intent != "check_status"
            return out
        if turn.intent == "check_status" and not turn.slots.get("awaiting"):
            # What happened, read as a status question: a complaint, however short.
            unsolicited(replace(turn, intent="complain"), text, policy, out, None)
            out.start_complaint = True
            return out

    requested = turn.requested_slot if turn.form_active else None
    outside = not turn.form_active and not turn.active_loop and not turn.is_payload
    if _asks_for_person(turn, text, requested) and not _answers_with_data(turn, text, policy, requested):
        out.wants_person = True
        return out
    if interrupts(turn, text, requested) and not _answers_with_data(turn, text, policy, requested):
        if outside and turn.intent == "greet":
            # "Merhaba, ben Hakan Öztürk": the name is kept and the complaint begins.
            unsolicited(turn, text, policy, out, None)
            out.start_complaint = any(out.slots.get(s) for s in INTAKE_SLOTS)
        return out

    if (
        requested == "field_to_correct"
        or (turn.intent == "deny" and requested == "confirmed")
        # "телефон неправильный" while answering another question; a long answer
        # that happens to say "wrong" is still the answer.
        or (turn.intent == "correct_field" and (requested in (None, "confirmed") or turn.words <= 6))
    ):
        if _correction(turn, text, policy, out, requested):
            return out

    if requested == "confirmed":
        if turn.intent == "affirm":
            out.slots["confirmed"] = "yes"
            out.slots["registration_key"] = registration_key(turn)
        else:
            out.slots["confirmed"] = None
        return out

    if turn.by_email and (requested in INTAKE_SLOTS or (outside and not turn.slots.get("awaiting"))):
        # A letter is written to complain, whatever the classifier makes of it.
        story = outside and (turn.intent == "complain" or tells_a_story(turn, text))
        letters.read_letter(replace(turn, intent="complain") if story else turn, text, policy, out)
        if outside:
            out.start_complaint = story or any(out.slots.get(s) for s in INTAKE_SLOTS if s != "email")
        return out

    if requested in INTAKE_SLOTS:
        answer_requested(turn, text, policy, out, requested)

    story = outside and tells_a_story(turn, text)
    unsolicited(replace(turn, intent="complain") if story else turn, text, policy, out, requested)
    if outside and turn.intent not in ("complain", "inform") and not turn.slots.get("awaiting"):
        # What happened, or the customer's details, under another intent (a "yanlış" read as a
        # correction, a "yoxdur" as a denial): the complaint form starts all the same.
        out.start_complaint = story or any(out.slots.get(s) for s in INTAKE_SLOTS)
    return out


# Intents a story is misread as; a greeting, thanks or a goodbye with a story in it is the story.
STORY_INTENTS = {
    "check_status",
    "request_human",
    "greet",
    "thank",
    "goodbye",
    "affirm",
    "deny",
    "dont_know",
    "correct_field",
    "cancel",
    "out_of_scope",
    "nlu_fallback",
}
STORY_MIN_WORDS = 4


def tells_a_story(turn: Turn, text: str) -> bool:
    """A message outside any form that says what happened, whatever the classifier called it.
    A question is not a story: "какой у вас график работы?" stays out of scope."""
    if turn.intent not in STORY_INTENTS or turn.slots.get("awaiting"):
        return False
    if turn.intent == "out_of_scope" and "?" in text:
        return False
    if turn.intent == "cancel" and cancelling.asks_to_stop(text):
        return False  # "şikayetimi iptal etmek istiyorum" cancels; "Müdür ... almayı reddetti" tells
    body = complaint_text.what_happened(text)
    return bool(body) and len(body.split()) >= STORY_MIN_WORDS


STATUS_STORY_MIN_WORDS = 5


def _story_not_status(turn: Turn, text: str, policy: Policy) -> bool:
    """ "по моей заявке техник так и не приехал", called check_status: no tracking number, no word
    of a status question ("статус", "durum", "stadiul") and what happened in it: a complaint.
    A service ticket of a policy that asks for one ("TK-6841 nömrəli müraciətimə baxılmayıb") is
    the subject of the complaint, not one of ours to look up."""
    if parsing.asks_about_status(text):
        return False
    if policy.asks("ticket_number") and codes.find_ticket(text):
        return True
    body = complaint_text.what_happened(text)
    return bool(body) and len(body.split()) >= STATUS_STORY_MIN_WORDS


# Slots answered in free words, where a short phrase of another intent is still the answer.
FREE_TEXT_SLOTS = {"complaint_text", "solution_idea", "staff_member"}
FREE_TEXT_CONTROL_WORDS = 4


def _short(turn: Turn, requested: str | None) -> bool:
    return turn.words <= (FREE_TEXT_CONTROL_WORDS if requested in FREE_TEXT_SLOTS else CONTROL_MAX_WORDS)


def _asks_for_person(turn: Turn, text: str, requested: str | None) -> bool:
    """The customer asks for a person: the button, or words that ask for one ("соедините с
    оператором", "insanla danışmaq istəyirəm"), however long the message. Outside the form a short
    message the classifier reads as such is enough; inside it the message answers the question
    asked unless it says so in words: a bare role ("администратор") or a want ("kompensasiya
    istəyirəm") read as request_human is an answer, not a request. Outside it, a short message
    that says what it is about and asks for no one ("Onlayn sifarişlə bağlı yazıram",
    "qulaqcığın biri işləmir") begins a complaint."""
    if turn.intent != "request_human":
        return False
    if turn.is_payload or parsing.says_human(text) or (_person_word_alone(text) and requested != "staff_member"):
        return True
    if requested is not None or not _short(turn, requested) or parsing.tells_of_a_person(text):
        return False
    return not complaint_text.what_happened(text) or _asks_for_someone(text)


def _asks_for_someone(text: str) -> bool:
    """Words that ask ("соедините", "danışmaq istəyirəm", "vreau", "konuşmak")."""
    return any(parsing.mentions(text, words) for words in parsing.lexicon()["human_asked"].values())


def _asks_status(text: str) -> bool:
    """A status question says so ("статус", "durum") or carries its tracking number."""
    return parsing.asks_about_status(text) or bool(parsing.find_tracking_number(text))


def _person_word_alone(text: str) -> bool:
    said = " ".join(parsing.words(text))
    return any(said == " ".join(parsing.words(w)) for group in parsing.lexicon()["human_alone"].values() for w in group)


def _only_courtesy(text: str) -> bool:
    """Nothing but greetings, thanks and goodbyes ("спасибо большое", "sağ olun", "la revedere")."""
    known = {w for group in parsing.lexicon()["courtesy"].values() for entry in group for w in parsing.words(entry)}
    return all(w in known for w in parsing.words(text))


def interrupts(turn: Turn, text: str, requested: str | None) -> bool:
    """The message steps out of the question asked (a greeting, "operator!", "cancel") instead
    of answering it."""
    if turn.intent not in CONTROL_INTENTS:
        return False
    if turn.is_payload:
        return True
    if turn.intent == "cancel" and not cancelling.asks_to_stop(text):
        return False
    if requested and turn.intent == "out_of_scope":
        # Inside the form an odd answer gets its own re-prompt; the form goes on.
        return False
    if requested and turn.intent == "check_status" and not _asks_status(text):
        # "hal-hazırda baxa bilmirəm, invertor damdadır" to the serial question: an answer.
        return False
    if turn.intent == "request_human" and (
        parsing.tells_of_a_person(text) or not _asks_for_person(turn, text, requested)
    ):
        # "Operatorla danışdım, kömək etmədi": a person the story names, none asked for; and an
        # answer to the question asked ("администратор", "kompensasiya istəyirəm") is the answer.
        return False
    if turn.intent in ("greet", "thank", "goodbye") and complaint_text.what_happened(text):
        # "başqa texnik göndərsinlər" read as thanks: there is more in it than thanks.
        return False
    if turn.intent in ("greet", "thank", "goodbye") and requested in FREE_TEXT_SLOTS and not _only_courtesy(text):
        # "tazminat istiyorum" to "what would solve it?", read as goodbye: the answer.
        return False
    return turn.confidence >= CONTROL_CONFIDENCE and _short(turn, requested)


AUX_FORMS = ("status_form", "rejection_form", "rating_form")


def _aux_form(turn: Turn, text: str, out: Outcome) -> None:
    """Answers inside the status look-up, the rejection reason and the rating."""
    requested = turn.requested_slot
    if turn.intent == "cancel" and (turn.is_payload or cancelling.asks_to_stop(text)):
        return
    if requested in ("tracking_number", "pin"):
        tn = parsing.find_tracking_number(text)
        pin = parsing.find_pin(text)
        if tn:
            out.slots["tracking_number"] = tn
        if pin:
            out.slots["pin"] = pin
        if requested not in out.slots:
            out.slots[requested] = None
            out.say("utter_invalid_tracking_number" if requested == "tracking_number" else "utter_invalid_pin")
    elif requested == "rejection_reason":
        reason = parsing.neutralise_markup(text)[: parsing.MAX_COMPLAINT_CHARS]
        if turn.is_payload or not parsing.has_letters(reason):
            out.slots["rejection_reason"] = None
            out.say("utter_ask_rejection_reason")
        else:
            out.slots["rejection_reason"] = reason
    elif requested == "rating":
        rating = parsing.find_rating(text)
        out.slots["rating"] = str(rating) if rating else None
        if not rating:
            out.say("utter_invalid_rating")


def _decision_answer(turn: Turn, text: str, out: Outcome) -> bool:
    """The answer to the decision shown last, in words. A rejection that says why (or any one by
    e-mail, where asking "why?" costs the customer another letter) carries its reason."""
    answer = parsing.decision_answer(text)
    if answer is None:
        return False
    out.decision = answer
    if answer == "reject" and (turn.by_email or parsing.says_why(text)):
        out.slots["rejection_reason"] = parsing.neutralise_markup(text)[: parsing.MAX_COMPLAINT_CHARS]
    return True


def _answers_with_data(turn: Turn, text: str, policy: Policy, requested: str | None) -> bool:
    """An e-mail typed to the e-mail question is an answer, whatever the classifier thinks."""
    if turn.is_payload or requested is None:
        return False
    if requested == "full_name":
        return bool(turn.entity("person") or parsing.normalise_name(text))
    if requested == "staff_member":
        reading = staff.read_staff(text, turn.entity("staff"), answer=True)
        return bool(reading and reading.name)
    if requested in ("phone", "email", "serial_number", "ticket_number", "inverter_model"):
        value, _, extra = value_for(requested, turn, text, policy)
        return value is not None or "alternative" in extra
    return False


def _correction(turn: Turn, text: str, policy: Policy, out: Outcome, requested: str | None) -> bool:
    """ "телефон неправильный": empties that field so the form asks it again."""
    if not turn.form_active:
        return False
    named = turn.entity("field") or parsing.field_named(text)
    if named and named == requested:
        # "seri numarası: QWF0D2209953" to the serial number question: the field's name says what
        # the answer is; it corrects nothing (emptying the field asked would ask it again, silently).
        return False
    if named and policy.asks(named):
        out.slots[named] = None
        out.slots["confirmed"] = None
        out.slots["correcting"] = False
        skipped = [s for s in (turn.slots.get("skipped_slots") or []) if s != named]
        out.slots["skipped_slots"] = skipped
        if named == "complaint_category":
            for dependent in ("ticket_number", "inverter_model"):
                out.slots[dependent] = None
        # "телефон неправильный, правильный 050 123 45 67" carries the new value too.
        if named in ("phone", "email"):
            unsolicited(turn, text, policy, out, None, overwrite={named})
        return True
    if requested not in ("confirmed", "field_to_correct"):
        return False
    # Which field is not said: the form asks (field_to_correct).
    out.slots["confirmed"] = None
    out.slots["correcting"] = True
    out.slots["field_to_correct"] = None
    return True
