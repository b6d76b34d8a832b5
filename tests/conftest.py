"""Shared fixtures: a running bot over a fake Bot API, and no network at all."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import BotEnv

# PTB 22 warns (deprecation) when a RetryAfter carries seconds as an int; opt in to the
# timedelta form it will use from v23, so 429 tests don't trip filterwarnings=error.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The counts the proofs ran (tests/proofs_support.py), when any ran."""
    from tests.proofs_support import COUNTS

    if COUNTS:
        terminalreporter.write_line(
            "proofs: " + ", ".join(f"{n} {what}" for what, n in sorted(COUNTS.items()))
        )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tests must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """A bot with default settings; fails the test if any handler raised or any message broke
    Telegram's rules or the language guide."""
    bot_env = await BotEnv.create(tmp_path, coordinators=(900,))
    yield bot_env
    await bot_env.stop()
    bot_env.assert_clean()
