"""Which database a test's bot runs on: SQLite, or PostgreSQL.

Every test that starts a bot or opens storage runs twice (tests/conftest.py parametrises it
over ``backend``): once on a SQLite file in its tmp_path, once on a fresh PostgreSQL database
cloned from a template migrated once per test process. The PostgreSQL server is the one
BOT_TEST_POSTGRES_URL names (`.ci/run` starts a private cluster and sets it), else a private
cluster this process starts in a temporary folder (tests/postgres_cluster.py). Where
PostgreSQL isn't installed the PostgreSQL runs are skipped, unless BOT_REQUIRE_POSTGRES=1
(CI), which makes that a failure.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "BACKENDS",
    "child_env",
    "database",
    "database_for",
    "drop_database",
    "end_test",
    "fresh_database",
    "require_server",
    "same_database",
    "server_url",
]

BACKENDS = ("sqlite", "postgres")

#: The running test's PostgreSQL database, while a PostgreSQL run is in progress.
current_url: str | None = None

_server: str | None = None
_server_error: str | None = None
_template: str | None = None
_counter = itertools.count(1)
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")


#: In a PostgreSQL run: which database stands for which SQLite path, so a test with two
#: bots in two folders has two databases, as on SQLite.
_by_path: dict[str, str] = {}


def database(path: Path | str) -> Path | str:
    """What a test opens storage on: PATH (a SQLite file), or in a PostgreSQL run, the test's
    PostgreSQL database (the first path the test opens is given the test's database)."""
    if current_url is None:
        return path
    return _by_path.setdefault(str(path), current_url)


async def database_for(path: Path | str) -> Path | str:
    """`database`, giving a second folder of the same test a fresh database of its own."""
    if current_url is None:
        return path
    key = str(path)
    if key not in _by_path:
        _by_path[key] = current_url if not _by_path else await fresh_database()
    return _by_path[key]


def same_database(*paths: Path) -> None:
    """In a PostgreSQL run, make bots in each of PATHS (SQLite file paths, one per folder)
    share the test's database: replicas, each with its own folder, on one database."""
    assert current_url is not None, "only in a PostgreSQL run"
    for path in paths:
        _by_path[str(path)] = current_url


async def end_test() -> None:
    """Drop every database the test had (its own, and any for a second folder)."""
    global current_url
    urls = {*_by_path.values(), *([current_url] if current_url else [])}
    _by_path.clear()
    current_url = None
    for url in urls:
        await drop_database(url)


def child_env(env: dict[str, str]) -> dict[str, str]:
    """ENV for a `python -m bot` subprocess: in a PostgreSQL run, pointed at the test's
    database (DATABASE_URL), as a service's settings would point it."""
    return {**env, "DATABASE_URL": current_url} if current_url else env


def with_database(url: str, name: str) -> str:
    """URL pointing at database NAME on the same server."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def server_url() -> str:
    """The PostgreSQL server tests use; starts a private cluster on first use.

    Raises RuntimeError (with why) when there is none.
    """
    global _server, _server_error
    if _server is not None:
        return _server
    if _server_error is not None:
        raise RuntimeError(_server_error)
    given = os.environ.get("BOT_TEST_POSTGRES_URL")
    if given:
        _server = given
        return given
    from tests import postgres_cluster

    folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
    try:
        _server = postgres_cluster.start(folder)
    except Exception as exc:  # not installed, or can't start here
        shutil.rmtree(folder, ignore_errors=True)
        _server_error = f"PostgreSQL is not available: {exc}"
        raise RuntimeError(_server_error) from None

    def stop() -> None:
        postgres_cluster.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    return _server


def require_server() -> str:
    """The test server's URL; skips the test where there is none, and fails it instead when
    BOT_REQUIRE_POSTGRES=1 (CI, which must never skip these quietly)."""
    import pytest

    try:
        return server_url()
    except RuntimeError as exc:
        if os.environ.get("BOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_database() -> str:
    """A new empty-but-migrated database's URL (cloned from this process's template)."""
    global _template
    if _template is None:
        from bot.storage import Storage

        name = f"bot_template_{_worker}"
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(f'CREATE DATABASE "{name}"')
        storage = Storage(with_database(server_url(), name))
        await storage.connect()
        await storage.close()
        _template = name
    name = f"t_{_worker}_{os.getpid()}_{next(_counter)}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_template}"')
    return with_database(server_url(), name)


async def drop_database(url: str) -> None:
    """Drop a database fresh_database() made."""
    name = urlsplit(url).path.lstrip("/")
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
