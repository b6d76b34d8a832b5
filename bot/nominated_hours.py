"""Nominated hours in people's words: the day names they may type, and windows shown with
the copy's weekday names (content/copy/dates.yaml and profile.yaml). Shared by every flow that
reads or shows a peer worker's hours."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content import Content
from bot.domain.hours import HoursWords, Window

__all__ = ["describe_hours", "hours_words"]


def hours_words(copy: Content) -> HoursWords:
    """The day names and 'to' words a person may type, from COPY."""
    days: dict[str, int] = {}
    for index in range(7):
        names = [copy.weekday(index), copy.weekday(index, long=True)]
        extra = f"profile.hours.more_day_words.{index}"
        if copy.has(extra):
            names.extend(copy.raw(extra).split())
        days.update({name.casefold(): index for name in names})
    return HoursWords(days, tuple(copy.raw("profile.hours.to_words").split()))


def _time(copy: Content, minutes: int) -> str:
    return copy.button("dates.time", hour=f"{minutes // 60:02d}", minute=f"{minutes % 60:02d}")


def describe_hours(copy: Content, windows: Iterable[Window]) -> str:
    """Windows as people read them, like 'Mon 18:00-20:00, Wed 18:00-20:00' (plain text:
    escape it, or pass it as a copy parameter, which does)."""
    return copy.button("profile.hours.joiner").join(
        copy.button("profile.hours.window", day=copy.weekday(w.weekday),
                    start=_time(copy, w.start), end=_time(copy, w.end))
        for w in sorted(windows))
