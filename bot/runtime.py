"""How the bot starts and stops: one path for `python -m bot run` and for the test harness.

    async with running(app, stop=stop):   # lock, storage, Telegram, hooks, start
        ... feed updates (the Updater's polling or webhook, or the harness) ...

`BotApplication.initialize()` opens the data folder and the database *before* PTB reaches
Telegram, and `shutdown()` closes them after PTB has stopped, so every way of starting the
Application (this module, `async with app`, PTB's own `run_polling`) opens things in the
same order. Where someone is in a flow is read from the database on every update
(bot/routing.py), so PTB keeps no state of ours to load or flush.

Problems a service can fix (a folder it can't write, a damaged or locked database, a token
Telegram refuses) end the start with `StartupError`, whose message is one plain paragraph;
an unreachable Telegram is retried with backoff, as it may come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from telegram import BotCommandScopeDefault, Update
from telegram.error import (
    BadRequest,
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application

from bot.crypto import KeyMismatch, verify_key
from bot.inbox import DurableUpdateQueue
from bot.storage import StorageError
from bot.webhook import WebhookServer

__all__ = [
    "STARTUP_STEPS",
    "BotApplication",
    "DataFolderLock",
    "Polling",
    "StartupError",
    "UpdateSource",
    "Webhook",
    "running",
    "serve",
]

_LOG = logging.getLogger(__name__)

#: What `running` does, in order; the harness and the real process both record these
#: in `app.bot_data["startup_trace"]`, and tests compare them.
STARTUP_STEPS = (
    "data folder locked",
    "storage opened",
    "telegram reached",
    "flows started",
    "application running",
)

_MAX_BACKOFF_S = 60.0


class StartupError(Exception):
    """The bot can't start; the message says why and what to do, in one plain paragraph."""


def _trace(app: Application[Any, Any, Any, Any, Any, Any], step: str) -> None:
    app.bot_data.setdefault("startup_trace", []).append(step)
    _LOG.debug("Start-up: %s", step)


def _owner_only(folder: Path) -> None:
    """Make the data folder owner-only (0700) when this user owns it and others could read it:
    a folder made beforehand (a container volume, say) is often 0755."""
    info = folder.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o077:
        folder.chmod(0o700)
        _LOG.info("The data folder was readable by others; it is owner-only now")


class DataFolderLock:
    """An exclusive lock on the data folder, so two copies of the bot never share one
    database (SQLite would let them, and they would answer every message twice)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "bot.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise StartupError naming the folder."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _owner_only(self.path.parent)
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise StartupError(
                f"The bot can't write to its data folder {self.path.parent} "
                f"({exc.strerror or exc}). It keeps its database there, so it must be a folder "
                "this user can write to. Fix the folder's owner or permissions, or point "
                "data_dir in the settings (or BOT_DATA_DIR) at a folder that is writable."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StartupError(
                f"Another copy of the bot is already running with the data folder "
                f"{self.path.parent}. Two copies would answer every message twice. Stop the "
                "other one first, or give this one a data folder of its own."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let the folder go (the lock also ends with the process)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class BotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, with the bot's own resources opened before PTB starts and closed
    after it stops; each update's writes and its inbox mark go to the database together."""

    async def initialize(self) -> None:
        """Lock the data folder, open storage, then let PTB reach Telegram (getMe), then let
        the flows prepare."""
        if self._initialized:
            return
        deps = self.bot_data["deps"]
        lock: DataFolderLock = self.bot_data.setdefault(
            "data_lock", DataFolderLock(deps.settings.data_dir)
        )
        if lock._fd is None:
            lock.acquire()
            _trace(self, STARTUP_STEPS[0])
        try:
            await deps.storage.connect()
            await verify_key(deps.storage, deps.cipher, deps.settings.database_label)
        except (StorageError, KeyMismatch) as exc:
            await deps.storage.close()
            lock.release()
            raise StartupError(str(exc)) from None
        _trace(self, STARTUP_STEPS[1])
        await super().initialize()
        _trace(self, STARTUP_STEPS[2])
        try:
            await _prepare(self)
        except BaseException:
            await self.shutdown()
            raise
        _trace(self, STARTUP_STEPS[3])

    async def shutdown(self) -> None:
        """PTB's shutdown, then close the database and unlock the folder."""
        try:
            await super().shutdown()
        finally:
            await self.bot_data["deps"].storage.close()
            lock: DataFolderLock | None = self.bot_data.get("data_lock")
            if lock is not None:
                lock.release()

    async def process_update(self, update: object) -> None:
        """Process UPDATE, then write what it changed and mark it done.

        Updates run concurrently (bot/concurrency.py), one person at a time. Writes the
        handlers `defer()`red and the inbox's done mark go in one transaction, one round trip.
        """
        storage = self.bot_data["deps"].storage
        async with storage.deferred_writes() as pending:
            await super().process_update(update)
            if isinstance(self.update_queue, DurableUpdateQueue):
                await self.update_queue.done(update)
        await storage.batch(pending)


