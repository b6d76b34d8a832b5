"""The relay's buttons: a peer worker with several people says who a message is for, and
whether to send a message that may be hard for the person to read."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["DontSend", "RiskyChange", "RiskySend", "WriteTo"]


@callback("rl.to")
@dataclass(frozen=True, slots=True)
class WriteTo:
    """Send the peer worker's MESSAGE (its id in their own chat) to the person of MATCH."""

    match: int
    message: int


@callback("rl.drop")
@dataclass(frozen=True, slots=True)
class DontSend:
    """Send that message to nobody."""


@callback("rl.risky")
@dataclass(frozen=True, slots=True)
class RiskySend:
    """Send the flagged MESSAGE after all: to the person of MATCH (0: ask who it is for)."""

    match: int
    message: int


@callback("rl.change")
@dataclass(frozen=True, slots=True)
class RiskyChange:
    """Don't send the flagged message: the peer worker will write it again."""
