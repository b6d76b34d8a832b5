"""Domain events and the bus that runs each event's consequences, in the order bot/app.py
lists them. A failing consequence is logged and the rest still run."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Collector", "DomainError", "Event", "EventBus", "Events", "Subscriber"]

_LOG = logging.getLogger(__name__)


class DomainError(Exception):
    """A use case refused; KEY is the content key of what the person is told."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Event:
    """Something that happened, which other parts of the bot react to."""


class Events(Protocol):
    """Where a use case publishes what happened (the update's or the job's collector)."""

    def publish(self, event: Event) -> None:
        """Record EVENT; its consequences run once the change is stored."""
        ...


Subscriber = Callable[[Any, Any], Awaitable[None]]


@dataclass
class Collector:
    """Events published while handling one update, one job or one consequence."""

    events: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> None:
        """Record EVENT."""
        self.events.append(event)


@dataclass
class EventBus:
    """The table of consequences: event type -> subscribers, in order."""

    table: Mapping[type[Event], Sequence[Subscriber]] = field(default_factory=dict)

    async def run(self, events: Sequence[Event], context_for: Callable[[Collector], Any]) -> None:
        """Run every consequence of EVENTS (and of the events those publish), in order.

        CONTEXT_FOR(collector) makes what each subscriber receives beside the event, with
        the collector as its `events`, so a consequence may publish further events.
        """
        queue = list(events)
        while queue:
            event = queue.pop(0)
            for subscriber in self.table.get(type(event), ()):
                collector = Collector()
                try:
                    await subscriber(event, context_for(collector))
                except Exception:
                    _LOG.exception(
                        "A consequence of %s failed (%s); the others still run",
                        type(event).__name__,
                        getattr(subscriber, "__qualname__", "?"),
                    )
                queue.extend(collector.events)
