"""The /mood chart: a PNG of the last 30 and 90 days of ratings, drawn from plain data.

Made for a phone. Telegram shows a photo about 360 px wide on most phones, so the chart is
drawn 720 px wide (twice that, for sharp text) and tall rather than wide, one period above
the other; every word on it is at least 12 px tall at 360 px; the scale is in words ("very
low" ... "very good", from the copy); the time axis has only the days the person answered,
one slot each, so a day without a check-in is left out rather than drawn as a zero or a gap,
and it names at most four of them.

Everything it needs comes in as arguments (the words from the copy included), so it runs in
bot/charts.py's worker processes, away from the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.checkins import RATINGS, Answer, DayMood, daily_moods

__all__ = [
    "DPI",
    "HEIGHT_PX",
    "MAX_DATE_TICKS",
    "MIN_TEXT_PX",
    "PHONE_PX",
    "WIDTH_PX",
    "ChartLabels",
    "date_ticks",
    "figure",
    "render_chart",
]

WIDTH_PX, HEIGHT_PX, DPI = 720, 960, 160
PHONE_PX = 360  # how wide Telegram shows the photo on a small phone
MIN_TEXT_PX = 12  # the smallest text, as tall as it reads at PHONE_PX
MAX_DATE_TICKS = 4
_TEXT_PT = 13.0  # 13 pt at 160 dpi is 29 px: 14.4 px at 360 px wide
_TITLE_PT = 14.5
_LINE, _SKILL = "#0072B2", "#D55E00"  # Okabe-Ito blue and vermilion: safe for colour blindness


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, from the person's copy."""

    title30: str
    title90: str
    scale: tuple[str, ...]  # the words for 1 to 5
    empty: str  # a period without a check-in
    tick: str  # a date on the time axis: "{day} {month}"
    months: tuple[str, ...]  # January first


def date_ticks(count: int, most: int = MAX_DATE_TICKS) -> list[int]:
    """Which of COUNT day slots get a date under them: the first, the last, and evenly
    between, at most MOST."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def figure(answers: Sequence[Answer], now: datetime, tz: ZoneInfo, labels: ChartLabels) -> Any:
    """The chart as a matplotlib Figure (the Figure API, no pyplot: no global state).

    matplotlib is imported here, in the worker, not at start-up, so the bot starts light.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    for ax, days, title in zip(
        fig.subplots(2, 1), (30, 90), (labels.title30, labels.title90), strict=True
    ):
        _panel(ax, daily_moods(answers, tz, now - timedelta(days=days)), title, labels)
    return fig


def _panel(ax: Any, moods: list[DayMood], title: str, labels: ChartLabels) -> None:
    ax.set_title(title, loc="left", fontsize=_TITLE_PT, fontweight="bold")
    ax.set_ylim(0.5, 5.5)
    ax.set_yticks(list(RATINGS), list(labels.scale))
    ax.tick_params(labelsize=_TEXT_PT, length=0)
    ax.grid(True, axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not moods:
        ax.set_xticks([])
        ax.text(
            0.5,
            0.5,
            labels.empty,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=_TEXT_PT,
            color="#555555",
        )
        return
    xs = list(range(len(moods)))
    ax.set_xlim(-0.5, len(moods) - 0.5)
    ax.plot(xs, [m.rating for m in moods], color=_LINE, marker="o", markersize=7, linewidth=2.5)
    skilled = [(x, m.rating) for x, m in zip(xs, moods, strict=True) if m.skilled]
    if skilled:
        ax.scatter(
            [x for x, _ in skilled],
            [y for _, y in skilled],
            marker="D",
            s=170,
            facecolors="none",
            edgecolors=_SKILL,
            linewidths=2.2,
            zorder=3,
        )
    shown = date_ticks(len(moods))
    ax.set_xticks(
        shown,
        [
            labels.tick.format(day=moods[i].day.day, month=labels.months[moods[i].day.month - 1])
            for i in shown
        ],
    )


def render_chart(
    answers: Sequence[Answer], now: datetime, tz: ZoneInfo, labels: ChartLabels
) -> bytes:
    """A PNG of the last 30 and 90 days of ratings, days with a skill used marked."""
    out = io.BytesIO()
    figure(answers, now, tz, labels).savefig(out, format="png")
    return out.getvalue()
