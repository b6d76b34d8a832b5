"""A coordinator's handover (/handover): a person moves to another peer worker with room, and
all three are told. The old match ends as every match does (bot/services/matches.py)."""

from __future__ import annotations

from bot.routing import Button, Command, Route
from flows.relay.handover.callbacks import HandoverPage, HandoverTo, HandoverWho, HandoverYes
from flows.relay.handover.handlers import Handlers

__all__ = ["routes"]

COORDINATORS = frozenset({"coordinator"})


def routes() -> list[Route]:
    """/handover's part of the relay's route table."""
    h = Handlers()
    return [
        Command("handover", h.handover, roles=COORDINATORS, menu="commands.handover"),
        Button(HandoverPage, h.on_page, roles=COORDINATORS),
        Button(HandoverWho, h.on_who, roles=COORDINATORS),
        Button(HandoverTo, h.on_to, roles=COORDINATORS),
        Button(HandoverYes, h.on_yes, roles=COORDINATORS),
    ]
