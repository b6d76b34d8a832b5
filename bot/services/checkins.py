"""Check-ins people schedule for themselves: the schedule, answering a check-in, /mood's
numbers, and the dispatcher that claims what is due and moves the weekly summaries on.

Plain async functions over a narrow store; the current time and each person's time zone are
passed in. Counting for evaluation (DESIGN rule 9) is a consequence: `CheckinsSent`,
`CheckinsSkipped` and `CheckinAnswered` are published here, each saying whether it was a
scheduled check-in or one asked for now (counted apart), and bot/app.py lists what follows.

Weekly sharing is the person's choice of one peer worker: it is kept with the match they
chose it for, stops when that match ends or is handed over (`match_ended`), and starts again
only when they choose it again with their next peer worker (`share_question`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot.domain.checkins import (
    ASKED_NOW,
    FEELINGS,
    NOTE_LIMIT,
    SCHEDULED,
    SKILLS,
    Answer,
    CheckinKind,
    CheckinRow,
    CheckinSchedule,
    DueCheckin,
    DueShare,
    MoodSummary,
    Plan,
    Schedule,
    asks_to_share,
    decide,
    is_low,
    mood_summary,
    next_due,
    next_weekly,
    parse_choices,
    set_choice,
)
from bot.domain.matching import Match, PeerProfile
from bot.services.events import DomainError, Event, Events

__all__ = [
    "BATCH",
    "AlreadyAnswered",
    "CheckinAnswered",
    "CheckinClosed",
    "CheckinStore",
    "CheckinsSent",
    "CheckinsSkipped",
    "Claimed",
    "MoodReport",
    "NeedsMatch",
    "NoteTooLong",
    "Peer",
    "Rated",
    "Sealer",
    "WeeklyShare",
    "check_in_now",
    "checkin_of",
    "claim_due",
    "current_peer",
    "export_notes",
    "follow_timezone",
    "has_peer",
    "has_safety_plan",
    "keep_private",
    "match_ended",
    "mood_report",
    "open_checkin_of",
    "pause",
    "rate",
    "resume",
    "save_note",
    "schedule_of",
    "set_choice_on",
    "set_schedule",
    "share_question",
    "share_with",
    "stop",
    "stop_sharing",
    "take_due_shares",
    "undelivered",
]

BATCH = 500  # due schedules read per query
#: deps.zone: the time zone of a person (or of a due row, which carries theirs), else the
#: service's.
ZoneOf = Callable[[Any], ZoneInfo]
Choice = Literal["feelings", "skills"]
_ALLOWED: dict[Choice, tuple[str, ...]] = {"feelings": FEELINGS, "skills": SKILLS}


class CheckinStore(Protocol):
    """The storage check-ins need (bot/storage/checkins.py, the match and profile lookups,
    whether a safety plan exists, and a transaction for an answer with its reply)."""

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Several writes as one (a nested one joins it)."""
        ...

    async def get_checkin_schedule(self, user_id: int) -> CheckinSchedule | None:
        """USER_ID's schedule, if they have one."""
        ...

    async def save_checkin_schedule(
        self, user_id: int, days: int, minute: int, next_due: datetime, now: datetime
    ) -> None:
        """Start or change a schedule; it runs from NEXT_DUE."""
        ...

    async def pause_checkins(self, user_id: int, now: datetime) -> bool:
        """Pause a schedule."""
        ...

    async def resume_checkins(self, user_id: int, next_due: datetime, now: datetime) -> bool:
        """Resume a schedule from NEXT_DUE."""
        ...

    async def stop_checkins(self, user_id: int) -> bool:
        """Remove a schedule."""
        ...

    async def set_checkin_share(
        self, user_id: int, share_due: datetime | None, now: datetime, match_id: int | None = None
    ) -> bool:
        """Share weekly ratings with MATCH_ID's peer worker from SHARE_DUE, or stop (None)."""
        ...

    async def end_checkin_share(self, user_id: int, match_id: int, now: datetime) -> bool:
        """Stop sharing with MATCH_ID's peer worker, and ask the person again later."""
        ...

    async def move_share_due(self, user_id: int, due: int, share_due: datetime | None) -> None:
        """Set the next weekly summary (None: stop), if it is still DUE."""
        ...

    async def due_checkin_schedules(self, now: datetime, limit: int) -> list[DueCheckin]:
        """Up to LIMIT schedules due at NOW."""
        ...

    async def dispatch_checkins(self, plans: Sequence[Plan], now: datetime) -> dict[int, int]:
        """Move each schedule on and record the check-ins to send, in one transaction."""
        ...

    async def discard_checkin(self, checkin_id: int) -> None:
        """Forget a check-in that could not be delivered."""
        ...

    async def due_checkin_shares(self, now: datetime, limit: int) -> list[DueShare]:
        """Up to LIMIT weekly summaries due at NOW."""
        ...

    async def open_checkin(self, user_id: int, now: datetime) -> int:
        """Record a check-in the person asked for now; its id."""
        ...

    async def get_checkin(self, checkin_id: int, user_id: int) -> CheckinRow | None:
        """Check-in CHECKIN_ID if it is USER_ID's."""
        ...

    async def rate_checkin(self, checkin_id: int, user_id: int, rating: int, now: datetime) -> bool:
        """Record a rating on an unanswered check-in; False if it wasn't one."""
        ...

    async def set_checkin_choices(
        self, checkin_id: int, user_id: int, field: str, value: str
    ) -> bool:
        """Store the chosen feelings or skills."""
        ...

    async def set_checkin_note(self, checkin_id: int, user_id: int, ciphertext: bytes) -> bool:
        """Store the encrypted note on one of USER_ID's check-ins."""
        ...

    async def checkin_answers(self, user_id: int, since: datetime) -> list[tuple[int, int, str]]:
        """(due_at, rating, skills) of answered check-ins due after SINCE."""
        ...

    async def checkin_notes(self, user_id: int) -> list[tuple[int, int, bytes]]:
        """(id, due_at, ciphertext) of every note USER_ID wrote."""
        ...

    async def active_match_for_person(self, person_id: int) -> Match | None:
        """The person's active match, if any."""
        ...

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """A peer worker's profile (for their display name)."""
        ...

    async def has_safety_plan(self, user_id: int) -> bool:
        """Whether the person wrote a safety plan."""
        ...


