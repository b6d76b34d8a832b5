"""The settings flow's buttons (/settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback
from bot.domain.roles import Relationship

__all__ = ["BackToMenu", "Change", "NewRegion", "NewRelationship", "NewZone"]


@callback("set.open")
@dataclass(frozen=True, slots=True)
class Change:
    """A line of the settings menu (or Done)."""

    what: Literal["name", "rel", "region", "tz", "done"]


@callback("set.rel")
@dataclass(frozen=True, slots=True)
class NewRelationship:
    """Who a carer supports, now."""

    relationship: Relationship


@callback("set.region")
@dataclass(frozen=True, slots=True)
class NewRegion:
    """A region the service offers."""

    region: str


@callback("set.tz")
@dataclass(frozen=True, slots=True)
class NewZone:
    """A time zone the service offers, by its place in the settings' list."""

    index: int


@callback("set.back")
@dataclass(frozen=True, slots=True)
class BackToMenu:
    """Back to the settings menu."""
