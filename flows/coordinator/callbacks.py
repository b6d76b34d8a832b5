"""The coordinator flow's buttons."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = ["InviteRole", "StaffRole", "invite_role"]

StaffRole = Literal["consumer_peer", "carer_peer", "coordinator", "clinician"]


@callback("coord.inv")
@dataclass(frozen=True, slots=True)
class InviteRole:
    """"Who would you like to invite?": one of the staff roles."""

    role: StaffRole


def invite_role(role: str) -> InviteRole:
    """The button for ROLE, one of the staff roles."""
    if role not in typing.get_args(StaffRole):
        raise ValueError(f"{role!r} is not a staff role")
    return InviteRole(typing.cast(StaffRole, role))
