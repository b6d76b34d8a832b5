"""What the broadcast flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.domain.broadcast import AUDIENCES, Report, format_count
from bot.domain.groups import Group
from bot.keyboards import Choice, back_row, rows
from flows.broadcast.callbacks import (
    Back,
    PickAudience,
    PickGroup,
    Retext,
    Send,
    Stop,
    StopSending,
)

__all__ = ["announcement", "audience_question", "group_question", "preview_question",
           "progress", "progress_done", "progress_markup", "report", "text_question",
           "text_refused"]

Screen = tuple[str, InlineKeyboardMarkup]


def _stop_row(copy: Content) -> list[Choice]:
    return [(copy.button("broadcast.stop_button"), Stop())]


def announcement(copy: Content, service: str, text: str) -> str:
    """The announcement as recipients see it (the coordinator's text escaped)."""
    return copy.text("broadcast.message", service=service, text=text)


def audience_question(copy: Content) -> Screen:
    """Who should this announcement go to?"""
    return copy.text("broadcast.ask_audience"), rows(
        *[[(copy.button(f"broadcast.audience_{a}"), PickAudience(a))]  # type: ignore[arg-type]
          for a in AUDIENCES], _stop_row(copy))


def group_question(copy: Content, groups: Sequence[Group]) -> Screen:
    """Which group's members? (Or back to the audiences.)"""
    key = "broadcast.ask_group" if groups else "broadcast.no_groups"
    return copy.text(key), rows(*[[(g.name[:40], PickGroup(g.group_id))] for g in groups[:40]],
                                back_row(copy, Back()), _stop_row(copy))


def text_question(copy: Content, audience: str, group_name: str = "") -> Screen:
    """Write the announcement (for whom)."""
    who = (copy.button("broadcast.audience_group_named", name=group_name)
           if audience == "group" else copy.button(f"broadcast.audience_{audience}"))
    return copy.text("broadcast.ask_text", audience=who), rows(_stop_row(copy))


def text_refused(copy: Content, key: str) -> Screen:
    """Why that can't be sent (copy KEY), with Stop."""
    return copy.text(key), rows(_stop_row(copy))


def preview_question(copy: Content, count: int) -> Screen:
    """Send it to COUNT people now? (Nobody: only change the text, or stop.)"""
    lines: list[list[Choice]] = [[(copy.button("broadcast.retext_button"), Retext())],
                                 _stop_row(copy)]
    if count:
        lines.insert(0, [(copy.button("broadcast.send_button", count=format_count(count)),
                          Send())])
    key = "broadcast.preview" if count else "broadcast.preview_nobody"
    return copy.text(key, count=format_count(count)), rows(*lines)


def progress_markup(copy: Content, broadcast_id: int) -> InlineKeyboardMarkup:
    """The Stop sending button under the progress message."""
    return rows([(copy.button("broadcast.cancel_button"), StopSending(broadcast_id))])


def progress(copy: Content, broadcast_id: int, report: Report) -> Screen:
    """Sending… done of total (percent), with Stop sending."""
    return copy.text("broadcast.progress", done=format_count(report.done),
                     total=format_count(report.total), percent=report.percent), \
        progress_markup(copy, broadcast_id)


def progress_done(copy: Content, report: Report) -> str:
    """The progress message once sending has ended."""
    return copy.text("broadcast.progress_done", done=format_count(report.done),
                     total=format_count(report.total))


def report(copy: Content, report: Report, *, stopped: bool) -> str:
    """The report at the end: delivered, blocked, failed (and not sent, when stopped)."""
    return copy.text("broadcast.report_cancelled" if stopped else "broadcast.report",
                     total=format_count(report.total), delivered=format_count(report.delivered),
                     blocked=format_count(report.blocked), failed=format_count(report.failed),
                     not_sent=format_count(report.not_sent))
