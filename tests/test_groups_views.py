"""The groups flow's views, as a person reads them (tests/snapshots/groups/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content
from bot.domain.groups import Group, InputProblem, MeetingCount, Schedule
from bot.services.groups import Directory, Joined, MeetingPlan, Standing
from bot.storage.groups import GroupPrefs, Membership
from flows.groups import views
from tests.snapshot import check_snapshot

COPY = Content()
SYD = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

WEEKLY = Group(
    7,
    "Parents together",
    "A relaxed space for parents <to talk> & listen.",
    "carers_parent",
    "online",
    "https://meet.example.org/parents",
    Schedule("weekly", date(2026, 3, 10), 18 * 60, 90),
    "Jo",
    2,
    cancelled=frozenset({"2026-03-17"}),
)
MONTHLY = Group(
    8,
    "Carers circle",
    "For every carer.",
    "carers",
    "in_person",
    "12 High St, Wollongong",
    Schedule("monthly", date(2026, 3, 12), 10 * 60 + 30),
    "Robin",
)


@dataclass(frozen=True)
class _Place:
    status: str
    position: int = 0


def test_directory() -> None:
    found = Directory([MONTHLY, WEEKLY], {7: (2, 3)}, {7: "member"}, filtered=False)
    check_snapshot("groups/directory", *views.directory(COPY, found, "any", -1, SYD, SYD, NOW))


def test_directory_filtered_and_in_another_zone() -> None:
    found = Directory([WEEKLY], {}, {7: "waiting"}, filtered=True)
    check_snapshot(
        "groups/directory_online_tuesday",
        *views.directory(COPY, found, "online", 1, SYD, LONDON, NOW),
    )


@pytest.mark.parametrize("filtered", [False, True])
def test_directory_empty(filtered: bool) -> None:
    found = Directory([], {}, {}, filtered=filtered)
    name = "groups/directory_none_filtered" if filtered else "groups/directory_none"
    check_snapshot(
        name, *views.directory(COPY, found, "in_person" if filtered else "any", -1, SYD, SYD, NOW)
    )


def test_detail_for_someone_not_in_it_yet() -> None:
    seen = Standing(WEEKLY, (1, 0), None)
    check_snapshot("groups/detail_open", *views.detail(COPY, seen, "any", -1, SYD, SYD, NOW))


def test_detail_full_group_offers_the_waitlist() -> None:
    seen = Standing(WEEKLY, (2, 1), None)
    check_snapshot("groups/detail_full", *views.detail(COPY, seen, "online", 3, SYD, SYD, NOW))


def test_detail_for_a_member_just_joined() -> None:
    seen = Standing(WEEKLY, (2, 0), Membership(7, 1, "member"))
    notice = views.joined_notice(COPY, Joined(WEEKLY, "member", 0))
    check_snapshot(
        "groups/detail_member", *views.detail(COPY, seen, "any", -1, SYD, SYD, NOW, notice)
    )


def test_detail_for_someone_waiting() -> None:
    seen = Standing(WEEKLY, (2, 2), _Place("waiting", 2))
    notice = views.joined_notice(COPY, Joined(WEEKLY, "waiting", 2))
    check_snapshot(
        "groups/detail_waiting", *views.detail(COPY, seen, "any", -1, SYD, SYD, NOW, notice)
    )


def test_reminder_switches() -> None:
    check_snapshot(
        "groups/reminders",
        *views.reminder_prefs(COPY, GroupPrefs(remind_day=False, remind_hour=True)),
    )


def test_reminders_and_notices() -> None:
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    after = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)
    check_snapshot(
        "groups/reminder_day", *views.reminder(COPY, "day", WEEKLY, "2026-03-10", start, SYD)
    )
    check_snapshot(
        "groups/reminder_hour", *views.reminder(COPY, "hour", MONTHLY, "2026-03-12", start, LONDON)
    )
    check_snapshot(
        "groups/reminder_hour_answered",
        *views.reminder(COPY, "hour", WEEKLY, "2026-03-10", start, SYD, "yes"),
    )
    check_snapshot(
        "groups/notice_cancelled", views.notice_cancelled(COPY, WEEKLY, start, after, SYD)
    )
    check_snapshot(
        "groups/notice_cancelled_last", views.notice_cancelled(COPY, WEEKLY, start, None, SYD)
    )
    check_snapshot("groups/notice_retired", views.notice_retired(COPY, WEEKLY))
    check_snapshot("groups/notice_promoted", *views.notice_promoted(COPY, WEEKLY, SYD, SYD, NOW))


def test_calendar_file() -> None:
    name, data, caption = views.calendar_file(
        COPY, WEEKLY, SYD, NOW, service="Harbour Health", bot_username="Peer_Bot"
    )
    assert name == "parents-together.ics"
    unfolded = data.replace(b"\r\n ", b"")
    assert b"UID:group-7@peer_bot.bot" in unfolded and b"From Harbour Health." in unfolded
    check_snapshot("groups/calendar_caption", caption)
    nameless = Group(9, "???", "x", "carers", "online", "https://x.example", WEEKLY.schedule, "J")
    assert (
        views.calendar_file(COPY, nameless, SYD, NOW, service="S", bot_username=None)[0]
        == "group.ics"
    )


def test_coordinator_screens() -> None:
    check_snapshot(
        "groups/manage",
        *views.manage(COPY, [MONTHLY, WEEKLY], {7: (2, 3)}, COPY.text("groups.saved")),
    )
    check_snapshot("groups/manage_none", *views.manage(COPY, [], {}))
    plans = [
        MeetingPlan("2026-03-10", datetime(2026, 3, 10, 7, 0, tzinfo=UTC), 1, 1, None),
        MeetingPlan("2026-03-24", datetime(2026, 3, 24, 7, 0, tzinfo=UTC), 0, 0, None),
    ]
    last = MeetingCount(7, "2026-03-03", datetime(2026, 3, 3, 7, 0, tzinfo=UTC), 2, 1, 0)
    check_snapshot("groups/card", *views.card(COPY, WEEKLY, (2, 3), SYD, SYD, NOW, plans, last))
    check_snapshot("groups/edit_menu", *views.edit_menu(COPY, WEEKLY))
    check_snapshot("groups/choose_meeting", *views.choose_meeting(COPY, WEEKLY, SYD, SYD, NOW))
    start = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)
    check_snapshot(
        "groups/cancel_question", *views.cancel_question(COPY, WEEKLY, "2026-03-24", start, SYD, 2)
    )
    check_snapshot("groups/retire_question", *views.retire_question(COPY, MONTHLY))


def test_wizard_screens() -> None:
    check_snapshot("groups/ask_name", *views.question(COPY, "groups.ask_name"))
    check_snapshot("groups/ask_time", *views.question(COPY, "groups.ask_time", tz="Sydney"))
    check_snapshot(
        "groups/ask_capacity", *views.question(COPY, "groups.ask_capacity", no_limit=True)
    )
    check_snapshot("groups/ask_audience", *views.audience_question(COPY))
    check_snapshot("groups/ask_format", *views.format_question(COPY))
    check_snapshot("groups/ask_kind", *views.kind_question(COPY))
    check_snapshot("groups/summary", *views.summary(COPY, MONTHLY, SYD, SYD, NOW))


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (InputProblem("not_real_date", "", text="31 february"), "'31 february' is not a real date"),
        (
            InputProblem("date_passed", "", day=date(2026, 3, 1)),
            "Sun 1 Mar 2026 has already passed",
        ),
        (InputProblem("too_many_dates", "", most=12), "give at most 12 dates"),
        (InputProblem("link", ""), "the link should start with https:// and have no spaces"),
        (InputProblem("capacity", ""), "give a number of places between 1 and 500"),
    ],
)
def test_reasons_come_from_the_copy(problem: InputProblem, expected: str) -> None:
    assert views.reason(COPY, problem) == expected


def test_every_reason_the_domain_gives_has_copy() -> None:
    import ast
    from pathlib import Path

    import bot.domain.groups as domain

    tree = ast.parse(Path(domain.__file__).read_text(encoding="utf-8"))
    keys = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "InputProblem"
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(keys) >= 12
    assert {k for k in keys if not COPY.has(f"groups.reason_{k}")} == set()
    assert COPY.has("groups.reason_one_date")  # the wizard's own


def test_try_again_escapes_what_was_typed() -> None:
    why = views.reason(COPY, InputProblem("time_shape", "", text="<b>noon</b>"))
    check_snapshot("groups/try_again", *views.try_again(COPY, why))
    assert "&lt;b&gt;" in views.try_again(COPY, why)[0]


def test_a_member_answers_for_the_next_meeting_on_the_details() -> None:
    shown = Group(
        7,
        WEEKLY.name,
        WEEKLY.description,
        WEEKLY.audience,
        WEEKLY.format,
        WEEKLY.place,
        WEEKLY.schedule,
        WEEKLY.facilitator,
        None,
        members_visible=True,
    )
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    seen = Standing(
        shown,
        (3, 0),
        Membership(7, 1, "member"),
        ("2026-03-10", start),
        "no",
        ("Pat", None, "Jo <3"),
    )
    check_snapshot(
        "groups/detail_member_answered", *views.detail(COPY, seen, "any", -1, SYD, SYD, NOW)
    )
    text = views.detail(COPY, seen, "any", -1, SYD, SYD, NOW)[0]
    assert "Coming: Pat, Jo &lt;3 and 1 other" in text


def test_counts_read_as_people_say_them() -> None:
    assert views.counted(COPY, "groups.people", 1) == "1 person"
    assert views.counted(COPY, "groups.people", 2) == "2 people"
    assert views.counted(COPY, "groups.members", 0) == "no members"
    assert views.counted(COPY, "groups.members", 1) == "1 member"
    assert (
        views.manage(COPY, [WEEKLY], {7: (1, 0)})[1].inline_keyboard[0][0].text
        == "Parents together (1 member)"
    )
    assert (
        "We'll let its 1 member know."
        in views.cancel_question(COPY, WEEKLY, "2026-03-24", NOW, SYD, 1)[0]
    )
    assert (
        views.cancelled_done(COPY, 2)
        == "That meeting is cancelled, and its 2 members have been told."
    )
    assert views.names_text(COPY, [None, None]) == "2 people"
    assert views.names_text(COPY, ["Pat"]) == "Pat"


def test_entries_without_a_capacity_leave_no_blank_line_or_trailing_space() -> None:
    found = Directory([MONTHLY, WEEKLY], {}, {}, filtered=False)
    text = views.directory(COPY, found, "any", -1, SYD, SYD, NOW)[0]
    assert not [line for line in text.split("\n") if line != line.rstrip()]
    assert "\n\n\n" not in text
    for screen in (
        views.detail(COPY, Standing(MONTHLY, (0, 0), None), "any", -1, SYD, SYD, NOW),
        views.card(COPY, MONTHLY, (0, 0), SYD, SYD, NOW),
    ):
        assert not [line for line in screen[0].split("\n") if line != line.rstrip()]
        assert not screen[0].endswith("\n")


def test_the_waitlist_position_is_said_once_after_joining() -> None:
    seen = Standing(WEEKLY, (2, 2), _Place("waiting", 2))
    notice = views.joined_notice(COPY, Joined(WEEKLY, "waiting", 2))
    text = views.detail(COPY, seen, "any", -1, SYD, SYD, NOW, notice)[0]
    assert text.count("number 2") == 1
    # Opened later, without the notice, the details still say where they stand.
    assert views.detail(COPY, seen, "any", -1, SYD, SYD, NOW)[0].count("number 2") == 1


def test_no_meeting_after_a_cancelled_one_is_said_plainly() -> None:
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    text = views.notice_cancelled(COPY, WEEKLY, start, None, SYD)
    assert text.endswith("There's no meeting after that planned yet.")
    assert "no meetings planned yet" not in text


def test_times_in_the_readers_zone_and_ranges() -> None:
    # 09:00 on Tuesdays in Sydney is Monday 22:00 in London (before the clocks change).
    morning = Group(
        10,
        "Early",
        "x",
        "carers",
        "online",
        "https://x.example",
        Schedule("weekly", date(2026, 3, 10), 9 * 60, 60),
        "Jo",
    )
    assert views.schedule_text(COPY, morning, SYD, LONDON, NOW) == "Every Monday"
    assert views.next_text(COPY, morning, SYD, LONDON, NOW) == "Mon 9 Mar, 22:00–23:00"
    assert views.schedule_text(COPY, morning, SYD, SYD, NOW) == "Every Tuesday"
    monthly = Group(
        11,
        "M",
        "x",
        "carers",
        "online",
        "https://x.example",
        Schedule("monthly", date(2026, 3, 10), 9 * 60),
        "Jo",
    )
    assert views.schedule_text(COPY, monthly, SYD, LONDON, NOW) == "Once a month, on a Monday"
    week = tuple(date(2026, 3, d) for d in (9, 10, 11, 12, 13, 20))
    course = Group(
        12,
        "Course",
        "x",
        "carers",
        "online",
        "https://x.example",
        Schedule("once", week[0], 18 * 60, dates=week),
        "Jo",
    )
    assert views.schedule_text(COPY, course, SYD, SYD, NOW) == "On Mon–Fri 9–13 Mar, Fri 20 Mar"
    across = tuple(date(2026, m, d) for m, d in ((3, 30), (3, 31), (4, 1)))
    spanning = Group(
        13,
        "Span",
        "x",
        "carers",
        "online",
        "https://x.example",
        Schedule("once", across[0], 18 * 60, dates=across),
        "Jo",
    )
    assert views.schedule_text(COPY, spanning, SYD, SYD, NOW) == "On Mon 30 Mar – Wed 1 Apr"
