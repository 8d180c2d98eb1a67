"""A rasa server builds the channels of credentials.yml before its agent and tracker store; the
ops channel among them installs every rasa-side speed-up and guard (bot.runtime.patches.install_all),
checked in a fresh interpreter that builds them as `rasa run` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]

# Each check starts a fresh interpreter of the Rasa environment: not in make test-unit.
pytestmark = pytest.mark.integration

CHECK = """
import sqlalchemy
from rasa.core.run import create_http_input_channels
create_http_input_channels(None, "credentials.yml")
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from bot.runtime.patches.action_validation import validate_action_result
from bot.runtime.patches.event_types import resolve_by_type
from rasa.core.processor import MessageProcessor
from bot.runtime.patches.external_once import trigger_once
from rasa.core.actions import action as rasa_action
from bot.runtime.patches import action_calls, local_form
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
engine = sqlalchemy.create_engine("sqlite://")
with engine.connect() as connection:
    synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
import logging
record = logging.getLogger("x").makeRecord("sanic.access", 20, "f", 1, "GET %s", ("/c/wa:+994501234567",), None)
print(RemoteAction._validate_action_result is validate_action_result,
      Event.resolve_by_type is resolve_by_type, synchronous == 1,
      MessageProcessor.trigger_external_user_uttered is trigger_once,
      record.getMessage() == "GET /c/wa:[phone]",
      RemoteAction.run is action_calls.counted_run,
      rasa_action.action_for_name_or_text is local_form.action_for_name_or_text,
      Domain.states_for_tracker_history.__module__ == "bot.runtime.patches.past_states",
      DialogueStateTracker.applied_events.__module__ == "bot.runtime.patches.applied_events")
"""


def test_loading_the_channels_installs_the_speed_ups():
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == ["True True True True True True True True True"], done.stderr[
        -2000:
    ]
