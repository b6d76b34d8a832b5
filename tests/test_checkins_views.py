"""The check-ins flow's views, as a person reads them, and its buttons' data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.callbacks import InvalidCallback, pack, unpack
from bot.content import Content
from bot.domain.checkins import DAILY, WEEKDAYS_ONLY, Answer, CheckinRow, CheckinSchedule
from bot.services.checkins import MoodReport, WeeklyShare
from flows.checkins import callbacks as cb
from flows.checkins import views
from tests.snapshot import check_snapshot

COPY = Content()
SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Mon 2 Mar, 20:00 in Sydney
MON_THU = 0b1001


def schedule(days: int = DAILY, *, paused: bool = False, sharing: bool = False
             ) -> CheckinSchedule:
    next_due = None if paused else int(datetime(2026, 3, 3, 8, 0, tzinfo=UTC).timestamp())
    return CheckinSchedule(user_id=1, days=days, minute=19 * 60, paused=paused,
                           next_due=next_due, share_weekly=sharing, share_due=None)


def checkin(feelings: str = "", skills: str = "") -> CheckinRow:
    return CheckinRow(id=42, user_id=1, due_at=0, sent_at=0, status="answered", rating=4,
                      feelings=feelings, skills=skills, note=None, answered_at=0)


def test_intro() -> None:
    check_snapshot("checkins/intro", *views.intro(COPY))


def test_how_often_again() -> None:
    check_snapshot("checkins/how_often_again", *views.how_often_again(COPY))


def test_menu_on_and_sharing_with_a_peer_worker() -> None:
    check_snapshot("checkins/menu_on_sharing",
                   *views.menu(COPY, schedule(sharing=True), SYDNEY, matched=True))


def test_menu_paused_on_chosen_days_without_a_peer_worker() -> None:
    check_snapshot("checkins/menu_paused",
                   *views.menu(COPY, schedule(MON_THU, paused=True, sharing=True), SYDNEY,
                               matched=False))


def test_days_picker() -> None:
    check_snapshot("checkins/days_picker", *views.days_picker(COPY, MON_THU))


def test_time_picker_offers_the_services_usual_time_too() -> None:
    check_snapshot("checkins/time_picker", *views.time_picker(COPY, SYDNEY, 18 * 60 + 30))


def test_saved() -> None:
    due = datetime(2026, 3, 5, 20, 30, tzinfo=UTC)  # Fri 6 Mar 07:30 in Sydney
    check_snapshot("checkins/saved", views.saved(COPY, (WEEKDAYS_ONLY, 7 * 60 + 30), SYDNEY, due))


def test_stop_question() -> None:
    check_snapshot("checkins/stop_question", *views.stop_question(COPY))


def test_prompt_with_and_without_a_name() -> None:
    check_snapshot("checkins/prompt", *views.prompt(COPY, 42, "Ally <3"))
    assert "Hi, Ally &lt;3." in views.prompt(COPY, 42, "Ally <3")[0]  # a name is never HTML
    text, _ = views.prompt(COPY, 42, None)
    assert text.startswith("Hi. This is your check-in.")


def test_low_options() -> None:
    check_snapshot("checkins/low_matched", *views.low_options(COPY, 42, 2, matched=True))
    check_snapshot("checkins/low_not_matched", *views.low_options(COPY, 42, 1, matched=False))


def test_feelings_skills_and_note_offer() -> None:
    check_snapshot("checkins/feelings", *views.feelings(COPY, checkin(feelings="hopeful,sad")))
    check_snapshot("checkins/skills_none", *views.skills(COPY, checkin()))
    check_snapshot("checkins/note_offer", *views.note_offer(COPY, 42))


def test_mood_caption() -> None:
    from bot.domain.checkins import mood_summary

    answers = [Answer(NOW - timedelta(days=d), r, s) for d, r, s in (
        (80, 2, ()), (50, 2, ()), (20, 3, ("mindfulness",)), (10, 4, ()),
        (2, 5, ("mindfulness", "distress_tolerance")))]
    report = MoodReport(mood_summary(answers, NOW, 30), mood_summary(answers, NOW, 90),
                        tuple(answers))
    check_snapshot("checkins/mood_caption", views.mood_caption(COPY, report))


def test_weekly_share() -> None:
    check_snapshot("checkins/weekly_share", views.weekly_share(COPY, WeeklyShare(1, 2, "Lee",
                                                                                (3, 2, 4))))
    empty = views.weekly_share(COPY, WeeklyShare(1, 2, None, ()))
    assert "someone you support" in empty and "No check-ins answered" in empty


def test_days_and_months_come_from_the_copy() -> None:
    assert views.often(COPY, 0b1010100) == "on Wed, Fri, Sun"
    assert views.next_time(COPY, NOW, SYDNEY) == "Mon 2 Mar at 20:00"
    labels = views.chart_labels(COPY)
    assert labels.months[0] == "Jan" and labels.months[11] == "Dec"
    assert labels.tick.format(day=3, month="Mar") == "3 Mar"
    assert views.time_words(COPY).pm == ("pm", "p.m.")


@pytest.mark.parametrize("data", [
    "chk.day:7", "chk.day:-1", "chk.at:1440", "chk.rate:42:6", "chk.rate:0:3",
    "chk.feel:42:joyful", "chk.skill:42:juggling", "chk.freq:hourly", "chk.share:2",
    "chk.note:-4", "chk.menu:extra",
])
def test_buttons_out_of_range_never_unpack(data: str) -> None:
    with pytest.raises(InvalidCallback):
        unpack(data)


def test_buttons_round_trip_within_64_bytes() -> None:
    biggest = cb.PickSkill(2**52, "distress_tolerance")
    assert unpack(pack(biggest)) == biggest
    assert len(pack(biggest).encode()) <= 64
    with pytest.raises(InvalidCallback):
        cb.Rate(42, 9)
