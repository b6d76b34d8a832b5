"""Group meetings as use cases: the directory a person sees, joining and leaving, filling
freed places from the waitlist, reminder switches, members' answers for each meeting (I'll
be there / Can't make it), the counts kept once a meeting starts, and a coordinator's groups
(create, edit, cancel one meeting, retire).

Whatever someone else must hear about (a place offered, a meeting cancelled, a group
retired) is queued as a notice in the same transaction as the change, and an event is
published; its consequence (bot/app.py) hands the queued notices to the outbox
(bot/outbox.py) at once, and the 'tick:groups' job hands on anything a failure left behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot.domain.groups import (
    ANSWERS,
    Group,
    MeetingCount,
    answer_open,
    held_meetings,
    is_eligible,
    meets_on,
    next_occurrence,
    occurrences,
    visible_audiences,
)
from bot.services.events import DomainError, Event, Events

__all__ = [
    "AnswerClosed",
    "Answered",
    "Directory",
    "GroupGone",
    "GroupRetired",
    "GroupStore",
    "Joined",
    "MeetingAnswered",
    "MeetingCancelled",
    "MeetingPlan",
    "MemberJoined",
    "MemberLeft",
    "Person",
    "PlaceOffered",
    "Standing",
    "active_group",
    "answer_meeting",
    "cancel_meeting",
    "count_held_meetings",
    "create_group",
    "directory",
    "edit_group",
    "fill_all_places",
    "fill_freed_places",
    "join",
    "leave",
    "meeting_plans",
    "meeting_to_cancel",
    "retire_group",
    "standing",
    "toggle_reminder",
    "visible_group",
]

Format = Literal["any", "online", "in_person"]
ANY_DAY = -1


# -- what the use cases need from storage --------------------------------------------------


class Person(Protocol):
    """Someone using the directory."""

    @property
    def user_id(self) -> int:
        """Their Telegram id."""
        ...

    @property
    def role(self) -> str | None:
        """Their role."""
        ...

    @property
    def relationship(self) -> str | None:
        """For carers, who they support."""
        ...


class Place(Protocol):
    """Someone's place in a group: 'member', or 'waiting' at POSITION (1-based)."""

    @property
    def status(self) -> str:
        """'member' or 'waiting'."""
        ...

    @property
    def position(self) -> int:
        """Their place in line (0 for members)."""
        ...


class Prefs(Protocol):
    """Someone's reminder switches."""

    @property
    def remind_day(self) -> bool:
        """Whether the day-before reminder is on."""
        ...

    @property
    def remind_hour(self) -> bool:
        """Whether the hour-before reminder is on."""
        ...


class Tally(Protocol):
    """Members' answers for one meeting (bot/storage/groups.py's Answers)."""

    @property
    def said_yes(self) -> int:
        """How many said they'll be there."""
        ...

    @property
    def said_no(self) -> int:
        """How many said they can't make it."""
        ...

    @property
    def names(self) -> tuple[str | None, ...]:
        """The chosen names of those who said yes (None: no name chosen)."""
        ...


class GroupStore(Protocol):
    """The storage group use cases need (bot/storage/groups.py)."""

    async def get_group(self, group_id: int) -> Group | None:
        """One group, active or retired."""
        ...

    async def list_groups(self, audiences: tuple[str, ...] | None = None) -> list[Group]:
        """Active groups, by name."""
        ...

    async def create_group(self, group: Group, now: datetime) -> int:
        """Store a new group."""
        ...

    async def update_group(self, group_id: int, now: datetime, **fields: Any) -> None:
        """Change some editable fields."""
        ...

    async def retire_group(self, group_id: int, now: datetime) -> list[int]:
        """Retire a group, queueing a notice for everyone in it."""
        ...

    async def cancel_meeting(self, group_id: int, occurrence: str, now: datetime) -> list[int]:
        """Cancel one meeting, queueing a notice for each member."""
        ...

    async def member_counts(self) -> dict[int, tuple[int, int]]:
        """{group id: (members, waiting)}."""
        ...

    async def membership(self, group_id: int, user_id: int) -> Place | None:
        """USER_ID's place in GROUP_ID."""
        ...

    async def memberships_of(self, user_id: int) -> dict[int, str]:
        """{group id: status} for USER_ID."""
        ...

    async def group_member_ids(self, group_id: int, *, active_only: bool = True) -> list[int]:
        """Members of GROUP_ID."""
        ...

    async def join_group(self, group_id: int, user_id: int, now: datetime) -> Place:
        """Join, or join the waitlist ('already' and 'gone' change nothing)."""
        ...

    async def leave_group(self, group_id: int, user_id: int, now: datetime) -> list[int]:
        """Leave; returns who was promoted into the freed place."""
        ...

    async def fill_places(self, group_id: int, now: datetime) -> list[int]:
        """Promote waiting people into free places; returns them."""
        ...

    async def group_prefs(self, user_id: int) -> Prefs:
        """USER_ID's reminder switches."""
        ...

    async def set_group_pref(self, user_id: int, kind: str, on: bool) -> None:
        """Switch reminder KIND on or off."""
        ...

    async def set_answer(
        self, group_id: int, occurrence: str, user_id: int, answer: str, now: datetime
    ) -> bool:
        """Record an answer for one meeting; False if it was already that answer."""
        ...

    async def answer_of(self, group_id: int, occurrence: str, user_id: int) -> str | None:
        """USER_ID's answer for one meeting."""
        ...

    async def answers_for(self, group_id: int, occurrences: tuple[str, ...]) -> Mapping[str, Tally]:
        """Current members' answers for each meeting."""
        ...

    async def record_held(
        self, group_id: int, occurrence: str, starts_at: datetime, now: datetime
    ) -> bool:
        """Count a meeting that has started and forget its answers; False if counted."""
        ...

    async def last_held(self, group_id: int) -> MeetingCount | None:
        """GROUP_ID's most recent meeting that went ahead, as counts."""
        ...


