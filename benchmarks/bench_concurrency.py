"""Nobody waits behind anybody: latency under a burst, with Telegram's round trips modelled.

Every Bot API call to the fake is delayed by a simulated round trip (`asyncio.sleep(rtt)`, real
time, as a network would), and updates arrive the way Telegram delivers them: into the
Application's update queue (the durable inbox writes each one), from which PTB's update
fetcher starts them and the update processor runs them.

Figures:
- reply_p99_ms / crisis_card_p99_ms: 200 people send at once (texts, relayed to a peer worker
  for the consumers among them who have one, menu presses, /help, 19 crisis messages, one
  /mood with a chart), every call 250 ms. A reply's latency runs
  from its arrival to its update's last Bot API answer; a crisis card's from the crisis
  message's arrival to the card's answer. Goals: reply p99 <= 1.5 x the round trips that update
  needs (reply_p99_over_round_trips <= 1.5; <= 800 ms for a two-call update), card p99 <= 400
  ms. The same at 50 ms: reply_p99_ms_at_50ms, crisis_card_p99_ms_at_50ms.
- reply_p99_during_broadcast_ms: the same 250 ms burst while a 10,000-recipient broadcast is
  being sent through the bulk lane (real time, real limiter), starting half a second after
  it, so the carers among the 200 have their copies queued in the bulk lane as they write.
  Goal <= 1.2 x reply_p99_ms.
- same_work_ratio: a plain PTB bot (one handler, no storage) replaying exactly the Bot API
  calls our bot made for each update of a mixed workload, in the same order, on the same fake
  put back in the state it was in before our bot's round (so every call gets the same answer:
  checked, the run stops if one differs), no delay; its time divided by our bot's time for
  that workload (both sequential, rounds alternating, same run). Goal >= 0.5 (first bar 0.4).
- event_loop_lag_max_ms: the event loop's worst lag (a 1 ms ticker's overshoot) while four
  /mood charts, a /mydata export of a person with two years of check-ins, and a 10,000
  recipient broadcast confirmation run at once. Goal <= 20 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import itertools
import pickle
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.error import TelegramError  # noqa: E402
from telegram.ext import Application, TypeHandler  # noqa: E402
from telegram.request import RequestData  # noqa: E402
from telegram.warnings import PTBUserWarning  # noqa: E402

from benchmarks.bench_relay import _match  # noqa: E402
from bot.domain.hours import parse_windows  # noqa: E402
from bot.lanes import LaneRateLimiter  # noqa: E402
from tests.harness import (  # noqa: E402
    BotEnv,
    Client,
    FakeBotAPI,
    join_staff,
    onboard,
    onboard_coordinator,
)

__all__ = ["figures"]

T = TypeVar("T")

PEOPLE = 200
BASE = 8_100_000
COORDINATOR = 8_099_999
CRISIS = "I can't do this anymore, I'm going to end my life tonight"
TEXTS = [
    "I went for a walk today and it helped a bit",
    "thanks, see you next week",
    "what time is the group on thursday?",
    "my phone died so I missed your message",
]
_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_update", default=None)


class DelayedBotAPI(FakeBotAPI):
    """The fake Bot API, each call answered after RTT seconds, noting which update made it."""

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self.rtt = 0.0
        self.answered: dict[int, list[tuple[float, str, dict[str, Any]]]] = defaultdict(list)
        self.answers: dict[int, list[tuple[int, bytes]]] = defaultdict(list)
        self.record = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer after the round trip; remember (time, method, params) per update."""
        if self.rtt:
            await asyncio.sleep(self.rtt / 2)
        result = await super().do_request(url, method, request_data)
        if self.rtt:
            await asyncio.sleep(self.rtt / 2)
        update_id = _UPDATE.get()
        if self.record and update_id is not None:
            params = dict(request_data.parameters) if request_data is not None else {}
            self.answered[update_id].append((time.perf_counter(), url.rsplit("/", 1)[-1], params))
            self.answers[update_id].append(result)
        return result

    def snapshot(self) -> tuple[Any, ...]:
        """The chats, incoming messages and id counters, to put back with `restore`."""
        ids, files = next(self._ids), next(self._files)
        self._ids, self._files = itertools.count(ids), itertools.count(files)
        return _copied((self.chats, self.incoming)), ids, files

    def restore(self, state: tuple[Any, ...]) -> None:
        """Put the fake back as `snapshot` found it (so the same calls get the same answers)."""
        (chats, incoming), ids, files = _copied(state)
        self.chats, self.incoming = chats, incoming
        self._ids, self._files = itertools.count(ids), itertools.count(files)