async def _prepare(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Warm the crisis detector, set the default command menu, run the flows' start hooks."""
    from bot import charts
    from bot.app import commands_for
    from bot.domain.crisis import DetectorUnavailable, assess
    from bot.domain.crisis import load as load_detector

    try:
        # A missing or broken detector must stop the start, not surface on someone's message.
        load_detector()
        assess("warm-up")
    except DetectorUnavailable as exc:
        raise StartupError(f"{exc} The bot won't start without its crisis check.") from None
    except Exception as exc:
        raise StartupError(
            "The crisis detector could not be loaded, so the bot won't start without it "
            f"({exc.__class__.__name__}). Reinstall the bot (pip install -e .) so its model "
            "files are in place."
        ) from None
    deps = app.bot_data["deps"]
    # Sends a process that died had in hand go at the outbox worker's first tick.
    freed = await deps.storage.outbox_free_leases()
    if freed:
        _LOG.info("Sends in hand when the bot last stopped: %d, sent again now", freed)
    # The chart workers start (and import matplotlib) now, beside the rest of the start.
    charts.start(deps.settings.chart_workers)
    try:
        await app.bot.set_my_commands(
            commands_for(app.bot_data["flows"], None, deps), scope=BotCommandScopeDefault()
        )
    except TelegramError:
        _LOG.warning("Could not set the default command menu; people can still type commands")
    for flow in app.bot_data["flows"]:
        if flow.on_startup is not None:
            await flow.on_startup(app)


def _api_url(app: Application[Any, Any, Any, Any, Any, Any]) -> str:
    # The configured base URL, never the token that PTB appends to it.
    return str(app.bot_data["deps"].settings.bot_api_base_url)


def _token_rejected(app: Application[Any, Any, Any, Any, Any, Any]) -> StartupError:
    return StartupError(
        f"Telegram's Bot API at {_api_url(app)} refused the bot token. Check "
        "TELEGRAM_BOT_TOKEN against the token @BotFather gave you (send /mybots to "
        "@BotFather to see it again), then start the bot again."
    )


async def _initialize(app: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event) -> bool:
    """Initialise APP, retrying while Telegram can't be reached; False if stopped first."""
    delay = 1.0
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except InvalidToken:
            await app.shutdown()
            raise _token_rejected(app) from None
        except BadRequest as exc:
            await app.shutdown()
            raise StartupError(
                f"Telegram's Bot API at {_api_url(app)} answered the bot's first request with "
                f"an error ({exc.message}). Check bot_api_base_url in the settings."
            ) from None
        except NetworkError as exc:
            _LOG.warning(
                "Can't reach Telegram's Bot API at %s (%s). Is this machine online, and is "
                "bot_api_base_url in the settings right? Trying again in %.0f s.",
                _api_url(app),
                _reason(exc),
                delay,
            )
        except StartupError:
            raise  # already said plainly, and already tidied up
        except Exception as exc:
            # An answer PTB could not read (a server that is not quite the Bot API), or a
            # fault of our own: close what was opened, so the process ends rather than hangs
            # on open database threads, and say what happened in one paragraph.
            await app.shutdown()
            raise StartupError(
                f"{_unreadable(app, exc)} If bot_api_base_url in "
                "the settings points at your own Bot API server, check that it answers as "
                "Telegram's Bot API does."
            ) from None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, _MAX_BACKOFF_S)
    await app.shutdown()
    return False


