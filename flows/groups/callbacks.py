"""The groups flow's buttons: one frozen dataclass per kind of press, checked when unpacked.

People's buttons carry the directory filters they came from (format, weekday), so Back
returns to the same list; coordinators' buttons carry a group id and, for one meeting, its
local date (YYYYMMDD), as do a member's answers for a meeting. Ids are checked against what
the person may see when pressed, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.callbacks import InvalidCallback, callback

__all__ = [
    "ANY_DAY",
    "Answer",
    "AnswerHere",
    "AskCancel",
    "AskRetire",
    "Browse",
    "Card",
    "ChangeField",
    "ChooseMeeting",
    "ConfirmCancel",
    "ConfirmRetire",
    "EditField",
    "EditMenu",
    "Field",
    "Format",
    "Join",
    "Leave",
    "Manage",
    "NewGroup",
    "NoLimit",
    "Open",
    "PickAudience",
    "PickFormat",
    "PickKind",
    "Reminders",
    "Save",
    "SendCalendar",
    "StopWizard",
    "Toggle",
    "ToggleVisible",
    "WizardBack",
    "WizardField",
    "WizardVisible",
]

Format = Literal["any", "online", "in_person"]
Field = Literal["name", "desc", "place", "time", "fac", "cap"]
#: Every question of the new-group wizard (and its summary), as Back and Change name them.
WizardField = Literal[
    "name", "desc", "aud", "fmt", "place", "kind", "dates", "time", "fac", "cap", "sum"
]
AnswerWord = Literal["yes", "no"]
ANY_DAY = -1


def _check_day(day: int) -> None:
    if not ANY_DAY <= day <= 6:
        raise InvalidCallback("weekday out of range")


def _check_date(code: int) -> str:
    try:
        return date(code // 10000, code // 100 % 100, code % 100).isoformat()
    except ValueError:
        raise InvalidCallback("not a date") from None


# -- people ----------------------------------------------------------------------------------


@callback("grp.dir")
@dataclass(frozen=True, slots=True)
class Browse:
    """The directory, filtered by format and weekday (0 = Monday, -1: any day)."""

    fmt: Format = "any"
    day: int = ANY_DAY

    def __post_init__(self) -> None:
        _check_day(self.day)


@callback("grp.see")
@dataclass(frozen=True, slots=True)
class Open:
    """One group's details, opened from the directory with these filters."""

    group: int
    fmt: Format = "any"
    day: int = ANY_DAY

    def __post_init__(self) -> None:
        _check_day(self.day)


@callback("grp.join")
@dataclass(frozen=True, slots=True)
class Join:
    """Join a group, or its waitlist when it is full."""

    group: int
    fmt: Format = "any"
    day: int = ANY_DAY

    def __post_init__(self) -> None:
        _check_day(self.day)


@callback("grp.leave")
@dataclass(frozen=True, slots=True)
class Leave:
    """Leave a group, or its waitlist."""

    group: int
    fmt: Format = "any"
    day: int = ANY_DAY

    def __post_init__(self) -> None:
        _check_day(self.day)


@callback("grp.ics")
@dataclass(frozen=True, slots=True)
class SendCalendar:
    """Send a member the group's calendar file again."""

    group: int


@callback("grp.ans")
@dataclass(frozen=True, slots=True)
class Answer:
    """A member's answer, from a reminder, for the meeting on DAY (YYYYMMDD, local): I'll be
    there ('yes') or can't make it ('no'). KIND names the reminder, so it is shown again."""

    group: int
    day: int
    answer: AnswerWord
    kind: Literal["day", "hour"]

    def __post_init__(self) -> None:
        _check_date(self.day)

    @property
    def occurrence(self) -> str:
        """The meeting's local date, 'YYYY-MM-DD'."""
        return _check_date(self.day)


@callback("grp.ansd")
@dataclass(frozen=True, slots=True)
class AnswerHere:
    """A member's answer for the meeting on MEETING (YYYYMMDD), from the group's details
    opened with these directory filters."""

    group: int
    meeting: int
    answer: AnswerWord
    fmt: Format = "any"
    day: int = ANY_DAY

    def __post_init__(self) -> None:
        _check_date(self.meeting)
        _check_day(self.day)

    @property
    def occurrence(self) -> str:
        """The meeting's local date, 'YYYY-MM-DD'."""
        return _check_date(self.meeting)


