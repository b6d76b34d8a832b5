"""The broadcast flow's views, as a coordinator reads them (tests/snapshots/broadcast/)."""

from __future__ import annotations

from datetime import date

from bot.content import Content
from bot.domain.broadcast import report_from_counts
from bot.domain.groups import Group, Schedule
from flows.broadcast import views
from tests.snapshot import check_snapshot

COPY = Content()
GROUP = Group(
    7,
    "Parents together",
    "x",
    "carers_parent",
    "online",
    "https://x.example",
    Schedule("weekly", date(2026, 3, 10), 18 * 60),
    "Jo",
)


def test_composing() -> None:
    check_snapshot("broadcast/ask_audience", *views.audience_question(COPY))
    check_snapshot("broadcast/ask_group", *views.group_question(COPY, [GROUP]))
    check_snapshot("broadcast/no_groups", *views.group_question(COPY, []))
    check_snapshot("broadcast/ask_text_group", *views.text_question(COPY, "group", GROUP.name))
    check_snapshot("broadcast/ask_text_carers", *views.text_question(COPY, "carers"))
    check_snapshot("broadcast/too_long", *views.text_refused(COPY, "broadcast.bad_text"))


def test_preview() -> None:
    check_snapshot(
        "broadcast/announcement",
        views.announcement(COPY, "Harbour Health", "Bring <b>a friend</b> & a snack."),
    )
    check_snapshot("broadcast/preview", *views.preview_question(COPY, 1240))
    check_snapshot("broadcast/preview_nobody", *views.preview_question(COPY, 0))


def test_progress_and_report() -> None:
    midway = report_from_counts({"delivered": 600, "blocked": 20, "pending": 380})
    check_snapshot("broadcast/progress", *views.progress(COPY, 12, midway))
    done = report_from_counts({"delivered": 970, "blocked": 20, "failed": 10})
    check_snapshot("broadcast/progress_done", views.progress_done(COPY, done))
    check_snapshot("broadcast/report", views.report(COPY, done, stopped=False))
    stopped = report_from_counts({"delivered": 30, "not_sent": 70})
    check_snapshot("broadcast/report_stopped", views.report(COPY, stopped, stopped=True))


def test_counts_and_who_in_a_sentence() -> None:
    assert views.preview_question(COPY, 1)[0] == "This will go to 1 person. Send it now?"
    assert views.preview_question(COPY, 1)[1].inline_keyboard[0][0].text == "Send to 1 person"
    assert views.preview_question(COPY, 2)[0] == "This will go to 2 people. Send it now?"
    for audience, who in (
        ("carers", "all carers"),
        ("consumers", "all people living with BPD"),
        ("peers", "all peer workers"),
    ):
        assert views.text_question(COPY, audience)[0].startswith(
            f"Write the announcement for {who}."
        )


def test_who_stopped_it_and_what_is_being_sent() -> None:
    from bot.storage.broadcast import Broadcast

    stopped = report_from_counts({"delivered": 30, "not_sent": 70})
    check_snapshot(
        "broadcast/report_stopped_by_another",
        views.report(
            COPY, stopped, stopped=True, stopper=views.stopped_by(COPY, you=False, name="Dana")
        ),
    )
    check_snapshot(
        "broadcast/report_for_the_stopper",
        views.report(COPY, stopped, stopped=True, author="Casey"),
    )
    check_snapshot("broadcast/progress_stopped", views.progress_done(COPY, stopped, stopped=True))
    assert views.sending_now(COPY, [], {}) is None
    sending = [
        Broadcast(
            3,
            900,
            "carers",
            None,
            "The carers' evening moves to Thursday this week.",
            None,
            "sending",
            100,
            None,
            0,
            0,
            None,
        ),
        Broadcast(4, None, "peers", None, "", "photo-id", "sending", 5, None, 0, 0, None),
    ]
    midway = report_from_counts({"delivered": 40, "pending": 60})
    check_snapshot(
        "broadcast/sending_now",
        *views.sending_now(
            COPY,
            [(sending[0], midway), (sending[1], report_from_counts({"pending": 5}))],
            {900: "Casey"},
        ),
    )  # type: ignore[misc]
