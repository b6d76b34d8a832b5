"""A Bot API emulator on 127.0.0.1 that the bot talks to over real HTTP, and the people who
use it.

    tg = BotAPIEmulator(token="123456:ABC", username="peer_e2e_bot").start()
    alice = tg.person(1001, "Alice")
    alice.send("/start")
    alice.wait_for("Is that OK with you?")
    alice.click("That's OK with me")

The emulator answers the Bot API methods the bot calls with Telegram's request and response
shapes (https://core.telegram.org/bots/api): parameters as JSON, form-urlencoded or
multipart/form-data (PTB's HTTPXRequest sends form-urlencoded with JSON-encoded values, and
multipart when a file is attached); Message objects with message_id, date, chat, from (the
bot), text or caption and entities; document and photo objects for uploads; getUpdates with
offset confirmation and long-poll timeout; setWebhook with a secret token, after which the
emulator pushes updates to the bot's URL with X-Telegram-Bot-Api-Secret-Token. What Telegram
would refuse it refuses the same way (400 "Bad Request: ...", 403, 404 "Not Found" for an
unknown method, 409 Conflict), and records it in `problems`, which the suite asserts empty.

Each chat is kept as it looks now (edits applied), so a test reads the newest message and
presses its buttons by label. Nothing here sleeps a fixed time: waiting is on a condition
variable with a deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import re
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.e2e.telegram_html import HtmlError, parse_html, utf16_len

__all__ = ["DEFAULT_WAIT", "ApiError", "BotAPIEmulator", "Call", "Hold", "Person", "Upload"]

DEFAULT_WAIT = 20.0  # seconds a test waits for the bot before it fails
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
ANSWER_TEXT_LIMIT = 200
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?")
_BOT_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Parameters whose value is a JSON-serialised object or array when sent as form fields.
_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "allowed_updates",
    "commands",
    "scope",
    "reply_parameters",
    "link_preview_options",
    "media",
}
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "sticker",
    "contact",
    "location",
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the "
    "message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """An error answer, exactly as Telegram words it."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


class _Server(ThreadingHTTPServer):
    """Telegram's servers take every connection at once. socketserver's default backlog of 5
    dropped connections when a broadcast opened 32 at a time, and the bot's connect timed
    out after the kernel's SYN retries: a network fault Telegram would not have made."""

    request_queue_size = 256


