"""Care teams' buttons. A link is named by its row id, answerable only by the one person who
opened it; a care-team member by its row id, removable only by the person whose team it is."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["CareTeamAnswer", "CareTeamRemove", "CareTeamRemoveSure"]


@callback("ct.ans")
@dataclass(frozen=True, slots=True)
class CareTeamAnswer:
    """The person adds the clinician of LINK to their care team, or declines."""

    link: int
    accept: bool


@callback("ct.rm")
@dataclass(frozen=True, slots=True)
class CareTeamRemove:
    """Remove the clinician of care-team row MEMBER? (asks first)"""

    member: int


@callback("ct.rm2")
@dataclass(frozen=True, slots=True)
class CareTeamRemoveSure:
    """Yes, remove MEMBER's clinician; or keep them."""

    member: int
    sure: bool
