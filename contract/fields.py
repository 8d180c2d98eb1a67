"""The complaint's fields: the Rasa slots and backend columns of the same names (DESIGN.md §3)."""

from __future__ import annotations

# In the order the summary shows them and the policy profiles may ask them.
INTAKE_SLOTS: tuple[str, ...] = (
    "full_name",
    "phone",
    "email",
    "staff_member",
    "complaint_category",
    "ticket_number",
    "inverter_model",
    "serial_number",
    "complaint_text",
    "solution_idea",
)

# What an agent's handoff card shows of a conversation: the intake, the registered complaint and
# the question open. Never the PIN.
CARD_SLOTS: tuple[str, ...] = (*INTAKE_SLOTS, "tracking_number", "requested_slot")