def _copied(state: T) -> T:
    """A deep copy of plain data (dicts, lists, numbers, text): through pickle, which is
    several times faster than copy.deepcopy on the fake's thousands of stored messages."""
    copied: T = pickle.loads(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    return copied


def _text(fake: FakeBotAPI, uid: int, text: str) -> dict[str, Any]:
    """A message update from UID, kept in the fake as Telegram keeps it (a relay copies it)."""
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text.startswith("/")
        else []
    )
    message_id = fake.next_id()
    message = {
        "message_id": message_id,
        "date": 1772442000,
        "text": text,
        "entities": entities,
        "chat": {"id": uid, "type": "private", "first_name": "P"},
        "from": {"id": uid, "is_bot": False, "first_name": "P", "language_code": "en"},
    }
    fake.incoming[(uid, message_id)] = copy.deepcopy(message)  # de_json changes its input
    return {"update_id": fake.next_id(), "message": message}


def _kind(k: int) -> str:
    """What person K sends in the burst."""
    if k == PEOPLE - 1:
        return "mood"
    if k % 10 == 5 and k < 190:
        return "crisis"
    if 100 <= k < 140:
        return "press"
    return "help" if k % 4 == 0 else "text"


async def _peer_worker(env: BotEnv, uid: int, kind: str) -> None:
    peer = env.client(uid, "Peer")
    await join_staff(peer, kind, alias=f"Peer{uid % 100}")
    await env.storage.create_profile(
        uid,
        kind,
        env.clock.now(),
        display_name=f"Peer{uid % 100}",
        bio="",
        hours=parse_windows("Mon-Sun 00:00-24:00"),
        timezone="Australia/Sydney",
        caseload_cap=200,
    )


