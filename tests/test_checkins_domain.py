"""Check-in scheduling maths, the downtime rule and /mood's sums, without a bot."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import checkins
from bot.domain.checkins import (
    CLOSES_AFTER,
    DAILY,
    WEEKDAYS_ONLY,
    Answer,
    CheckinRow,
    CheckinSchedule,
    Schedule,
    asks_to_share,
    chosen_days,
    daily_moods,
    decide,
    is_closed,
    mood_summary,
    next_due,
    next_weekly,
    parse_choices,
    parse_time,
    schedule_kind,
    set_choice,
    shares_with,
    toggle,
    toggle_day,
    trend,
)

SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_domain_imports_no_framework() -> None:
    tree = ast.parse(Path(checkins.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"telegram", "aiosqlite", "sqlite3", "matplotlib"}


def test_domain_keeps_indexes_and_names_no_day_or_month() -> None:
    source = Path(checkins.__file__).read_text(encoding="utf-8")
    words = set(source.replace('"', " ").split())
    assert not words & {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Jan", "Mar", "Dec"}
    assert "WEEKDAYS " not in source and "hours import" not in source


def test_kinds_and_days() -> None:
    assert schedule_kind(DAILY) == "daily"
    assert schedule_kind(WEEKDAYS_ONLY) == "weekdays"
    mask = toggle_day(toggle_day(toggle_day(0, 0), 2), 4)
    assert schedule_kind(mask) == "days"
    assert chosen_days(mask) == (0, 2, 4)  # the view names them from the copy
    assert toggle_day(mask, 2) == 0b10001
    with pytest.raises(ValueError, match="weekday"):
        toggle_day(0, 7)
    with pytest.raises(ValueError, match="at least one day"):
        Schedule(0, 600)
    with pytest.raises(ValueError, match="time of day"):
        Schedule(DAILY, 1440)


@pytest.mark.parametrize(
    ("text", "minute"),
    [
        ("19:30", 19 * 60 + 30),
        ("7pm", 19 * 60),
        ("7:15 am", 7 * 60 + 15),
        ("12am", 0),
        ("12pm", 12 * 60),
        ("0800", 8 * 60),
        ("9", 9 * 60),
        ("21.45", 21 * 60 + 45),
        ("7.30 p.m.", 19 * 60 + 30),
    ],
)
def test_parse_time(text: str, minute: int) -> None:
    assert parse_time(text) == minute


@pytest.mark.parametrize(
    "text", ["", "25:00", "7:75", "13pm", "soon", "19:3", "-1", "7 o'clock", "7pm!"]
)
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_time(text)


def test_parse_time_takes_the_words_it_is_given() -> None:
    words = checkins.TimeWords(am=("vorm",), pm=("nachm",))
    assert parse_time("7 nachm", words) == 19 * 60
    assert parse_time("7.30 Vorm", words) == 7 * 60 + 30
    with pytest.raises(ValueError, match="not a time"):
        parse_time("7pm", words)


def test_next_due_daily_and_weekdays() -> None:
    # Mon 2 Mar 2026, 09:00 UTC = 20:00 in Sydney (AEDT, +11).
    now = utc(2026, 3, 2, 9, 0)
    daily = Schedule(DAILY, 19 * 60)
    assert next_due(daily, SYDNEY, now) == utc(2026, 3, 3, 8, 0)  # Tue 19:00 AEDT
    # Fri 6 Mar 20:00 local: a weekdays schedule skips the weekend to Monday.
    friday = utc(2026, 3, 6, 9, 0)
    assert next_due(Schedule(WEEKDAYS_ONLY, 19 * 60), SYDNEY, friday) == utc(2026, 3, 9, 8, 0)
    # Strictly after: exactly at the due time, the next one is a day later.
    assert next_due(daily, SYDNEY, utc(2026, 3, 3, 8, 0)) == utc(2026, 3, 4, 8, 0)
    # Earlier the same local day: today.
    assert next_due(daily, SYDNEY, utc(2026, 3, 3, 1, 0)) == utc(2026, 3, 3, 8, 0)


def test_next_due_chosen_day_a_week_away() -> None:
    sunday_only = Schedule(1 << 6, 9 * 60)
    # Sun 8 Mar 2026 10:00 in London (GMT): the next one is the following Sunday.
    now = utc(2026, 3, 8, 10, 0)
    assert next_due(sunday_only, LONDON, now) == utc(2026, 3, 15, 9, 0)


def test_sydney_daylight_saving_ends_and_starts() -> None:
    daily = Schedule(DAILY, 19 * 60)
    # Sydney leaves daylight saving on Sun 5 Apr 2026 (+11 -> +10).
    sat = next_due(daily, SYDNEY, utc(2026, 4, 4, 0, 0))
    sun = next_due(daily, SYDNEY, sat)
    assert sat == utc(2026, 4, 4, 8, 0)
    assert sun == utc(2026, 4, 5, 9, 0)
    assert sat.astimezone(SYDNEY).hour == sun.astimezone(SYDNEY).hour == 19
    # And returns on Sun 4 Oct 2026 (+10 -> +11).
    sat = next_due(daily, SYDNEY, utc(2026, 10, 3, 0, 0))
    sun = next_due(daily, SYDNEY, sat)
    assert (sat, sun) == (utc(2026, 10, 3, 9, 0), utc(2026, 10, 4, 8, 0))


def test_london_daylight_saving_gap_and_overlap() -> None:
    # 29 Mar 2026: 01:00 GMT jumps to 02:00 BST. A 01:30 check-in that day moves past the gap.
    early = Schedule(DAILY, 90)
    due = next_due(early, LONDON, utc(2026, 3, 28, 12, 0))
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(LONDON).strftime("%H:%M") == "02:30"
    assert next_due(early, LONDON, due) == utc(2026, 3, 30, 0, 30)  # 01:30 BST next day
    # 25 Oct 2026: 01:30 happens twice; the check-in takes the first, and only once.
    first = next_due(early, LONDON, utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)
    assert next_due(early, LONDON, first) == utc(2026, 10, 26, 1, 30)
    # An evening check-in keeps its wall-clock time across both changes.
    evening = Schedule(DAILY, 19 * 60)
    before = next_due(evening, LONDON, utc(2026, 3, 28, 12, 0))
    after = next_due(evening, LONDON, before)
    assert (before, after) == (utc(2026, 3, 28, 19, 0), utc(2026, 3, 29, 18, 0))


def test_downtime_rule_sends_once_within_grace_and_skips_older() -> None:
    daily = Schedule(DAILY, 19 * 60)
    grace = timedelta(minutes=90)
    due = utc(2026, 3, 3, 8, 0)
    on_time = decide(daily, SYDNEY, due, due + timedelta(seconds=30), grace)
    assert on_time.send and on_time.next_due == utc(2026, 3, 4, 8, 0)
    late = decide(daily, SYDNEY, due, due + timedelta(minutes=90), grace)
    assert late.send
    too_late = decide(daily, SYDNEY, due, due + timedelta(minutes=91), grace)
    assert not too_late.send and too_late.next_due == utc(2026, 3, 4, 8, 0)
    # Down for three days: skipped, and the next one is after now, not a backlog.
    long_gone = decide(daily, SYDNEY, due, utc(2026, 3, 6, 10, 0), grace)
    assert not long_gone.send and long_gone.next_due == utc(2026, 3, 7, 8, 0)


def test_next_weekly_keeps_local_time() -> None:
    now = utc(2026, 4, 1, 9, 0)  # Wed 20:00 AEDT
    week = next_weekly(19 * 60, SYDNEY, now)
    assert week == utc(2026, 4, 8, 9, 0)  # Wed 19:00 AEST
    assert week.astimezone(SYDNEY).hour == 19


def test_choices_toggle_and_stay_in_order() -> None:
    allowed = checkins.FEELINGS
    value = toggle("", "sad", allowed)
    value = toggle(value, "calm", allowed)
    assert parse_choices(value, allowed) == ("calm", "sad")
    assert parse_choices(toggle(value, "sad", allowed), allowed) == ("calm",)
    assert parse_choices("calm,nonsense", allowed) == ("calm",)
    with pytest.raises(ValueError, match="choice"):
        toggle(value, "nonsense", allowed)


def test_trend() -> None:
    assert trend([], [3]) is None
    assert trend([2, 2], [3, 3]) == "up"
    assert trend([4, 4], [3, 3]) == "down"
    assert trend([3, 3], [3, 4]) == "steady"


def test_mood_summary() -> None:
    now = utc(2026, 6, 1, 0, 0)
    answers = [
        Answer(now - timedelta(days=40), 1),
        Answer(now - timedelta(days=35), 2),
        Answer(now - timedelta(days=10), 4, ("mindfulness",)),
        Answer(now - timedelta(days=5), 3, ("mindfulness", "distress_tolerance")),
        Answer(now - timedelta(days=1), 5),
    ]
    last30 = mood_summary(answers, now, 30)
    assert (last30.count, last30.average, last30.lowest, last30.highest) == (3, 4.0, 3, 5)
    assert (last30.with_skills, last30.top_skill, last30.trend) == (2, "mindfulness", "up")
    last90 = mood_summary(answers, now, 90)
    assert (last90.count, last90.average, last90.trend) == (5, 3.0, None)
    empty = mood_summary([], now, 30)
    assert (empty.count, empty.average, empty.top_skill) == (0, None, None)


def test_sydney_gap_moves_forward() -> None:
    # 4 Oct 2026 in Sydney: 02:00 jumps to 03:00. A 02:30 check-in comes at 03:30, not 01:30.
    due = next_due(Schedule(DAILY, 150), SYDNEY, utc(2026, 10, 3, 12, 0))
    assert due.astimezone(SYDNEY).strftime("%d %H:%M") == "04 03:30"


def test_after_a_long_outage_only_the_latest_can_be_sent() -> None:
    daily = Schedule(DAILY, 19 * 60)
    grace = timedelta(minutes=90)
    stored = utc(2026, 3, 3, 8, 0)  # Tue 19:00 AEDT, never sent: the bot was down
    # Back on Fri at 19:20 local: Friday's is 20 minutes late, so it goes; the rest don't.
    back = utc(2026, 3, 6, 8, 20)
    step = decide(daily, SYDNEY, stored, back, grace)
    assert step.send and step.due_at == utc(2026, 3, 6, 8, 0)
    assert step.next_due == utc(2026, 3, 7, 8, 0)
    # Weekdays only, back on Sunday: Friday's is far too late.
    weekdays = decide(
        Schedule(WEEKDAYS_ONLY, 19 * 60), SYDNEY, stored, utc(2026, 3, 8, 8, 20), grace
    )
    assert not weekdays.send and weekdays.due_at == utc(2026, 3, 6, 8, 0)
    assert weekdays.next_due == utc(2026, 3, 9, 8, 0)


def test_a_choice_is_set_not_flipped() -> None:
    """The same press twice leaves the same choices (a double tap, an update handled again)."""
    allowed = checkins.FEELINGS
    once = set_choice("", "sad", True, allowed)
    assert set_choice(once, "sad", True, allowed) == once == "sad"
    assert set_choice(set_choice(once, "calm", True, allowed), "sad", False, allowed) == "calm"
    assert set_choice("", "sad", False, allowed) == ""
    with pytest.raises(ValueError, match="choice"):
        set_choice("", "joyful", True, allowed)


def test_a_check_in_closes_two_days_after_it_was_due() -> None:
    due = utc(2026, 3, 3, 8, 0)
    assert timedelta(days=2) == CLOSES_AFTER
    assert not is_closed(due, due + timedelta(days=2))
    assert is_closed(due, due + timedelta(days=2, seconds=1))
    row = CheckinRow(
        1, 1, int(due.timestamp()), int(due.timestamp()), "unanswered", None, "", "", None, None
    )
    assert row.kind == "scheduled" and not row.closed(due + timedelta(hours=47))
    assert row.closed(due + timedelta(days=3))


def _schedule(share_match: int | None = None, *, ask: bool = False) -> CheckinSchedule:
    return CheckinSchedule(
        1, DAILY, 19 * 60, False, None, share_match is not None, None, share_match, ask
    )


def test_sharing_follows_the_match_it_was_chosen_for() -> None:
    assert shares_with(_schedule(7), 7)
    assert not shares_with(_schedule(7), 8)  # a later peer worker gets nothing
    assert not shares_with(_schedule(7), None) and not shares_with(None, 7)
    assert not shares_with(_schedule(), 7)
    # Asked again: they shared with an earlier match, or sharing stopped when it ended.
    assert asks_to_share(_schedule(7), 8) and asks_to_share(_schedule(ask=True), 8)
    assert not asks_to_share(_schedule(7), 7)  # still the same peer worker
    assert not asks_to_share(_schedule(), 8)  # never shared: nothing to ask
    assert not asks_to_share(_schedule(ask=True), None)  # nobody to share with yet


def test_the_chart_has_only_days_with_data() -> None:
    """One point a day with check-ins (their average), none for a day without: a gap is
    never a zero."""
    now = utc(2026, 3, 10, 0, 0)
    answers = [
        Answer(utc(2026, 3, 1, 1, 0), 2),
        Answer(utc(2026, 3, 1, 5, 0), 5, ("mindfulness",)),  # the same Sydney day
        Answer(utc(2026, 3, 8, 1, 0), 4),
        Answer(utc(2026, 1, 1, 1, 0), 1),  # before the period
    ]
    moods = daily_moods(answers, SYDNEY, now - timedelta(days=30))
    assert [(m.day.isoformat(), m.rating, m.skilled) for m in moods] == [
        ("2026-03-01", 3.5, True),
        ("2026-03-08", 4.0, False),
    ]
    assert daily_moods([], SYDNEY, now) == []
