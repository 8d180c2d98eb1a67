"""The action server: rasa-sdk discovers every Action subclass imported here."""

from actions.form import ActionAskConfirmed, ActionAskPhone, ValidateComplaintForm
from actions.registration import ActionCancelComplaint, ActionSubmitComplaint
from actions.slot_mappings import ActionValidateSlotMappings

__all__ = [
    "ActionAskConfirmed",
    "ActionAskPhone",
    "ActionCancelComplaint",
    "ActionSubmitComplaint",
    "ActionValidateSlotMappings",
    "ValidateComplaintForm",
]
