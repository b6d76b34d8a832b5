"""Coordinators: /invite staff with single-use deep links; /report counts (never content)."""

from __future__ import annotations

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import Button, Command
from flows.coordinator.callbacks import InviteRole
from flows.coordinator.handlers import Handlers

__all__ = ["build"]

COORDINATORS = frozenset({"coordinator"})


def build(deps: Deps) -> Flow:
    """The coordinator flow's route table."""
    h = Handlers()
    return Flow(name="coordinator", routes=[
        Command("invite", h.invite, roles=COORDINATORS, menu="commands.invite"),
        Command("report", h.report, roles=COORDINATORS, menu="commands.report"),
        Button(InviteRole, h.on_invite, roles=COORDINATORS),
    ])
