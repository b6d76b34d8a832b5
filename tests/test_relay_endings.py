"""Warm endings: one message for the person whose match ended without their choosing it
(what happened, without blame, what happens next), a peer worker's few words carried inside
it, every coordinator told when someone is left without a peer worker, the news kept with
the ending, handovers told through the outbox and counted apart, and the "struggling"
notice's reply telling the truth."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import BotEnv, Client, onboard_coordinator
from tests.test_relay_durable import fail_sends
from tests.test_relay_flow import EVENINGS, MONDAY_0930_UTC, matched, peer_worker, person

NEXT_STEP = "What happens next"


async def coordinator(env: BotEnv) -> Client:
    """The coordinator listed in the harness's settings (id 900)."""
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora, "Cora")
    return cora


async def end_as_peer(peer: Client) -> None:
    """PEER ends their one match: /end, Yes."""
    await peer.send("/end")
    await peer.click("Yes, end the match")


async def test_a_peer_worker_ends_a_match_and_adds_a_few_words(env: BotEnv) -> None:
    cora = await coordinator(env)
    robin = await person(env, 5570001, "Robin")
    jo = await peer_worker(env, 5570101, "Jo")
    match = await matched(env, robin, jo)
    mark, cora_mark = robin.mark(), cora.mark()
    await end_as_peer(jo)
    assert "Would you like to add a few words for Robin?" in jo.last_text()
    # The news is kept with the ending, to go once Jo has said (or in ten minutes).
    assert await env.storage.outbox_status(f"match:{match.id}:ended:{robin.user_id}") == "pending"
    assert robin.mark() == mark
    await jo.send("It was good working with you, Robin. All the best with the new course.")
    assert "Your words have gone to Robin" in jo.last_text()
    told = robin.since(mark)
    assert len(told) == 1
    news = told[0].plain
    assert news.startswith("Jo has ended your peer support match.")
    assert "doesn't mean you did anything wrong" in news
    assert "It was good working with you, Robin. All the best with the new course." in news
    assert NEXT_STEP in news and "!" not in news
    assert [b["text"] for b in told[0].buttons()] == ["Choose a new peer worker", "Resources"]
    # Every coordinator hears: Robin's chosen name and counts, nothing else.
    heard = cora.texts_since(cora_mark)
    assert len(heard) == 1 and "Robin no longer has a peer worker" in heard[0]
    assert "(last 30 days): 1" in heard[0] and "On the waitlist now: 0" in heard[0]
    assert "Jo" not in heard[0] and str(robin.user_id) not in heard[0]
    # Ten minutes later nothing more arrives: the plain news was taken back.
    env.clock.advance(minutes=11)
    await env.run_job("tick:outbox")
    assert len(robin.since(mark)) == 1


async def test_without_words_the_news_goes_after_ten_minutes_and_words_follow_it(
    env: BotEnv,
) -> None:
    robin = await person(env, 5570002, "Robin")
    jo = await peer_worker(env, 5570102, "Jo")
    await matched(env, robin, jo)
    mark = robin.mark()
    await end_as_peer(jo)
    env.clock.advance(minutes=9)
    await env.run_job("tick:outbox")
    assert robin.mark() == mark
    env.clock.advance(minutes=2)
    await env.run_job("tick:outbox")
    assert robin.texts_since(mark)[0].startswith("Jo has ended your peer support match.")
    await jo.send("Take care, Robin.")
    assert (
        robin.texts_since(mark)[-1]
        == "Jo added a few words after your match ended:\nTake care, Robin."
    )
    assert "Your words have gone" in jo.last_text()


async def test_a_person_who_writes_before_the_news_hears_it_at_once(env: BotEnv) -> None:
    robin = await person(env, 5570003, "Robin")
    jo = await peer_worker(env, 5570103, "Jo")
    await matched(env, robin, jo)
    await end_as_peer(jo)
    mark = robin.mark()
    await robin.send("are you there?")
    told = robin.texts_since(mark)
    assert told[0].startswith("Jo has ended your peer support match.")
    assert "conversation has ended" in told[-1]
    await jo.click("Skip")
    assert len(robin.texts_since(mark)) == 2  # the news is not sent twice


async def test_flagged_words_are_asked_about_first(env: BotEnv) -> None:
    robin = await person(env, 5570004, "Robin")
    jo = await peer_worker(env, 5570104, "Jo")
    await matched(env, robin, jo)
    await end_as_peer(jo)
    mark = robin.mark()
    await jo.send("I know you said you want to die. I am here.")
    assert jo.last_text().startswith("This may be hard for Robin to read.")
    await jo.click("Change it")
    assert "Write your words again" in jo.last_text()
    assert robin.mark() == mark
    # A warm goodbye can read as risk too; the peer worker may send it as it is.
    await jo.send("It was good to know you, Robin. Take care of yourself.")
    await jo.click("Send it")
    assert "Take care of yourself." in robin.texts_since(mark)[0]
    assert len(robin.since(mark)) == 1


async def test_skip_sends_the_news_now(env: BotEnv) -> None:
    cora = await coordinator(env)
    robin = await person(env, 5570005, "Robin")
    jo = await peer_worker(env, 5570105, "Jo")
    await matched(env, robin, jo)
    await end_as_peer(jo)
    mark = robin.mark()
    await jo.click("Skip")
    assert len(robin.since(mark)) == 1 and NEXT_STEP in robin.last_text()
    await robin.click("Choose a new peer worker")  # matching's shortlist answers it
    assert "Peer workers you could choose" in robin.last_text()
    assert any("Robin no longer has a peer worker" in t for t in cora.texts())


