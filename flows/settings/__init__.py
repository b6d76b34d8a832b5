"""Settings: a person changes their name, who they support, their region or time zone.

State diagram: flows/settings/settings.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import ANY_ROLE, EVERYONE, Button, Command, Step
from flows.settings.callbacks import BackToMenu, Change, NewRegion, NewRelationship, NewZone
from flows.settings.handlers import MENU, NAME, REGION, RELATIONSHIP, TIMEZONE, Handlers

__all__ = ["build"]


def build(deps: Deps) -> Flow:
    """The settings flow's route table. /settings answers everyone (someone not set up yet is
    told to /start); only people who are set up see it in their menu."""
    h = Handlers()
    return Flow(name="settings", routes=[
        Command("settings", h.settings, roles=EVERYONE, menu="commands.settings",
                listed=ANY_ROLE),
        Button(Change, h.on_change, roles=ANY_ROLE),
        Button(NewRelationship, h.on_relationship, roles=ANY_ROLE),
        Button(NewRegion, h.on_region, roles=ANY_ROLE),
        Button(NewZone, h.on_zone, roles=ANY_ROLE),
        Button(BackToMenu, h.on_back, roles=ANY_ROLE),
        Step(MENU, ask=h.ask, on_text=h.buttons_only),
        Step(NAME, ask=h.ask, on_text=h.name),
        Step(RELATIONSHIP, ask=h.ask, on_text=h.buttons_only),
        Step(REGION, ask=h.ask, on_text=h.buttons_only),
        Step(TIMEZONE, ask=h.ask, on_text=h.buttons_only),
    ])
