"""Presses Telegram won't let the bot answer any more, through the real process.

Telegram refuses answerCallbackQuery for a press more than a few seconds old, which is every
press the bot reads after a restart or an outage. Here the emulator refuses every answer (the
window is 0 s): onboarding and the home's buttons must still do what they say, with no error
message, and presses made while the bot was down must be handled when it is back.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.botproc import BotProcess
from tests.e2e.journeys import AGREE, barrier


def test_presses_too_old_to_answer_still_do_what_they_say(
    make_bot: Callable[..., BotProcess],
) -> None:
    bot = make_bot()
    tg = bot.tg
    tg.query_answer_window = 0.0  # every answer comes too late
    tg.tolerated.append("query is too old")  # refused on purpose: not the bot's mistake
    bot.start()
    ria = tg.person(881_300_001, "Ria")
    ria.send("/start")
    ria.wait_for("Is that OK with you?")
    ria.click(AGREE)
    ria.wait_for("Which of these fits you best?")

    # Down for a while: Ria taps her answer meanwhile; the press is read after the restart.
    assert bot.stop() == 0
    ria.click("I live with BPD")
    bot.start()
    ria.wait_for("What would you like to be called here?")
    ria.send("Ria")
    ria.wait_for("You're all set, Ria.")
    ria.click("Things to read")
    ria.wait_for("Things to read")
    barrier(ria)
    assert ria.count("something went wrong") == 0
    assert "Traceback" not in bot.log()
