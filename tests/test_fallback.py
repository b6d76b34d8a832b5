"""The last-resort reply: a message nobody expected gets an answer that fits where its writer
stands, one answer per update, never after the crisis card, never to an edit."""

from __future__ import annotations

import pytest

from bot.services import matches
from bot.services.events import Collector
from tests.harness import AGREE, BotEnv, Client, join_staff, onboard_coordinator
from tests.home_support import buttons, matched, peer, person, request

CARD_TITLE = "If you need help now"
NOT_SURE = "I'm not sure what you meant there."


async def say(client: Client, text: str) -> list[str]:
    """Send TEXT; the texts of every message it brought back."""
    mark = client.mark()
    await client.send(text)
    return client.texts_since(mark)


# -- before someone is set up ---------------------------------------------------------------


async def test_someone_new_hears_what_this_is_and_how_to_begin(env: BotEnv) -> None:
    new = env.client(4001, "Nia")
    [reply] = await say(new, "hello")
    assert "peer support bot" in reply and "tap Start or send /start" in reply
    assert buttons(new) == ["Start"]
    assert await env.storage.get_user(4001) is None  # still nothing stored


async def test_after_a_no_they_hear_how_to_start_again(env: BotEnv) -> None:
    ola = env.client(4002, "Ola")
    await ola.send("/start")
    await ola.click("No thanks")
    [reply] = await say(ola, "what is this?")
    assert "You said no thanks when we asked before" in reply
    assert "tap Start again or send /start" in reply
    await ola.click("Start again")
    assert "Is that OK with you?" in ola.last_text()


async def test_half_set_up_they_can_carry_on(env: BotEnv) -> None:
    pip = env.client(4003, "Pip")
    await pip.send("/start")
    await pip.click(AGREE)
    await pip.send("/cancel")
    [reply] = await say(pip, "hi")
    assert "We haven't finished setting you up" in reply
    await pip.click("Carry on setting up")
    assert "Which of these fits you best?" in pip.last_text()


# -- a person, wherever they stand ----------------------------------------------------------


async def test_no_peer_worker_yet(env: BotEnv) -> None:
    ann = await person(env, 4101, "Ann")
    [reply] = await say(ann, "hello?")
    assert reply.startswith(NOT_SURE)
    assert "You don't have a peer worker yet, so nobody else reads messages here" in reply
    assert buttons(ann) == ["Find a peer worker", "‹ Menu"]


async def test_a_request_waiting_for_an_answer(env: BotEnv) -> None:
    kim = await peer(env, 4011, "Kim")
    ben = await person(env, 4102, "Ben")
    await request(env, ben, kim)
    [reply] = await say(ben, "hello?")
    assert (
        "You've asked Kim to be your peer worker. They have until Wed 4 Mar, 20:00 "
        "to answer" in reply
    )
    assert buttons(ben)[0] == "My request"
    await ben.click("My request")
    assert "Withdraw my request" in buttons(ben)


async def test_on_the_waitlist(env: BotEnv) -> None:
    first = await person(env, 4103, "Cy")
    second = await person(env, 4104, "Di")
    await env.storage.join_waitlist(first.user_id, env.clock.now())
    env.clock.advance(minutes=1)
    await env.storage.join_waitlist(second.user_id, env.clock.now())
    [reply] = await say(second, "any news?")
    assert "You're number 2 on the waitlist" in reply


async def test_a_match_that_ended(env: BotEnv) -> None:
    jo = await peer(env, 4012, "Jo")
    eli = await person(env, 4105, "Eli")
    match = await matched(env, eli, jo)
    await matches.end_match(
        env.storage, Collector(), match.id, by="peer", why="peer", now=env.clock.now()
    )
    [reply] = await say(eli, "Jo?")
    assert "Jo is no longer connected with you through the bot" in reply
    assert "You can choose someone new" in reply
    assert buttons(eli)[0] == "Find a peer worker"


