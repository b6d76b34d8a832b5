"""A personal safety plan (/safetyplan), in the Stanley-Brown structure: warning signs,
things I can do on my own, people and places that take my mind off it, people I can ask for
help, professionals and services, making my surroundings safer, my reasons for living. Each
part optional, encrypted at rest, in /mydata, erased by /delete. When a person has a plan,
their crisis card offers it first; they may send it to their peer worker.

State diagram: flows/safetyplan/safetyplan.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEOPLE_ROLES
from bot.flowkit import Flow
from bot.routing import Button, Command, Step
from bot.safety import ShowSafetyPlan
from flows.safetyplan.callbacks import (
    PlanClear,
    PlanDone,
    PlanEdit,
    PlanKeep,
    PlanKeepFlagged,
    PlanMenu,
    PlanShare,
    PlanShareAnswer,
)
from flows.safetyplan.handlers import STEP, Handlers

__all__ = ["build"]

PEOPLE = frozenset(PEOPLE_ROLES)


def build(deps: Deps) -> Flow:
    """The safety plan's route table."""
    h = Handlers()
    return Flow(
        name="safetyplan",
        routes=[
            Command("safetyplan", h.command, roles=PEOPLE, menu="commands.safetyplan"),
            Button(ShowSafetyPlan, h.show, roles=PEOPLE),
            Button(PlanMenu, h.open_menu, roles=PEOPLE),
            Button(PlanEdit, h.edit, roles=PEOPLE),
            Button(PlanKeep, h.keep, roles=PEOPLE),
            Button(PlanKeepFlagged, h.keep_flagged, roles=PEOPLE),
            Button(PlanClear, h.clear, roles=PEOPLE),
            Button(PlanDone, h.done, roles=PEOPLE),
            Button(PlanShare, h.share, roles=PEOPLE),
            Button(PlanShareAnswer, h.share_answer, roles=PEOPLE),
            Step(STEP, ask=h.ask, on_text=h.answer, on_flagged=h.flagged),
        ],
        export=h.exporter(deps),
    )
