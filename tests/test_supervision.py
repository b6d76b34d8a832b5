"""Peer workers ask for supervision; coordinators pick it up (DESIGN rule 6)."""

from __future__ import annotations

from tests.harness import BotEnv, Client, join_staff, onboard, onboard_coordinator


async def test_request_reaches_every_coordinator_and_one_picks_it_up(env: BotEnv) -> None:
    cora, cal = env.client(900, "Cora"), env.client(901, "Cal")
    await onboard_coordinator(cora, "Cora")
    await join_staff(cal, "coordinator", alias="Cal")
    sam = env.client(2001, "Samantha", "Realname", "sam_handle")
    await join_staff(sam, "consumer_peer", alias="Sam")
    await sam.send("/supervision")
    assert "How soon would you like to talk?" in sam.last_text()
    await sam.click("This week")
    await sam.send("A conversation about self-harm stayed with me.")
    assert "gone to 2 coordinator(s)" in sam.last_text()
    for coordinator in (cora, cal):
        text = coordinator.last_text()
        assert "Supervision request" in text and "From: Sam" in text
        assert "This week" in text and "stayed with me" in text
        assert "Realname" not in text and "sam_handle" not in text
    await cora.click("I'll get in touch")
    assert "Sam has been told" in cora.last_text()
    assert "Cora has picked up your supervision request" in sam.last_text()
    await cal.click("I'll get in touch")
    assert "Sam has been told" not in cal.last_text()
    # The note is encrypted at rest, and opens to what was typed.
    request = await env.storage.get_supervision_request(1)   # the first row of a new database
    assert request is not None and request.note is not None
    assert b"stayed with me" not in request.note
    assert env.deps is not None
    assert env.deps.cipher.decrypt(request.note) == "A conversation about self-harm stayed with me."


async def test_only_peer_workers_can_ask_and_skipping_the_note_works(env: BotEnv) -> None:
    ally = env.client(1001, "Ally")
    await onboard(ally, alias="Ally")
    await ally.send("/supervision")
    assert "isn't available for your role" in ally.last_text()
    sam = env.client(2002, "Sam")
    await join_staff(sam, "carer_peer", alias="Sam")
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.click("Skip")
    # Nobody is a coordinator yet: the peer worker is told plainly, and the request is kept.
    assert "no coordinator set up" in sam.last_text()
    assert len(await env.storage.untaken_supervision_requests()) == 1


async def peer_and_coordinator(env: BotEnv) -> tuple[Client, Client]:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora, "Cora")
    sam = env.client(2003, "Sam")
    await join_staff(sam, "consumer_peer", alias="Sam")
    return sam, cora


def last_answer(env: BotEnv) -> str:
    return str(env.fake.calls_to("answerCallbackQuery")[-1].params.get("text"))


async def test_typing_instead_of_tapping_a_too_long_note_and_a_restart(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.send("can we do tuesday")
    assert "Please tap one of these" in sam.last_text()
    await sam.click("Whenever suits")
    await sam.send("x" * 501)
    assert "under 500 characters" in sam.last_text()
    assert await env.storage.untaken_supervision_requests() == []
    await env.restart()                      # the step and its draft are in the database
    await sam.send("Boundaries with one person I support.")
    assert "gone to 1 coordinator(s)" in sam.last_text()
    assert "How soon: Whenever suits" in cora.last_text()


async def test_a_crisis_message_is_never_sent_as_the_note(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    mark = sam.mark()
    await sam.send("i want to kill myself")
    texts = sam.texts_since(mark)
    assert "What would you like to talk about?" in texts[-1]     # asked again, below the card
    assert await env.storage.untaken_supervision_requests() == []
    assert "Supervision request" not in cora.last_text()
    await sam.click("Skip")
    assert "About: (not given)" in cora.last_text()


async def test_cancel_and_old_buttons_change_nothing(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("This week")
    await sam.send("/cancel")
    assert "we've stopped there" in sam.last_text()
    await sam.click("Skip")                  # the step is closed: a polite answer, nothing sent
    assert "closed" in last_answer(env)
    await sam.press("sup.when:today")
    assert "closed" in last_answer(env)
    assert await env.storage.untaken_supervision_requests() == []
    assert "Supervision request" not in cora.last_text()


async def test_only_coordinators_take_and_only_requests_that_exist(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.click("Skip")
    await sam.press("sup.take:1")            # a forged press from the peer worker
    assert "closed" in last_answer(env)
    await cora.press("sup.take:404")
    assert "already picked this up" in last_answer(env)
    await cora.press("sup.take:notanumber")
    assert "closed" in last_answer(env)
    assert len(await env.storage.untaken_supervision_requests()) == 1
    await cora.click("I'll get in touch")
    assert "Sam has been told" in cora.last_text()
    assert await env.storage.untaken_supervision_requests() == []