class Sealer(Protocol):
    """Encryption for text at rest."""

    def encrypt(self, text: str) -> bytes:
        """TEXT as ciphertext."""
        ...

    def decrypt(self, token: bytes) -> str:
        """Ciphertext back to text; ValueError if this key can't read it."""
        ...


# -- refusals and events -------------------------------------------------------------------


class NeedsMatch(DomainError):
    """Weekly sharing goes to a matched peer worker, and there is none."""

    def __init__(self) -> None:
        super().__init__("checkins.share_needs_match")


class AlreadyAnswered(DomainError):
    """A check-in can be rated once."""

    def __init__(self) -> None:
        super().__init__("checkins.already")


class CheckinClosed(DomainError):
    """A check-in older than CLOSES_AFTER can't be answered any more."""

    def __init__(self) -> None:
        super().__init__("checkins.closed")


class NoteTooLong(DomainError):
    """A check-in note is short: at most NOTE_LIMIT characters."""

    def __init__(self) -> None:
        super().__init__("checkins.note_too_long", limit=NOTE_LIMIT)


@dataclass(frozen=True)
class CheckinsSent(Event):
    """COUNT check-ins went out: scheduled ones from the dispatcher (KIND "scheduled"), or
    one a person asked for now (KIND "now")."""

    count: int
    kind: CheckinKind = SCHEDULED


@dataclass(frozen=True)
class CheckinsSkipped(Event):
    """COUNT check-ins were missed by more than the grace period (downtime) and skipped."""

    count: int


@dataclass(frozen=True)
class CheckinAnswered(Event):
    """USER_ID rated check-in CHECKIN_ID; LOW when the rating offers support; KIND says
    whether it was scheduled or asked for now."""

    user_id: int
    checkin_id: int
    rating: int
    low: bool
    kind: CheckinKind = SCHEDULED


# -- the schedule ---------------------------------------------------------------------------


async def schedule_of(store: CheckinStore, user_id: int) -> CheckinSchedule | None:
    """USER_ID's schedule, if they set one up."""
    return await store.get_checkin_schedule(user_id)