async def test_a_peer_worker_erasing_their_data_leaves_the_person_one_message(env: BotEnv) -> None:
    cora = await coordinator(env)
    robin = await person(env, 5570006, "Robin")
    jo = await peer_worker(env, 5570106, "Jo", hours=EVENINGS)
    await matched(env, robin, jo)
    env.clock.set(MONDAY_0930_UTC)
    await robin.send("for tomorrow")
    mark = robin.mark()
    await jo.send("/delete")
    await jo.click("Yes, erase everything")
    told = robin.since(mark)
    assert len(told) == 1
    assert told[0].plain.startswith("Jo is no longer with the service, so your match has ended.")
    assert "One message that was waiting for Jo's hours wasn't passed on." in told[0].plain
    assert NEXT_STEP in told[0].plain
    assert any("Robin no longer has a peer worker" in t for t in cora.texts())
    assert await env.user_ids_in_tables(jo.user_id) == {}


async def test_the_person_ending_it_gets_a_shortlist_and_coordinators_hear_nothing(
    env: BotEnv,
) -> None:
    cora = await coordinator(env)
    robin = await person(env, 5570007, "Robin")
    jo = await peer_worker(env, 5570107, "Jo")
    await peer_worker(env, 5570108, "Pat")
    await matched(env, robin, jo)
    cora_mark = cora.mark()
    await robin.send("/end")
    await robin.click("Yes, end the match")
    assert "Peer workers you could choose" in robin.last_text()
    assert "Robin has ended your match" in jo.last_text()
    assert cora.mark() == cora_mark


async def test_news_telegram_cannot_take_is_kept_and_a_blocked_person_is_reported(
    env: BotEnv,
) -> None:
    robin = await person(env, 5570009, "Robin")
    ana = await person(env, 5570010, "Ana")
    jo = await peer_worker(env, 5570109, "Jo")
    await matched(env, robin, jo)
    await matched(env, ana, jo)
    fail_sends(env, 1, to=robin.user_id)
    await jo.send("/end")
    await jo.click("End with Robin")
    await jo.click("Yes, end the match")
    mark = robin.mark()
    await jo.click("Skip")
    assert robin.mark() == mark
    env.clock.advance(seconds=6)
    await env.run_job("tick:outbox")
    assert robin.last_text().startswith("Jo has ended your peer support match.")
    env.fake.blocked.add(ana.user_id)
    await jo.send("/end")
    await jo.click("Yes, end the match")
    await jo.click("Skip")
    assert "We couldn't let Ana know that your match has ended" in jo.last_text()


async def test_a_handover_is_told_through_the_outbox_and_counted_apart(env: BotEnv) -> None:
    cora = await coordinator(env)
    robin = await person(env, 5570011, "Robin")
    jo = await peer_worker(env, 5570111, "Jo")
    pat = await peer_worker(env, 5570112, "Pat")
    await matched(env, robin, jo)
    await cora.send("/report")
    await cora.click("Last 4 weeks")
    assert "Matches made: <5" in cora.messages[-2].plain
    fail_sends(env, 1, to=robin.user_id)
    await cora.send("/handover")
    await cora.click("Robin (with Jo)")
    await cora.click("Pat")
    await cora.click("Yes, hand over")
    assert "your peer worker is Pat" not in " ".join(robin.texts())
    env.clock.advance(seconds=6)
    await env.run_job("tick:outbox")
    assert "your peer worker is Pat" in robin.last_text()
    assert "support Robin" in pat.last_text()
    assert "handed Robin over to Pat" in jo.last_text()
    await cora.send("/report")
    await cora.click("Last 4 weeks")
    report = cora.messages[-2].plain
    assert "Matches made: <5" in report  # a handover is not a match made in 0 hours
    assert "Handovers to another peer worker (not counted as matches made): <5" in report
    assert "Handed over: <5" in report
    made = await env.storage.service_report(
        env.clock.now() - timedelta(days=1), env.clock.now() + timedelta(seconds=1)
    )
    assert (len(made.matched), made.handovers, made.endings) == (1, 1, {"handover": 1})
    assert "Robin no longer has a peer worker" not in " ".join(cora.texts())


async def test_the_struggling_button_says_we_let_them_know_only_when_it_reached(
    env: BotEnv,
) -> None:
    ally = await person(env, 5570020, "Ally")
    kim = await peer_worker(env, 5570120, "Kim")
    await matched(env, ally, kim)
    env.fake.blocked.add(kim.user_id)
    await ally.send("/crisis")
    await ally.click("Let my peer worker know I'm struggling")
    assert "We couldn't reach Kim" in ally.last_text()
    assert not any("We've let Kim know" in t for t in ally.texts())


async def test_a_struggling_notice_telegram_cannot_take_now_is_sent_moments_later(
    env: BotEnv,
) -> None:
    ally = await person(env, 5570021, "Ally")
    kim = await peer_worker(env, 5570121, "Kim")
    await matched(env, ally, kim)
    await ally.send("/crisis")
    fail_sends(env, 1, to=kim.user_id)
    await ally.click("Let my peer worker know I'm struggling")
    assert "We're letting Kim know" in ally.last_text()
    env.clock.advance(seconds=6)
    await env.run_job("tick:outbox")
    assert "Ally has asked for support" in kim.last_text()
