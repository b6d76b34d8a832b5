"""Nominated contact hours: weekly windows in a peer worker's own time zone.

Pure functions; the current time is always passed in. Daylight-saving safe: a window is
local wall-clock time, turned into UTC for the date it falls on.

The words people type for days ("Mon", "Tuesday", "to", "am") are passed in as `HoursWords`,
built from the copy (bot/nominated_hours.py); `ENGLISH` is only the fallback for code with no
copy at hand (tests, benchmarks). A refusal is an `HoursError` naming its reason, never a
sentence. `group_windows` gathers windows into the groups people read on a phone ("Mon-Fri
9am-9pm", not five lines); bot/nominated_hours.py puts them into the copy's words.
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
    "HoursGroup",
    "HoursWords",
    "Window",
    "group_windows",
    "is_open",
    "local_instant",
    "next_open",
    "parse_windows",
    "windows_from_json",
    "windows_to_json",
]

# A hyphen, or the dashes a phone's keyboard turns it into.
_DASHES = "-\u2013\u2014"


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class HoursWords:
    """The words people may type: day names (lower case) to weekday (0 = Monday), the words
    that may stand between two times instead of a dash, and the words after a time that make
    it morning (AM) or afternoon and evening (PM), as in '9am-5pm'."""

    days: Mapping[str, int]
    to: tuple[str, ...] = ()
    am: tuple[str, ...] = ()
    pm: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        between = "|".join(
            [f"[{_DASHES}]", *(re.escape(w) for w in sorted(self.to, key=len, reverse=True))]
        )
        halves = _alternatives((*self.am, *self.pm))
        clock = r"\d{1,2}(?:[:.]\d{2})?" + (rf"(?:\s*(?:{halves}))?" if halves else "")
        object.__setattr__(
            self,
            "_pattern",
            re.compile(
                rf"^\s*(?P<days>[^\W\d_]+(?:\s*[{_DASHES}]\s*[^\W\d_]+)?)\s+"
                rf"(?P<start>{clock})\s*(?:{between})\s*(?P<end>{clock})\s*$",
                re.IGNORECASE,
            ),
        )

    def window(self, chunk: str) -> re.Match[str] | None:
        """CHUNK split into days, start and end, if it has that shape."""
        return self._pattern.match(chunk)

    def half(self, text: str) -> tuple[str, str | None]:
        """TEXT (a time as typed) split into its digits and 'am' or 'pm' (None: neither)."""
        folded = text.casefold()
        for half, words in (("am", self.am), ("pm", self.pm)):
            for word in sorted(words, key=len, reverse=True):
                if folded.endswith(word.casefold()):
                    return text[: len(text) - len(word)].strip(), half
        return text.strip(), None


#: The fallback words, for code that has no copy at hand (tests, benchmarks); people's words
#: come from content/copy (bot/nominated_hours.py).
ENGLISH = HoursWords(
    {
        word: day
        for day, words in enumerate(
            (
                "mon monday",
                "tue tues tuesday",
                "wed weds wednesday",
                "thu thur thurs thursday",
                "fri friday",
                "sat saturday",
                "sun sunday",
            )
        )
        for word in words.split()
    },
    ("to",),
    ("am", "a.m."),
    ("pm", "p.m."),
)


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
    end: int  # exclusive; up to 1440

    def __post_init__(self) -> None:
        if not (0 <= self.weekday <= 6 and 0 <= self.start < self.end <= 1440):
            raise ValueError("a window needs a weekday and a start before its end")


@dataclass(frozen=True, slots=True)
class HoursGroup:
    """Days that share the same hours, as people read them: RUNS of days in a row (first,
    last; a run may go on past Sunday into Monday, and first == last is one day), and the
    SPANS (start, end minutes) each of those days has, earliest first."""

    runs: tuple[tuple[int, int], ...]
    spans: tuple[tuple[int, int], ...]

    @property
    def days(self) -> int:
        """How many days the group covers."""
        return sum((last - first) % 7 + 1 for first, last in self.runs)

    @property
    def all_day(self) -> bool:
        """Whether each of its days is open from midnight to midnight."""
        return self.spans == ((0, 1440),)


def _minutes(text: str, words: HoursWords) -> int:
    digits, half = words.half(text)
    hours, _, mins = digits.replace(".", ":").partition(":")
    value = int(hours) * 60 + int(mins or 0)
    if half is not None:
        # 12am is midnight, 12pm is noon; an hour past 12 with am or pm is a slip.
        if not 1 <= int(hours) <= 12 or not 0 <= int(mins or 0) < 60:
            raise HoursError("time", text.strip())
        return (int(hours) % 12 + (12 if half == "pm" else 0)) * 60 + int(mins or 0)
    if not (0 <= int(hours) <= 24 and 0 <= int(mins or 0) < 60) or value > 1440:
        raise HoursError("time", text.strip())
    return value


def _span(start_text: str, end_text: str, chunk: str, words: HoursWords) -> tuple[int, int]:
    start, end = _minutes(start_text, words), _minutes(end_text, words)
    if end == 0 < start:
        end = 1440  # "8pm-12am", "20:00-00:00": until midnight
    if (
        end <= start
        and end < 720
        and end + 720 > start
        and words.half(start_text)[1] is None
        and words.half(end_text)[1] is None
    ):
        end += 720  # "9-5": nobody means nine in the morning until five that morning
    if end <= start:
        raise HoursError("order", chunk.strip())
    return start, end


def _days(text: str, words: HoursWords) -> list[int]:
    parts = [p.strip().casefold() for p in re.split(f"[{_DASHES}]", text)]
    try:
        ids = [words.days[p] for p in parts]
    except KeyError as exc:
        raise HoursError("day", exc.args[0]) from None
    if len(ids) == 1:
        return ids
    first, last = ids
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def parse_windows(text: str, words: HoursWords = ENGLISH) -> tuple[Window, ...]:
    """Windows from lines or commas like 'Mon-Fri 18:00-20:00, Sat 10am-12:30pm'.

    Raises HoursError with the reason and the part it is about, for a person to act on.
    """
    windows: list[Window] = []
    for chunk in re.split(r"[,\n;]+", text):
        if not chunk.strip():
            continue
        match = words.window(chunk)
        if not match:
            raise HoursError("shape", chunk.strip())
        start, end = _span(match["start"], match["end"], chunk, words)
        windows.extend(Window(day, start, end) for day in _days(match["days"], words))
    if not windows:
        raise HoursError("empty")
    return tuple(sorted(set(windows)))


def _merged(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def _runs(days: Iterable[int]) -> tuple[tuple[int, int], ...]:
    chosen = set(days)
    if len(chosen) == 7:
        return ((0, 6),)
    runs = []
    for first in sorted(chosen):
        if (first - 1) % 7 in chosen:
            continue  # inside a run that started earlier (or on Sunday, for one into Monday)
        last = first
        while (last + 1) % 7 in chosen:
            last = (last + 1) % 7
        runs.append((first, last))
    return tuple(runs)


def group_windows(windows: Iterable[Window]) -> tuple[HoursGroup, ...]:
    """WINDOWS as groups of days with the same hours, in the order of the week: Mon-Fri
    9:00-21:00 and Sat 10:00-14:00 are two groups, not six lines. Overlapping or touching
    windows on one day read as one span."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for w in windows:
        by_day.setdefault(w.weekday, []).append((w.start, w.end))
    days_of: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day in sorted(by_day):
        days_of.setdefault(_merged(by_day[day]), []).append(day)
    groups = [HoursGroup(_runs(days), spans) for spans, days in days_of.items()]
    return tuple(sorted(groups, key=lambda g: (min(first for first, _ in g.runs), g.spans)))


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
