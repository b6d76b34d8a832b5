"""Retention benchmark: the first daily prune of a database that kept everything.

Figures:
- retention_prune_ms: the whole 'tick:retention' job (bot/retention.py), run through the
  real application, over a database holding 100,000 relayed copies and 100,000 check-ins
  past their retention periods, and a tenth as many recent ones that stay (quick mode: 20,000
  of each, said in the unit).
- retention_chunk_max_ms: the longest single DELETE statement in that prune, which is the
  longest any reply waits behind it for the writer (goal < 50 ms).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.retention import RETENTION_JOB  # noqa: E402
from bot.storage import epoch  # noqa: E402
from tests.harness import BotEnv  # noqa: E402

__all__ = ["figures"]

_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_BASE = 4_000_000
_PAIRS = 200


async def _populate(env: BotEnv, old: int) -> None:
    """_PAIRS matched pairs; OLD relayed copies and OLD check-ins three years old, and a
    tenth as many of each from last week."""
    now = env.clock.now()
    ts = epoch(now)
    users = [
        (_BASE + k, "given", ts, "consumer" if k < _PAIRS else "consumer_peer", ts, ts)
        for k in range(2 * _PAIRS)
    ]
    await env.storage.executemany(
        "INSERT INTO users (user_id, consent, consent_at, role, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        users,
    )
    await env.storage.executemany(
        "INSERT INTO matches (id, person_id, peer_id, status, requested_at, accepted_at) "
        "VALUES (?, ?, ?, 'active', ?, ?)",
        [(k + 1, _BASE + k, _BASE + _PAIRS + k, ts, ts) for k in range(_PAIRS)],
    )
    long_ago, lately = ts - 3 * 365 * 86400, ts - 7 * 86400
    copies: list[tuple[Any, ...]] = []
    checkins: list[tuple[Any, ...]] = []
    for n in range(old + old // 10):
        k = n % _PAIRS
        at = (long_ago if n < old else lately) + n
        copies.append((_BASE + _PAIRS + k, n + 1, k + 1, _BASE + k, at, n + 1))
        checkins.append((_BASE + k, at, at, "answered", 3, at))
    await env.storage.executemany(
        "INSERT INTO relay_copies (chat_id, message_id, match_id, sender_id, created_at, "
        "source_id) VALUES (?, ?, ?, ?, ?, ?)",
        copies,
    )
    await env.storage.executemany(
        "INSERT INTO checkins (user_id, due_at, sent_at, status, rating, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        checkins,
    )


async def figures(quick: bool) -> list[dict[str, object]]:
    """The first prune's time, and its longest hold of the writer."""
    old = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        env = await BotEnv.create(Path(tmp), start=_START)
        try:
            await _populate(env, old)
            storage = env.storage
            holds: list[float] = []
            execute = storage.execute

            async def timed(sql: str, params: Any = ()) -> int:
                began = time.perf_counter()
                try:
                    return await execute(sql, params)
                finally:
                    holds.append((time.perf_counter() - began) * 1000)

            storage.execute = timed  # type: ignore[method-assign]
            started = time.perf_counter()
            await env.run_job(RETENTION_JOB.name)
            took = (time.perf_counter() - started) * 1000
            storage.execute = execute  # type: ignore[method-assign]
            left = await storage.fetchval("SELECT COUNT(*) FROM relay_copies")
            kept = await storage.fetchval("SELECT COUNT(*) FROM checkins")
            if left != old // 10 or kept != old // 10:
                raise SystemExit(f"retention kept {left} copies and {kept} check-ins")
        finally:
            await env.stop()
    size = f"{old:,} old copies + {old:,} old check-ins" + (" (quick)" if quick else "")
    return [
        {"name": "retention_prune_ms", "value": took, "unit": f"ms, {size}"},
        {"name": "retention_chunk_max_ms", "value": max(holds), "unit": "ms, one DELETE"},
    ]


if __name__ == "__main__":
    import asyncio
    import json

    for figure in asyncio.run(figures("--quick" in sys.argv)):
        print(json.dumps(figure))
