"""What a coordinator's /report counts (DESIGN rule 9): people by role, daily counters and the
service's figures over the last 30 days. Numbers only, never a person or their words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Generic, Protocol, TypeVar

__all__ = ["HIDDEN", "SMALL", "SMALL_SHOWN", "Evaluation", "EvaluationStore", "evaluate",
           "shown", "suppress"]

#: A count from 1 to SMALL - 1 is never published as itself (it could point to a person).
SMALL = 5
#: How such a count is shown.
SMALL_SHOWN = "<5"
#: How a count hidden only so a small one can't be worked back out by subtraction is shown.
HIDDEN = "*"

F = TypeVar("F", covariant=True)
G = TypeVar("G")

CRISIS_CARD = "crisis_card"


class EvaluationStore(Protocol[F]):
    """The counts the report reads."""

    async def count_by_role(self) -> dict[str, int]:
        """How many active people hold each role."""
        ...

    async def counters(self, name: str | None = None) -> list[tuple[str, str, str, int]]:
        """Daily counts as (day, name, region, value)."""
        ...

    async def service_report(self, since: datetime) -> F:
        """The service's figures now, and for what happened since SINCE."""
        ...


@dataclass(frozen=True)
class Evaluation(Generic[G]):
    """Counts for a report: people by role, counters over the window (crisis cards by
    region apart), and the store's own FIGURES."""

    people: dict[str, int]
    counts: dict[str, int]
    cards_by_region: dict[str, int]
    figures: G


async def evaluate(store: EvaluationStore[G], now: datetime, zone: tzinfo, *,
                   days: int = 30) -> Evaluation[G]:
    """The report's counts for the last DAYS days, counted by the service's local days."""
    since = (now.astimezone(zone) - timedelta(days=days)).date().isoformat()
    counts: dict[str, int] = {}
    cards: dict[str, int] = {}
    for day, name, region, value in await store.counters():
        if day < since:
            continue
        if name == CRISIS_CARD:
            cards[region] = cards.get(region, 0) + value
        else:
            counts[name] = counts.get(name, 0) + value
    return Evaluation(people=await store.count_by_role(), counts=counts, cards_by_region=cards,
                      figures=await store.service_report(now - timedelta(days=days)))


def shown(count: int) -> str:
    """COUNT as a report may publish it: 0 and SMALL or more as themselves, 1-4 as "<5"."""
    return SMALL_SHOWN if 0 < count < SMALL else str(count)


def suppress(total: int | None, parts: Mapping[str, int]) -> tuple[str | None,
                                                                   dict[str, str]]:
    """TOTAL (None: not published) and its PARTS as a report may publish them. Each count
    from 1 to 4 is "<5"; and where a shown total minus the shown parts would give a hidden
    one back, the smallest other part is hidden too ("*"), or, with no other part left, the
    total is."""
    hidden = {name for name, n in parts.items() if 0 < n < SMALL}
    total_hidden = total is None or 0 < total < SMALL
    while not total_hidden and len(hidden) == 1:
        others = sorted((n, name) for name, n in parts.items()
                        if name not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
        else:
            total_hidden = True
    out = {name: (shown(n) if 0 < n < SMALL else HIDDEN) if name in hidden else str(n)
           for name, n in parts.items()}
    if total is None:
        return None, out
    return (shown(total) if 0 < total < SMALL else HIDDEN) if total_hidden and total else \
        str(total), out
