"""Storage under concurrent tasks: a transaction is private to its task until it commits, a
failure or a crash in the middle leaves nothing half-written, big writes go in chunks, and the
end-of-update writes go in one round trip."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Storage
from bot.storage.base import CHUNK_ROWS
from tests.backends import database

NOW = 1772442000
INSERT_USER = "INSERT INTO users (user_id, consent, consent_at, created_at, updated_at) "


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = Storage(database(tmp_path / "bot.sqlite3"))
    await store.connect()
    yield store
    await store.close()


async def first_of(waiting: Coroutine[Any, Any, Any], task: asyncio.Task[None]) -> None:
    """Wait for WAITING, or fail at once if TASK fails first (no test hangs on a bug)."""
    waiter = asyncio.ensure_future(waiting)
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if task.done() and not waiter.done():
        waiter.cancel()
        task.result()
        raise AssertionError("the task ended before it got there")


async def add_user(db: object, user_id: int, alias: str) -> None:
    await db.execute(  # type: ignore[attr-defined]
        "INSERT INTO users (user_id, consent, consent_at, alias, created_at, updated_at) "
        "VALUES (?, 'given', ?, ?, ?, ?)",
        (user_id, NOW, alias, NOW, NOW),
    )


@pytest.mark.parametrize("short", [False, True], ids=["thread", "short"])
async def test_a_read_from_another_task_never_sees_uncommitted_rows(
    storage: Storage, short: bool
) -> None:
    inside, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with storage.transaction(short=short) as db:
            await add_user(db, 1, "pending")
            # The task's own reads join its transaction and see its own row.
            assert await storage.fetchval("SELECT alias FROM users WHERE user_id = 1") == "pending"
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await first_of(inside.wait(), task)
    # Another task's read runs now (it does not wait for the commit) and sees nothing.
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 0
    assert await storage.fetchall("SELECT * FROM users") == []
    release.set()
    await task
    assert await storage.fetchval("SELECT alias FROM users WHERE user_id = 1") == "pending"


@pytest.mark.parametrize("short", [False, True], ids=["thread", "short"])
async def test_interleaved_transactions_of_many_people_stay_private(
    storage: Storage, short: bool
) -> None:
    rng = random.Random(5)
    seen_by_others: list[int] = []

    async def yield_some() -> None:
        for _ in range(rng.randint(0, 4)):
            await asyncio.sleep(0)

    async def person(uid: int) -> None:
        await yield_some()
        async with storage.transaction(short=short) as db:
            await add_user(db, uid, "half")
            await yield_some()
            mine = await storage.fetchall("SELECT user_id FROM users WHERE alias = 'half'")
            assert [r[0] for r in mine] == [uid]  # only my own uncommitted row
            await storage.execute("UPDATE users SET alias = 'whole' WHERE user_id = ?", (uid,))
            await yield_some()

    async def onlooker() -> None:
        for _ in range(60):
            rows = await storage.fetchall("SELECT user_id FROM users WHERE alias = 'half'")
            seen_by_others.extend(r[0] for r in rows)
            await yield_some()

    await asyncio.gather(*(person(uid) for uid in range(1, 41)), onlooker(), onlooker())
    assert seen_by_others == []
    assert await storage.fetchval("SELECT COUNT(*) FROM users WHERE alias = 'whole'") == 40


@pytest.mark.parametrize("short", [False, True], ids=["thread", "short"])
async def test_an_error_in_the_middle_leaves_nothing(storage: Storage, short: bool) -> None:
    async def fail_half_way() -> None:
        async with storage.transaction(short=short) as db:
            await add_user(db, 1, "a")
            await storage.execute("UPDATE users SET alias = 'b' WHERE user_id = 1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_half_way()
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 0
    # The writer is free again.
    await storage.execute(INSERT_USER + "VALUES (2, 'given', ?, ?, ?)", (NOW, NOW, NOW))
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 1


@pytest.mark.parametrize("short", [False, True], ids=["thread", "short"])
async def test_a_cancelled_transaction_rolls_back_and_frees_the_writer(
    storage: Storage, short: bool
) -> None:
    inside = asyncio.Event()

    async def writer() -> None:
        async with storage.transaction(short=short) as db:
            await add_user(db, 1, "a")
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(writer())
    await first_of(inside.wait(), task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 0
    async with storage.transaction(short=short) as db:
        await add_user(db, 2, "b")
    assert await storage.fetchval("SELECT user_id FROM users") == 2


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
def test_a_crash_mid_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    # A real crash: the process dies (os._exit) between BEGIN and COMMIT.
    script = textwrap.dedent(f"""
        import asyncio, os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from bot.storage import Storage

        async def main():
            storage = Storage({str(tmp_path / "bot.sqlite3")!r})
            await storage.connect()
            async with storage.transaction() as db:
                await db.execute("INSERT INTO users (user_id, consent, consent_at, "
                                 "created_at, updated_at) VALUES (1, 'given', 0, 0, 0)")
                await db.executemany("INSERT INTO sessions (user_id, step, updated_at) "
                                     "VALUES (?, 'profile.bio', 0)", [(1,)])
                os._exit(3)

        asyncio.run(main())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == 3, result.stderr.decode()

    async def check() -> tuple[int, int]:
        storage = Storage(database(tmp_path / "bot.sqlite3"))
        await storage.connect()
        try:
            return (
                await storage.fetchval("SELECT COUNT(*) FROM users"),
                await storage.fetchval("SELECT COUNT(*) FROM sessions"),
            )
        finally:
            await storage.close()

    assert asyncio.run(check()) == (0, 0)


