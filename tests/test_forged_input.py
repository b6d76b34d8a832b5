"""Forged and out-of-range input never raises: every number decoded from button data,
sealed ids and typed text is range-checked where it is decoded, and a bad one gets the
polite stale-button answer and changes nothing."""

from __future__ import annotations

import base64
import importlib
import pkgutil
import typing
from typing import Any

import pytest

import flows
from bot.callbacks import CallbackCodec, registered_prefixes
from tests.harness import BotEnv, join_staff, onboard

# Actions that take no number: pressing them with junk after them is still pressing them
# (strict per-action arity comes with the typed callbacks).
NO_NUMBER = {"chk:now", "match:wait", "match:prefs", "mq:any"}
HUGE = [
    "99999999999999999999999",
    "-99999999999999999999",
    "18446744073709551615",
    "9223372036854775808",
    "9007199254740993",
    "0:99999999999999999999999",
]


def all_codecs() -> list[CallbackCodec]:
    codecs = []
    for info in pkgutil.walk_packages(flows.__path__, "flows."):
        module = importlib.import_module(info.name)
        codecs.extend(v for v in vars(module).values() if isinstance(v, CallbackCodec))
    return codecs


def typed_with_numbers() -> list[type[Any]]:
    """Typed button classes (bot/callbacks.py) with a number in them: pressing one with a
    huge number is the typed form of the codecs' forged data."""
    all_codecs()  # imports every flow, so every typed button is registered
    return [
        cls
        for prefix, cls in sorted(registered_prefixes().items())
        if not prefix.startswith("t.") and any(kind is int for _, kind in cls.__callback_fields__)
    ]


def forged_typed(cls: type[Any], huge: str) -> str:
    """CLS's data with HUGE in every number field and harmless values elsewhere."""
    parts = [cls.__callback_prefix__]
    for _, kind in cls.__callback_fields__:
        args = typing.get_args(kind)
        parts.append(huge if kind is int else "1" if kind is bool else args[0] if args else "x")
    return ":".join(parts)


async def snapshot(env: BotEnv) -> dict[str, list[tuple[Any, ...]]]:
    tables = [t for t in await env.storage.table_names() if t != "counters"]
    return {t: sorted(map(tuple, await env.storage.fetchall(f"SELECT * FROM {t}"))) for t in tables}


def forged_token(env: BotEnv) -> str:
    """A well-formed sealed-id token that the old code opened to a number beyond SQLite's
    integers (an OverflowError in the handler)."""
    for n in range(1000):
        token = base64.urlsafe_b64encode(n.to_bytes(8, "big")).rstrip(b"=").decode()
        try:
            env.cipher.open_id(token)
        except ValueError:
            return token
    raise AssertionError("no forged token found")


def test_codecs_are_found() -> None:
    assert len(all_codecs()) + len(typed_with_numbers()) >= 15


async def test_a_sealed_id_beyond_sqlite_integers_is_a_stale_button(env: BotEnv) -> None:
    sam = env.client(701, "Sam")
    await onboard(sam)
    token = forged_token(env)
    before = await snapshot(env)
    await sam.press(f"match:pick:{token}")
    assert env.errors == []
    answers = env.fake.calls_to("answerCallbackQuery")
    assert answers and "closed" in answers[-1].params.get("text", "")
    assert await snapshot(env) == before


@pytest.mark.parametrize("role", ["consumer", "consumer_peer", "coordinator"])
async def test_every_action_with_huge_numbers_changes_nothing(env: BotEnv, role: str) -> None:
    person = env.client(702, "Sam") if role != "coordinator" else env.client(900, "Cora")
    if role == "consumer":
        await onboard(person)
    elif role == "coordinator":
        await person.send("/start")
        await person.click("That's OK with me")
        await person.click("Skip")
    else:
        await join_staff(person, role)
    before = await snapshot(env)
    pressed = 0
    for codec in all_codecs():
        for action in sorted(codec.actions):
            if f"{codec.prefix}:{action}" in NO_NUMBER:
                continue
            for arg in HUGE:
                await person.press(f"{codec.prefix}:{action}:{arg}")
                pressed += 1
    for cls in typed_with_numbers():
        for arg in HUGE:
            await person.press(forged_typed(cls, arg))
            pressed += 1
    # Every kind of button that carries a number, six forgeries each (50 kinds when the last
    # old codec went); the floor only checks they were all found.
    assert pressed >= len(HUGE) * 40
    assert env.errors == [], env.errors[:3]
    assert await snapshot(env) == before
    assert not any("went wrong" in t for t in person.texts())


async def test_typed_numbers_in_other_scripts_are_refused_politely() -> None:
    from bot.domain.groups import parse_capacity

    for text in ("²", "٣٣", "99999999999999999999", "-3", "0"):
        with pytest.raises(ValueError, match="between 1 and 500"):
            parse_capacity(text)
    assert parse_capacity(" 12 ") == 12
