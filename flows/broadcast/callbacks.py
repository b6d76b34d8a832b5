"""The broadcast flow's buttons. Composing buttons belong to one open step each (a press
from an older screen is stale); Stop sending names a broadcast, checked to be the
presser's own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = ["Back", "PickAudience", "PickGroup", "Retext", "Send", "Stop", "StopSending"]


@callback("bc.aud")
@dataclass(frozen=True, slots=True)
class PickAudience:
    """Who the announcement goes to."""

    audience: Literal["group", "carers", "consumers", "peers"]


@callback("bc.grp")
@dataclass(frozen=True, slots=True)
class PickGroup:
    """The group whose members it goes to."""

    group: int


@callback("bc.back")
@dataclass(frozen=True, slots=True)
class Back:
    """Back from the groups to the audiences."""


@callback("bc.retext")
@dataclass(frozen=True, slots=True)
class Retext:
    """Write the text again."""


@callback("bc.send")
@dataclass(frozen=True, slots=True)
class Send:
    """Send it now."""


@callback("bc.stop")
@dataclass(frozen=True, slots=True)
class Stop:
    """Stop composing; nothing is sent."""


@callback("bc.cancel")
@dataclass(frozen=True, slots=True)
class StopSending:
    """Stop a broadcast that is being sent (on its progress message)."""

    broadcast: int
