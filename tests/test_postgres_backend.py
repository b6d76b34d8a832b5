"""What PostgreSQL adds for several replicas: two storage objects on one database stand for
two replicas. Writers never interleave, a periodic job runs on one replica at a time, one
person's updates never overlap, and a broadcast's unconfirmed rows are put back only by the
replica that sends next. (Every other storage and flow test runs on PostgreSQL too:
tests/backends.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.storage import Storage
from bot.storage.postgres import pg_sql, redact_url
from tests import backends

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (skipped without PostgreSQL, unless CI requires it)."""
    backends.require_server()
    made = await backends.fresh_database()
    yield made
    await backends.drop_database(made)


@pytest.fixture
async def replicas(url: str) -> AsyncIterator[tuple[Storage, Storage]]:
    """Two storage objects on one database: two replicas."""
    a, b = Storage(url), Storage(url)
    await a.connect()
    await b.connect()
    yield a, b
    await a.close()
    await b.close()


def test_question_marks_become_numbered_outside_quotes_and_comments() -> None:
    sql, returns = pg_sql("SELECT '?', \"a?\" FROM t WHERE x = ? AND y = ? -- why?\n AND z = ?")
    assert sql == "SELECT '?', \"a?\" FROM t WHERE x = $1 AND y = $2 -- why?\n AND z = $3"
    assert returns
    assert pg_sql("UPDATE t SET a = ? WHERE b = 'it''s?'") == (
        "UPDATE t SET a = $1 WHERE b = 'it''s?'",
        False,
    )
    assert pg_sql("INSERT INTO t (a) VALUES (?) RETURNING id")[1]


def test_a_password_never_shows() -> None:
    assert redact_url("postgresql://bot:s3cret@db:5432/bot") == "postgresql://bot:***@db:5432/bot"
    assert redact_url("postgresql:///bot?host=/run/pg") == "postgresql:///bot?host=/run/pg"
    assert "s3cret" not in redact_url("postgresql:///bot?host=/run/pg&password=s3cret")


async def test_a_server_that_is_not_there_is_explained_without_the_password() -> None:
    from bot.storage import StorageError

    storage = Storage("postgresql://bot:s3cret@/bot?host=/nonexistent-folder")
    with pytest.raises(StorageError) as caught:
        await storage.connect()
    assert "s3cret" not in str(caught.value)
    assert "can't reach its PostgreSQL database" in str(caught.value)


async def test_two_replicas_share_one_schema_and_the_migrations_run_once(
    replicas: tuple[Storage, Storage],
) -> None:
    a, b = replicas
    assert await a.schema_version() == await b.schema_version() == a.latest_schema_version()
    await a.record_consent(5001, NOW, given=True)
    assert (await b.get_user(5001)) is not None


async def _until_a_lock_is_waited_for(store: Storage) -> None:
    """Return once some connection waits for an advisory lock (asked of the server again
    each time round, never waiting on a clock)."""
    query = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    waiting = 0
    while not waiting:  # each look is a round trip to the server, which yields the loop
        waiting = await store.fetchval(query)


async def test_writers_on_two_replicas_never_interleave(
    replicas: tuple[Storage, Storage],
) -> None:
    a, b = replicas
    await a.record_consent(5001, NOW, given=True)
    order: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with a.transaction() as tx:
            await tx.execute("UPDATE users SET updated_at = 1 WHERE user_id = 5001")
            order.append("a-wrote")
            inside.set()
            await _until_a_lock_is_waited_for(a)  # B is blocked on the write lock now
            order.append("a-commits")

    async def second() -> None:
        await inside.wait()
        async with b.transaction() as tx:
            order.append("b-in")
            await tx.execute("UPDATE users SET updated_at = 2 WHERE user_id = 5001")

    await asyncio.gather(first(), second())
    assert order == ["a-wrote", "a-commits", "b-in"]
    assert await a.fetchval("SELECT updated_at FROM users WHERE user_id = 5001") == 2


async def test_periodic_work_runs_on_one_replica_and_another_takes_over_when_it_goes(
    url: str,
) -> None:
    a, b = Storage(url), Storage(url)
    await a.connect()
    await b.connect()
    try:
        async with a.job_turn("tick:checkins") as mine_a:
            async with b.job_turn("tick:checkins") as mine_b:
                assert (mine_a, mine_b) == (True, False)
            async with a.job_turn("tick:checkins") as again:
                assert not again  # a run never overlaps the last one
            async with a.job_turn("tick:relay") as other_job:
                assert other_job  # the leader runs its other jobs meanwhile
        async with b.job_turn("tick:relay") as not_leader:
            assert not not_leader  # all periodic work, so all bulk sends, on the leader
    finally:
        await a.close()  # the leader goes: its connection, and with it the lead
    try:
        async with b.job_turn("tick:checkins") as taken_over:
            assert taken_over
    finally:
        await b.close()


