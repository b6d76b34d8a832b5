"""A coordinator running the service through the real process: /coord at a glance, the staff
list, ending a peer worker's access while they support someone (that person is told kindly
what happens next, the peer worker's menu and access end), and revoking an unused invite."""

from __future__ import annotations

import json

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import (
    always_open,
    choose_peer,
    invite,
    join_with_invite,
    onboard,
    plain_of,
    set_up_profile,
)


def menu_of(tg: BotAPIEmulator, chat_id: int) -> list[str]:
    """The command names last set for CHAT_ID's own chat."""
    key = json.dumps([{"chat_id": chat_id, "type": "chat"}, ""], sort_keys=True)
    return [c["command"] for c in tg.commands.get(key, [])]


def test_a_coordinator_ends_a_peer_workers_access_and_nobody_is_dropped(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    jo = tg.person(880_700_001, "Joanne", username="jo_private")
    join_with_invite(
        jo, invite(coordinator, "Consumer peer worker", tg.username), "consumer peer worker"
    )
    set_up_profile(jo, "Jo Coord", always_open())
    ana = tg.person(880_700_002, "Anastasia", last_name="Real-Surname")
    onboard(ana, alias="Ana")
    ana.send("/match")
    ana.wait_for("Question 1 of")
    ana.click("Skip the rest")
    ana.wait_for("Peer workers you could choose")
    choose_peer(ana, "Jo Coord")
    jo.wait_for("A new request for peer support")
    jo.click("Accept")
    ana.wait_for("has accepted")

    # At a glance: Jo's caseload against the cap, by chosen names only.
    coordinator.send("/coord")
    home = plain_of(coordinator.wait_for("Coordinator home"))
    assert "Jo Coord: 1 of 6" in home
    assert "Real-Surname" not in home and "Anastasia" not in home

    coordinator.click("Staff")
    staff = plain_of(coordinator.wait_for("Tap a name to end their access"))
    assert "Jo Coord" in staff and "Casey" in staff
    coordinator.click("End access: Jo Coord", exact=True)
    coordinator.wait_for("End Jo Coord's access as a peer worker now?")
    coordinator.click("Yes, end access")
    done = plain_of(coordinator.wait_for("Jo Coord's access has ended"))
    assert "Ana" in done

    # Ana is told kindly what happens next: a new peer worker, or a choice and the waitlist.
    told = plain_of(
        ana.wait_for(
            lambda m: (
                "Jo Coord" in plain_of(m)
                and ("your peer worker is" in plain_of(m) or "leaving the service" in plain_of(m))
            )
        )
    )
    assert "Jo Coord" in told
    # Jo hears too, and their access and command menu end at once.
    jo.wait_for("A coordinator has ended your access as a consumer peer worker")
    assert "end" not in menu_of(tg, jo.id) and "profile" not in menu_of(tg, jo.id)
    jo.send("/profile")
    jo.wait_for("That isn't available for your role")


def test_a_coordinator_revokes_an_unused_invite(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    code = invite(coordinator, "Carer peer worker", tg.username)
    coordinator.send("/coord")
    coordinator.wait_for("Coordinator home")
    coordinator.click("Invites")
    listed = plain_of(coordinator.wait_for("Invites that still work"))
    assert "carer peer worker, made by Casey" in listed
    revoke = [
        b["text"]
        for row in coordinator.last()["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"].startswith("Revoke invite")
    ]
    coordinator.click(revoke[-1], exact=True)  # the newest expires last: this one
    coordinator.wait_for("That invite no longer works")
    late = tg.person(880_700_003, "Lou")
    late.send(f"/start {code}")
    late.wait_for("Is that OK with you?")
    late.click("That's OK with me")
    reply = plain_of(
        late.wait_for(
            lambda m: (
                "code" in plain_of(m).lower() or "Which of these fits you best?" in plain_of(m)
            )
        )
    )
    assert "joined as a carer peer worker" not in reply
