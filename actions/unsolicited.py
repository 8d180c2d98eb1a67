"""Fields a message gives without being asked for them: a first message that tells the whole
story (name, phone, staff member, the category, the codes, what happened) fills them all, so the
form asks only what is still missing."""

from __future__ import annotations

from actions import parsing
from actions.answers import CODE_SLOTS, named_person, record_staff, what_happened
from actions.parsers import codes, complaint_text, inverter_models, names, staff
from actions.policy import Policy
from actions.turn import Outcome, Turn

# Questions answered with a story, where a staff member may be named in passing.
STORY_SLOTS = (None, "complaint_text", "solution_idea")


def unsolicited(
    turn: Turn,
    text: str,
    policy: Policy,
    out: Outcome,
    requested: str | None,
    overwrite: set[str] | None = None,
) -> None:
    overwrite = overwrite or set()
    # The alternative contact (e-mail instead of phone) given to the phone question.
    if requested == "phone" and out.slots.get("phone") is None:
        email = parsing.find_email(text)
        item = policy.item("phone")
        if email and item and item.alternative == "email":
            out.slots.pop("phone", None)
            out.responses = [r for r in out.responses if r[0] != "utter_invalid_phone"]
            out.slots["email"] = email

    def free(slot: str) -> bool:
        return (
            policy.asks(slot)
            and slot != requested
            and (slot in overwrite or turn.slots.get(slot) is None)
            and out.slots.get(slot) is None
        )

    if turn.is_payload:
        category = turn.entity("category")
        if category and free("complaint_category"):
            out.slots["complaint_category"] = category
        return
    if free("full_name"):
        person = named_person(turn)
        name = (parsing.normalise_name(person) if person else None) or parsing.name_in_message(text)
        if name:
            out.slots["full_name"] = name
    # An answer that is a code itself: a number in it is not the customer's phone.
    if free("phone") and requested not in CODE_SLOTS:
        phone = parsing.find_phone(text, policy.phone_region)
        if phone:
            out.slots["phone"] = phone.e164
    if free("email"):
        email = parsing.find_email(text)
        if email:
            out.slots["email"] = email
    # Only a story names the staff member; an answer to "your name?" is the customer's own.
    if free("staff_member") and not turn.slots.get("staff_role") and requested in STORY_SLOTS:
        _staff(turn, text, out)
    if free("complaint_category"):
        category = turn.entity("category") or parsing.category_stated(text)
        if category in ("service", "product"):
            out.slots["complaint_category"] = category
    _codes(text, free, out)
    if (
        free("complaint_text")
        and requested is None
        # A first message with the customer's details and what happened is "inform" to the
        # classifier as often as "complain"; what counts is what is left beyond the details.
        and turn.intent in ("complain", "inform")
    ):
        body = what_happened(turn, text, out)
        if body and complaint_text.is_topic(body):
            # Only what it is about: kept, and "what happened?" is still asked.
            out.slots["complaint_topic"] = body
        elif body:
            out.slots["complaint_text"] = body


def _staff(turn: Turn, text: str, out: Outcome) -> None:
    """ "кассир Айтен нагрубила" gives Айтен; "курьер опоздал" gives the role, and the form then
    asks for the name once; a place ("в магазине на Низами") gives nothing."""
    reading = staff.read_staff(text, turn.entity("staff"), answer=False)
    if not reading or reading.place:
        return
    if reading.name and not reading.role and not names.looks_like_a_name(reading.name):
        return  # "утюг Philips" marked staff by the classifier: a brand, no role, no known name
    record_staff(out, reading)


def _codes(text: str, free, out: Outcome) -> None:
    """Codes in a message that names them ("serial HV2207012345", "ticket #48213", "Huawei
    SUN2000"): a bare number in a story may be an order, a sum or a date."""
    labels = parsing.lexicon()["fields"]
    if free("serial_number") and parsing.mentions(text, labels["serial_number"]):
        serial = codes.find_serial(text)
        if serial:
            out.slots["serial_number"] = serial
    if free("ticket_number") and parsing.mentions(text, labels["ticket_number"]):
        ticket = codes.find_ticket(text)
        if ticket:
            out.slots["ticket_number"] = ticket
    if free("inverter_model") and (
        parsing.mentions(text, labels["inverter_model"]) or inverter_models.names_brand(text)
    ):
        model = inverter_models.find_model(text)
        if model:
            out.slots["inverter_model"] = model
