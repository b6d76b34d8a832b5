"""The supervision flow's buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback
from bot.domain.supervision import Urgency

__all__ = ["AddToRequest", "SendFlagged", "SkipNote", "TakeRequest", "UrgencyChoice"]


@callback("sup.when")
@dataclass(frozen=True, slots=True)
class UrgencyChoice:
    """How soon the peer worker would like to talk."""

    urgency: Urgency


@callback("sup.skip")
@dataclass(frozen=True, slots=True)
class SkipNote:
    """Send the request without a note."""


@callback("sup.flag")
@dataclass(frozen=True, slots=True)
class SendFlagged:
    """Whether to send, with the request, words the safety net flagged."""

    send: bool


@callback("sup.add")
@dataclass(frozen=True, slots=True)
class AddToRequest:
    """Add a few words to the request still waiting (rather than ask again)."""


@callback("sup.take")
@dataclass(frozen=True, slots=True)
class TakeRequest:
    """A coordinator picks up request REQUEST (a row id, not a Telegram id)."""

    request: int
