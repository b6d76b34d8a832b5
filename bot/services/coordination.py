"""Running a service (DESIGN rule 6): what a coordinator sees at a glance, and staff
governance: the staff list, deactivating someone, revoking an unused invite.

Deactivating a peer worker hands each person they support to the peer worker with the most
room (bot/services/matches.py's one handover path); when nobody has room, the match ends the
one way every match does (why: departure), so the person is told kindly and offered a choice
or the waitlist. Open requests to them close the same way. Nobody is dropped without a word.
Their role then ends at once: every route checks the stored role, and `StaffDeactivated`
resets their command menu and tells them (bot/app.py lists what follows).

People are named by the name they chose (a pseudonym), never by anything from Telegram.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot.domain.groups import Group, next_occurrence
from bot.domain.matching import Match, MatchPolicy, PeerProfile
from bot.domain.roles import PEER_ROLES, STAFF_ROLES
from bot.domain.supervision import SupervisionRequest
from bot.services import matches
from bot.services.events import DomainError, Event, Events

__all__ = [
    "LEFT_WITHOUT_DAYS",
    "CannotDeactivate",
    "CoordinationStore",
    "CoordinatorUnlisted",
    "Deactivated",
    "GroupLine",
    "InviteGone",
    "Overview",
    "PeerLine",
    "PeerStatus",
    "RequestLine",
    "StaffDeactivated",
    "StaffLine",
    "deactivate",
    "overview",
    "peer_status",
    "revoke_invite",
    "revoke_unlisted",
    "staff_list",
]

#: How far back the home looks for people left without a peer worker.
LEFT_WITHOUT_DAYS = 30

#: A peer worker's status: taking people on, full, paused, on leave, leaving the service.
PeerStatus = Literal["open", "full", "paused", "leave", "leaving"]


class _User(Protocol):
    @property
    def user_id(self) -> int: ...

    @property
    def role(self) -> str | None: ...

    @property
    def alias(self) -> str | None: ...

    @property
    def active(self) -> bool: ...


class _Waiting(Protocol):
    @property
    def person_id(self) -> int: ...

    @property
    def joined_at(self) -> datetime: ...


class _Left(Protocol):
    @property
    def alias(self) -> str | None: ...

    @property
    def ended_at(self) -> datetime: ...


class CoordinationStore(matches.MatchStore, Protocol):
    """What the home and staff governance read and change."""

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Several writes as one."""
        ...

    async def get_user(self, user_id: int) -> Any:
        """A stored person."""
        ...

    async def update_user(self, user_id: int, now: datetime, **fields: Any) -> None:
        """Change some of a person's fields."""
        ...

    async def users_with_roles(
        self, roles: tuple[str, ...], *, active_only: bool = True
    ) -> Sequence[Any]:
        """Everyone holding one of ROLES, oldest first."""
        ...

    async def invited_role(self, user_id: int) -> str | None:
        """The role of the last invite USER_ID used, if any."""
        ...

    async def waitlist(self) -> Sequence[_Waiting]:
        """Everyone waiting for a peer worker, in the order they joined."""
        ...

    async def open_requests(self) -> list[Match]:
        """Requests waiting for an answer, closing soonest first."""
        ...

    async def peer_profiles(self) -> list[PeerProfile]:
        """Every peer worker still with the service."""
        ...

    async def caseloads(self) -> dict[int, int]:
        """Requested and active matches per peer worker."""
        ...

    async def departure_kinds(self) -> dict[int, str]:
        """Peer workers on leave or leaving."""
        ...

    async def untaken_supervision_requests(self) -> list[SupervisionRequest]:
        """Supervision requests nobody has picked up, oldest first."""
        ...

    async def left_without_list(self, since: datetime) -> Sequence[_Left]:
        """People left without a peer worker since SINCE."""
        ...

    async def list_groups(self, audiences: tuple[str, ...] | None = None) -> list[Group]:
        """Active groups, by name."""
        ...

    async def member_counts(self) -> dict[int, tuple[int, int]]:
        """{group: (members, waiting)}."""
        ...

    async def active_matches_for_peer(self, peer_id: int) -> list[Match]:
        """A peer worker's active matches, oldest first."""
        ...

    async def open_requests_for_peer(self, peer_id: int) -> list[Match]:
        """Requests waiting for PEER_ID's answer."""
        ...

    async def end_departure(self, peer_id: int) -> bool:
        """Forget a leave or a leaving."""
        ...

    async def revoke_invite(self, invite_id: int, now: datetime) -> bool:
        """Stop an unused invite working."""
        ...

    async def care_team_people(self, clinician_id: int) -> set[int]:
        """The people whose care team CLINICIAN_ID is on."""
        ...

    async def leave_care_teams(self, clinician_id: int) -> int:
        """Take CLINICIAN_ID off every care team; how many."""
        ...


# -- the home ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestLine:
    """A request waiting for a peer worker's answer."""

    person: str | None
    peer: str
    respond_by: datetime | None


