"""The safety plan's buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = [
    "Part",
    "PlanClear",
    "PlanDone",
    "PlanEdit",
    "PlanKeep",
    "PlanKeepFlagged",
    "PlanMenu",
    "PlanShare",
    "PlanShareAnswer",
]

Part = Literal[
    "warning_signs", "coping", "distractions", "helpers", "professionals", "environment", "reasons"
]


@callback("plan.edit")
@dataclass(frozen=True, slots=True)
class PlanEdit:
    """Write or change one part."""

    part: Part


@callback("plan.clear")
@dataclass(frozen=True, slots=True)
class PlanClear:
    """Clear the part being edited."""

    part: Part


@callback("plan.keep")
@dataclass(frozen=True, slots=True)
class PlanKeep:
    """Leave the part being edited as it is."""


@callback("plan.menu")
@dataclass(frozen=True, slots=True)
class PlanMenu:
    """Show the plan with a button per part."""


@callback("plan.done")
@dataclass(frozen=True, slots=True)
class PlanDone:
    """Close the plan's menu."""


@callback("plan.share")
@dataclass(frozen=True, slots=True)
class PlanShare:
    """Offer to send the plan to the person's peer worker."""


@callback("plan.send")
@dataclass(frozen=True, slots=True)
class PlanShareAnswer:
    """Yes or no to sending the plan."""

    answer: Literal["yes", "no"]


@callback("plan.flagged")
@dataclass(frozen=True, slots=True)
class PlanKeepFlagged:
    """Whether to keep words the safety net flagged in the part being written."""

    answer: Literal["yes", "no"]
