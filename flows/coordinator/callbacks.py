"""The coordinator flow's buttons."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = [
    "CoordPage",
    "CoordScreen",
    "Deactivate",
    "DeactivateYes",
    "InviteRole",
    "ReportPeriod",
    "Revoke",
    "Screen",
    "StaffRole",
    "invite_role",
]

StaffRole = Literal["consumer_peer", "carer_peer", "coordinator", "clinician"]
#: The coordinator's screens a button opens in place.
Screen = Literal["home", "staff", "invites", "invite", "report"]


@callback("coord.inv")
@dataclass(frozen=True, slots=True)
class InviteRole:
    """ "Who would you like to invite?": one of the staff roles."""

    role: StaffRole


def invite_role(role: str) -> InviteRole:
    """The button for ROLE, one of the staff roles."""
    if role not in typing.get_args(StaffRole):
        raise ValueError(f"{role!r} is not a staff role")
    return InviteRole(typing.cast(StaffRole, role))


@callback("coord.go")
@dataclass(frozen=True, slots=True)
class CoordScreen:
    """Open one of the coordinator's screens in place of this message."""

    screen: Screen


@callback("coord.pg")
@dataclass(frozen=True, slots=True)
class CoordPage:
    """Another page of a long list (the staff, or the invites that still work)."""

    screen: Literal["staff", "invites"]
    page: int


@callback("coord.off")
@dataclass(frozen=True, slots=True)
class Deactivate:
    """ "End access" for a member of staff (their sealed id: deps.cipher.seal_id): asks
    first."""

    user: str


@callback("coord.offy")
@dataclass(frozen=True, slots=True)
class DeactivateYes:
    """Yes, end USER's access now (a sealed id)."""

    user: str


@callback("coord.rv")
@dataclass(frozen=True, slots=True)
class Revoke:
    """Revoke the unused invite INVITE (its row number, never its code)."""

    invite: int


@callback("coord.rp")
@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """/report for the last 4 weeks, the last quarter, the last year, or dates to type."""

    period: Literal["4w", "quarter", "year", "custom"]
