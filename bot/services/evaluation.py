"""What a service can publish about itself (DESIGN rule 9): counts for a period, never content,
never a person.

`evaluate` gathers the counts for a `Period` (last 4 weeks, last quarter, last year, or dates a
coordinator typed); `publish` turns them into the lines /report and `python -m bot report`
show, every count through `suppress`: 1 to 4 is "<5", and a count that would give a hidden one
back by subtraction is hidden too ("*"). A median of fewer than 5 values is not published.
`chart_series` gives the month-by-month trends for the chart, suppressed the same way."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal, Protocol

from bot.domain.groups import Attendance

__all__ = [
    "CHART_SERIES",
    "CRISIS_CARD",
    "HIDDEN",
    "PERIODS",
    "SMALL",
    "SMALL_SHOWN",
    "Evaluation",
    "EvaluationStore",
    "Facts",
    "Line",
    "Period",
    "PeriodName",
    "Section",
    "Series",
    "chart_series",
    "evaluate",
    "named_period",
    "parse_date",
    "parse_period",
    "publish",
    "shown",
    "suppress",
]

#: A count from 1 to SMALL - 1 is never published as itself (it could point to a person).
SMALL = 5
#: How such a count is shown.
SMALL_SHOWN = "<5"
#: How a count hidden only so a small one can't be worked back out by subtraction is shown.
HIDDEN = "*"

CRISIS_CARD = "crisis_card"
REMINDERS = "group_reminders_sent"  # counted when Telegram took the reminder
PeriodName = Literal["4w", "quarter", "year"]
PERIODS: tuple[PeriodName, ...] = ("4w", "quarter", "year")
#: The month-by-month trends on the chart, in order.
CHART_SERIES = ("new_people", "matches_made", "checkins_answered", "crisis_cards")


class Facts(Protocol):
    """What the store knows about a period (bot/storage/reports.py ServiceReport)."""

    @property
    def joined(self) -> tuple[tuple[datetime, str | None, str | None], ...]: ...
    @property
    def requests(self) -> int: ...
    @property
    def matched(self) -> tuple[tuple[datetime, float], ...]: ...
    @property
    def handovers(self) -> int: ...
    @property
    def endings(self) -> dict[str, int]: ...
    @property
    def waiting_since(self) -> tuple[datetime, ...]: ...
    @property
    def group_members(self) -> int: ...
    @property
    def checkins(self) -> tuple[tuple[datetime, bool], ...]: ...
    @property
    def broadcasts(self) -> int: ...
    @property
    def broadcast_messages(self) -> int: ...
    @property
    def broadcast_delivered(self) -> int: ...
    @property
    def supervision(self) -> tuple[tuple[datetime, float | None], ...]: ...


class EvaluationStore(Protocol):
    """The reads the evaluation makes."""

    async def counters(self, name: str | None = None) -> list[tuple[str, str, str, int]]:
        """Daily counts as (day, name, region, value)."""
        ...

    async def service_report(self, since: datetime, until: datetime) -> Facts:
        """Facts for [SINCE, UNTIL), and the waitlist and groups now."""
        ...

    async def meeting_attendance(self, since: datetime, until: datetime) -> Attendance:
        """Group meetings that went ahead in [SINCE, UNTIL), as counts."""
        ...


# -- periods -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """From the start of local day FIRST to the end of local day LAST (both included)."""

    first: date
    last: date

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[since, until) as aware datetimes: local midnights."""
        return (
            datetime.combine(self.first, time(), zone),
            datetime.combine(self.last + timedelta(days=1), time(), zone),
        )

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches, in order."""
        out, month = [], self.first.replace(day=1)
        while month <= self.last:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return out


def named_period(name: PeriodName, today: date) -> Period:
    """The last 4 weeks (up to and including TODAY), the last whole calendar quarter, or the
    last whole calendar year."""
    if name == "4w":
        return Period(today - timedelta(days=27), today)
    if name == "quarter":
        start_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = start_this - timedelta(days=1)
        return Period(date(last.year, last.month - 2, 1), last)
    return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_SEPARATORS = re.compile(r"\s+(?:to|until|till|and)\s+|\s*(?:–|—|-{1,2})\s+|\s+(?:–|—|-{1,2})\s*")


def _month(word: str) -> int | None:
    """1-12 for a month's name or its first three letters or more ("Sept" too)."""
    word = word.lower().rstrip(".")
    for number, name in enumerate(_MONTHS, start=1):
        if len(word) >= 3 and (name.startswith(word) or (word == "sept" and number == 9)):
            return number
    return None


