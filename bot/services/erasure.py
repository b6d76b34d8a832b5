"""Seeing and erasing everything stored about a person (/mydata, /delete)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.services.events import Event, Events

__all__ = ["ErasureStore", "PersonErased", "erase_person", "export_person"]

Exporter = Callable[[int], Awaitable[dict[str, Any]]]
Preparation = Callable[[int], Awaitable[None]]


class ErasureStore(Protocol):
    """The storage a person's export and erasure need."""

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every registered table's rows about USER_ID."""
        ...

    async def delete_user(self, user_id: int) -> int:
        """Erase every registered table's rows about USER_ID, in one transaction."""
        ...


@dataclass(frozen=True)
class PersonErased(Event):
    """Everything about USER_ID has just been erased."""

    user_id: int


async def export_person(
    store: ErasureStore, user_id: int, exporters: Sequence[Exporter]
) -> dict[str, Any]:
    """Everything stored about USER_ID: the raw rows, plus each flow's readable sections."""
    data: dict[str, Any] = dict(await store.export_user(user_id))
    for exporter in exporters:
        data.update(await exporter(user_id))
    return data


async def erase_person(
    store: ErasureStore, user_id: int, events: Events, before: Sequence[Preparation] = ()
) -> int:
    """Let each flow finish what involves others (tell a matched peer worker, give a group
    place to the next person), then erase every row about USER_ID; returns rows removed."""
    for prepare in before:
        await prepare(user_id)
    removed = await store.delete_user(user_id)
    events.publish(PersonErased(user_id))
    return removed