@dataclass(frozen=True, slots=True)
class PeerLine:
    """A peer worker's caseload against their cap, and their status."""

    user_id: int
    name: str
    load: int
    cap: int
    status: PeerStatus


@dataclass(frozen=True, slots=True)
class SupervisionLine:
    """A supervision request nobody has picked up."""

    request_id: int
    peer: str
    urgency: str
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class GroupLine:
    """A group: its members, who waits for a place, and its next meeting (None: none
    planned)."""

    name: str
    members: int
    waiting: int
    next_meeting: datetime | None


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the coordinator home shows."""

    waitlist: int
    oldest_wait: datetime | None
    oldest_name: str | None
    requests: tuple[RequestLine, ...]
    peers: tuple[PeerLine, ...]
    supervision: tuple[SupervisionLine, ...]
    left_without: tuple[tuple[str | None, datetime], ...]
    groups: tuple[GroupLine, ...]


def peer_status(profile: PeerProfile, load: int, away: str | None) -> PeerStatus:
    """What a peer worker's line says: away (on leave, leaving) before paused before full."""
    if away == "leaving":
        return "leaving"
    if away == "leave":
        return "leave"
    if profile.paused:
        return "paused"
    return "full" if load >= profile.caseload_cap else "open"


async def _alias(store: CoordinationStore, user_id: int) -> str | None:
    user = await store.get_user(user_id)
    return getattr(user, "alias", None)


async def _peer_name(
    store: CoordinationStore, peer_id: int, profiles: dict[int, PeerProfile]
) -> str:
    profile = profiles.get(peer_id) or await store.get_profile(peer_id)
    if profile is not None and profile.display_name:
        return profile.display_name
    return await _alias(store, peer_id) or ""  # no name chosen: the view says so


async def overview(store: CoordinationStore, now: datetime, zone: ZoneInfo) -> Overview:
    """The coordinator home's figures at NOW (group meetings in ZONE, the service's)."""
    waiting = list(await store.waitlist())
    oldest = min(waiting, key=lambda w: w.joined_at) if waiting else None
    profiles = {p.user_id: p for p in await store.peer_profiles()}
    loads = await store.caseloads()
    away = await store.departure_kinds()
    requests = tuple(
        [
            RequestLine(
                await _alias(store, m.person_id),
                await _peer_name(store, m.peer_id, profiles),
                m.respond_by,
            )
            for m in await store.open_requests()
        ]
    )
    peers = tuple(
        PeerLine(
            p.user_id,
            p.display_name,
            loads.get(p.user_id, 0),
            p.caseload_cap,
            peer_status(p, loads.get(p.user_id, 0), away.get(p.user_id)),
        )
        for p in profiles.values()
    )
    supervision = tuple(
        [
            SupervisionLine(
                r.id,
                await _peer_name(store, r.peer_id, profiles),
                r.urgency,
                datetime.fromtimestamp(r.created_at, tz=now.tzinfo),
            )
            for r in await store.untaken_supervision_requests()
        ]
    )
    left = tuple(
        (p.alias, p.ended_at)
        for p in await store.left_without_list(now - timedelta(days=LEFT_WITHOUT_DAYS))
    )
    counts = await store.member_counts()
    groups = []
    for group in await store.list_groups():
        members, queued = counts.get(group.group_id, (0, 0))
        upcoming = next_occurrence(group.schedule, zone, now, group.cancelled)
        groups.append(
            GroupLine(group.name, members, queued, upcoming[1] if upcoming is not None else None)
        )
    return Overview(
        waitlist=len(waiting),
        oldest_wait=oldest.joined_at if oldest else None,
        oldest_name=await _alias(store, oldest.person_id) if oldest else None,
        requests=requests,
        peers=peers,
        supervision=supervision,
        left_without=left,
        groups=tuple(groups),
    )


# -- staff governance ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffLine:
    """One member of staff: their role, the name shown, and their status ("active", a
    peer worker's PeerStatus, or "unreachable": their chat with the bot is closed)."""

    user_id: int
    role: str
    name: str
    status: str


async def staff_list(store: CoordinationStore) -> list[StaffLine]:
    """Everyone on staff, by role (in STAFF_ROLES order), oldest first within a role."""
    profiles = {p.user_id: p for p in await store.peer_profiles()}
    loads = await store.caseloads()
    away = await store.departure_kinds()
    out = []
    for role in STAFF_ROLES:
        for user in await store.users_with_roles((role,), active_only=False):
            profile = profiles.get(user.user_id)
            name = (profile.display_name if profile is not None else None) or user.alias or ""
            status: str = "active"
            if not user.active:
                status = "unreachable"
            elif profile is not None:
                status = peer_status(profile, loads.get(user.user_id, 0), away.get(user.user_id))
            elif role in PEER_ROLES:
                status = "no_profile"
            out.append(StaffLine(user.user_id, role, name, status))
    return out


