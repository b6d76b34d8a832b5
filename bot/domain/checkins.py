"""Check-ins people schedule for themselves: when the next one is due, what to do after
downtime, and the small sums behind /mood and the weekly summary.

Pure functions; the current time is always passed in. A schedule is a set of weekdays and a
wall-clock time in the person's own time zone, turned into a UTC instant for the date it falls
on, so daylight-saving changes never move a check-in away from the time the person chose.

Days are indexes (0 = Monday) and times are minutes past midnight: the words for them (day
names, "am" and "pm") come from the copy, never from here. The records at the end are what
storage reads and writes (times as UTC epoch seconds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "ASKED_NOW",
    "CLOSES_AFTER",
    "DAILY",
    "ENGLISH_TIME",
    "FEELINGS",
    "LOW_RATING",
    "NOTE_LIMIT",
    "RATINGS",
    "SCHEDULED",
    "SKILLS",
    "WEEKDAYS_ONLY",
    "Answer",
    "CheckinKind",
    "CheckinRow",
    "CheckinSchedule",
    "DayMood",
    "Dispatch",
    "DueCheckin",
    "DueShare",
    "MoodSummary",
    "Plan",
    "Schedule",
    "TimeWords",
    "asks_to_share",
    "chosen_days",
    "daily_moods",
    "decide",
    "is_closed",
    "is_low",
    "last_due",
    "mood_summary",
    "next_due",
    "next_weekly",
    "pack_choices",
    "parse_choices",
    "parse_time",
    "schedule_kind",
    "set_choice",
    "shares_with",
    "toggle",
    "toggle_day",
    "trend",
    "wall_clock",
]

DAILY = 0b1111111
WEEKDAYS_ONLY = 0b0011111
RATINGS = (1, 2, 3, 4, 5)
LOW_RATING = 2  # a rating at or under this offers support, without alarm
NOTE_LIMIT = 500  # characters: a short note of their own
FEELINGS = ("calm", "hopeful", "tired", "anxious", "sad", "angry", "empty", "overwhelmed")
SKILLS = ("mindfulness", "distress_tolerance", "emotion_regulation", "interpersonal")
#: A check-in can be answered for this long after it was due (or asked for); then it closes,
#: and the person is offered a check-in now instead.
CLOSES_AFTER = timedelta(days=2)
#: Scheduled check-ins and those a person asks for now are counted apart (DESIGN rule 9).
CheckinKind = Literal["scheduled", "now"]
SCHEDULED: CheckinKind = "scheduled"
ASKED_NOW: CheckinKind = "now"
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h]\s*(\d{2}))?\s*(\D*?)\s*$")


@dataclass(frozen=True, slots=True)
class TimeWords:
    """The words people may type after a time for morning and afternoon (lower case), from
    the copy; the English ones are only the fallback for code with no copy at hand."""

    am: tuple[str, ...] = ("am", "a.m.")
    pm: tuple[str, ...] = ("pm", "p.m.")


#: The fallback words, for code that has no copy at hand (tests, benchmarks).
ENGLISH_TIME = TimeWords()


@dataclass(frozen=True, slots=True)
class Schedule:
    """Which weekdays (bit 0 = Monday) and at what minute past local midnight."""

    days: int
    minute: int

    def __post_init__(self) -> None:
        if not (0 < self.days <= DAILY and 0 <= self.minute < 1440):
            raise ValueError("a schedule needs at least one day and a time of day")

    def on(self, weekday: int) -> bool:
        """Whether the schedule has a check-in on WEEKDAY (0 = Monday)."""
        return bool(self.days >> weekday & 1)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """What the dispatcher does with one due schedule: send it or skip it, and when next."""

    send: bool
    due_at: datetime  # the check-in time it answers (the latest one missed)
    next_due: datetime


@dataclass(frozen=True, slots=True)
class Answer:
    """One answered check-in, for the chart and summaries."""

    at: datetime  # when it was due (UTC)
    rating: int
    skills: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MoodSummary:
    """The plain numbers behind /mood's text, for one period."""

    days: int
    count: int
    average: float | None
    lowest: int | None
    highest: int | None
    with_skills: int  # check-ins where they used at least one skill
    top_skill: str | None
    trend: str | None  # "up", "down", "steady", or None without enough to compare


def schedule_kind(days: int) -> str:
    """'daily', 'weekdays' or 'days' (chosen days)."""
    if days == DAILY:
        return "daily"
    if days == WEEKDAYS_ONLY:
        return "weekdays"
    return "days"


def toggle_day(days: int, weekday: int) -> int:
    """DAYS with WEEKDAY switched on or off."""
    if not 0 <= weekday <= 6:
        raise ValueError("a weekday is 0 (Monday) to 6 (Sunday)")
    return days ^ (1 << weekday)


def chosen_days(days: int) -> tuple[int, ...]:
    """The weekdays (0 = Monday) switched on in DAYS, in week order."""
    return tuple(i for i in range(7) if days >> i & 1)


