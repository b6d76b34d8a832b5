"""A peer worker going on leave or leaving the service, so that nobody they support is
dropped: on leave, per person a handover or a pause (and "I'm back"); leaving, every person
handed over by a coordinator before access ends. Opened from /end (and from anywhere that
offers bot/links.py's StartDeparture). State: flows/relay/departure/departure.mmd"""

from __future__ import annotations

from bot.domain.roles import PEER_ROLES
from bot.links import StartDeparture
from bot.routing import Button, Route
from flows.relay.departure.callbacks import (
    DepartureEnd,
    DepartureKind,
    DepartureNotNow,
    ImBack,
    LeaveChoice,
    LeavingYes,
)
from flows.relay.departure.handlers import Handlers

__all__ = ["routes"]

PEERS = frozenset(PEER_ROLES)
COORDINATORS = frozenset({"coordinator"})


def routes() -> list[Route]:
    """Going away's part of the relay's route table."""
    h = Handlers()
    return [
        Button(StartDeparture, h.on_start, roles=PEERS),
        Button(DepartureKind, h.on_kind, roles=PEERS),
        Button(LeavingYes, h.on_leaving_yes, roles=PEERS),
        Button(DepartureNotNow, h.on_not_now, roles=PEERS),
        Button(LeaveChoice, h.on_choice, roles=PEERS),
        Button(ImBack, h.on_back, roles=PEERS),
        Button(DepartureEnd, h.on_end, roles=COORDINATORS),
    ]