async def set_schedule(
    store: CheckinStore, user_id: int, days: int, minute: int, zone: ZoneInfo, now: datetime
) -> datetime:
    """Start or change USER_ID's check-ins (DAYS at MINUTE in ZONE); the next one's time."""
    due = next_due(Schedule(days, minute), zone, now)
    await store.save_checkin_schedule(user_id, days, minute, due, now)
    return due


async def pause(store: CheckinStore, user_id: int, now: datetime) -> None:
    """Pause USER_ID's check-ins; their choice of days and time is kept."""
    await store.pause_checkins(user_id, now)


async def resume(
    store: CheckinStore, user_id: int, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """Resume USER_ID's check-ins; the next one's time, or None if they have no schedule."""
    schedule = await store.get_checkin_schedule(user_id)
    if schedule is None:
        return None
    due = next_due(Schedule(schedule.days, schedule.minute), zone, now)
    await store.resume_checkins(user_id, due, now)
    return due


async def stop(store: CheckinStore, user_id: int) -> None:
    """Remove USER_ID's schedule; their past check-ins stay theirs until /delete."""
    await store.stop_checkins(user_id)


async def follow_timezone(store: CheckinStore, user_id: int, zone: ZoneInfo, now: datetime) -> None:
    """After someone changes time zone, move their next check-in to their new local time."""
    schedule = await store.get_checkin_schedule(user_id)
    if schedule is None or schedule.paused or schedule.next_due is None:
        return
    due = next_due(Schedule(schedule.days, schedule.minute), zone, now)
    await store.resume_checkins(user_id, due, now)


async def has_peer(store: CheckinStore, user_id: int) -> bool:
    """Whether USER_ID has a peer worker they are matched with now."""
    return await store.active_match_for_person(user_id) is not None


@dataclass(frozen=True, slots=True)
class Peer:
    """The person's peer worker now: their match, and the name they go by (None: no
    profile, so the copy's fallback)."""

    match_id: int
    peer_id: int
    name: str | None


async def current_peer(store: CheckinStore, user_id: int) -> Peer | None:
    """USER_ID's peer worker now, if they are matched."""
    match = await store.active_match_for_person(user_id)
    if match is None:
        return None
    profile = await store.get_profile(match.peer_id)
    return Peer(match.id, match.peer_id, profile.display_name if profile else None)


async def has_safety_plan(store: CheckinStore, user_id: int) -> bool:
    """Whether USER_ID wrote a safety plan (a low check-in offers it first)."""
    return await store.has_safety_plan(user_id)


async def share_with(
    store: CheckinStore, user_id: int, match_id: int, zone: ZoneInfo, now: datetime
) -> bool:
    """Start sharing weekly ratings with the peer worker of MATCH_ID, the person's choice;
    False if there is no schedule to share from. Raises NeedsMatch unless MATCH_ID is their
    match now (a button from before a match ended or was handed over)."""
    schedule = await store.get_checkin_schedule(user_id)
    if schedule is None:
        return False
    match = await store.active_match_for_person(user_id)
    if match is None or match.id != match_id:
        raise NeedsMatch
    await store.set_checkin_share(user_id, next_weekly(schedule.minute, zone, now), now, match.id)
    return True


async def stop_sharing(store: CheckinStore, user_id: int, now: datetime) -> bool:
    """Stop sharing weekly ratings; False if there is no schedule."""
    return await store.set_checkin_share(user_id, None, now)


async def keep_private(store: CheckinStore, user_id: int, now: datetime) -> bool:
    """No to sharing with a new peer worker: nothing is shared, and nothing more is asked."""
    return await store.set_checkin_share(user_id, None, now)


async def match_ended(store: CheckinStore, match: Match, now: datetime) -> bool:
    """MATCH ended (or was handed over): if its person shared their ratings with it, sharing
    stops until they choose again. True if it did."""
    return await store.end_checkin_share(match.person_id, match.id, now)


async def share_question(store: CheckinStore, user_id: int) -> Peer | None:
    """The peer worker to ask USER_ID about, when they shared with an earlier one and have
    not chosen again since; else None."""
    schedule = await store.get_checkin_schedule(user_id)
    peer = await current_peer(store, user_id) if schedule is not None else None
    if peer is None or not asks_to_share(schedule, peer.match_id):
        return None
    return peer


# -- a check-in -----------------------------------------------------------------------------


async def check_in_now(store: CheckinStore, user_id: int, now: datetime, events: Events) -> int:
    """Open a check-in USER_ID asked for, with nothing scheduled; its id."""
    checkin_id = await store.open_checkin(user_id, now)
    events.publish(CheckinsSent(1, ASKED_NOW))
    return checkin_id


async def checkin_of(
    store: CheckinStore, user_id: int, checkin_id: int, *, rated: bool = True
) -> CheckinRow | None:
    """USER_ID's check-in CHECKIN_ID (only once rated, when RATED), else None: someone
    else's, gone, or not yet at that point."""
    row = await store.get_checkin(checkin_id, user_id)
    if row is None or (rated and not row.answered):
        return None
    return row


async def open_checkin_of(
    store: CheckinStore, user_id: int, checkin_id: int, now: datetime
) -> CheckinRow | None:
    """USER_ID's rated check-in CHECKIN_ID, to go on answering it; None if it isn't theirs
    or isn't rated yet. Raises CheckinClosed once it is too old to answer."""
    row = await checkin_of(store, user_id, checkin_id)
    if row is not None and row.closed(now):
        raise CheckinClosed
    return row


@dataclass(frozen=True, slots=True)
class Rated:
    """A rating kept: the check-in as it is now, and whether this press recorded it (False:
    the same rating again, from a repeated press)."""

    row: CheckinRow
    first: bool


Reply = Callable[[CheckinRow], Awaitable[Any]]


async def rate(
    store: CheckinStore,
    user_id: int,
    checkin_id: int,
    rating: int,
    now: datetime,
    events: Events,
    reply: Reply | None = None,
) -> Rated | None:
    """Record RATING on USER_ID's check-in, and keep REPLY(row) (the answer's reply, for the
    outbox) in the same transaction, so neither is kept without the other. None if the
    check-in isn't theirs (or is gone).

    Pressing the same rating again records nothing more and publishes nothing more (the
    reply's key makes keeping it again a no-op). Raises CheckinClosed once it is too old to
    answer, and AlreadyAnswered for a different rating on an answered one.
    """
    row = await store.get_checkin(checkin_id, user_id)
    if row is None:
        return None
    if row.closed(now):
        raise CheckinClosed
    if row.answered and row.rating != rating:
        raise AlreadyAnswered
    async with store.transaction():
        first = await store.rate_checkin(checkin_id, user_id, rating, now)
        fresh = await store.get_checkin(checkin_id, user_id)
        if fresh is None or fresh.rating != rating:  # answered differently a moment ago
            raise AlreadyAnswered
        if reply is not None:
            await reply(fresh)
    if first:
        events.publish(CheckinAnswered(user_id, checkin_id, rating, is_low(rating), fresh.kind))
    return Rated(fresh, first)


async def set_choice_on(
    store: CheckinStore, row: CheckinRow, kind: Choice, choice: str, on: bool
) -> CheckinRow:
    """ROW with one feeling or skill on (ON) or off, as the button said: a repeated press
    changes nothing more (ValueError if it isn't one)."""
    current = row.feelings if kind == "feelings" else row.skills
    value = set_choice(current, choice, on, _ALLOWED[kind])
    await store.set_checkin_choices(row.id, row.user_id, kind, value)
    fresh = await store.get_checkin(row.id, row.user_id)
    return fresh if fresh is not None else row


async def save_note(
    store: CheckinStore, sealer: Sealer, user_id: int, checkin_id: int, text: str
) -> bool:
    """Keep TEXT, encrypted, as the note on USER_ID's check-in; False if there was nothing to
    keep (empty, or the check-in is gone). Raises NoteTooLong."""
    text = text.strip()
    if len(text) > NOTE_LIMIT:
        raise NoteTooLong
    if not text:
        return False
    return await store.set_checkin_note(checkin_id, user_id, sealer.encrypt(text))


# -- /mood ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoodReport:
    """/mood's numbers for the last 30 and 90 days, and the answers the chart draws."""

    last30: MoodSummary
    last90: MoodSummary
    recent: tuple[Answer, ...]  # the last 90 days


async def mood_report(store: CheckinStore, user_id: int, now: datetime) -> MoodReport | None:
    """USER_ID's check-ins in numbers; None if they answered none in the last 90 days."""
    # 180 days: the last 90 and the 90 before, for the trend.
    rows = await store.checkin_answers(user_id, now - timedelta(days=180))
    answers = [
        Answer(_from_epoch(due), rating, parse_choices(skills, SKILLS))
        for due, rating, skills in rows
    ]
    recent = tuple(a for a in answers if a.at > now - timedelta(days=90))
    if not recent:
        return None
    return MoodReport(mood_summary(answers, now, 30), mood_summary(answers, now, 90), recent)


# -- the dispatcher -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """One batch of the dispatcher: what to send now, how many rows it read and skipped."""

    to_send: list[tuple[int, int, str | None]]  # (user id, check-in id, alias)
    read: int
    skipped: int


async def claim_due(
    store: CheckinStore,
    zone_of: ZoneOf,
    now: datetime,
    grace: timedelta,
    events: Events,
    limit: int = BATCH,
) -> Claimed:
    """Read up to LIMIT due schedules (one indexed range query), decide each in the person's
    time zone, and record the check-ins and every next due time in one transaction.

    Claiming before sending means a crash between the two loses a check-in rather than
    sending it twice; sending is the caller's job, outside the transaction.
    """
    due = await store.due_checkin_schedules(now, limit)
    plans, aliases, skipped = [], {}, 0
    for row in due:
        step = decide(
            Schedule(row.days, row.minute), zone_of(row), _from_epoch(row.next_due), now, grace
        )
        plans.append(
            Plan(
                row.user_id,
                row.next_due,
                _epoch(step.next_due),
                step.send and row.reachable,
                _epoch(step.due_at),
            )
        )
        aliases[row.user_id] = row.alias
        skipped += not step.send
    created = await store.dispatch_checkins(plans, now) if plans else {}
    if skipped:
        events.publish(CheckinsSkipped(skipped))
    return Claimed([(uid, cid, aliases[uid]) for uid, cid in created.items()], len(due), skipped)


async def undelivered(store: CheckinStore, checkin_id: int) -> None:
    """Forget a check-in that could not reach its person (blocked, gone)."""
    await store.discard_checkin(checkin_id)


@dataclass(frozen=True, slots=True)
class WeeklyShare:
    """A week of ratings to send to the peer worker of the person who chose to share them."""

    user_id: int
    peer_id: int
    alias: str | None
    ratings: tuple[int, ...]


async def take_due_shares(
    store: CheckinStore, zone_of: ZoneOf, now: datetime, limit: int = BATCH
) -> list[WeeklyShare]:
    """Move every weekly summary due at NOW on a week, and return those to send. A summary
    goes only to the peer worker of the match the person chose to share with: if that match
    is over, sharing stops (they will be asked again), and it never goes to anyone else."""
    shares = []
    for share in await store.due_checkin_shares(now, limit):
        match = await store.active_match_for_person(share.user_id)
        if match is None or match.id != share.share_match:
            if share.share_match is not None:
                await store.end_checkin_share(share.user_id, share.share_match, now)
            await store.move_share_due(share.user_id, share.share_due, None)
            continue
        following = next_weekly(share.minute, zone_of(share), now)
        await store.move_share_due(share.user_id, share.share_due, following)
        week = await store.checkin_answers(share.user_id, now - timedelta(days=7))
        shares.append(
            WeeklyShare(
                share.user_id, match.peer_id, share.alias, tuple(rating for _, rating, _ in week)
            )
        )
    return shares


# -- /mydata --------------------------------------------------------------------------------


async def export_notes(
    store: CheckinStore, sealer: Sealer, user_id: int
) -> list[tuple[int, int, str | None]]:
    """(check-in id, due time, note) of every note USER_ID wrote, decrypted for them; None
    for a note the current key can't read."""
    notes: list[tuple[int, int, str | None]] = []
    for checkin_id, due, token in await store.checkin_notes(user_id):
        try:
            text: str | None = sealer.decrypt(token)
        except ValueError:
            text = None
        notes.append((checkin_id, due, text))
    return notes


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


def _from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
