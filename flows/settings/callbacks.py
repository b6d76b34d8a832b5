"""The settings flow's buttons (/settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback
from bot.domain.roles import Relationship

__all__ = [
    "BackToMenu",
    "Change",
    "KeepMatch",
    "NewRegion",
    "NewRelationship",
    "NewRole",
    "NewZone",
]


@callback("set.open")
@dataclass(frozen=True, slots=True)
class Change:
    """A line of the settings menu (or Done)."""

    what: Literal["name", "role", "rel", "region", "tz", "done"]


@callback("set.role")
@dataclass(frozen=True, slots=True)
class NewRole:
    """A person living with BPD, or a carer (then: who do you support?)."""

    role: Literal["consumer", "carer"]


@callback("set.keep")
@dataclass(frozen=True, slots=True)
class KeepMatch:
    """Changing role with a request or a match open: keep it (where the peer worker may go on
    supporting the new role), or end it."""

    keep: bool


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
