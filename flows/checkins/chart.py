"""The /mood chart: a PNG of the last 30 and 90 days of ratings, drawn from plain data.

Everything it needs comes in as arguments (the labels from the copy included), so it runs in
bot/charts.py's worker processes, away from the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.checkins import RATINGS, Answer

__all__ = ["ChartLabels", "render_chart"]


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, from the person's copy."""

    title30: str
    title90: str
    rating: str
    mood: str
    skills: str
    tick: str  # a date on the time axis: "{day} {month}"
    months: tuple[str, ...]  # January first


def render_chart(answers: Sequence[Answer], now: datetime, tz: ZoneInfo,
                 labels: ChartLabels) -> bytes:
    """A PNG of the last 30 and 90 days of ratings, with check-ins that used a skill marked.

    matplotlib is imported in the worker, not at start-up, so the bot starts light; the
    Figure API (no pyplot) keeps no global state.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, num2date
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    def tick(value: float, _position: object) -> str:
        day = num2date(value)
        return labels.tick.format(day=day.day, month=labels.months[day.month - 1])

    fig = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    points = [(a.at.astimezone(tz).replace(tzinfo=None), a.rating, bool(a.skills))
              for a in answers]
    for ax, days, title in zip(fig.subplots(2, 1), (30, 90), (labels.title30, labels.title90),
                               strict=True):
        since = local_now - timedelta(days=days)
        shown = [p for p in points if p[0] > since]
        ax.set_title(title, loc="left", fontsize=11)
        ax.set_xlim(since, local_now)
        ax.set_ylim(0.5, 5.5)
        ax.set_yticks(list(RATINGS))
        ax.set_ylabel(labels.rating)
        ax.grid(True, axis="y", alpha=0.3)
        if shown:
            xs, ys = [p[0] for p in shown], [p[1] for p in shown]
            ax.plot(xs, ys, color="#0072B2", marker="o", markersize=4, linewidth=1.5,
                    label=labels.mood)
            skilled = [p for p in shown if p[2]]
            if skilled:
                ax.scatter([p[0] for p in skilled], [p[1] for p in skilled], marker="D",
                           s=60, facecolors="none", edgecolors="#D55E00", linewidths=1.8,
                           zorder=3, label=labels.skills)
            ax.legend(loc="lower left", fontsize=8, frameon=False)
        ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=8))
        ax.xaxis.set_major_formatter(FuncFormatter(tick))
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
