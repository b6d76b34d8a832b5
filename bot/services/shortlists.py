"""Who a person may be offered, and who on the waitlist is offered a place.

A place held for someone on the waitlist counts as taken for everyone else until the hold
lapses, so an offer reaches only the person offered. Someone whose match ended lately is not
offered that peer worker first, or at all unless they ask to see them again. Someone on the
waitlist who is waiting for an answer to a request keeps their place in line.

A bot process keeps its peer workers prepared for ranking between updates (`prepared_pool`):
the offerable profiles, the pool built from them and the caseloads, each labelled with the
database change counter it was read at. Every use first reads the counters (one small query)
and loads again whatever changed, so several processes sharing one database stay right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from weakref import WeakKeyDictionary

from bot.domain.matching import (
    ANY,
    Candidate,
    Match,
    MatchPolicy,
    PeerPool,
    PeerProfile,
    candidate,
    free_text_options,
    offerable_kinds,
)
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES

__all__ = [
    "PAGE",
    "REFUSAL_MEMORY",
    "Page",
    "Person",
    "Prepared",
    "ShortlistStore",
    "WaitlistEntryLike",
    "WaitlistOffer",
    "candidates",
    "join_waitlist",
    "looking",
    "options_for",
    "prepared_pool",
    "waitlist_offers",
]

PAGE = 3  # peer workers on one shortlist page
REFUSAL_MEMORY = timedelta(days=30)  # a peer worker who said no isn't offered again this long


class Person(Protocol):
    """A stored person, as far as matching reads them."""

    @property
    def user_id(self) -> int:
        """Their Telegram id."""
        ...

    @property
    def role(self) -> str | None:
        """consumer, carer, a staff role, or None before /start is finished."""
        ...

    @property
    def consented(self) -> bool:
        """Whether they agreed at /start."""
        ...


class WaitlistEntryLike(Protocol):
    """One person waiting, as the waitlist reads them."""

    @property
    def person_id(self) -> int:
        """Who is waiting."""
        ...

    @property
    def offered_at(self) -> datetime | None:
        """When they were last offered a shortlist."""
        ...

    @property
    def held_peer_id(self) -> int | None:
        """The peer worker whose place is held for them."""
        ...

    @property
    def held_until(self) -> datetime | None:
        """Until when that place is held."""
        ...


class ShortlistStore(Protocol):
    """The storage shortlists and the waitlist need (the matching area's)."""

    async def get_user(self, user_id: int) -> Person | None:
        """The stored person."""
        ...

    async def matching_versions(self) -> tuple[int, int]:
        """Change counters of (offerable profiles, matches)."""
        ...

    async def offerable_profiles(self, kinds: Sequence[str]) -> list[PeerProfile]:
        """Active, unpaused profiles of KINDS."""
        ...

    async def caseloads(self) -> dict[int, int]:
        """Requested and active matches per peer worker."""
        ...

    async def get_preferences(self, person_id: int) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The person's stated preferences (and options once shown)."""
        ...

    async def recent_refusals(self, person_id: int, since: datetime) -> set[int]:
        """Peer workers who declined or let lapse this person's request since SINCE."""
        ...

    async def last_ended_peer(self, person_id: int, since: datetime) -> int | None:
        """The peer worker of the person's most recent match that ended since SINCE."""
        ...

    async def held_places(self, now: datetime, *, besides: int | None = None) -> dict[int, int]:
        """Places held now for people on the waitlist other than BESIDES, per peer worker."""
        ...

    async def live_match_for_person(self, person_id: int) -> Match | None:
        """The person's open request or active match."""
        ...

    async def waitlist(self) -> Sequence[WaitlistEntryLike]:
        """Everyone waiting, in the order they joined."""
        ...

    async def leave_waitlist(self, person_id: int) -> bool:
        """Take the person off the waitlist."""
        ...

    async def hold_for(self, person_id: int, peer_id: int, now: datetime, until: datetime) -> None:
        """Record an offer to PERSON_ID, holding a place with PEER_ID until UNTIL."""
        ...

    async def join_waitlist(self, person_id: int, now: datetime) -> int:
        """Put the person in line (keeping their place); their position."""
        ...


@dataclass(eq=False)
class Prepared:
    """This process's prepared profiles, pool, caseloads and free-text options."""

    profiles_version: int = -1
    profiles: tuple[PeerProfile, ...] = ()
    pool: PeerPool | None = None
    matches_version: int = -1
    caseloads: Mapping[int, int] = field(default_factory=dict)
    options: dict[tuple[str, ...], dict[str, list[str]]] = field(default_factory=dict)


_PREPARED: WeakKeyDictionary[object, Prepared] = WeakKeyDictionary()


async def prepared_pool(store: ShortlistStore, now: datetime) -> Prepared:
    """This process's prepared profiles, pool and caseloads, brought up to date."""
    state = _PREPARED.get(store)
    if state is None:
        state = _PREPARED[store] = Prepared()
    # The counters are read before the data, so data is never older than its label: a write
    # in between only means loading again next time.
    profiles_version, matches_version = await store.matching_versions()
    previous, stale = state.pool, False
    if profiles_version != state.profiles_version:
        state.profiles = tuple(await store.offerable_profiles(PEER_ROLES))
        state.profiles_version, state.options, stale = profiles_version, {}, True
    if stale or previous is None or not previous.fresh(now):
        # Prepared as of the day's start, so a change later that day rebuilds only what
        # changed (the rest is reused).
        as_of = now.replace(hour=0, minute=0, second=0, microsecond=0)
        state.pool = PeerPool.build(state.profiles, as_of, previous)
    if matches_version != state.matches_version:
        state.caseloads, state.matches_version = await store.caseloads(), matches_version
    return state


async def options_for(
    store: ShortlistStore, now: datetime, role: str, policy: MatchPolicy
) -> dict[str, list[str]]:
    """The languages and cultures the peer workers a ROLE may be offered wrote, most common
    first: the answers offered to the free-text preference questions."""
    kinds = offerable_kinds(role, policy)
    state = await prepared_pool(store, now)
    known = state.options.get(kinds)
    if known is None:
        known = state.options[kinds] = free_text_options(
            p for p in state.profiles if p.kind in kinds
        )
    return {key: list(values) for key, values in known.items()}


@dataclass(frozen=True)
class Page:
    """One page of a person's shortlist, and whether more follow. AGAIN is the peer worker
    whose match with the person ended lately, left out (though free now) unless the person
    asks to see them again; SHOWN says they were asked for (last on the first page)."""

    found: tuple[Candidate, ...]
    more: bool
    again: Candidate | None = None
    shown: bool = False
    asked: bool = False  # the person stated at least one preference


async def candidates(
    store: ShortlistStore,
    now: datetime,
    policy: MatchPolicy,
    person_id: int,
    role: str,
    *,
    offset: int = 0,
    limit: int = PAGE,
    show_again: bool = False,
    leave_out: int | None = None,
) -> Page:
    """A page of PERSON_ID's shortlist. Places held for other people count as taken; the peer
    worker whose match with them ended lately is left out (SHOW_AGAIN: added last to the
    first page, never first), and so is LEAVE_OUT (one they may not ask again yet)."""
    prefs, _ = await store.get_preferences(person_id)
    state = await prepared_pool(store, now)
    assert state.pool is not None
    loads = state.caseloads
    held = await store.held_places(now, besides=person_id)
    if held:
        loads = {k: loads.get(k, 0) + held.get(k, 0) for k in {*loads, *held}}
    refused = await store.recent_refusals(person_id, now - REFUSAL_MEMORY)
    ended = await store.last_ended_peer(person_id, now - REFUSAL_MEMORY)
    exclude = {*refused, *(p for p in (ended, leave_out) if p is not None)}
    found = state.pool.shortlist(
        role=role,
        preferences=prefs,
        caseloads=loads,
        policy=policy,
        now=now,
        exclude=exclude,
        limit=limit + 1,
        offset=offset,
    )
    again = None
    if ended is not None and ended not in refused and ended != leave_out:
        profile = next((p for p in state.profiles if p.user_id == ended), None)
        again = (
            None
            if profile is None
            else candidate(
                profile,
                role=role,
                preferences=prefs,
                caseload=loads.get(ended, 0),
                policy=policy,
                now=now,
            )
        )
    shown = show_again and again is not None and offset == 0
    page = tuple(found[:limit]) + ((again,) if shown and again is not None else ())
    asked = any(v not in (None, "", ANY) for v in prefs.values())
    return Page(page, len(found) > limit, again, shown, asked)


async def looking(store: ShortlistStore, person_id: int) -> Person | None:
    """PERSON_ID if they may look for a peer worker now: set up as a consumer or carer, with
    no open request and no match."""
    person = await store.get_user(person_id)
    if person is None or not person.consented or person.role not in PEOPLE_ROLES:
        return None
    if await store.live_match_for_person(person_id) is not None:
        return None
    return person


@dataclass(frozen=True)
class WaitlistOffer:
    """PERSON_ID is offered a shortlist, with a place held for them with PEER_ID."""

    person_id: int
    peer_id: int


async def waitlist_offers(
    store: ShortlistStore,
    now: datetime,
    policy: MatchPolicy,
    hold_for: timedelta,
    *,
    include_offered: bool,
) -> list[WaitlistOffer]:
    """Who on the waitlist is offered a shortlist now, in the order they joined, while places
    are free; each offer holds one place for HOLD_FOR, so one free place goes to the first
    person in line only (and nobody else can take it meanwhile: see `candidates`).

    People offered before are offered again only when INCLUDE_OFFERED (a real capacity
    change), so a person who doesn't answer isn't asked over and over. Someone waiting for an
    answer to a request keeps their place but is not offered another; someone who is no
    longer looking (matched, gone) leaves the line.
    """
    offers: list[WaitlistOffer] = []
    for entry in await store.waitlist():
        if (entry.held_until is not None and entry.held_until > now) or (
            entry.offered_at is not None and not include_offered
        ):
            continue
        live = await store.live_match_for_person(entry.person_id)
        if live is not None and live.status == "requested":
            continue
        person = await looking(store, entry.person_id)
        if person is None or person.role is None:
            await store.leave_waitlist(entry.person_id)
            continue
        page = await candidates(store, now, policy, entry.person_id, person.role, limit=1)
        if not page.found:
            continue
        top = page.found[0].profile.user_id
        await store.hold_for(entry.person_id, top, now, now + hold_for)
        offers.append(WaitlistOffer(entry.person_id, top))
    return offers


async def join_waitlist(
    store: ShortlistStore, now: datetime, policy: MatchPolicy, person_id: int, role: str
) -> int:
    """Put PERSON_ID in line and return their position. They have just seen who is free now
    and chose to wait, so they are offered again when a place frees, not on the next tick."""
    position = await store.join_waitlist(person_id, now)
    page = await candidates(store, now, policy, person_id, role, limit=1)
    if page.found:
        await store.hold_for(person_id, page.found[0].profile.user_id, now, now)
    return position
