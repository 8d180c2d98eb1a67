"""The action server: rasa-sdk discovers every Action subclass imported here."""

from actions.form import ActionAskConfirmed, ActionAskPhone, ValidateComplaintForm
from actions.handoff import ActionHandoff
from actions.registration import ActionCancelComplaint, ActionSubmitComplaint
from actions.slot_mappings import ActionValidateSlotMappings
from actions.status import (
    ActionLookUpStatus,
    ActionPresentDecision,
    ActionRecordDecision,
    ActionStoreRating,
    ValidateStatusForm,
)

__all__ = [
    "ActionAskConfirmed",
    "ActionAskPhone",
    "ActionCancelComplaint",
    "ActionHandoff",
    "ActionLookUpStatus",
    "ActionPresentDecision",
    "ActionRecordDecision",
    "ActionStoreRating",
    "ValidateStatusForm",
    "ActionSubmitComplaint",
    "ActionValidateSlotMappings",
    "ValidateComplaintForm",
]

# Load the language models at start-up, not while the first customer waits.
from contract import langid as _langid  # noqa: E402

_langid.warm_up()
