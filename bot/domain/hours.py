"""Nominated contact hours: weekly windows in a peer worker's own time zone.

Pure functions; the current time is always passed in. Daylight-saving safe: a window is
local wall-clock time, turned into UTC for the date it falls on.

The words people type for days ("Mon", "Tuesday", "to") are passed in as `HoursWords`, built
from the copy (bot/nominated_hours.py); `ENGLISH` is only the fallback for code with no copy at
hand (tests, benchmarks). A refusal is an `HoursError` naming its reason, never a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "ENGLISH",
    "HoursError",
    "HoursWords",
    "Window",
    "is_open",
    "local_instant",
    "next_open",
    "parse_windows",
    "windows_from_json",
    "windows_to_json",
]

_TIME = r"\d{1,2}(?::\d{2})?"


@dataclass(frozen=True)
class HoursWords:
    """The words people may type: day names (lower case) to weekday (0 = Monday), and the
    words that may stand between two times instead of a dash."""

    days: Mapping[str, int]
    to: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        between = "|".join(["-", *(re.escape(w) for w in sorted(self.to, key=len, reverse=True))])
        object.__setattr__(self, "_pattern", re.compile(
            r"^\s*(?P<days>[^\W\d_]+(?:\s*-\s*[^\W\d_]+)?)\s+"
            rf"(?P<start>{_TIME})\s*(?:{between})\s*(?P<end>{_TIME})\s*$", re.IGNORECASE))

    def window(self, chunk: str) -> re.Match[str] | None:
        """CHUNK split into days, start and end, if it has that shape."""
        return self._pattern.match(chunk)


#: The fallback words, for code that has no copy at hand (tests, benchmarks); people's words
#: come from content/copy (bot/nominated_hours.py).
ENGLISH = HoursWords(
    {word: day for day, words in enumerate((
        "mon monday", "tue tues tuesday", "wed weds wednesday", "thu thur thurs thursday",
        "fri friday", "sat saturday", "sun sunday")) for word in words.split()},
    ("to",))


class HoursError(ValueError):
    """Typed hours that can't be read: REASON is one of "shape", "time", "day", "order" or
    "empty", and PART is the piece of what was typed that it is about."""

    def __init__(self, reason: str, part: str = "") -> None:
        super().__init__(f"{reason}: {part}" if part else reason)
        self.reason = reason
        self.part = part


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """One weekly window: WEEKDAY (0 = Monday), from START to END minutes past midnight."""

    weekday: int
    start: int  # minutes past local midnight
    end: int    # exclusive; up to 1440

    def __post_init__(self) -> None:
        if not (0 <= self.weekday <= 6 and 0 <= self.start < self.end <= 1440):
            raise ValueError("a window needs a weekday and a start before its end")


def _minutes(text: str) -> int:
    hours, _, mins = text.partition(":")
    value = int(hours) * 60 + int(mins or 0)
    if not (0 <= int(hours) <= 24 and 0 <= int(mins or 0) < 60) or value > 1440:
        raise HoursError("time", text)
    return value


def _days(text: str, words: HoursWords) -> list[int]:
    parts = [p.strip().casefold() for p in text.split("-")]
    try:
        ids = [words.days[p] for p in parts]
    except KeyError as exc:
        raise HoursError("day", exc.args[0]) from None
    if len(ids) == 1:
        return ids
    first, last = ids
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def parse_windows(text: str, words: HoursWords = ENGLISH) -> tuple[Window, ...]:
    """Windows from lines or commas like 'Mon-Fri 18:00-20:00, Sat 10-12'.

    Raises HoursError with the reason and the part it is about, for a person to act on.
    """
    windows: list[Window] = []
    for chunk in re.split(r"[,\n;]+", text):
        if not chunk.strip():
            continue
        match = words.window(chunk)
        if not match:
            raise HoursError("shape", chunk.strip())
        start, end = _minutes(match["start"]), _minutes(match["end"])
        if end <= start:
            raise HoursError("order", chunk.strip())
        windows.extend(Window(day, start, end) for day in _days(match["days"], words))
    if not windows:
        raise HoursError("empty")
    return tuple(sorted(set(windows)))


def windows_to_json(windows: Iterable[Window]) -> list[list[int]]:
    """Windows as JSON-ready lists."""
    return [[w.weekday, w.start, w.end] for w in windows]


def windows_from_json(data: Iterable[Sequence[int]]) -> tuple[Window, ...]:
    """Windows back from stored JSON."""
    return tuple(sorted(Window(int(d), int(s), int(e)) for d, s, e in data))


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
