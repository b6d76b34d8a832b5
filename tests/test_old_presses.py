"""Presses Telegram will not let the bot answer any more: handled all the same.

Telegram refuses answerCallbackQuery for a press more than a few seconds old ("query is too
old and response timeout expired or query id is invalid"), which is every press the bot reads
from its inbox after a restart or an outage. The answer only stops the button's spinner, so
the press must still do what it says, with no error message to the person.
"""

from __future__ import annotations

from typing import Any

from tests.harness import AGREE, BotEnv, onboard

TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"


def refuse_answers(env: BotEnv) -> list[str]:
    """Every answerCallbackQuery is refused as too old; the refusals are counted."""
    refused: list[str] = []

    def interceptor(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method != "answerCallbackQuery":
            return None
        refused.append(str(params.get("callback_query_id")))
        return 400, {"ok": False, "error_code": 400, "description": TOO_OLD}

    env.fake.interceptor = interceptor
    return refused


async def test_an_old_press_in_onboarding_still_moves_the_person_on(env: BotEnv) -> None:
    sam = env.client(880001, "Sam")
    await sam.send("/start")
    refused = refuse_answers(env)
    mark = sam.mark()
    await sam.click(AGREE)
    assert refused, "the press was answered"
    shown = " ".join(sam.texts_since(mark)) or sam.last_text()
    assert "something went wrong" not in shown
    assert "something went wrong" not in sam.last_text()
    assert AGREE not in [b["text"] for b in sam.last().buttons()]  # the next step is showing
    assert not env.errors


async def test_old_presses_on_the_home_menu_still_open_what_they_say(env: BotEnv) -> None:
    kit = env.client(880002, "Kit")
    await onboard(kit, "consumer", alias="Kit")
    refuse_answers(env)
    await kit.send("/start")
    before = kit.last_text()
    await kit.click(kit.last().buttons()[0]["text"])
    assert kit.last_text() != before
    assert "something went wrong" not in kit.last_text()
    assert not env.errors
