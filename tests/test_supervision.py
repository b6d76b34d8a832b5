"""Peer workers ask for supervision; coordinators pick it up (DESIGN rule 6)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.harness import BotEnv, Client, join_staff, onboard, onboard_coordinator
from tests.test_matching_notices import fail_for


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
    assert "gone to 2 coordinators" in sam.last_text()
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
    request = await env.storage.get_supervision_request(1)  # the first row of a new database
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
    await env.restart()  # the step and its draft are in the database
    await sam.send("Boundaries with one person I support.")
    assert "gone to the coordinator" in sam.last_text()
    assert "How soon: Whenever suits" in cora.last_text()


async def test_a_crisis_message_is_never_sent_as_the_note(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    mark = sam.mark()
    await sam.send("i want to kill myself")
    texts = sam.texts_since(mark)
    assert "If you need help now" in texts[0]  # the card first
    assert "would you like to send these words" in texts[-1]  # then the choice
    assert await env.storage.untaken_supervision_requests() == []
    assert "Supervision request" not in cora.last_text()
    await sam.click("Write it differently")
    assert "What would you like to talk about?" in sam.last_text()
    await sam.click("Skip")
    assert "About: (not given)" in cora.last_text()


async def test_hard_words_go_to_supervision_when_the_peer_worker_says_so(env: BotEnv) -> None:
    """Supervision is where hard conversations go: words about a person's risk reach the
    coordinators once the peer worker chooses to send them, never silently dropped."""
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.send("Someone I support said they want to die and I froze.")
    assert await env.storage.untaken_supervision_requests() == []
    await sam.click("Send them")
    assert "Your request has gone to" in sam.last_text()
    assert "Someone I support said they want to die" in cora.last_text()
    assert len(await env.storage.untaken_supervision_requests()) == 1
    await sam.click("Send them")  # an old button: nothing more is sent
    assert len(await env.storage.untaken_supervision_requests()) == 1


async def test_cancel_and_old_buttons_change_nothing(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("This week")
    await sam.send("/cancel")
    assert "we've stopped there" in sam.last_text()
    await sam.click("Skip")  # the step is closed: a polite answer, nothing sent
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
    await sam.press("sup.take:1")  # a forged press from the peer worker
    assert "closed" in last_answer(env)
    await cora.press("sup.take:404")
    assert "already picked this up" in last_answer(env)
    await cora.press("sup.take:notanumber")
    assert "closed" in last_answer(env)
    assert len(await env.storage.untaken_supervision_requests()) == 1
    await cora.click("I'll get in touch")
    assert "Sam has been told" in cora.last_text()
    assert await env.storage.untaken_supervision_requests() == []


def requests_in(client: Client) -> list[str]:
    return [t for t in client.texts() if "Supervision request" in t]


async def test_a_request_telegram_cannot_take_at_once_is_on_its_way_then_arrives_once(
    env: BotEnv,
) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("This week")
    fail_for(env, 900, 1)
    await sam.send("Boundaries with one person I support.")
    # Not "gone to 1 coordinator": it hasn't reached Cora yet, and Sam hears that truly.
    assert "on its way to the coordinators" in sam.last_text()
    assert "gone to" not in " ".join(sam.texts())
    assert requests_in(cora) == []
    assert await env.storage.outbox_status("supervision:1:to:900") == "pending"
    await env.restart()  # kept in the database, not in memory
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert len(requests_in(cora)) == 1 and "Boundaries" in requests_in(cora)[0]
    await env.run_job("tick:outbox")
    assert len(requests_in(cora)) == 1  # never twice


async def test_the_coordinator_hears_they_were_told_only_once_the_peer_worker_was(
    env: BotEnv,
) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.click("Skip")
    fail_for(env, 2003, 1)
    await cora.click("I'll get in touch")
    assert "Sam has been told" not in " ".join(cora.texts())
    assert "on its way to Sam" in cora.last_text()
    assert "picked up your supervision request" not in sam.last_text()
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert "Cora has picked up your supervision request" in sam.last_text()
    await env.run_job("tick:outbox")
    assert len([t for t in sam.texts() if "picked up your supervision" in t]) == 1


async def test_a_peer_worker_who_cannot_be_reached_is_not_said_to_have_been_told(
    env: BotEnv,
) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.click("Skip")
    env.fake.blocked.add(2003)  # Sam's chat with the bot is closed
    await cora.click("I'll get in touch")
    assert "Sam couldn't be told in the bot" in cora.last_text()
    assert "has been told" not in " ".join(cora.texts())
    # Later, Telegram gives up on a "picked up" notice it had kept: the coordinator hears then.
    sam.env.fake.blocked.discard(2003)
    await sam.send("/supervision")
    await sam.click("Whenever suits")
    await sam.click("Skip")
    fail_for(env, 2003, 1)
    await cora.click("I'll get in touch")
    assert "on its way to Sam" in cora.last_text()
    env.fake.blocked.add(2003)
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert "Sam couldn't be told in the bot" in cora.last_text()


async def test_one_request_waits_at_a_time_and_asking_again_adds_to_it(env: BotEnv) -> None:
    sam, cora = await peer_and_coordinator(env)
    cal = env.client(901, "Cal")
    await join_staff(cal, "coordinator", alias="Cal")
    await sam.send("/supervision")
    await sam.click("This week")
    await sam.send("A conversation stayed with me.")
    await sam.send("/supervision")
    assert "Your request is with the coordinators" in sam.last_text()
    assert "How soon: This week" in sam.last_text()
    assert "How soon would you like to talk?" not in sam.last_text()
    await sam.click("Add a few words to it")
    await sam.send("It came up again at work today.")
    assert "Added. Your words have gone to 2 coordinators" in sam.last_text()
    for coordinator in (cora, cal):
        assert len(requests_in(coordinator)) == 1  # one request, not a pile of them
        more = coordinator.last_text()
        assert "More on a supervision request" in more
        assert "A conversation stayed with me." in more and "came up again at work today" in more
    assert len(await env.storage.untaken_supervision_requests()) == 1
    await sam.send("/supervision")
    await sam.click("Add a few words to it")
    await sam.click("Leave it as it is")
    assert "stays as it was" in sam.last_text()
    # Once a coordinator picks it up, the next /supervision is a new request.
    await cal.click("I'll get in touch")
    await sam.send("/supervision")
    assert "How soon would you like to talk?" in sam.last_text()


async def test_words_to_add_after_a_coordinator_picked_it_up_are_not_lost_silently(
    env: BotEnv,
) -> None:
    sam, cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.click("Skip")
    await sam.send("/supervision")
    await sam.click("Add a few words to it")
    await cora.click("I'll get in touch")
    await sam.send("Just adding that I am free after 3.")
    assert "just picked up your request, so this wasn't added" in sam.last_text()
    assert "More on a supervision request" not in cora.last_text()


async def test_a_coordinator_who_joins_later_is_sent_what_is_waiting(env: BotEnv) -> None:
    sam = env.client(2003, "Sam")
    await join_staff(sam, "consumer_peer", alias="Sam")
    await sam.send("/supervision")
    await sam.click("Today")
    await sam.send("Boundaries with one person I support.")
    assert "no coordinator set up" in sam.last_text()
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora, "Cora")  # listed in the settings: her first /start
    assert len(requests_in(cora)) == 1 and "Boundaries" in requests_in(cora)[0]
    cal = env.client(901, "Cal")
    await join_staff(cal, "coordinator", alias="Cal")
    assert len(requests_in(cal)) == 1 and len(requests_in(cora)) == 1
    await cal.click("I'll get in touch")
    assert "Sam has been told" in cal.last_text()
    assert "Cal has picked up your supervision request" in sam.last_text()
    dee = env.client(902, "Dee")
    await join_staff(dee, "coordinator", alias="Dee")
    assert requests_in(dee) == []  # nothing is waiting any more


async def test_a_peer_workers_own_note_is_in_their_mydata(env: BotEnv) -> None:
    sam, _ = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("This week")
    await sam.send("A conversation stayed with me.")
    await sam.send("/mydata")
    document = env.fake.calls_to("sendDocument")[-1]
    data = json.loads(next(iter(document.files.values()))[1])
    assert [n["note"] for n in data["supervision_notes"]] == ["A conversation stayed with me."]
    assert data["supervision_notes"][0]["urgency"] == "week"


async def test_a_peer_worker_with_no_name_reads_as_one_to_coordinators(env: BotEnv) -> None:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora, "Cora")
    pat = env.client(2004, "Patricia", "Realname", "pat_handle")
    await join_staff(pat, "carer_peer")  # no name chosen, no profile yet
    await pat.send("/supervision")
    await pat.click("Whenever suits")
    await pat.click("Skip")
    text = cora.last_text()
    assert "From: A carer peer worker who hasn't chosen a name" in text
    assert "A coordinator" not in text and "Patricia" not in text


async def test_menu_steps_out_of_the_question_as_the_menu_command_does(env: BotEnv) -> None:
    sam, _cora = await peer_and_coordinator(env)
    await sam.send("/supervision")
    await sam.click("‹ Menu")
    assert "How soon would you like to talk?" not in sam.last_text()  # the home, in place
    await sam.send("can we do tuesday")
    assert "Please tap one of these" not in sam.last_text()
    assert await env.storage.untaken_supervision_requests() == []
