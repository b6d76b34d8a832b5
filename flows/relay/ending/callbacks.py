"""/end's buttons: which match (a peer worker with several people), then yes or no; after a
peer worker ends a match, Skip the few words (or send flagged words as they are)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["EndKeep", "EndWhich", "EndYes", "GoodbyeFlagged", "GoodbyeSkip"]


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


@callback("end.skip")
@dataclass(frozen=True, slots=True)
class GoodbyeSkip:
    """No words for the person of MATCH: their news goes now."""

    match: int


@callback("end.words")
@dataclass(frozen=True, slots=True)
class GoodbyeFlagged:
    """The safety net flagged the few words: SEND them as they are, or write them again."""

    send: bool
