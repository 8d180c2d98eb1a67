"""What a cancel word cancels: the complaint being filed, or something the customer wants
cancelled or tells of ("faturanın iptal edilmesini istiyorum" to "what would solve it?",
"заказ отменили без предупреждения" as the story). Only the first leaves the form."""

from __future__ import annotations

from actions import parsing
from actions.parsers import complaint_text


def cancels_something_else(text: str) -> bool:
    """A cancel word with another thing named (an order, an invoice, a fee) and not the complaint:
    the remedy asked for or what happened, not a request to drop the complaint."""
    things = parsing.lexicon()["cancelled_things"].values()
    named = any(parsing.mentions(text, words) for words in things)
    return named and not complaint_text.names_the_complaint(text)


def asks_to_stop(text: str) -> bool:
    """The message asks in words to drop what is being done, the complaint or a look-up
    ("отмените", "vazgeçtim", "şikayetimi iptal edin"), not to cancel an order or an invoice."""
    return parsing.says_cancel(text) and not cancels_something_else(text)
