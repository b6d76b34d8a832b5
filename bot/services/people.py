"""A person's own profile: consent, role, who a carer supports, region, time zone and the
name they choose, as /start sets them up and /settings changes them; and where a person
stands (their match, request or place in line), which the home and the last-resort reply
read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.domain.matching import Match, MatchPolicy, PeerProfile, offerable_kinds
from bot.domain.names import NameProblem, name_problem, tidy_name
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES, RELATIONSHIPS
from bot.services import matches
from bot.services.events import DomainError, Event, Events
from bot.services.profiles import NameChanged

__all__ = [
    "NameChanged",
    "NameNotValid",
    "NextQuestion",
    "Onboarded",
    "PeopleStore",
    "RoleChanged",
    "Standing",
    "StandingStore",
    "TimeZoneChanged",
    "can_keep",
    "change_role",
    "choose_role",
    "consent",
    "end_support",
    "name_yourself",
    "next_question",
    "onboarded",
    "reserved_names",
    "set_region",
    "set_relationship",
    "set_timezone",
    "standing",
]

NextQuestion = Literal["region", "timezone", "name"]


class PeopleStore(Protocol):
    """The storage a person's profile needs."""

    async def record_consent(self, user_id: int, now: datetime, *, given: bool) -> Any:
        """Store a yes (start a profile) or a no (keep only the id, to remember the no)."""
        ...

    async def update_user(self, user_id: int, now: datetime, **fields: Any) -> None:
        """Change some of role, relationship, region, timezone, alias, active."""
        ...


class NameNotValid(DomainError):
    """A chosen name that won't do; PROBLEM says why (its sentence is the copy's
    `onboarding.name_problem.<problem>`)."""

    def __init__(self, problem: NameProblem) -> None:
        super().__init__(f"onboarding.name_problem.{problem}")
        self.problem = problem


@dataclass(frozen=True)
class Onboarded(Event):
    """USER_ID has finished /start as ROLE."""

    user_id: int
    role: str | None


@dataclass(frozen=True)
class RoleChanged(Event):
    """USER_ID changed their role in /settings (between a person and a carer)."""

    user_id: int
    role: str


@dataclass(frozen=True)
class TimeZoneChanged(Event):
    """USER_ID now lives by TIMEZONE (chosen in /settings)."""

    user_id: int
    timezone: str


async def consent(
    store: PeopleStore,
    user_id: int,
    now: datetime,
    *,
    given: bool,
    coordinators: Sequence[int] = (),
) -> str | None:
    """Record a yes or a no; someone the service lists as a coordinator becomes one on their
    yes. Returns the role that yes gave, if any."""
    await store.record_consent(user_id, now, given=given)
    if given and user_id in coordinators:
        await store.update_user(user_id, now, role="coordinator")
        return "coordinator"
    return None


def onboarded(events: Events, user_id: int, role: str | None) -> None:
    """USER_ID has finished /start as ROLE: what depends on their role (their command menu)
    follows."""
    events.publish(Onboarded(user_id, role))


async def choose_role(
    store: PeopleStore, user_id: int, now: datetime, *, role: str, relationship: str | None = None
) -> None:
    """A person or a carer (and who they support) chose their role at /start."""
    if role not in ("consumer", "carer") or (role == "carer") != (relationship is not None):
        raise ValueError("consumers have no relationship; carers need one")
    _check_relationship(relationship)
    await store.update_user(user_id, now, role=role, relationship=relationship)


def _check_relationship(relationship: str | None) -> None:
    if relationship is not None and relationship not in RELATIONSHIPS:
        raise ValueError(f"unknown relationship {relationship!r}")


async def next_question(
    store: PeopleStore,
    user_id: int,
    now: datetime,
    *,
    regions: Sequence[str],
    zones: Sequence[str],
    after: Literal["role", "region"] = "role",
) -> NextQuestion:
    """What /start asks next, AFTER the role (or the region): a region or a time zone when the
    service offers several; one it offers alone is stored without asking."""
    if after == "role":
        if len(regions) > 1:
            return "region"
        await store.update_user(user_id, now, region=regions[0])
    if len(zones) > 1:
        return "timezone"
    await store.update_user(user_id, now, timezone=zones[0])
    return "name"


def reserved_names(listed: str, service_name: str) -> tuple[str, ...]:
    """Names nobody may choose: LISTED (the copy's comma-separated staff titles, in the
    copy's language) and the service's own name."""
    return (*(t.strip() for t in listed.split(",") if t.strip()), service_name)


async def name_yourself(
    store: PeopleStore,
    user_id: int,
    now: datetime,
    text: str,
    reserved: Sequence[str] = (),
    *,
    was: str | None = None,
    events: Events | None = None,
) -> str:
    """Store the name a person typed, tidied; NameNotValid (saying why) if it can't be a name
    here: 1 to 32 characters on one line, not a sentence or a question, no link, and not a
    staff title or the service's name (RESERVED). With EVENTS, a name other than WAS (the
    one they had) publishes NameChanged, so whoever knows them by it is told."""
    problem = name_problem(text, reserved)
    if problem is not None:
        raise NameNotValid(problem)
    alias = tidy_name(text)
    await store.update_user(user_id, now, alias=alias)
    if events is not None and alias != was:
        events.publish(NameChanged(user_id, was, alias, "alias"))
    return alias


async def set_relationship(
    store: PeopleStore, user_id: int, now: datetime, relationship: str
) -> None:
    """A carer changes who they support."""
    _check_relationship(relationship)
    await store.update_user(user_id, now, relationship=relationship)


