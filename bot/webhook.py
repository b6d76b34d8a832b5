"""The bot's own webhook server (tornado): Telegram's pushes and GET /healthz on one port.

PTB's `Updater.start_webhook` always calls setWebhook as it starts. With several replicas
behind a load balancer (PostgreSQL), a replica starting must not re-point Telegram, so the
bot serves the webhook itself, after PTB's "custom webhook bot" example:

- POST /<path> must carry the secret in X-Telegram-Bot-Api-Secret-Token (compared in
  constant time; 403 otherwise, before the body is read); a body over 1 MB is refused (413);
  the update goes on `application.update_queue` (which writes it to the inbox,
  bot/inbox.py) and the push is answered 200 at once, before it is handled.
- GET /healthz answers 200 `{"ok": true, "database": "ok", "schema": N}` when the database
  answers and its schema is current, else 503 `{"ok": false, ...}`: nothing personal, ever.

Nothing from a push (its text, its ids) is logged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import socket
from collections.abc import Sequence
from typing import Any, Protocol

import tornado.web
from telegram import Update
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer

__all__ = [
    "HEALTH_PATH",
    "MAX_BODY_BYTES",
    "SECRET_HEADER",
    "HealthStore",
    "WebhookServer",
    "health",
    "secret_problem",
]

_LOG = logging.getLogger(__name__)

#: Telegram's updates are a few kB; anything this big is not one of them.
MAX_BODY_BYTES = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
HEALTH_PATH = "healthz"
#: How long /healthz waits for the database before it says it is not answering.
HEALTH_TIMEOUT_S = 5.0
# Telegram's rule for secret_token: 1-256 characters, A-Z a-z 0-9 _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def secret_problem(secret: str) -> str | None:
    """Why SECRET can't be Telegram's webhook secret token, or None if it can."""
    if _SECRET.fullmatch(secret):
        return None
    return "Telegram accepts only letters, digits, _ and - in a webhook secret, 1 to 256 of them"


class HealthStore(Protocol):
    """What /healthz asks of storage."""

    async def fetchval(self, sql: str, params: Sequence[Any] = ...) -> Any:
        """The first column of the first row."""
        ...

    async def schema_version(self) -> int:
        """The schema version the database is at."""
        ...

    def latest_schema_version(self) -> int:
        """The schema version this code expects."""
        ...


async def health(
    storage: HealthStore, limit_s: float = HEALTH_TIMEOUT_S
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for /healthz: is the database answering, and current?"""
    try:
        async with asyncio.timeout(limit_s):
            await storage.fetchval("SELECT 1")
            version = await storage.schema_version()
        latest = storage.latest_schema_version()
    except Exception:  # any failure at all means "not healthy", never a crash
        return 503, {"ok": False, "database": "not answering"}
    if version != latest:
        return 503, {"ok": False, "database": "ok", "schema": version, "expected": latest}
    return 200, {"ok": True, "database": "ok", "schema": version}


class _Quiet(tornado.web.Application):
    """No access log: the bot logs what matters itself."""

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Log nothing per request."""


class _Handler(tornado.web.RequestHandler):
    """Errors answer with a status and no page."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An empty body: the status says it."""
        self.finish()


@tornado.web.stream_request_body
class _UpdateHandler(_Handler):
    """POST /<path>: one update from Telegram."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, ptb: Application[Any, Any, Any, Any, Any, Any], secret: bytes) -> None:
        """Per request: the bot's Application and the secret pushes must carry."""
        self.ptb = ptb
        self.secret = secret
        self.body = bytearray()

    def prepare(self) -> None:
        """Refuse a push without the secret, or too big, before reading its body."""
        given = self.request.headers.get(SECRET_HEADER, "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, self.secret):
            raise tornado.web.HTTPError(403)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        """Collect the body (the server itself cuts off one over MAX_BODY_BYTES)."""
        self.body += chunk

    async def post(self) -> None:
        """Queue the update and answer 200 at once; it is handled after the answer."""
        try:
            update = Update.de_json(json.loads(self.body), self.ptb.bot)
        except Exception:  # whatever was sent, it is not an update
            update = None
        if not isinstance(update, Update):
            _LOG.warning("A push to the webhook was not an update Telegram sends; answered 400")
            raise tornado.web.HTTPError(400)
        if isinstance(self.ptb.bot, ExtBot):
            self.ptb.bot.insert_callback_data(update)
        try:
            await self.ptb.update_queue.put(update)  # in the inbox before Telegram hears 200
        except Exception as exc:
            _LOG.error(
                "An update pushed by Telegram could not be stored (%s); answered 500, so "
                "Telegram sends it again",
                exc.__class__.__name__,
            )
            raise tornado.web.HTTPError(500) from None
        self.set_status(200)
        self.finish()


class _HealthHandler(_Handler):
    """GET /healthz."""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, server: WebhookServer) -> None:
        """Per request: the server, which keeps the storage and the last answer."""
        self.server = server

    async def get(self) -> None:
        """The database's health as a small JSON object."""
        status, body = await health(self.server.storage)
        self.server.note_health(status == 200, body)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class WebhookServer:
    """One tornado HTTP server: Telegram's pushes on /PATH, and /healthz.

    `start()` binds LISTEN:PORT (PORT 0 picks a free one, then `port` says which);
    `stop()` closes it. `http` is the tornado server, to which tests hand a socket.
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        listen: str,
        port: int,
        path: str,
        secret: str,
        storage: HealthStore,
    ) -> None:
        path = path.strip("/")
        if path == HEALTH_PATH:
            raise ValueError(f"the webhook path can't be '{HEALTH_PATH}': that is the health check")
        self.listen = listen
        self.port = port
        self.path = path
        self.storage = storage
        self._healthy: bool | None = None
        routes: list[Any] = [
            (
                rf"/{re.escape(path)}/?" if path else r"/",
                _UpdateHandler,
                {"ptb": application, "secret": secret.encode()},
            ),
            (rf"/{HEALTH_PATH}/?", _HealthHandler, {"server": self}),
        ]
        self.http = HTTPServer(
            _Quiet(routes), max_body_size=MAX_BODY_BYTES, body_timeout=30.0, xheaders=False
        )
        self._sockets: list[socket.socket] = []

    async def start(self) -> None:
        """Listen; raises OSError when the address can't be had (a port in use, say)."""
        # Not tornado's bind_sockets: it leaves the socket open when the port is taken.
        family = socket.AF_INET6 if ":" in self.listen else socket.AF_INET
        sock = socket.create_server((self.listen, self.port), family=family, backlog=128)
        sock.setblocking(False)
        self._sockets = [sock]
        self.http.add_sockets(self._sockets)
        self.port = int(sock.getsockname()[1])
        _LOG.info(
            "Webhook server listening on %s:%d (/%s for Telegram, /%s for health checks)",
            self.listen or "*",
            self.port,
            self.path,
            HEALTH_PATH,
        )

    async def stop(self) -> None:
        """Stop listening and close the connections that are open."""
        self.http.stop()
        await self.http.close_all_connections()
        self._sockets = []

    def note_health(self, healthy: bool, body: dict[str, Any]) -> None:
        """Log when the health check's answer changes (not on every probe)."""
        if healthy == self._healthy:
            return
        if healthy:
            _LOG.info("Health check: the database answers and its schema is current")
        else:
            _LOG.warning("Health check failing: %s", json.dumps(body))
        self._healthy = healthy