# -- events and refusals -------------------------------------------------------------------


class GroupGone(DomainError):
    """The group is gone or retired, or is not one this person may see or act on."""

    def __init__(self) -> None:
        super().__init__("common.stale_button")


class AnswerClosed(DomainError):
    """The meeting has started, or was cancelled: answers for it can't change now."""

    def __init__(self, *, cancelled: bool = False) -> None:
        super().__init__("groups.answer_cancelled" if cancelled else "groups.answer_closed")


@dataclass(frozen=True)
class MeetingAnswered(Event):
    """USER_ID gave or changed their ANSWER ('yes' or 'no') for one meeting of GROUP_ID."""

    group_id: int
    occurrence: str
    user_id: int
    answer: str


@dataclass(frozen=True)
class MemberJoined(Event):
    """USER_ID took a place in GROUP_ID (not the waitlist)."""

    group_id: int
    user_id: int


@dataclass(frozen=True)
class MemberLeft(Event):
    """USER_ID left GROUP_ID or its waitlist (by choice, or by erasing their data)."""

    group_id: int
    user_id: int


@dataclass(frozen=True)
class PlaceOffered(Event):
    """A freed place in GROUP_ID went to USER_ID, first in line; their notice is queued."""

    group_id: int
    user_id: int


@dataclass(frozen=True)
class MeetingCancelled(Event):
    """One meeting of GROUP_ID was cancelled; a notice is queued for each of TOLD members."""

    group_id: int
    occurrence: str
    told: int


@dataclass(frozen=True)
class GroupRetired(Event):
    """GROUP_ID was retired; a notice is queued for each of TOLD people in it or waiting."""

    group_id: int
    told: int


# -- people: the directory, joining and leaving ---------------------------------------------


@dataclass(frozen=True)
class Directory:
    """The groups a person may join, filtered, with places taken and their own standing."""

    groups: Sequence[Group]
    counts: Mapping[int, tuple[int, int]]
    mine: Mapping[int, str]
    filtered: bool


@dataclass(frozen=True)
class Standing:
    """One group as a person sees it: the group, places taken, and their place in it; for a
    member, the next meeting, their answer for it, and (only in a group whose members may
    see each other) the names of those who said they'll be there."""

    group: Group
    counts: tuple[int, int]
    place: Place | None
    next_meeting: tuple[str, datetime] | None = None
    answer: str | None = None
    coming: tuple[str | None, ...] | None = None

    @property
    def member(self) -> bool:
        """Whether they hold a place (not the waitlist)."""
        return self.place is not None and self.place.status == "member"

    @property
    def full(self) -> bool:
        """Whether every place is taken."""
        return self.group.capacity is not None and self.counts[0] >= self.group.capacity


@dataclass(frozen=True)
class Joined:
    """What joining GROUP gave: 'member', 'waiting' at POSITION, or 'already'."""

    group: Group
    status: str
    position: int


