"""A policy profile's teams and categories: which team gets a complaint of which category, and
the team that answers conversations without a complaint yet (`handoff_team`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.app.core.languages import ConsoleLanguage
from contract.statuses import Language

# Stored in complaint.complaint_category (16 characters) and team.key.
RoutingId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,15}$")]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _all_console_languages(names: dict[ConsoleLanguage, str], what: str) -> None:
    missing = sorted(language.value for language in set(ConsoleLanguage) - set(names))
    if missing:
        raise ValueError(f"{what} lacks {missing}")


class TeamProfile(_Strict):
    id: RoutingId
    # The team's name in the console's five languages.
    names: dict[ConsoleLanguage, Annotated[str, StringConstraints(min_length=1, max_length=200)]]

    @model_validator(mode="after")
    def _named(self) -> TeamProfile:
        _all_console_languages(self.names, f"team {self.id}: names")
        return self


class CategoryProfile(_Strict):
    id: RoutingId
    team: RoutingId
    labels: dict[ConsoleLanguage, Annotated[str, StringConstraints(min_length=1, max_length=200)]]
    # Per customer language, words or phrases of a complaint of this category (the action
    # server's inference, actions/parsers/category.py); matched folded, at a word's start.
    keywords: dict[Language, list[Keyword]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _labelled(self) -> CategoryProfile:
        _all_console_languages(self.labels, f"category {self.id}: labels")
        return self


def check_routing(
    teams: list[TeamProfile], categories: list[CategoryProfile], handoff_team: str, *, asks_category: bool
) -> None:
    """Cross-checks of the three lists (ValueError naming what is wrong). Where the customer is
    not asked the category, it is inferred: each category needs keywords in every language."""
    team_ids = [team.id for team in teams]
    if len(team_ids) != len(set(team_ids)):
        raise ValueError("a team id appears twice in teams")
    category_ids = [category.id for category in categories]
    if len(category_ids) != len(set(category_ids)):
        raise ValueError("a category id appears twice in categories")
    for category in categories:
        if category.team not in team_ids:
            raise ValueError(f"category {category.id}: unknown team {category.team!r} (teams: {team_ids})")
        if not asks_category:
            missing = [language.value for language in Language if not category.keywords.get(language)]
            if missing:
                raise ValueError(f"category {category.id}: keywords lack {missing} (the category is inferred)")
    if handoff_team not in team_ids:
        raise ValueError(f"handoff_team: unknown team {handoff_team!r} (teams: {team_ids})")