def _unreadable(app: Application[Any, Any, Any, Any, Any, Any], exc: BaseException) -> str:
    # The exception's first line, never the token (some libraries put the URL in messages).
    text = (str(exc).splitlines() or [""])[0][:300]
    token = app.bot.token
    if token:
        text = text.replace(token, "<token>")
    return f"the start-up failed with {exc.__class__.__name__} ({text})."


def _reason(exc: BaseException) -> str:
    text = str(exc).split(":", 1)[0] if ":" in str(exc) else str(exc)
    return text or exc.__class__.__name__


@contextlib.asynccontextmanager
async def running(
    app: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event | None = None
) -> AsyncIterator[bool]:
    """Start APP the one way it is started (see STARTUP_STEPS) and stop it on exit.

    Yields True once running, or False if STOP was set while Telegram was unreachable.
    """
    stop = stop or asyncio.Event()
    if not await _initialize(app, stop):
        yield False
        return
    try:
        await app.start()
        if isinstance(app.update_queue, DurableUpdateQueue):
            await app.update_queue.replay(app.bot)
        _trace(app, STARTUP_STEPS[4])
        # What start-up built (modules, the detector, the copy, PTB) lives as long as the
        # process: kept out of the collector's full passes, which otherwise walk all of it
        # and hold the event loop for 55-70 ms now and then (measured in
        # benchmarks/bench_concurrency.py, event_loop_lag_max_ms). Let go again on stop.
        gc.freeze()
        yield True
    finally:
        gc.unfreeze()
        if app.running:
            await app.stop()
        await app.shutdown()