async def directory(
    store: GroupStore,
    person: Person,
    fmt: Format,
    day: int,
    tz: ZoneInfo,
    now: datetime,
    zone: ZoneInfo | None = None,
) -> Directory:
    """The groups PERSON may join, of format FMT, meeting on weekday DAY (ANY_DAY: any) as
    seen in their ZONE (the service's TZ if not given)."""
    groups = await store.list_groups(visible_audiences(person.role, person.relationship))
    if fmt != "any":
        groups = [g for g in groups if g.format == fmt]
    if day != ANY_DAY:
        groups = [g for g in groups if meets_on(g, day, tz, now, zone)]
    return Directory(
        groups,
        await store.member_counts(),
        await store.memberships_of(person.user_id),
        fmt != "any" or day != ANY_DAY,
    )


async def visible_group(store: GroupStore, person: Person, group_id: int) -> Group:
    """GROUP_ID, if PERSON may see and join it; otherwise GroupGone."""
    group = await store.get_group(group_id)
    if group is None or not is_eligible(group, person.role, person.relationship):
        raise GroupGone
    return group


async def standing(
    store: GroupStore,
    person: Person,
    group_id: int,
    tz: ZoneInfo | None = None,
    now: datetime | None = None,
) -> Standing:
    """GROUP_ID as PERSON sees it (GroupGone if they may not); with TZ and NOW, a member
    also sees the next meeting and their answer for it."""
    group = await visible_group(store, person, group_id)
    counts = (await store.member_counts()).get(group.group_id, (0, 0))
    place = await store.membership(group.group_id, person.user_id)
    seen = Standing(group, counts, place)
    if tz is None or now is None or not seen.member:
        return seen
    found = next_occurrence(group.schedule, tz, now, group.cancelled)
    if found is None:
        return seen
    answer = await store.answer_of(group.group_id, found[0], person.user_id)
    coming = None
    if group.members_visible:
        tally = (await store.answers_for(group.group_id, (found[0],))).get(found[0])
        coming = tally.names if tally is not None else ()
    return Standing(group, counts, place, found, answer, coming)


@dataclass(frozen=True)
class Answered:
    """An answer given for one meeting: the group, the meeting, its start, the answer, and
    whether it changed anything (pressing the same answer twice records it once)."""

    group: Group
    occurrence: str
    start: datetime
    answer: str
    changed: bool


async def answer_meeting(
    store: GroupStore,
    events: Events,
    person: Person,
    group_id: int,
    occurrence: str,
    answer: str,
    tz: ZoneInfo,
    now: datetime,
) -> Answered:
    """PERSON, a member of GROUP_ID, says whether they'll be at the meeting on OCCURRENCE.
    They may change it until the meeting starts (AnswerClosed after that, or once it is
    cancelled); GroupGone if they are not a member or the meeting is not one of its own."""
    group = await visible_group(store, person, group_id)
    place = await store.membership(group.group_id, person.user_id)
    if answer not in ANSWERS or place is None or place.status != "member":
        raise GroupGone
    if occurrence in group.cancelled:
        raise AnswerClosed(cancelled=True)
    starts = dict(occurrences(group.schedule, tz, now - timedelta(days=1), limit=16))
    start = starts.get(occurrence)
    if start is None:
        raise GroupGone
    if not answer_open(start, now):
        raise AnswerClosed
    changed = await store.set_answer(group.group_id, occurrence, person.user_id, answer, now)
    if changed:
        events.publish(MeetingAnswered(group.group_id, occurrence, person.user_id, answer))
    return Answered(group, occurrence, start, answer, changed)


async def join(
    store: GroupStore, events: Events, person: Person, group_id: int, now: datetime
) -> Joined:
    """Take a place in GROUP_ID, or a place on its waitlist when it is full."""
    group = await visible_group(store, person, group_id)
    result = await store.join_group(group.group_id, person.user_id, now)
    if result.status == "gone":
        raise GroupGone
    if result.status == "member":
        events.publish(MemberJoined(group.group_id, person.user_id))
    return Joined(group, result.status, result.position)


async def leave(
    store: GroupStore, events: Events, person: Person, group_id: int, now: datetime
) -> Group:
    """Leave GROUP_ID (or its waitlist); a freed place goes to the first person waiting."""
    group = await visible_group(store, person, group_id)
    promoted = await store.leave_group(group.group_id, person.user_id, now)
    events.publish(MemberLeft(group.group_id, person.user_id))
    for waiting in promoted:
        events.publish(PlaceOffered(group.group_id, waiting))
    return group


async def fill_freed_places(store: GroupStore, events: Events, group_id: int, now: datetime) -> int:
    """Give GROUP_ID's free places to the people waiting longest; returns how many."""
    promoted = await store.fill_places(group_id, now)
    for person in promoted:
        events.publish(PlaceOffered(group_id, person))
    return len(promoted)