@pytest.mark.parametrize("short", [False, True], ids=["thread", "short"])
async def test_nested_transactions_and_writes_inside_join_the_outer_one(
    storage: Storage, short: bool
) -> None:
    async def nested() -> None:
        async with storage.transaction(short=short) as db:
            await add_user(db, 1, "a")
            async with storage.transaction(short=short) as inner:
                assert inner is db
                await add_user(inner, 2, "b")
            assert await storage.execute("UPDATE users SET alias = 'c'") == 2
            assert await storage.batch([("UPDATE users SET alias = 'd'", ())]) == [2]
            raise RuntimeError("undo all of it")

    with pytest.raises(RuntimeError, match="undo"):
        await nested()
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 0


async def test_big_writes_go_in_chunks_while_others_read(storage: Storage) -> None:
    rows = [(uid, "given", NOW, NOW, NOW) for uid in range(1, 10 * CHUNK_ROWS + 1)]
    reads: list[int] = []
    done = asyncio.Event()

    async def reader() -> None:
        while not done.is_set():
            reads.append(await storage.fetchval("SELECT COUNT(*) FROM users"))

    task = asyncio.create_task(reader())
    await storage.executemany(INSERT_USER + "VALUES (?, ?, ?, ?, ?)", rows)
    done.set()
    await task
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == len(rows)
    assert len(reads) > 1  # reads went on while the chunks were written
    assert set(reads) <= {0, len(rows)}  # and never saw a half-written insert


async def test_deferred_writes_wait_for_the_end_of_the_update(storage: Storage) -> None:
    await storage.defer(
        INSERT_USER + "VALUES (1, 'given', 0, 0, 0)"
    )  # outside an update: written now
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 1
    async with storage.deferred_writes() as pending:
        await storage.defer("UPDATE users SET alias = 'later' WHERE user_id = 1")
        await storage.defer(INSERT_USER + "VALUES (2, 'given', 0, 0, 0)")
        assert await storage.fetchval("SELECT COUNT(*) FROM users") == 1
    assert len(pending) == 2
    assert await storage.batch(pending) == [1, 1]
    assert await storage.fetchval("SELECT alias FROM users WHERE user_id = 1") == "later"
    # After the update, a late task's deferred write is not lost: it goes straight in.
    await storage.defer("UPDATE users SET alias = 'late' WHERE user_id = 2")
    assert await storage.fetchval("SELECT alias FROM users WHERE user_id = 2") == "late"


async def test_a_failing_batch_writes_nothing(storage: Storage) -> None:
    with pytest.raises(Exception, match=r"(?i)unique"):
        await storage.batch(
            [
                (INSERT_USER + "VALUES (1, 'given', 0, 0, 0)", ()),
                (INSERT_USER + "VALUES (1, 'given', 0, 0, 0)", ()),
            ]
        )
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 0


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_in_memory_database_keeps_transactions_private_by_waiting() -> None:
    storage = Storage(":memory:")
    await storage.connect()
    try:
        inside, release = asyncio.Event(), asyncio.Event()

        async def writer() -> None:
            async with storage.transaction() as db:
                await add_user(db, 1, "x")
                inside.set()
                await release.wait()
                raise RuntimeError("roll back")

        task = asyncio.create_task(writer())
        await first_of(inside.wait(), task)
        read = asyncio.create_task(storage.fetchval("SELECT COUNT(*) FROM users"))
        for _ in range(10):
            await asyncio.sleep(0)
        assert not read.done()  # one connection: the read waits for the transaction
        release.set()
        with pytest.raises(RuntimeError):
            await task
        assert await read == 0
    finally:
        await storage.close()


