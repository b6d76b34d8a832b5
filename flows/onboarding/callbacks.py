"""The onboarding flow's buttons (/start)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback
from bot.domain.roles import Relationship

__all__ = [
    "BackToRoles",
    "Consent",
    "ConsentAnswer",
    "ConsentWithCode",
    "ConsentWithSource",
    "RegionChoice",
    "RelationshipChoice",
    "RoleChoice",
    "SkipName",
    "StaffInvite",
    "ZoneChoice",
]

ConsentAnswer = Literal["yes", "more", "no"]


@callback("onb.ok")
@dataclass(frozen=True, slots=True)
class Consent:
    """The answer to the privacy notice."""

    answer: ConsentAnswer


@callback("onb.okc")
@dataclass(frozen=True, slots=True)
class ConsentWithCode:
    """The answer to the privacy notice, for someone who came by an invite link: the code
    rides in the button, so nothing about them is stored before they say yes."""

    answer: ConsentAnswer
    code: str


@callback("onb.okt")
@dataclass(frozen=True, slots=True)
class ConsentWithCareLink:
    """The answer to the privacy notice, for someone who came by a clinician's care-team link
    before setting up: the link's code rides in the button, and through the setup questions,
    so the link is still there to answer once they are set up."""

    answer: ConsentAnswer
    care: str


@callback("onb.okr")
@dataclass(frozen=True, slots=True)
class ConsentWithSource:
    """The answer to the privacy notice, for someone who came by a referral link: the link's
    code rides in the button (its source's name is looked up after a yes), so nothing about
    them is stored before they say yes."""

    answer: ConsentAnswer
    source: str


@callback("onb.staff")
@dataclass(frozen=True, slots=True)
class StaffInvite:
    """A person (or carer) who opened a staff invite: join as staff (ending their request or
    match), or stay as they are. The code rides in the button, unused until they join."""

    answer: Literal["join", "stay"]
    code: str


@callback("onb.role")
@dataclass(frozen=True, slots=True)
class RoleChoice:
    """ "Which of these fits you best?"."""

    role: Literal["consumer", "carer", "invite"]


@callback("onb.rel")
@dataclass(frozen=True, slots=True)
class RelationshipChoice:
    """Who a carer supports."""

    relationship: Relationship


@callback("onb.region")
@dataclass(frozen=True, slots=True)
class RegionChoice:
    """A region the service offers (when it offers several)."""

    region: str


@callback("onb.tz")
@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """A time zone the service offers, by its place in the settings' list."""

    index: int


@callback("onb.skip")
@dataclass(frozen=True, slots=True)
class SkipName:
    """No name, thanks."""


@callback("onb.back")
@dataclass(frozen=True, slots=True)
class BackToRoles:
    """Back to "Which of these fits you best?"."""