async def fill_all_places(store: GroupStore, events: Events, now: datetime) -> int:
    """Fill every group's free places (after someone's rows were erased, say)."""
    filled = 0
    for group in await store.list_groups():
        if group.capacity is not None:
            filled += await fill_freed_places(store, events, group.group_id, now)
    return filled


async def toggle_reminder(store: GroupStore, user_id: int, kind: Literal["day", "hour"]) -> None:
    """Switch USER_ID's day-before or hour-before reminders the other way."""
    prefs = await store.group_prefs(user_id)
    now_on = prefs.remind_day if kind == "day" else prefs.remind_hour
    await store.set_group_pref(user_id, kind, not now_on)


# -- coordinators ------------------------------------------------------------------------


async def active_group(store: GroupStore, group_id: int) -> Group:
    """GROUP_ID if it exists and is not retired; otherwise GroupGone."""
    group = await store.get_group(group_id)
    if group is None or not group.active:
        raise GroupGone
    return group


async def create_group(store: GroupStore, group: Group, now: datetime) -> int:
    """Store a new group; it shows in the directory at once."""
    return await store.create_group(group, now)


async def edit_group(
    store: GroupStore, events: Events, group_id: int, changes: dict[str, Any], now: datetime
) -> Group:
    """Change some of a group's details; more places go to the people waiting."""
    await active_group(store, group_id)
    await store.update_group(group_id, now, **changes)
    if "capacity" in changes:
        await fill_freed_places(store, events, group_id, now)
    return await active_group(store, group_id)


async def meeting_to_cancel(
    store: GroupStore, group_id: int, occurrence: str, tz: ZoneInfo, now: datetime
) -> tuple[Group, datetime, int]:
    """GROUP_ID, the start of its meeting on OCCURRENCE (still to come and not cancelled),
    and how many members would be told; GroupGone otherwise."""
    group = await active_group(store, group_id)
    start = dict(occurrences(group.schedule, tz, now, limit=12, cancelled=group.cancelled)).get(
        occurrence
    )
    if start is None:
        raise GroupGone
    return group, start, len(await store.group_member_ids(group_id))


async def cancel_meeting(
    store: GroupStore, events: Events, group_id: int, occurrence: str, tz: ZoneInfo, now: datetime
) -> int:
    """Cancel GROUP_ID's meeting on OCCURRENCE (one still to come); returns members told.
    Cancelling the same meeting again tells nobody twice."""
    group = await active_group(store, group_id)
    if occurrence not in {o for o, _ in occurrences(group.schedule, tz, now, limit=12)}:
        raise GroupGone
    told = await store.cancel_meeting(group_id, occurrence, now)
    if told:
        events.publish(MeetingCancelled(group_id, occurrence, len(told)))
    return len(told)


async def retire_group(store: GroupStore, events: Events, group_id: int, now: datetime) -> int:
    """Retire GROUP_ID: it leaves the directory and everyone in it is told; returns how many."""
    await active_group(store, group_id)
    told = await store.retire_group(group_id, now)
    events.publish(GroupRetired(group_id, len(told)))
    return len(told)


@dataclass(frozen=True)
class MeetingPlan:
    """One meeting still to come, for its coordinator: when, and members' answers so far
    (names only in a group whose members may see each other)."""

    occurrence: str
    start: datetime
    said_yes: int
    said_no: int
    names: tuple[str | None, ...] | None


async def meeting_plans(
    store: GroupStore, group: Group, tz: ZoneInfo, now: datetime, limit: int = 3
) -> list[MeetingPlan]:
    """GROUP's next LIMIT meetings with the answers given for each so far."""
    upcoming = occurrences(group.schedule, tz, now, limit=limit, cancelled=group.cancelled)
    answers = await store.answers_for(group.group_id, tuple(o for o, _ in upcoming))
    plans = []
    for occurrence, start in upcoming:
        tally = answers.get(occurrence)
        yes, no = (tally.said_yes, tally.said_no) if tally is not None else (0, 0)
        names = (tally.names if tally is not None else ()) if group.members_visible else None
        plans.append(MeetingPlan(occurrence, start, yes, no, names))
    return plans


async def count_held_meetings(store: GroupStore, tz: ZoneInfo, now: datetime) -> int:
    """Count every meeting that has started (and was not cancelled) since the groups job
    last looked: members, yes and no answers, kept per meeting for the service's evaluation;
    the answers themselves are then forgotten. Returns how many meetings were counted."""
    counted = 0
    for group in await store.list_groups():
        for occurrence, start in held_meetings(group, tz, now):
            counted += await store.record_held(group.group_id, occurrence, start, now)
    return counted
