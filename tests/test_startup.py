"""Starting the bot the way a service does: one start-up path, a durable inbox, and clean
failures, each as one plain paragraph that says what is wrong and what to do."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from telegram import Update

from bot.runtime import STARTUP_STEPS
from tests.harness import BotEnv

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token-not-real"


# -- one start-up path ---------------------------------------------------------------------


async def test_the_harness_starts_the_application_the_way_the_cli_does(env: BotEnv) -> None:
    # `python -m bot run` logs the same list (the e2e suite compares it with STARTUP_STEPS).
    assert env.app is not None
    assert env.app.bot_data["startup_trace"] == list(STARTUP_STEPS)
    await env.restart()
    assert env.app.bot_data["startup_trace"] == list(STARTUP_STEPS)


def test_the_harness_and_the_cli_share_one_entry_point() -> None:
    harness = (ROOT / "tests" / "harness" / "__init__.py").read_text()
    cli = (ROOT / "bot" / "cli.py").read_text()
    runtime = (ROOT / "bot" / "runtime.py").read_text()
    assert "running(app)" in harness and "serve(app, source)" in cli
    assert "async with running(app, stop)" in runtime
    for forbidden in ("storage.connect()", ".initialize()", "startup("):
        assert forbidden not in harness, f"the harness must not call {forbidden} on the side"


# -- the inbox -------------------------------------------------------------------------------


def _start_update(env: BotEnv, user_id: int, update_id: int) -> Update:
    assert env.app is not None
    message = {
        "message_id": update_id,
        "date": int(env.clock.now().timestamp()),
        "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return Update.de_json({"update_id": update_id, "message": message}, env.app.bot)


async def test_an_update_delivered_twice_is_answered_once(env: BotEnv) -> None:
    assert env.app is not None
    update = _start_update(env, 811, 50_001)
    await env.app.update_queue.put(update)
    await env.app.update_queue.join()
    once = [m.plain for m in env.fake.messages(811)]
    assert once and await env.storage.fetchval("SELECT COUNT(*) FROM update_inbox") == 1
    await env.app.update_queue.put(_start_update(env, 811, 50_001))
    await env.app.update_queue.join()
    assert [m.plain for m in env.fake.messages(811)] == once
    row = await env.storage.fetchone(
        "SELECT body, done_at FROM update_inbox WHERE update_id = 50001"
    )
    assert row is not None and row["body"] is None and row["done_at"] is not None


async def test_an_update_received_before_a_crash_is_answered_after_the_restart(env: BotEnv) -> None:
    assert env.app is not None
    update = _start_update(env, 812, 50_002)
    # Received and stored, then the process died before handling it.
    body = env.cipher.encrypt(json.dumps(update.to_dict()))
    await env.storage.inbox_add(50_002, 812, body, env.clock.now())
    assert env.fake.messages(812) == []
    await env.restart()
    assert env.app is not None
    await env.app.update_queue.join()
    assert "Is that OK with you?" in " ".join(m.plain for m in env.fake.messages(812))
    # The stored text is ciphertext, and gone once handled.
    assert b"/start" not in body
    assert (
        await env.storage.fetchval("SELECT COUNT(*) FROM update_inbox WHERE body IS NOT NULL") == 0
    )


async def test_an_update_that_kept_killing_the_bot_is_set_aside(env: BotEnv) -> None:
    update = _start_update(env, 813, 50_003)
    await env.storage.inbox_add(
        50_003, 813, env.cipher.encrypt(json.dumps(update.to_dict())), env.clock.now()
    )
    await env.storage.execute("UPDATE update_inbox SET attempts = 3 WHERE update_id = 50003")
    await env.restart()
    assert env.app is not None
    await env.app.update_queue.join()
    assert env.fake.messages(813) == []


# -- clean failures from the command line ------------------------------------------------------


def _bot(tmp_path: Path, settings: str, *args: str) -> subprocess.Popen[str]:
    file = tmp_path / "settings.yaml"
    file.write_text(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["TELEGRAM_BOT_TOKEN"] = TOKEN
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--settings", str(file), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _fails_plainly(proc: subprocess.Popen[str], *needles: str) -> str:
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert "Traceback" not in err, err
    message = err.strip().splitlines()[-1]  # earlier lines are the log
    assert message.startswith("Can't start:") or message.startswith("Settings problem:"), err
    for needle in needles:
        assert needle in message, message
    return message


def _settings(data: Path, api: str = "http://127.0.0.1:9/bot") -> str:
    return f"data_dir: {data}\nbot_api_base_url: {api}\nbot_username: test_bot\n"


def test_a_data_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _fails_plainly(_bot(tmp_path, _settings(blocker / "data")), "data folder", "writable")


def test_a_database_file_that_is_corrupt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bot.sqlite3").write_bytes(b"this is not a database at all" * 200)
    _fails_plainly(_bot(tmp_path, _settings(data)), "not a readable database", "backup")


def test_a_database_from_a_newer_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "bot.sqlite3") as db:
        db.execute("PRAGMA user_version = 999")
    _fails_plainly(_bot(tmp_path, _settings(data)), "newer version")


def test_a_database_locked_by_another_program(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    holder = sqlite3.connect(data / "bot.sqlite3", isolation_level=None)
    holder.execute("CREATE TABLE held (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        _fails_plainly(_bot(tmp_path, _settings(data)), "locked by another program")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_second_copy_on_the_same_data_folder(tmp_path: Path) -> None:
    import fcntl

    data = tmp_path / "data"
    data.mkdir()
    with open(data / "bot.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _fails_plainly(_bot(tmp_path, _settings(data)), "Another copy of the bot")


def test_a_malformed_settings_file(tmp_path: Path) -> None:
    _fails_plainly(_bot(tmp_path, "region: [AU\nmodel: {{\n"), "not valid YAML")


class _Api(BaseHTTPRequestHandler):
    status = 401

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.dumps(
            {"ok": False, "error_code": self.status, "description": "Unauthorized"}
        ).encode()
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def refusing_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    server.shutdown()
    server.server_close()


def test_a_token_telegram_rejects(tmp_path: Path, refusing_api: str) -> None:
    _fails_plainly(
        _bot(tmp_path, _settings(tmp_path / "data", refusing_api)),
        "refused the bot token",
        "TELEGRAM_BOT_TOKEN",
        refusing_api,
    )


class _OddApi(_Api):
    """A server that is not quite the Bot API: getMe without is_bot (as the npm package
    telegram-test-api answers it), which python-telegram-bot can't turn into a User."""

    def do_POST(self) -> None:
        body = json.dumps({"ok": True, "result": {"id": 666, "first_name": "Test"}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_answer_the_bot_cannot_read_stops_the_start_and_the_process(tmp_path: Path) -> None:
    """Any fault while starting ends the process in plain words, with the database closed
    (before, the traceback was printed and the process hung on open database threads)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OddApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = f"http://127.0.0.1:{server.server_address[1]}/bot"
        message = _fails_plainly(
            _bot(tmp_path, _settings(tmp_path / "data", api)),
            "the start-up failed with TypeError",
            "bot_api_base_url",
        )
        assert TOKEN not in message
    finally:
        server.shutdown()
        server.server_close()
    # the folder was let go: another start can lock it at once
    from bot.runtime import DataFolderLock

    lock = DataFolderLock(tmp_path / "data")
    lock.acquire()
    lock.release()


def test_telegram_unreachable_is_retried_and_named_then_stops_on_sigterm(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = f"http://127.0.0.1:{port}/bot"
    proc = _bot(tmp_path, _settings(tmp_path / "data", api))
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if "Trying again" in line:
            break
    assert any(f"Can't reach Telegram's Bot API at {api}" in line for line in seen), seen
    assert proc.poll() is None  # still running, retrying
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in "".join(seen) + rest
    assert TOKEN not in "".join(seen) + rest


async def test_a_data_folder_made_beforehand_is_made_owner_only(tmp_path: Path) -> None:
    """A folder made before the bot's first start (a container volume is often 0755) is
    tightened to 0700 when this user owns it."""
    import stat

    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    env = await BotEnv.create(tmp_path, coordinators=(900,))
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    finally:
        await env.stop()
