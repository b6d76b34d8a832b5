"""/handover's buttons. Peer workers are named by sealed ids (deps.cipher.seal_id), matches
by their row ids: a coordinator's phone never holds anyone's Telegram id."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["HandoverPage", "HandoverTo", "HandoverWho", "HandoverYes"]


@callback("ho.page")
@dataclass(frozen=True, slots=True)
class HandoverPage:
    """Page PAGE of the people matched now."""

    page: int


@callback("ho.who")
@dataclass(frozen=True, slots=True)
class HandoverWho:
    """Hand over the person of MATCH: who could support them?"""

    match: int


@callback("ho.to")
@dataclass(frozen=True, slots=True)
class HandoverTo:
    """Hand MATCH's person to the peer worker sealed as PEER: ask to confirm."""

    match: int
    peer: str


@callback("ho.yes")
@dataclass(frozen=True, slots=True)
class HandoverYes:
    """Yes, hand MATCH's person over to the peer worker sealed as PEER."""

    match: int
    peer: str