@dataclass
class Call:
    """One request the bot made, and how the emulator answered it."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    content_type: str
    status: int = 0
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Hold:
    """Telegram being slow: matching calls wait, unanswered, until the test releases them."""

    method: str
    accept: Callable[[dict[str, Any]], bool]
    released: threading.Event = field(default_factory=threading.Event)
    arrived: int = 0

    def release(self) -> None:
        """Let every held call (and any later one) through."""
        self.released.set()


@dataclass
class _Meta:
    """What the emulator knows about a stored message beyond its Bot API shape."""

    seq: int  # the event number of its latest change (send or edit)
    by_bot: bool
    deleted: bool = False
    method: str = ""
    uploads: dict[str, Upload] = field(default_factory=dict)


@dataclass
class _Chat:
    chat: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    meta: dict[int, _Meta] = field(default_factory=dict)
    next_id: int = 1
    started: bool = False  # a private chat: the person has written to the bot


class _Params:
    """A request's parameters, however they were sent."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return (value is not None and value != "") or name in self.files

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, missing: str | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if missing:
                raise ApiError(400, missing)
            return None
        if isinstance(value, bool):
            raise ApiError(400, f"Bad Request: invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def obj(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)


def _decode_params(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, Upload]]:
    values: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, Upload] = {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return values, files
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        values.update(data)
    elif kind == "application/x-www-form-urlencoded":
        values.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            raise ApiError(400, "Bad Request: can't parse multipart/form-data")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if not name:
                continue
            if filename is not None:
                files[str(name)] = Upload(str(name), filename, part.get_content_type(), payload)
            else:
                values[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    else:
        raise ApiError(400, f"Bad Request: unsupported content type {kind}")
    return values, files


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


def _plain(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


class BotAPIEmulator:
    """Telegram's Bot API for one bot, on 127.0.0.1 with an ephemeral port."""

    def __init__(
        self,
        token: str = "123456:ABC-e2e-not-a-real-token",
        username: str = "peer_support_e2e_bot",
        first_name: str = "Peer Support",
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.problems: list[str] = []
        # Errors a bot meets in ordinary use and handles: they are answered, not reported.
        self.tolerated: list[str] = ["message is not modified"]
        self.blocked: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_pushes: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self.conflicts = 0
        self._cv = threading.Condition()
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(700_000_001)
        self._confirmed = 0  # every update below this was confirmed by an offset
        self._poll_generation = 0
        self._seq = 0
        self._files: dict[str, dict[str, Any]] = {}
        self._file_ids = itertools.count(1)
        self._queries: dict[str, dict[str, Any]] = {}
        self._query_ids = itertools.count(5_000_000_000_001)
        # Seconds a press can still be answered, as Telegram refuses one that is too old (a
        # press read after a restart); None: no limit, 0: every answer comes too late.
        self.query_answer_window: float | None = None
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self.on_timeout: Callable[[], str] | None = None  # extra words for a failed wait
        self.holds: list[Hold] = []

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> BotAPIEmulator:
        """Listen on 127.0.0.1 (ephemeral port) in a thread; push webhooks in another."""
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the suite reads calls, not access logs."""

            def do_GET(self) -> None:
                emulator._serve(self)

            def do_POST(self) -> None:
                emulator._serve(self)

        server = _Server(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        serving = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="bot-api", daemon=True
        )
        pushing = threading.Thread(target=self._push_loop, name="bot-api-webhook", daemon=True)
        self._threads = [serving, pushing]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held long polls and held calls return at once."""
        with self._cv:
            self._closing = True
            for hold in self.holds:
                hold.release()
            self._cv.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What the bot's settings call bot_api_base_url (the token follows it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- HTTP ------------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)/?", split.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-request (a bot killed with SIGKILL): as on Telegram's
            # side, nothing arrived, so there is nothing to answer or to find fault with.
            request.close_connection = True
            return
        content_type = request.headers.get("Content-Type", "")
        if match is None:
            with self._cv:
                self.problems.append(
                    f"{request.command} {split.path}: not a Bot API method path -> 404 Not Found"
                )
                self._cv.notify_all()
            self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.group(1), match.group(2)
        if token != self.token:
            self._reply(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
            return
        call = Call(method, {}, {}, content_type)
        try:
            values, files = _decode_params(content_type, body, split.query)
            call.params, call.files = self._readable(values), files
            with self._cv:
                self.calls.append(call)
                holds = [
                    h
                    for h in self.holds
                    if h.method.lower() == method.lower()
                    and not h.released.is_set()
                    and h.accept(call.params)
                ]
                for hold in holds:
                    hold.arrived += 1
                self._cv.notify_all()
            for hold in holds:
                hold.released.wait(timeout=60)
            result = self._dispatch(method, _Params(values, files), call)
            call.status, call.result = 200, result
            self._reply(request, 200, {"ok": True, "result": result})
        except ApiError as exc:
            call.status, call.error = exc.code, exc.description
            self._note_error(call, exc)
            self._reply(
                request,
                exc.code,
                {"ok": False, "error_code": exc.code, "description": exc.description},
            )
        except Exception as exc:  # a bug in the emulator must fail the test, not hang it
            call.status, call.error = 500, repr(exc)
            with self._cv:
                self.problems.append(f"{method}: the emulator failed: {exc!r}")
                self._cv.notify_all()
            self._reply(
                request,
                500,
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
            )

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        with contextlib.suppress(OSError):  # the bot gave up on a long poll it no longer needs
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)

    @staticmethod
    def _readable(values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for key in _JSON_FIELDS & set(out):
            if isinstance(out[key], str) and out[key]:
                with contextlib.suppress(ValueError):
                    out[key] = json.loads(out[key])
        return out

    def _note_error(self, call: Call, exc: ApiError) -> None:
        if any(t in exc.description for t in self.tolerated):
            return
        if call.method.lower() == "getupdates" and "terminated by other" in exc.description:
            return  # answers a long poll the bot has already abandoned
        if exc.code == 403 and "blocked by the user" in exc.description:
            return  # a test blocked this person on purpose
        with self._cv:
            self.problems.append(
                f"{call.method} -> {exc.code} {exc.description} (params: {_short(call.params)})"
            )
            self._cv.notify_all()

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self, method: str, p: _Params, call: Call) -> Any:
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        if method.lower() == "getupdates":
            return handler(p)
        with self._cv:
            result = handler(p)
            self._cv.notify_all()
            return result

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- chats and users -------------------------------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        state = self._chats.get(chat_id)
        if state is None:
            raise ApiError(400, "Bad Request: chat not found")
        return state

    def _chat_param(self, p: _Params, name: str = "chat_id") -> _Chat:
        value = p.values.get(name)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            raise ApiError(400, "Bad Request: chat not found")
        return self._chat(p.integer(name) or 0)

    def _writable(self, p: _Params) -> _Chat:
        state = self._chat_param(p)
        chat_id = state.chat["id"]
        if state.chat["type"] == "private":
            if chat_id in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not state.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return state

    def _store(
        self,
        state: _Chat,
        content: dict[str, Any],
        *,
        by_bot: bool,
        method: str = "",
        uploads: dict[str, Upload] | None = None,
        sender: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        message_id = state.next_id
        state.next_id += 1
        # A message's `from` is a plain User: getMe's extra fields (can_join_groups...) are not
        # part of it.
        author = (
            {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
            if by_bot
            else dict(sender or {})
        )
        message = {
            "message_id": message_id,
            "from": author,
            "chat": dict(state.chat),
            "date": int(time.time()),
            **content,
        }
        state.messages[message_id] = message
        state.meta[message_id] = _Meta(
            self._next_seq(), by_bot, method=method, uploads=dict(uploads or {})
        )
        return message

    # -- checks Telegram makes ---------------------------------------------------------------

    def _formatted(
        self, p: _Params, key: str, limit: int, *, required: bool
    ) -> tuple[str, list[dict[str, Any]]]:
        raw = p.text(key)
        entities_key = "entities" if key == "text" else "caption_entities"
        if raw is None or raw == "":
            if required:
                raise ApiError(400, "Bad Request: message text is empty")
            return "", []
        mode = (p.text("parse_mode") or "").strip()
        if mode.upper() == "HTML":
            try:
                plain, entities = parse_html(raw)
            except HtmlError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif mode:
            raise ApiError(
                400,
                f"Bad Request: unsupported parse_mode {mode} (the emulator "
                "knows HTML, which is what the bot uses)",
            )
        else:
            plain, entities = raw.strip(), list(p.obj(entities_key) or [])
        if required and not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > limit:
            raise ApiError(
                400,
                "Bad Request: message is too long"
                if key == "text"
                else "Bad Request: message caption is too long",
            )
        return plain, entities

    def _markup(self, p: _Params) -> dict[str, Any] | None:
        markup = p.obj("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400, 'Bad Request: field "inline_keyboard" must be an Array of Array'
                )
            for row in rows:
                for button in row:
                    self._check_button(button)
        elif "keyboard" in markup:
            for row in markup["keyboard"]:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text")
                    if not text:
                        raise ApiError(400, "Bad Request: keyboard button text is empty")
        elif not ({"remove_keyboard", "force_reply"} & set(markup)):
            raise ApiError(400, "Bad Request: unsupported reply_markup")
        return markup

    @staticmethod
    def _check_button(button: dict[str, Any]) -> None:
        if not button.get("text"):
            raise ApiError(400, "Bad Request: inline keyboard button text is empty")
        kinds = {
            "url",
            "callback_data",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        } & set(button)
        if len(kinds) != 1:
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _reply_to(self, p: _Params, state: _Chat) -> dict[str, Any] | None:
        params = p.obj("reply_parameters") or {}
        message_id = params.get("message_id") if params else p.integer("reply_to_message_id")
        if message_id is None:
            return None
        allow = (
            bool(params.get("allow_sending_without_reply"))
            if params
            else p.flag("allow_sending_without_reply")
        )
        target_chat = state
        if params.get("chat_id") not in (None, state.chat["id"]):
            target_chat = self._chat(int(params["chat_id"]))
        replied = target_chat.messages.get(int(message_id))
        if replied is None or target_chat.meta[int(message_id)].deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    @staticmethod
    def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        # A sent Message carries only an inline keyboard; reply keyboards live on the client.
        if markup and "inline_keyboard" in markup:
            return {"inline_keyboard": markup["inline_keyboard"]}
        return None

    def _finish(
        self,
        state: _Chat,
        p: _Params,
        content: dict[str, Any],
        method: str,
        uploads: dict[str, Upload] | None = None,
    ) -> dict[str, Any]:
        markup = self._markup(p)
        reply = self._reply_to(p, state)
        if reply is not None:
            content["reply_to_message"] = reply
        inline = self._inline_only(markup)
        if inline is not None:
            content["reply_markup"] = inline
        link_preview = p.obj("link_preview_options")
        if link_preview:
            content["link_preview_options"] = link_preview
        message = self._store(state, content, by_bot=True, method=method, uploads=uploads)
        return message

    # -- files -----------------------------------------------------------------------------

    def _new_file(self, kind: str, info: dict[str, Any]) -> dict[str, Any]:
        n = next(self._file_ids)
        entry = {
            "file_id": f"{kind[:3].upper()}e2e{n:06d}AgADbBwAAk",
            "file_unique_id": f"AQAD{n:06d}e2e",
            **info,
        }
        self._files[entry["file_id"]] = {"kind": kind, **entry}
        return entry

    def _input_file(self, p: _Params, name: str) -> Upload | dict[str, Any]:
        if name in p.files:
            return p.files[name]
        value = p.text(name)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if value.startswith("attach://"):
            attached = p.files.get(value[len("attach://") :])
            if attached is None:
                raise ApiError(400, f"Bad Request: there is no {name} in the request")
            return attached
        if value.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: the emulator does not fetch URLs")
        known = self._files.get(value)
        if known is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if known["kind"] != name:
            raise ApiError(
                400,
                f"Bad Request: can't use file of type {known['kind'].title()} as {name.title()}",
            )
        return known

    # -- methods: the bot itself -------------------------------------------------------------

    def _m_getme(self, p: _Params) -> Any:
        return self.bot_user

    def _m_logout(self, p: _Params) -> Any:
        return True

    def _m_close(self, p: _Params) -> Any:
        return True

    def _scope_key(self, p: _Params) -> str:
        scope = p.obj("scope") or {"type": "default"}
        kinds = {
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        }
        if scope.get("type") not in kinds:
            raise ApiError(400, "Bad Request: unsupported bot command scope type")
        if scope["type"].startswith("chat"):
            if "chat_id" not in scope:
                raise ApiError(400, "Bad Request: chat_id is empty")
            self._chat(int(scope["chat_id"]))
        language = p.text("language_code") or ""
        return json.dumps([scope, language], sort_keys=True)

    def _m_setmycommands(self, p: _Params) -> Any:
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for item in commands:
            if not _BOT_COMMAND_NAME.match(str(item.get("command", "")).lstrip("/")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description must be 1-256 characters")
        self.commands[self._scope_key(p)] = commands
        return True

    def _m_deletemycommands(self, p: _Params) -> Any:
        self.commands.pop(self._scope_key(p), None)
        return True

    def _m_getmycommands(self, p: _Params) -> Any:
        return self.commands.get(self._scope_key(p), [])

    # -- methods: updates ----------------------------------------------------------------------

    def _m_setwebhook(self, p: _Params) -> Any:
        url = p.text("url")
        if url is None:
            raise ApiError(400, 'Bad Request: parameter "url" is required')
        if url == "":
            self.webhook = None
            return True
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost")
        # A local Bot API server (which this stands in for) may call plain HTTP; Telegram's
        # own servers only call HTTPS.
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = p.text("secret_token")
        if secret is not None and secret != "" and not _SECRET_TOKEN.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.flag("drop_pending_updates"):
            self._drop_pending()
        self.webhook = {
            "url": url,
            "secret_token": secret or None,
            "allowed_updates": p.obj("allowed_updates"),
            "max_connections": p.integer("max_connections") or 40,
        }
        return True

    def _m_deletewebhook(self, p: _Params) -> Any:
        self.webhook = None
        if p.flag("drop_pending_updates"):
            self._drop_pending()
        return True

    def _m_getwebhookinfo(self, p: _Params) -> Any:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info.update(url=self.webhook["url"], max_connections=self.webhook["max_connections"])
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _drop_pending(self) -> None:
        if self._updates:
            self._confirmed = self._updates[-1]["update_id"] + 1
        self._updates.clear()

    def _confirm_below(self, offset: int) -> None:
        if offset < 0:
            keep = self._updates[offset:]
            if len(keep) < len(self._updates):
                self._confirmed = keep[0]["update_id"] if keep else self._confirmed
            self._updates = keep
            return
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._confirmed = max(self._confirmed, offset)

    def _m_getupdates(self, p: _Params) -> Any:
        offset = p.integer("offset")
        limit = p.integer("limit") or 100
        if not 1 <= limit <= 100:
            limit = 100
        timeout = max(p.integer("timeout") or 0, 0)
        allowed = p.obj("allowed_updates")
        deadline = time.monotonic() + timeout
        with self._cv:
            if self.webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            self._poll_generation += 1
            generation = self._poll_generation
            if offset is not None:
                self._confirm_below(offset)
            self._cv.notify_all()
            while True:
                if self._closing:
                    return []
                if generation != self._poll_generation:
                    self.conflicts += 1
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                ready = [u for u in self._updates if _allowed(u, allowed)][:limit]
                left = deadline - time.monotonic()
                if ready or left <= 0:
                    return ready
                self._cv.wait(left)

    # -- methods: sending ------------------------------------------------------------------

    def _m_sendmessage(self, p: _Params) -> Any:
        state = self._writable(p)
        plain, entities = self._formatted(p, "text", TEXT_LIMIT, required=True)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._finish(state, p, content, "sendMessage")

    def _caption(self, p: _Params) -> dict[str, Any]:
        caption, entities = self._formatted(p, "caption", CAPTION_LIMIT, required=False)
        content: dict[str, Any] = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    def _m_senddocument(self, p: _Params) -> Any:
        state = self._writable(p)
        source = self._input_file(p, "document")
        uploads: dict[str, Upload] = {}
        if isinstance(source, Upload):
            if not source.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            uploads["document"] = source
            document = self._new_file(
                "document",
                {
                    "file_name": source.filename,
                    "mime_type": source.content_type,
                    "file_size": len(source.data),
                },
            )
        else:
            document = {k: v for k, v in source.items() if k != "kind"}
        content = {"document": document, **self._caption(p)}
        return self._finish(state, p, content, "sendDocument", uploads)

    def _m_sendphoto(self, p: _Params) -> Any:
        state = self._writable(p)
        source = self._input_file(p, "photo")
        uploads: dict[str, Upload] = {}
        if isinstance(source, Upload):
            size = _png_size(source.data)
            if size is None and source.data[:3] != b"\xff\xd8\xff":
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            width, height = size or (800, 600)
            uploads["photo"] = source
            scale = min(1.0, 320 / max(width, height))
            photo = [
                self._new_file(
                    "photo",
                    {
                        "width": round(width * scale),
                        "height": round(height * scale),
                        "file_size": len(source.data) // 8 or 1,
                    },
                ),
                self._new_file(
                    "photo", {"width": width, "height": height, "file_size": len(source.data)}
                ),
            ]
        else:
            photo = [{k: v for k, v in source.items() if k != "kind"}]
        content = {"photo": photo, **self._caption(p)}
        return self._finish(state, p, content, "sendPhoto", uploads)

    def _m_copymessage(self, p: _Params) -> Any:
        state = self._writable(p)
        source_chat = self._chat_param(p, "from_chat_id")
        message_id = p.integer("message_id", "Bad Request: message_id is empty")
        assert message_id is not None
        original = source_chat.messages.get(message_id)
        if original is None or source_chat.meta[message_id].deleted:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {k: original[k] for k in _CONTENT_KEYS if k in original}
        if not content:
            raise ApiError(400, "Bad Request: message can't be copied")
        if p.has("caption"):
            if "text" in content:
                raise ApiError(400, "Bad Request: a caption can't be set on a text message")
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(p))
        message = self._finish(state, p, content, "copyMessage")
        return {"message_id": message["message_id"]}

    def _m_sendchataction(self, p: _Params) -> Any:
        self._writable(p)
        if not p.has("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    def _m_getchat(self, p: _Params) -> Any:
        state = self._chat_param(p)
        return {
            **state.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    def _m_deletemessage(self, p: _Params) -> Any:
        state = self._chat_param(p)
        message_id = p.integer("message_id", "Bad Request: message_id is empty")
        meta = state.meta.get(message_id or 0)
        if meta is None or meta.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        meta.deleted = True
        meta.seq = self._next_seq()
        return True

    # -- methods: editing --------------------------------------------------------------------

    def _editable(self, p: _Params) -> tuple[_Chat, dict[str, Any], _Meta]:
        if p.has("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        if not p.has("chat_id") or not p.has("message_id"):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        state = self._chat_param(p)
        message_id = p.integer("message_id") or 0
        message = state.messages.get(message_id)
        meta = state.meta.get(message_id)
        if message is None or meta is None or meta.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not meta.by_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return state, message, meta

    def _apply_edit(
        self,
        message: dict[str, Any],
        meta: _Meta,
        changes: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        inline = self._inline_only(markup)
        before = ({k: message.get(k) for k in changes}, message.get("reply_markup"))
        after = (changes, inline)
        if before == after:
            raise ApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            if value in (None, [], ""):
                message.pop(key, None)
            else:
                message[key] = value
        if inline is None:
            message.pop("reply_markup", None)  # an edit without reply_markup removes it
        else:
            message["reply_markup"] = inline
        message["edit_date"] = int(time.time())
        meta.seq = self._next_seq()
        return message

    def _m_editmessagetext(self, p: _Params) -> Any:
        _, message, meta = self._editable(p)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        plain, entities = self._formatted(p, "text", TEXT_LIMIT, required=True)
        markup = self._markup(p)
        return self._apply_edit(
            message, meta, {"text": plain, "entities": entities or None}, markup
        )

    def _m_editmessagecaption(self, p: _Params) -> Any:
        _, message, meta = self._editable(p)
        if "text" in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(p)
        return self._apply_edit(
            message,
            meta,
            {
                "caption": caption.get("caption"),
                "caption_entities": caption.get("caption_entities"),
            },
            self._markup(p),
        )

    def _m_editmessagereplymarkup(self, p: _Params) -> Any:
        _, message, meta = self._editable(p)
        return self._apply_edit(message, meta, {}, self._markup(p))

    # -- methods: buttons --------------------------------------------------------------------

    def _m_answercallbackquery(self, p: _Params) -> Any:
        query_id = p.text("callback_query_id")
        if not query_id:
            raise ApiError(400, 'Bad Request: parameter "callback_query_id" is required')
        query = self._queries.get(query_id)
        if query is None or query["answered"]:
            raise ApiError(400, QUERY_TOO_OLD)
        window = self.query_answer_window
        if window is not None and time.monotonic() - query["at"] >= window:
            raise ApiError(400, QUERY_TOO_OLD)
        text = p.text("text") or ""
        if len(text) > ANSWER_TEXT_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.update(
            answered=True,
            text=text,
            show_alert=p.flag("show_alert"),
            url=p.text("url"),
            seq=self._next_seq(),
        )
        return True

    # -- webhook pushes ----------------------------------------------------------------------

    def _push_loop(self) -> None:
        pause = 0.0
        while True:
            with self._cv:
                self._cv.wait_for(
                    lambda: self._closing or (self.webhook is not None and bool(self._updates)),
                    timeout=None,
                )
                if pause:
                    self._cv.wait(pause)
                if self._closing:
                    return
                if self.webhook is None or not self._updates:
                    continue
                update, hook = self._updates[0], dict(self.webhook)
            status = self._post(hook, update)
            with self._cv:
                self.webhook_pushes.append((update["update_id"], status))
                if isinstance(status, int) and 200 <= status < 300:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                        self._confirmed = update["update_id"] + 1
                    pause = 0.0
                else:
                    pause = min(max(pause * 2, 0.1), 1.0)  # the bot is down: try again soon
                self._cv.notify_all()

    @staticmethod
    def _post(hook: dict[str, Any], update: dict[str, Any]) -> int | str:
        return post_update(hook["url"], update, hook.get("secret_token"))

    # -- the people's side -------------------------------------------------------------------

    def person(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> Person:
        """Someone with a Telegram account and a private chat with the bot."""
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "en",
        }
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        with self._cv:
            known = self._users.get(user_id)
            # Journeys share one bot: one id given to two different people would put one
            # journey's person in another's (set up, with commands nobody expected).
            assert known is None or known["first_name"] == first_name, (
                f"Telegram id {user_id} is {known['first_name']} already, not {first_name}"
            )
            self._users[user_id] = user
            if user_id not in self._chats:
                chat = {"id": user_id, "type": "private", "first_name": first_name}
                if last_name:
                    chat["last_name"] = last_name
                if username:
                    chat["username"] = username
                self._chats[user_id] = _Chat(chat)
        return Person(self, user)

    def opened(self, user_id: int, first_name: str) -> Person:
        """Someone who wrote to the bot before this emulator started (their chat is open, so
        the bot may write to them), with no update queued: for people a test puts straight
        into the bot's database."""
        person = self.person(user_id, first_name)
        with self._cv:
            self._chats[user_id].started = True
        return person

    def group(self, chat_id: int, title: str, *, kind: str = "supergroup") -> dict[str, Any]:
        """A group chat the bot has been added to (CHAT_ID negative, as Telegram's are)."""
        assert chat_id < 0 and kind in ("group", "supergroup")
        chat = {"id": chat_id, "type": kind, "title": title}
        if kind == "supergroup":
            chat["is_forum"] = False
        with self._cv:
            self._chats.setdefault(chat_id, _Chat(chat))
        return chat

    def hold(self, method: str, accept: Callable[[dict[str, Any]], bool]) -> Hold:
        """From now on, calls of METHOD whose parameters ACCEPT takes wait until released."""
        hold = Hold(method, accept)
        with self._cv:
            self.holds.append(hold)
        return hold

    def enqueue(self, update: dict[str, Any]) -> int:
        """Queue UPDATE (an update_id is given); the bot gets it by polling or a push."""
        with self._cv:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._next_seq()
            self._cv.notify_all()
            return update_id

    def next_update_id(self) -> int:
        """An update id nobody has used (for pushes a test makes itself)."""
        with self._cv:
            return next(self._update_ids)

    def incoming(self, user: dict[str, Any], chat_id: int, content: dict[str, Any]) -> int:
        """A message USER sends in CHAT_ID: stored in the chat, then queued as an update."""
        with self._cv:
            state = self._chats[chat_id]
            if state.chat["type"] == "private":
                state.started = True
                self.blocked.discard(chat_id)
            message = self._store(state, content, by_bot=False, sender=user)
            update_id = next(self._update_ids)
            self._updates.append(
                {"update_id": update_id, "message": json.loads(json.dumps(message))}
            )
            self._cv.notify_all()
            return int(message["message_id"])

    def press(self, user: dict[str, Any], chat_id: int, message_id: int, data: str) -> str:
        """USER taps a callback button on a message: a callback_query update."""
        with self._cv:
            state = self._chats[chat_id]
            message = json.loads(json.dumps(state.messages[message_id]))
            query_id = str(next(self._query_ids))
            self._queries[query_id] = {
                "at": time.monotonic(),
                "answered": False,
                "user": user["id"],
                "data": data,
                "chat_id": chat_id,
                "message_id": message_id,
            }
            update_id = next(self._update_ids)
            self._updates.append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": query_id,
                        "from": dict(user),
                        "message": message,
                        "chat_instance": f"-{abs(chat_id) * 7 + 3}",
                        "data": data,
                    },
                }
            )
            self._next_seq()
            self._cv.notify_all()
            return query_id

    # -- reading state (tests) ---------------------------------------------------------------

    @property
    def seq(self) -> int:
        """The number of the latest event (a send, an edit, an update queued)."""
        with self._cv:
            return self._seq

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """What the bot has put in CHAT_ID, oldest first, as it looks now."""
        with self._cv:
            state = self._chats.get(chat_id)
            if state is None:
                return []
            return [
                json.loads(json.dumps(m))
                for mid, m in state.messages.items()
                if state.meta[mid].by_bot and not state.meta[mid].deleted
            ]

    def uploads(self, chat_id: int, message_id: int) -> dict[str, Upload]:
        """The files uploaded with a message the bot sent."""
        with self._cv:
            return dict(self._chats[chat_id].meta[message_id].uploads)

    def query(self, query_id: str) -> dict[str, Any]:
        """What the bot answered to a callback query."""
        with self._cv:
            return dict(self._queries[query_id])

    def calls_to(self, method: str) -> list[Call]:
        """Every call of METHOD so far."""
        with self._cv:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def confirmed(self) -> int:
        """Every update below this id has been confirmed by the bot."""
        with self._cv:
            return self._confirmed

    @property
    def pending(self) -> int:
        """Updates not yet confirmed."""
        with self._cv:
            return len(self._updates)

    def wait(self, predicate: Callable[[], Any], what: str, timeout: float = DEFAULT_WAIT) -> Any:
        """Wait (on the emulator's condition, with a deadline) until PREDICATE is truthy."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0 or self._closing:
                    break
                self._cv.wait(min(left, 0.5))
        extra = self.on_timeout() if self.on_timeout is not None else ""
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")

    def wait_idle_poll(self, timeout: float = DEFAULT_WAIT) -> None:
        """Wait until the bot has confirmed every queued update (polling)."""
        self.wait(lambda: not self._updates, "the bot to confirm every update", timeout)


def _allowed(update: dict[str, Any], allowed: Iterable[str] | None) -> bool:
    if not allowed:
        return True
    return any(key in update for key in allowed)


def _short(params: dict[str, Any]) -> str:
    text = json.dumps(params, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "…"


def post_update(
    url: str, update: dict[str, Any], secret: str | None, timeout: float = 10.0
) -> int | str:
    """POST UPDATE to a webhook URL as Telegram does; the status, or why it failed."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.scheme != "http":
        return "not pushed: the emulator only calls this machine over HTTP"
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout
    )
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        connection.request(
            "POST", parts.path or "/", body=json.dumps(update).encode(), headers=headers
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        return exc.__class__.__name__
    finally:
        connection.close()


class Person:
    """A person using Telegram: writes, taps buttons, reads what the bot sent."""

    def __init__(self, tg: BotAPIEmulator, user: dict[str, Any]) -> None:
        self.tg = tg
        self.user = user
        self.id = int(user["id"])
        self.acted_at = tg.seq  # the event number of this person's latest action

    def __repr__(self) -> str:
        return f"Person({self.id}, {self.user['first_name']!r})"

    def _chat_id(self, chat: dict[str, Any] | None) -> int:
        return self.id if chat is None else int(chat["id"])

    # -- acting ----------------------------------------------------------------------------

    def send(
        self, text: str, *, chat: dict[str, Any] | None = None, reply_to: int | None = None
    ) -> int:
        """Write TEXT (a /command in it is marked as Telegram marks it); its message id."""
        content: dict[str, Any] = {"text": text}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
            for m in _COMMAND.finditer(text)
        ]
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            replied = [
                m for m in self.tg.bot_messages(self._chat_id(chat)) if m["message_id"] == reply_to
            ]
            assert replied, f"no message {reply_to} to reply to"
            content["reply_to_message"] = replied[0]
        self.acted_at = self.tg.seq
        return self.tg.incoming(self.user, self._chat_id(chat), content)

    def send_photo(self, caption: str | None = None, *, chat: dict[str, Any] | None = None) -> int:
        """Send a photo from the phone's gallery, with an optional caption."""
        with self.tg._cv:
            sizes = [
                self.tg._new_file("photo", {"width": 90, "height": 60, "file_size": 1200}),
                self.tg._new_file("photo", {"width": 1280, "height": 853, "file_size": 98_765}),
            ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        self.acted_at = self.tg.seq
        return self.tg.incoming(self.user, self._chat_id(chat), content)

    def find_button(
        self, label: str, *, exact: bool = False, chat: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(message, button): the newest message with a button whose label contains LABEL."""
        for message in reversed(self.tg.bot_messages(self._chat_id(chat))):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    text = button.get("text", "")
                    if (text == label) if exact else (label.casefold() in text.casefold()):
                        return message, button
        raise AssertionError(
            f"{self}: no button {label!r}; newest messages: "
            f"{[t[:70] for t in self.texts(chat)[-3:]]}"
        )

    def click(self, label: str, *, exact: bool = False, chat: dict[str, Any] | None = None) -> str:
        """Tap the button whose label contains LABEL in the newest message that has one."""
        message, button = self.find_button(label, exact=exact, chat=chat)
        if "callback_data" not in button:
            raise AssertionError(
                f"button {button.get('text')!r} is not a callback button: {button}"
            )
        self.acted_at = self.tg.seq
        return self.tg.press(
            self.user, self._chat_id(chat), int(message["message_id"]), str(button["callback_data"])
        )

    # -- reading ---------------------------------------------------------------------------

    def messages(self, chat: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """What the bot put in this chat (or CHAT), oldest first, as it looks now."""
        return self.tg.bot_messages(self._chat_id(chat))

    def texts(self, chat: dict[str, Any] | None = None) -> list[str]:
        """The text or caption of each of those messages."""
        return [_plain(m) for m in self.messages(chat)]

    def last(self, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """The newest message from the bot here."""
        found = self.messages(chat)
        assert found, f"the bot has not written to {self}"
        return found[-1]

    def since(self, seq: int, chat: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The bot's messages here sent or edited after event SEQ, in the order they changed."""
        chat_id = self._chat_id(chat)
        with self.tg._cv:
            state = self.tg._chats.get(chat_id)
            if state is None:
                return []
            hits = sorted(
                (state.meta[mid].seq, mid)
                for mid in state.messages
                if state.meta[mid].by_bot
                and not state.meta[mid].deleted
                and state.meta[mid].seq > seq
            )
            return [json.loads(json.dumps(state.messages[mid])) for _, mid in hits]

    def count(self, text: str, chat: dict[str, Any] | None = None) -> int:
        """How many of the bot's messages here contain TEXT."""
        return sum(text in t for t in self.texts(chat))

    def wait_for(
        self,
        text: str | Callable[[dict[str, Any]], bool],
        *,
        since: int | None = None,
        chat: dict[str, Any] | None = None,
        timeout: float = DEFAULT_WAIT,
    ) -> dict[str, Any]:
        """Wait until a message containing TEXT (or one PREDICATE accepts) is sent or edited
        here after SINCE (default: this person's latest action); return it."""
        chat_id = self._chat_id(chat)
        after = self.acted_at if since is None else since
        accept = text if callable(text) else (lambda m: text in _plain(m))

        def found() -> dict[str, Any] | None:
            state = self.tg._chats.get(chat_id)
            if state is None:
                return None
            hits = [
                (state.meta[mid].seq, m)
                for mid, m in state.messages.items()
                if state.meta[mid].by_bot
                and not state.meta[mid].deleted
                and state.meta[mid].seq > after
                and accept(m)
            ]
            return json.loads(json.dumps(min(hits, key=lambda h: h[0])[1])) if hits else None

        what = text if isinstance(text, str) else getattr(text, "__name__", "a message")
        try:
            return self.tg.wait(
                found,
                f"{what!r} in the chat of {self}"
                f"{'' if chat is None else ' in ' + str(chat.get('title'))}",
                timeout,
            )
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\nnewest messages there: {[t[:90] for t in self.texts(chat)[-4:]]}"
            ) from None
