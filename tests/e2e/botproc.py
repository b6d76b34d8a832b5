"""The bot as a service runs it: `python -m bot run --settings FILE` in a subprocess.

    bot = BotProcess(tg, tmp_path, coordinators=[900])
    bot.start()                 # waits for "The bot is running (...)" in its log
    bot.stop()                  # SIGTERM, as systemd or docker stop sends it
    bot.kill()                  # SIGKILL: a crash, the OOM killer, a pulled plug

The log (stdout and stderr) goes to a file the suite reads; `db()` opens the database file
read-only with sqlite3, and `db(write=True)` may be used only while the bot is stopped.

With E2E_BOT_IMAGE=IMAGE set, every start is the README's `docker run` of that image instead
(`podman run`, host networking so it reaches the emulator on 127.0.0.1, the data folder as
its /data volume, the settings file as /settings.yaml, the token and the test's variables in
its environment); tests/e2e/container.sh builds the image and runs the suite that way.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import yaml

from tests.e2e.emulator import DEFAULT_WAIT, BotAPIEmulator

__all__ = ["RUNNING", "BotProcess", "free_port"]

RUNNING = re.compile(
    r"The bot is running \((?P<source>[^)]*)\); start-up: (?P<steps>.*)\.$", re.MULTILINE
)
_REMOVED_ENV = (
    "BOT_SETTINGS",
    "BOT_DATA_DIR",
    "BOT_ENCRYPTION_KEY",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_BOT_TOKEN",
)
IMAGE = os.environ.get("E2E_BOT_IMAGE", "")  # set: the bot runs in a container of this image
T = TypeVar("T")
CONTAINER_LABEL = "bpd-peer-bot-e2e"  # =RUN, on every container the suite starts
# This check's run (tests/e2e/container.sh), in the label and the name of each container, so
# two checks on one machine never share a name and each removes only its own.
RUN = os.environ.get("E2E_RUN") or f"{os.getpid()}-{secrets.token_hex(3)}"
_CONTAINERS = itertools.count(1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """One bot process at a time over one data folder; start, stop and start it again."""

    def __init__(
        self,
        tg: BotAPIEmulator,
        root: Path,
        *,
        coordinators: tuple[int, ...] = (),
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> None:
        self.tg = tg
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir = root / "data"
        self.settings_path = root / "settings.yaml"
        self.log_path = root / "bot.log"
        values: dict[str, Any] = {
            "service_name": "Harbour Health Peer Support",
            "region": "AU",
            "timezone": "Australia/Sydney",
            "bot_api_base_url": tg.base_url,
            "bot_username": tg.username,
            "data_dir": str(self.data_dir),
            "coordinators": list(coordinators),
        }
        values.update(settings)
        self.settings = values
        self.settings_path.write_text(yaml.safe_dump(values, sort_keys=False), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if k not in _REMOVED_ENV}
        self.env.update({"TELEGRAM_BOT_TOKEN": tg.token, "PYTHONUNBUFFERED": "1"})
        self.env.update(env or {})
        self.docker_style = False
        self.container: str | None = None  # the running start's container, with IMAGE
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0
        self._start_offset = 0
        tg.on_timeout = self.tail

    # -- the process -----------------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        """`python -m bot run --settings FILE ARGS` (the README's way), or after `docker()`
        `python -m bot run ARGS` with BOT_SETTINGS and BOT_DATA_DIR set (the Dockerfile's).
        With E2E_BOT_IMAGE, always the README's `docker run` of the image (`container_run`)."""
        if IMAGE:
            return self.container_run(*(("python", "-m", "bot", "run", *args) if args else ()))
        if self.docker_style:
            return [sys.executable, "-m", "bot", "run", *args]
        return [sys.executable, "-m", "bot", "run", "--settings", str(self.settings_path), *args]

    def docker(self) -> None:
        """From the next start on, start as the Dockerfile does: `python -m bot run`, with
        BOT_SETTINGS naming the settings file and BOT_DATA_DIR the data folder (its volume)."""
        self.docker_style = True
        self.env.update(
            {"BOT_SETTINGS": str(self.settings_path), "BOT_DATA_DIR": str(self.data_dir)}
        )

    def container_run(self, *command: str) -> list[str]:
        """`podman run` of IMAGE as the README runs it: the data folder as the /data volume
        (`:U` gives it to the image's user), the settings file read-only as BOT_SETTINGS,
        and by name only (values from `self.env`) the variables the suite gives the bot;
        COMMAND replaces the image's CMD when given. Each call names a new container."""
        self.data_dir.mkdir(parents=True, exist_ok=True)  # a bind mount's source must exist
        name = f"{CONTAINER_LABEL}-{RUN}-{next(_CONTAINERS)}"
        given = [
            k
            for k, v in self.env.items()
            if k not in ("BOT_SETTINGS", "BOT_DATA_DIR")
            and (k in _REMOVED_ENV or os.environ.get(k) != v)
        ]
        return [
            "podman",
            "run",
            "--rm",
            "--name",
            name,
            "--label",
            f"{CONTAINER_LABEL}={RUN}",
            "--network",
            "host",
            "-v",
            f"{self.data_dir}:/data:U",
            "-v",
            f"{self.settings_path}:/settings.yaml:ro",
            "-e",
            "BOT_SETTINGS=/settings.yaml",
            *(f"--env={k}" for k in sorted(given)),
            IMAGE,
            *command,
        ]

    def start(self, *args: str, wait: bool = True, timeout: float = DEFAULT_WAIT) -> None:
        """Start the bot; with WAIT, return once its log says it is running."""
        assert self.proc is None, "the bot is already running"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in _reap
        self._start_offset = self.log_path.stat().st_size
        self._log.write(f"--- e2e: start {self.starts + 1}: {' '.join(args)}\n".encode())
        self._log.flush()
        command = self.command(*args)
        self.container = command[command.index("--name") + 1] if IMAGE else None
        self.proc = subprocess.Popen(
            command, cwd=self.root, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.starts += 1
        if wait:
            self.wait_running(timeout)

    def wait_running(self, timeout: float = DEFAULT_WAIT) -> re.Match[str]:
        """Wait for this start's "The bot is running (...)" line; fail if the bot exits."""
        return self.wait_log(RUNNING, timeout, since=self._start_offset)

    def wait_log(
        self,
        pattern: str | re.Pattern[str],
        timeout: float = DEFAULT_WAIT,
        since: int | None = None,
    ) -> re.Match[str]:
        """Wait (with a deadline) until PATTERN appears in the log after SINCE (bytes)."""
        regex = re.compile(re.escape(pattern)) if isinstance(pattern, str) else pattern
        offset = self._start_offset if since is None else since
        return self.wait_until(
            lambda: regex.search(self.log(offset)),
            f"{regex.pattern!r} appeared in its log",
            timeout,
        )

    def wait_until(self, check: Callable[[], T | None], what: str, timeout: float) -> T:
        """CHECK's first true answer, asked again while the bot runs, until TIMEOUT s pass.

        Between two checks the test waits on the bot's process (it returns at once if the bot
        exits), never in a plain sleep; with no bot running nothing can change, so one check
        decides."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            if self.proc is None:
                raise AssertionError(f"the bot is not running, so nothing will change: {what}")
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the bot exited with status {self.proc.returncode} before {what}{self.tail()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout:.0f} s: {what}{self.tail()}")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=0.05)

    def stop(self, timeout: float = DEFAULT_WAIT) -> int:
        """SIGTERM, then wait for the process to end; its exit status."""
        assert self.proc is not None, "the bot is not running"
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._force_kill()
            self.proc.wait()
            self._reap()
            raise AssertionError(
                f"the bot did not stop within {timeout:.0f} s of SIGTERM{self.tail()}"
            ) from None
        self._reap()
        return status

    def kill(self) -> int:
        """SIGKILL: no clean-up of any kind runs."""
        assert self.proc is not None, "the bot is not running"
        in_container = self.container is not None
        self._force_kill()
        status = self.proc.wait(timeout=DEFAULT_WAIT)
        self._reap()
        if in_container and status == 128 + signal.SIGKILL:
            return -signal.SIGKILL  # podman says 137, as a shell does; Popen says -9
        return status

    def _force_kill(self) -> None:
        """SIGKILL the bot: the process, or with IMAGE the container (SIGKILL can't be passed
        on by `podman run`, so killing it would leave the container running)."""
        assert self.proc is not None
        if self.container:
            subprocess.run(
                ["podman", "kill", "--signal", "KILL", self.container],
                capture_output=True,
                timeout=60,
                check=False,
            )
        else:
            self.proc.send_signal(signal.SIGKILL)

    def _reap(self) -> None:
        self.proc = None
        self.container = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        """Make sure nothing is left running (a test that failed half-way)."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self._force_kill()
            self.proc.wait()
            self._reap()

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def cli(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Another command of the same installation: `python -m bot ARGS --settings FILE`
        (with IMAGE, in a container of it over the same volume and settings)."""
        command = (
            self.container_run("python", "-m", "bot", *args, "--settings", "/settings.yaml")
            if IMAGE
            else [sys.executable, "-m", "bot", *args, "--settings", str(self.settings_path)]
        )
        return subprocess.run(
            command,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    # -- the log -----------------------------------------------------------------------------

    def log(self, offset: int = 0) -> str:
        """The log from OFFSET bytes on."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", errors="replace")

    def log_size(self) -> int:
        """Bytes in the log now (a bookmark)."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def tail(self, lines: int = 30) -> str:
        """The end of the log, for a failure message."""
        text = self.log().splitlines()[-lines:]
        return "\n--- the bot's log ends with ---\n" + "\n".join(text)

    def running_line(self) -> re.Match[str]:
        """The latest "The bot is running (...); start-up: ..." line."""
        found = list(RUNNING.finditer(self.log()))
        assert found, f"the bot never said it was running{self.tail()}"
        return found[-1]

    # -- the database ------------------------------------------------------------------------

    @property
    def database(self) -> Path:
        """The SQLite file."""
        return self.data_dir / "bot.sqlite3"

    @contextlib.contextmanager
    def db(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The database file: read-only, or for writing while the bot is stopped."""
        if write:
            assert not self.running, "change the database only while the bot is stopped"
            connection = sqlite3.connect(self.database)
        else:
            connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            yield connection
            if write:
                connection.commit()
        finally:
            connection.close()
