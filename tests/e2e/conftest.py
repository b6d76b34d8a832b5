"""Fixtures for the real-process suite: a Bot API emulator on 127.0.0.1, bot processes, and
the checks every test ends with (no call the emulator refused, no traceback in any log).

One bot process (`shared_bot`) serves the journeys that can honestly share it; journeys that
stop, kill or reconfigure the bot start their own with `make_bot`.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import onboard_coordinator

COORDINATOR_ID = 880_000_001
_EMULATORS: list[BotAPIEmulator] = []
_BOTS: list[BotProcess] = []
_TOKENS = itertools.count(7_100_000_001)


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Here tests may talk to 127.0.0.1 (the emulator, the bot's webhook), and nowhere else.

    Overrides the offline suite's fixture of the same name, which refuses every connection.
    """
    connect = socket.socket.connect
    create_connection = socket.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise AssertionError(f"e2e tests may only connect to 127.0.0.1, not {address}")
        return connect(self, address)

    def guarded_create(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _loopback(address):
            raise AssertionError(f"e2e tests may only connect to 127.0.0.1, not {address}")
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)


@pytest.fixture(autouse=True)
def _clean_run() -> Iterator[None]:
    """Every test fails if the emulator refused a call it did not expect or a bot's log holds
    a traceback (looked at from where the test began)."""
    problems = {id(tg): len(tg.problems) for tg in _EMULATORS}
    logs = {id(bot): bot.log_size() for bot in _BOTS}
    yield
    found: list[str] = []
    for tg in _EMULATORS:
        found += [f"emulator: {p}" for p in tg.problems[problems.get(id(tg), 0) :]]
    for bot in _BOTS:
        text = bot.log(logs.get(id(bot), 0))
        if "Traceback" in text:
            start = text.index("Traceback")
            found.append(
                f"traceback in {bot.log_path}:\n{text[max(0, start - 300) : start + 3000]}"
            )
    assert not found, "\n\n".join(found)


def new_emulator() -> BotAPIEmulator:
    """A fresh emulator for a bot of its own (its own token and username)."""
    token_id = next(_TOKENS)
    tg = BotAPIEmulator(
        token=f"{token_id}:AAE2E-{token_id % 9973:04d}-not-a-real-token",
        username=f"peer_e2e_{token_id % 100000}_bot",
    ).start()
    _EMULATORS.append(tg)
    return tg


@pytest.fixture(scope="package")
def tg() -> Iterator[BotAPIEmulator]:
    """The emulator the shared bot talks to."""
    emulator = new_emulator()
    yield emulator
    emulator.stop()
    _EMULATORS.remove(emulator)


@pytest.fixture(scope="package")
def shared_bot(
    tg: BotAPIEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    """One bot process, started as a service starts it, shared by the journeys that don't
    stop or reconfigure it; stopped with SIGTERM at the end, which must succeed."""
    bot = BotProcess(tg, tmp_path_factory.mktemp("shared-bot"), coordinators=(COORDINATOR_ID,))
    _BOTS.append(bot)
    bot.start()
    yield bot
    try:
        assert bot.stop() == 0, f"the shared bot did not exit cleanly{bot.tail()}"
        assert "Traceback" not in bot.log(), f"the shared bot's log holds a traceback{bot.tail(80)}"
    finally:
        bot.close()
        _BOTS.remove(bot)


@pytest.fixture(scope="package")
def coordinator(tg: BotAPIEmulator, shared_bot: BotProcess) -> Person:
    """The service's first coordinator (listed in the settings), through /start."""
    person = tg.person(COORDINATOR_ID, "Casey", username="casey_coord")
    onboard_coordinator(person, alias="Casey")
    return person


@pytest.fixture
def make_bot(tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Start bots of their own: `make_bot(coordinators=(...), **settings)`; each gets a fresh
    emulator (`bot.tg`). Whatever is still running at the end is stopped with SIGTERM."""
    made: list[tuple[BotProcess, BotAPIEmulator]] = []
    counter = itertools.count(1)

    def make(
        *,
        coordinators: tuple[int, ...] = (COORDINATOR_ID,),
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> BotProcess:
        emulator = new_emulator()
        bot = BotProcess(
            emulator,
            tmp_path / f"bot{next(counter)}",
            coordinators=coordinators,
            env=env,
            **settings,
        )
        _BOTS.append(bot)
        made.append((bot, emulator))
        return bot

    yield make
    for bot, emulator in made:
        try:
            if bot.running:
                assert bot.stop() == 0, f"the bot did not exit cleanly{bot.tail()}"
        finally:
            bot.close()
            emulator.stop()
