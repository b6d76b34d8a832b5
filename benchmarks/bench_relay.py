"""Relay benchmarks: one message each way in the mixed workload, and relay figures.

Figures:
- relay_p50_ms / relay_p99_ms: one person's message to their peer worker, end to end
  through the real Application on the fake Bot API (crisis net, lookups, copy, bookkeeping);
- held_delivered_per_s: held messages delivered by one run of tick:relay when a window opens.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.hours import parse_windows
from tests.harness import BotEnv, Client, join_staff, onboard

__all__ = ["figures", "mixed_step"]

_PEOPLE = 12  # people chatting, three to a peer worker (who replies to the right copy)
_PER_PEER = 3
_STEP_SECONDS = 8  # time between two chat steps: one person writes about every 1.5 minutes
_BASE = 700_000
_ALWAYS = parse_windows("Mon-Sun 00:00-24:00")
_pairs: dict[int, list[tuple[Client, Client]]] = {}


async def _match(env: BotEnv, person: Client, peer: Client) -> None:
    now = env.clock.now()
    made = await env.storage.create_request(
        person.user_id, peer.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None, made.problem
    await env.storage.answer_request(made.match.id, peer.user_id, accept=True, now=now)


async def _peer(env: BotEnv, uid: int, hours: str | None = None) -> Client:
    peer = env.client(uid, "Peer")
    await join_staff(peer, "consumer_peer", alias=f"Peer{uid % 1000}")
    await env.storage.create_profile(
        uid,
        "consumer_peer",
        env.clock.now(),
        display_name=f"Peer{uid % 1000}",
        bio="",
        hours=parse_windows(hours) if hours else _ALWAYS,
        timezone="Australia/Sydney",
        caseload_cap=100,
    )
    return peer


async def _setup(env: BotEnv) -> list[tuple[Client, Client]]:
    pairs = []
    peers = [await _peer(env, _BASE + 900 + k) for k in range(_PEOPLE // _PER_PEER)]
    for j in range(_PEOPLE):
        person = env.client(_BASE + j, "Pat")
        await onboard(person, "consumer", alias=f"Pat{j}")
        peer = peers[j // _PER_PEER]
        await _match(env, person, peer)
        pairs.append((person, peer))
    return pairs


async def mixed_step(env: BotEnv, i: int) -> None:
    """A person writes to their peer worker, who answers by replying to the relayed copy.

    The clock moves a few seconds per step, as it would between real messages, so nobody
    hits the flood limit (a person writes about once every minute and a half)."""
    pairs = _pairs.get(id(env))
    if pairs is None or pairs[0][0].env is not env:
        pairs = _pairs[id(env)] = await _setup(env)
    env.clock.advance(seconds=_STEP_SECONDS)
    person, peer = pairs[i % len(pairs)]
    await person.send("I went for a walk today and it helped a bit")
    copy = env.fake.messages(peer.user_id)[-1]
    await peer.send("That's good to hear. What helped most?", reply_to=copy.message_id)


async def figures(quick: bool) -> list[dict[str, object]]:
    """Relay latency and held-message delivery rate."""
    n = 300 if quick else 2000
    held = 300 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        env = await BotEnv.create(Path(tmp), start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        env.fake.checks = False
        try:
            pairs = await _setup(env)
            times = []
            for k in range(n):
                env.clock.advance(seconds=_STEP_SECONDS)
                person, _peer_client = pairs[k % len(pairs)]
                started = time.perf_counter()
                await person.send(f"message {k}")
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p50 = statistics.median(times)
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]

            # Held messages: evening hours, the clock after them; then the window opens.
            evening = await _peer(env, _BASE + 990, "Mon-Fri 18:00-20:00")
            senders = []
            for j in range(held // 5):
                person = env.client(_BASE + 5000 + j, "Pat")
                await onboard(person, "consumer", alias=f"Late{j}")
                await _match(env, person, evening)
                senders.append(person)
            env.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # Mon 21:00 Sydney
            for k in range(held):
                await senders[k % len(senders)].send(f"night {k}")
            env.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))  # Tue 18:00 Sydney
            started = time.perf_counter()
            # The flood limit spreads each sender's messages over a few slots, one a minute.
            for _ in range(held // len(senders) + 1):
                await env.run_job("tick:relay")
                env.clock.advance(seconds=61)
            elapsed = time.perf_counter() - started
            left = await env.storage.due_held(env.clock.now() + timedelta(days=7))
            if left:
                raise SystemExit(f"{len(left)} held messages were not delivered")
        finally:
            await env.stop()
    return [
        {"name": "relay_p50_ms", "value": p50, "unit": "ms"},
        {"name": "relay_p99_ms", "value": p99, "unit": "ms"},
        {"name": "held_delivered_per_s", "value": held / elapsed, "unit": "messages/s"},
    ]
