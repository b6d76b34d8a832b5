"""Webhook mode as several replicas run it (issue 18, item 5), through real processes: the
bot's own webhook server (the secret on every push, /healthz on the same port), `python -m
bot set-webhook` against the Bot API emulator, and two replicas on one PostgreSQL database
that never call setWebhook as they start."""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from telegram import Update

from tests.e2e.botproc import BotProcess, free_port
from tests.e2e.conftest import COORDINATOR_ID, new_emulator
from tests.e2e.emulator import Person, post_update
from tests.e2e.journeys import is_help

SECRET = "e2e_Replica-secret_0123456789"
Replicas = Callable[[dict[str, str]], tuple[BotProcess, BotProcess]]
PATH = "replicas"


def start_webhook(bot: BotProcess, port: int) -> str:
    """Start BOT as a webhook server on 127.0.0.1:PORT; the URL Telegram should call."""
    bot.start(
        "--webhook-url",
        f"http://127.0.0.1:{port}",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--webhook-path",
        PATH,
    )
    return f"http://127.0.0.1:{port}/{PATH}"


def healthz(port: int) -> tuple[int, dict[str, Any]]:
    """GET /healthz: its status and JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def claims_too_much(port: int) -> int:
    """The status a push claiming a body over 1 MB gets, with the right secret, as soon as
    its headers are sent (the body never is)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            (
                f"POST /{PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
                f"Content-Length: {2 * 1024 * 1024}\r\n\r\n"
            ).encode()
        )
        return int(conn.makefile("rb").readline().split()[1])


def message_from(person: Person, text: str, update_id: int) -> dict[str, Any]:
    """PERSON's command TEXT, as Telegram would push it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "from": person.user,
            "text": text,
            "chat": {"id": person.id, "type": "private", "first_name": person.user["first_name"]},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def no_traceback(*bots: BotProcess) -> None:
    for bot in bots:
        assert "Traceback" not in bot.log(), bot.tail(80)


def test_the_webhook_server_checks_the_secret_and_answers_health_checks(
    make_bot: Callable[..., BotProcess],
) -> None:
    bot = make_bot(env={"TELEGRAM_WEBHOOK_SECRET": SECRET})
    tg = bot.tg
    port = free_port()
    url = start_webhook(bot, port)
    assert bot.running_line()["source"] == "webhook"
    # On SQLite (one box) the bot still points Telegram at itself as it starts.
    assert tg.webhook is not None
    assert (tg.webhook["url"], tg.webhook["secret_token"]) == (url, SECRET)

    with bot.db() as db:
        schema = db.execute("PRAGMA user_version").fetchone()[0]
    assert healthz(port) == (200, {"ok": True, "database": "ok", "schema": schema})

    ana = tg.person(884_000_001, "Ana")
    for wrong in (None, "not-the-secret", SECRET[:-1], SECRET + "x"):
        assert post_update(url, message_from(ana, "/start", tg.next_update_id()), wrong) == 403
    assert claims_too_much(port) == 413
    assert ana.messages() == []
    # Telegram's pushes carry the secret, and are answered.
    ana.send("/start")
    ana.wait_for("Is that OK with you?")
    assert tg.webhook_pushes and all(status == 200 for _, status in tg.webhook_pushes)
    # So is a push made here with it.
    since = tg.seq
    assert post_update(url, message_from(ana, "/help", tg.next_update_id()), SECRET) == 200
    ana.wait_for(is_help, since=since)

    assert bot.stop() == 0
    assert SECRET not in bot.log() and tg.token not in bot.log()
    assert "Webhook server listening on 127.0.0.1" in bot.log()


def test_set_webhook_tells_telegram_once_and_says_plainly_what_went_wrong(
    make_bot: Callable[..., BotProcess],
) -> None:
    bot = make_bot(env={"TELEGRAM_WEBHOOK_SECRET": SECRET})
    tg = bot.tg
    done = bot.cli("set-webhook", "--url", "http://127.0.0.1:8443/", "--webhook-path", PATH)
    assert done.returncode == 0, done.stderr
    assert tg.webhook == {
        "url": f"http://127.0.0.1:8443/{PATH}",
        "secret_token": SECRET,
        "allowed_updates": list(Update.ALL_TYPES),
        "max_connections": 40,
    }
    assert f"http://127.0.0.1:8443/{PATH}" in done.stdout
    for said in (done.stdout + done.stderr,):
        assert SECRET not in said and tg.token not in said
    assert [c.method for c in tg.calls] == ["getMe", "setWebhook"]

    deleted = bot.cli("set-webhook", "--delete")
    assert deleted.returncode == 0, deleted.stderr
    assert tg.webhook is None and "Deleted the webhook" in deleted.stdout

    tg.tolerated.append("An HTTPS URL must be provided")  # refused on purpose
    refused = bot.cli("set-webhook", "--url", "http://bot.example.org")
    assert refused.returncode == 2
    assert "Telegram refused it" in refused.stderr and tg.webhook is None

    no_secret = {k: v for k, v in bot.env.items() if k != "TELEGRAM_WEBHOOK_SECRET"}
    bot.env = no_secret
    unset = bot.cli("set-webhook", "--url", "https://bot.example.org")
    assert unset.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET is not set" in unset.stderr

    bot.env = {**no_secret, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_BOT_TOKEN": "42:nope"}
    wrong_token = bot.cli("set-webhook", "--url", "https://bot.example.org")
    assert wrong_token.returncode == 2 and "refused the bot token" in wrong_token.stderr
    assert "42:nope" not in wrong_token.stderr

    offline = make_bot(
        env={"TELEGRAM_WEBHOOK_SECRET": SECRET},
        bot_api_base_url=f"http://127.0.0.1:{free_port()}/bot",
    )
    unreachable = offline.cli("set-webhook", "--url", "https://bot.example.org")
    assert unreachable.returncode == 2 and "Can't reach Telegram's Bot API" in unreachable.stderr
    for result in (refused, unset, wrong_token, unreachable):
        assert "Traceback" not in result.stderr + result.stdout
        assert len(result.stderr.strip().splitlines()) == 1


# -- two replicas on one PostgreSQL database ------------------------------------------------------


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A private PostgreSQL cluster (tests/postgres_cluster.py); skipped where PostgreSQL isn't
    installed, unless BOT_REQUIRE_POSTGRES=1."""
    import os

    from tests import postgres_cluster

    folder = Path(tempfile.mkdtemp(prefix="bot-e2e-pg-"))
    try:
        url = postgres_cluster.start(folder)
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get("BOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but can't start: {exc}")
        pytest.skip(f"PostgreSQL is not available: {exc}")
    try:
        yield url
    finally:
        postgres_cluster.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """Create database NAME on SERVER; its URL."""
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(server)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    head, _, query = server.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


