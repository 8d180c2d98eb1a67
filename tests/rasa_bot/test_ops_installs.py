"""A rasa server loads bot.ops from credentials.yml before its agent and tracker store; that
import alone installs every rasa-side speed-up and guard, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import bot.ops, sqlalchemy
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from bot.action_validation import validate_action_result
from bot.event_types import resolve_by_type
from rasa.core.processor import MessageProcessor
from bot.external_once import trigger_once
engine = sqlalchemy.create_engine("sqlite://")
with engine.connect() as connection:
    synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
print(RemoteAction._validate_action_result is validate_action_result,
      Event.resolve_by_type is resolve_by_type, synchronous == 1,
      MessageProcessor.trigger_external_user_uttered is trigger_once)
"""


def test_importing_the_ops_channel_installs_the_speed_ups():
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == ["True True True True"], done.stderr[-2000:]
