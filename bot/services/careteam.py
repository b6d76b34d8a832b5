"""Care teams, integrated model only (DESIGN "Who may read what"; study Table 2).

A clinician reads the notes a person chose to share only while they are on that person's
care team. They join it through a single-use link (made like an invite: a random code, only
its hash stored, expiring) that they give the person; the person opens it, is told who the
clinician is and what they will be able to read, and accepts or declines. The person can
take anyone off their care team at any time, and from that moment they read nothing more.
Every staff read of a person's notes goes into that person's access log, shown only to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.invites import code_hash, invite_expiry, new_code
from bot.domain.relay import clinicians_exist
from bot.services.events import DomainError

__all__ = [
    "CARE_TEAM_PREFIX",
    "CareTeamLinkRefused",
    "CareTeamOff",
    "CareTeamStore",
    "answer_link",
    "code_of",
    "make_link",
    "open_link",
    "payload_for",
    "remove",
    "team_of",
]

#: Deep-link payloads of care-team links start with this. Invite codes (24 characters) and
#: referral payloads (r-...) never have this prefix at this length.
CARE_TEAM_PREFIX = "ct-"
_CODE_LENGTH = len(new_code())


class CareTeamStore(Protocol):
    """The storage care teams need (bot/storage/careteam.py)."""

    async def create_care_team_link(
        self, code_hash: str, clinician_id: int, now: datetime, expires: datetime
    ) -> None:
        """Store a new link (only the hash of its code)."""
        ...

    async def open_care_team_link(
        self, code_hash: str, person_id: int, now: datetime
    ) -> tuple[Any, str | None]:
        """Claim a link for the person opening it, or say why not."""
        ...

    async def answer_care_team_link(
        self, link_id: int, person_id: int, accept: bool, now: datetime
    ) -> Any:
        """The person's answer; the clinician joins on a yes."""
        ...

    async def care_team(self, person_id: int) -> Sequence[Any]:
        """PERSON_ID's care team."""
        ...

    async def remove_care_team_member(self, member_id: int, person_id: int) -> bool:
        """Take one clinician off PERSON_ID's care team."""
        ...

    async def get_user(self, user_id: int) -> Any:
        """The stored person, if any."""
        ...


class CareTeamOff(DomainError):
    """The complementary model: there are no clinicians, so no care teams."""

    def __init__(self) -> None:
        super().__init__("careteam.not_used")


class CareTeamLinkRefused(DomainError):
    """A link that can't be answered: unknown, used (by someone else, or answered), expired,
    or one's own."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"careteam.link_{problem}")
        self.problem = problem


def payload_for(code: str) -> str:
    """The /start payload of a care-team link."""
    return CARE_TEAM_PREFIX + code


def code_of(payload: str | None) -> str | None:
    """The code in a care-team link's /start payload, or None if it is not one."""
    if not payload or not payload.startswith(CARE_TEAM_PREFIX):
        return None
    code = payload[len(CARE_TEAM_PREFIX) :]
    if len(code) != _CODE_LENGTH or not all(c.isalnum() or c in "-_" for c in code):
        return None
    return code


def _check(model: str) -> None:
    if not clinicians_exist(model):
        raise CareTeamOff


async def make_link(
    store: CareTeamStore, *, clinician_id: int, model: str, hours: int, now: datetime
) -> tuple[str, datetime]:
    """A new single-use care-team link's /start payload, and when it stops working."""
    _check(model)
    code = new_code()
    expires = invite_expiry(now, hours)
    await store.create_care_team_link(code_hash(code), clinician_id, now, expires)
    return payload_for(code), expires


async def open_link(
    store: CareTeamStore, *, code: str, person_id: int, model: str, now: datetime
) -> Any:
    """The link with CODE, now held for PERSON_ID to answer; else CareTeamLinkRefused."""
    _check(model)
    link, problem = await store.open_care_team_link(code_hash(code), person_id, now)
    if link is None:
        raise CareTeamLinkRefused(problem or "unknown")
    if link.clinician_id == person_id:
        raise CareTeamLinkRefused("own")
    clinician = await store.get_user(link.clinician_id)
    if clinician is None or getattr(clinician, "role", None) != "clinician":
        raise CareTeamLinkRefused("unknown")  # the clinician has left since
    return link


async def answer_link(
    store: CareTeamStore, *, link_id: int, person_id: int, accept: bool, model: str, now: datetime
) -> Any:
    """PERSON_ID accepts or declines the link they opened; None if it isn't theirs to answer
    (any more). On a yes the clinician is on their care team from now."""
    _check(model)
    return await store.answer_care_team_link(link_id, person_id, accept, now)


async def team_of(store: CareTeamStore, person_id: int, model: str) -> Sequence[Any]:
    """PERSON_ID's care team (nobody, outside the integrated model)."""
    if not clinicians_exist(model):
        return []
    return await store.care_team(person_id)


async def remove(store: CareTeamStore, *, member_id: int, person_id: int) -> bool:
    """PERSON_ID takes one clinician off their care team; from now on that clinician reads
    nothing of theirs. False if the row isn't theirs (or is gone)."""
    return await store.remove_care_team_member(member_id, person_id)
