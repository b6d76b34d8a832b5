"""Logs never carry message text, names, or secrets: checked across real flows."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactSecrets, quiet_libraries
from tests.harness import TOKEN, BotEnv
from tests.test_relay_flow import matched, peer_worker, person

SECRET_WORDS = ("Zanzibarian", "Quetzalcoatl", "Marmaduke", "Surname", "handle_")


async def test_a_busy_session_logs_no_text_or_names(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_libraries()  # what `python -m bot run --log-level DEBUG` does
    caplog.set_level(logging.DEBUG)
    ally = await person(env, 1001, "Marmaduke")
    sam = await peer_worker(env, 2001, "Quetzalcoatl")
    await matched(env, ally, sam)
    await ally.send("the Zanzibarian café was nice today")
    await ally.send("Zanzibarian thoughts: I want to die tonight")  # crisis card + relay
    await sam.send("Zanzibarian reply, glad you told me")
    await ally.send("/settings")
    await ally.click("My name")
    await ally.send("Zanzibarian")
    await ally.send("/delete")
    await ally.click("Yes, erase everything")
    await sam.send("anyone there? Zanzibarian")
    logged = "\n".join(
        record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        for record in caplog.records
    )
    assert caplog.records, "expected the bot to log something"
    for word in (*SECRET_WORDS, "1001", "2001"):
        assert word not in logged, f"{word!r} reached the logs"


def test_the_token_is_redacted_from_any_log_line() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getUpdates",
        (TOKEN,),
        None,
    )
    assert RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "[redacted]" in record.getMessage()
