"""The customer's answer to the question the form asked (`requested_slot`): the value it gives
that slot, or the short re-prompt that says what was wrong with it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from actions import parsing
from actions.parsers import codes, complaint_text, inverter_models, mash, names, staff
from actions.policy import Policy
from actions.turn import Outcome, Turn

SKIP_INTENTS = ("dont_know", "deny")
# Questions answered in the customer's own words, where "не знаю, ..." may start the answer.
IDEA_SLOTS = ("solution_idea", "complaint_text")
# Answers that are codes: letters and digits.
CODE_SLOTS = ("serial_number", "ticket_number", "inverter_model")


@lru_cache(maxsize=1)
def _refusal_words() -> frozenset[str]:
    lex = parsing.lexicon()
    sections = ("dont_know", "say_no", "no_idea")
    return frozenset(w for s in sections for ps in lex[s].values() for p in ps for w in parsing.words(p))


def goes_on(text: str) -> bool:
    """ "Bilmirəm, bəlkə yenisi ilə dəyişsinlər", "Yox, sadəcə pulumu qaytarsınlar": a "don't know"
    or a "no" followed by what the customer wants is that answer, not a refusal ("не знаю, вам
    виднее" and "nu am nicio idee" are refusals: lexicon.yml no_idea)."""
    rest = [w for w in parsing.words(text) if w not in _refusal_words()]
    return len(rest) >= 2 and sum(len(w) for w in rest) >= 8


@lru_cache(maxsize=1)
def _aside_phrases() -> tuple[tuple[str, ...], ...]:
    """lexicon.yml's `aside` phrases as folded word tuples, longest first."""
    phrases = {tuple(parsing.words(p)) for ps in parsing.lexicon()["aside"].values() for p in ps}
    return tuple(sorted(phrases, key=len, reverse=True))


def _says_aside(text: str) -> bool:
    """Words said aside, not to the question ("сейчас, секунду", "bir dəqiqə", "stați puțin, sună
    cineva la ușă", "pardon yanlış yere yazdım"): every word is of lexicon.yml's `aside`."""
    said = parsing.words(text)
    if not said or len(said) > 8:
        return False
    phrases = _aside_phrases()
    i = 0
    while i < len(said):
        n = next((len(p) for p in phrases if tuple(said[i : i + len(p)]) == p), 0)
        if not n:
            return False
        i += n
    return True


def declines(turn: Turn, text: str, policy: Policy, slot: str) -> bool:
    """A short "no" / "don't know" / "I don't have one", typed or pressed. The classifier's
    "deny" or "dont_know" alone does not decline an answer that reads as the value ("Lamiyə
    xanım" to the staff question)."""
    if turn.is_payload:
        return turn.intent in SKIP_INTENTS
    if slot in IDEA_SLOTS and goes_on(text):
        return False
    if parsing.says_dont_know(text) or parsing.says_no(text):
        return True
    if _not_at_hand(text, policy, slot):
        return True
    if turn.intent not in SKIP_INTENTS or (turn.intent == "deny" and turn.words > 3):
        return False
    if parsing.gibberish(text):
        # "hjkhjk" read as deny: unreadable, not a "no"; the question is asked again.
        return False
    if slot == "staff_member":
        # "akortçu" read as dont_know: a role is an answer too (the name is asked once more).
        reading = staff.read_staff(text, turn.entity("staff"), answer=True)
        return not (reading and (reading.name or reading.role))
    return value_for(slot, turn, text, policy)[0] is None


def _goes_to_look(text: str) -> bool:
    """The customer goes to look for the code (lexicon.yml going_to_look), with no digit typed."""
    if any(c.isdigit() for c in text):
        return False
    return any(parsing.mentions(text, words) for words in parsing.lexicon()["going_to_look"].values())


def _not_at_hand(text: str, policy: Policy, slot: str) -> bool:
    """ "nu am acces acum, invertorul e in pod", "yanımda deyil": no digit, and words that say the
    code cannot be reached now (lexicon.yml not_at_hand), to an optional code's question; asking
    again would not get it. Other words ("sıcaktan bunaldık zaten") are asked again."""
    item = policy.item(slot)
    if not (item and item.optional and slot in CODE_SLOTS) or any(c.isdigit() for c in text):
        return False
    return any(parsing.mentions(text, words) for words in parsing.lexicon()["not_at_hand"].values())


def answer_requested(turn: Turn, text: str, policy: Policy, out: Outcome, slot: str) -> None:
    item = policy.item(slot)
    if not turn.is_payload and _says_aside(text):
        # "сейчас, секунду", "pardon yanlış yere yazdım": said aside, no answer (not a description
        # of the staff member, not the complaint, not a "no"); the form asks the question again.
        out.slots[slot] = None
        return
    if slot in CODE_SLOTS and _goes_to_look(text):
        # "stați o secundă, mă duc în garaj să văd seria": no code yet, and no "I can't"; asked again.
        out.slots[slot] = None
        return
    if declines(turn, text, policy, slot):
        if _declines_contact(turn, policy, out, slot):
            return
        if item and item.optional:
            skip(turn, out, slot)
            return
    if slot == "staff_member":
        _staff_answer(turn, text, out)
        return
    value, error, extra = value_for(slot, turn, text, policy)
    if value is None:
        out.slots[slot] = None
        if error:
            out.say(error, **extra)
        return
    out.slots[slot] = value
    if slot == "full_name":
        _name_out_of_story(turn, out, value)
    if extra.get("foreign"):
        out.say("utter_phone_foreign", phone=value)


def _name_out_of_story(turn: Turn, out: Outcome, name: str) -> None:
    """ "Iulia Marinescu aici, ...", "Serdar Akgül'üm, ...": a name the first message gave without
    the classifier seeing it stayed in the story; once the customer gives it, it leaves the story."""
    story = turn.slots.get("complaint_text")
    if not story:
        return
    trimmed = complaint_text.what_happened(story, remove=[name])
    first = parsing.words(story)[:1]
    if trimmed == story and first and first[0] in parsing.words(name):
        # Only part of it was seen and taken out ("Marinescu"): the rest opens the story.
        trimmed = complaint_text.what_happened(story, remove=[story.split()[0].strip(",.:;")])
    if trimmed and trimmed != story:
        out.slots["complaint_text"] = trimmed


def skip(turn: Turn, out: Outcome, slot: str) -> None:
    skipped = list(out.slots.get("skipped_slots") or turn.slots.get("skipped_slots") or [])
    if slot not in skipped:
        skipped.append(slot)
    out.slots["skipped_slots"] = skipped
    out.slots[slot] = None


def _declines_contact(turn: Turn, policy: Policy, out: Outcome, slot: str) -> bool:
    """ "нет" to "phone or e-mail?": the customer has no phone to give, so the e-mail is asked;
    "нет" to that e-mail as well: one of the two is needed, and the phone is asked again."""
    item = policy.item(slot)
    if item and item.alternative:
        skip(turn, out, slot)
        return True
    owner = next((i for i in policy.intake if i.alternative == slot), None)
    if owner and owner.slot in (turn.slots.get("skipped_slots") or []):
        out.slots["skipped_slots"] = [s for s in turn.slots.get("skipped_slots") or [] if s != owner.slot]
        out.slots[slot] = None
        out.say("utter_contact_needed")
        return True
    return False


def _staff_answer(turn: Turn, text: str, out: Outcome) -> None:
    """ "кассир Айтен" gives Айтен; a role alone ("курьер") is asked about once more ("do you know
    the name?", action_ask_staff_member), and a second role or a place leaves the field empty."""
    reading = staff.read_staff(text, turn.entity("staff"), answer=True)
    if reading and reading.name:
        record_staff(out, reading)
        return
    if reading and reading.role and not turn.slots.get("staff_role"):
        record_staff(out, reading)
        out.slots["staff_member"] = None
        return
    if reading:
        skip(turn, out, "staff_member")
        return
    # A description of the person ("высокий парень в синей форме") is what the agent will look for.
    described = parsing.neutralise_markup(text)[: parsing.MAX_FIELD_CHARS]
    if parsing.has_letters(described) and not parsing.gibberish(described):
        out.slots["staff_member"] = described
    else:
        out.slots["staff_member"] = None
        out.say("utter_invalid_message")


def record_staff(out: Outcome, reading: staff.StaffReading) -> None:
    """The name (when there is one) and the role of a staff reading, at a field's length."""
    if reading.name:
        out.slots["staff_member"] = reading.name[: parsing.MAX_FIELD_CHARS]
    if reading.role:
        out.slots["staff_role"] = reading.role[: parsing.MAX_FIELD_CHARS]


def value_for(slot: str, turn: Turn, text: str, policy: Policy) -> tuple[Any, str | None, dict]:
    """(value, error response, response kwargs) for an answer to the question about `slot`."""
    if turn.is_payload and slot != "complaint_category":
        return None, None, {}
    if slot == "full_name":
        if mash.looks_like_code(text):
            return None, "utter_invalid_full_name", {}
        name = _fuller(parsing.normalise_name(turn.entity("person") or text), parsing.normalise_name(text)) or (
            parsing.name_in_message(text)
        )
        return (name, None, {}) if name else (None, "utter_invalid_full_name", {})
    if slot == "phone":
        phone = parsing.find_phone(text, policy.phone_region)
        if phone:
            return phone.e164, None, {"foreign": phone.foreign}
        item = policy.item("phone")
        if item and item.alternative == "email":
            email = parsing.find_email(text)
            if email:
                # Filling the alternative satisfies the question.
                return None, None, {"alternative": ("email", email)}
        return None, "utter_invalid_phone", {"example": parsing.example_phone(policy.phone_region)}
    if slot == "email":
        email = parsing.find_email(text)
        return (email, None, {}) if email else (None, "utter_invalid_email", {})
    if slot == "complaint_text":
        body = what_happened(turn, text)
        if not body:
            return None, "utter_invalid_complaint_text", {}
        topic = turn.slots.get("complaint_topic")
        # The subject said first and what happened, in the customer's words.
        return (complaint_text.with_topic(topic, body) if topic else body), None, {}
    if slot == "solution_idea":
        idea = parsing.neutralise_markup(text)[: parsing.MAX_COMPLAINT_CHARS]
        ok = parsing.has_letters(idea) and not mash.keyboard_mash(idea)
        return (idea, None, {}) if ok else (None, "utter_invalid_message", {})
    if slot == "complaint_category":
        category = turn.entity("category")
        category = category if category in ("service", "product") else parsing.category_named(text)
        return (category, None, {}) if category in ("service", "product") else (None, "utter_invalid_category", {})
    if slot == "inverter_model":
        model = inverter_models.find_model(text)
        return (model, None, {}) if model else (None, "utter_invalid_code", {})
    if slot == "serial_number":
        serial = codes.find_serial(text, asked=True)
        return (serial, None, {}) if serial else (None, "utter_invalid_code", {})
    if slot == "ticket_number":
        ticket = codes.find_ticket(text, asked=True)
        return (ticket, None, {}) if ticket else (None, "utter_invalid_code", {})
    return None, None, {}


def _fuller(marked: str | None, whole: str | None) -> str | None:
    """The whole answer to "your name?" when the classifier marked only part of it and the rest
    is capitalised name words too ("Навилотоов Рашад Алекперович", where it marked the last two);
    the marked name when the rest is other words ("... из Баку")."""
    if not marked or not whole or marked == whole:
        return marked or whole
    extra = [w for w in whole.split() if w not in marked.split()]
    return whole if set(marked.split()) < set(whole.split()) and all(w[:1].isupper() for w in extra) else marked


def named_person(turn: Turn) -> str | None:
    """The classifier's first `person` that looks like a person's name (not "Эмульсия", "Xiaomi",
    nor the greeting "Салам" it marked before the name)."""
    if mash.looks_like_code(turn.text):
        return None
    for ent in turn.entities:
        person = str(ent.get("value") or "") if ent.get("entity") == "person" else ""
        if person and names.looks_like_a_name(person) and not staff.names_staff_or_place(person):
            return person
    return None


def what_happened(turn: Turn, text: str, out: Outcome | None = None) -> str | None:
    """The complaint in the message, without the details the customer already gave (before or in
    this message: name, e-mail)."""
    now = out.slots if out else {}
    details = [named_person(turn), turn.slots.get("full_name"), turn.slots.get("email"), now.get("full_name")]
    return complaint_text.what_happened(parsing.neutralise_markup(text), remove=details)