def parse_date(text: str, today: date) -> date | None:
    """A date as people type it: "1 Jan 2026", "January 1, 2026", "1/1/2026" (day first),
    "2026-01-01"; without a year, the most recent such date up to TODAY. None if it can't be
    read as one date."""
    words = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().lower()).replace(",", " ")
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", words):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?", words):
            return _dated(int(m[1]), int(m[2]), m[3], today)
        parts = words.split()
        if len(parts) in (2, 3):
            if parts[0].isdigit() and (month := _month(parts[1])):
                return _dated(int(parts[0]), month, parts[2] if len(parts) == 3 else None, today)
            if parts[1].isdigit() and (month := _month(parts[0])):
                return _dated(int(parts[1]), month, parts[2] if len(parts) == 3 else None, today)
    except ValueError:  # 31 Feb, month 13
        return None
    return None


def _dated(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is None:
        found = date(today.year, month, day)
        return found if found <= today else date(today.year - 1, month, day)
    if not year.isdigit():
        return None
    return date(int(year) + (2000 if len(year) == 2 else 0), month, day)


def parse_period(text: str, today: date) -> Period | None:
    """Two dates as typed ("from 1 Jan 2026 to 31 Mar 2026", "1/1/2026 - 31/3/2026"), in
    either order, or one ("since 1 Jan 2026": up to TODAY). None if they can't be read, or the
    period would start after TODAY."""
    words = re.sub(r"^\s*(?:from|since|between)\s+", "", text.strip(), flags=re.IGNORECASE)
    splits = [[p for p in _SEPARATORS.split(words, maxsplit=1) if p.strip()]]
    splits += [[words[:i], words[i + 1 :]] for i, c in enumerate(words) if c == "-"]
    for parts in splits:  # "1 Jan 2026-31 Jan 2026": try each hyphen that isn't in a date
        dates = [d for d in (parse_date(p, today) for p in parts) if d is not None]
        if dates and len(dates) == len(parts):
            first, last = sorted(dates) if len(dates) == 2 else (dates[0], today)
            return Period(first, min(last, today)) if first <= today else None
    return None


# -- counting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """The counts for one period (raw: `publish` suppresses them)."""

    period: Period
    people_by_role: dict[str, int]  # "" : not finished joining
    people_by_source: dict[str, int]  # "" : not through a referral link
    requests: int
    matches_made: int
    days_to_match: tuple[float, ...]
    handovers: int
    ended_by: dict[str, int]
    waitlist_days: tuple[float, ...]
    group_members: int
    attendance: Attendance
    reminders_delivered: int
    broadcasts: int
    broadcast_messages: int
    broadcast_delivered: int
    checkins_sent: int
    checkins_answered: int
    cards_by_region: dict[str, int]
    supervision_requests: int
    pickup_hours: tuple[float, ...]
    months: tuple[date, ...]
    monthly: dict[str, tuple[int, ...]] = field(default_factory=dict)


def _tally(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in keys:
        out[key] = out.get(key, 0) + 1
    return out


async def evaluate(
    store: EvaluationStore, period: Period, now: datetime, zone: tzinfo
) -> Evaluation:
    """Count what happened in PERIOD (local days in ZONE, the service's time zone); the
    waitlist and group members as they are at NOW."""
    since, until = period.bounds(zone)
    facts = await store.service_report(since, until)
    first, last = period.first.isoformat(), period.last.isoformat()
    months = tuple(period.months())
    month_of = {m: i for i, m in enumerate(months)}

    def by_month(whens: Iterable[date]) -> tuple[int, ...]:
        counts = [0] * len(months)
        for day in whens:
            i = month_of.get(day.replace(day=1))
            if i is not None:
                counts[i] += 1
        return tuple(counts)

    cards: dict[str, int] = {}
    card_months = [0] * len(months)
    reminders = 0
    for day, name, region, value in await store.counters():
        if not first <= day <= last:
            continue
        if name == CRISIS_CARD:
            cards[region] = cards.get(region, 0) + value
            card_months[month_of[date.fromisoformat(day).replace(day=1)]] += value
        elif name == REMINDERS:
            reminders += value

    def local(when: datetime) -> date:
        return when.astimezone(zone).date()

    answered = [local(when) for when, yes in facts.checkins if yes]
    return Evaluation(
        period=period,
        people_by_role=_tally(role or "" for _, role, _ in facts.joined),
        people_by_source=_tally(source or "" for _, _, source in facts.joined),
        requests=facts.requests,
        matches_made=len(facts.matched),
        days_to_match=tuple(days for _, days in facts.matched),
        handovers=facts.handovers,
        ended_by=dict(facts.endings),
        waitlist_days=tuple(
            max(0.0, (now - when).total_seconds() / 86400) for when in facts.waiting_since
        ),
        group_members=facts.group_members,
        attendance=await store.meeting_attendance(since, until),
        reminders_delivered=reminders,
        broadcasts=facts.broadcasts,
        broadcast_messages=facts.broadcast_messages,
        broadcast_delivered=facts.broadcast_delivered,
        checkins_sent=len(facts.checkins),
        checkins_answered=len(answered),
        cards_by_region=cards,
        supervision_requests=len(facts.supervision),
        pickup_hours=tuple(h for _, h in facts.supervision if h is not None),
        months=months,
        monthly={
            "new_people": by_month(local(when) for when, _, _ in facts.joined),
            "matches_made": by_month(local(when) for when, _ in facts.matched),
            "checkins_answered": by_month(answered),
            "crisis_cards": tuple(card_months),
        },
    )


# -- publishing ------------------------------------------------------------------------------


def shown(count: int) -> str:
    """COUNT as a report may publish it: 0 and SMALL or more as themselves, 1-4 as "<5"."""
    return SMALL_SHOWN if 0 < count < SMALL else str(count)


def suppress(total: int | None, parts: Mapping[str, int]) -> tuple[str | None, dict[str, str]]:
    """TOTAL (None: not published) and its PARTS as a report may publish them. Each count
    from 1 to 4 is "<5"; and where a shown total minus the shown parts would give a hidden
    one back, the smallest other part is hidden too ("*"), or, with no other part left, the
    total is."""
    hidden = {name for name, n in parts.items() if 0 < n < SMALL}
    total_hidden = total is None or 0 < total < SMALL
    while not total_hidden and len(hidden) == 1:
        others = sorted((n, name) for name, n in parts.items() if name not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
        else:
            total_hidden = True
    out = {
        name: (shown(n) if 0 < n < SMALL else HIDDEN) if name in hidden else str(n)
        for name, n in parts.items()
    }
    if total is None:
        return None, out
    return (shown(total) if 0 < total < SMALL else HIDDEN) if total_hidden and total else str(
        total
    ), out


@dataclass(frozen=True, slots=True)
class Line:
    """One published count or figure. KEY says what it is (the copy names it); NAME is the
    part it counts (a role, who ended a match, a referral source's or a region's own name);
    VALUE is as published ("" for a figure from fewer than 5 values: not published)."""

    key: str
    value: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A heading's key and its lines."""

    key: str
    lines: tuple[Line, ...]


def _figure(values: Sequence[float], which: Literal["median", "p90"]) -> str:
    if len(values) < SMALL:
        return ""
    if which == "median":
        found = statistics.median(values)
    else:
        found = statistics.quantiles(values, n=10, method="inclusive")[8]
    return f"{found:.1f}"


def _split(
    key: str, total: int, parts: Mapping[str, int], *, order: Sequence[str] = ()
) -> list[Line]:
    """A total and its parts, suppressed together; parts in ORDER, then by name."""
    published, each = suppress(total, parts)
    names = [n for n in order if n in parts] + sorted(n for n in parts if n not in order)
    return [Line(key, published or ""), *(Line(key, each[n], n) for n in names)]


def _of(key: str, total: int, part: str, count: int, rest: str) -> list[Line]:
    """A total, and one part of it shown (the rest is suppressed with it but not shown)."""
    published, each = suppress(total, {part: count, rest: total - count})
    return [Line(key, published or ""), Line(key, each[part], part)]


ROLE_ORDER = ("consumer", "carer", "consumer_peer", "carer_peer", "coordinator", "clinician", "")
ENDED_ORDER = ("person", "peer", "coordinator", "handover", "system")


def publish(ev: Evaluation) -> tuple[Section, ...]:
    """Every count of EV as it may be published, in sections."""
    people_total = sum(ev.people_by_role.values())
    sources = dict(ev.people_by_source)
    att = ev.attendance
    places = sum(m.members for m in att.meetings)
    said_no = sum(m.said_no for m in att.meetings)
    ended = sum(ev.ended_by.values())
    return (
        Section(
            "people",
            (
                *_split("new_people", people_total, ev.people_by_role, order=ROLE_ORDER),
                Line("by_source", ""),  # a heading: the same total, by source
                *_split("by_source", people_total, sources, order=("",))[1:],
            ),
        ),
        Section(
            "matching",
            (
                Line("requests", shown(ev.requests)),
                Line("matches_made", shown(ev.matches_made)),
                Line("days_median", _figure(ev.days_to_match, "median")),
                Line("days_p90", _figure(ev.days_to_match, "p90")),
                Line("handovers", shown(ev.handovers)),
                *_split("ended", ended, ev.ended_by, order=ENDED_ORDER),
            ),
        ),
        Section(
            "waitlist",
            (
                Line("waiting", shown(len(ev.waitlist_days))),
                Line("wait_median", _figure(ev.waitlist_days, "median")),
            ),
        ),
        Section(
            "groups",
            (
                Line("group_members", shown(ev.group_members)),
                Line("meetings_held", shown(att.meetings_held)),
                *_split(
                    "places",
                    places,
                    {"yes": att.said_yes, "no": said_no, "none": places - att.said_yes - said_no},
                    order=("yes", "no", "none"),
                ),
            ),
        ),
        Section(
            "messages",
            (
                Line("reminders", shown(ev.reminders_delivered)),
                Line("broadcasts", shown(ev.broadcasts)),
                *_of(
                    "broadcast_messages",
                    ev.broadcast_messages,
                    "delivered",
                    ev.broadcast_delivered,
                    "undelivered",
                ),
            ),
        ),
        Section(
            "checkins",
            tuple(
                _of(
                    "checkins_sent",
                    ev.checkins_sent,
                    "answered",
                    ev.checkins_answered,
                    "unanswered",
                )
            ),
        ),
        Section(
            "crisis",
            tuple(_split("crisis_cards", sum(ev.cards_by_region.values()), ev.cards_by_region)),
        ),
        Section(
            "supervision",
            (
                *_of(
                    "supervision",
                    ev.supervision_requests,
                    "picked_up",
                    len(ev.pickup_hours),
                    "open",
                ),
                Line("pickup_median", _figure(ev.pickup_hours, "median")),
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class Series:
    """One trend on the chart: its key, and each month's count as published."""

    key: str
    values: tuple[int, ...]
    labels: tuple[str, ...]


def _total_of(sections: Sequence[Section], key: str) -> str:
    return next(
        line.value for s in sections for line in s.lines if line.key == key and line.name is None
    )


def chart_series(ev: Evaluation) -> tuple[Series, ...]:
    """The chart's trends month by month, suppressed as the report's lines are: each month's
    count with the period's total as the report shows it, so no month can be worked back out
    from the total and the others (and where that total is itself not shown, nor can it be
    added up from the months)."""
    sections = publish(ev)
    totals = {
        "new_people": _total_of(sections, "new_people"),
        "matches_made": _total_of(sections, "matches_made"),
        "checkins_answered": next(
            line.value for s in sections for line in s.lines if line.name == "answered"
        ),
        "crisis_cards": _total_of(sections, "crisis_cards"),
    }
    out = []
    for key in CHART_SERIES:
        values = ev.monthly[key]
        parts = {str(i): n for i, n in enumerate(values)}
        if totals[key].isdigit():
            _, each = suppress(sum(values), parts)
        else:
            _, each = suppress(None, parts)
            hidden = [i for i, n in enumerate(values) if 0 < n < SMALL]
            others = sorted((n, i) for i, n in enumerate(values) if n >= SMALL)
            if not hidden and others:  # the months would add up to a total kept hidden
                each[str(others[0][1])] = HIDDEN
        labels = tuple(each[str(i)] for i in range(len(values)))
        out.append(
            Series(
                key,
                tuple(n if label.isdigit() else 0 for n, label in zip(values, labels, strict=True)),
                labels,
            )
        )
    return tuple(out)
