"""Peer workers ask for supervision; coordinators pick it up (DESIGN rule 6)."""

from __future__ import annotations

from tests.harness import BotEnv, join_staff, onboard, onboard_coordinator


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
    # The note is encrypted at rest.
    raw = await env.storage.fetchval("SELECT note FROM supervision_requests")
    assert b"stayed with me" not in raw


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
    assert await env.storage.fetchval("SELECT COUNT(*) FROM supervision_requests") == 1
