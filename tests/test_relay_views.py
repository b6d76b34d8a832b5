"""The relay's views, and /end's, /handover's and notes' (tests/snapshots/relay/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content import Content
from flows.relay import views
from flows.relay.departure import views as departure
from flows.relay.ending import views as ending
from flows.relay.handover import views as handover
from flows.relay.notes import views as notes
from tests.snapshot import check_snapshot, render

COPY = Content()
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # Monday 20:30 in Sydney
SYDNEY = ZoneInfo("Australia/Sydney")


def test_name_labels() -> None:
    assert render(views.label(COPY, "Robin")) == "Robin\n"
    held = views.label(COPY, "Sky", held_since=NOW.astimezone(SYDNEY))
    assert render(held) == "Sky (sent while you were away, from Mon 20:30)\n"


def test_when_a_held_message_will_be_passed_on() -> None:
    assert views.when_text(COPY, NOW + timedelta(minutes=30), SYDNEY, NOW) == "today at 21:00"
    assert views.when_text(COPY, NOW + timedelta(hours=22), SYDNEY, NOW) == "tomorrow at 18:30"
    assert views.when_text(COPY, NOW + timedelta(days=3), SYDNEY, NOW) == "on Thu 5 Mar at 20:30"


def test_held_chooser_and_what_was_not_passed_on() -> None:
    check_snapshot("relay/held", *views.held(COPY, "Jo", "tomorrow at 07:00"))
    check_snapshot(
        "relay/chooser", *views.chooser(COPY, {4: "Ana", 7: "Ben (7)", 9: "Ben (9)"}, 321)
    )
    assert views.unsent_line(COPY, 0, "Jo") == ""
    assert "3 messages that were waiting for Jo's hours" in views.unsent_line(COPY, 3, "Jo")
    assert render(views.gone(COPY, NOW.astimezone(SYDNEY), "Jo")).startswith(
        "A message you sent at 20:30 couldn't be passed on to Jo"
    )


def test_what_holds_a_message_back_and_what_is_said() -> None:
    check_snapshot("relay/held_leave", *views.held_for_leave(COPY, "Jo"))
    check_snapshot("relay/over_cap", *views.over_cap(COPY, "Jo", 20))
    check_snapshot("relay/risky", *views.risky(COPY, "Robin", 4, 321))
    check_snapshot("relay/risky_unnamed", *views.risky(COPY, None, 0, 321))
    check_snapshot("relay/edited_line", views.edited_line(COPY, "Robin", "see you <b>tomorrow</b>"))
    assert render(views.edited_line(COPY, "Robin", None)) == "Robin edited this message.\n"


def test_ending() -> None:
    check_snapshot("relay/end_which", *ending.which(COPY, {4: "Ana", 7: "Ben"}))
    check_snapshot("relay/end_confirm_person", *ending.confirm(COPY, 4, as_person=True, other="Jo"))
    check_snapshot("relay/end_confirm_peer", *ending.confirm(COPY, 4, as_person=False, other="Ana"))
    check_snapshot("relay/end_none_peer", *ending.none_peer(COPY))
    check_snapshot("relay/ended_person", ending.ended(COPY, other="Jo", unsent=2))
    check_snapshot("relay/ended_peer", *ending.goodbye_question(COPY, "Ana", 4))
    check_snapshot("relay/goodbye_flagged", *ending.goodbye_flagged(COPY, "Ana"))


def test_the_one_message_a_person_gets_when_a_match_ends() -> None:
    for why in ("peer", "erasure", "departure"):
        check_snapshot(
            f"relay/ended_for_person_{why}",
            *ending.for_person(COPY, why=why, peer="Jo", unsent=1, was_active=True),
        )
    check_snapshot(
        "relay/ended_for_person_words",
        *ending.for_person(
            COPY,
            why="peer",
            peer="Jo",
            unsent=0,
            was_active=True,
            words="It was good to know you. <Take care>",
        ),
    )
    check_snapshot(
        "relay/request_closed_for_person",
        *ending.for_person(COPY, why="erasure", peer="Jo", unsent=0, was_active=False),
    )
    check_snapshot(
        "relay/left_without", ending.coordinators(COPY, person="Robin", left=2, waiting=3)
    )
    assert render(
        ending.for_peer(COPY, why="person", was_active=True, person="Robin", alias="Robin")
    ).startswith("Robin has ended your match")


def test_handover() -> None:
    pairs = [handover.Pair(4, "Robin", "Jo"), handover.Pair(9, "Person 9", "Pat")]
    check_snapshot("relay/handover_people", *handover.people(COPY, pairs, 1, 3))
    check_snapshot(
        "relay/handover_peers",
        *handover.peers(
            COPY,
            "Robin",
            4,
            [handover.Peer("Pat", 1, 6, "sealedPat01"), handover.Peer("Sam", 3, 4, "sealedSam02")],
        ),
    )
    check_snapshot("relay/handover_no_peer", *handover.no_peer(COPY, "Robin"))
    check_snapshot(
        "relay/handover_confirm",
        *handover.confirm(
            COPY, person="Robin", old="Jo", new="Pat", match_id=4, sealed="sealedPat01"
        ),
    )
    check_snapshot(
        "relay/handover_to_person", handover.to_person(COPY, new="Pat", old="Jo", unsent=1)
    )


def test_notes() -> None:
    check_snapshot("relay/note_which", *notes.which(COPY, {4: "Ana", 7: "Robin"}))
    check_snapshot("relay/note_ask_integrated", notes.ask_text(COPY, "Robin", "integrated"))
    check_snapshot("relay/note_keep_flagged", *notes.keep_flagged(COPY))
    for model, shared in (("integrated", False), ("integrated", True), ("complementary", False)):
        check_snapshot(
            f"relay/note_{model}_{'shared' if shared else 'private'}",
            *notes.for_person(
                COPY, note_id=12, peer="Jo", text="Robin <b>tried</b>", shared=shared, model=model
            ),
        )
    check_snapshot(
        "relay/notes_people",
        *notes.people(COPY, [notes.Sharer("Robin", 2, 12), notes.Sharer("Person 15", 1, 15)], 0, 2),
    )
    entries = [
        notes.Entry("Jo", NOW.astimezone(SYDNEY), "Breathing helped."),
        notes.Entry(
            "a former peer worker", (NOW - timedelta(days=40)).astimezone(SYDNEY), "First session."
        ),
    ]
    check_snapshot(
        "relay/notes_page",
        *notes.page(COPY, person="Robin", entries=entries, anchor=12, at=1, pages=3),
    )


def test_going_away() -> None:
    check_snapshot("relay/departure_kinds", *departure.kinds(COPY))
    check_snapshot("relay/leaving_confirm", *departure.leaving_confirm(COPY, 2))
    check_snapshot("relay/leave_choose", *departure.leave(COPY, {4: "Ana", 7: "Ben"}, {4: "pause"}))
    check_snapshot(
        "relay/leave_all_chosen",
        *departure.leave(COPY, {4: "Ana", 7: "Ben"}, {4: "pause", 7: "handover"}),
    )
    check_snapshot(
        "relay/departure_ask_leaving",
        *departure.ask_coordinator(COPY, peer="Jo", person="Robin", match_id=4, leaving=True),
    )
    check_snapshot(
        "relay/departure_ask_leave",
        *departure.ask_coordinator(COPY, peer="Jo", person="Robin", match_id=4, leaving=False),
    )
