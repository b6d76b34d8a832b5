"""Generated updates through the real application (hypothesis): no exception escapes a
handler, a forged press changes nothing in the database, and every private message from a
person gets an answer (after an error, exactly one: "Sorry, something went wrong").

The updates: texts of every length up to Telegram's 4,096 characters from every Unicode
plane, commands with junk after them, edited messages, forwarded messages, media where text
is expected, group and channel posts; button data that is random, truncated, replayed from the
person's own keyboard, or copied from another account's. Each test runs one cast (one person
per role, tests/proofs_support.py) on one event loop, and feeds it the examples one by one.

The examples are the same on every run (derandomized, so CI never flakes); set PROOFS_RANDOM=1
to explore new ones, and PROOFS_EXAMPLES to run more.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.callbacks import InvalidCallback, registered_prefixes, unpack
from tests.harness import BOT_USER, BotEnv, Call
from tests.proofs_support import COUNTS, ROLES, TOUR, UIDS, Cast, dump, make_cast, names_a_row

EXAMPLES = int(os.environ.get("PROOFS_EXAMPLES", "150"))
PROOF = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("PROOFS_RANDOM"),
    suppress_health_check=list(HealthCheck),
)
SORRY = "Sorry, something went wrong"
GROUP, CHANNEL = -1009876543210, -1001111111111
_ANSWERS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "copyMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "answerCallbackQuery",
}

# -- strategies -------------------------------------------------------------------------------

#: Any character Telegram can carry (no lone surrogates), weighted to reach every plane.
_CHARS = st.one_of(
    st.characters(exclude_categories=("Cs",)),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
    st.sampled_from("\n\t <>&\"'/\u200b\u202e\ufeff\x00"),
)
_TEXTS = st.one_of(
    st.text(_CHARS, min_size=1, max_size=40),
    st.text(_CHARS, min_size=1, max_size=600),
    st.text(_CHARS, min_size=4000, max_size=4096),
    st.sampled_from(
        [
            "i want to kill myself",
            "I took all my pills",
            "hi",
            "Skip",
            "yes",
            "<b>bold</b> & <i>",
            "99999999999999999999999",
            "０",
            "²",
            "-1",
        ]
    ),
)
_COMMANDS = st.builds(
    lambda c, tail: f"{c} {tail}".strip(),
    st.sampled_from([*TOUR, "/start", "/cancel", "/crisis", "/nope"]),
    st.one_of(st.just(""), st.text(_CHARS, max_size=30)),
)
_MEDIA = st.sampled_from(
    [
        {"photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 9, "height": 9}]},
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "us1",
                "type": "regular",
                "width": 9,
                "height": 9,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 2}},
        {"document": {"file_id": "d1", "file_unique_id": "ud1", "file_name": "x.pdf"}},
        {"location": {"latitude": -33.9, "longitude": 151.2}},
        {"contact": {"phone_number": "+61000000000", "first_name": "Someone"}},
        {"dice": {"emoji": "🎲", "value": 3}},
    ]
)


@st.composite
def _content(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["text", "text", "command", "media", "caption"]))
    if kind == "media":
        return dict(draw(_MEDIA))
    if kind == "caption":
        return {
            **draw(_MEDIA.filter(lambda m: "photo" in m or "document" in m)),
            "caption": draw(_TEXTS)[:1024],
        }
    text = draw(_COMMANDS if kind == "command" else _TEXTS)
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        length = len(text.split()[0]) if text.split() else 1
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return content


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """(sender role, where, content) for a message update."""
    role = draw(st.sampled_from(ROLES))
    where = draw(st.sampled_from(["private"] * 5 + ["edited", "forwarded", "group", "channel"]))
    return role, where, draw(_content())


@st.composite
def presses(draw: st.DrawFn, pools: dict[str, list[str]]) -> tuple[str, str, str]:
    """(presser role, how, data) for a button press, from the keyboards in POOLS."""
    role = draw(st.sampled_from(ROLES))
    how = draw(st.sampled_from(["random", "truncated", "replayed", "copied", "prefix"]))
    own = pools.get(role) or ["home"]
    others = [
        d for r, pool in pools.items() if r != role for d in pool if names_a_row(d) and d not in own
    ]
    if how == "random":
        data = draw(st.text(_CHARS, max_size=70))
    elif how == "prefix":  # a real prefix with junk fields
        prefix = draw(st.sampled_from(sorted(registered_prefixes())))
        data = prefix + ":" + draw(st.text(st.sampled_from("0123456789:-abc_x"), max_size=40))
    elif how == "truncated":
        full = draw(st.sampled_from(own + others))
        data = full[: draw(st.integers(0, max(len(full) - 1, 0)))]
    elif how == "copied" and others:
        data = draw(st.sampled_from(others))
    else:
        how = "replayed"
        data = draw(st.sampled_from(own))
    return role, how, data


def _unpacks(data: str) -> bool:
    try:
        unpack(data)
    except InvalidCallback:
        return False
    return True


# -- running examples on one loop -------------------------------------------------------------


def on_one_loop(tmp_path: Path, body: Callable[[asyncio.AbstractEventLoop, Cast], None]) -> None:
    """Make the cast on a fresh loop, run BODY (which drives the loop), and stop cleanly."""
    loop = asyncio.new_event_loop()
    try:
        cast = loop.run_until_complete(make_cast(tmp_path))
        try:
            body(loop, cast)
        finally:
            loop.run_until_complete(cast.env.stop())
        cast.env.assert_clean()
    finally:
        loop.close()


def run(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
    return loop.run_until_complete(coro)


def update_for(env: BotEnv, uid: int, where: str, content: dict[str, Any]) -> dict[str, Any]:
    fake = env.fake
    user = {"id": uid, "is_bot": False, "first_name": "Fuzz", "language_code": "en"}
    date = int(env.clock.now().timestamp())
    chat: dict[str, Any] = {"id": uid, "type": "private", "first_name": "Fuzz"}
    message: dict[str, Any] = {
        "message_id": fake.next_id(),
        "date": date,
        "chat": chat,
        "from": user,
        **content,
    }
    if where == "group":
        message["chat"] = {"id": GROUP, "type": "supergroup", "title": "Carers chat"}
    if where == "channel":
        message["chat"] = {"id": CHANNEL, "type": "channel", "title": "News"}
        del message["from"]
        return {"update_id": fake.next_id(), "channel_post": message}
    if where == "forwarded":
        message["forward_origin"] = {
            "type": "user",
            "date": date - 60,
            "sender_user": {**BOT_USER, "id": 555, "is_bot": False},
        }
    fake.incoming[(message["chat"]["id"], message["message_id"])] = message
    if where == "edited":
        message["edit_date"] = date
        return {"update_id": fake.next_id(), "edited_message": message}
    return {"update_id": fake.next_id(), "message": message}


def answers_to(calls: list[Call], chat_id: int) -> list[Call]:
    """What answered CHAT_ID: a reply there, or its message passed on to their match (the
    relay copies it, as a chat app does, with no receipt)."""
    return [
        c
        for c in calls
        if c.method in _ANSWERS
        and (
            c.method == "answerCallbackQuery"
            or int(c.params.get("chat_id", 0)) == chat_id
            or int(c.params.get("from_chat_id", 0)) == chat_id
        )
    ]


async def held_for(env: BotEnv, uid: int) -> int:
    return int(
        await env.storage.fetchval("SELECT COUNT(*) FROM relay_queue WHERE sender_id = ?", (uid,))
        or 0
    )


def assert_one_answer_after_an_error(calls: list[Call], chat_id: int) -> None:
    texts = [
        str(c.params.get("text", ""))
        for c in calls
        if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id
    ]
    if any(SORRY in t for t in texts):
        assert len(texts) == 1, f"after the sorry, more replies: {texts}"


# -- the properties ---------------------------------------------------------------------------


def test_generated_messages_never_raise_and_every_person_gets_an_answer(tmp_path: Path) -> None:
    def body(loop: asyncio.AbstractEventLoop, cast: Cast) -> None:
        env = cast.env

        @PROOF
        @given(messages())
        def one(example: tuple[str, str, dict[str, Any]]) -> None:
            role, where, content = example
            uid = UIDS[role]
            before_calls, held = len(env.fake.calls), run(loop, held_for(env, uid))
            before = (
                run(loop, dump(env, skip=("counters",))) if where in ("group", "channel") else None
            )
            run(loop, env.process(update_for(env, uid, where, content)))
            COUNTS["updates fuzzed"] += 1
            calls = env.fake.calls[before_calls:]
            assert not env.errors, f"{role} {where}: {env.errors!r}"
            if where in ("group", "channel"):
                # Groups and channels: nobody is onboarded, nothing is kept (the crisis
                # card's count per region aside), and at most one line goes back.
                assert run(loop, dump(env, skip=("counters",))) == before
                chat = GROUP if where == "group" else CHANNEL
                assert len([c for c in calls if c.method == "sendMessage"]) <= 1
                assert all(
                    int(c.params.get("chat_id", chat)) == chat
                    for c in calls
                    if "chat_id" in c.params
                )
                return
            assert_one_answer_after_an_error(calls, uid)
            if where != "edited":  # an edit is answered only where it is passed on
                # A message held back by the relay's flood limit was answered when the
                # first was held ("nothing is lost"): once per wait, not once per message.
                assert answers_to(calls, uid) or run(loop, held_for(env, uid)) > held, (
                    f"{role} sent {where} {str(content)[:120]!r} and heard nothing"
                )

        one()
        # A stranger who wrote all that is still nobody to the database.
        assert run(loop, env.user_ids_in_tables(UIDS["stranger"])) == {}

    on_one_loop(tmp_path, body)


def test_forged_presses_change_nothing_and_replayed_ones_never_raise(tmp_path: Path) -> None:
    def body(loop: asyncio.AbstractEventLoop, cast: Cast) -> None:
        env = cast.env

        @PROOF
        @given(presses({role: list(pool) for role, pool in cast.pools.items()}))
        def one(example: tuple[str, str, str]) -> None:
            role, how, data = example
            client = cast.people[role]
            forged = how in ("random", "truncated", "copied", "prefix")
            before = run(loop, dump(env)) if forged else None
            before_calls = len(env.fake.calls)
            message = client.messages[-1] if client.messages else None
            if message is None:
                return
            run(loop, client.press(data, message))
            COUNTS["presses replayed" if how in ("replayed", "copied") else "presses forged"] += 1
            calls = env.fake.calls[before_calls:]
            assert not env.errors, f"{role} pressed {how} {data!r}: {env.errors!r}"
            assert [c for c in calls if c.method == "answerCallbackQuery"], (
                f"{role} pressed {how} {data!r}: the spinner was never stopped"
            )
            assert_one_answer_after_an_error(calls, client.user_id)
            # Random, truncated or junk data that happens to spell a real press of one's own
            # (say "home") is a real press; everything else forged must change nothing.
            if how == "copied" or (forged and not _unpacks(data)):
                assert run(loop, dump(env)) == before, f"{role} pressed {how} {data!r}"

        one()

    on_one_loop(tmp_path, body)
