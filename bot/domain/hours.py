"""Nominated contact hours: weekly windows in a peer worker's own time zone.

Pure functions; the current time is always passed in. Daylight-saving safe: a window is
local wall-clock time, turned into UTC for the date it falls on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "WEEKDAYS",
    "Window",
    "format_windows",
    "is_open",
    "local_instant",
    "next_open",
    "parse_windows",
    "windows_from_json",
    "windows_to_json",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_ALIASES = {name.lower(): i for i, name in enumerate(WEEKDAYS)} | {
    full: i for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_WINDOW = re.compile(
    r"^\s*(?P<days>[A-Za-z]+(?:\s*-\s*[A-Za-z]+)?)\s+"
    r"(?P<start>\d{1,2}(?::\d{2})?)\s*(?:-|to)\s*(?P<end>\d{1,2}(?::\d{2})?)\s*$"
)


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """One weekly window: WEEKDAY (0 = Monday), from START to END minutes past midnight."""

    weekday: int
    start: int  # minutes past local midnight
    end: int    # exclusive; up to 1440

    def __post_init__(self) -> None:
        if not (0 <= self.weekday <= 6 and 0 <= self.start < self.end <= 1440):
            raise ValueError("a window needs a weekday and a start before its end")

    def label(self) -> str:
        """Like 'Mon 18:00-20:00'."""
        return f"{WEEKDAYS[self.weekday]} {_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    hours, _, mins = text.partition(":")
    value = int(hours) * 60 + int(mins or 0)
    if not (0 <= int(hours) <= 24 and 0 <= int(mins or 0) < 60) or value > 1440:
        raise ValueError(f"'{text}' is not a time of day")
    return value


def _days(text: str) -> list[int]:
    parts = [p.strip().lower() for p in text.split("-")]
    try:
        ids = [_DAY_ALIASES[p] for p in parts]
    except KeyError as exc:
        raise ValueError(f"'{exc.args[0]}' is not a day of the week") from None
    if len(ids) == 1:
        return ids
    first, last = ids
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def parse_windows(text: str) -> tuple[Window, ...]:
    """Windows from lines or commas like 'Mon-Fri 18:00-20:00, Sat 10-12'.

    Raises ValueError with a short reason a person can act on.
    """
    windows: list[Window] = []
    for chunk in re.split(r"[,\n;]+", text):
        if not chunk.strip():
            continue
        match = _WINDOW.match(chunk)
        if not match:
            raise ValueError(f"'{chunk.strip()}' should look like 'Mon 18:00-20:00'")
        start, end = _minutes(match["start"]), _minutes(match["end"])
        if end <= start:
            raise ValueError(f"in '{chunk.strip()}' the end time should be after the start")
        windows.extend(Window(day, start, end) for day in _days(match["days"]))
    if not windows:
        raise ValueError("no hours were given")
    return tuple(sorted(set(windows)))


def windows_to_json(windows: Iterable[Window]) -> list[list[int]]:
    """Windows as JSON-ready lists."""
    return [[w.weekday, w.start, w.end] for w in windows]


def windows_from_json(data: Iterable[Sequence[int]]) -> tuple[Window, ...]:
    """Windows back from stored JSON."""
    return tuple(sorted(Window(int(d), int(s), int(e)) for d, s, e in data))


def format_windows(windows: Iterable[Window]) -> str:
    """A short human list: 'Mon 18:00-20:00, Wed 18:00-20:00'."""
    return ", ".join(w.label() for w in sorted(windows))


def local_instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of MINUTES past midnight on DAY in TZ.

    A wall-clock time skipped by a daylight-saving jump is moved forward past the gap; an
    ambiguous one takes its first occurrence.
    """
    if minutes >= 1440:
        day, minutes = day + timedelta(days=1), minutes - 1440
    naive = datetime.combine(day, time(minutes // 60, minutes % 60))
    # PEP 495: with fold=0 a skipped time takes the offset from before the jump, which lands
    # it after the gap (01:30 on a 01:00->02:00 night becomes 02:30), and an ambiguous time
    # takes its first occurrence.
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def is_open(windows: Sequence[Window], tz: ZoneInfo, at: datetime) -> bool:
    """Whether AT falls inside one of WINDOWS."""
    local = at.astimezone(tz)
    for day_offset in (0, -1):
        day = local.date() + timedelta(days=day_offset)
        for w in windows:
            if w.weekday != day.weekday():
                continue
            if local_instant(day, w.start, tz) <= at < local_instant(day, w.end, tz):
                return True
    return False


def next_open(windows: Sequence[Window], tz: ZoneInfo, at: datetime) -> datetime | None:
    """AT if a window is open then, else when the next one opens; None without windows."""
    if not windows:
        return None
    if is_open(windows, tz, at):
        return at
    today = at.astimezone(tz).date()
    best: datetime | None = None
    for day_offset in range(0, 8):
        day = today + timedelta(days=day_offset)
        for w in windows:
            if w.weekday != day.weekday():
                continue
            opens = local_instant(day, w.start, tz)
            if opens > at and (best is None or opens < best):
                best = opens
        if best is not None:
            return best
    return best
