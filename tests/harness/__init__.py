"""Offline harness: a fake Bot API at the HTTP layer and clients that act like people.

The real Application, handlers, storage (a temp SQLite file) and job queue run;
only Telegram's servers are replaced. Nothing here sleeps: time moves with `env.clock`.

    env = await BotEnv.create(tmp_path)
    alice = env.client(1001, "Alice")
    await alice.send("/start")
    await alice.click("That's OK with me")
    assert "Which of these fits you" in alice.last_text()
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from telegram import Update
from telegram.ext import Application, BaseRateLimiter
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.clock import FakeClock
from bot.content import Content
from bot.crypto import Cipher
from bot.deps import Deps
from bot.domain.language import find_stigmatising
from bot.lanes import LaneRateLimiter
from bot.runtime import running
from bot.settings import Settings
from bot.storage import Storage
from tests import backends

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "BotEnv",
    "Call",
    "Client",
    "FakeBotAPI",
    "SentMessage",
    "VirtualTimer",
    "join_staff",
    "onboard",
    "onboard_coordinator",
]

BOT_ID = 7000000001
BOT_USERNAME = "peer_support_test_bot"
TOKEN = f"{BOT_ID}:TEST-token-not-real"
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Peer Support",
    "username": BOT_USERNAME,
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_SEND_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "sendVoice",
    "sendSticker",
    "sendAudio",
    "sendVideo",
    "sendAnimation",
    "copyMessage",
}
_EDIT_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}
#: Methods the fake answers with a plain `true`.
_TRUE_METHODS = {
    "setMyCommands",
    "deleteMyCommands",
    "deleteWebhook",
    "setWebhook",
    "answerCallbackQuery",
    "sendChatAction",
    "deleteMessage",
    "setChatMenuButton",
    "pinChatMessage",
    "unpinChatMessage",
}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


@dataclass
class SentMessage:
    """A message the bot put in a chat, as it looks now (after any edits)."""

    chat_id: int
    message_id: int
    method: str
    text: str
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    sent_at: int = 0  # Unix time it was sent, as Telegram dates it

    @property
    def plain(self) -> str:
        """The text as a person reads it: tags removed, entities decoded."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.text))

    def button_rows(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard, if any."""
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard", []))

    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, flattened."""
        return [b for row in self.button_rows() for b in row]


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed by Telegram")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"closing </{tag}> does not match")
        else:
            self.stack.pop()


def html_problems(text: str) -> list[str]:
    """Why TEXT would be refused by Telegram's HTML parse mode (empty if fine)."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.problems.append(f"unclosed tags {checker.stack}")
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        checker.problems.append("a bare & must be escaped")
    return checker.problems


class FakeBotAPI(BaseRequest):
    """Answers like the Bot API and records every call; unknown methods fail loudly.

    `blocked` chats answer 403 as Telegram does when a person has blocked the bot;
    `interceptor(method, params)` may return (status, body) to inject other errors (429).
    Every text the bot sends is checked against Telegram's limits, its HTML rules and the
    language guide; anything wrong lands in `problems`, which the test fixture asserts empty.
    """

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.calls: list[Call] = []
        self.chats: dict[int, dict[int, SentMessage]] = {}
        self.incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.interceptor: (
            Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]] | None] | None
        ) = None
        self.problems: list[str] = []
        self.checks = True  # benchmarks switch the per-message rule checks off
        self._ids = itertools.count(1)
        self._files = itertools.count(1)

    # -- BaseRequest -----------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        """No real network, no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

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
        """Answer one Bot API call."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        files = (
            dict(request_data.multipart_data)
            if request_data is not None and request_data.contains_files
            else {}
        )
        self.calls.append(Call(api_method, params, files))
        if self.interceptor is not None:
            injected = self.interceptor(api_method, params)
            if injected is not None:
                return injected[0], json.dumps(injected[1]).encode()
        try:
            status, result = self._answer(api_method, params, files)
        except KeyError as exc:
            self.problems.append(f"{api_method}: missing parameter {exc}")
            status, result = (
                400,
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc} missing"},
            )
        return status, json.dumps(result).encode()

    # -- helpers for the harness -----------------------------------------------------------

    def next_id(self) -> int:
        """A fresh message or update id."""
        return next(self._ids)

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot put in CHAT_ID, oldest first, as they look now."""
        return list(self.chats.get(chat_id, {}).values())

    def calls_to(self, method: str) -> list[Call]:
        """Every call of METHOD."""
        return [c for c in self.calls if c.method == method]

    def _ok(self, result: Any) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": result}

    def _error(self, code: int, description: str) -> tuple[int, dict[str, Any]]:
        return code, {"ok": False, "error_code": code, "description": description}

    def _check_text(self, method: str, text: str, limit: int, parse_mode: str | None) -> None:
        if not self.checks:
            return
        if len(text) > limit:
            self.problems.append(f"{method}: text of {len(text)} characters is over {limit}")
        if parse_mode == "HTML":
            self.problems.extend(f"{method}: {p}: {text[:80]!r}" for p in html_problems(text))
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        self.problems.extend(
            f"{method}: uses '{t}' (say '{b}')" for t, b in find_stigmatising(plain)
        )

    def _check_markup(self, method: str, markup: Any) -> None:
        if isinstance(markup, str):
            markup = json.loads(markup)
        keyboard = (markup or {}).get("inline_keyboard", [])
        if sum(len(row) for row in keyboard) > 100:
            self.problems.append(f"{method}: over 100 buttons on one message")
        for row in keyboard:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode()) > 64:
                    self.problems.append(f"{method}: callback data over 64 bytes: {data}")

    def _store(
        self,
        chat_id: int,
        method: str,
        text: str,
        params: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]],
    ) -> SentMessage:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        message = SentMessage(
            chat_id,
            self.next_id(),
            method,
            text,
            markup,
            params,
            files,
            sent_at=int(self.clock.now().timestamp()),
        )
        self.chats.setdefault(chat_id, {})[message.message_id] = message
        return message

    def _message_json(self, m: SentMessage, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": m.message_id,
            "date": int(self.clock.now().timestamp()),
            "chat": {"id": m.chat_id, "type": "private" if m.chat_id > 0 else "group"},
            "from": BOT_USER,
        }
        if m.text and m.method in ("sendMessage",):
            data["text"] = m.text
        elif m.text:
            data["caption"] = m.text
        if m.reply_markup and m.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = m.reply_markup
        data.update(extra or {})
        return data

    def _media(
        self, method: str, files: dict[str, tuple[str, bytes, str]], params: dict[str, Any]
    ) -> dict[str, Any]:
        n = next(self._files)
        base = {"file_id": f"file{n}", "file_unique_id": f"u{n}"}
        if method == "sendDocument":
            name = next(iter(files.values()))[0] if files else "file"
            return {"document": {**base, "file_name": name}}
        if method == "sendPhoto":
            return {"photo": [{**base, "width": 800, "height": 600}]}
        if method == "sendVoice":
            return {"voice": {**base, "duration": 3}}
        if method == "sendSticker":
            return {
                "sticker": {
                    **base,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        return {}

    def _answer(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]
    ) -> tuple[int, dict[str, Any]]:
        if method == "getMe":
            return self._ok(BOT_USER)
        if method in _TRUE_METHODS:
            if method == "answerCallbackQuery" and params.get("text"):
                self._check_text(method, params["text"], 200, None)
            return self._ok(True)
        if method == "getMyCommands":
            return self._ok([])
        if method == "getChat":
            return self._ok({"id": int(params["chat_id"]), "type": "private"})
        if method in _SEND_METHODS:
            return self._send(method, params, files)
        if method in _EDIT_METHODS:
            return self._edit(method, params)
        self.problems.append(f"the bot called {method}, which the fake Bot API doesn't know")
        return self._error(400, f"Bad Request: method {method} not found")

    def _send(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]
    ) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if method == "copyMessage":
            source = self.incoming.get((int(params["from_chat_id"]), int(params["message_id"])))
            if source is None:
                return self._error(400, "Bad Request: message to copy not found")
            text = params.get("caption") or source.get("text") or source.get("caption") or ""
            m = self._store(chat_id, method, text, params, files)
            m.params = {**params, "source": source}
            return self._ok({"message_id": m.message_id})
        text = params.get("text") or params.get("caption") or ""
        limit = 4096 if method == "sendMessage" else 1024
        self._check_text(method, text, limit, params.get("parse_mode"))
        if params.get("reply_markup") is not None:
            self._check_markup(method, params["reply_markup"])
        m = self._store(chat_id, method, text, params, files)
        return self._ok(self._message_json(m, self._media(method, files, params)))

    def _edit(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        m = self.chats.get(chat_id, {}).get(message_id)
        if m is None:
            return self._error(400, "Bad Request: message to edit not found")
        new_text = params.get("text", params.get("caption", m.text))
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if method == "editMessageReplyMarkup":
            new_text = m.text
        if new_text == m.text and markup == m.reply_markup:
            return self._error(400, "Bad Request: message is not modified")
        self._check_text(method, new_text, 4096, params.get("parse_mode"))
        if markup is not None:
            self._check_markup(method, markup)
        m.text, m.reply_markup = new_text, markup
        return self._ok(self._message_json(m))


class VirtualTimer:
    """The rate limiter's time in tests: a wait moves it on at once, nothing sleeps."""

    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        """Seconds since the test began, as far as the limiter knows."""
        return self.time

    async def sleep(self, seconds: float) -> None:
        """Move time on by SECONDS, letting other tasks run once."""
        self.time += max(seconds, 0.0)
        await asyncio.sleep(0)


class Client:
    """A person using the bot: sends messages and taps buttons, reads what came back."""

    def __init__(
        self,
        env: BotEnv,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        self.env = env
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username

    # -- acting --------------------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": "en",
        }
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    async def _message(self, **content: Any) -> int:
        fake = self.env.fake
        message_id = fake.next_id()
        message = {
            "message_id": message_id,
            "date": int(self.env.clock.now().timestamp()),
            "chat": self._chat(),
            "from": self._user(),
            **content,
        }
        fake.incoming[(self.user_id, message_id)] = message
        await self.env.process({"update_id": fake.next_id(), "message": message})
        return message_id

    async def send(self, text: str, *, reply_to: int | None = None) -> int:
        """Type TEXT and send it (a leading /command is marked as one, as Telegram does)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            replied = self.env.fake.chats.get(self.user_id, {}).get(reply_to)
            content["reply_to_message"] = {
                "message_id": reply_to,
                # as Telegram dates it: when the replied-to message was sent
                "date": replied.sent_at if replied else int(self.env.clock.now().timestamp()),
                "chat": self._chat(),
                "from": BOT_USER,
                **({"text": replied.text} if replied is not None and replied.text else {}),
            }
        return await self._message(**content)

    async def send_in_group(
        self, text: str, *, chat_id: int = -1001234567890, chat_type: str = "supergroup"
    ) -> int:
        """Type TEXT in a group chat this person and the bot are both in."""
        fake = self.env.fake
        message_id = fake.next_id()
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message = {
            "message_id": message_id,
            "date": int(self.env.clock.now().timestamp()),
            "chat": {"id": chat_id, "type": chat_type, "title": "Carers chat"},
            "from": self._user(),
            **content,
        }
        fake.incoming[(chat_id, message_id)] = message
        await self.env.process({"update_id": fake.next_id(), "message": message})
        return message_id

    async def send_photo(self, caption: str | None = None, *, reply_to: int | None = None) -> int:
        """Send a photo (optionally with a caption)."""
        n = self.env.fake.next_id()
        extra: dict[str, Any] = {
            "photo": [
                {"file_id": f"in-photo{n}", "file_unique_id": f"ip{n}", "width": 640, "height": 480}
            ]
        }
        if caption:
            extra["caption"] = caption
        return await self._with_reply(extra, reply_to)

    async def send_voice(self, *, reply_to: int | None = None) -> int:
        """Send a voice note."""
        n = self.env.fake.next_id()
        return await self._with_reply(
            {"voice": {"file_id": f"in-voice{n}", "file_unique_id": f"iv{n}", "duration": 4}},
            reply_to,
        )

    async def send_document(
        self, name: str = "letter.pdf", caption: str | None = None, *, reply_to: int | None = None
    ) -> int:
        """Send a file."""
        n = self.env.fake.next_id()
        extra: dict[str, Any] = {
            "document": {"file_id": f"in-doc{n}", "file_unique_id": f"id{n}", "file_name": name}
        }
        if caption:
            extra["caption"] = caption
        return await self._with_reply(extra, reply_to)

    async def send_sticker(self, *, reply_to: int | None = None) -> int:
        """Send a sticker."""
        n = self.env.fake.next_id()
        return await self._with_reply(
            {
                "sticker": {
                    "file_id": f"in-st{n}",
                    "file_unique_id": f"is{n}",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            reply_to,
        )

    async def _with_reply(self, extra: dict[str, Any], reply_to: int | None) -> int:
        if reply_to is not None:
            extra["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(self.env.clock.now().timestamp()),
                "chat": self._chat(),
                "from": BOT_USER,
            }
        return await self._message(**extra)

    def find_button(self, label: str, *, exact: bool = False) -> tuple[SentMessage, str]:
        """The newest message in this chat with a button whose label contains LABEL."""
        for message in reversed(self.env.fake.messages(self.user_id)):
            for button in message.buttons():
                text = button.get("text", "")
                if (text == label) if exact else (label.lower() in text.lower()):
                    data = button.get("callback_data")
                    if data is None:
                        raise AssertionError(f"button {text!r} is a link, not a callback")
                    return message, data
        raise AssertionError(
            f"no button {label!r} in chat {self.user_id}; last messages: "
            f"{[m.plain[:60] for m in self.env.fake.messages(self.user_id)[-3:]]}"
        )

    async def click(self, label: str, *, exact: bool = False) -> None:
        """Tap the newest button whose label contains LABEL."""
        message, data = self.find_button(label, exact=exact)
        await self.press(data, message)

    async def press(self, data: str, message: SentMessage | None = None) -> None:
        """Send a callback query with DATA (from MESSAGE, else the newest message)."""
        fake = self.env.fake
        if message is None:
            message = self.env.fake.messages(self.user_id)[-1]
        query = {
            "id": str(fake.next_id()),
            "from": self._user(),
            "chat_instance": "ci",
            "data": data,
            "message": fake._message_json(message),
        }
        await self.env.process({"update_id": fake.next_id(), "callback_query": query})

    # -- reading -------------------------------------------------------------------------

    @property
    def messages(self) -> list[SentMessage]:
        """Everything the bot put in this chat, oldest first."""
        return self.env.fake.messages(self.user_id)

    def texts(self) -> list[str]:
        """Plain text of every message in this chat."""
        return [m.plain for m in self.messages]

    def last(self) -> SentMessage:
        """The newest message in this chat."""
        if not self.messages:
            raise AssertionError(f"the bot has not written to {self.user_id}")
        return self.messages[-1]

    def last_text(self) -> str:
        """Plain text of the newest message."""
        return self.last().plain

    def mark(self) -> int:
        """A bookmark: how many messages this chat has now."""
        return len(self.messages)

    def since(self, mark: int) -> list[SentMessage]:
        """Messages that arrived after MARK."""
        return self.messages[mark:]

    def texts_since(self, mark: int) -> list[str]:
        """Plain texts that arrived after MARK."""
        return [m.plain for m in self.since(mark)]


class BotEnv:
    """One bot, its fake Telegram, a fake clock and a temp data folder; restartable."""

    def __init__(self, tmp_path: Path, settings: Settings, clock: FakeClock) -> None:
        self.tmp_path = tmp_path
        self.settings = settings
        self.clock = clock
        self.fake = FakeBotAPI(clock)
        self.cipher = Cipher(Fernet.generate_key())
        self.content = Content()
        self.errors: list[BaseException] = []
        self.app: Application | None = None  # type: ignore[type-arg]
        self._stack = contextlib.AsyncExitStack()
        self.deps: Deps | None = None
        self.processed = 0  # updates fed in, for benchmarks
        # None: no limits and no waiting (tests); benchmarks may pass a real limiter
        self.rate_limiter: BaseRateLimiter[Any] | None = None

    @classmethod
    async def create(
        cls,
        tmp_path: Path,
        *,
        start: datetime | None = None,
        rate_limiter: BaseRateLimiter[Any] | None = None,
        **overrides: Any,
    ) -> BotEnv:
        """A running bot with SETTINGS overrides, its clock at START (UTC)."""
        settings = replace(
            Settings(data_dir=tmp_path / "data", bot_username=BOT_USERNAME), **overrides
        )
        clock = FakeClock(start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        env = cls(tmp_path, settings, clock)
        env.rate_limiter = rate_limiter
        await env.start()
        return env

    async def start(self) -> None:
        """Build and start a fresh Application over the same database, through the same
        `running()` that `python -m bot run` uses; only the updates' source differs."""
        storage = Storage(await backends.database_for(self.settings.database_path))
        self.deps = Deps(self.settings, storage, self.clock, self.content, self.cipher)
        limiter = self.rate_limiter or LaneRateLimiter(
            bulk_per_second=None, chat_limits=None, max_retries=3, timer=VirtualTimer()
        )
        app = build_application(self.deps, token=TOKEN, request=self.fake, rate_limiter=limiter)

        async def record(update: object, context: Any) -> None:
            if context.error is not None:
                self.errors.append(context.error)

        app.add_error_handler(record)
        self._stack = contextlib.AsyncExitStack()
        await self._stack.enter_async_context(running(app))
        # Time in tests moves only with the fake clock: periodic jobs run when a test says
        # (`run_job`), never on the wall clock.
        assert app.job_queue is not None
        app.job_queue.scheduler.pause()
        self.app = app

    async def stop(self) -> None:
        """Stop the Application and close the database, as a process exit would."""
        if self.app is not None:
            await self._stack.aclose()
            self.app = None

    async def restart(self) -> None:
        """Stop and start again: only what is in the database survives."""
        await self.stop()
        await self.start()

    @property
    def storage(self) -> Storage:
        """The live storage."""
        assert self.deps is not None
        return self.deps.storage

    def client(
        self,
        user_id: int,
        first_name: str = "Sam",
        last_name: str | None = None,
        username: str | None = None,
    ) -> Client:
        """A person with this Telegram id."""
        return Client(self, user_id, first_name, last_name, username)

    async def process(self, data: dict[str, Any]) -> None:
        """Feed one update through the real Application's update processor (concurrent, one
        person at a time), and return once it has been processed."""
        assert self.app is not None
        self.processed += 1
        update = Update.de_json(data, self.app.bot)
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    def job(self, name: str) -> Any:
        """The scheduled job called NAME."""
        assert self.app is not None and self.app.job_queue is not None
        jobs = self.app.job_queue.get_jobs_by_name(name)
        if not jobs:
            names = [j.name for j in self.app.job_queue.jobs()]
            raise AssertionError(f"no job {name!r}; jobs: {names}")
        return jobs[0]

    async def run_job(self, name: str) -> None:
        """Run job NAME now, at the clock's current time."""
        assert self.app is not None
        await self.job(name).run(self.app)

    def assert_clean(self) -> None:
        """No handler raised, and everything sent respected Telegram's rules and our language."""
        assert not self.errors, f"handlers raised: {self.errors!r}"
        assert not self.fake.problems, "\n".join(self.fake.problems)

    async def user_ids_in_tables(self, user_id: int) -> dict[str, list[str]]:
        """Every table and column that still holds USER_ID (privacy tests)."""
        found: dict[str, list[str]] = {}
        for table in await self.storage.table_names():
            for name in await self.storage.column_names(table):
                if name.endswith("_hash"):
                    continue  # a one-way hash of a random code: hex digits, never an id
                hit = await self.storage.fetchval(
                    f"SELECT COUNT(*) FROM {table} WHERE CAST({name} AS TEXT) LIKE ?",
                    (f"%{user_id}%",),
                )
                if hit:
                    found.setdefault(table, []).append(name)
        return found


def all_sent_text(fake: FakeBotAPI) -> Iterable[str]:
    """Every text the bot sent anywhere (for privacy checks)."""
    for call in fake.calls:
        for key in ("text", "caption"):
            if isinstance(call.params.get(key), str):
                yield call.params[key]


AGREE = "That's OK with me"
RELATIONSHIP_LABELS = {
    "parent": "I'm a parent",
    "partner": "My partner",
    "sibling": "brother or sister",
    "child": "I'm their child",
    "friend": "A friend",
    "other": "Someone else",
}


async def onboard(
    client: Client,
    role: str = "consumer",
    *,
    relationship: str = "parent",
    alias: str | None = None,
) -> None:
    """Take CLIENT through /start as a consumer or carer, the way a person would."""
    await client.send("/start")
    await client.click(AGREE)
    if role == "consumer":
        await client.click("I live with BPD")
    elif role == "carer":
        await client.click("I support someone with BPD")
        await client.click(RELATIONSHIP_LABELS[relationship])
    else:
        raise ValueError("use join_staff for staff roles")
    if alias is None:
        await client.click("Skip")
    else:
        await client.send(alias)


async def onboard_coordinator(client: Client, alias: str | None = None) -> None:
    """Take CLIENT, whose id is listed under `coordinators` in the settings, through /start."""
    await client.send("/start")
    await client.click(AGREE)
    if alias is None:
        await client.click("Skip")
    else:
        await client.send(alias)


async def join_staff(client: Client, role: str, *, alias: str | None = None) -> None:
    """Take CLIENT through a single-use invite link for a staff ROLE."""
    from bot.services.invites import make_invite

    env = client.env
    assert env.deps is not None
    link = await make_invite(
        env.deps.storage,
        env.settings,
        role,
        by=None,
        bot_username=BOT_USERNAME,
        now=env.clock.now(),
    )
    await client.send(f"/start {link.split('start=')[1]}")
    await client.click(AGREE)
    if alias is None:
        await client.click("Skip")
    else:
        await client.send(alias)
