"""Several replicas on one PostgreSQL database (issue 18, item 5), offline: the database_url
setting, the refusals to start without a shared key and secret, `set-webhook`, and the bot's
own webhook server with its /healthz, spoken to over a socket pair (no network)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData
from tornado.iostream import IOStream

from bot.cli import main, set_webhook
from bot.clock import FakeClock
from bot.runtime import StartupError, Webhook
from bot.settings import Settings, SettingsError, load_settings, redacted_url
from bot.webhook import MAX_BODY_BYTES, SECRET_HEADER, WebhookServer, health
from tests.harness import TOKEN, BotEnv, FakeBotAPI

PASSWORD = "pw-Kestrel-4471"  # what must never be printed
URL = f"postgresql://peerbot:{PASSWORD}@db.example.org:5432/peer_support"
SECRET = "replica_Secret-0123456789abcdef"
KEY = "ZmRlZmRlZmRlZmRlZmRlZmRlZmRlZmRlZmRlZmRlZmQ="  # a valid Fernet key (32 bytes)
_ENV = (
    "DATABASE_URL",
    "BOT_ENCRYPTION_KEY",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_BOT_TOKEN",
    "BOT_SETTINGS",
    "BOT_DATA_DIR",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


def settings_file(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(f"data_dir: ./data\n{text}", encoding="utf-8")
    return path


# -- the setting -------------------------------------------------------------------------------


def test_sqlite_unless_a_database_url_is_set(tmp_path: Path) -> None:
    settings = load_settings(settings_file(tmp_path))
    assert settings.database_url is None and not settings.postgres
    assert settings.database_label == f"SQLite {tmp_path / 'data' / 'bot.sqlite3'}"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_in_the_file_chooses_postgresql(tmp_path: Path, scheme: str) -> None:
    url = URL.replace("postgresql", scheme, 1)
    settings = load_settings(settings_file(tmp_path, f"database_url: {url}\n"))
    assert settings.postgres and settings.database_url == url
    assert PASSWORD not in settings.database_label and "peerbot:***@db.example.org" in (
        settings.database_label
    )
    assert PASSWORD not in repr(settings)


def test_database_url_in_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(tmp_path, "database_url: postgresql://other@elsewhere/db\n")
    monkeypatch.setenv("DATABASE_URL", URL)
    assert load_settings(path).database_url == URL
    monkeypatch.setenv("DATABASE_URL", "")  # empty is unset, as with BOT_DATA_DIR
    assert load_settings(path).database_url == "postgresql://other@elsewhere/db"
    assert load_settings(settings_file(tmp_path, "database_url: ''\n")).database_url is None


@pytest.mark.parametrize(
    "bad",
    [
        f"mysql://peerbot:{PASSWORD}@db.example.org/peer",
        f"peerbot:{PASSWORD}@db.example.org/peer",
        f"sqlite:///{PASSWORD}.db",
        f"postgresql://peerbot:{PASSWORD}@db.example.org:port/peer",
        f"postgresql://peerbot:{PASSWORD}@[db.example.org/peer",
    ],
)
def test_anything_but_postgresql_is_refused_without_echoing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    with pytest.raises(SettingsError) as in_file:
        load_settings(settings_file(tmp_path, f"database_url: '{bad}'\n"))
    assert "Setting 'database_url'" in str(in_file.value)
    assert "postgresql://" in str(in_file.value) and PASSWORD not in str(in_file.value)
    monkeypatch.setenv("DATABASE_URL", bad)
    with pytest.raises(SettingsError) as in_env:
        load_settings(settings_file(tmp_path))
    assert str(in_env.value).startswith("DATABASE_URL (in the environment):")
    assert PASSWORD not in str(in_env.value)


def test_a_bad_url_ends_the_command_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"mysql://peerbot:{PASSWORD}@db/peer")
    assert main(["check", "--settings", str(settings_file(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Settings problem: DATABASE_URL") and PASSWORD not in err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "postgresql://peerbot:***@db.example.org:5432/peer_support"),
        (
            f"postgres://peerbot@db/peer?sslmode=require&password={PASSWORD}",
            "postgres://peerbot@db/peer?sslmode=require&password=***",
        ),
        (
            "postgresql:///postgres?host=/run/pg&user=postgres",
            "postgresql:///postgres?host=/run/pg&user=postgres",
        ),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


def test_check_names_the_database_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", URL)
    main(["check", "--settings", str(settings_file(tmp_path))])
    out = capsys.readouterr()
    assert "database: PostgreSQL postgresql://peerbot:***@db.example.org:5432/peer_support" in (
        out.out
    )
    assert PASSWORD not in out.out + out.err
    monkeypatch.delenv("DATABASE_URL")
    main(["check", "--settings", str(settings_file(tmp_path))])
    assert f"database: SQLite {tmp_path / 'data' / 'bot.sqlite3'}" in capsys.readouterr().out


# -- refusing to start ---------------------------------------------------------------------------


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["run", "--settings", str(settings_file(tmp_path)), *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.err


WEBHOOK = ("--webhook-url", "https://bot.example.org", "--port", "0")


def test_on_postgresql_the_bot_needs_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", URL)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    for args in ((), WEBHOOK):
        status, err = run(tmp_path, capsys, *args)
        assert status == 2
        assert err.startswith("Can't start: the database is PostgreSQL")
        assert "set BOT_ENCRYPTION_KEY" in err and "Fernet.generate_key()" in err
        assert len(err.strip().splitlines()) == 1 and PASSWORD not in err
    # Refused before anything was made: no key file for one replica alone.
    assert not (tmp_path / "data").exists()


def test_on_postgresql_a_webhook_needs_a_fixed_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", URL)
    monkeypatch.setenv("BOT_ENCRYPTION_KEY", KEY)
    status, err = run(tmp_path, capsys, *WEBHOOK)
    assert status == 2
    assert "set TELEGRAM_WEBHOOK_SECRET" in err and "secrets.token_urlsafe" in err
    assert "python -m bot set-webhook" in err and PASSWORD not in err
    assert not (tmp_path / "data").exists()


def test_what_sqlite_and_polling_still_allow() -> None:
    from bot.cli import _replica_refusal

    sqlite, postgres = Settings(), Settings(database_url=URL)
    assert _replica_refusal(sqlite, webhook=True, path="telegram") is None  # random secret
    assert _replica_refusal(sqlite, webhook=False, path="telegram") is None
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BOT_ENCRYPTION_KEY", KEY)
        assert _replica_refusal(postgres, webhook=False, path="telegram") is None
        env.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
        assert _replica_refusal(postgres, webhook=True, path="telegram") is None
        assert "health checks" in str(_replica_refusal(postgres, webhook=True, path="/healthz"))
        env.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces and ü")
        problem = str(_replica_refusal(sqlite, webhook=True, path="telegram"))
        assert "only letters, digits, _ and -" in problem and "ü" not in problem


# -- set-webhook --------------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeBotAPI:
    return FakeBotAPI(FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))


@pytest.fixture
def with_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)


@pytest.mark.usefixtures("with_secret")
async def test_set_webhook_points_telegram_once_with_the_fixed_secret(
    fake: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    status = await set_webhook(
        Settings(), url="https://bot.example.org/", path="/replicas/", request=fake
    )
    assert status == 0
    [call] = fake.calls_to("setWebhook")
    assert call.params["url"] == "https://bot.example.org/replicas"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == list(Update.ALL_TYPES)
    out = capsys.readouterr()
    assert "https://bot.example.org/replicas" in out.out and "every kind of update" in out.out
    assert "--webhook-path replicas" in out.out
    assert SECRET not in out.out + out.err and TOKEN not in out.out + out.err


@pytest.mark.usefixtures("with_secret")
async def test_set_webhook_delete(fake: FakeBotAPI, capsys: pytest.CaptureFixture[str]) -> None:
    assert await set_webhook(Settings(), url=None, delete=True, request=fake) == 0
    assert len(fake.calls_to("deleteWebhook")) == 1 and not fake.calls_to("setWebhook")
    assert "Deleted the webhook" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("env", "url", "path", "said"),
    [
        ({"TELEGRAM_WEBHOOK_SECRET": ""}, "https://bot.example.org", "telegram", "is not set"),
        ({}, "bot.example.org", "telegram", "is not a web address"),
        ({}, "ftp://bot.example.org", "telegram", "is not a web address"),
        ({}, "https://bot.example.org/?x=1", "telegram", "is not a web address"),
        ({}, "https://bot.example.org", "healthz", "health checks"),
        ({"TELEGRAM_WEBHOOK_SECRET": "not allowed!"}, "https://b.org", "t", "only letters"),
    ],
)
@pytest.mark.usefixtures("with_secret")
async def test_set_webhook_refuses_before_asking_telegram(
    fake: FakeBotAPI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    url: str,
    path: str,
    said: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert await set_webhook(Settings(), url=url, path=path, request=fake) == 2
    err = capsys.readouterr().err
    assert err.startswith("Can't set the webhook: ") and said in err
    assert fake.calls == []


@pytest.mark.usefixtures("with_secret")
async def test_set_webhook_says_plainly_what_telegram_refused(
    fake: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method != "setWebhook":
            return None
        return 400, {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        }

    fake.interceptor = refuse
    assert await set_webhook(Settings(), url="http://bot.example.org", request=fake) == 2
    err = capsys.readouterr().err
    assert "Telegram refused it" in err and "https url must be provided" in err.lower()
    assert SECRET not in err and "Traceback" not in err


@pytest.mark.usefixtures("with_secret")
async def test_set_webhook_with_a_rejected_token(
    fake: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.interceptor = lambda method, params: (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await set_webhook(Settings(), url="https://bot.example.org", request=fake) == 2
    err = capsys.readouterr().err
    assert "refused the bot token" in err and "@BotFather" in err and TOKEN not in err


class Offline(BaseRequest):
    """An HTTP client on a machine with no network."""

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        raise NetworkError(f"httpx.ConnectError: All connection attempts failed ({url})")


@pytest.mark.usefixtures("with_secret")
async def test_set_webhook_without_a_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert await set_webhook(Settings(), url="https://bot.example.org", request=Offline()) == 2
    err = capsys.readouterr().err
    assert err.startswith("Can't reach Telegram's Bot API at https://api.telegram.org/bot ")
    assert "Nothing was changed" in err and TOKEN not in err


def test_set_webhook_needs_url_or_delete(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["set-webhook"])
    assert ended.value.code == 2
    assert "--url" in capsys.readouterr().err


def test_set_webhook_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    path = str(settings_file(tmp_path))
    assert main(["set-webhook", "--url", "https://b.org", "--settings", path]) == 2
    assert "@BotFather" in capsys.readouterr().err


# -- the webhook server ----------------------------------------------------------------------------


class Connection:
    """One HTTP connection to SERVER over a socket pair: no network involved."""

    def __init__(self, server: WebhookServer) -> None:
        ours, theirs = socket.socketpair()
        server.http.handle_stream(IOStream(theirs), ("127.0.0.1", 0))
        self.sock = ours

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(sock=self.sock)
        try:
            head = {"Host": "bot.example.org", "Content-Length": str(len(body))}
            head.update(headers or {})
            lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items())]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            payload = await reader.readexactly(length) if length else b""
            return int(status_line.split()[1]), payload
        finally:
            writer.close()
            await writer.wait_closed()


def start_update(user_id: int, update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


@pytest.fixture
async def server(env: BotEnv) -> AsyncIterator[WebhookServer]:
    assert env.app is not None
    made = WebhookServer(
        env.app, listen="127.0.0.1", port=0, path="telegram", secret=SECRET, storage=env.storage
    )
    yield made
    await made.stop()


async def post(
    server: WebhookServer, body: bytes, secret: str | None = SECRET, length: int | None = None
) -> int:
    """POST BODY to /telegram with SECRET; LENGTH claims another Content-Length."""
    headers = {"Content-Type": "application/json"}
    if length is not None:
        headers["Content-Length"] = str(length)
    if secret is not None:
        headers[SECRET_HEADER] = secret
    status, _ = await Connection(server).request("POST", "/telegram", body, headers)
    return status


async def test_a_push_with_the_secret_is_answered(env: BotEnv, server: WebhookServer) -> None:
    assert env.app is not None
    assert await post(server, json.dumps(start_update(821, 60_001)).encode()) == 200
    await asyncio.wait_for(env.app.update_queue.join(), timeout=30)
    assert "Is that OK with you?" in " ".join(m.plain for m in env.fake.messages(821))


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x", "ü" * 8])
async def test_a_push_without_the_secret_is_refused(
    env: BotEnv, server: WebhookServer, secret: str | None
) -> None:
    body = json.dumps(start_update(822, 60_002)).encode()
    assert await post(server, body, secret) == 403
    assert await env.storage.fetchval("SELECT COUNT(*) FROM update_inbox") == 0
    assert env.fake.messages(822) == []


async def test_what_is_not_an_update_is_refused(env: BotEnv, server: WebhookServer) -> None:
    for body in (b"not json", b"[1, 2]", b'{"message": "no update_id"}', b""):
        assert await post(server, body) == 400
    # Refused as the headers arrive, before a byte of the body is read.
    assert await post(server, b"", length=MAX_BODY_BYTES + 1) == 413
    assert await post(server, b"", length=MAX_BODY_BYTES + 1, secret="wrong") == 403
    assert await env.storage.fetchval("SELECT COUNT(*) FROM update_inbox") == 0


async def test_other_paths_and_methods(server: WebhookServer) -> None:
    status, _ = await Connection(server).request("POST", "/other", b"{}", {SECRET_HEADER: SECRET})
    assert status == 404
    status, _ = await Connection(server).request("GET", "/telegram")
    assert status == 405


async def test_healthz_answers_with_the_schema(env: BotEnv, server: WebhookServer) -> None:
    status, body = await Connection(server).request("GET", "/healthz")
    latest = env.storage.latest_schema_version()
    assert (status, json.loads(body)) == (200, {"ok": True, "database": "ok", "schema": latest})


class FakeStore:
    def __init__(self, version: int = 22, *, fail: bool = False, hang: bool = False) -> None:
        self.version, self.fail, self.hang = version, fail, hang

    async def fetchval(self, sql: str, params: Any = ()) -> Any:
        if self.hang:
            await asyncio.Event().wait()
        if self.fail:
            raise ConnectionRefusedError("the database is down")
        return 1

    async def schema_version(self) -> int:
        return self.version

    def latest_schema_version(self) -> int:
        return 22


async def test_health_says_503_when_the_database_is_not_right() -> None:
    assert await health(FakeStore()) == (200, {"ok": True, "database": "ok", "schema": 22})
    assert await health(FakeStore(fail=True)) == (503, {"ok": False, "database": "not answering"})
    assert await health(FakeStore(hang=True), limit_s=0.01) == (
        503,
        {"ok": False, "database": "not answering"},
    )
    assert await health(FakeStore(21)) == (
        503,
        {"ok": False, "database": "ok", "schema": 21, "expected": 22},
    )


# -- the update source --------------------------------------------------------------------------


def webhook(register: bool) -> Webhook:
    return Webhook(
        url="https://bot.example.org",
        listen="127.0.0.1",
        port=0,
        path="telegram",
        secret=SECRET,
        register=register,
    )


async def test_on_sqlite_the_webhook_is_set_as_the_server_starts(env: BotEnv) -> None:
    assert env.app is not None
    source = webhook(register=True)
    await source.start(env.app)
    try:
        [call] = env.fake.calls_to("setWebhook")
        assert call.params["url"] == "https://bot.example.org/telegram"
        assert call.params["secret_token"] == SECRET
        assert source.server is not None and source.server.port > 0
    finally:
        await source.stop(env.app)
    assert source.server is None
    assert SECRET not in repr(source)


async def test_on_postgresql_a_replica_starting_leaves_the_webhook_alone(env: BotEnv) -> None:
    assert env.app is not None
    source = webhook(register=False)
    await source.start(env.app)
    try:
        assert env.fake.calls_to("setWebhook") == []
        assert source.server is not None
        status, _ = await Connection(source.server).request("GET", "/healthz")
        assert status == 200
    finally:
        await source.stop(env.app)


async def test_a_port_in_use_is_said_plainly(env: BotEnv) -> None:
    assert env.app is not None
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        source = replace(webhook(register=True), port=taken.getsockname()[1])
        with pytest.raises(StartupError, match="Another program may be using the port"):
            await source.start(env.app)
        assert env.fake.calls_to("setWebhook") == []
    finally:
        taken.close()


async def test_setting_the_webhook_waits_out_an_unreachable_telegram(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert env.app is not None
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    def down_twice(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method == "setWebhook" and len(env.fake.calls_to("setWebhook")) <= 2:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return None

    monkeypatch.setattr("bot.runtime._pause", pause)
    env.fake.interceptor = down_twice
    source = webhook(register=True)
    await source.start(env.app)
    try:
        assert len(env.fake.calls_to("setWebhook")) == 3 and pauses == [1.0, 2.0]
    finally:
        await source.stop(env.app)


async def test_a_webhook_address_telegram_refuses_ends_the_start_plainly(env: BotEnv) -> None:
    assert env.app is not None

    def refuse(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method != "setWebhook":
            return None
        return 400, {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook"}

    env.fake.interceptor = refuse
    source = webhook(register=True)
    with pytest.raises(StartupError, match="Telegram refused the webhook address"):
        await source.start(env.app)
    assert source.server is None  # closed again: the port is free for the next start


async def test_a_stop_while_the_start_is_retrying_ends_it(env: BotEnv) -> None:
    from bot.runtime import _start_unless_stopped

    assert env.app is not None
    began, stopped = asyncio.Event(), []

    class Stuck:
        name = "stuck"

        async def start(self, app: Any) -> None:
            began.set()
            await asyncio.Event().wait()  # Telegram never answers

        async def stop(self, app: Any) -> None:
            stopped.append(True)

    stop = asyncio.Event()
    starting = asyncio.ensure_future(_start_unless_stopped(env.app, Stuck(), stop))
    await began.wait()
    stop.set()
    assert await asyncio.wait_for(starting, timeout=10) is False
    assert stopped == [True]