class Burst:
    """200 people, set up once; `fire` sends one update each at the same moment."""

    def __init__(self, env: BotEnv, fake: DelayedBotAPI) -> None:
        self.env, self.fake = env, fake
        self.people: list[Client] = []
        self.pressers: list[Client] = []

    async def setup(self) -> None:
        env = self.env
        async with limits_off(env):
            await self._setup()

    async def _setup(self) -> None:
        env = self.env
        self.people = [env.client(BASE + k, "Pat") for k in range(PEOPLE)]
        peers = itertools.count(BASE + PEOPLE)
        # half the texts go to a peer worker, one each (a burst into one chat would wait
        # for Telegram's per-chat limit)
        peer_of = {k: next(peers) for k in range(PEOPLE) if _kind(k) == "text" and k % 2}

        async def one(k: int) -> None:
            person, carer = self.people[k], k % 3 == 0
            await onboard(person, "carer" if carer else "consumer", alias=f"Pat{k}")
            if k in peer_of:
                await _peer_worker(env, peer_of[k], "carer_peer" if carer else "consumer_peer")
                await _match(env, person, env.client(peer_of[k]))

        # everyone's own steps in order, twenty people at a time (as people would arrive)
        for start in range(0, PEOPLE, 20):
            await asyncio.gather(*(one(k) for k in range(start, min(start + 20, PEOPLE))))
        self.pressers = [p for k, p in enumerate(self.people) if _kind(k) == "press"]
        now = int(env.clock.now().timestamp())
        mood = self.people[199].user_id
        await env.storage.executemany(
            "INSERT INTO checkins (user_id, due_at, sent_at, status, rating, skills, "
            "answered_at) VALUES (?, ?, ?, 'answered', ?, ?, ?)",
            [
                (
                    mood,
                    now - d * 86400,
                    now - d * 86400,
                    1 + d % 5,
                    "" if d % 4 else "breathe",
                    now - d * 86400,
                )
                for d in range(1, 90)
            ],
        )

    def _updates(self) -> list[tuple[str, dict[str, Any]]]:
        """One update per person: (kind, update dict), in arrival order."""
        fake = self.fake
        out: list[tuple[str, dict[str, Any]]] = []
        for k, person in enumerate(self.people):
            uid, kind = person.user_id, _kind(k)
            if kind == "press":
                message, data = person.find_button("")
                query = {
                    "id": str(fake.next_id()),
                    "from": person._user(),
                    "chat_instance": "ci",
                    "data": data,
                    "message": fake._message_json(message),
                }
                out.append((kind, {"update_id": fake.next_id(), "callback_query": query}))
            else:
                text = {"mood": "/mood", "crisis": CRISIS, "help": "/help"}.get(
                    kind, TEXTS[k % len(TEXTS)]
                )
                out.append((kind, _text(fake, uid, text)))
        return out

    async def prepare_presses(self) -> None:
        async with limits_off(self.env):
            for person in self.pressers:
                await person.send("/resources")

    async def fire(self, rtt: float, *, prepared: bool = False) -> dict[str, float]:
        """Send the burst with RTT per call; latency figures in ms. PREPARED: the menus
        the presses answer were sent already (before a broadcast slowed every call)."""
        env, fake = self.env, self.fake
        assert env.app is not None
        if not prepared:
            await self.prepare_presses()
        env.clock.advance(minutes=5)
        updates = self._updates()
        arrived: dict[int, float] = {}
        done: dict[int, float] = {}
        app = env.app
        original = type(app).process_update

        async def timed(update: object) -> None:
            token = _UPDATE.set(update.update_id if isinstance(update, Update) else None)
            try:
                await original(app, update)
            finally:
                _UPDATE.reset(token)
                if isinstance(update, Update):
                    done[update.update_id] = time.perf_counter()

        app.process_update = timed  # type: ignore[method-assign]
        fake.rtt, fake.record = rtt, True
        fake.answered.clear()
        try:
            for _, data in updates:
                arrived[data["update_id"]] = time.perf_counter()
                await app.update_queue.put(Update.de_json(data, app.bot))
            await asyncio.wait_for(app.update_queue.join(), timeout=120)
        finally:
            fake.rtt, fake.record = 0.0, False
            del app.process_update
        replies, ratios, cards = [], [], []
        for kind, data in updates:
            uid = data["update_id"]
            calls = fake.answered.get(uid, [])
            # What the person waits for: the update's last Bot API answer, as this module's
            # docstring says (until 2026-12-07 the end of its handling was measured, the
            # bookkeeping after that answer included: a relayed copy noted as sent).
            end = max((t for t, _, _ in calls), default=done[uid])
            latency = (end - arrived[uid]) * 1000
            replies.append(latency)
            if calls and rtt:
                ratios.append(latency / (len(calls) * rtt * 1000))
            if kind == "crisis":
                card = next(
                    (
                        t
                        for t, method, params in calls
                        if method == "sendMessage" and "000" in str(params.get("text", ""))
                    ),
                    None,
                )
                cards.append(((card or done[uid]) - arrived[uid]) * 1000)
        if env.errors:
            raise SystemExit(f"the burst hit errors: {env.errors[:3]}")
        return {
            "reply_p99": _p99(replies),
            "ratio_p99": _p99(ratios),
            "card_p99": _p99(cards),
            "reply_median": statistics.median(replies),
        }


@contextlib.asynccontextmanager
async def limits_off(env: BotEnv) -> AsyncIterator[None]:
    """Set-up steps (a person's five onboarding updates in a row) skip the per-chat pacing
    that a real person's typing speed would never reach; the measured parts keep it."""
    assert env.app is not None
    limiter = env.app.bot.rate_limiter
    saved = getattr(limiter, "chat_limits", None)
    if isinstance(limiter, LaneRateLimiter):
        limiter.chat_limits = None
    try:
        yield
    finally:
        if isinstance(limiter, LaneRateLimiter):
            limiter.chat_limits = saved


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


