"""The languages of the agents' console: the customers' four, and English."""

from enum import StrEnum


class ConsoleLanguage(StrEnum):
    ru = "ru"
    az = "az"
    ro = "ro"
    tr = "tr"
    en = "en"
