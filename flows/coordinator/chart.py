"""The /report chart: the service's main trends month by month (new people, matches made,
check-ins answered, crisis cards), as a PNG made for a phone.

Telegram shows a photo about 360 px wide on most phones, so it is drawn 720 px wide (twice
that, for sharp text) and tall: one small bar chart per trend, one above the other, each
month's count written on its bar. Counts come in already suppressed (bot/services/evaluation.py
`chart_series`): a month shown as "<5" or "*" has no bar, only its label, so the picture never
tells more than the report does.

Everything it needs comes in as arguments (the words from the copy included), so it runs in
bot/charts.py's worker processes, away from the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.services.evaluation import Series

__all__ = [
    "DPI",
    "HEIGHT_PX",
    "PHONE_PX",
    "WIDTH_PX",
    "ReportChartLabels",
    "month_ticks",
    "render_report_chart",
]

WIDTH_PX, HEIGHT_PX, DPI = 720, 1280, 160
PHONE_PX = 360
MAX_MONTH_TICKS = 7
_TEXT_PT = 12.0  # 12 pt at 160 dpi is 27 px: 13 px at 360 px wide
_TITLE_PT = 13.5
_BAR = "#0072B2"  # Okabe-Ito blue: safe for colour blindness
_MUTED = "#555555"


@dataclass(frozen=True, slots=True)
class ReportChartLabels:
    """The chart's words, from the coordinator's copy."""

    title: str
    titles: dict[str, str]  # per series key
    months: tuple[str, ...]  # a label per month in the period ("Jan", "Jan 2026")
    empty: str  # a trend with nothing in the period


def month_ticks(count: int, most: int = MAX_MONTH_TICKS) -> list[int]:
    """Which of COUNT months get a label: all when few, else every other (or third...),
    always the first."""
    step = max(1, -(-count // most))
    return list(range(0, count, step))


def _panel(ax: Any, series: Series, title: str, labels: ReportChartLabels) -> None:
    ax.set_title(title, loc="left", fontsize=_TITLE_PT, fontweight="bold")
    ax.tick_params(labelsize=_TEXT_PT, length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    xs = list(range(len(series.values)))
    ax.set_xlim(-0.6, len(xs) - 0.4)
    top = max([*series.values, 1])
    ax.set_ylim(0, top * 1.35)
    shown = month_ticks(len(xs))
    ax.set_xticks(shown, [labels.months[i] for i in shown])
    if all(label == "0" for label in series.labels):
        ax.text(
            0.5,
            0.5,
            labels.empty,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=_TEXT_PT,
            color=_MUTED,
        )
        return
    ax.bar(xs, series.values, color=_BAR, width=0.7)
    for x, n, label in zip(xs, series.values, series.labels, strict=True):
        ax.text(
            x,
            n + top * 0.04,
            label,
            ha="center",
            va="bottom",
            fontsize=_TEXT_PT,
            color="black" if label.isdigit() else _MUTED,
        )


def render_report_chart(series: Sequence[Series], labels: ReportChartLabels) -> bytes:
    """A PNG of each trend month by month (the figure API, no pyplot: no global state;
    matplotlib imported here, in the worker)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(labels.title, fontsize=_TITLE_PT, x=0.02, ha="left")
    for ax, one in zip(fig.subplots(len(series), 1), series, strict=True):
        _panel(ax, one, labels.titles[one.key], labels)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