@pytest.mark.parametrize("role", ["consumer", "carer"])
async def test_a_hard_time_gets_a_kind_word_and_the_options(env: BotEnv, role: str) -> None:
    fay = await person(env, 4106, "Fay", role=role)
    [reply] = await say(fay, "I've had a really hard day and I feel so alone")
    assert CARD_TITLE not in reply  # not risk: no crisis card
    assert reply.startswith("That sounds really hard. Thank you for telling me.")
    assert NOT_SURE not in reply
    assert buttons(fay) == ["Find a peer worker", "Things to read", "Numbers you can call"]
    await fay.click("Numbers you can call")
    # The card /crisis shows them: a carer's is the one about someone they support.
    assert (
        "If someone you support is in danger" if role == "carer" else CARD_TITLE
    ) in fay.last_text()
    await fay.click("Things to read")
    assert "Things to read" in fay.last_text()


async def test_help_typed_as_a_word_gets_the_numbers_first(env: BotEnv) -> None:
    gus = await person(env, 4107, "Gus")
    [reply] = await say(gus, "help")
    assert reply.startswith("I'm here, and there is help.") and NOT_SURE not in reply
    assert buttons(gus) == ["Find a peer worker", "Things to read", "Numbers you can call"]
    await gus.click("Numbers you can call")
    assert CARD_TITLE in gus.last_text()


async def test_risk_gets_the_card_and_nothing_else(env: BotEnv) -> None:
    gus = await person(env, 4107, "Gus")
    texts = await say(gus, "I want to kill myself")
    assert len(texts) == 1 and CARD_TITLE in texts[0]


async def test_a_sticker_or_photo_at_a_typed_step_asks_the_question_again(env: BotEnv) -> None:
    hal = env.client(4108, "Hal")
    await hal.send("/start")
    await hal.click(AGREE)
    mark = hal.mark()
    await hal.send_sticker()  # where a button answers: the question again, with its buttons
    assert hal.texts_since(mark) == ["Which of these fits you best?"]
    await hal.click("I live with BPD")
    mark = hal.mark()
    await hal.send_photo()  # where a name is typed: say so, and ask again (with Skip)
    assert hal.texts_since(mark)[0] == "I can only read typed words for this one."
    assert "What would you like to be called here?" in hal.texts_since(mark)[1]
    assert buttons(hal) == ["Skip"]
    # With nothing open, a sticker gets the reply that fits where they stand.
    await hal.click("Skip")
    mark = hal.mark()
    await hal.send_sticker()
    assert hal.texts_since(mark)[0].startswith(NOT_SURE)


async def test_an_edit_gets_no_second_answer(env: BotEnv) -> None:
    ivy = await person(env, 4109, "Ivy")
    sent = await ivy.send("helo")
    edited = {
        **env.fake.incoming[(ivy.user_id, sent)],
        "text": "hello",
        "edit_date": int(env.clock.now().timestamp()),
    }
    mark = ivy.mark()
    await env.process({"update_id": env.fake.next_id(), "edited_message": edited})
    assert ivy.mark() == mark


async def test_commands_nobody_has(env: BotEnv) -> None:
    jay = await person(env, 4110, "Jay")
    [reply] = await say(jay, "/frobnicate")
    assert "I don't know that command" in reply and buttons(jay) == ["‹ Menu"]
    [reply] = await say(jay, "/cancel")
    assert reply == "There's nothing to stop right now."
    [reply] = await say(jay, "/checkin")  # one letter off: the command they may have meant
    assert "Did you mean /checkins?" in reply and buttons(jay) == ["‹ Menu"]


# -- staff ----------------------------------------------------------------------------------


async def test_peer_workers_and_coordinators(env: BotEnv) -> None:
    kit = env.client(4013, "Kit")
    await join_staff(kit, "carer_peer", alias="Kit")
    [reply] = await say(kit, "hello")
    assert reply.startswith(NOT_SURE)
    assert "until your profile is set up" in reply
    assert buttons(kit) == ["Set up your profile", "‹ Menu"]
    lee = await peer(env, 4014, "Lee")
    [reply] = await say(lee, "hello")
    assert "Nobody is matched with you at the moment" in reply
    assert buttons(lee) == ["My people", "‹ Menu"]
    # Someone's request waits: a typed yes is pointed to the request's buttons.
    await request(env, await person(env, 4015, "Dee"), lee)
    [reply] = await say(lee, "yes happy to support Dee")
    assert "request is waiting for your answer" in reply and "Accept or Decline" in reply
    assert buttons(lee) == ["My people", "‹ Menu"]
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora)
    [reply] = await say(cora, "hello")
    assert "Messages here don't reach anyone" in reply and buttons(cora) == ["‹ Menu"]
