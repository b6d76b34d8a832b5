"""What the broadcast flow shows: pure functions from copy and data to text and keyboards.

Counts read as people say them ("This will go to 1 person"), and who an announcement is for
reads as part of the sentence it sits in ("Write the announcement for all carers").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
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

__all__ = [
    "announcement",
    "audience_question",
    "group_question",
    "people",
    "preview_question",
    "progress",
    "progress_done",
    "progress_markup",
    "report",
    "sending_now",
    "stopped_by",
    "text_question",
    "text_refused",
]

Screen = tuple[str, InlineKeyboardMarkup]
_SHOWN_START = 30  # characters of an announcement shown to name it
_MAX_SENDING = 5


class Sending(Protocol):
    """A broadcast being sent, as the list of them shows it."""

    @property
    def broadcast_id(self) -> int:
        """Its id."""
        ...

    @property
    def created_by(self) -> int | None:
        """Its author (None once they have erased their data)."""
        ...

    @property
    def text(self) -> str:
        """What it says."""
        ...


def people(copy: Content, count: int) -> str:
    """'1 person', '1,240 people'."""
    return copy.button(
        "broadcast.people.one" if count == 1 else "broadcast.people.other",
        count=format_count(count),
    )


def _start_of(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= _SHOWN_START else words[: _SHOWN_START - 1].rstrip() + "…"


def _stop_row(copy: Content) -> list[Choice]:
    return [(copy.button("broadcast.stop_button"), Stop())]


def announcement(copy: Content, service: str, text: str, group: str | None = None) -> str:
    """The announcement as recipients see it (the coordinator's text escaped); to a group's
    members, headed with the group's name (someone in two groups knows which it is about)."""
    if group:
        return copy.text("broadcast.message_group", service=service, group=group, text=text)
    return copy.text("broadcast.message", service=service, text=text)


def audience_question(copy: Content) -> Screen:
    """Who should this announcement go to?"""
    return copy.text("broadcast.ask_audience"), rows(
        *[
            [(copy.button(f"broadcast.audience_{a}"), PickAudience(a))]  # type: ignore[arg-type]
            for a in AUDIENCES
        ],
        _stop_row(copy),
    )


def group_question(copy: Content, groups: Sequence[Group]) -> Screen:
    """Which group's members? (Or back to the audiences.)"""
    key = "broadcast.ask_group" if groups else "broadcast.no_groups"
    return copy.text(key), rows(
        *[[(g.name[:40], PickGroup(g.group_id))] for g in groups[:40]],
        back_row(copy, Back()),
        _stop_row(copy),
    )


def text_question(copy: Content, audience: str, group_name: str = "") -> Screen:
    """Write the announcement (for whom)."""
    who = (
        copy.button("broadcast.audience_group_named", name=group_name)
        if audience == "group"
        else copy.button(f"broadcast.audience_in_text_{audience}")
    )
    return copy.text("broadcast.ask_text", audience=who), rows(_stop_row(copy))


def text_refused(copy: Content, key: str) -> Screen:
    """Why that can't be sent (copy KEY), with Stop."""
    return copy.text(key), rows(_stop_row(copy))


def preview_question(copy: Content, count: int) -> Screen:
    """Send it to COUNT people now? (Nobody: only change the text, or stop.)"""
    lines: list[list[Choice]] = [
        [(copy.button("broadcast.retext_button"), Retext())],
        _stop_row(copy),
    ]
    if count:
        lines.insert(
            0, [(copy.button("broadcast.send_button", people=people(copy, count)), Send())]
        )
    key = "broadcast.preview" if count else "broadcast.preview_nobody"
    return copy.text(key, people=people(copy, count)), rows(*lines)


def progress_markup(copy: Content, broadcast_id: int) -> InlineKeyboardMarkup:
    """The Stop sending button under the progress message."""
    return rows([(copy.button("broadcast.cancel_button"), StopSending(broadcast_id))])


def progress(copy: Content, broadcast_id: int, report: Report) -> Screen:
    """Sending… done of total (percent), with Stop sending."""
    return copy.text(
        "broadcast.progress",
        done=format_count(report.done),
        total=format_count(report.total),
        percent=report.percent,
    ), progress_markup(copy, broadcast_id)


def progress_done(copy: Content, report: Report, *, stopped: bool = False) -> str:
    """The progress message once sending has ended (no button any more)."""
    if stopped:
        return copy.text(
            "broadcast.progress_stopped",
            delivered=format_count(report.delivered),
            total=format_count(report.total),
        )
    return copy.text(
        "broadcast.progress_done", done=format_count(report.done), total=format_count(report.total)
    )


def stopped_by(copy: Content, *, you: bool, name: str | None) -> str:
    """Who stopped it, for its author: 'You stopped your announcement.', 'Dana stopped
    your announcement.'."""
    if you:
        return copy.text("broadcast.stopped_by_you")
    if name:
        return copy.text("broadcast.stopped_by_name", name=name)
    return copy.text("broadcast.stopped_by_someone")


def report(
    copy: Content,
    report: Report,
    *,
    stopped: bool,
    stopper: str | None = None,
    author: str | None = None,
) -> str:
    """The report at the end: delivered, blocked, failed (and not sent, and who stopped it,
    when stopped). AUTHOR, when given, makes it the report for the coordinator who stopped
    someone else's announcement."""
    counts = {
        "total": format_count(report.total),
        "delivered": format_count(report.delivered),
        "blocked": format_count(report.blocked),
        "failed": format_count(report.failed),
        "not_sent": format_count(report.not_sent),
    }
    if not stopped:
        return copy.text("broadcast.report", **counts)
    if author is not None:
        return copy.text("broadcast.report_cancelled_other", author=author, **counts)
    who = stopper if stopper is not None else stopped_by(copy, you=True, name=None)
    return copy.text("broadcast.report_cancelled", stopped_by=Raw(who), **counts)


def sending_now(
    copy: Content, sending: Sequence[tuple[Sending, Report]], authors: Mapping[int, str | None]
) -> Screen | None:
    """Announcements being sent now, each with a Stop button any coordinator may press
    (None when there are none). AUTHORS: each author's chosen name, if they have one."""
    if not sending:
        return None
    lines, buttons = [], []
    for broadcast, done in sending[:_MAX_SENDING]:
        start = _start_of(broadcast.text) or copy.button("broadcast.photo_only")
        if broadcast.created_by is None:
            author = copy.button("broadcast.sending_now_author_gone")
        else:
            author = authors.get(broadcast.created_by) or copy.button(
                "broadcast.coordinator_unnamed"
            )
        lines.append(
            copy.text(
                "broadcast.sending_now_line",
                start=start,
                author=author,
                done=format_count(done.done),
                total=format_count(done.total),
            )
        )
        buttons.append(
            [
                (
                    copy.button("broadcast.stop_named_button", start=start[:40]),
                    StopSending(broadcast.broadcast_id),
                )
            ]
        )
    return copy.text("broadcast.sending_now", lines=Raw("\n".join(lines))), rows(*buttons)
