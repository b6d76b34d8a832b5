"""Nominated hours in people's words: the day names and times they may type, and hours shown
as people read them on a phone, in the copy's words (content/copy/dates.yaml and profile.yaml):
days in a row as one range ("Mon–Fri 9am–9pm; Sat 10am–2pm"), a time zone by the name of its
place ("Sydney time"), never its database id, and a region by its name ("Australia"). Shared
by every flow that reads or shows a peer worker's hours or asks where someone is."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content import Content
from bot.domain.hours import HoursGroup, HoursWords, Window, group_windows

__all__ = ["describe_hours", "hours_words", "region_name", "zone_name"]


def hours_words(copy: Content) -> HoursWords:
    """The day names, 'to' words and am/pm words a person may type, from COPY."""
    days: dict[str, int] = {}
    for index in range(7):
        names = [copy.weekday(index), copy.weekday(index, long=True)]
        extra = f"profile.hours.more_day_words.{index}"
        if copy.has(extra):
            names.extend(copy.raw(extra).split())
        days.update({name.casefold(): index for name in names})
    return HoursWords(
        days,
        tuple(copy.raw("profile.hours.to_words").split()),
        tuple(copy.raw("profile.hours.am_words").split()),
        tuple(copy.raw("profile.hours.pm_words").split()),
    )


def zone_name(copy: Content, timezone: str) -> str:
    """The place a time zone is named after, as people say it ('Australia/Sydney' ->
    'Sydney'): the copy's name for it, else the last part of the id without underscores."""
    key = f"profile.zones.{timezone}"
    if copy.has(key):
        return copy.button(key)
    return timezone.rsplit("/", 1)[-1].replace("_", " ")


def region_name(copy: Content, region: str) -> str:
    """A region as people say it ('AU' -> 'Australia'): the copy's name for it, else the
    code the settings use."""
    key = f"common.regions.{region}"
    return copy.button(key) if copy.has(key) else region


def _time(copy: Content, minutes: int) -> str:
    if minutes in (0, 1440):
        return copy.button("profile.hours.midnight")
    hour, minute = divmod(minutes, 60)
    key = "profile.hours.time_on_the_hour" if minute == 0 else "profile.hours.time"
    return copy.button(
        key,
        h12=hour % 12 or 12,
        h24=f"{hour:02d}",
        minute=f"{minute:02d}",
        half=copy.button("profile.hours.am" if hour < 12 else "profile.hours.pm"),
    )


def _days(copy: Content, group: HoursGroup) -> str:
    if group.days == 7:
        return copy.button("profile.hours.every_day")
    parts: list[str] = []
    for first, last in group.runs:
        length = (last - first) % 7 + 1
        if length >= 3:
            parts.append(
                copy.button(
                    "profile.hours.day_range", first=copy.weekday(first), last=copy.weekday(last)
                )
            )
        else:
            parts.extend(copy.weekday((first + i) % 7) for i in range(length))
    return copy.button("profile.hours.day_joiner").join(parts)


def _group(copy: Content, group: HoursGroup) -> str:
    if group.all_day and group.days == 7:
        return copy.button("profile.hours.always")
    if group.all_day:
        times = copy.button("profile.hours.all_day")
    else:
        times = copy.button("profile.hours.span_joiner").join(
            copy.button("profile.hours.span", start=_time(copy, start), end=_time(copy, end))
            for start, end in group.spans
        )
    return copy.button("profile.hours.group", days=_days(copy, group), times=times)


def describe_hours(copy: Content, windows: Iterable[Window], timezone: str | None = None) -> str:
    """Windows as people read them, like 'Mon–Fri 9am–9pm; Sat 10am–2pm', and with TIMEZONE
    '…, Sydney time'; '' without windows (plain text: escape it, or pass it as a copy
    parameter, which does)."""
    groups = group_windows(windows)
    if not groups:
        return ""
    text = copy.button("profile.hours.group_joiner").join(_group(copy, g) for g in groups)
    if timezone:
        text = copy.button("profile.hours.with_zone", hours=text, zone=zone_name(copy, timezone))
    return text
