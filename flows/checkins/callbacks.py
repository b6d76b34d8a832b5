"""The check-ins flow's buttons: one class per kind of press, checked when unpacked.

Set-up presses carry no draft: the days being chosen live in the person's stored step
(`ctx.draft`). Check-in presses carry the check-in's row id (never a Telegram id), and every
handler looks it up as the presser's own before doing anything. A feeling or skill button
says whether it turns its choice on or off, so pressing it twice changes nothing more; a
share button names the match it shares with, so it never shares with a later peer worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import InvalidCallback, callback
from bot.domain.checkins import FEELINGS, RATINGS, SKILLS

__all__ = [
    "AskPeer",
    "AskStop",
    "ChangeDays",
    "ChangeTime",
    "CheckInNow",
    "Close",
    "DaysChosen",
    "FeelingsDone",
    "Finish",
    "Frequency",
    "KeepPrivate",
    "NotNow",
    "Okay",
    "Pause",
    "PickDay",
    "PickFeeling",
    "PickSkill",
    "PickTime",
    "Rate",
    "Resume",
    "ShareWith",
    "ShowCard",
    "ShowMenu",
    "SkillsDone",
    "Stop",
    "StopSharing",
    "TypeTime",
    "WriteNote",
]


def _check(ok: bool) -> None:
    if not ok:
        raise InvalidCallback("out of range")


# -- set-up: /checkins ---------------------------------------------------------------------


@callback("chk.menu")
@dataclass(frozen=True, slots=True)
class ShowMenu:
    """Back to the /checkins menu (closes a half-done set-up)."""


@callback("chk.close")
@dataclass(frozen=True, slots=True)
class Close:
    """Close the menu."""


@callback("chk.notnow")
@dataclass(frozen=True, slots=True)
class NotNow:
    """Leave check-ins off (the first time)."""


@callback("chk.now")
@dataclass(frozen=True, slots=True)
class CheckInNow:
    """A check-in now, scheduled or not."""


@callback("chk.pause")
@dataclass(frozen=True, slots=True)
class Pause:
    """Pause check-ins, keeping the days and time."""


@callback("chk.resume")
@dataclass(frozen=True, slots=True)
class Resume:
    """Resume paused check-ins."""


@callback("chk.stop")
@dataclass(frozen=True, slots=True)
class AskStop:
    """Ask before stopping check-ins."""


@callback("chk.stopyes")
@dataclass(frozen=True, slots=True)
class Stop:
    """Stop check-ins (after a yes)."""


@callback("chk.sharewith")
@dataclass(frozen=True, slots=True)
class ShareWith:
    """Share weekly ratings with the peer worker of MATCH (their match when asked)."""

    match: int

    def __post_init__(self) -> None:
        _check(self.match > 0)


@callback("chk.shareoff")
@dataclass(frozen=True, slots=True)
class StopSharing:
    """Stop sharing weekly ratings."""


@callback("chk.sharekeep")
@dataclass(frozen=True, slots=True)
class KeepPrivate:
    """No to sharing with a new peer worker."""


@callback("chk.days")
@dataclass(frozen=True, slots=True)
class ChangeDays:
    """Choose how often again."""


@callback("chk.time")
@dataclass(frozen=True, slots=True)
class ChangeTime:
    """Choose another time for the days already set."""


@callback("chk.freq")
@dataclass(frozen=True, slots=True)
class Frequency:
    """How often: every day, weekdays, or days of their choosing."""

    kind: Literal["daily", "weekdays", "days"]


@callback("chk.day")
@dataclass(frozen=True, slots=True)
class PickDay:
    """Choose a weekday, or take it off (0 = Monday)."""

    day: int

    def __post_init__(self) -> None:
        _check(0 <= self.day <= 6)


@callback("chk.next")
@dataclass(frozen=True, slots=True)
class DaysChosen:
    """Done choosing days: on to the time."""


@callback("chk.at")
@dataclass(frozen=True, slots=True)
class PickTime:
    """A time from the picker, in minutes past local midnight."""

    minute: int

    def __post_init__(self) -> None:
        _check(0 <= self.minute < 24 * 60)


@callback("chk.type")
@dataclass(frozen=True, slots=True)
class TypeTime:
    """Type a time instead."""


# -- the check-in --------------------------------------------------------------------------


def _checkin(checkin: int) -> None:
    _check(checkin > 0)


@callback("chk.rate")
@dataclass(frozen=True, slots=True)
class Rate:
    """A rating from 1 to 5 on check-in CHECKIN."""

    checkin: int
    rating: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)
        _check(self.rating in RATINGS)


@callback("chk.ok")
@dataclass(frozen=True, slots=True)
class Okay:
    """After a low rating: "I'm OK for now", on with the check-in."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)


@callback("chk.peer")
@dataclass(frozen=True, slots=True)
class AskPeer:
    """After a low rating: how to write to their peer worker."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)


@callback("chk.card")
@dataclass(frozen=True, slots=True)
class ShowCard:
    """After a low rating: the crisis card."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)


@callback("chk.feel")
@dataclass(frozen=True, slots=True)
class PickFeeling:
    """Choose a feeling (ON), or take it off."""

    checkin: int
    feeling: str
    on: bool

    def __post_init__(self) -> None:
        _checkin(self.checkin)
        _check(self.feeling in FEELINGS)


@callback("chk.feeldone")
@dataclass(frozen=True, slots=True)
class FeelingsDone:
    """Done with feelings (or skipped them): on to skills."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)


@callback("chk.skill")
@dataclass(frozen=True, slots=True)
class PickSkill:
    """Choose a skill they used (ON), or take it off."""

    checkin: int
    skill: str
    on: bool

    def __post_init__(self) -> None:
        _checkin(self.checkin)
        _check(self.skill in SKILLS)


@callback("chk.skilldone")
@dataclass(frozen=True, slots=True)
class SkillsDone:
    """Done with skills (or none this time): on to the note offer."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)


@callback("chk.note")
@dataclass(frozen=True, slots=True)
class WriteNote:
    """Write a short private note on the check-in."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)


@callback("chk.fin")
@dataclass(frozen=True, slots=True)
class Finish:
    """No note: the check-in is done."""

    checkin: int

    def __post_init__(self) -> None:
        _checkin(self.checkin)
