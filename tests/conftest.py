"""Shared fixtures: a running bot over a fake Bot API, and no network at all."""

from __future__ import annotations

import inspect
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests import backends
from tests.harness import BotEnv

# PTB 22 warns (deprecation) when a RetryAfter carries seconds as an int; opt in to the
# timedelta form it will use from v23, so 429 tests don't trip filterwarnings=error.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand the proofs' counts to the controller."""
    from tests.proofs_support import COUNTS

    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["proof_counts"] = dict(COUNTS)


def pytest_testnodedown(node: Any, error: object) -> None:
    """In the pytest-xdist controller, add up each worker's proof counts."""
    from tests.proofs_support import COUNTS

    COUNTS.update(getattr(node, "workeroutput", {}).get("proof_counts", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The counts the proofs ran (tests/proofs_support.py), when any ran."""
    from tests.proofs_support import COUNTS

    if COUNTS:
        terminalreporter.write_line(
            "proofs: " + ", ".join(f"{n} {what}" for what, n in sorted(COUNTS.items()))
        )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test (a unix socket, such as the
    test PostgreSQL server's, is not the network)."""
    connect = socket.socket.connect

    def refuse(self: socket.socket, *args: object, **kwargs: object) -> None:
        if self.family == socket.AF_UNIX:
            return connect(self, *args, **kwargs)  # type: ignore[arg-type]
        raise AssertionError("tests must not touch the network")

    def refuse_all(*args: object, **kwargs: object) -> None:
        raise AssertionError("tests must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse_all)


def _uses_database(metafunc: pytest.Metafunc) -> bool:
    """A test that starts a bot or opens storage (so it runs on both backends)."""
    if "tests/e2e/" in str(metafunc.definition.path).replace("\\", "/"):
        return False  # real processes: their own PostgreSQL tests say so
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return False
    names = set(metafunc.fixturenames)
    if "env" in names:
        return True
    if not inspect.iscoroutinefunction(metafunc.function):
        return False  # a plain test here runs the CLI in a subprocess, on its SQLite file
    module = metafunc.module
    return "tmp_path" in names and (
        hasattr(module, "BotEnv") or hasattr(module, "Storage") or hasattr(module, "database")
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: a test of SQLite itself (files, WAL), not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that starts a bot or opens storage runs on SQLite and on PostgreSQL."""
    if _uses_database(metafunc):
        # First, so the database is chosen before any fixture opens storage.
        if "backend" in metafunc.fixturenames:
            metafunc.fixturenames.remove("backend")
        metafunc.fixturenames.insert(0, "backend")
        metafunc.parametrize("backend", backends.BACKENDS, indirect=True)


@pytest.fixture
def tmp_path(tmp_path: Path, backend: str) -> Path:
    """pytest's tmp_path, set up after the backend: whatever a test builds in its folder
    (a bot, a storage fixture) then opens the database the backend chose."""
    return tmp_path


@pytest.fixture
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The database a test runs on (see tests/backends.py)."""
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        yield name
        return
    backends.require_server()
    backends.current_url = await backends.fresh_database()
    try:
        yield name
    finally:
        await backends.end_test()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """A bot with default settings; fails the test if any handler raised or any message broke
    Telegram's rules or the language guide."""
    bot_env = await BotEnv.create(tmp_path, coordinators=(900,))
    yield bot_env
    await bot_env.stop()
    bot_env.assert_clean()
