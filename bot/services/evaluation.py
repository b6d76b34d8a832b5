"""What a coordinator's /report counts (DESIGN rule 9): people by role, daily counters and the
service's figures over the last 30 days. Numbers only, never a person or their words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Generic, Protocol, TypeVar

__all__ = ["Evaluation", "EvaluationStore", "evaluate"]

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