@dataclass(frozen=True)
class CoordinatorUnlisted(Event):
    """USER_ID was a coordinator only because the settings listed them, and they are listed
    no longer: their role has ended."""

    user_id: int


async def revoke_unlisted(
    store: CoordinationStore, events: Events, *, listed: Collection[int], now: datetime
) -> list[int]:
    """End the role of every coordinator whom the settings listed and no longer list (one
    who came by a coordinator invite keeps it). The settings are read at start, so this
    runs then, before anyone's next update. Returns whose role ended."""
    revoked = []
    for user in await store.users_with_roles(("coordinator",), active_only=False):
        if user.user_id in listed or await store.invited_role(user.user_id) == "coordinator":
            continue
        await store.update_user(user.user_id, now, role=None)
        events.publish(CoordinatorUnlisted(user.user_id))
        revoked.append(user.user_id)
    return revoked


@dataclass(frozen=True)
class StaffDeactivated(Event):
    """A coordinator (BY) ended USER_ID's staff ROLE: HANDED_OVER people went to another
    peer worker, ENDED had nobody with room and were told kindly."""

    user_id: int
    role: str
    by: int
    handed_over: int = 0
    ended: int = 0
    #: A clinician's: the people whose care team they were on (taken off it just now).
    care_team_people: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Deactivated:
    """What deactivating did: each person's chosen name with their new peer worker's name
    (HANDED), the names of those nobody had room for (ENDED), and requests closed."""

    role: str
    handed: tuple[tuple[str | None, str], ...]
    ended: tuple[str | None, ...]
    requests_closed: int


class CannotDeactivate(DomainError):
    """Not on staff any more (someone else was quicker), or the coordinator themselves."""

    def __init__(self, key: str = "coordinator.deactivate_stale") -> None:
        super().__init__(key)


class InviteGone(DomainError):
    """The invite was used, had expired, or was revoked already."""

    def __init__(self) -> None:
        super().__init__("coordinator.invite_gone")


async def deactivate(
    store: CoordinationStore,
    events: Events,
    *,
    user_id: int,
    by: int,
    policy: MatchPolicy,
    now: datetime,
) -> Deactivated:
    """End USER_ID's staff role now (BY, a coordinator, not themselves). A peer worker's
    people are each handed over to whoever has most room, or, with nobody free, their match
    ends kindly (why: departure); requests waiting for them close; their profile is never
    offered again. Their access ends at once (no role)."""
    if user_id == by:
        raise CannotDeactivate("coordinator.deactivate_self")
    user = await store.get_user(user_id)
    role = getattr(user, "role", None)
    if user is None or role not in STAFF_ROLES:
        raise CannotDeactivate
    handed: list[tuple[str | None, str]] = []
    ended: list[str | None] = []
    closed = 0
    profile = await store.get_profile(user_id)
    if profile is not None:
        async with store.transaction():
            await store.end_departure(user_id)  # this replaces any leave or leaving
            await store.update_profile(user_id, now, paused=True)
        for match in await store.active_matches_for_peer(user_id):
            person = await store.get_user(match.person_id)
            person_role = getattr(person, "role", None)
            name = getattr(person, "alias", None)
            candidates = await matches.handover_candidates(store, match, person_role, policy)
            try:
                if candidates:
                    new = candidates[0][0]
                    await matches.hand_over(
                        store, events, match, new.user_id, role=person_role, policy=policy, now=now
                    )
                    handed.append((name, new.display_name))
                else:
                    await matches.end_match(
                        store, events, match.id, by="coordinator", why="departure", now=now
                    )
                    ended.append(name)
            except (matches.MatchOver, matches.HandoverStale):
                continue  # the person ended it, or it moved, a moment ago
        for request in await store.open_requests_for_peer(user_id):
            try:
                await matches.end_match(
                    store, events, request.id, by="coordinator", why="departure", now=now
                )
                closed += 1
            except matches.MatchOver:
                continue
    # A clinician leaves every care team they were on: the people are told (flows/careteam),
    # rather than go on seeing someone on their care team who has left the service.
    cared_for = sorted(await store.care_team_people(user_id)) if role == "clinician" else []
    async with store.transaction():
        if profile is not None:
            await store.update_profile(user_id, now, active=False, paused=True)
        await store.update_user(user_id, now, role=None)
        if cared_for:
            await store.leave_care_teams(user_id)
    events.publish(
        StaffDeactivated(
            user_id,
            role,
            by,
            len(handed),
            len(ended),
            care_team_people=tuple(cared_for),
        )
    )
    return Deactivated(role, tuple(handed), tuple(ended), closed)


async def revoke_invite(store: CoordinationStore, invite_id: int, now: datetime) -> None:
    """Stop an unused invite working now; InviteGone if it was used, expired or revoked."""
    if not await store.revoke_invite(invite_id, now):
        raise InviteGone
