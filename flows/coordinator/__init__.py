"""Coordinators: /coord, the service at a glance with buttons to act (staff, invites,
supervision); /invite staff with single-use deep links; /report counts (never content)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.deps import Deps
from bot.flowkit import Flow
from bot.links import OpenCoordinatorHome
from bot.routing import Button, Command, Step
from bot.services import coordination
from bot.services.events import Collector
from flows.coordinator.callbacks import (
    CoordPage,
    CoordScreen,
    Deactivate,
    DeactivateYes,
    InviteRole,
    ReportPeriod,
    Revoke,
)
from flows.coordinator.handlers import INVITE_STEP, REPORT_STEP, Handlers

__all__ = ["build"]

COORDINATORS = frozenset({"coordinator"})


def build(deps: Deps) -> Flow:
    """The coordinator flow's route table."""
    h = Handlers()

    async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Coordinators the settings no longer list lose the role before their next update."""
        events = Collector()
        await coordination.revoke_unlisted(
            deps.storage, events, listed=deps.settings.coordinators, now=deps.clock.now()
        )
        await app.bot_data["router"].run_events(events.events, app)

    return Flow(
        name="coordinator",
        on_startup=on_startup,
        routes=[
            Command("coord", h.home, roles=COORDINATORS, menu="commands.coord"),
            Command("invite", h.invite, roles=COORDINATORS, menu="commands.invite"),
            Command("report", h.report, roles=COORDINATORS, menu="commands.report"),
            Button(OpenCoordinatorHome, h.on_home, roles=COORDINATORS),
            Button(CoordScreen, h.on_screen, roles=COORDINATORS),
            Button(CoordPage, h.on_page, roles=COORDINATORS),
            Button(Deactivate, h.on_deactivate, roles=COORDINATORS),
            Button(DeactivateYes, h.on_deactivate_yes, roles=COORDINATORS),
            Button(Revoke, h.on_revoke, roles=COORDINATORS),
            Button(InviteRole, h.on_invite, roles=COORDINATORS),
            Button(ReportPeriod, h.on_report_period, roles=COORDINATORS),
            Step(REPORT_STEP, ask=h.ask_dates, on_text=h.on_dates),
            Step(INVITE_STEP, ask=h.ask_invite, on_text=h.invite_typed),
        ],
    )
