"""Nominated hours: parsing, open/closed, next opening, and daylight-saving edges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content
from bot.domain.hours import (
    HoursError,
    HoursWords,
    Window,
    is_open,
    local_instant,
    next_open,
    parse_windows,
    windows_from_json,
    windows_to_json,
)
from bot.nominated_hours import describe_hours, hours_words

SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")


def test_parse_ranges_lists_and_full_day_names() -> None:
    windows = parse_windows("Mon-Wed 18:00-20:00, saturday 10-12")
    assert windows == (
        Window(0, 1080, 1200),
        Window(1, 1080, 1200),
        Window(2, 1080, 1200),
        Window(5, 600, 720),
    )
    assert windows_from_json(windows_to_json(windows)) == windows
    assert parse_windows("Fri-Mon 9-17")[0].weekday == 0  # wraps over the weekend


@pytest.mark.parametrize(
    "bad", ["", "Funday 9-5", "Mon 20:00-18:00", "Mon 25:00-26:00", "every day"]
)
def test_parse_refuses_what_it_cannot_read(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_windows(bad)


def test_open_and_next_open_in_the_peer_workers_zone() -> None:
    windows = (Window(0, 18 * 60, 20 * 60),)  # Mondays 18:00-20:00 Sydney
    monday_7pm = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 19:00 AEDT
    assert is_open(windows, SYDNEY, monday_7pm)
    assert next_open(windows, SYDNEY, monday_7pm) == monday_7pm
    tuesday = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert not is_open(windows, SYDNEY, tuesday)
    assert next_open(windows, SYDNEY, tuesday) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert next_open((), SYDNEY, tuesday) is None


def test_daylight_saving_moves_the_utc_time_not_the_local_one() -> None:
    windows = (Window(6, 10 * 60, 11 * 60),)  # Sundays 10:00 London
    before = next_open(windows, LONDON, datetime(2026, 3, 22, 12, 0, tzinfo=UTC))
    assert before == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)  # BST from that morning
    assert next_open(windows, LONDON, datetime(2026, 3, 20, tzinfo=UTC)) == datetime(
        2026, 3, 22, 10, 0, tzinfo=UTC
    )  # still GMT


def test_a_skipped_time_moves_forward_and_an_ambiguous_one_takes_the_first() -> None:
    # 01:30 does not exist in London on 29 March 2026: it becomes 02:30 BST (01:30 UTC).
    assert local_instant(date(2026, 3, 29), 90, LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 01:30 happens twice on 25 October 2026: the first is 01:30 BST (00:30 UTC).
    assert local_instant(date(2026, 10, 25), 90, LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("typed", "reason", "part"),
    [
        ("Funday 9-17", "day", "funday"),
        ("Mon 20:00-18:00", "order", "Mon 20:00-18:00"),
        ("Mon 25:00-26:00", "time", "25:00"),
        ("every day", "shape", "every day"),
        (" , ", "empty", ""),
    ],
)
def test_a_refusal_names_its_reason_and_the_part_it_is_about(
    typed: str, reason: str, part: str
) -> None:
    with pytest.raises(HoursError) as refused:
        parse_windows(typed)
    assert (refused.value.reason, refused.value.part) == (reason, part)


def test_the_words_for_days_come_from_the_caller() -> None:
    words = HoursWords({"lun": 0, "lunes": 0, "mié": 2, "miércoles": 2}, ("a",))
    assert parse_windows("Lunes-Mié 9 a 17", words) == tuple(
        Window(d, 540, 1020) for d in (0, 1, 2)
    )
    with pytest.raises(HoursError):
        parse_windows("Mon 9-17", words)  # not one of these words
    assert parse_windows("Mon 9 to 17") == (Window(0, 540, 1020),)  # the fallback's words


def test_hours_in_the_copys_words() -> None:
    copy = Content()
    words = hours_words(copy)
    assert parse_windows("Tues 18:00 to 20:00, thurs 9-10, Saturday 10-12", words) == (
        Window(1, 1080, 1200),
        Window(3, 540, 600),
        Window(5, 600, 720),
    )
    windows = parse_windows("Mon-Tue 18:00-20:00, Sun 22-24", words)
    assert describe_hours(copy, windows) == "Mon, Tue 6pm–8pm; Sun 10pm–midnight"
    assert describe_hours(copy, ()) == ""


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        # Days in a row read as one range, never seven repeats; the zone by its place's name.
        ("Mon-Fri 9am-9pm, Sat 10am-2pm", "Mon–Fri 9am–9pm; Sat 10am–2pm, Sydney time"),
        ("Mon-Sun 00:00-24:00", "any time, every day, Sydney time"),
        ("Mon-Sun 9-17", "every day 9am–5pm, Sydney time"),
        ("Sat-Sun 00:00-24:00", "Sat, Sun all day, Sydney time"),
        ("Fri-Mon 18:00-20:30", "Fri–Mon 6pm–8:30pm, Sydney time"),  # over the weekend
        (
            "Mon 9-12, Mon 13-17, Wed 9-12, Wed 13-17, Thu 9-12",
            "Mon, Wed 9am–12pm and 1pm–5pm; Thu 9am–12pm, Sydney time",
        ),
        ("Tue 10:00-11:00, Tue 11:00-12:00", "Tue 10am–12pm, Sydney time"),  # touching: one span
    ],
)
def test_hours_shown_for_a_phone(typed: str, shown: str) -> None:
    copy = Content()
    windows = parse_windows(typed, hours_words(copy))
    assert describe_hours(copy, windows, "Australia/Sydney") == shown
    assert "Australia/" not in describe_hours(copy, windows, "Australia/Sydney")


def test_a_zone_the_copy_does_not_name_is_shown_by_its_place() -> None:
    copy = Content()
    windows = (Window(0, 540, 1020),)
    assert describe_hours(copy, windows, "America/Argentina/Buenos_Aires") == (
        "Mon 9am–5pm, Buenos Aires time"
    )
    assert describe_hours(copy, windows, "Europe/London") == "Mon 9am–5pm, UK time"


@pytest.mark.parametrize(
    ("typed", "window"),
    [
        ("Mon 9am-5pm", Window(0, 540, 1020)),
        ("Mon 9 a.m. to 5 p.m.", Window(0, 540, 1020)),
        ("Mon 9–5", Window(0, 540, 1020)),  # a phone's dash; nobody means 9 to 5am
        ("Mon 8pm-12am", Window(0, 1200, 1440)),  # until midnight
        ("Mon 12pm-1:30pm", Window(0, 720, 810)),
        ("Mon 6.30pm-8pm", Window(0, 1110, 1200)),
    ],
)
def test_times_people_type_on_a_phone(typed: str, window: Window) -> None:
    assert parse_windows(typed, hours_words(Content())) == (window,)


@pytest.mark.parametrize("bad", ["Mon 13pm-2pm", "Mon 9pm-5am", "Mon 0am-2am"])
def test_am_and_pm_slips_are_refused(bad: str) -> None:
    with pytest.raises(HoursError):
        parse_windows(bad, hours_words(Content()))