async def _bot(tmp: Path) -> tuple[BotEnv, DelayedBotAPI]:
    env = await BotEnv.create(tmp, coordinators=(COORDINATOR,), rate_limiter=LaneRateLimiter())
    fake = DelayedBotAPI(env.clock)
    await env.stop()
    env.fake = fake
    await env.start()
    fake.checks = False
    return env, fake


async def _start_broadcast(env: BotEnv, recipients: int) -> None:
    """A coordinator confirms a broadcast to RECIPIENTS people (rows stored directly)."""
    now = int(env.clock.now().timestamp())
    await env.storage.executemany(
        "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, "
        "created_at, updated_at) VALUES (?, 'given', ?, 'carer', 'AU', 'Australia/Sydney', "
        "?, ?) ON CONFLICT DO NOTHING",
        [(9_000_000 + k, now, now, now) for k in range(recipients)],
    )
    async with limits_off(env):
        await _confirm(env, recipients)


async def _confirm(env: BotEnv, recipients: int) -> None:
    coord = env.client(COORDINATOR, "Casey")
    if not coord.messages:
        await onboard_coordinator(coord)
    await coord.send("/broadcast")
    await coord.click("All carers")
    await coord.send("The annual peer support day is on 14 March. Everyone is welcome.")
    await coord.click("Send to")


async def latency_figures(rounds: int) -> dict[str, Any]:
    """The burst at 250 ms and 50 ms, the same-work ratio over ROUNDS sequential rounds of
    the same 200 people, then the burst at 250 ms during a broadcast."""
    with tempfile.TemporaryDirectory() as tmp:
        env, fake = await _bot(Path(tmp))
        try:
            burst = Burst(env, fake)
            await burst.setup()
            await burst.fire(0.0)  # warm: caches, prepared statements, the chart worker
            slow = await burst.fire(0.25)
            fast = await burst.fire(0.05)
            ratio = await same_work_ratio(burst, rounds)
            # the menus the presses answer, sent now: one person at a time, each call
            # would wait out the broadcast's 250 ms round trips (ten seconds of the minute)
            await burst.prepare_presses()
            await _start_broadcast(env, 10_000)
            assert env.app is not None
            fake.rtt = 0.25
            sending = asyncio.create_task(env.run_job("tick:broadcast"))
            await asyncio.sleep(0.5)  # the broadcast has started (its first copies are out)
            during = await burst.fire(0.25, prepared=True)
            fake.rtt = 0.0  # measured: let the sends in flight finish quickly
            sent = len(fake.calls_to("sendMessage"))
            sender = env.app.bot_data.get("broadcast_sender")
            if sender is not None:
                sender.request_cancel(1)
            await env.storage.cancel_broadcast(1, env.clock.now())
            await asyncio.wait_for(sending, timeout=30)
            fake.rtt = 0.0
            if sent < 50:
                raise SystemExit("the broadcast was not running during the probe")
        finally:
            await env.stop()
    return {"slow": slow, "fast": fast, "during": during, "ratio": ratio}


async def postgres_latency_figures() -> dict[str, dict[str, float]] | None:
    """The same burst with the bot on PostgreSQL (a fresh database on the test server, or a
    private cluster started for the run); None where PostgreSQL isn't installed."""
    from tests import backends

    try:
        backends.server_url()
    except RuntimeError as exc:
        print(f"bench_concurrency: no PostgreSQL figures ({exc})", file=sys.stderr)
        return None
    url = await backends.fresh_database()
    backends.current_url = url
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env, fake = await _bot(Path(tmp))
            try:
                burst = Burst(env, fake)
                await burst.setup()
                await burst.fire(0.0)  # warm, as above
                slow = await burst.fire(0.25)
                fast = await burst.fire(0.05)
            finally:
                await env.stop()
    finally:
        backends.current_url = None
        await backends.drop_database(url)
    return {"slow": slow, "fast": fast}  # type: ignore[dict-item]


# -- same work: a plain PTB bot replaying our calls --------------------------------------------


