"""The relay's buttons: a peer worker with several people says who a message is for."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["DontSend", "WriteTo"]


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
