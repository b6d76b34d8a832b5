"""The profile menu's buttons. Field names are checked here (Literal); values against the
peer worker's kind and the choices by the handler (bot/services/profiles.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = [
    "AskCap",
    "AskMany",
    "AskOne",
    "Clear",
    "Done",
    "EditText",
    "KeepBio",
    "ManyDone",
    "Menu",
    "Pause",
    "SetCap",
    "SetOne",
    "Toggle",
]

TextField = Literal["display_name", "bio", "hours", "languages", "culture"]
OneField = Literal["gender", "age_band", "recovery_stage", "years_caring", "lived_bpd", "lgbtqia"]
ManyField = Literal["support_modes", "frequency", "relationships"]
Attribute = Literal[
    "gender",
    "age_band",
    "recovery_stage",
    "years_caring",
    "lived_bpd",
    "lgbtqia",
    "support_modes",
    "frequency",
    "relationships",
    "languages",
    "culture",
]


@callback("prof.menu")
@dataclass(frozen=True, slots=True)
class Menu:
    """Show the profile menu (Back, and Done after toggles)."""


@callback("prof.done")
@dataclass(frozen=True, slots=True)
class Done:
    """Close the menu."""


@callback("prof.pause")
@dataclass(frozen=True, slots=True)
class Pause:
    """Pause new matches (True) or resume them (False)."""

    paused: bool


@callback("prof.edit")
@dataclass(frozen=True, slots=True)
class EditText:
    """Change a field typed in the peer worker's own words."""

    field: TextField


@callback("prof.caps")
@dataclass(frozen=True, slots=True)
class AskCap:
    """Offer the caseload caps."""


@callback("prof.cap")
@dataclass(frozen=True, slots=True)
class SetCap:
    """Set the caseload cap."""

    cap: int


@callback("prof.one")
@dataclass(frozen=True, slots=True)
class AskOne:
    """Offer the values of a one-of attribute (or yes/no)."""

    field: OneField


@callback("prof.set")
@dataclass(frozen=True, slots=True)
class SetOne:
    """Set a one-of attribute to VALUE."""

    field: OneField
    value: str


@callback("prof.many")
@dataclass(frozen=True, slots=True)
class AskMany:
    """Show the on/off switches of a many-of attribute."""

    field: ManyField


@callback("prof.tog")
@dataclass(frozen=True, slots=True)
class Toggle:
    """Switch VALUE of a many-of attribute on or off."""

    field: ManyField
    value: str


@callback("prof.mdone")
@dataclass(frozen=True, slots=True)
class ManyDone:
    """Done switching a many-of attribute: say what is saved."""

    field: ManyField


@callback("prof.keep")
@dataclass(frozen=True, slots=True)
class KeepBio:
    """Keep the words about them the safety net flagged (yes), or write it differently (no)."""

    answer: Literal["yes", "no"]


@callback("prof.clr")
@dataclass(frozen=True, slots=True)
class Clear:
    """Forget an attribute ("Prefer not to say", "Clear it")."""

    field: Attribute
