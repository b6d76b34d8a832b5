"""/end's buttons: which match (a peer worker with several people), then yes or no."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["EndKeep", "EndWhich", "EndYes"]


@callback("end.which")
@dataclass(frozen=True, slots=True)
class EndWhich:
    """The peer worker chose to end MATCH: ask to confirm."""

    match: int


@callback("end.yes")
@dataclass(frozen=True, slots=True)
class EndYes:
    """Yes, end MATCH."""

    match: int


@callback("end.no")
@dataclass(frozen=True, slots=True)
class EndKeep:
    """No, keep it (nothing changes)."""
