"""Care teams, integrated model only (DESIGN "Who may read what"): a clinician's single-use
link (/careteam), the person's yes or no (/start ct-CODE passes it here), their care team and
who has read their notes (/careteam, /settings' "My care team", a person's /notes), and
removing a clinician at any time. In the complementary model none of it shows."""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEOPLE_ROLES
from bot.flowkit import Flow
from bot.links import CARE_TEAM_COMMAND, OpenCareTeam, OpenCareTeamLink
from bot.routing import Button, Command
from flows.careteam.callbacks import CareTeamAnswer, CareTeamRemove, CareTeamRemoveSure
from flows.careteam.handlers import Handlers, exporter

__all__ = ["build"]

PEOPLE = frozenset(PEOPLE_ROLES)
CLINICIANS = frozenset({"clinician"})


def build(deps: Deps) -> Flow:
    """The care-team flow's route table. /careteam is listed only in clinicians' menus (who
    exist only in the integrated model); people reach theirs from /settings."""
    h = Handlers()
    return Flow(
        name="careteam",
        export=exporter(deps),
        routes=[
            Command(
                CARE_TEAM_COMMAND,
                h.careteam,
                roles=PEOPLE | CLINICIANS,
                menu="careteam.command",
                listed=CLINICIANS,
            ),
            Button(CareTeamAnswer, h.on_answer, roles=PEOPLE),
            Button(OpenCareTeam, h.on_open, roles=PEOPLE),
            Button(OpenCareTeamLink, h.on_open_link, roles=PEOPLE),
            Button(CareTeamRemove, h.on_remove, roles=PEOPLE),
            Button(CareTeamRemoveSure, h.on_remove_sure, roles=PEOPLE),
        ],
    )
