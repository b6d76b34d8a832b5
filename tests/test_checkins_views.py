"""The check-ins flow's views, as a person reads them, and its buttons' data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

from bot.callbacks import InvalidCallback, pack, unpack
from bot.content import Content
from bot.domain.checkins import DAILY, WEEKDAYS_ONLY, Answer, CheckinRow, CheckinSchedule
from bot.services.checkins import MoodReport, Peer, WeeklyShare
from flows.checkins import callbacks as cb
from flows.checkins import views
from tests.snapshot import check_snapshot

COPY = Content()
SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Mon 2 Mar, 20:00 in Sydney
MON_THU = 0b1001


PAT = Peer(match_id=7, peer_id=2, name="Pat")


def schedule(
    days: int = DAILY, *, paused: bool = False, sharing: int | None = None, ask: bool = False
) -> CheckinSchedule:
    """A schedule; SHARING is the match its weekly ratings go to, ASK: asked again."""
    next_due = None if paused else int(datetime(2026, 3, 3, 8, 0, tzinfo=UTC).timestamp())
    return CheckinSchedule(
        user_id=1,
        days=days,
        minute=19 * 60,
        paused=paused,
        next_due=next_due,
        share_weekly=sharing is not None,
        share_due=None,
        share_match=sharing,
        share_ask=ask,
    )


def checkin(feelings: str = "", skills: str = "") -> CheckinRow:
    return CheckinRow(
        id=42,
        user_id=1,
        due_at=0,
        sent_at=0,
        status="answered",
        rating=4,
        feelings=feelings,
        skills=skills,
        note=None,
        answered_at=0,
    )


def test_intro() -> None:
    check_snapshot("checkins/intro", *views.intro(COPY))


def test_how_often_again() -> None:
    check_snapshot("checkins/how_often_again", *views.how_often_again(COPY))


def test_menu_on_and_sharing_with_a_peer_worker() -> None:
    check_snapshot("checkins/menu_on_sharing", *views.menu(COPY, schedule(sharing=7), SYDNEY, PAT))


def test_menu_paused_on_chosen_days_without_a_peer_worker() -> None:
    check_snapshot(
        "checkins/menu_paused",
        *views.menu(COPY, schedule(MON_THU, paused=True, sharing=7), SYDNEY, None),
    )


def test_menu_matched_and_not_sharing_offers_it() -> None:
    text, markup = views.menu(COPY, schedule(), SYDNEY, PAT)
    assert "gets your ratings" not in text
    [share] = [b for row in markup.inline_keyboard for b in row if "Share" in b.text]
    assert unpack(share.callback_data) == cb.ShareWith(7)


def test_menu_after_a_match_ended_asks_again_and_never_shares_on() -> None:
    """Sharing chosen with an earlier match (3) goes nowhere now; the menu asks."""
    for earlier in (schedule(sharing=3), schedule(ask=True)):
        check_snapshot("checkins/menu_share_again", *views.menu(COPY, earlier, SYDNEY, PAT))
        text, _ = views.menu(COPY, earlier, SYDNEY, PAT)
        assert "gets your ratings" not in text
    # Not matched: nothing to ask yet.
    text, markup = views.menu(COPY, schedule(ask=True), SYDNEY, None)
    assert "last peer worker" not in text
    assert not [b for row in markup.inline_keyboard for b in row if "share" in b.text.lower()]


def test_share_question_names_the_new_peer_worker_or_says_kindly() -> None:
    check_snapshot("checkins/share_question", *views.share_question(COPY, PAT))
    text, _ = views.share_question(COPY, Peer(7, 2, None))
    assert "Would you like your peer worker to get them" in text


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
    # The scale in the same words as the chart, and how long it stays open, plural right.
    assert "1 is very low, 5 is very good." in text
    assert "It stays open for 2 days." in text


def test_rated_and_closed() -> None:
    assert views.rated(COPY, 4) == "You said 4 out of 5 (good). Thank you."
    check_snapshot("checkins/closed", *views.closed(COPY))


def test_low_options() -> None:
    check_snapshot(
        "checkins/low_matched", *views.low_options(COPY, 42, 2, matched=True, has_plan=False)
    )
    check_snapshot(
        "checkins/low_not_matched", *views.low_options(COPY, 42, 1, matched=False, has_plan=False)
    )


def test_a_low_rating_offers_their_safety_plan_first() -> None:
    from bot.safety import ShowSafetyPlan

    text, markup = views.low_options(COPY, 42, 2, matched=True, has_plan=True)
    check_snapshot("checkins/low_with_plan", text, markup)
    labels = [row[0].text for row in markup.inline_keyboard]
    assert labels == [
        "My safety plan",
        "Message my peer worker",
        "Things that might help",
        "Numbers I can call",
        "I'm OK for now",
    ]
    assert unpack(markup.inline_keyboard[0][0].callback_data) == ShowSafetyPlan()


def test_feelings_skills_and_note_offer() -> None:
    check_snapshot("checkins/feelings", *views.feelings(COPY, checkin(feelings="hopeful,sad")))
    check_snapshot("checkins/skills_none", *views.skills(COPY, checkin()))
    check_snapshot("checkins/note_offer", *views.note_offer(COPY, 42))


def test_a_choice_button_says_what_it_will_do() -> None:
    """Each feeling button turns its feeling on or off, so a second press of the same button
    (a double tap, or an update handled again after a restart) changes nothing more."""
    _, markup = views.feelings(COPY, checkin(feelings="hopeful"))
    pressed = {b.text: unpack(b.callback_data) for row in markup.inline_keyboard for b in row}
    assert pressed["✓ Hopeful"] == cb.PickFeeling(42, "hopeful", False)
    assert pressed["Calm"] == cb.PickFeeling(42, "calm", True)


def test_mood_caption() -> None:
    from bot.domain.checkins import mood_summary

    answers = [
        Answer(NOW - timedelta(days=d), r, s)
        for d, r, s in (
            (80, 2, ()),
            (50, 2, ()),
            (20, 3, ("mindfulness",)),
            (10, 4, ()),
            (2, 5, ("mindfulness", "distress_tolerance")),
        )
    ]
    report = MoodReport(
        mood_summary(answers, NOW, 30), mood_summary(answers, NOW, 90), tuple(answers)
    )
    check_snapshot("checkins/mood_caption", views.mood_caption(COPY, report))


def test_weekly_share() -> None:
    check_snapshot(
        "checkins/weekly_share", views.weekly_share(COPY, WeeklyShare(1, 2, "Lee", (3, 2, 4)))
    )
    empty = views.weekly_share(COPY, WeeklyShare(1, 2, None, ()))
    assert "someone you support" in empty and "No check-ins answered" in empty
    one = views.weekly_share(COPY, WeeklyShare(1, 2, "Lee", (4,)))
    assert "1 check-in this week, average 4.0 out of 5: 4." in one


def test_counts_are_plural_only_when_they_should_be() -> None:
    assert [views.checkins_count(COPY, n) for n in (0, 1, 2)] == [
        "0 check-ins",
        "1 check-in",
        "2 check-ins",
    ]
    assert [views.days_count(COPY, n) for n in (1, 2, 30)] == ["1 day", "2 days", "30 days"]
    from bot.domain.checkins import mood_summary

    one = [Answer(NOW - timedelta(days=1), 3, ("mindfulness",))]
    caption = views.mood_caption(
        COPY, MoodReport(mood_summary(one, NOW, 30), mood_summary(one, NOW, 90), tuple(one))
    )
    assert "1 check-in, average 3.0 out of 5" in caption
    assert "Skills used in 1 check-in, most often mindfulness" in caption
    assert "1 check-ins" not in caption and "in 1 of them" not in caption


def test_days_and_months_come_from_the_copy() -> None:
    assert views.often(COPY, 0b1010100) == "on Wed, Fri, Sun"
    assert views.next_time(COPY, NOW, SYDNEY) == "Mon 2 Mar at 20:00"
    labels = views.chart_labels(COPY)
    assert labels.months[0] == "Jan" and labels.months[11] == "Dec"
    assert labels.tick.format(day=3, month="Mar") == "3 Mar"
    assert labels.scale == ("very low", "low", "okay", "good", "very good")
    assert views.time_words(COPY).pm == ("pm", "p.m.")


@pytest.mark.parametrize(
    "data",
    [
        "chk.day:7",
        "chk.day:-1",
        "chk.at:1440",
        "chk.rate:42:6",
        "chk.rate:0:3",
        "chk.feel:42:joyful:1",
        "chk.skill:42:juggling:1",
        "chk.feel:42:calm",
        "chk.freq:hourly",
        "chk.share:1",
        "chk.sharewith:0",
        "chk.sharewith:-3",
        "chk.note:-4",
        "chk.menu:extra",
    ],
)
def test_buttons_out_of_range_never_unpack(data: str) -> None:
    with pytest.raises(InvalidCallback):
        unpack(data)


def test_buttons_round_trip_within_64_bytes() -> None:
    biggest = cb.PickSkill(2**52, "distress_tolerance", True)
    assert unpack(pack(biggest)) == biggest
    assert len(pack(biggest).encode()) <= 64
    with pytest.raises(InvalidCallback):
        cb.Rate(42, 9)


def _screens() -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """Every screen and message of the flow, with representative data."""
    from bot.domain.checkins import mood_summary

    answers = [Answer(NOW - timedelta(days=d), 3, ("interpersonal",)) for d in (2, 40)]
    report = MoodReport(
        mood_summary(answers, NOW, 30), mood_summary(answers, NOW, 90), tuple(answers)
    )
    due = datetime(2026, 3, 5, 20, 30, tzinfo=UTC)
    return [
        views.intro(COPY),
        views.how_often_again(COPY),
        views.menu(COPY, schedule(sharing=7), SYDNEY, PAT),
        views.menu(COPY, schedule(ask=True), SYDNEY, Peer(7, 2, "Alexandra-Marie")),
        views.menu(COPY, schedule(MON_THU, paused=True), SYDNEY, None),
        views.days_picker(COPY, MON_THU),
        views.time_picker(COPY, SYDNEY, 19 * 60),
        (views.saved(COPY, (WEEKDAYS_ONLY, 450), SYDNEY, due), None),
        views.stop_question(COPY),
        views.prompt(COPY, 42, "Ally"),
        views.closed(COPY),
        (views.rated(COPY, 5), None),
        views.low_options(COPY, 42, 1, matched=True, has_plan=True),
        views.feelings(COPY, checkin(feelings="overwhelmed")),
        views.skills(COPY, checkin(skills="interpersonal")),
        views.note_offer(COPY, 42),
        views.share_question(COPY, PAT),
        (views.mood_caption(COPY, report), None),
        (views.weekly_share(COPY, WeeklyShare(1, 2, "Lee", (3, 2, 4))), None),
        *[
            (COPY.text(f"checkins.{key}", limit=500, name="Pat", next="Tue 3 Mar at 19:00"), None)
            for key in (
                "paused",
                "resumed",
                "stopped",
                "closed_menu",
                "not_now",
                "share_on",
                "share_off",
                "share_kept",
                "peer_how",
                "no_peer",
                "ask_note",
                "note_too_long",
                "done",
                "note_saved",
                "mood_none",
                "ask_time",
                "time_invalid",
                "share_needs_match",
            )
        ],
    ]


def test_every_screen_reads_on_a_phone() -> None:
    """Short lines (one thought a line, at most about three rows on a small phone), and
    buttons that fit: a button alone in its row 30 characters at most, two side by side 15
    each, more than two 6 each (weekdays, times, the 1 to 5 scale)."""
    for text, markup in _screens():
        plain = re.sub(r"<[^>]+>", "", text)
        for line in plain.splitlines():
            assert len(line) <= 110, line
        for row in markup.inline_keyboard if markup else ():
            most = 30 if len(row) == 1 else 15 if len(row) == 2 else 6
            for b in row:
                assert len(b.text) <= most, (b.text, len(row))
