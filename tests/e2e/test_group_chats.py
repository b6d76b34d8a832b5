"""The bot is for private chats. In a group it onboards nobody, shows nobody's data and
echoes no role help: a command gets one line and a button that opens the private chat,
/crisis gets the contacts, and anything else gets silence."""

from __future__ import annotations

from typing import Any

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import onboard, plain_of
from tests.long_day import long_day_with

ONE_LINE = "I only talk with people one to one"


def add_bot(tg: BotAPIEmulator, by: Person, chat: dict[str, Any]) -> None:
    """Someone adds the bot to CHAT: Telegram sends my_chat_member and a service message."""
    tg.enqueue(
        {
            "my_chat_member": {
                "chat": chat,
                "from": by.user,
                "date": 1_780_000_000,
                "old_chat_member": {"status": "left", "user": tg.bot_user},
                "new_chat_member": {"status": "member", "user": tg.bot_user},
            }
        }
    )
    tg.incoming(by.user, chat["id"], {"new_chat_members": [tg.bot_user]})


def test_in_groups_the_bot_points_to_the_private_chat(
    tg: BotAPIEmulator, shared_bot: BotProcess
) -> None:
    gwen = tg.person(880_500_001, "Gwen", username="gwen_private")  # never wrote privately
    hal = tg.person(880_500_002, "Hal", username="hal_private")
    onboard(hal, alias="Hal")  # has data the bot must not show in a group
    for chat in (
        tg.group(-1_001_880_500_000, "Carers chat"),
        tg.group(-880_500_001, "Family", kind="group"),
    ):
        start, private_before = tg.seq, (len(gwen.messages()), len(hal.messages()))
        add_bot(tg, gwen, chat)
        gwen.send(f"/start@{tg.username}", chat=chat)
        reply = gwen.wait_for(ONE_LINE, chat=chat)
        assert "\n" not in plain_of(reply)
        buttons = [b for row in reply["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["url"] for b in buttons] == [f"https://t.me/{tg.username}?start=group"]
        assert reply["reply_to_message"]["from"]["id"] == gwen.id

        for command in ("/mydata", "/help", "/match", f"/settings@{tg.username}", "/profile"):
            hal.send(command, chat=chat)
            answer = hal.wait_for(ONE_LINE, chat=chat)
            assert answer["reply_to_message"]["text"] == command
        gwen.send("/crisis", chat=chat)
        card = gwen.wait_for("If you need help now", chat=chat)
        assert "000" in plain_of(card)
        gwen.send("Hello everyone, see you on Thursday", chat=chat)
        gwen.send("That's OK with me", chat=chat)
        # Everything before this is handled once this one-liner comes back.
        gwen.send("/help", chat=chat)
        gwen.wait_for(
            lambda m: (
                m["reply_to_message"]["text"] == "/help"
                and m["reply_to_message"]["from"]["id"] == gwen.id
            ),
            chat=chat,
        )

        answers = [plain_of(m) for m in gwen.since(start, chat=chat)]
        assert sum(ONE_LINE in a for a in answers) == 7, answers  # one per command
        assert sum("If you need help now" in a for a in answers) == 1, answers
        assert len(answers) == 8, answers  # silence for the rest
        assert all("document" not in m for m in gwen.messages(chat=chat))
        # Nothing went to anyone's private chat, and Gwen was not set up.
        assert (len(gwen.messages()), len(hal.messages())) == private_before
    with shared_bot.db() as db:
        assert (
            db.execute("SELECT COUNT(*) FROM users WHERE user_id = ?", (gwen.id,)).fetchone()[0]
            == 0
        )
    scoped = [
        c
        for c in tg.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("chat_id") in (gwen.id, -880_500_001)
    ]
    assert scoped == []


def test_risk_said_once_in_a_long_group_message_brings_the_card(
    tg: BotAPIEmulator, shared_bot: BotProcess
) -> None:
    """A long message is read in parts, on a worker thread: in a group too, one line of
    risk in it brings the contacts, and nothing goes to the private chat."""
    ida = tg.person(880_500_003, "Ida")
    chat = tg.group(-1_001_880_500_003, "Walking group")
    add_bot(tg, ida, chat)
    text = long_day_with("I don't want to be alive anymore")
    assert len(text) > 1_000
    start = tg.seq
    ida.send(text, chat=chat)
    card = ida.wait_for("If you need help now", chat=chat)
    assert "000" in plain_of(card)
    assert ida.messages() == []
    assert sum("If you need help now" in plain_of(m) for m in ida.since(start, chat=chat)) == 1