def parse_time(text: str, words: TimeWords = ENGLISH_TIME) -> int:
    """A typed time ('7pm', '19:30', '7.30 am', '0800') as minutes past midnight, with
    WORDS for morning and afternoon.

    Raises ValueError when it isn't a time of day.
    """
    cleaned = text.strip()
    if re.fullmatch(r"\d{3,4}", cleaned):  # 0800, 730
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    match = _TIME.match(cleaned)
    if not match:
        raise ValueError("not a time")
    hour, minute = int(match[1]), int(match[2] or 0)
    suffix = match[3].lower()
    if minute > 59:
        raise ValueError("not a time")
    if suffix:
        if suffix not in (*words.am, *words.pm) or not 1 <= hour <= 12:
            raise ValueError("not a time")
        hour = hour % 12 + (12 if suffix in words.pm else 0)
    elif hour > 23:
        raise ValueError("not a time")
    return hour * 60 + minute


def wall_clock(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of MINUTE past midnight on DAY in TZ.

    A time that a jump forward skips is moved forward by the size of the jump (02:30 on the
    night clocks go 02:00 -> 03:00 becomes 03:30); a time that happens twice when clocks go
    back takes its first occurrence. (zoneinfo reads a skipped time with fold=0 using the
    offset from before the jump, which is exactly "moved forward".)
    """
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def next_due(schedule: Schedule, tz: ZoneInfo, after: datetime) -> datetime:
    """The first check-in strictly after AFTER, as an aware UTC instant.

    Daylight-saving safe: the wall-clock time is placed on each local date in turn, so a
    19:00 check-in stays at 19:00 local on both sides of a change; a time skipped by a jump
    forward moves past the gap, an ambiguous one takes its first occurrence.
    """
    start = after.astimezone(tz).date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if not schedule.on(day.weekday()):
            continue
        due = wall_clock(day, schedule.minute, tz)
        if due > after:
            return due
    raise AssertionError("a schedule with at least one day always has a next check-in")


def last_due(schedule: Schedule, tz: ZoneInfo, at: datetime) -> datetime:
    """The latest check-in time at or before AT."""
    start = at.astimezone(tz).date() + timedelta(days=1)
    for offset in range(9):
        day = start - timedelta(days=offset)
        if not schedule.on(day.weekday()):
            continue
        due = wall_clock(day, schedule.minute, tz)
        if due <= at:
            return due
    raise AssertionError("a schedule with at least one day always has a last check-in")


def decide(
    schedule: Schedule, tz: ZoneInfo, due: datetime, now: datetime, grace: timedelta
) -> Dispatch:
    """What to do with a schedule whose stored next check-in, DUE, is at or before NOW.

    Of the check-ins missed since DUE, only the latest can be sent, and only when it is at
    most GRACE late (a short outage, or a normal tick); older ones are skipped. Either way
    the next time is the first one after NOW, so however long the bot was down a person gets
    at most one check-in, never a burst.
    """
    latest = max(due, last_due(schedule, tz, now)) if due <= now else due
    return Dispatch(
        send=due <= now and now - latest <= grace,
        due_at=latest,
        next_due=next_due(schedule, tz, now),
    )


def next_weekly(minute: int, tz: ZoneInfo, after: datetime) -> datetime:
    """The same local time a week after AFTER's local date (for weekly summaries)."""
    return wall_clock(after.astimezone(tz).date() + timedelta(days=7), minute, tz)


def pack_choices(choices: Iterable[str]) -> str:
    """Choices as stored: comma-separated, in a stable order."""
    return ",".join(sorted(set(choices)))


def parse_choices(stored: str | None, allowed: Sequence[str]) -> tuple[str, ...]:
    """Stored choices back, in ALLOWED's order, dropping anything unknown."""
    have = set((stored or "").split(","))
    return tuple(c for c in allowed if c in have)


def toggle(stored: str | None, choice: str, allowed: Sequence[str]) -> str:
    """STORED choices with CHOICE switched on or off; ValueError if CHOICE isn't allowed."""
    if choice not in allowed:
        raise ValueError("not a choice")
    have = set(parse_choices(stored, allowed))
    have ^= {choice}
    return pack_choices(have)


def set_choice(stored: str | None, choice: str, on: bool, allowed: Sequence[str]) -> str:
    """STORED choices with CHOICE on (ON) or off, whatever it was: the same press twice
    leaves the same choices. ValueError if CHOICE isn't allowed."""
    if choice not in allowed:
        raise ValueError("not a choice")
    have = set(parse_choices(stored, allowed))
    if on:
        have.add(choice)
    else:
        have.discard(choice)
    return pack_choices(have)


def is_low(rating: int) -> bool:
    """Whether RATING is low enough to offer support."""
    return rating <= LOW_RATING


def is_closed(due_at: datetime, now: datetime) -> bool:
    """Whether a check-in due (or asked for) at DUE_AT can no longer be answered at NOW."""
    return now - due_at > CLOSES_AFTER


def shares_with(schedule: CheckinSchedule | None, match_id: int | None) -> bool:
    """Whether weekly ratings go to the peer worker of MATCH_ID: only the match the person
    chose to share with, never whoever their peer worker is now."""
    return (
        schedule is not None
        and match_id is not None
        and schedule.share_weekly
        and schedule.share_match == match_id
    )


def asks_to_share(schedule: CheckinSchedule | None, match_id: int | None) -> bool:
    """Whether to ask the person again about sharing, now that MATCH_ID is their match: they
    shared with an earlier peer worker (sharing stopped when that match ended)."""
    if schedule is None or match_id is None:
        return False
    earlier = schedule.share_weekly and schedule.share_match != match_id
    return schedule.share_ask or earlier


def trend(earlier: Sequence[int], later: Sequence[int]) -> str | None:
    """'up', 'down' or 'steady' between two periods' ratings; None without both."""
    if not earlier or not later:
        return None
    change = fmean(later) - fmean(earlier)
    if change > 0.5:
        return "up"
    if change < -0.5:
        return "down"
    return "steady"


@dataclass(frozen=True, slots=True)
class DayMood:
    """One local day with at least one answered check-in, for the chart."""

    day: date
    rating: float  # the day's average
    skilled: bool  # a skill used in any of the day's check-ins


def daily_moods(answers: Sequence[Answer], tz: ZoneInfo, since: datetime) -> list[DayMood]:
    """The days after SINCE (in TZ) on which the person answered, oldest first: only days
    with data, so a day without a check-in is left out, never drawn as a zero."""
    days: dict[date, list[Answer]] = {}
    for answer in sorted(answers, key=lambda a: a.at):
        if answer.at > since:
            days.setdefault(answer.at.astimezone(tz).date(), []).append(answer)
    return [
        DayMood(day, round(fmean(a.rating for a in same), 2), any(a.skills for a in same))
        for day, same in days.items()
    ]


def mood_summary(answers: Sequence[Answer], now: datetime, days: int) -> MoodSummary:
    """The numbers for the last DAYS days before NOW, compared with the DAYS before that."""
    since = now - timedelta(days=days)
    before = since - timedelta(days=days)
    recent = [a for a in answers if since < a.at <= now]
    earlier = [a.rating for a in answers if before < a.at <= since]
    ratings = [a.rating for a in recent]
    skill_counts: dict[str, int] = {}
    for a in recent:
        for skill in a.skills:
            skill_counts[skill] = skill_counts.get(skill, 0) + 1
    top = None
    if skill_counts:
        # Most used; ties go to the order skills are listed in.
        top = max(SKILLS, key=lambda s: (skill_counts.get(s, 0), -SKILLS.index(s)))
    return MoodSummary(
        days=days,
        count=len(ratings),
        average=round(fmean(ratings), 1) if ratings else None,
        lowest=min(ratings) if ratings else None,
        highest=max(ratings) if ratings else None,
        with_skills=sum(1 for a in recent if a.skills),
        top_skill=top,
        trend=trend(earlier, ratings),
    )


# -- records: what storage reads and writes ------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckinSchedule:
    """A person's check-in schedule."""

    user_id: int
    days: int
    minute: int
    paused: bool
    next_due: int | None
    share_weekly: bool
    share_due: int | None
    share_match: int | None = None  # the match they chose to share with
    share_ask: bool = False  # sharing stopped with a match that ended: ask again


@dataclass(frozen=True, slots=True)
class DueCheckin:
    """A schedule whose next check-in has fallen due, with what is needed to send it."""

    user_id: int
    days: int
    minute: int
    next_due: int
    timezone: str | None
    alias: str | None
    reachable: bool  # consented and has not blocked the bot


@dataclass(frozen=True, slots=True)
class DueShare:
    """A weekly summary that has fallen due."""

    user_id: int
    minute: int
    share_due: int
    timezone: str | None
    alias: str | None
    share_match: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """The dispatcher's decision for one due schedule, written in one transaction."""

    user_id: int
    due: int  # the next_due it read: the write only happens if it is still that
    next_due: int
    send: bool
    due_at: int = 0  # the check-in time it answers; 0 means `due`


@dataclass(frozen=True, slots=True)
class CheckinRow:
    """One check-in sent to a person, and what they answered."""

    id: int
    user_id: int
    due_at: int
    sent_at: int
    status: str
    rating: int | None
    feelings: str
    skills: str
    note: bytes | None
    answered_at: int | None
    kind: CheckinKind = SCHEDULED

    @property
    def answered(self) -> bool:
        """Whether they gave a rating."""
        return self.status == "answered"

    def closed(self, now: datetime) -> bool:
        """Whether it is too old to answer (see CLOSES_AFTER)."""
        return is_closed(datetime.fromtimestamp(self.due_at, UTC), now)