async def same_work_ratio(burst: Burst, rounds: int) -> float:
    """A plain bot's time for the calls our bot made in a sequential mixed workload, over
    ours: round by round, each on the same fake in the same state (BURST's people, no
    delay, no per-chat pacing: this measures work, not waiting)."""
    env, fake = burst.env, burst.fake
    plain_app = await _plain_bot(fake)
    assert env.app is not None
    app = env.app
    limiter = app.bot.rate_limiter
    chat_limits = limiter.chat_limits if isinstance(limiter, LaneRateLimiter) else None
    if isinstance(limiter, LaneRateLimiter):
        limiter.chat_limits = None
    try:
        ours = plain = 0.0
        for r in range(rounds + 1):  # the first round warms up
            await burst.prepare_presses()
            env.clock.advance(minutes=5)
            updates = [u for kind, u in burst._updates() if kind != "mood"]
            replayed = copy.deepcopy(updates)  # de_json changes its input
            state = fake.snapshot()
            fake.answered.clear()
            fake.answers.clear()
            fake.record = True
            started = time.perf_counter()
            for data in updates:
                update = Update.de_json(data, app.bot)
                token = _UPDATE.set(update.update_id)
                try:
                    await app.update_processor.process_update(update, app.process_update(update))
                finally:
                    _UPDATE.reset(token)
            elapsed = time.perf_counter() - started
            fake.record = False
            after = fake.snapshot()
            calls = {k: list(v) for k, v in fake.answered.items()}
            answers = {k: list(v) for k, v in fake.answers.items()}
            fake.restore(state)
            plain_elapsed, plain_answers = await _plain_replay(plain_app, fake, replayed, calls)
            if plain_answers != answers:
                raise SystemExit("same_work: the plain replay got other answers than ours")
            fake.restore(after)
            if r:
                ours += elapsed
                plain += plain_elapsed
        if env.errors:
            raise SystemExit(f"same_work hit errors: {env.errors[:3]}")
    finally:
        if isinstance(limiter, LaneRateLimiter):
            limiter.chat_limits = chat_limits
        await plain_app.shutdown()
    return plain / ours


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")  # sendMessage -> send_Message


async def _plain_bot(fake: FakeBotAPI) -> Application[Any, Any, Any, Any, Any, Any]:
    """A plain PTB bot on FAKE: one handler that makes the calls it is given for an update."""
    from tests.harness import TOKEN

    app = Application.builder().token(TOKEN).request(fake).get_updates_request(fake).build()
    app.bot_data["calls"] = {}

    async def replay(update: Update, context: Any) -> None:
        for _, method, params in context.bot_data["calls"].get(update.update_id, []):
            # as a plain bot makes them: bot.send_message(...), which also reads the answer
            # into a Message as ours does (do_api_request alone would return raw JSON)
            call = getattr(context.bot, _SNAKE.sub("_", method).lower(), None)
            with contextlib.suppress(TelegramError):  # a plain bot handles its errors too
                if call is None:
                    await context.bot.do_api_request(method, api_kwargs=dict(params))
                else:
                    await call(**params)

    app.add_handler(TypeHandler(Update, replay))
    await app.initialize()
    return app


async def _plain_replay(
    app: Application[Any, Any, Any, Any, Any, Any],
    fake: DelayedBotAPI,
    updates: list[dict[str, Any]],
    calls: dict[int, list[tuple[float, str, dict[str, Any]]]],
) -> tuple[float, dict[int, list[tuple[int, bytes]]]]:
    """Seconds the plain bot takes for UPDATES making CALLS, and the answers it got."""
    app.bot_data["calls"] = calls
    fake.answers.clear()
    fake.record = True
    with warnings.catch_warnings():
        # do_api_request asks for the named method; a replay of recorded calls has none.
        warnings.simplefilter("ignore", PTBUserWarning)
        started = time.perf_counter()
        for data in updates:
            update = Update.de_json(data, app.bot)
            token = _UPDATE.set(update.update_id)
            try:
                await app.process_update(update)
            finally:
                _UPDATE.reset(token)
        elapsed = time.perf_counter() - started
    fake.record = False
    return elapsed, {k: list(v) for k, v in fake.answers.items()}


# -- event loop lag ---------------------------------------------------------------------------