async def test_the_real_bot_marks_each_update_done_in_one_flush(tmp_path: Path) -> None:
    from tests.harness import BotEnv

    env = await BotEnv.create(tmp_path)
    try:
        assert env.app is not None
        calls: list[int] = []
        original = env.storage.batch

        async def counting(statements):  # type: ignore[no-untyped-def]
            calls.append(len(statements))
            return await original(statements)

        env.storage.batch = counting  # type: ignore[method-assign]
        from telegram import Update

        from tests.test_concurrency import message

        await env.app.update_queue.put(Update.de_json(message(77, 4242, "/help"), env.app.bot))
        await asyncio.wait_for(env.app.update_queue.join(), timeout=30)
        assert calls == [1]  # the inbox mark, in one batch
        assert await env.storage.inbox_pending() == []
    finally:
        await env.stop()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to a connection's thread."""
    from bot.storage import base

    sent: list[str] = []
    original = base._run

    async def counting(db: Any, fn: Any, *args: Any) -> Any:
        sent.append(fn.__name__)
        return await original(db, fn, *args)

    monkeypatch.setattr(base, "_run", counting)
    return sent


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_short_reads_and_the_update_flush_run_on_the_loop(
    storage: Storage, hops: list[str]
) -> None:
    assert await storage.batch([(INSERT_USER + "VALUES (1, 'given', 0, 0, 0)", ())]) == [1]
    assert await storage.fetchval("SELECT COUNT(*) FROM users WHERE user_id = 1") == 1
    assert [r[0] for r in await storage.fetchall("SELECT user_id FROM users")] == [1]
    assert hops == []  # no thread hop: each took microseconds on the loop's own thread


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_a_short_transaction_makes_no_thread_hop(storage: Storage, hops: list[str]) -> None:
    async with storage.transaction(short=True) as db:
        await add_user(db, 1, "a")
        assert await storage.fetchval("SELECT alias FROM users WHERE user_id = 1") == "a"
        assert await storage.execute("UPDATE users SET alias = 'b' WHERE user_id = 1") == 1
        cursor = await db.execute("SELECT alias FROM users")
        assert [r[0] for r in await cursor.fetchall()] == ["b"]
        async with db.execute("SELECT COUNT(*) FROM users") as cur:
            assert (await cur.fetchone())[0] == 1
    assert hops == []
    assert await storage.fetchval("SELECT alias FROM users WHERE user_id = 1") == "b"


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_another_tasks_read_in_the_middle_never_cuts_a_short_transaction_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import base

    # Every budgeted statement is over its budget at once, checked at every step.
    monkeypatch.setattr(base, "INLINE_BUDGET_S", -1.0)
    monkeypatch.setattr(base, "INLINE_CHECK_STEPS", 1)
    store = Storage(tmp_path / "bot.sqlite3")
    await store.connect()
    try:
        async with store.transaction(short=True) as db:
            await add_user(db, 1, "a")
            # Another task reads now: stopped on the loop at once, a reader thread does it.
            assert await asyncio.create_task(store.fetchval("SELECT COUNT(*) FROM users")) == 0
            await add_user(db, 2, "b")  # the read's budget is not this transaction's
        assert await store.fetchval("SELECT COUNT(*) FROM users") == 2
    finally:
        await store.close()


@pytest.mark.sqlite_only  # another program's lock on the file
async def test_a_short_transaction_goes_to_the_writer_thread_when_another_program_writes(
    storage: Storage, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from bot.storage import base

    other = sqlite3.connect(storage.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    counting = base._run

    async def other_finishes_then(db: Any, fn: Any, *args: Any) -> Any:
        if fn.__name__ == "_begin":  # the loop's connection found it busy and did not wait
            other.execute("COMMIT")
        return await counting(db, fn, *args)

    monkeypatch.setattr(base, "_run", other_finishes_then)
    async with storage.transaction(short=True) as db:
        await add_user(db, 1, "a")
    other.close()
    assert hops[0] == "_begin"
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 1


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_a_long_read_is_stopped_on_the_loop_and_done_by_a_reader(
    storage: Storage, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import base

    monkeypatch.setattr(base, "INLINE_BUDGET_S", 0.0)  # every statement is over budget
    count = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
        "SELECT COUNT(*) FROM n"
    )
    assert await storage.fetchval(count) == 50000
    assert hops == ["_fetchone"]


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_a_flush_over_budget_is_written_once_by_the_writer(
    storage: Storage, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import base

    monkeypatch.setattr(base, "INLINE_BUDGET_S", 0.0)
    rows = ", ".join(f"({uid}, 'given', 0, 0, 0)" for uid in range(1, 3000))
    assert await storage.batch([(INSERT_USER + "VALUES " + rows, ())]) == [2999]
    assert hops == ["_batch"]  # rolled back on the loop, written by the writer's thread
    assert await storage.fetchval("SELECT COUNT(*) FROM users") == 2999


@pytest.mark.sqlite_only  # SQLite's own threads, files and log
async def test_the_log_is_checkpointed_by_the_writer_thread(
    storage: Storage, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import base

    monkeypatch.setattr(base, "CHECKPOINT_EVERY", 3)
    for uid in range(1, 4):
        await storage.batch([(INSERT_USER + f"VALUES ({uid}, 'given', 0, 0, 0)", ())])
    assert storage._checkpoint is not None
    await storage._checkpoint
    assert hops == ["_checkpoint"]