class UpdateSource(Protocol):
    """Where updates come from: Telegram's long polling, or its webhook pushes."""

    @property
    def name(self) -> str:
        """How the log names it."""
        ...

    async def start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Start fetching or receiving updates into the application's queue."""
        ...

    async def stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Stop taking updates in (those queued are still handled)."""
        ...


def _on_polling_error(
    app: Application[Any, Any, Any, Any, Any, Any],
) -> Callable[[TelegramError], None]:
    def log(exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            _LOG.error(
                "Telegram says another copy of this bot is fetching its updates. Only one "
                "may: stop the other copy (or remove its webhook)."
            )
        elif isinstance(exc, InvalidToken):
            _LOG.error("Telegram no longer accepts the bot token. Check TELEGRAM_BOT_TOKEN.")
        else:
            _LOG.warning(
                "Lost contact with Telegram's Bot API at %s (%s); trying again with "
                "growing pauses.",
                _api_url(app),
                _reason(exc),
            )

    return log


@dataclass(frozen=True)
class Polling:
    """Long polling (the default)."""

    name: str = "long polling"

    async def start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Start the Updater's polling loop."""
        assert app.updater is not None
        await app.updater.start_polling(
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,
            error_callback=_on_polling_error(app),
        )

    async def stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Stop polling."""
        if app.updater is not None and app.updater.running:
            await app.updater.stop()


@dataclass
class Webhook:
    """Telegram pushes updates to URL/PATH; our server (bot/webhook.py) checks the secret
    token on each push and answers /healthz on the same port.

    With REGISTER (SQLite: one box, one command) it calls setWebhook once the server
    listens, as PTB's server did. Without it (PostgreSQL: several replicas) it leaves
    Telegram pointed where `python -m bot set-webhook` pointed it, so a replica starting
    never re-points Telegram.
    """

    url: str
    listen: str
    port: int
    path: str
    secret: str = field(repr=False)
    register: bool = True
    name: str = "webhook"
    server: WebhookServer | None = field(default=None, init=False, repr=False)

    @property
    def webhook_url(self) -> str:
        """The full address Telegram calls."""
        return f"{self.url.rstrip('/')}/{self.path.strip('/')}"

    async def start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Listen, then (with REGISTER) tell Telegram where to push."""
        server = WebhookServer(
            app,
            listen=self.listen,
            port=self.port,
            path=self.path,
            secret=self.secret,
            storage=app.bot_data["deps"].storage,
        )
        try:
            await server.start()
        except OSError as exc:
            raise StartupError(
                f"The webhook server can't listen on {self.listen}:{self.port} "
                f"({exc.strerror or exc}). Another program may be using the port: stop it, "
                "or choose another with --port (and --listen for the address)."
            ) from None
        self.server = server
        try:
            if self.register:
                await _set_webhook(app, self.webhook_url, self.secret)
                _LOG.info("Telegram will push updates to %s", self.webhook_url)
            else:
                _LOG.info(
                    "Not calling setWebhook (several replicas share one database): Telegram "
                    "pushes where `python -m bot set-webhook` last pointed it"
                )
        except BaseException:
            await self.stop(app)
            raise

    async def stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Close the server."""
        if self.server is not None:
            server, self.server = self.server, None
            await server.stop()


async def _set_webhook(
    app: Application[Any, Any, Any, Any, Any, Any], url: str, secret: str
) -> None:
    """setWebhook, retried while Telegram can't be reached (the caller may cancel)."""
    delay = 1.0
    while True:
        try:
            await app.bot.set_webhook(
                url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
            return
        except BadRequest as exc:
            raise StartupError(
                f"Telegram refused the webhook address {url} ({exc.message}). Give "
                "--webhook-url the public HTTPS address of this server, without the path "
                "(that is --webhook-path)."
            ) from None
        except RetryAfter as exc:
            wait = exc.retry_after
            pause = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            _LOG.warning("Telegram asks to wait %.0f s before setting the webhook", pause)
            await _pause(pause)
            continue
        except NetworkError as exc:
            _LOG.warning(
                "Can't reach Telegram's Bot API at %s to set the webhook (%s); trying again "
                "in %.0f s.",
                _api_url(app),
                _reason(exc),
                delay,
            )
        except InvalidToken:
            raise  # said plainly by serve
        except TelegramError as exc:
            raise StartupError(
                f"Telegram's Bot API at {_api_url(app)} refused to set the webhook "
                f"({exc.__class__.__name__}: {exc.message})."
            ) from None
        await _pause(delay)
        delay = min(delay * 2, _MAX_BACKOFF_S)


#: How `_set_webhook` waits between tries (tests replace it, so no test sleeps).
_pause = asyncio.sleep


async def serve(app: Application[Any, Any, Any, Any, Any, Any], source: UpdateSource) -> None:
    """Run APP until SIGTERM or SIGINT: what `python -m bot run` does."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(app, stop) as started:
            if not started:
                return
            try:
                if not await _start_unless_stopped(app, source, stop):
                    return
            except InvalidToken:
                raise _token_rejected(app) from None
            try:
                _LOG.info(
                    "The bot is running (%s); start-up: %s.",
                    source.name,
                    ", ".join(app.bot_data.get("startup_trace", [])),
                )
                await stop.wait()
                _LOG.info("Stopping: finishing the updates in hand, then closing the database.")
            finally:
                await source.stop(app)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _start_unless_stopped(
    app: Application[Any, Any, Any, Any, Any, Any], source: UpdateSource, stop: asyncio.Event
) -> bool:
    """Start SOURCE; False if STOP came first (a start still retrying an unreachable
    Telegram is cancelled, and what it opened is closed)."""
    starting = asyncio.ensure_future(source.start(app))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((starting, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if starting.done():
        starting.result()  # raises what the start raised
        return True
    starting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await starting
    await source.stop(app)
    return False
