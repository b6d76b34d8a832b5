"""A peer worker's going on leave or leaving: which, per person what happens while on leave,
"I'm back"; and a coordinator ending a match when nobody can take a leaving peer worker's
person on. (Opening it is bot/links.py's StartDeparture, so other flows can offer it.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = [
    "DepartureEnd",
    "DepartureKind",
    "DepartureNotNow",
    "ImBack",
    "LeaveChoice",
    "LeavingYes",
]


@callback("dep.kind")
@dataclass(frozen=True, slots=True)
class DepartureKind:
    """Going on leave, or leaving the service (which asks to confirm)."""

    kind: Literal["leave", "leaving"]


@callback("dep.yes")
@dataclass(frozen=True, slots=True)
class LeavingYes:
    """Yes, I'm leaving the service."""


@callback("dep.no")
@dataclass(frozen=True, slots=True)
class DepartureNotNow:
    """Not now: nothing changes."""


@callback("dep.pick")
@dataclass(frozen=True, slots=True)
class LeaveChoice:
    """While on leave, CHOICE for the person of MATCH."""

    match: int
    choice: Literal["handover", "pause"]


@callback("dep.back")
@dataclass(frozen=True, slots=True)
class ImBack:
    """Back from leave."""


@callback("dep.end")
@dataclass(frozen=True, slots=True)
class DepartureEnd:
    """A coordinator ends MATCH kindly: its peer worker is leaving and nobody can take over."""

    match: int