async def set_region(
    store: PeopleStore, user_id: int, now: datetime, region: str, offered: Sequence[str]
) -> None:
    """Store REGION, one the service offers."""
    if region not in offered:
        raise ValueError(f"region {region!r} is not offered")
    await store.update_user(user_id, now, region=region)


async def set_timezone(
    store: PeopleStore, events: Events | None, user_id: int, now: datetime, zone: str
) -> None:
    """Store ZONE; when it is a change (EVENTS given), what follows the person's clock (their
    check-ins) moves with it."""
    await store.update_user(user_id, now, timezone=zone)
    if events is not None:
        events.publish(TimeZoneChanged(user_id, zone))


# -- changing one's mind -----------------------------------------------------------------


def can_keep(
    match: Match | None, profile: PeerProfile | None, role: str, policy: MatchPolicy
) -> bool:
    """Whether MATCH (with the peer worker of PROFILE) may go on once its person is ROLE: the
    service lets that kind of peer worker support that role (Table 3, item 3)."""
    return (
        match is not None and profile is not None and profile.kind in offerable_kinds(role, policy)
    )


async def end_support(
    store: matches.MatchStore, events: Events, user_id: int, now: datetime
) -> Match | None:
    """USER_ID, a person, steps back from peer support (a new role, or a new kind of support):
    their open request or match ends the one way every match does, and they leave the
    waitlist. Returns what ended, if anything."""
    await store.leave_waitlist(user_id)
    live = await store.live_match_for_person(user_id)
    if live is None:
        return None
    try:
        await matches.end_match(store, events, live.id, by="person", why="person", now=now)
    except matches.MatchOver:
        return None  # the peer worker closed it a moment ago
    return live


async def change_role(
    store: matches.MatchStore,
    people: PeopleStore,
    events: Events,
    user_id: int,
    now: datetime,
    *,
    role: str,
    relationship: str | None,
    end_match: bool,
) -> Match | None:
    """A person becomes a ROLE they may pick themselves (a person living with BPD, or a
    carer and who they support), having been asked first about their match: END_MATCH ends
    it (and any request, and their place in line) through `end_support`; otherwise it goes on.
    Returns what ended, if anything."""
    if role not in PEOPLE_ROLES or (role == "carer") != (relationship is not None):
        raise ValueError("consumers have no relationship; carers need one")
    _check_relationship(relationship)
    ended = await end_support(store, events, user_id, now) if end_match else None
    await people.update_user(user_id, now, role=role, relationship=relationship)
    events.publish(RoleChanged(user_id, role))
    return ended


# -- where a person stands ---------------------------------------------------------------


class StandingStore(Protocol):
    """What reading where someone stands needs from storage."""

    async def get_user(self, user_id: int) -> Any:
        """The stored person (with consent, role), if any."""
        ...

    async def live_match_for_person(self, person_id: int) -> Match | None:
        """The person's open request or active match."""
        ...

    async def latest_match_for_person(self, person_id: int) -> Match | None:
        """The person's most recent request or match, whatever became of it."""
        ...

    async def waitlist_position(self, person_id: int) -> int | None:
        """The person's place in line, if waiting."""
        ...

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """A peer worker's profile."""
        ...

    async def active_matches_for_peer(self, peer_id: int) -> list[Match]:
        """A peer worker's active matches."""
        ...

    async def open_requests_for_peer(self, peer_id: int) -> list[Match]:
        """Requests waiting for a peer worker's answer."""
        ...

    async def has_safety_plan(self, user_id: int) -> bool:
        """Whether the person wrote a safety plan."""
        ...


#: Where someone stands with the bot as a whole.
Stage = Literal["new", "declined", "no_role", "set_up"]
#: Where a person stands with peer support.
Support = Literal["none", "requested", "matched", "waiting", "ended"]


@dataclass(frozen=True)
class Standing:
    """Where someone stands, for the home and the last-resort reply: their stage, role, and
    (a person) their request, match or place in line, or the match that ended last; (a peer
    worker) whether their profile exists and who they support."""

    stage: Stage
    role: str | None = None
    support: Support = "none"
    match: Match | None = None  # the request, the match, or the match that ended
    position: int | None = None  # place on the waitlist
    safety_plan: bool = False
    profile: PeerProfile | None = None  # a peer worker's own
    people: tuple[Match, ...] = ()  # a peer worker's active matches
    requests: tuple[Match, ...] = ()  # requests waiting for a peer worker's answer


async def standing(store: StandingStore, user_id: int) -> Standing:
    """Where USER_ID stands now (read fresh: nothing of it is kept anywhere else)."""
    user = await store.get_user(user_id)
    if user is None:
        return Standing("new")
    if not user.consented:
        return Standing("declined")
    if user.role is None:
        return Standing("no_role")
    role = str(user.role)
    if role in PEER_ROLES:
        return Standing(
            "set_up",
            role,
            profile=await store.get_profile(user_id),
            people=tuple(await store.active_matches_for_peer(user_id)),
            requests=tuple(await store.open_requests_for_peer(user_id)),
        )
    if role not in PEOPLE_ROLES:
        return Standing("set_up", role)
    plan = await store.has_safety_plan(user_id)
    live = await store.live_match_for_person(user_id)
    if live is not None:
        return Standing(
            "set_up",
            role,
            "matched" if live.status == "active" else "requested",
            live,
            safety_plan=plan,
        )
    position = await store.waitlist_position(user_id)
    if position is not None:
        return Standing("set_up", role, "waiting", position=position, safety_plan=plan)
    last = await store.latest_match_for_person(user_id)
    if last is not None and last.status == "ended":
        return Standing("set_up", role, "ended", last, safety_plan=plan)
    return Standing("set_up", role, safety_plan=plan)
