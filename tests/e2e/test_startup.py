"""The start-up path of the real process: the steps it logs, and what it asks Telegram."""

from __future__ import annotations

import subprocess

from bot.runtime import STARTUP_STEPS
from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator


def test_the_bot_logs_every_start_up_step_in_order(
    shared_bot: BotProcess, tg: BotAPIEmulator
) -> None:
    line = shared_bot.running_line()
    assert line["source"] == "long polling"
    assert tuple(line["steps"].split(", ")) == STARTUP_STEPS
    # What a polling bot asks Telegram before its first update: who it is, its default
    # command menu, no webhook, then updates (the order PTB and bot/runtime.py give). The
    # "running" line is logged as polling starts, so the first poll may still be on its way
    # (seen in the container, where everything is slower).
    tg.wait(lambda: tg.calls_to("getUpdates"), "the bot's first long poll")
    methods = [c.method for c in tg.calls]
    first = {m: methods.index(m) for m in ("getMe", "setMyCommands", "deleteWebhook", "getUpdates")}
    assert first["getMe"] < first["setMyCommands"] < first["getUpdates"]
    assert first["deleteWebhook"] < first["getUpdates"]
    default_menu = [
        c
        for c in tg.calls_to("setMyCommands")
        if c.params.get("scope", {"type": "default"})["type"] == "default"
    ]
    assert {"start", "help", "crisis", "resources"} <= {
        cmd["command"] for cmd in default_menu[0].params["commands"]
    }
    polls = tg.calls_to("getUpdates")
    assert all(c.content_type.startswith("application/x-www-form-urlencoded") for c in polls)
    assert int(polls[-1].params["timeout"]) > 0  # a long poll, not a busy loop
    # The token never reaches the log.
    assert tg.token not in shared_bot.log()


def test_a_second_copy_on_the_same_data_folder_refuses_to_start(
    shared_bot: BotProcess, tg: BotAPIEmulator
) -> None:
    bot = shared_bot
    second = subprocess.run(
        bot.command(),
        cwd=bot.root,
        env=bot.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 2
    assert "Another copy of the bot is already running" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout
    # The first copy never noticed.
    ivy = tg.person(883_000_001, "Ivy")
    ivy.send("/start")
    ivy.wait_for("Is that OK with you?")


def test_a_refused_token_stops_the_start_in_plain_words(make_bot) -> None:
    bot = make_bot()
    bot.env["TELEGRAM_BOT_TOKEN"] = "42:not-the-token-telegram-knows"
    bot.start(wait=False)
    assert bot.proc is not None
    status = bot.proc.wait(timeout=60)
    bot.close()
    assert status == 2
    log = bot.log()
    assert "refused the bot token" in log and "@BotFather" in log
    assert "Traceback" not in log and "not-the-token" not in log
