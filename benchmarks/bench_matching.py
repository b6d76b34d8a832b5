"""Matching figures.

- shortlist_p99_ms: 99th-percentile time to build one shortlist over 10,000 peer workers with
  varied profiles (kinds, attributes, caps, caseloads, hours in several time zones, some
  paused or inactive) for varied preferences (goal < 5 ms). The pool is prepared once, as
  profiles change rarely; its one-off cost is `shortlist_pool_build_ms`.
- shortlist_p50_ms: the median of the same.
- shortlist_new_caseloads_ms: one shortlist right after the caseloads changed (a match was
  requested, accepted or ended), which prepares them once for the shortlists that follow;
  median.
- shortlist_from_db_ms: the whole path a /match tap takes over 10,000 stored profiles with
  the process's prepared pool current (read the change counters, the person's refusals,
  rank), median.
- shortlist_pool_load_ms: after a profile changed (or once a day): load the 10,000 profiles
  and caseloads from SQLite again and prepare the pool, median.

`mixed_step` adds one match request to the mixed workload: /match, skip the questions,
choose the first peer worker, then withdraw so the next round can ask again.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.hours import Window  # noqa: E402
from bot.domain.matching import (  # noqa: E402
    CHOICES,
    MatchPolicy,
    PeerPool,
    PeerProfile,
    preference_questions,
)
from bot.domain.roles import RELATIONSHIPS  # noqa: E402
from tests.harness import BotEnv, Client, onboard  # noqa: E402

__all__ = ["figures", "mixed_step"]

PEERS = 10_000
_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_ZONES = (
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "Europe/London",
    "America/New_York",
)
_LANGUAGES = (
    "English",
    "Mandarin",
    "Arabic",
    "Vietnamese",
    "Greek",
    "Italian",
    "Hindi",
    "Spanish",
    "Auslan",
    "Tagalog",
    "Korean",
    "Cantonese",
)
_CULTURES = (
    "Aboriginal",
    "Torres Strait Islander",
    "Vietnamese Australian",
    "Greek",
    "Lebanese",
    "Chinese Australian",
    "Pacific Islander",
    "Anglo Australian",
)
_BASE = 4_000_000


def _profile(rng: random.Random, uid: int) -> PeerProfile:
    kind = "consumer_peer" if rng.random() < 0.6 else "carer_peer"
    attrs: dict[str, Any] = {}
    for key in ("gender", "age_band", "recovery_stage"):
        if rng.random() < 0.8:
            attrs[key] = rng.choice(CHOICES[key])
    for key in ("lived_bpd", "lgbtqia"):
        if rng.random() < 0.7:
            attrs[key] = rng.random() < 0.6
    attrs["languages"] = rng.sample(_LANGUAGES, rng.randint(1, 3))
    if rng.random() < 0.5:
        attrs["culture"] = rng.choice(_CULTURES)
    attrs["support_modes"] = rng.choice((["individual"], ["group"], ["individual", "group"]))
    attrs["frequency"] = rng.sample(CHOICES["frequency"], rng.randint(1, 3))
    if kind == "carer_peer":
        attrs["relationships"] = rng.sample(RELATIONSHIPS, rng.randint(1, 2))
        attrs["years_caring"] = rng.choice(CHOICES["years_caring"])
    windows = []
    for day in rng.sample(range(7), rng.randint(1, 5)):
        start = rng.randrange(6 * 60, 20 * 60, 30)
        windows.append(Window(day, start, min(start + rng.choice((60, 120, 180)), 1440)))
    return PeerProfile(
        uid,
        kind,
        f"Peer{uid}",
        "What helped me.",
        attrs,
        rng.randint(2, 8),
        tuple(sorted(set(windows))),
        rng.choice(_ZONES),
        paused=rng.random() < 0.1,
        active=rng.random() > 0.03,
    )


def _preferences(rng: random.Random, role: str) -> dict[str, str]:
    prefs: dict[str, str] = {}
    for key in preference_questions(role):
        if rng.random() < 0.5:
            continue
        if key == "language":
            prefs[key] = rng.choice(_LANGUAGES)
        elif key == "culture":
            prefs[key] = rng.choice(_CULTURES)
        else:
            prefs[key] = rng.choice(CHOICES[key])
    return prefs


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def figures(quick: bool) -> list[dict[str, Any]]:
    """The shortlist figures."""
    rng = random.Random(4)
    profiles = [_profile(rng, _BASE + k) for k in range(PEERS)]
    caseloads = {p.user_id: rng.randint(0, p.caseload_cap) for p in profiles}
    policies = (MatchPolicy(), MatchPolicy(True, True), MatchPolicy(False, False))

    started = time.perf_counter()
    pool = PeerPool.build(profiles, _NOW)
    build_ms = (time.perf_counter() - started) * 1000

    queries = 300 if quick else 3000
    times = []
    for i in range(queries):
        role = "consumer" if i % 3 else "carer"
        prefs = _preferences(rng, role)
        now = _NOW.replace(minute=i % 60, second=i % 60)
        offset = 3 if i % 10 == 0 else 0  # some "see others"
        started = time.perf_counter()
        found = pool.shortlist(
            role=role,
            preferences=prefs,
            caseloads=caseloads,
            policy=policies[i % 3],
            now=now,
            offset=offset,
        )
        times.append(time.perf_counter() - started)
        assert len(found) == 3

    changed = []
    for i in range(5 if quick else 20):
        loads = dict(caseloads)
        loads[profiles[i].user_id] = 0
        started = time.perf_counter()
        pool.shortlist(
            role="consumer",
            preferences={"gender": "woman"},
            caseloads=loads,
            policy=policies[0],
            now=_NOW,
        )
        changed.append(time.perf_counter() - started)

    db_ms, load_ms = await _from_db(profiles, caseloads, rounds=3 if quick else 10)
    return [
        {"name": "shortlist_p99_ms", "value": round(_ms(times, 0.99), 3), "unit": "ms"},
        {
            "name": "shortlist_p50_ms",
            "value": round(statistics.median(times) * 1000, 3),
            "unit": "ms",
        },
        {
            "name": "shortlist_new_caseloads_ms",
            "value": round(statistics.median(changed) * 1000, 2),
            "unit": "ms",
        },
        {"name": "shortlist_pool_build_ms", "value": round(build_ms, 1), "unit": "ms"},
        {"name": "shortlist_from_db_ms", "value": round(db_ms, 2), "unit": "ms"},
        {"name": "shortlist_pool_load_ms", "value": round(load_ms, 1), "unit": "ms"},
    ]


async def _from_db(
    profiles: list[PeerProfile], caseloads: dict[int, int], rounds: int
) -> tuple[float, float]:
    """Median times of the /match path over PROFILES stored in SQLite: with the prepared
    pool current, and right after a profile changed."""
    from types import SimpleNamespace

    from bot.clock import FakeClock
    from bot.domain.hours import windows_to_json
    from bot.storage import Storage, epoch
    from flows.matching import REFUSAL_MEMORY, prepared_pool

    with tempfile.TemporaryDirectory() as folder:
        storage = Storage(Path(folder) / "bench.sqlite3")
        await storage.connect()
        try:
            ts = epoch(_NOW)
            await storage.executemany(
                "INSERT INTO users (user_id, consent, consent_at, role, created_at, updated_at)"
                " VALUES (?, 'given', ?, ?, ?, ?)",
                [(p.user_id, ts, p.kind, ts, ts) for p in profiles]
                + [(_BASE - 1 - k, ts, "consumer", ts, ts) for k in range(200)],
            )
            await storage.executemany(
                "INSERT INTO peer_profiles (user_id, kind, display_name, bio, attributes, "
                "caseload_cap, hours, timezone, paused, active, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.user_id,
                        p.kind,
                        p.display_name,
                        p.bio,
                        json.dumps(dict(p.attributes)),
                        p.caseload_cap,
                        json.dumps(windows_to_json(p.hours)),
                        p.timezone,
                        int(p.paused),
                        int(p.active),
                        ts,
                        ts,
                    )
                    for p in profiles
                ],
            )
            # Caseloads as real matches: active ones, spread over 200 people (ended ones
            # don't count, so each person holds one live match at most).
            rows, person = [], 0
            for p in profiles[:200]:
                for _ in range(min(caseloads[p.user_id], 1)):
                    rows.append((_BASE - 1 - person, p.user_id, ts))
                    person += 1
            await storage.executemany(
                "INSERT INTO matches (person_id, peer_id, status, requested_at) "
                "VALUES (?, ?, 'active', ?)",
                rows,
            )
            deps: Any = SimpleNamespace(storage=storage, clock=FakeClock(_NOW))
            policy = MatchPolicy()

            async def tap(i: int) -> None:
                state = await prepared_pool(deps)
                refused = await storage.recent_refusals(_BASE - 1 - i, _NOW - REFUSAL_MEMORY)
                assert state.pool is not None
                state.pool.shortlist(
                    role="consumer",
                    preferences={"gender": "woman"} if i % 2 else {},
                    caseloads=state.caseloads,
                    policy=policy,
                    now=_NOW,
                    exclude=refused,
                )

            cold, warm = [], []
            for i in range(rounds):
                # A peer worker edits their profile: the next tap loads and prepares again.
                await storage.update_profile(profiles[i].user_id, _NOW, bio=f"Edit {i}.")
                started = time.perf_counter()
                await tap(i)
                cold.append(time.perf_counter() - started)
                for j in range(20):
                    started = time.perf_counter()
                    await tap(j)
                    warm.append(time.perf_counter() - started)
            return statistics.median(warm) * 1000, statistics.median(cold) * 1000
        finally:
            await storage.close()


# -- the mixed workload ----------------------------------------------------------------------

_PEOPLE = 20
_PEER_IDS = tuple(range(_BASE - 5000, _BASE - 5000 + 6))
_pools: dict[int, list[Client]] = {}


async def _setup(env: BotEnv) -> list[Client]:
    from bot.domain.hours import parse_windows

    now = env.clock.now()
    for k, uid in enumerate(_PEER_IDS):
        await env.storage.record_consent(uid, now, given=True)
        await env.storage.update_user(
            uid, now, role="consumer_peer", alias=f"Peer{k}", timezone=env.settings.timezone
        )
        await env.storage.create_profile(
            uid,
            "consumer_peer",
            now,
            display_name=f"Peer{k}",
            bio="What helped me.",
            hours=parse_windows("Mon-Sun 08:00-22:00"),
            timezone=env.settings.timezone,
            caseload_cap=50,
            attributes={"gender": ("woman", "man")[k % 2], "support_modes": ["individual"]},
        )
    people = []
    for k in range(_PEOPLE):
        client = env.client(_BASE - 6000 + k, "Mo")
        await onboard(client, "consumer", alias=f"Mo{k}")
        people.append(client)
    return people


async def mixed_step(env: BotEnv, i: int) -> None:
    """One match request: /match, skip the questions, choose, then withdraw."""
    people = _pools.get(id(env))
    if people is None:
        people = await _setup(env)
        _pools[id(env)] = people
    person = people[i % _PEOPLE]
    await person.send("/match")
    await person.click("Skip the rest")
    await person.click("Choose ")
    await person.click("Withdraw my request")


if __name__ == "__main__":
    for figure in asyncio.run(figures("--quick" in sys.argv)):
        print(json.dumps(figure), flush=True)
