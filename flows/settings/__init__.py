"""Settings: a person changes their name, whether they're here as a person living with BPD or
as a carer, who they support, their region or time zone.

State diagram: flows/settings/settings.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEOPLE_ROLES
from bot.flowkit import Flow
from bot.routing import ANY_ROLE, EVERYONE, Button, Command, Step
from flows.settings.callbacks import (
    BackToMenu,
    Change,
    KeepMatch,
    NewRegion,
    NewRelationship,
    NewRole,
    NewZone,
)
from flows.settings.handlers import (
    CONFIRM,
    MENU,
    NAME,
    REGION,
    RELATIONSHIP,
    ROLE,
    TIMEZONE,
    Handlers,
)

__all__ = ["build"]

PEOPLE = frozenset(PEOPLE_ROLES)


def build(deps: Deps) -> Flow:
    """The settings flow's route table. /settings answers everyone (someone not set up yet is
    told to /start); only people who are set up see it in their menu."""
    h = Handlers()
    return Flow(
        name="settings",
        routes=[
            Command(
                "settings",
                h.settings,
                roles=EVERYONE,
                menu="onboarding.settings_command",
                listed=ANY_ROLE,
            ),
            Button(Change, h.on_change, roles=ANY_ROLE),
            Button(NewRole, h.on_role, roles=PEOPLE),
            Button(NewRelationship, h.on_relationship, roles=PEOPLE),
            Button(KeepMatch, h.on_keep, roles=PEOPLE),
            Button(NewRegion, h.on_region, roles=ANY_ROLE),
            Button(NewZone, h.on_zone, roles=ANY_ROLE),
            Button(BackToMenu, h.on_back, roles=ANY_ROLE),
            # Where buttons answer, typed words or a sticker bring the question back.
            Step(MENU, ask=h.ask, on_text=h.buttons_only, on_other=h.ask),
            Step(NAME, ask=h.ask, on_text=h.name),
            Step(ROLE, ask=h.ask, on_text=h.buttons_only, on_other=h.ask),
            Step(RELATIONSHIP, ask=h.ask, on_text=h.buttons_only, on_other=h.ask),
            Step(CONFIRM, ask=h.ask, on_text=h.buttons_only, on_other=h.ask),
            Step(REGION, ask=h.ask, on_text=h.buttons_only, on_other=h.ask),
            Step(TIMEZONE, ask=h.ask, on_text=h.buttons_only, on_other=h.ask),
        ],
    )
