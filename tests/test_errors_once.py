"""One answer per update, always: after a handler's error the person hears "something went
wrong" once, and neither the last-resort reply nor the stale-button answer adds another."""

from __future__ import annotations

import pytest

import bot.menus
from bot.callbacks import pack
from bot.links import OpenHome
from bot.services import people
from tests.harness import BotEnv
from tests.home_support import person

SORRY = "Sorry, something went wrong on our side."


async def test_a_message_whose_handler_fails_gets_one_answer(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await person(env, 5001, "Ann")
    await ann.send("/settings")
    await ann.click("My name")

    async def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(people, "name_yourself", broken)
    mark = ann.mark()
    await ann.send("Annie")
    assert [t[: len(SORRY)] for t in ann.texts_since(mark)] == [SORRY]
    assert len(env.errors) == 1
    env.errors.clear()  # the failure was the point


async def test_a_button_whose_handler_fails_gets_one_answer(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = await person(env, 5002, "Ben")

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(bot.menus, "standing", broken)
    mark, answers = ben.mark(), len(env.fake.calls_to("answerCallbackQuery"))
    await ben.press(pack(OpenHome()))
    assert [t[: len(SORRY)] for t in ben.texts_since(mark)] == [SORRY]
    # The press is answered (no spinner left), but not with "That menu has closed" too.
    later = env.fake.calls_to("answerCallbackQuery")[answers:]
    assert len(later) == 1 and not later[0].params.get("text")
    assert len(env.errors) == 1
    env.errors.clear()