@callback("grp.rem")
@dataclass(frozen=True, slots=True)
class Reminders:
    """The reminder switches."""


@callback("grp.tog")
@dataclass(frozen=True, slots=True)
class Toggle:
    """Switch the day-before or hour-before reminder."""

    kind: Literal["day", "hour"]


# -- coordinators ------------------------------------------------------------------------------


@callback("grp.mng")
@dataclass(frozen=True, slots=True)
class Manage:
    """Every group, to manage."""


@callback("grp.card")
@dataclass(frozen=True, slots=True)
class Card:
    """One group's card for its coordinator."""

    group: int


@callback("grp.em")
@dataclass(frozen=True, slots=True)
class EditMenu:
    """Which detail to change."""

    group: int


@callback("grp.edit")
@dataclass(frozen=True, slots=True)
class EditField:
    """Change one detail (the new value is typed)."""

    group: int
    field: Field


@callback("grp.vis")
@dataclass(frozen=True, slots=True)
class ToggleVisible:
    """Switch whether the group's members may see who else is coming."""

    group: int


@callback("grp.cx")
@dataclass(frozen=True, slots=True)
class ChooseMeeting:
    """Which meeting to cancel."""

    group: int


@callback("grp.cxok")
@dataclass(frozen=True, slots=True)
class AskCancel:
    """Ask before cancelling the meeting on DAY (YYYYMMDD, local)."""

    group: int
    day: int

    def __post_init__(self) -> None:
        _check_date(self.day)

    @property
    def occurrence(self) -> str:
        """The meeting's local date, 'YYYY-MM-DD'."""
        return _check_date(self.day)


@callback("grp.cxdo")
@dataclass(frozen=True, slots=True)
class ConfirmCancel:
    """Cancel the meeting on DAY (YYYYMMDD, local)."""

    group: int
    day: int

    def __post_init__(self) -> None:
        _check_date(self.day)

    @property
    def occurrence(self) -> str:
        """The meeting's local date, 'YYYY-MM-DD'."""
        return _check_date(self.day)


@callback("grp.ret")
@dataclass(frozen=True, slots=True)
class AskRetire:
    """Ask before retiring a group."""

    group: int


@callback("grp.retdo")
@dataclass(frozen=True, slots=True)
class ConfirmRetire:
    """Retire a group."""

    group: int


@callback("grp.new")
@dataclass(frozen=True, slots=True)
class NewGroup:
    """Start the new-group wizard."""


# -- the wizard (each press belongs to one open step) ------------------------------------------


@callback("gw.aud")
@dataclass(frozen=True, slots=True)
class PickAudience:
    """Who the new group is for."""

    audience: Literal[
        "consumers", "carers", "carers_parent", "carers_partner", "carers_sibling", "carers_child"
    ]


@callback("gw.fmt")
@dataclass(frozen=True, slots=True)
class PickFormat:
    """Online or in person."""

    format: Literal["online", "in_person"]


@callback("gw.kind")
@dataclass(frozen=True, slots=True)
class PickKind:
    """How often it meets."""

    kind: Literal["weekly", "fortnightly", "monthly", "once"]


@callback("gw.skip")
@dataclass(frozen=True, slots=True)
class NoLimit:
    """No limit on places (the capacity question, new or edited)."""


@callback("gw.save")
@dataclass(frozen=True, slots=True)
class Save:
    """Save the new group."""


@callback("gw.stop")
@dataclass(frozen=True, slots=True)
class StopWizard:
    """Stop the wizard or an edit without saving."""


@callback("gw.back")
@dataclass(frozen=True, slots=True)
class WizardBack:
    """Back from the question AT (to the one before it, or to the summary when changing one
    answer from there; from the first question, to the groups)."""

    at: WizardField


@callback("gw.chg")
@dataclass(frozen=True, slots=True)
class ChangeField:
    """From the summary: change one answer, then come back to the summary."""

    field: WizardField


@callback("gw.vis")
@dataclass(frozen=True, slots=True)
class WizardVisible:
    """From the summary: switch whether members may see who else is coming."""