async def test_one_persons_updates_never_overlap_across_replicas(
    replicas: tuple[Storage, Storage],
) -> None:
    a, b = replicas
    order: list[str] = []
    holding = asyncio.Event()

    refused = asyncio.Event()
    ask = b._turn_call

    async def asked(sql: str, *args: int) -> bool:
        got = await ask(sql, *args)
        if "try" in sql and not got:
            refused.set()
        return got

    b._turn_call = asked  # type: ignore[method-assign]

    async def on_a() -> None:
        async with a.person_turn(("user", 7001)):
            order.append("a-start")
            holding.set()
            await refused.wait()  # B asked for 7001's turn and was told to wait
            order.append("a-end")

    async def on_b() -> None:
        await holding.wait()
        async with b.person_turn(("user", 7001)):
            order.append("b-start")
        async with b.person_turn(("user", 7002)):
            order.append("b-other")

    await asyncio.gather(on_a(), on_b())
    assert order == ["a-start", "a-end", "b-start", "b-other"]


async def test_another_replicas_claims_wait_for_the_sender_holding_the_turn(
    replicas: tuple[Storage, Storage],
) -> None:
    a, b = replicas
    for uid in (900, 6001, 6002, 6003):
        await a.record_consent(uid, NOW, given=True)
    bid = await a.create_broadcast(900, "everyone", None, "Hello", None, [6001, 6002, 6003], NOW)
    claimed = await a.claim_outbox(bid, 2, NOW)  # replica A is mid-send and then dies
    assert [uid for uid, _ in claimed] == [6001, 6002]
    # Replica B starting up leaves A's rows alone (A may still be sending them) ...
    pending = await b.fetchval(
        "SELECT COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ? AND status = 'pending'",
        (bid,),
    )
    assert pending == 1
    # ... but the next sender, holding the turn, does.
    async with b.job_turn("broadcast-sender") as mine:
        assert mine
        assert await b.requeue_unconfirmed() == 2


async def test_two_replicas_ticks_racing_over_a_10000_recipient_broadcast_send_each_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Two running bots (each its own folder, pool and job queue) on one database both run
    the broadcast tick at once, twice over: every recipient gets it exactly once."""
    from tests.harness import BotEnv, onboard_coordinator

    backends.require_server()
    tmp_path = tmp_path_factory.mktemp("replicas")
    backends.current_url = await backends.fresh_database()
    try:
        backends.same_database(tmp_path / "a" / "data" / "bot.sqlite3")
        backends.same_database(tmp_path / "b" / "data" / "bot.sqlite3")
        a = await BotEnv.create(tmp_path / "a", coordinators=(900,))
        # Replicas share the encryption key, as a service's do (BOT_ENCRYPTION_KEY).
        b = BotEnv(tmp_path / "b", replace(a.settings, data_dir=tmp_path / "b" / "data"), a.clock)
        b.cipher = a.cipher
        await b.start()
        try:
            now = int(a.clock.now().timestamp())
            people = range(9_000_000, 9_010_000)
            await a.storage.executemany(
                "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, "
                "created_at, updated_at) VALUES (?, 'given', ?, 'carer', 'AU', "
                "'Australia/Sydney', ?, ?)",
                [(uid, now, now, now) for uid in people],
            )
            coordinator = a.client(900, "Casey")
            await onboard_coordinator(coordinator)
            await coordinator.send("/broadcast")
            await coordinator.click("All carers")
            await coordinator.send("The peer support day is on 14 March. Everyone is welcome.")
            await coordinator.click("Send to")
            for _ in range(2):
                await asyncio.gather(a.run_job("tick:broadcast"), b.run_job("tick:broadcast"))
            sent: dict[int, int] = {}
            for env in (a, b):
                for call in env.fake.calls_to("sendMessage"):
                    chat = int(call.params["chat_id"])
                    if chat != 900 and "peer support day" in str(call.params.get("text", "")):
                        sent[chat] = sent.get(chat, 0) + 1
            assert set(sent) == set(people)
            assert set(sent.values()) == {1}
            statuses = await a.storage.fetchall(
                "SELECT status, COUNT(*) FROM broadcast_outbox GROUP BY status"
            )
            assert {r[0]: r[1] for r in statuses} == {"delivered": 10_000}
            a.assert_clean()
            b.assert_clean()
        finally:
            await a.stop()
            await b.stop()
    finally:
        await backends.end_test()
