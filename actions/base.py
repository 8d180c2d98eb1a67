"""What the actions that call the backend share."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action

from bot.backend import BackendClient


class BackendAction(Action, ABC):
    """An action with the backend client (tests give it one of their own). Its `name()` is
    abstract, so rasa-sdk registers only the actions built on it, not the base."""

    def __init__(self, client: BackendClient | None = None):
        self.client = client or BackendClient()

    @abstractmethod
    def name(self) -> str: ...
