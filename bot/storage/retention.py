"""Deleting old rows a few hundred at a time, so a first prune of a large old database never
holds the writer for long (bot/retention.py runs it; each area's store says what is old)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bot.storage.base import StorageBase

__all__ = ["CHUNK", "delete_in_chunks"]

#: Rows per DELETE statement: each is one short hold of the writer (a few milliseconds).
CHUNK = 500


async def delete_in_chunks(
    store: StorageBase, table: str, where: str, params: Sequence[Any] = (), chunk: int = CHUNK
) -> int:
    """Delete TABLE's rows matching WHERE (code, never input; PARAMS for its ?s), CHUNK rows
    per statement, letting other writers in between; returns how many went."""
    sql = (
        f"DELETE FROM {table} WHERE rowid IN "  # noqa: S608 - names from code, values bound
        f"(SELECT rowid FROM {table} WHERE {where} LIMIT {int(chunk)})"
    )
    removed = 0
    while True:
        count = await store.execute(sql, params)
        removed += count
        if count < chunk:
            return removed
        await asyncio.sleep(0)  # a turn for the updates waiting to write
