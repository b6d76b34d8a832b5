"""The emulator answers like Telegram's Bot API: these pin the behaviour the journeys rely on,
by calling it over HTTP the way PTB does (form-urlencoded, JSON and multipart bodies)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import new_emulator
from tests.e2e.emulator import BotAPIEmulator
from tests.e2e.telegram_html import HtmlError, parse_html


@pytest.fixture
def api() -> Iterator[BotAPIEmulator]:
    emulator = new_emulator()
    yield emulator
    # The refusals these tests provoke on purpose are not problems of the bot's.
    emulator.problems.clear()
    emulator.stop()


def call(
    tg: BotAPIEmulator,
    method: str,
    params: dict[str, Any] | None = None,
    *,
    as_json: bool = False,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{tg.base_url}{token or tg.token}/{method}"
    params = params or {}
    if files:
        boundary = uuid.uuid4().hex
        chunks = []
        for key, value in params.items():
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for key, (name, data, kind) in files.items():
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                f'filename="{name}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        kind = f"multipart/form-data; boundary={boundary}"
    elif as_json:
        body, kind = json.dumps(params).encode(), "application/json"
    else:
        body = urllib.parse.urlencode(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        ).encode()
        kind = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_unknown_methods_and_tokens_answer_like_telegram(api: BotAPIEmulator) -> None:
    assert call(api, "sendTelepathy") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert call(api, "getMe", token="1:wrong")[0] == 401
    status, body = call(api, "getMe")
    assert status == 200 and body["result"]["username"] == api.username
    assert body["result"]["is_bot"] is True
    assert any("Not Found" in p for p in api.problems)


def test_send_message_checks_and_shapes(api: BotAPIEmulator) -> None:
    alice = api.person(42, "Alice")
    # The bot may not write first.
    assert call(api, "sendMessage", {"chat_id": 42, "text": "hi"})[0] == 403
    alice.send("/start")
    assert (
        call(api, "sendMessage", {"chat_id": 42})[1]["description"]
        == "Bad Request: message text is empty"
    )
    status, body = call(
        api, "sendMessage", {"chat_id": 42, "text": "<b>Hi</b> &amp; welcome", "parse_mode": "HTML"}
    )
    message = body["result"]
    assert status == 200
    assert message["text"] == "Hi & welcome"
    assert message["entities"] == [{"offset": 0, "length": 2, "type": "bold"}]
    assert message["from"]["id"] == api.bot_id and message["chat"]["type"] == "private"
    assert {"message_id", "date", "chat", "from", "text"} <= set(message)
    assert call(api, "sendMessage", {"chat_id": 42, "text": "<b>open", "parse_mode": "HTML"})[1][
        "description"
    ].startswith("Bad Request: can't parse entities")
    assert (
        call(api, "sendMessage", {"chat_id": 42, "text": "x" * 4097})[1]["description"]
        == "Bad Request: message is too long"
    )
    long_data = {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]}
    assert (
        call(api, "sendMessage", {"chat_id": 42, "text": "a", "reply_markup": long_data})[1][
            "description"
        ]
        == "Bad Request: BUTTON_DATA_INVALID"
    )
    assert call(api, "sendMessage", {"chat_id": 99, "text": "a"}, as_json=True)[0] == 400


def test_edits_return_the_message_and_refuse_no_change(api: BotAPIEmulator) -> None:
    alice = api.person(43, "Alice")
    alice.send("/start")
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    sent = call(api, "sendMessage", {"chat_id": 43, "text": "Hello", "reply_markup": keyboard})[1][
        "result"
    ]
    edit = {
        "chat_id": 43,
        "message_id": sent["message_id"],
        "text": "Hello",
        "reply_markup": keyboard,
    }
    status, body = call(api, "editMessageText", edit)
    assert status == 400 and "message is not modified" in body["description"]
    status, body = call(api, "editMessageText", {**edit, "text": "Bye"})
    assert status == 200 and body["result"]["text"] == "Bye" and "edit_date" in body["result"]
    # Without reply_markup the keyboard goes, as on Telegram.
    edited = call(api, "editMessageText", {**edit, "text": "Gone", "reply_markup": ""})[1]["result"]
    assert "reply_markup" not in edited
    assert alice.last()["text"] == "Gone"


def test_uploads_arrive_as_multipart(api: BotAPIEmulator) -> None:
    alice = api.person(44, "Alice")
    alice.send("/start")
    status, body = call(
        api,
        "sendDocument",
        {"chat_id": "44", "caption": "Your data"},
        files={"document": ("my-data.json", b'{"a": 1}', "application/json")},
    )
    assert status == 200
    document = body["result"]["document"]
    assert document["file_name"] == "my-data.json"
    assert document["mime_type"] == "application/json" and document["file_size"] == 8
    assert {"file_id", "file_unique_id"} <= set(document)
    assert (
        call(
            api,
            "sendPhoto",
            {"chat_id": "44"},
            files={"photo": ("a.png", b"not a picture", "image/png")},
        )[0]
        == 400
    )
    # A file id Telegram gave out can be sent again without uploading.
    status, _ = call(api, "sendDocument", {"chat_id": 44, "document": document["file_id"]})
    assert status == 200


def test_get_updates_confirms_below_offset_and_holds_the_long_poll(api: BotAPIEmulator) -> None:
    alice = api.person(45, "Alice")
    alice.send("one")
    status, body = call(api, "getUpdates", {"timeout": 5})
    first = body["result"]
    assert status == 200 and [u["message"]["text"] for u in first] == ["one"]
    # Not confirmed yet: asked again, it comes again.
    assert call(api, "getUpdates", {"timeout": 0})[1]["result"] == first
    # A long poll with nothing waiting returns when something arrives.
    later = threading.Timer(0.3, lambda: alice.send("two"))
    later.start()
    started = time.monotonic()
    got = call(api, "getUpdates", {"offset": first[0]["update_id"] + 1, "timeout": 10})[1]["result"]
    later.join()
    assert [u["message"]["text"] for u in got] == ["two"]
    assert time.monotonic() - started < 5
    assert api.pending == 1
    # With a webhook set, getUpdates is a conflict.
    assert call(api, "setWebhook", {"url": "https://example.org/hook"})[0] == 200
    status, body = call(api, "getUpdates", {})
    assert status == 409 and body["description"].startswith("Conflict")


def test_webhook_needs_https_except_on_this_machine(api: BotAPIEmulator) -> None:
    assert call(api, "setWebhook", {"url": "http://example.org/hook"})[0] == 400
    assert (
        call(api, "setWebhook", {"url": "http://127.0.0.1:9/hook", "secret_token": "bad secret!"})[
            0
        ]
        == 400
    )
    assert (
        call(
            api, "setWebhook", {"url": "http://127.0.0.1:9/hook", "secret_token": "good_secret-1"}
        )[0]
        == 200
    )
    assert api.webhook is not None and api.webhook["secret_token"] == "good_secret-1"
    info = call(api, "getWebhookInfo")[1]["result"]
    assert info["url"] == "http://127.0.0.1:9/hook"


def test_callback_queries_are_answered_once(api: BotAPIEmulator) -> None:
    alice = api.person(46, "Alice")
    alice.send("/start")
    keyboard = {"inline_keyboard": [[{"text": "Go on", "callback_data": "go"}]]}
    call(api, "sendMessage", {"chat_id": 46, "text": "Ready?", "reply_markup": keyboard})
    query_id = alice.click("go on")
    update = call(api, "getUpdates", {"offset": -1})[1]["result"][-1]
    assert update["callback_query"]["data"] == "go"
    assert update["callback_query"]["message"]["text"] == "Ready?"
    assert call(api, "answerCallbackQuery", {"callback_query_id": query_id})[0] == 200
    assert call(api, "answerCallbackQuery", {"callback_query_id": query_id})[0] == 400


def test_html_parser_follows_telegram() -> None:
    assert parse_html('<a href="https://x.org">x</a> &lt;3 &#128578;') == (
        "x <3 🙂",
        [{"offset": 0, "length": 1, "type": "text_link", "url": "https://x.org"}],
    )
    # Offsets count UTF-16 code units.
    assert parse_html("🙂 <i>ok</i>")[1] == [{"offset": 3, "length": 2, "type": "italic"}]
    for bad in ("<div>x</div>", "<b>x</i>", "<b>x", "x</b>", "<code><b>x</b></code>"):
        with pytest.raises(HtmlError):
            parse_html(bad)
