"""The match lifecycle, once for every flow: request, answer, withdraw, expire, end, hand over.

A request, its answer, its reminder and its expiry each run their caller's WITHIN inside the
change's transaction, so the notices kept there (bot/outbox.py) are stored with the change or
not at all; a request that can never reach its peer worker is withdrawn (`undelivered`), which
frees both. One person asks one peer worker at most once every REQUEST_EVERY, so taking a
request back and asking again can't flood a peer worker with notices.

A match ends one way, whoever ends it and why (the person or the peer worker with /end or
"Withdraw", either of them erasing their data, a coordinator's handover, or a coordinator
ending it when a peer worker leaves the service and nobody can take the person on): `end_match`
closes it and drops what was waiting on it in one transaction, then publishes `MatchEnded`
(who, why, how many waiting messages were not passed on) and `CapacityFreed`. bot/app.py
lists what follows each event, in order: telling each side, counting, offering the person a
new choice, offering the freed place to the waitlist.

What tells people must not be lost between the change and the telling: a caller may pass
WITHIN, which runs inside the ending's (or the handover's) transaction, so the messages kept
there (bot/outbox.py) are stored with the change or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.domain.matching import Match, MatchPolicy, PeerProfile, is_offerable, offerable_kinds
from bot.services.events import DomainError, Event, Events
from bot.services.profiles import CapacityFreed
from bot.services.shortlists import REFUSAL_MEMORY

__all__ = [
    "CapacityFreed",
    "HandoverStale",
    "LiveMatch",
    "MatchEnded",
    "MatchHandedOver",
    "MatchMade",
    "MatchOver",
    "MatchStore",
    "PeerNotFree",
    "RequestClosed",
    "RequestDeclined",
    "RequestExpired",
    "RequestMade",
    "RequestReminder",
    "RequestUndelivered",
    "Side",
    "StruggleNoticed",
    "TooSoon",
    "Why",
    "Within",
    "answer",
    "end_match",
    "expire",
    "hand_over",
    "handover_candidates",
    "leave",
    "policy",
    "remind",
    "request",
    "struggling",
    "undelivered",
]

#: Which side closed a match (stored as the match's `ended_by`).
Side = Literal["person", "peer", "coordinator"]
#: Why it closed: one side chose to, one side erased their data, a coordinator's handover,
#: a coordinator ending it because the peer worker is leaving the service, or (for an open
#: request) the peer worker going on leave.
Why = Literal["person", "peer", "erasure", "handover", "departure", "leave"]

STRUGGLE_EVERY_S = 3600  # at most one "I'm struggling" notice per match per hour
REQUEST_EVERY = timedelta(hours=1)  # one person asks one peer worker at most this often
REMIND_BEFORE = timedelta(hours=24)  # a peer worker is reminded this long before a request closes


class _Made(Protocol):
    """What storage says about a new request."""

    @property
    def match(self) -> Match | None:
        """The request, if it was made."""
        ...

    @property
    def problem(self) -> str | None:
        """Why not: 'live' (the person has one open), 'unavailable' or 'too_soon'."""
        ...

    @property
    def retry_at(self) -> datetime | None:
        """When the person may ask this peer worker again ('too_soon')."""
        ...


class MatchStore(Protocol):
    """The storage the match lifecycle needs (the matching area's)."""

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Several writes as one (a nested one joins it)."""
        ...

    async def get_match(self, match_id: int) -> Match | None:
        """One match or request."""
        ...

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """A peer worker's profile."""
        ...

    async def update_profile(self, user_id: int, now: datetime, **fields: Any) -> Any:
        """Change some of a profile's fields."""
        ...

    async def caseload(self, peer_id: int) -> int:
        """Requested and active matches of one peer worker."""
        ...

    async def offerable_profiles(self, kinds: Sequence[str]) -> list[PeerProfile]:
        """Active, unpaused profiles of KINDS."""
        ...

    async def get_preferences(self, person_id: int) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The person's stated preferences."""
        ...

    async def recent_refusals(self, person_id: int, since: datetime) -> set[int]:
        """Peer workers who declined or let lapse this person's request since SINCE."""
        ...

    async def live_match_for_person(self, person_id: int) -> Match | None:
        """The person's open request or active match."""
        ...

    async def active_match_for_person(self, person_id: int) -> Match | None:
        """The person's active match."""
        ...

    async def live_matches_of(self, user_id: int) -> list[Match]:
        """Open requests and active matches USER_ID is part of, on either side."""
        ...

    async def create_request(
        self,
        person_id: int,
        peer_id: int,
        preferences: Any,
        now: datetime,
        respond_by: datetime,
        *,
        every: timedelta | None = None,
    ) -> _Made:
        """Ask PEER_ID to support PERSON_ID, if both are still free to (and the person has
        not asked them within EVERY)."""
        ...

    async def answer_request(
        self, match_id: int, peer_id: int, *, accept: bool, now: datetime
    ) -> Match | None:
        """Accept or decline an open request; None if it is no longer open."""
        ...

    async def close_match(
        self, match_id: int, ended_by: str, now: datetime
    ) -> tuple[Match, int] | None:
        """End a live match and drop what waits on it; None if it was not live."""
        ...

    async def hand_over(
        self, match_id: int, new_peer_id: int, now: datetime
    ) -> tuple[Match, int] | None:
        """Close an active match and open one with NEW_PEER_ID, in one transaction."""
        ...

    async def expire_requests(self, now: datetime) -> list[Match]:
        """Expire every open request past its time."""
        ...

    async def requests_to_remind(self, now: datetime, ahead: timedelta) -> list[Match]:
        """Open requests closing within AHEAD whose peer worker was not reminded yet."""
        ...

    async def mark_reminded(self, match_id: int, now: datetime) -> bool:
        """Record the reminder; False if it was recorded before or the request closed."""
        ...

    async def close_undelivered(self, match_id: int, now: datetime) -> Match | None:
        """Withdraw an open request that could not reach its peer worker."""
        ...

    async def leave_waitlist(self, person_id: int) -> bool:
        """Take the person off the waitlist."""
        ...

    async def claim_struggle_notice(self, match_id: int, now: datetime, every_s: int) -> bool:
        """Whether a "struggling" notice may go out for MATCH_ID now; records it if so."""
        ...


class PolicySettings(Protocol):
    """The service settings that say who may support whom (Table 3, item 3)."""

    @property
    def consumer_peers_support_carers(self) -> bool:
        """May consumer peer workers be offered to carers."""
        ...

    @property
    def carer_peers_support_consumers(self) -> bool:
        """May carer peer workers be offered to consumers."""
        ...


def policy(settings: PolicySettings) -> MatchPolicy:
    """The service's cross-support policy, from its settings."""
    return MatchPolicy(
        settings.consumer_peers_support_carers, settings.carer_peers_support_consumers
    )


# -- events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestMade(Event):
    """A person asked a peer worker to support them (MATCH is the open request)."""

    match: Match


@dataclass(frozen=True)
class MatchMade(Event):
    """The peer worker accepted: MATCH is active."""

    match: Match


@dataclass(frozen=True)
class RequestDeclined(Event):
    """The peer worker declined the request MATCH."""

    match: Match


@dataclass(frozen=True)
class RequestExpired(Event):
    """Nobody answered the request MATCH in time: it counts as declined."""

    match: Match


@dataclass(frozen=True)
class RequestReminder(Event):
    """The request MATCH closes within REMIND_BEFORE, unanswered: its peer worker is reminded
    (once)."""

    match: Match


@dataclass(frozen=True)
class RequestUndelivered(Event):
    """The request MATCH could never reach its peer worker (their chat with the bot is
    closed), so it was withdrawn: the person may choose again, and the place is free."""

    match: Match


@dataclass(frozen=True)
class MatchEnded(Event):
    """MATCH (active, or an open request: see its status) closed: BY which side, WHY, and
    how many of the person's messages waiting for the peer worker's hours were dropped."""

    match: Match
    by: Side
    why: Why
    unsent: int = 0

    @property
    def was_active(self) -> bool:
        """Whether it was a match (not a request still waiting for an answer)."""
        return self.match.status == "ended"


@dataclass(frozen=True)
class MatchHandedOver(Event):
    """A coordinator moved the person of OLD to a new peer worker: NEW is active."""

    old: Match
    new: Match
    unsent: int = 0


@dataclass(frozen=True)
class StruggleNoticed(Event):
    """The person of MATCH asked (from the crisis card) that their peer worker know."""

    match: Match


#: What must be stored with a change (the messages that tell people, kept in the outbox), run
#: inside its transaction with the event that will be published.
Within = Callable[[Event], Awaitable[object]]


# -- refusals ----------------------------------------------------------------------------


class LiveMatch(DomainError):
    """The person already has an open request or a match."""

    def __init__(self) -> None:
        super().__init__("matching.live_already")


class PeerNotFree(DomainError):
    """The chosen peer worker can't be asked now (paused, full, gone, or said no lately)."""

    def __init__(self) -> None:
        super().__init__("matching.no_longer_free")


class TooSoon(DomainError):
    """The person asked this peer worker less than REQUEST_EVERY ago; RETRY_AT is when they
    may ask again."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__("matching.too_soon_plain")
        self.retry_at = retry_at


class RequestClosed(DomainError):
    """The request was answered, withdrawn or timed out already."""

    def __init__(self) -> None:
        super().__init__("matching.request_closed_long")


class MatchOver(DomainError):
    """The match or request has already closed."""

    def __init__(self) -> None:
        super().__init__("relay.conversation_ended")


class HandoverStale(DomainError):
    """The match, or the peer worker chosen, changed since the handover menu was shown."""

    def __init__(self) -> None:
        super().__init__("relay.handover_stale")


# -- the lifecycle -----------------------------------------------------------------------


async def request(
    store: MatchStore,
    events: Events,
    *,
    person_id: int,
    role: str,
    peer_id: int,
    policy: MatchPolicy,
    now: datetime,
    answer_within: timedelta,
    within: Within | None = None,
) -> Match:
    """Ask PEER_ID to support PERSON_ID (who may be offered them), with the person's stated
    preferences; the peer worker has ANSWER_WITHIN to answer. WITHIN runs in the request's
    transaction. Refused if the person asked this peer worker within REQUEST_EVERY (TooSoon),
    or if the only place left is held for someone on the waitlist (PeerNotFree)."""
    if await store.live_match_for_person(person_id) is not None:
        raise LiveMatch
    profile = await store.get_profile(peer_id)
    refused = await store.recent_refusals(person_id, now - REFUSAL_MEMORY)
    if (
        profile is None
        or profile.kind not in offerable_kinds(role, policy)
        or not is_offerable(profile, await store.caseload(peer_id))
        or peer_id in refused
    ):
        raise PeerNotFree
    prefs, _ = await store.get_preferences(person_id)
    async with store.transaction():
        made = await store.create_request(
            person_id, peer_id, prefs, now, now + answer_within, every=REQUEST_EVERY
        )
        if made.match is None:
            if made.problem == "too_soon" and made.retry_at is not None:
                raise TooSoon(made.retry_at)
            raise LiveMatch if made.problem == "live" else PeerNotFree
        happened = RequestMade(made.match)
        if within is not None:
            await within(happened)
    events.publish(happened)
    return made.match


async def answer(
    store: MatchStore,
    events: Events,
    match: Match,
    *,
    accept: bool,
    now: datetime,
    within: Within | None = None,
) -> Match:
    """The peer worker of MATCH accepts or declines it (WITHIN runs in the same transaction).
    A request past its time that the sweep has not reached yet expires now, so the person
    hears at once."""
    happened: MatchMade | RequestDeclined | None = None
    async with store.transaction():
        answered = await store.answer_request(match.id, match.peer_id, accept=accept, now=now)
        if answered is not None:
            happened = (
                MatchMade(answered) if answered.status == "active" else RequestDeclined(answered)
            )
            if within is not None:
                await within(happened)
    if answered is None or happened is None:
        await expire(store, events, now, within=within)
        raise RequestClosed
    events.publish(happened)
    if isinstance(happened, RequestDeclined):
        events.publish(CapacityFreed(answered.peer_id))
    return answered


async def expire(
    store: MatchStore, events: Events, now: datetime, within: Within | None = None
) -> list[Match]:
    """Treat every unanswered request past its time as declined (WITHIN runs for each in the
    same transaction)."""
    async with store.transaction():
        expired = await store.expire_requests(now)
        happened = [RequestExpired(match) for match in expired]
        if within is not None:
            for event in happened:
                await within(event)
    for event in happened:
        events.publish(event)
    for peer_id in dict.fromkeys(m.peer_id for m in expired):
        events.publish(CapacityFreed(peer_id))
    return expired


async def remind(
    store: MatchStore, events: Events, now: datetime, within: Within | None = None
) -> list[Match]:
    """Remind, once, the peer worker of every open request that closes within REMIND_BEFORE
    (WITHIN runs with each reminder's record, in one transaction); the reminded requests."""
    reminded = []
    for match in await store.requests_to_remind(now, REMIND_BEFORE):
        async with store.transaction():
            if not await store.mark_reminded(match.id, now):
                continue  # reminded by another process a moment ago, or closed
            happened = RequestReminder(match)
            if within is not None:
                await within(happened)
        events.publish(happened)
        reminded.append(match)
    return reminded


async def undelivered(
    store: MatchStore, events: Events, match_id: int, now: datetime
) -> Match | None:
    """The request MATCH_ID could never reach its peer worker: it is withdrawn (by the
    system, neither side), freeing the person to choose again and the peer worker's place.
    None if it had closed already."""
    closed = await store.close_undelivered(match_id, now)
    if closed is None:
        return None
    events.publish(RequestUndelivered(closed))
    events.publish(CapacityFreed(closed.peer_id))
    return closed


async def end_match(
    store: MatchStore,
    events: Events,
    match_id: int,
    *,
    by: Side,
    why: Why,
    now: datetime,
    within: Within | None = None,
) -> MatchEnded:
    """Close MATCH_ID (a match, or an open request) the one way every path does: what was
    waiting on it is dropped, and WITHIN runs, in the same transaction; MatchEnded and
    CapacityFreed follow."""
    async with store.transaction():
        closed = await store.close_match(match_id, by, now)
        if closed is None:
            raise MatchOver
        match, unsent = closed
        ended = MatchEnded(match, by, why, unsent)
        if within is not None:
            await within(ended)
    events.publish(ended)
    events.publish(CapacityFreed(match.peer_id))
    return ended


async def leave(store: MatchStore, events: Events, user_id: int, now: datetime) -> int:
    """USER_ID is erasing their data: never offered again, off the waitlist, and every open
    request and match of theirs ends (why: erasure). Returns how many ended."""
    if await store.get_profile(user_id) is not None:
        await store.update_profile(user_id, now, active=False)
    await store.leave_waitlist(user_id)
    ended = 0
    for match in await store.live_matches_of(user_id):
        side: Side = "person" if match.person_id == user_id else "peer"
        try:
            await end_match(store, events, match.id, by=side, why="erasure", now=now)
        except MatchOver:
            continue  # closed by the other side a moment ago
        ended += 1
    return ended


async def handover_candidates(
    store: MatchStore, match: Match, role: str | None, policy: MatchPolicy
) -> list[tuple[PeerProfile, int]]:
    """Peer workers who could take over MATCH's person now, with their caseloads: lightest
    caseload first, then by name."""
    kinds = offerable_kinds(role or "", policy)
    out = []
    for profile in await store.offerable_profiles(kinds):
        if profile.user_id == match.peer_id:
            continue
        load = await store.caseload(profile.user_id)
        if is_offerable(profile, load):
            out.append((profile, load))
    return sorted(out, key=lambda pl: (pl[1], pl[0].display_name.casefold(), pl[0].user_id))


async def hand_over(
    store: MatchStore,
    events: Events,
    match: Match,
    new_peer_id: int,
    *,
    role: str | None,
    policy: MatchPolicy,
    now: datetime,
    within: Within | None = None,
) -> MatchHandedOver:
    """A coordinator moves MATCH's person to NEW_PEER_ID (who must still have room): the old
    match ends as every match does (why: handover), and the new one starts at once (stored as
    never accepted, so /report does not count it as a match made); WITHIN runs in the same
    transaction."""
    if match.status != "active" or new_peer_id not in {
        p.user_id for p, _ in await handover_candidates(store, match, role, policy)
    }:
        raise HandoverStale
    async with store.transaction():
        done = await store.hand_over(match.id, new_peer_id, now)
        old = await store.get_match(match.id)
        if done is None or old is None:
            raise HandoverStale
        new, unsent = done
        handed = MatchHandedOver(old, new, unsent)
        if within is not None:
            await within(handed)
    events.publish(MatchEnded(old, "coordinator", "handover", unsent))
    events.publish(handed)
    events.publish(CapacityFreed(old.peer_id))
    return handed


async def struggling(
    store: MatchStore, events: Events, person_id: int, now: datetime
) -> tuple[Match, bool] | None:
    """The person asks, from the crisis card, that their peer worker know they're
    struggling: at most once an hour per match. None if they have no match; else the
    match and whether the peer worker is told now."""
    match = await store.active_match_for_person(person_id)
    if match is None:
        return None
    told = await store.claim_struggle_notice(match.id, now, STRUGGLE_EVERY_S)
    if told:
        events.publish(StruggleNoticed(match))
    return match, told
