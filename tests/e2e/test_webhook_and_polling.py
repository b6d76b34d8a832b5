"""Both ways of receiving updates, as a service runs them: long polling, and a webhook that
Telegram calls with the secret token the bot registered."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.runtime import STARTUP_STEPS
from tests.e2e.botproc import BotProcess, free_port
from tests.e2e.emulator import Person, post_update
from tests.e2e.journeys import AGREE, barrier, tables_holding

SECRET = "e2e_Webhook-secret_0123456789"


def start(bot: BotProcess, mode: str, port: int | None = None) -> str | None:
    """Start BOT for polling, or for a webhook on PORT; the webhook's URL."""
    if mode in ("polling", "docker"):
        bot.start()
        return None
    port = port or free_port()
    bot.start("--webhook-url", f"http://127.0.0.1:{port}", "--listen", "127.0.0.1",
              "--port", str(port), "--webhook-path", "telegram-e2e")
    return f"http://127.0.0.1:{port}/telegram-e2e"


def forged_start(person: Person, update_id: int) -> dict[str, Any]:
    """An update that looks like Telegram's, made by someone who is not Telegram."""
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "from": person.user, "text": "/start",
        "chat": {"id": person.id, "type": "private", "first_name": person.user["first_name"]},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def test_webhook_answers_only_pushes_with_the_secret_token(make_bot) -> None:
    bot = make_bot(env={"TELEGRAM_WEBHOOK_SECRET": SECRET})
    tg = bot.tg
    url = start(bot, "webhook")
    line = bot.running_line()
    assert line["source"] == "webhook"
    assert tuple(line["steps"].split(", ")) == STARTUP_STEPS
    # The bot told Telegram where to push, and with which secret.
    registered = tg.calls_to("setWebhook")[-1].params
    assert (registered["url"], registered["secret_token"]) == (url, SECRET)
    assert tg.webhook is not None and tg.webhook["secret_token"] == SECRET
    assert SECRET not in bot.log()

    # Pushes without the header, or with a wrong one, are refused and change nothing.
    mallory = tg.person(882_000_001, "Mallory")
    calls = len(tg.calls)
    assert post_update(url, forged_start(mallory, tg.next_update_id()), None) == 403
    assert post_update(url, forged_start(mallory, tg.next_update_id()), "not-the-secret") == 403
    assert post_update(url, forged_start(mallory, tg.next_update_id()), SECRET[:-1]) == 403

    # Telegram's own pushes carry it, and are answered.
    ana = tg.person(882_000_002, "Ana")
    ana.send("/start")
    ana.wait_for("Is that OK with you?")
    ana.click(AGREE)
    ana.wait_for("Which of these fits you best?")
    barrier(ana)
    assert mallory.messages() == []
    assert not [c for c in tg.calls[calls:] if str(c.params.get("chat_id")) == str(mallory.id)]
    with bot.db() as db:
        assert tables_holding(db, mallory.id) == {}
    assert tg.webhook_pushes and all(status == 200 for _, status in tg.webhook_pushes)
    assert not tg.calls_to("getUpdates")  # a webhook bot never polls


@pytest.mark.parametrize("mode", ["polling", "webhook", "docker"])
def test_start_is_answered_from_a_fresh_folder_and_after_a_restart(make_bot, mode: str
                                                                    ) -> None:
    """docker: `python -m bot run` with BOT_SETTINGS and BOT_DATA_DIR, as the Dockerfile."""
    docker = mode == "docker"
    # BOT_DATA_DIR (the container's volume) wins over the settings file's data_dir.
    bot = make_bot(docker_style=docker, **({"data_dir": "./not-the-volume"} if docker else {}))
    tg = bot.tg
    assert not bot.data_dir.exists()
    port = free_port()
    while_down = tg.person(882_100_009, "Wren")
    for attempt in (1, 2):
        start(bot, mode, port)
        person = tg.person(882_100_000 + attempt, f"Person{attempt}")
        person.send("/start")
        person.wait_for("Is that OK with you?")
        if attempt == 2:  # written while the bot was down (a webhook push was refused then)
            while_down.wait_for("Is that OK with you?", since=0)
            barrier(while_down)
            assert while_down.count("Is that OK with you?") == 1
        assert bot.stop() == 0
        assert bot.database.exists()
        if attempt == 1:
            while_down.send("/start")
            if mode == "webhook":
                tg.wait(lambda: tg.webhook_pushes and tg.webhook_pushes[-1][1] != 200,
                        "a push to the stopped bot to fail")
    assert bot.log().count("The bot is running") == 2
    assert not (bot.root / "not-the-volume").exists()
    assert "Traceback" not in bot.log()
    if mode == "webhook":
        # A random secret for each start when none is set: each one registered, each used.
        secrets = [c.params["secret_token"] for c in tg.calls_to("setWebhook")]
        assert len(secrets) == 2 and secrets[0] != secrets[1]
