"""The /mood chart, made for a phone: read from the figure it draws (flows/checkins/chart.py),
and drawn through the chart process pool (bot/charts.py) as /mood does."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot import charts
from bot.content import Content
from bot.domain.checkins import Answer
from flows.checkins import chart, views

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SYDNEY = ZoneInfo("Australia/Sydney")
LABELS = views.chart_labels(Content())


def answers() -> list[Answer]:
    """Eleven days with check-ins over three months, with long gaps, two on one day."""
    days = (85, 60, 59, 40, 28, 27, 20, 9, 3, 2, 1)
    out = [
        Answer(NOW - timedelta(days=d), 1 + d % 5, ("mindfulness",) if d == 20 else ())
        for d in days
    ]
    return [*out, Answer(NOW - timedelta(days=1, hours=2), 5)]


def drawn() -> object:
    fig = chart.figure(answers(), NOW, SYDNEY, LABELS)
    fig.canvas.draw()
    return fig


def test_every_word_is_readable_at_phone_width() -> None:
    fig = drawn()
    width, height = (round(v) for v in fig.get_size_inches() * fig.dpi)  # type: ignore[attr-defined]
    assert (width, height) == (chart.WIDTH_PX, chart.HEIGHT_PX) and height > width
    from matplotlib.text import Text

    texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]  # type: ignore[attr-defined]
    assert texts
    for text in texts:
        px_on_phone = text.get_fontsize() * fig.dpi / 72 * chart.PHONE_PX / width  # type: ignore[attr-defined]
        assert px_on_phone >= chart.MIN_TEXT_PX, (text.get_text(), px_on_phone)


def test_the_scale_is_in_words_and_the_dates_are_few() -> None:
    fig = drawn()
    for ax in fig.axes:  # type: ignore[attr-defined]
        assert [t.get_text() for t in ax.get_yticklabels()] == [
            "very low",
            "low",
            "okay",
            "good",
            "very good",
        ]
        dates = [t.get_text() for t in ax.get_xticklabels()]
        assert 2 <= len(dates) <= chart.MAX_DATE_TICKS
    last30 = [t.get_text() for t in fig.axes[0].get_xticklabels()]  # type: ignore[attr-defined]
    assert last30[0] == "10 Feb" and last30[-1] == "9 Mar"


def test_only_days_with_data_are_drawn_never_a_zero() -> None:
    fig = drawn()
    last30, last90 = (ax.get_lines()[0] for ax in fig.axes)  # type: ignore[attr-defined]
    # Days with check-ins in the last 30 (28 days ago to yesterday): seven, one slot each,
    # however far apart; yesterday's two check-ins are one point, their average.
    assert list(last30.get_xdata()) == list(range(7))
    assert list(last30.get_ydata())[-1] == 3.5
    assert len(last90.get_xdata()) == 11
    for line in (last30, last90):
        assert min(line.get_ydata()) >= 1


def test_a_period_without_check_ins_says_so() -> None:
    old = [Answer(NOW - timedelta(days=50), 3)]
    fig = chart.figure(old, NOW, SYDNEY, LABELS)
    fig.canvas.draw()
    last30, last90 = fig.axes
    assert not last30.get_lines() and LABELS.empty in [t.get_text() for t in last30.texts]
    assert len(last90.get_lines()[0].get_xdata()) == 1


def test_date_ticks() -> None:
    assert chart.date_ticks(0) == [] and chart.date_ticks(3) == [0, 1, 2]
    assert chart.date_ticks(10) == [0, 3, 6, 9]
    assert chart.date_ticks(90)[0] == 0 and chart.date_ticks(90)[-1] == 89


async def test_drawn_in_the_chart_pool() -> None:
    png = await charts.render(chart.render_chart, answers(), NOW, SYDNEY, LABELS)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (chart.WIDTH_PX, chart.HEIGHT_PX)
