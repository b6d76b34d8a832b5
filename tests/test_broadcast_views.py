"""The broadcast flow's views, as a coordinator reads them (tests/snapshots/broadcast/)."""

from __future__ import annotations

from datetime import date

from bot.content import Content
from bot.domain.broadcast import report_from_counts
from bot.domain.groups import Group, Schedule
from flows.broadcast import views
from tests.snapshot import check_snapshot

COPY = Content()
GROUP = Group(7, "Parents together", "x", "carers_parent", "online", "https://x.example",
              Schedule("weekly", date(2026, 3, 10), 18 * 60), "Jo")


def test_composing() -> None:
    check_snapshot("broadcast/ask_audience", *views.audience_question(COPY))
    check_snapshot("broadcast/ask_group", *views.group_question(COPY, [GROUP]))
    check_snapshot("broadcast/no_groups", *views.group_question(COPY, []))
    check_snapshot("broadcast/ask_text_group", *views.text_question(COPY, "group", GROUP.name))
    check_snapshot("broadcast/ask_text_carers", *views.text_question(COPY, "carers"))
    check_snapshot("broadcast/too_long", *views.text_refused(COPY, "broadcast.bad_text"))


def test_preview() -> None:
    check_snapshot("broadcast/announcement",
                   views.announcement(COPY, "Harbour Health", "Bring <b>a friend</b> & a snack."))
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