@pytest.fixture
def replicas(postgres: str, tmp_path: Path) -> Iterator[Replicas]:
    """Two bot processes (each its own data folder) on one PostgreSQL database and one
    emulated Telegram, with the environment given."""
    tg = new_emulator()
    made: list[BotProcess] = []
    url = new_database(postgres, f"e2e_replicas_{tmp_path.name[-20:].lower()}")

    def make(env: dict[str, str]) -> tuple[BotProcess, BotProcess]:
        for name in ("a", "b"):
            made.append(
                BotProcess(
                    tg,
                    tmp_path / name,
                    coordinators=(COORDINATOR_ID,),
                    env={"DATABASE_URL": url, **env},
                )
            )
        return made[0], made[1]

    yield make
    try:
        for bot in made:
            if bot.running:
                assert bot.stop() == 0, bot.tail()
        no_traceback(*made)
    finally:
        for bot in made:
            bot.close()
        tg.stop()


def test_replicas_refuse_to_start_without_a_shared_key_and_secret(replicas: Replicas) -> None:
    a, b = replicas({})
    a.start("--webhook-url", "https://bot.example.org", wait=False)
    assert a.proc is not None and a.proc.wait(timeout=60) == 2
    a.close()
    assert "Can't start: the database is PostgreSQL" in a.log()
    assert "BOT_ENCRYPTION_KEY" in a.log() and not a.data_dir.exists()

    b.env["BOT_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    b.start("--webhook-url", "https://bot.example.org", wait=False)
    assert b.proc is not None and b.proc.wait(timeout=60) == 2
    b.close()
    assert "TELEGRAM_WEBHOOK_SECRET" in b.log() and "set-webhook" in b.log()
    assert not b.tg.calls  # neither reached Telegram


def test_two_replicas_share_the_database_and_never_re_point_telegram(replicas: Replicas) -> None:
    key = Fernet.generate_key().decode()
    a, b = replicas({"BOT_ENCRYPTION_KEY": key, "TELEGRAM_WEBHOOK_SECRET": SECRET})
    tg = a.tg
    port_a, port_b = free_port(), free_port()
    url_a = start_webhook(a, port_a)
    url_b = start_webhook(b, port_b)
    assert a.running_line()["source"] == b.running_line()["source"] == "webhook"
    # Starting, neither told Telegram anything about webhooks.
    assert not [c for c in tg.calls if "webhook" in c.method.lower()]
    assert tg.webhook is None
    for port in (port_a, port_b):
        status, body = healthz(port)
        assert status == 200 and body["ok"] is True and body["database"] == "ok"
        assert isinstance(body["schema"], int) and body["schema"] > 0

    # Telegram is pointed once, at the load balancer (here: replica a).
    done = a.cli("set-webhook", "--url", f"http://127.0.0.1:{port_a}", "--webhook-path", PATH)
    assert done.returncode == 0, done.stderr
    assert tg.webhook is not None and tg.webhook["url"] == url_a
    ana = tg.person(884_100_001, "Ana")
    ana.send("/start")
    ana.wait_for("Is that OK with you?")

    # Replica b answers a push too, from the same database, with the same secret only.
    since = tg.seq
    assert post_update(url_b, message_from(ana, "/help", tg.next_update_id()), "wrong") == 403
    assert post_update(url_b, message_from(ana, "/help", tg.next_update_id()), SECRET) == 200
    ana.wait_for(is_help, since=since)

    # A replica restarting leaves Telegram pointed where set-webhook pointed it.
    assert b.stop() == 0
    start_webhook(b, port_b)
    assert len(tg.calls_to("setWebhook")) == 1 and tg.webhook["url"] == url_a
    for bot in (a, b):
        assert SECRET not in bot.log() and key not in bot.log()