async def event_loop_lag_ms() -> float:
    """Worst lag of a 1 ms ticker while charts, an export and a broadcast confirmation run."""
    with tempfile.TemporaryDirectory() as tmp:
        env, fake = await _bot(Path(tmp))
        try:
            burst = Burst(env, fake)
            people = [env.client(BASE + k, "Pat") for k in range(4)]
            async with limits_off(env):
                for person in people:
                    await onboard(person, "consumer", alias="Mo")
            burst.people = people
            now = int(env.clock.now().timestamp())
            rows = [
                (p.user_id, now - d * 86400, now - d * 86400, 1 + d % 5, "", now - d * 86400)
                for p in people
                for d in range(1, 730)
            ]
            await env.storage.executemany(
                "INSERT INTO checkins (user_id, due_at, sent_at, status, rating, skills, "
                "answered_at) VALUES (?, ?, ?, 'answered', ?, ?, ?)",
                rows,
            )
            coord = env.client(COORDINATOR, "Casey")
            await onboard_coordinator(coord)
            async with limits_off(env):
                for person in people:  # warm: the chart worker, the export path
                    await person.send("/mood")
                await people[0].send("/mydata")
            worst = 0.0
            stop = asyncio.Event()

            async def ticker() -> None:
                nonlocal worst
                while not stop.is_set():
                    started = time.perf_counter()
                    await asyncio.sleep(0.001)
                    worst = max(worst, (time.perf_counter() - started - 0.001) * 1000)

            tick = asyncio.create_task(ticker())
            await asyncio.sleep(0.05)
            work: list[Awaitable[Any]] = [p.send("/mood") for p in people]
            work.append(people[0].send("/mydata"))
            work.append(_start_broadcast(env, 10_000))
            await asyncio.gather(*work)
            stop.set()
            await tick
        finally:
            await env.stop()
    return worst


async def figures(quick: bool) -> list[dict[str, Any]]:
    """Latency under a burst, the same-work ratio and the event loop's worst lag."""
    lat = await latency_figures(2 if quick else 5)
    slow, fast, during, ratio = lat["slow"], lat["fast"], lat["during"], lat["ratio"]
    lag = await event_loop_lag_ms()
    pg = await postgres_latency_figures()
    on_pg = (
        []
        if pg is None
        else [
            {
                "name": "reply_p99_ms_postgres",
                "value": pg["slow"]["reply_p99"],
                "unit": "ms (250 ms per call; the bot on PostgreSQL)",
            },
            {
                "name": "reply_p99_over_round_trips_postgres",
                "value": pg["slow"]["ratio_p99"],
                "unit": "x the update's own round trips (PostgreSQL)",
            },
            {
                "name": "reply_p99_ms_at_50ms_postgres",
                "value": pg["fast"]["reply_p99"],
                "unit": "ms (50 ms per call; PostgreSQL)",
            },
        ]
    )
    return [
        {"name": "reply_p99_ms", "value": slow["reply_p99"], "unit": "ms (250 ms per call)"},
        {
            "name": "reply_p99_over_round_trips",
            "value": slow["ratio_p99"],
            "unit": "x the update's own round trips (goal <= 1.5)",
        },
        {"name": "crisis_card_p99_ms", "value": slow["card_p99"], "unit": "ms (goal <= 400)"},
        {"name": "reply_p99_ms_at_50ms", "value": fast["reply_p99"], "unit": "ms (50 ms per call)"},
        {
            "name": "reply_p99_over_round_trips_at_50ms",
            "value": fast["ratio_p99"],
            "unit": "x the update's own round trips",
        },
        {"name": "crisis_card_p99_ms_at_50ms", "value": fast["card_p99"], "unit": "ms"},
        {
            "name": "reply_p99_during_broadcast_ms",
            "value": during["reply_p99"],
            "unit": f"ms (goal <= 1.2 x {slow['reply_p99']:.0f})",
        },
        {"name": "same_work_ratio", "value": ratio, "unit": "plain PTB time / ours (goal >= 0.5)"},
        {"name": "event_loop_lag_max_ms", "value": lag, "unit": "ms (goal <= 20)"},
        *on_pg,
    ]


if __name__ == "__main__":
    import json

    for figure in asyncio.run(figures(quick=True)):
        print(json.dumps(figure), flush=True)
