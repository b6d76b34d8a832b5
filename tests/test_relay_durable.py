"""The relay's sends that matter, through the outbox: kept until Telegram has them, never
doubled, the sender told the truth when something can't arrive, "database is locked" never
losing a message; a peer worker's message that reads as risk asked about first; edits that
correct the copy; the cap on held messages; labels; and /mydata naming nobody by their id."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.harness import BotEnv, Client
from tests.test_relay_flow import (
    CARD_TITLE,
    EVENINGS,
    MONDAY_0930_UTC,
    TUESDAY_OPEN_UTC,
    copies_to,
    matched,
    peer_worker,
    person,
)

STAFF_CARD = "You can ask a coordinator for supervision"


def fail_sends(
    env: BotEnv,
    times: int,
    *,
    to: int | None = None,
    status: int = 502,
    description: str = "Bad Gateway",
    methods: tuple[str, ...] = ("sendMessage", "copyMessage"),
) -> list[int]:
    """The next TIMES sends (to chat TO, if given) fail as Telegram would; a counter."""
    count = [0]

    def interceptor(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method not in methods or count[0] >= times:
            return None
        if to is not None and int(params.get("chat_id", 0)) != to:
            return None
        count[0] += 1
        return status, {"ok": False, "error_code": status, "description": description}

    env.fake.interceptor = interceptor
    return count


@contextmanager
def database_locked(env: BotEnv) -> Iterator[None]:
    """Every write fails as SQLite does when another process holds the lock too long."""
    storage = env.storage

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database is locked")

    saved = storage.execute, storage.transaction
    storage.execute, storage.transaction = locked, locked  # type: ignore[method-assign]
    try:
        yield
    finally:
        storage.execute, storage.transaction = saved  # type: ignore[method-assign]


async def replay(env: BotEnv, client: Client, message_id: int) -> None:
    """Handle the update carrying CLIENT's message MESSAGE_ID again, as after a crash
    between handling it and marking it done."""
    message = env.fake.incoming[(client.user_id, message_id)]
    await env.process({"update_id": env.fake.next_id(), "message": message})


def texts(env: BotEnv, chat: int) -> list[str]:
    return [m.plain for m in env.fake.messages(chat)]


# -- kept until Telegram has it ------------------------------------------------------------


async def test_a_message_telegram_cannot_take_now_arrives_once_moments_later(env: BotEnv) -> None:
    robin = await person(env, 5560001, "Robin")
    jo = await peer_worker(env, 5560101, "Jo")
    await matched(env, robin, jo)
    fail_sends(env, 2, to=jo.user_id)  # the label and the copy
    mark = robin.mark()
    await robin.send("Are you there?")
    assert [m for m in jo.messages if m.method == "copyMessage"] == []
    env.clock.advance(seconds=3)
    await env.run_job("tick:outbox")
    assert jo.texts()[-2:] == ["Robin", "Are you there?"]
    await env.run_job("tick:outbox")
    await env.run_job("tick:relay")  # notes the copy, so a reply to it finds Robin
    assert len([m for m in jo.messages if m.method == "copyMessage"]) == 1
    assert robin.mark() == mark  # nothing to tell: it arrived
    copy = jo.messages[-1]
    await jo.send("I'm here.", reply_to=copy.message_id)
    assert robin.last_text() == "I'm here."


async def test_a_peer_workers_message_is_kept_not_lost(env: BotEnv) -> None:
    robin = await person(env, 5560002, "Robin")
    jo = await peer_worker(env, 5560102, "Jo")
    await matched(env, robin, jo)
    fail_sends(env, 2, to=robin.user_id)
    mark = jo.mark()
    await jo.send("Thinking of you today.")
    assert not any("couldn't reach" in t for t in jo.texts_since(mark))
    env.clock.advance(seconds=3)
    await env.run_job("tick:outbox")
    assert robin.texts()[-2:] == ["Jo", "Thinking of you today."]


async def test_the_same_message_handled_twice_is_relayed_once(env: BotEnv) -> None:
    robin = await person(env, 5560003, "Robin")
    jo = await peer_worker(env, 5560103, "Jo")
    await matched(env, robin, jo)
    sent = await robin.send("only once please")
    await replay(env, robin, sent)
    assert [m.plain for m in jo.messages if m.method == "copyMessage"] == ["only once please"]
    answer = await jo.send("and once back")
    await replay(env, jo, answer)
    assert [m.plain for m in robin.messages if m.method == "copyMessage"] == ["and once back"]


async def test_a_blocked_recipient_means_the_sender_is_told_the_truth(env: BotEnv) -> None:
    robin = await person(env, 5560004, "Robin")
    jo = await peer_worker(env, 5560104, "Jo")
    await matched(env, robin, jo)
    env.fake.blocked.add(robin.user_id)
    await jo.send("See you Thursday?")
    assert "Your message couldn't reach Robin" in jo.last_text()
    env.fake.blocked.clear()
    env.fake.blocked.add(jo.user_id)
    await robin.send("Yes please")
    assert "Your message couldn't reach Jo" in robin.last_text()


@pytest.mark.sqlite_only  # SQLite's lock
async def test_database_is_locked_does_not_lose_a_relayed_message(env: BotEnv) -> None:
    robin = await person(env, 5560005, "Robin")
    jo = await peer_worker(env, 5560105, "Jo")
    await matched(env, robin, jo)
    mark = robin.mark()
    with database_locked(env):
        await robin.send("please get this")
        await jo.send("got it")
    assert jo.texts()[-2:] == ["Robin", "please get this"]
    assert robin.texts_since(mark)[-2:] == ["Jo", "got it"]
    assert not any("went wrong" in t for t in robin.texts() + jo.texts())


@pytest.mark.sqlite_only  # SQLite's lock
async def test_database_is_locked_outside_hours_says_so_instead_of_dropping_it(env: BotEnv) -> None:
    robin = await person(env, 5560006, "Robin")
    jo = await peer_worker(env, 5560106, "Jo", hours=EVENINGS)
    await matched(env, robin, jo)
    env.clock.set(MONDAY_0930_UTC)
    mark = jo.mark()
    with database_locked(env):
        await robin.send("for tomorrow")
    assert "couldn't be saved just now" in robin.last_text()
    assert "send it again" in robin.last_text()
    assert jo.mark() == mark  # never sent outside their hours


# -- a peer worker's message that reads as risk --------------------------------------------


async def test_a_peer_workers_risky_message_asks_first_with_the_staff_card(env: BotEnv) -> None:
    robin = await person(env, 5560010, "Robin")
    jo = await peer_worker(env, 5560110, "Jo")
    await matched(env, robin, jo)
    risky = "I know you said you want to die. I am here."
    mark, robin_mark = jo.mark(), robin.mark()
    await jo.send(risky)
    shown = jo.texts_since(mark)
    assert CARD_TITLE in shown[0] and STAFF_CARD in shown[0]  # the staff version
    assert shown[-1].startswith("This may be hard for Robin to read.")
    assert [b["text"] for b in jo.last().buttons()] == ["Send it", "Change it"]
    assert robin.mark() == robin_mark  # not relayed blindly
    await jo.click("Change it")
    assert "it wasn't sent" in jo.last_text()
    assert robin.mark() == robin_mark
    await jo.send(risky)
    await jo.click("Send it")
    assert robin.texts()[-1] == risky
    assert "Sent to Robin." in jo.last_text()


async def test_a_peer_workers_empathy_goes_straight_through(env: BotEnv) -> None:
    """Until 2026-12-07, "I know exactly how you feel" read as a plan ("i know exactly how
    and when"): the peer worker got the card and was asked whether to send it."""
    robin = await person(env, 5560014, "Robin")
    jo = await peer_worker(env, 5560114, "Jo")
    await matched(env, robin, jo)
    for kind in ("I know exactly how you feel", "It's okay to not be okay x"):
        mark = jo.mark()
        await jo.send(kind)
        assert robin.texts()[-1] == kind
        assert not any(CARD_TITLE in t for t in jo.texts_since(mark))


async def test_a_risky_message_from_a_peer_with_several_people_asks_then_who(env: BotEnv) -> None:
    jo = await peer_worker(env, 5560111, "Jo")
    ana = await person(env, 5560011, "Ana")
    ben = await person(env, 5560012, "Ben")
    await matched(env, ana, jo)
    await matched(env, ben, jo)
    await jo.send("I know you said you want to die. I am here.")
    assert "This may be hard to read for the person it's for" in jo.last_text()
    await jo.click("Send it")
    assert "Who is this message for?" in jo.last_text()
    mark = ben.mark()
    await jo.click("Write to Ana")
    assert ana.texts()[-1] == "I know you said you want to die. I am here."
    assert ben.mark() == mark


async def test_a_persons_risky_message_is_never_held_back(env: BotEnv) -> None:
    robin = await person(env, 5560013, "Robin")
    jo = await peer_worker(env, 5560113, "Jo")
    await matched(env, robin, jo)
    await robin.send("I want to kill myself")
    assert jo.texts()[-1] == "I want to kill myself"
    assert not any("may be hard" in t for t in robin.texts())


# -- edits ---------------------------------------------------------------------------------


async def edit(env: BotEnv, client: Client, message_id: int, **changes: Any) -> None:
    """CLIENT edits their message MESSAGE_ID."""
    edited = {
        **env.fake.incoming[(client.user_id, message_id)],
        **changes,
        "edit_date": int(env.clock.now().timestamp()),
    }
    env.fake.incoming[(client.user_id, message_id)] = edited
    await env.process({"update_id": env.fake.next_id(), "edited_message": edited})


async def test_an_edit_corrects_the_copy_in_place(env: BotEnv) -> None:
    robin = await person(env, 5560020, "Robin")
    jo = await peer_worker(env, 5560120, "Jo")
    await matched(env, robin, jo)
    sent = await robin.send("see you tomorow")
    photo = await robin.send_photo("my dgo")
    jo_mark, robin_mark = jo.mark(), robin.mark()
    await edit(env, robin, sent, text="see you tomorrow")
    await edit(env, robin, photo, caption="my dog")
    assert jo.mark() == jo_mark  # nothing new: the copies changed
    assert [m.plain for m in jo.messages if m.method == "copyMessage"] == [
        "see you tomorrow",
        "my dog",
    ]
    assert robin.mark() == robin_mark
    answer = await jo.send("Sounds good")
    await edit(env, jo, answer, text="Sounds good, Robin")
    assert robin.texts()[-1] == "Sounds good, Robin"


async def test_an_edit_telegram_wont_apply_becomes_a_line_replying_to_the_copy(env: BotEnv) -> None:
    robin = await person(env, 5560021, "Robin")
    jo = await peer_worker(env, 5560121, "Jo")
    await matched(env, robin, jo)
    sent = await robin.send("see you tomorow")
    copy = jo.messages[-1]
    fail_sends(
        env,
        1,
        status=400,
        description="Bad Request: message can't be edited",
        methods=("editMessageText",),
    )
    await edit(env, robin, sent, text="see you tomorrow")
    line = jo.last()
    assert line.plain == "Robin edited this message. It now reads:\nsee you tomorrow"
    assert line.params["reply_parameters"]["message_id"] == copy.message_id


async def test_an_edit_to_a_message_still_waiting_is_carried_by_its_copy(env: BotEnv) -> None:
    robin = await person(env, 5560022, "Robin")
    jo = await peer_worker(env, 5560122, "Jo", hours=EVENINGS)
    await matched(env, robin, jo)
    env.clock.set(MONDAY_0930_UTC)
    sent = await robin.send("call me tomorow?")
    mark = robin.mark()
    await edit(env, robin, sent, text="call me tomorrow?")
    assert robin.mark() == mark and copies_to(env, jo.user_id) == []
    env.clock.set(TUESDAY_OPEN_UTC)
    await env.run_job("tick:relay")
    assert jo.texts()[-1] == "call me tomorrow?"


# -- fair and bounded ------------------------------------------------------------------------


async def test_held_messages_have_a_cap_and_the_sender_is_told_kindly(tmp_path: Path) -> None:
    env = await BotEnv.create(tmp_path, relay_held_cap=3, coordinators=(900,))
    try:
        robin = await person(env, 5560030, "Robin")
        jo = await peer_worker(env, 5560130, "Jo", hours=EVENINGS)
        await matched(env, robin, jo)
        env.clock.set(MONDAY_0930_UTC)
        for n in range(3):
            await robin.send(f"night {n}")
        assert "isn't available just now" in robin.texts()[-1]
        await robin.send("night 3")
        assert "3 of your messages are already waiting for Jo" in robin.last_text()
        assert "wasn't saved" in robin.last_text()
        assert [b["callback_data"] for b in robin.last().buttons()] == ["res:home"]
        await robin.send("night 4")
        assert robin.last_text().startswith("This message wasn't saved either")
        env.clock.set(TUESDAY_OPEN_UTC)
        await env.run_job("tick:relay")
        assert [m.plain for m in jo.messages if m.method == "copyMessage"] == [
            "night 0",
            "night 1",
            "night 2",
        ]
        # A new wait starts afresh: told at length again once the cap is reached again.
        env.clock.set(MONDAY_0930_UTC + timedelta(days=1))
        for n in range(4):
            await robin.send(f"next night {n}")
        assert "3 of your messages are already waiting" in robin.last_text()
    finally:
        await env.stop()
    env.assert_clean()


async def test_every_copy_a_peer_worker_gets_is_under_its_senders_name(env: BotEnv) -> None:
    jo = await peer_worker(env, 5560131, "Jo")
    ana = await person(env, 5560031, "Ana")
    ben = await person(env, 5560032, "Ben")
    await matched(env, ana, jo)
    await matched(env, ben, jo)
    for who, words in ((ana, "a1"), (ana, "a2"), (ben, "b1"), (ana, "a3"), (ben, "b2")):
        await who.send(words)
    current = None
    seen = []
    for message in jo.messages:
        if message.method == "sendMessage" and message.plain in ("Ana", "Ben"):
            current = message.plain
        elif message.method == "copyMessage":
            seen.append((current, message.plain))
    assert seen == [("Ana", "a1"), ("Ana", "a2"), ("Ben", "b1"), ("Ana", "a3"), ("Ben", "b2")]


# -- notes ---------------------------------------------------------------------------------


async def test_a_note_whose_copy_fails_is_stored_once_and_sent_later(env: BotEnv) -> None:
    robin = await person(env, 5560040, "Robin")
    jo = await peer_worker(env, 5560140, "Jo")
    await matched(env, robin, jo)
    await jo.send("/note")
    writing = await env.storage.get_session(jo.user_id)
    assert writing is not None
    fail_sends(env, 1, to=robin.user_id)
    sent = await jo.send("Robin tried the breathing exercise.")
    assert "will get their copy in a moment" in jo.last_text()
    # The bot stopped before it noted the note was done: the same message comes again.
    await env.storage.save_session(jo.user_id, writing.step, writing.draft, env.clock.now())
    await replay(env, jo, sent)
    assert len(await env.storage.notes_about(robin.user_id)) == 1
    env.clock.advance(seconds=6)
    await env.run_job("tick:outbox")
    await env.run_job("tick:outbox")
    copies = [t for t in robin.texts() if "Robin tried the breathing exercise." in t]
    assert len(copies) == 1


async def test_a_note_that_can_never_reach_the_person_is_saved_and_the_writer_told(
    env: BotEnv,
) -> None:
    robin = await person(env, 5560041, "Robin")
    jo = await peer_worker(env, 5560141, "Jo")
    await matched(env, robin, jo)
    await jo.send("/note")
    env.fake.blocked.add(robin.user_id)
    await jo.send("Robin talked about the new course.")
    assert "We couldn't send Robin a copy" in jo.last_text()
    assert len(await env.storage.notes_about(robin.user_id)) == 1


# -- nobody sees another person's ids --------------------------------------------------------


async def test_mydata_names_the_other_side_by_their_chosen_name_only(env: BotEnv) -> None:
    robin = await person(env, 5560050, "Robin")
    jo = await peer_worker(env, 5560150, "Jo", hours=EVENINGS)
    await matched(env, robin, jo)
    await jo.send("/note")
    await jo.send("Robin talked about the new course.")
    env.clock.set(MONDAY_0930_UTC)
    await robin.send("held for tomorrow")
    await robin.send("/mydata")
    _name, payload, _mime = next(iter(robin.last().files.values()))
    exported = json.loads(payload)
    assert str(jo.user_id) not in payload.decode()
    assert exported["messages_waiting"][0]["to"] == "Jo"
    assert "notes" in exported and "relay_queue" in exported
    await jo.send("/mydata")
    _name, payload, _mime = next(iter(jo.last().files.values()))
    assert str(robin.user_id) not in payload.decode()


@pytest.mark.parametrize(
    "data",
    [
        "rl.to:{match}:1",
        "rl.risky:{match}:1",
        "end.skip:{match}",
        "end.yes:{match}",
        "dep.pick:{match}:pause",
    ],
)
async def test_a_refused_press_looks_the_same_as_a_missing_one(env: BotEnv, data: str) -> None:
    robin = await person(env, 5560060, "Robin")
    jo = await peer_worker(env, 5560160, "Jo")
    pat = await peer_worker(env, 5560161, "Pat")
    match = await matched(env, robin, jo)
    answers = []
    for match_id in (match.id, 99999):
        calls = len(env.fake.calls)
        await pat.press(data.format(match=match_id))
        answers.append(
            [
                (c.method, c.params.get("text"), c.params.get("show_alert"))
                for c in env.fake.calls[calls:]
            ]
        )
    assert answers[0] == answers[1]
    assert (await env.storage.get_match(match.id)).status == "active"  # type: ignore[union-attr]
