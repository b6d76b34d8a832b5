"""The safety net in the running bot: the card comes first, in every state, for every role."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety import render_card
from bot.settings import LocalContact
from tests.harness import AGREE, BotEnv, all_sent_text, join_staff, onboard

RISKY = "i cant do this anymore, i want to die"
# Every version of the card (for the person, about someone else, for staff) says this.
CARD_TITLE = "not a crisis service"


def card_index(texts: list[str]) -> int:
    return next(i for i, t in enumerate(texts) if CARD_TITLE in t)


async def test_card_before_the_flow_reply_during_onboarding(env: BotEnv) -> None:
    alice = env.client(2001, "Alice")
    await alice.send("/start")
    await alice.click(AGREE)
    await alice.click("I live with BPD")
    mark = alice.mark()
    # The person types something risky where the bot asked for a name.
    await alice.send(RISKY)
    texts = alice.texts_since(mark)
    assert CARD_TITLE in texts[0], texts
    # ...and the flow still answers after the card: the question again, below it. The message
    # is never kept as an answer (DESIGN, the safety net).
    assert len(texts) == 2
    assert "What would you like to be called here?" in texts[1]
    user = await env.storage.get_user(2001)
    assert user is not None and user.alias is None


async def test_card_mid_conversation_then_conversation_carries_on(env: BotEnv) -> None:
    bob = env.client(2002, "Bob")
    await onboard(bob, "carer", relationship="parent", alias="Bob")
    await bob.send("/settings")
    await bob.click("My name")
    mark = bob.mark()
    await bob.send("my daughter says she's going to kill herself tonight")
    texts = bob.texts_since(mark)
    assert CARD_TITLE in texts[0]
    # The settings step never takes it as a name: it asks again, below the card, and waits.
    assert "What would you like to be called here?" in texts[-1]
    await bob.send("Robert")
    assert "Saved" in bob.last_text()


async def test_crisis_command_and_button_in_every_state(env: BotEnv) -> None:
    carl = env.client(2003, "Carl")
    # Before /start, before consent, mid-step, after onboarding: always the card, and the
    # step in progress is left as it was.
    await carl.send("/crisis")
    assert CARD_TITLE in carl.last_text()
    await carl.send("/start")
    await carl.send("/crisis")
    assert CARD_TITLE in carl.last_text()
    await carl.click(AGREE)
    await carl.click("I live with BPD")
    await carl.send("Need help now")
    assert CARD_TITLE in carl.last_text()
    await carl.send("Carl")  # still at the name step
    assert "You're all set, Carl" in carl.last_text()
    await carl.send("/crisis")
    assert CARD_TITLE in carl.last_text()
    assert "000" in carl.last_text() and "13 11 14" in carl.last_text()


@pytest.mark.parametrize("role", ["consumer_peer", "coordinator"])
async def test_staff_messages_pass_the_net_too(env: BotEnv, role: str) -> None:
    dana = env.client(2004, "Dana")
    await join_staff(dana, role, alias="Dana")
    mark = dana.mark()
    await dana.send("honestly I've taken 30 of my sleeping tablets")
    assert CARD_TITLE in dana.texts_since(mark)[0]


async def test_ordinary_messages_and_idioms_get_no_card(env: BotEnv) -> None:
    erin = env.client(2005, "Erin")
    await onboard(erin, alias="Erin")
    mark = erin.mark()
    for text in [
        "this traffic is killing me",
        "my phone died, sorry",
        "I'd kill for a coffee right now",
        "thanks, see you next week",
    ]:
        await erin.send(text)
    assert not any(CARD_TITLE in t for t in erin.texts_since(mark))


async def test_captions_are_checked(env: BotEnv) -> None:
    fay = env.client(2006, "Fay")
    await onboard(fay, alias="Fay")
    mark = fay.mark()
    await fay.send_photo(caption="goodbye everyone, this is my last message")
    assert any(CARD_TITLE in t for t in fay.texts_since(mark))


async def test_every_risky_message_gets_the_card_even_after_im_fine(env: BotEnv) -> None:
    gus = env.client(2007, "Gus")
    await onboard(gus, alias="Gus")
    await gus.send(RISKY)
    await gus.send("I'm fine, forget it")
    mark = gus.mark()
    await gus.send("actually i really want to kill myself")
    assert CARD_TITLE in gus.texts_since(mark)[0]


async def test_card_never_carries_the_persons_text_and_is_counted(env: BotEnv) -> None:
    hal = env.client(2008, "Hal")
    await onboard(hal, alias="Hal")
    secret = "i have the pills here and i am going to take them all tonight"
    await hal.send(secret)
    cards = [t for t in all_sent_text(env.fake) if CARD_TITLE in t]
    assert cards and all("pills here" not in t for t in cards)
    # Only Hal's own chat received anything after his message.
    assert all(int(c.params["chat_id"]) == 2008 for c in env.fake.calls_to("sendMessage")[-1:])
    counts = await env.storage.counters("crisis_card")
    assert counts and counts[0][1:] == ("crisis_card", "AU", 1)


async def test_local_contacts_come_first_and_emergency_always_shows(tmp_path: Path) -> None:
    env = await BotEnv.create(
        tmp_path,
        region="UK",
        timezone="Europe/London",
        local_contacts=(
            LocalContact(name="Harbour Crisis Team", phone="0800 000 111", region="UK"),
            LocalContact(name="Only for Ireland", phone="1800 1", region="IE"),
        ),
    )
    try:
        assert env.deps is not None
        card = render_card(env.deps, "UK")
        assert card.index("Harbour Crisis Team") < card.index("Samaritans")
        assert "Only for Ireland" not in card
        assert "999" in card and "not a crisis service" in card
        # Unknown region falls back to the service's, so there is always a number.
        assert "999" in render_card(env.deps, None)
    finally:
        await env.stop()
    env.assert_clean()


async def test_card_offers_resources(env: BotEnv) -> None:
    ivy = env.client(2009, "Ivy")
    await ivy.send("/crisis")
    assert any(b.get("callback_data") == "res:home" for b in ivy.last().buttons())


async def test_after_the_card_no_not_understood_reply(env: BotEnv) -> None:
    """Someone reporting risk gets the card and nothing that sounds like a shrug."""
    moira = env.client(2010, "Moira")
    await onboard(moira, "carer", relationship="parent", alias="Moira")
    mark = moira.mark()
    await moira.send("my daughter took a lot of pills tonight, she won't wake up")
    texts = moira.texts_since(mark)
    assert CARD_TITLE in texts[0]
    assert not any("not sure what you meant" in t for t in texts)
    # An ordinary message nobody expected still gets the gentle pointer.
    await moira.send("hello?")
    assert "not sure what you meant" in moira.last_text()
