"""Group rules without a bot: audiences, schedules, DST-safe occurrences, reminder timing,
parsing what coordinators type, and the .ics file."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content
from bot.domain import broadcast as broadcast_domain
from bot.domain import groups
from bot.domain.groups import (
    Group,
    Schedule,
    build_ics,
    due_reminders,
    is_eligible,
    next_occurrence,
    nth_weekday,
    occurrences,
    parse_capacity,
    parse_dates,
    parse_time_range,
    reminder_due,
    visible_audiences,
)
from flows.groups.views import typed_words

SYD = ZoneInfo("Australia/Sydney")
LON = ZoneInfo("Europe/London")


def group(
    schedule: Schedule,
    *,
    audience: str = "carers_parent",
    cancelled: frozenset[str] = frozenset(),
    active: bool = True,
) -> Group:
    return Group(
        7,
        "Parents, together; online",
        "Talk\nand listen",
        audience,
        "online",
        "https://meet.example.org/p",
        schedule,
        "Jo",
        None,
        active,
        cancelled,
    )


@pytest.mark.parametrize("module", [groups, broadcast_domain])
def test_domain_imports_no_framework(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"telegram", "aiosqlite", "sqlite3"}


def test_who_sees_what() -> None:
    assert visible_audiences("consumer", None) == ("consumers",)
    assert visible_audiences("carer", "parent") == ("carers", "carers_parent")
    assert visible_audiences("carer", "partner") == ("carers", "carers_partner")
    assert visible_audiences("carer", "friend") == ("carers",)
    assert visible_audiences("consumer_peer", None) == ()
    weekly = Schedule("weekly", date(2026, 3, 10), 18 * 60)
    assert is_eligible(group(weekly), "carer", "parent")
    assert not is_eligible(group(weekly), "carer", "partner")
    assert is_eligible(group(weekly, audience="carers"), "carer", "sibling")
    assert not is_eligible(group(weekly, audience="carers"), "consumer", None)
    assert not is_eligible(group(weekly, active=False), "carer", "parent")


def test_schedules() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    fortnightly = Schedule("fortnightly", date(2026, 3, 10), 18 * 60)
    days = [o for o, _ in occurrences(fortnightly, SYD, start, limit=3)]
    assert days == ["2026-03-10", "2026-03-24", "2026-04-07"]
    # Starting later keeps the fortnight's rhythm.
    later = [
        o for o, _ in occurrences(fortnightly, SYD, datetime(2026, 3, 12, tzinfo=UTC), limit=2)
    ]
    assert later == ["2026-03-24", "2026-04-07"]
    monthly = Schedule("monthly", date(2026, 3, 10), 18 * 60)  # the second Tuesday
    assert monthly.nth == 2
    assert [o for o, _ in occurrences(monthly, SYD, start, limit=3)] == [
        "2026-03-10",
        "2026-04-14",
        "2026-05-12",
    ]
    last = Schedule("monthly", date(2026, 3, 31), 18 * 60)  # 31st: the last Tuesday
    assert last.nth == -1
    assert [o for o, _ in occurrences(last, SYD, start, limit=3)] == [
        "2026-03-31",
        "2026-04-28",
        "2026-05-26",
    ]
    once = Schedule(
        "once", date(2026, 3, 14), 10 * 60, dates=(date(2026, 3, 14), date(2026, 4, 11))
    )
    assert [o for o, _ in occurrences(once, SYD, start, limit=5)] == ["2026-03-14", "2026-04-11"]
    assert occurrences(once, SYD, datetime(2026, 5, 1, tzinfo=UTC)) == []
    assert nth_weekday(2026, 2, 0, -1) == date(2026, 2, 23)
    with pytest.raises(ValueError):
        Schedule("yearly", date(2026, 3, 1), 60)
    with pytest.raises(ValueError):
        Schedule("once", date(2026, 3, 1), 60)


def test_next_occurrence_skips_cancelled_and_started() -> None:
    weekly = Schedule("weekly", date(2026, 3, 10), 18 * 60)
    # 18:00 Sydney on 10 March is 07:00 UTC; at 07:01 that meeting has started.
    assert next_occurrence(weekly, SYD, datetime(2026, 3, 10, 7, 1, tzinfo=UTC))[0] == "2026-03-17"  # type: ignore[index]
    found = next_occurrence(weekly, SYD, datetime(2026, 3, 9, tzinfo=UTC), cancelled={"2026-03-10"})
    assert found is not None and found[0] == "2026-03-17"


def test_local_time_survives_daylight_saving_both_ways() -> None:
    weekly = Schedule("weekly", date(2026, 3, 3), 18 * 60)
    starts = dict(occurrences(weekly, SYD, datetime(2026, 3, 30, tzinfo=UTC), limit=2))
    assert starts["2026-03-31"] == datetime(2026, 3, 31, 7, 0, tzinfo=UTC)  # AEDT, +11
    assert starts["2026-04-07"] == datetime(2026, 4, 7, 8, 0, tzinfo=UTC)  # AEST, +10
    # London springs forward on 29 March 2026.
    sunday = Schedule("weekly", date(2026, 3, 22), 9 * 60)
    starts = dict(occurrences(sunday, LON, datetime(2026, 3, 20, tzinfo=UTC), limit=2))
    assert starts["2026-03-22"] == datetime(2026, 3, 22, 9, 0, tzinfo=UTC)
    assert starts["2026-03-29"] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    # 01:30 on the night London's clocks skip 01:00-02:00 lands past the jump (02:30 BST);
    # 01:30 on the night they go back is the first 01:30 (still BST).
    gap = Schedule("once", date(2026, 3, 29), 1 * 60 + 30, dates=(date(2026, 3, 29),))
    ((_, start),) = occurrences(gap, LON, datetime(2026, 3, 28, tzinfo=UTC))
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    twice = Schedule("once", date(2026, 10, 25), 1 * 60 + 30, dates=(date(2026, 10, 25),))
    ((_, start),) = occurrences(twice, LON, datetime(2026, 10, 24, tzinfo=UTC))
    assert start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_reminder_times_and_grace() -> None:
    weekly = Schedule("weekly", date(2026, 3, 31), 18 * 60)
    g = group(weekly)
    # The day-before reminder is at 18:00 local on Monday 6 April, after the change: 08:00 UTC.
    assert reminder_due(weekly, "2026-04-07", "day", SYD) == datetime(2026, 4, 6, 8, tzinfo=UTC)
    assert reminder_due(weekly, "2026-04-07", "hour", SYD) == datetime(2026, 4, 7, 7, tzinfo=UTC)
    # ...but the Monday before the change is 18:00 AEDT: 07:00 UTC.
    assert reminder_due(weekly, "2026-03-31", "day", SYD) == datetime(2026, 3, 30, 7, tzinfo=UTC)

    def due(at: datetime) -> list[tuple[str, str]]:
        return [(r.occurrence, r.kind) for r in due_reminders(g, SYD, at)]

    assert due(datetime(2026, 4, 6, 7, 59, tzinfo=UTC)) == []
    assert due(datetime(2026, 4, 6, 8, 0, tzinfo=UTC)) == [("2026-04-07", "day")]
    assert due(datetime(2026, 4, 6, 10, 59, tzinfo=UTC)) == [("2026-04-07", "day")]
    assert due(datetime(2026, 4, 6, 11, 0, tzinfo=UTC)) == []  # three hours late: skipped
    assert due(datetime(2026, 4, 7, 7, 44, tzinfo=UTC)) == [("2026-04-07", "hour")]
    assert due(datetime(2026, 4, 7, 7, 45, tzinfo=UTC)) == []  # 45 minutes late: skipped
    cancelled = group(weekly, cancelled=frozenset({"2026-04-07"}))
    assert due_reminders(cancelled, SYD, datetime(2026, 4, 6, 8, tzinfo=UTC)) == []
    retired = group(weekly, active=False)
    assert due_reminders(retired, SYD, datetime(2026, 4, 6, 8, tzinfo=UTC)) == []


def test_parsing_coordinator_input() -> None:
    today = date(2026, 3, 2)
    words = typed_words(Content())  # month names and time words come from the copy
    assert parse_dates("2026-03-10", today, words) == (date(2026, 3, 10),)
    assert parse_dates("14 March, 11 Apr", today, words) == (date(2026, 3, 14), date(2026, 4, 11))
    assert parse_dates("1 February", today, words) == (date(2027, 2, 1),)  # the next one
    assert parse_dates("Tuesday 10th March 2026", today, words) == (date(2026, 3, 10),)
    assert parse_dates("3 Sept", today, words) == (date(2026, 9, 3),)
    for bad, reason, key in (
        ("31 February", "not a real date", "not_real_date"),
        ("soon", "should look like", "date_shape"),
        ("2026-03-01", "already passed", "date_passed"),
        ("", "no date", "no_date"),
    ):
        with pytest.raises(groups.InputProblem, match=reason) as problem:
            parse_dates(bad, today, words)
        assert problem.value.key == key
    assert parse_time_range("18:00", words) == (1080, 90)
    assert parse_time_range("6pm-7.30pm", words) == (1080, 90)
    assert parse_time_range("18:00 to 19:00", words) == (1080, 60)
    assert parse_time_range("9 AM", words) == (540, 90)
    for bad in ("25:00", "18:00-17:00", "noon", "13pm"):
        with pytest.raises(ValueError):
            parse_time_range(bad, words)
    assert parse_capacity(" 12 ") == 12
    for bad in ("0", "many", "501"):
        with pytest.raises(ValueError):
            parse_capacity(bad)
    # A month word the copy doesn't list is not a date.
    with pytest.raises(groups.InputProblem):
        parse_dates("10 March", today, groups.TypedWords(months=(("mars", 3),)))
    assert parse_dates("10 mars", today, groups.TypedWords(months=(("mars", 3),))) == (
        date(2026, 3, 10),
    )


def test_what_coordinators_type_for_a_group() -> None:
    assert groups.clean_name("  Parents   together ") == "Parents together"
    assert (
        groups.clean_place("online", " https://meet.example.org/p ") == "https://meet.example.org/p"
    )
    assert groups.clean_place("in_person", "12 High St") == "12 High St"
    for check, bad, key in (
        (groups.clean_name, "P", "name"),
        (groups.clean_description, " x ", "description"),
        (groups.clean_facilitator, "J" * 41, "facilitator"),
    ):
        with pytest.raises(groups.InputProblem) as problem:
            check(bad)
        assert problem.value.key == key
    with pytest.raises(groups.InputProblem) as problem:
        groups.clean_place("online", "meet.example.org")
    assert problem.value.key == "link"
    with pytest.raises(groups.InputProblem) as problem:
        groups.clean_place("in_person", "x")
    assert problem.value.key == "address"


def _unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def test_ics_is_valid_rfc5545() -> None:
    weekly = Schedule("weekly", date(2026, 3, 10), 18 * 60, 90)
    g = group(weekly, cancelled=frozenset({"2026-03-17"}))
    ics = build_ics(g, SYD, datetime(2026, 3, 2, 9, tzinfo=UTC), uid_domain="bot.example")
    assert ics.endswith("\r\n") and "\n" not in ics.replace("\r\n", "")
    for line in ics.split("\r\n"):
        assert len(line.encode()) <= 75
    lines = _unfold(ics)
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    assert lines.count("BEGIN:VEVENT") == 1
    assert "UID:group-7@bot.example" in lines and "DTSTAMP:20260302T090000Z" in lines
    assert "DTSTART;TZID=Australia/Sydney:20260310T180000" in lines
    assert "DTEND;TZID=Australia/Sydney:20260310T193000" in lines
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in lines
    assert "EXDATE;TZID=Australia/Sydney:20260317T180000" in lines
    assert "SUMMARY:Parents\\, together\\; online" in lines
    assert "DESCRIPTION:Talk\\nand listen" in lines
    assert "URL:https://meet.example.org/p" in lines
    # The time zone is defined in the file, with rules in force before the first meeting.
    tz_start = lines.index("BEGIN:VTIMEZONE")
    tz = lines[tz_start : lines.index("END:VTIMEZONE") + 1]
    assert "TZID:Australia/Sydney" in tz
    assert "BEGIN:STANDARD" in tz and "BEGIN:DAYLIGHT" in tz
    assert "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU" in tz
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU" in tz
    starts = [x for x in tz if x.startswith("DTSTART:")]
    assert all(x < "DTSTART:20260310" for x in starts)
    # Every BEGIN has its END, properly nested.
    stack: list[str] = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert stack == []


def test_ics_other_schedules_and_long_lines() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    monthly = group(Schedule("monthly", date(2026, 3, 31), 19 * 60))
    assert "RRULE:FREQ=MONTHLY;BYDAY=-1TU" in _unfold(build_ics(monthly, SYD, now, uid_domain="x"))
    fortnightly = group(Schedule("fortnightly", date(2026, 3, 10), 23 * 60 + 30, 60))
    lines = _unfold(build_ics(fortnightly, SYD, now, uid_domain="x"))
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" in lines
    assert "DTEND;TZID=Australia/Sydney:20260311T003000" in lines  # ends after midnight
    once = Group(
        8,
        "Picnic " + "é" * 60,
        "x",
        "carers",
        "in_person",
        "The park",
        Schedule("once", date(2026, 3, 14), 600, dates=(date(2026, 3, 14), date(2026, 4, 11))),
        "Jo",
    )
    ics = build_ics(once, SYD, now, uid_domain="x")
    lines = _unfold(ics)
    event = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT")]
    assert not any(x.startswith("RRULE") for x in event)
    assert "RDATE;TZID=Australia/Sydney:20260411T100000" in lines
    assert "SUMMARY:Picnic " + "é" * 60 in lines
    assert all(len(x.encode()) <= 75 for x in ics.split("\r\n"))
    assert "LOCATION:The park" in lines and not any(x.startswith("URL") for x in lines)
    # A zone without daylight saving gets a single standard rule.
    brisbane = build_ics(once, ZoneInfo("Australia/Brisbane"), now, uid_domain="x")
    assert "TZOFFSETTO:+1000" in brisbane and "BEGIN:DAYLIGHT" not in brisbane


def test_answers_close_when_the_meeting_starts() -> None:
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert groups.answer_open(start, datetime(2026, 3, 10, 6, 59, tzinfo=UTC))
    assert not groups.answer_open(start, start)


def test_meetings_held_are_the_ones_that_started_and_were_not_cancelled() -> None:
    weekly = group(
        Schedule("weekly", date(2026, 3, 3), 18 * 60), cancelled=frozenset({"2026-03-10"})
    )
    now = datetime(2026, 3, 17, 7, 0, tzinfo=UTC)  # 18:00 in Sydney, the 17th's start
    assert [o for o, _ in groups.held_meetings(weekly, SYD, now)] == ["2026-03-17"]
    assert [o for o, _ in groups.held_meetings(weekly, SYD, now, lookback=timedelta(days=15))] == [
        "2026-03-03",
        "2026-03-17",
    ]
    assert groups.held_meetings(group(weekly.schedule, active=False), SYD, now) == []


def test_date_runs() -> None:
    days = [date(2026, 3, d) for d in (9, 10, 11, 12, 13, 20, 31)] + [date(2026, 4, 1)]
    assert groups.date_runs(reversed(days)) == [
        (date(2026, 3, 9), date(2026, 3, 13)),
        (date(2026, 3, 20), date(2026, 3, 20)),
        (date(2026, 3, 31), date(2026, 4, 1)),
    ]
    assert groups.date_runs([]) == []


def test_the_weekday_filter_is_the_readers_weekday() -> None:
    # 09:00 on a Tuesday in Sydney is still Monday evening in London.
    morning = group(Schedule("weekly", date(2026, 3, 10), 9 * 60))
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert groups.meets_on(morning, 1, SYD, now)
    assert groups.meets_on(morning, 0, SYD, now, LON)
    assert not groups.meets_on(morning, 1, SYD, now, LON)


def test_attendance_adds_up() -> None:
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    one = groups.MeetingCount(7, "2026-03-10", start, 8, 5, 1)
    two = groups.MeetingCount(9, "2026-03-11", start, 3, 0, 0)
    report = groups.Attendance((two, one))
    assert (report.meetings_held, report.said_yes, one.no_answer, two.no_answer) == (2, 5, 2, 3)
    assert report.by_group() == {9: (two,), 7: (one,)}
