"""Group meetings: who a group is for, when it meets, when reminders are due, and its .ics.

Pure functions over frozen dataclasses; the current time is always passed in (aware UTC).

Schedules are kept as local wall-clock times in the service's time zone and turned into UTC
for the date each meeting falls on, so a meeting at 18:00 stays at 18:00 across a
daylight-saving change. A meeting is named by its local date (`occurrence`, 'YYYY-MM-DD'):
that is what a cancellation and a sent reminder are recorded against.

Kinds of schedule:
- `weekly`: every week on the weekday of the first meeting's date.
- `fortnightly`: every second week, counted from the first meeting's date.
- `monthly`: the Nth weekday of each month, where N comes from the first meeting's date
  ("first Tuesday", "third Thursday"); a first date on the 29th-31st means "the last
  <weekday>", so a group never skips a month that has only four of them.
- `once`: one or more one-off dates.

Reminders: `day` is due at the meeting's local time on the day before (18:00 Monday for an
18:00 Tuesday meeting, whatever the clocks did overnight); `hour` is due one hour before the
start. A reminder is sent only inside its grace period after the due time (DAY_GRACE,
HOUR_GRACE): an hour of downtime loses no day-before reminder, and an hour-before reminder is
sent at most 45 minutes late (still before the start) and skipped after that, never sent late.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "ANSWERS",
    "AUDIENCES",
    "DAY_GRACE",
    "FORMATS",
    "HELD_LOOKBACK",
    "HOUR_GRACE",
    "KINDS",
    "REMINDER_KINDS",
    "Attendance",
    "DueReminder",
    "Group",
    "InputProblem",
    "MeetingCount",
    "Schedule",
    "TypedWords",
    "answer_open",
    "audience_for",
    "build_ics",
    "clean_description",
    "clean_facilitator",
    "clean_name",
    "clean_place",
    "date_runs",
    "due_reminders",
    "file_slug",
    "held_meetings",
    "is_eligible",
    "local_instant",
    "meets_on",
    "next_occurrence",
    "nth_weekday",
    "occurrence_start",
    "occurrences",
    "parse_capacity",
    "parse_dates",
    "parse_time_range",
    "reminder_due",
    "visible_audiences",
]

# Who a group is for. A carer whose relationship is parent/partner/sibling/child sees the
# groups for all carers and the groups for their own relationship (DESIGN rule 7).
AUDIENCES = (
    "consumers",
    "carers",
    "carers_parent",
    "carers_partner",
    "carers_sibling",
    "carers_child",
)
FORMATS = ("online", "in_person")
KINDS = ("weekly", "fortnightly", "monthly", "once")
REMINDER_KINDS = ("day", "hour")
DAY_GRACE = timedelta(hours=3)
HOUR_GRACE = timedelta(minutes=45)
DEFAULT_DURATION = 90
_MAX_DATES = 12
#: A member's answer for one meeting: 'yes' (I'll be there) or 'no' (can't make it).
ANSWERS = ("yes", "no")
#: How far back the groups job looks for meetings that started and were not counted yet
#: (downtime shorter than this loses no meeting from the attendance figures).
HELD_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a group meets, in local wall-clock time of the service's time zone."""

    kind: str  # weekly, fortnightly, monthly, once
    first: date  # the first meeting's date (once: the earliest date)
    minutes: int  # start, minutes past local midnight
    duration: int = DEFAULT_DURATION
    dates: tuple[date, ...] = ()  # once: every date; others: empty

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown schedule kind {self.kind!r}")
        if not (0 <= self.minutes < 1440 and 0 < self.duration <= 720):
            raise ValueError("a meeting needs a start time in the day and a sensible length")
        if self.kind == "once" and not self.dates:
            raise ValueError("a one-off schedule needs at least one date")

    @property
    def weekday(self) -> int:
        """The weekday of a recurring schedule (0 = Monday)."""
        return self.first.weekday()

    @property
    def nth(self) -> int:
        """For monthly schedules: 1..4, or -1 for 'the last' weekday of the month."""
        if self.first.day > 28:  # a fifth weekday is missing from most months
            return -1
        return (self.first.day - 1) // 7 + 1

    def local_dates(self, start: date) -> Iterator[date]:
        """Meeting dates on or after START, in order (endless for recurring kinds)."""
        if self.kind == "once":
            yield from (d for d in sorted(self.dates) if d >= start)
            return
        if self.kind in ("weekly", "fortnightly"):
            step = 7 if self.kind == "weekly" else 14
            if start <= self.first:
                current = self.first
            else:
                jumps = -(-(start - self.first).days // step)
                current = self.first + timedelta(days=jumps * step)
            while True:
                yield current
                current += timedelta(days=step)
        year, month = self.first.year, self.first.month
        if (start.year, start.month) > (year, month):
            year, month = start.year, start.month
        while True:
            day = nth_weekday(year, month, self.weekday, self.nth)
            if day >= max(start, self.first):
                yield day
            month += 1
            if month > 12:
                year, month = year + 1, 1


@dataclass(frozen=True, slots=True)
class Group:
    """A group meeting as the domain sees it."""

    group_id: int
    name: str
    description: str
    audience: str
    format: str  # online, in_person
    place: str  # the link (online) or the address (in person)
    schedule: Schedule
    facilitator: str
    capacity: int | None = None
    active: bool = True
    cancelled: frozenset[str] = field(default_factory=frozenset)  # occurrence dates
    members_visible: bool = False  # members (and the coordinator) may see who is coming


@dataclass(frozen=True, slots=True)
class MeetingCount:
    """One meeting that went ahead, as counts: members when it started, how many had said
    they would be there, how many had said they couldn't, and how many gave no answer.

    Nobody checks people in at a meeting, so who actually came, and so no-shows, can't be
    told: SAID_YES is the nearest count there is.
    """

    group_id: int
    occurrence: str  # the meeting's local date, YYYY-MM-DD
    starts_at: datetime
    members: int
    said_yes: int
    said_no: int

    @property
    def no_answer(self) -> int:
        """Members who gave no answer."""
        return max(self.members - self.said_yes - self.said_no, 0)


@dataclass(frozen=True, slots=True)
class Attendance:
    """Group meetings that went ahead in a period, for the service's evaluation."""

    meetings: tuple[MeetingCount, ...]

    @property
    def meetings_held(self) -> int:
        """How many meetings went ahead (started, and were not cancelled)."""
        return len(self.meetings)

    @property
    def said_yes(self) -> int:
        """Yes answers across every meeting."""
        return sum(m.said_yes for m in self.meetings)

    def by_group(self) -> dict[int, tuple[MeetingCount, ...]]:
        """The meetings of each group, oldest first."""
        out: dict[int, list[MeetingCount]] = {}
        for meeting in sorted(self.meetings, key=lambda m: m.starts_at):
            out.setdefault(meeting.group_id, []).append(meeting)
        return {gid: tuple(found) for gid, found in out.items()}


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder that should go out now: for meeting OCCURRENCE, of KIND."""

    group_id: int
    occurrence: str
    kind: str
    start: datetime


def local_instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of MINUTES past midnight on local DAY in TZ.

    A time the clocks skip (spring forward) lands the same distance past the jump, as a
    phone's calendar does (01:30 in a 01:00-02:00 gap is 02:30); a time that happens twice
    (fall back) is its first occurrence. PEP 495's fold=0 gives exactly that.
    """
    day += timedelta(days=minutes // 1440)
    minutes %= 1440
    naive = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The NTH WEEKDAY of a month (nth = 1..4, or -1 for the last one)."""
    if nth == -1:
        last = calendar.monthrange(year, month)[1]
        day = date(year, month, last)
        return day - timedelta(days=(day.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def occurrence_start(schedule: Schedule, day: date, tz: ZoneInfo) -> datetime:
    """The UTC start of the meeting on local DAY."""
    return local_instant(day, schedule.minutes, tz)


def occurrences(
    schedule: Schedule,
    tz: ZoneInfo,
    after: datetime,
    *,
    limit: int = 10,
    cancelled: Iterable[str] = (),
) -> list[tuple[str, datetime]]:
    """Up to LIMIT meetings starting at or after AFTER, as (occurrence, UTC start).

    Cancelled meetings are left out.
    """
    skip = set(cancelled)
    local_day = after.astimezone(tz).date() - timedelta(days=1)
    out: list[tuple[str, datetime]] = []
    for day in schedule.local_dates(local_day):
        if len(out) >= limit or day > local_day + timedelta(days=800):
            break
        start = occurrence_start(schedule, day, tz)
        if start < after or day.isoformat() in skip:
            continue
        out.append((day.isoformat(), start))
    return out


def next_occurrence(
    schedule: Schedule, tz: ZoneInfo, now: datetime, cancelled: Iterable[str] = ()
) -> tuple[str, datetime] | None:
    """The next meeting that has not started yet and is not cancelled, or None."""
    found = occurrences(schedule, tz, now, limit=1, cancelled=cancelled)
    return found[0] if found else None


def reminder_due(schedule: Schedule, occurrence: str, kind: str, tz: ZoneInfo) -> datetime:
    """When reminder KIND for OCCURRENCE is due (UTC)."""
    day = date.fromisoformat(occurrence)
    if kind == "day":
        return local_instant(day - timedelta(days=1), schedule.minutes, tz)
    if kind == "hour":
        return occurrence_start(schedule, day, tz) - timedelta(hours=1)
    raise ValueError(f"unknown reminder kind {kind!r}")


def due_reminders(group: Group, tz: ZoneInfo, now: datetime) -> list[DueReminder]:
    """Reminders of GROUP due at NOW: due time passed, still inside its grace period, and
    the meeting has not started. Cancelled meetings and retired groups have none."""
    if not group.active:
        return []
    out: list[DueReminder] = []
    # Anything due now belongs to a meeting starting within the next ~day and a bit.
    for occurrence, start in occurrences(
        group.schedule, tz, now, limit=4, cancelled=group.cancelled
    ):
        if start - now > timedelta(days=2):
            break
        for kind, grace in (("day", DAY_GRACE), ("hour", HOUR_GRACE)):
            due = reminder_due(group.schedule, occurrence, kind, tz)
            if due <= now < min(due + grace, start):
                out.append(DueReminder(group.group_id, occurrence, kind, start))
    return out


def answer_open(start: datetime, now: datetime) -> bool:
    """Whether a member may still give or change their answer for a meeting starting at
    START: until it starts."""
    return now < start


def held_meetings(
    group: Group, tz: ZoneInfo, now: datetime, lookback: timedelta = HELD_LOOKBACK
) -> list[tuple[str, datetime]]:
    """GROUP's meetings that started in the LOOKBACK before NOW and were not cancelled, as
    (occurrence, UTC start), oldest first. A retired group holds none any more."""
    if not group.active:
        return []
    return [
        (o, s)
        for o, s in occurrences(
            group.schedule, tz, now - lookback, limit=40, cancelled=group.cancelled
        )
        if s <= now
    ]


def date_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """DAYS as runs of consecutive dates, (first, last) each, in order: Mon 9 to Fri 13 March
    is one run; a date on its own is a run of one."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def visible_audiences(role: str | None, relationship: str | None) -> tuple[str, ...]:
    """The audiences whose groups a person with ROLE (and RELATIONSHIP) sees."""
    if role == "consumer":
        return ("consumers",)
    if role == "carer":
        own = f"carers_{relationship}"
        return ("carers", own) if own in AUDIENCES else ("carers",)
    if role == "coordinator":
        return AUDIENCES
    return ()


def is_eligible(group: Group, role: str | None, relationship: str | None) -> bool:
    """Whether someone may see and join GROUP."""
    return group.active and group.audience in visible_audiences(role, relationship)


def audience_for(role: str, relationship: str | None = None) -> str:
    """The narrowest audience a person belongs to (for tests and reports)."""
    aud = visible_audiences(role, relationship)
    return aud[-1] if aud else ""


# -- parsing what a coordinator types ------------------------------------------------------


class InputProblem(ValueError):
    """What a coordinator typed can't be used. KEY names the reason (copy `groups.reason_KEY`),
    PARAMS fill it in; the message is for logs and tests only, never shown to a person."""

    def __init__(self, key: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class TypedWords:
    """The words a coordinator may type in dates and times, from the copy (never spelled
    here): month names with their numbers, ordinal endings ('th'), am and pm, and the word
    between two times ('to')."""

    months: tuple[tuple[str, int], ...]
    ordinals: tuple[str, ...] = ()
    am: tuple[str, ...] = ()
    pm: tuple[str, ...] = ()
    until: tuple[str, ...] = ()


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LETTERS = r"[^\W\d_]+"


def _either(words: Iterable[str]) -> str:
    alternatives = sorted({w.lower() for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in alternatives) or "(?!)"


@functools.lru_cache(maxsize=8)
def _wordy(words: TypedWords) -> re.Pattern[str]:
    return re.compile(
        rf"^(?:{_LETTERS},?\s+)?(\d{{1,2}})(?:{_either(words.ordinals)})?\s+"
        rf"({_LETTERS})\.?(?:\s+(\d{{4}}))?$"
    )


@functools.lru_cache(maxsize=8)
def _clock(words: TypedWords) -> re.Pattern[str]:
    return re.compile(rf"^(\d{{1,2}})(?:[:.](\d{{2}}))?\s*({_either((*words.am, *words.pm))})?$")


@functools.lru_cache(maxsize=8)
def _range(words: TypedWords) -> re.Pattern[str]:
    return re.compile(rf"\s*(?:-|–|\b(?:{_either(words.until)})\b)\s*")


def _one_date(chunk: str, today: date, words: TypedWords) -> date:
    if m := _ISO.match(chunk):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise InputProblem("not_real_date", "not a real date", text=chunk) from None
    months = {name.lower(): number for name, number in words.months}
    if (m := _wordy(words).match(chunk)) and m[2] in months:
        year = int(m[3]) if m[3] else today.year
        try:
            day = date(year, months[m[2]], int(m[1]))
            if not m[3] and day < today:
                day = date(year + 1, months[m[2]], int(m[1]))
        except ValueError:
            raise InputProblem("not_real_date", "not a real date", text=chunk) from None
        return day
    raise InputProblem("date_shape", "should look like a date", text=chunk)


def parse_dates(text: str, today: date, words: TypedWords) -> tuple[date, ...]:
    """Dates like '2026-03-10' or '10 March' (the next one from TODAY if no year), comma or
    line separated, month names from WORDS. Raises InputProblem with a reason a person can
    act on."""
    out: list[date] = []
    for chunk in re.split(r"[,\n;]+", text.strip().lower()):
        chunk = " ".join(chunk.split())
        if not chunk:
            continue
        day = _one_date(chunk, today, words)
        if day < today:
            raise InputProblem("date_passed", "has already passed", day=day)
        out.append(day)
    if not out:
        raise InputProblem("no_date", "no date was given")
    if len(set(out)) > _MAX_DATES:
        raise InputProblem("too_many_dates", "too many dates", most=_MAX_DATES)
    return tuple(sorted(set(out)))


def _clock_minutes(text: str, words: TypedWords) -> int:
    shown = text.strip()
    m = _clock(words).match(shown.lower())
    if not m:
        raise InputProblem("time_shape", "should look like a time", text=shown)
    hours, mins = int(m[1]), int(m[2] or 0)
    if m[3]:
        if not 1 <= hours <= 12:
            raise InputProblem("not_a_time", "not a time of day", text=shown)
        pm = m[3] in {w.lower() for w in words.pm}
        hours = hours % 12 + (12 if pm else 0)
    if hours > 23 or mins > 59:
        raise InputProblem("not_a_time", "not a time of day", text=shown)
    return hours * 60 + mins


def parse_time_range(text: str, words: TypedWords) -> tuple[int, int]:
    """'18:00' or '18:00-19:30' as (start minutes, duration minutes; 90 if not given)."""
    parts = _range(words).split(text.strip().lower(), maxsplit=1)
    start = _clock_minutes(parts[0], words)
    if len(parts) == 1 or not parts[1]:
        return start, DEFAULT_DURATION
    end = _clock_minutes(parts[1], words)
    if end <= start:
        raise InputProblem("end_before_start", "the end time should be after the start")
    return start, end - start


def parse_capacity(text: str) -> int:
    """A number of places between 1 and 500."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= 500:
        raise InputProblem("capacity", "give a number of places between 1 and 500")
    return int(value)


_LINK = re.compile(r"^https://[^\s<>\"]+$")


def clean_name(text: str) -> str:
    """A group's name: 2 to 60 characters, spaces tidied."""
    name = " ".join(text.split())
    if not 2 <= len(name) <= 60:
        raise InputProblem("name", "the name should be 2 to 60 characters")
    return name


def clean_description(text: str) -> str:
    """A group's description: 2 to 400 characters, its lines kept."""
    description = text.strip()
    if not 2 <= len(description) <= 400:
        raise InputProblem("description", "the description should be 2 to 400 characters")
    return description


def clean_place(fmt: str, text: str) -> str:
    """An online group's https:// link, or an in-person group's address."""
    value = " ".join(text.split())
    if fmt == "online" and not _LINK.match(value):
        raise InputProblem("link", "the link should start with https:// and have no spaces")
    if not 3 <= len(value) <= 200:
        raise InputProblem("address", "the address should be 3 to 200 characters")
    return value


def clean_facilitator(text: str) -> str:
    """The facilitator's name as people will see it: 1 to 40 characters."""
    name = " ".join(text.split())
    if not 1 <= len(name) <= 40:
        raise InputProblem("facilitator", "the name should be 1 to 40 characters")
    return name


def meets_on(
    group: Group, weekday: int, tz: ZoneInfo, now: datetime, zone: ZoneInfo | None = None
) -> bool:
    """Whether GROUP meets on WEEKDAY (0 = Monday) as someone in ZONE (default: the service's
    TZ) sees it: the weekday its next meetings fall on there."""
    if zone is None or zone.key == tz.key:
        if group.schedule.kind != "once":
            return group.schedule.weekday == weekday
        return any(
            date.fromisoformat(o).weekday() == weekday
            for o, _ in occurrences(group.schedule, tz, now, limit=12)
        )
    limit = 12 if group.schedule.kind == "once" else 4
    return any(
        start.astimezone(zone).weekday() == weekday
        for _, start in occurrences(group.schedule, tz, now, limit=limit)
    )


def file_slug(name: str) -> str:
    """A group's name as a calendar file name ('' when nothing of it is usable)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


# -- the calendar file -----------------------------------------------------------------------

_ICS_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _ics_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into lines of at most 75 octets (RFC 5545, 3.1)."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    out.append(current)
    return out


def _local_stamp(day: date, minutes: int) -> str:
    return f"{day:%Y%m%d}T{minutes // 60:02d}{minutes % 60:02d}00"


def _offset(delta: timedelta | None) -> str:
    total = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    return f"{sign}{abs(total) // 60:02d}{abs(total) % 60:02d}"


def _transitions(tz: ZoneInfo, year: int) -> list[datetime]:
    """UTC instants in YEAR when TZ's offset changes (found by day, then by minute)."""
    found: list[datetime] = []
    start = datetime(year, 1, 1, tzinfo=UTC)
    prev = start.astimezone(tz).utcoffset()
    for i in range(1, 367):
        probe = start + timedelta(days=i)
        off = probe.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = probe - timedelta(days=1), probe
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(second=0, microsecond=0))
            prev = off
    return found


def _vtimezone(tz: ZoneInfo, year: int) -> list[str]:
    """A VTIMEZONE for TZ built from zoneinfo, with yearly rules for its DST changes."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz.key}"]
    changes = _transitions(tz, year)
    if not changes:
        off = _offset(datetime(year, 1, 1, tzinfo=UTC).astimezone(tz).utcoffset())
        name = datetime(year, 1, 1, tzinfo=UTC).astimezone(tz).tzname() or tz.key
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{off}",
            f"TZOFFSETTO:{off}",
            f"TZNAME:{name}",
            "END:STANDARD",
        ]
    for when in changes:
        before = (when - timedelta(minutes=1)).astimezone(tz)
        after = when.astimezone(tz)
        local = (when + (before.utcoffset() or timedelta())).replace(tzinfo=None)
        last = local.day + 7 > calendar.monthrange(local.year, local.month)[1]
        nth = -1 if last else (local.day - 1) // 7 + 1
        part = "DAYLIGHT" if after.dst() else "STANDARD"
        lines += [
            f"BEGIN:{part}",
            f"DTSTART:{local:%Y%m%dT%H%M%S}",
            f"RRULE:FREQ=YEARLY;BYMONTH={local.month};BYDAY={nth}{_ICS_DAYS[local.weekday()]}",
            f"TZOFFSETFROM:{_offset(before.utcoffset())}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{after.tzname() or tz.key}",
            f"END:{part}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _rrule(schedule: Schedule) -> str | None:
    day = _ICS_DAYS[schedule.weekday]
    if schedule.kind == "weekly":
        return f"RRULE:FREQ=WEEKLY;BYDAY={day}"
    if schedule.kind == "fortnightly":
        return f"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    if schedule.kind == "monthly":
        return f"RRULE:FREQ=MONTHLY;BYDAY={schedule.nth}{day}"
    return None


def build_ics(
    group: Group, tz: ZoneInfo, now: datetime, *, uid_domain: str, description: str = ""
) -> str:
    """The .ics text for GROUP: one recurring VEVENT (RRULE, or RDATE for one-off dates),
    local times with a TZID and a matching VTIMEZONE, cancelled meetings as EXDATE.

    Valid RFC 5545 with CRLF line ends and folded lines; phones' calendars import it.
    """
    s = group.schedule
    first = s.first if s.kind != "once" else min(s.dates)
    end_minutes = s.minutes + s.duration
    end_day = first + timedelta(days=end_minutes // 1440)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    location = group.place
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Peer Support Bot//Groups//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *_vtimezone(tz, first.year - 1),  # rules in force before the first meeting
        "BEGIN:VEVENT",
        f"UID:group-{group.group_id}@{uid_domain}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={tz.key}:{_local_stamp(first, s.minutes)}",
        f"DTEND;TZID={tz.key}:{_local_stamp(end_day, end_minutes % 1440)}",
    ]
    rule = _rrule(s)
    if rule is not None:
        lines.append(rule)
    else:
        others = [d for d in sorted(s.dates) if d != first]
        if others:
            lines.append(
                f"RDATE;TZID={tz.key}:" + ",".join(_local_stamp(d, s.minutes) for d in others)
            )
    if group.cancelled:
        lines.append(
            f"EXDATE;TZID={tz.key}:"
            + ",".join(
                _local_stamp(date.fromisoformat(d), s.minutes) for d in sorted(group.cancelled)
            )
        )
    lines += [
        f"SUMMARY:{_ics_escape(group.name)}",
        f"DESCRIPTION:{_ics_escape(description or group.description)}",
    ]
    if location:
        lines.append(f"LOCATION:{_ics_escape(location)}")
        if group.format == "online" and location.startswith("https://"):
            lines.append(f"URL:{location}")
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
