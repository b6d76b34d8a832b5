"""Both ways of receiving updates, as a service runs them: long polling, and a webhook that
Telegram calls with the secret token the bot registered. Each starts from a fresh data folder,
is stopped, has someone write while it is down, and starts again from the same folder."""

from __future__ import annotations

import time
from typing import Any

from bot.runtime import STARTUP_STEPS
from tests.e2e.botproc import BotProcess, free_port
from tests.e2e.emulator import BotAPIEmulator, Person, post_update
from tests.e2e.journeys import AGREE, barrier, tables_holding

SECRET = "e2e_Webhook-secret_0123456789"


def start_webhook(bot: BotProcess, port: int) -> str:
    """Start BOT as a webhook server on PORT (127.0.0.1); the URL Telegram should call."""
    bot.start(
        "--webhook-url",
        f"http://127.0.0.1:{port}",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--webhook-path",
        "telegram-e2e",
    )
    return f"http://127.0.0.1:{port}/telegram-e2e"


def forged_start(person: Person, update_id: int) -> dict[str, Any]:
    """An update that looks like Telegram's, made by someone who is not Telegram."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "from": person.user,
            "text": "/start",
            "chat": {"id": person.id, "type": "private", "first_name": person.user["first_name"]},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def answered_once(person: Person, text: str = "Is that OK with you?") -> None:
    """PERSON's message got its answer, exactly once."""
    person.wait_for(text, since=0)
    barrier(person)
    assert person.count(text) == 1, person.texts()


def refused(tg: BotAPIEmulator, url: str, secret: str | None, person: Person) -> None:
    """A push of a /start from PERSON with SECRET is refused (403) and leads to no call."""
    calls = len(tg.calls)
    assert post_update(url, forged_start(person, tg.next_update_id()), secret) == 403
    assert not [c for c in tg.calls[calls:] if str(c.params.get("chat_id")) == str(person.id)]


def test_webhook_from_a_fresh_folder_checks_the_secret_token_and_restarts(make_bot) -> None:
    bot = make_bot(env={"TELEGRAM_WEBHOOK_SECRET": SECRET})
    tg = bot.tg
    assert not bot.data_dir.exists()
    port = free_port()
    url = start_webhook(bot, port)
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
    for wrong in (None, "not-the-secret", SECRET[:-1], SECRET + "x"):
        refused(tg, url, wrong, mallory)
    # Telegram's own pushes carry it, and are answered.
    ana = tg.person(882_000_002, "Ana")
    ana.send("/start")
    ana.wait_for("Is that OK with you?")
    ana.click(AGREE)
    ana.wait_for("Which of these fits you best?")
    barrier(ana)
    assert mallory.messages() == []
    with bot.db() as db:
        assert tables_holding(db, mallory.id) == {}
    assert all(status == 200 for _, status in tg.webhook_pushes)
    assert not tg.calls_to("getUpdates")  # a webhook bot never polls

    assert bot.stop() == 0
    # Written while it is down: Telegram's push fails, and it tries again later.
    wren = tg.person(882_000_003, "Wren")
    wren.send("/start")
    tg.wait(
        lambda: tg.webhook_pushes and tg.webhook_pushes[-1][1] != 200,
        "a push to the stopped bot to fail",
    )
    # Started again without a fixed secret: a new random one is registered and required.
    del bot.env["TELEGRAM_WEBHOOK_SECRET"]
    start_webhook(bot, port)
    fresh = tg.calls_to("setWebhook")[-1].params["secret_token"]
    assert fresh and fresh != SECRET and fresh not in bot.log()
    answered_once(wren)
    ana.click("I live with BPD")  # her step goes on where it was
    ana.wait_for("What would you like to be called here?")
    refused(tg, url, SECRET, mallory)
    assert bot.stop() == 0
    assert bot.log().count("The bot is running (webhook)") == 2


def test_polling_from_a_fresh_folder_the_readme_way_then_the_dockerfile_way(make_bot) -> None:
    """`python -m bot run --settings FILE` (README), then `python -m bot run` with
    BOT_SETTINGS and BOT_DATA_DIR (Dockerfile), over the same data folder."""
    bot = make_bot()
    tg = bot.tg
    assert not bot.data_dir.exists()
    bot.start()
    assert bot.running_line()["source"] == "long polling"
    first = tg.person(882_100_001, "Fern")
    first.send("/start")
    first.wait_for("Is that OK with you?")
    first.click(AGREE)
    first.wait_for("Which of these fits you best?")
    assert bot.stop() == 0
    assert bot.database.exists()

    wren = tg.person(882_100_009, "Wren")
    wren.send("/start")  # while the bot is down
    bot.docker()
    # The volume (BOT_DATA_DIR) wins over the settings file's data_dir.
    bot.settings_path.write_text(
        bot.settings_path.read_text("utf-8").replace(str(bot.data_dir), "./not-the-volume"), "utf-8"
    )
    bot.start()
    answered_once(wren)
    first.click("I live with BPD")
    first.wait_for("What would you like to be called here?")
    assert bot.stop() == 0
    assert not (bot.root / "not-the-volume").exists()
    assert bot.log().count("The bot is running (long polling)") == 2
