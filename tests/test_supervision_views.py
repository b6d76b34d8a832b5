"""The supervision flow's views, as a peer worker and a coordinator read them."""

from __future__ import annotations

from bot.content import Content
from flows.supervision import views
from tests.snapshot import check_snapshot, render

COPY = Content()


def test_asking() -> None:
    check_snapshot("supervision/ask_urgency", *views.ask_urgency(COPY))
    check_snapshot("supervision/urgency_again", *views.urgency_again(COPY))
    check_snapshot("supervision/ask_note", *views.ask_note(COPY))


def test_asking_while_a_request_waits() -> None:
    check_snapshot(
        "supervision/waiting", *views.waiting(COPY, asked="Mon 2 Mar, 19:00", urgency="week")
    )
    check_snapshot("supervision/ask_addition", *views.ask_addition(COPY))


def test_what_the_peer_worker_hears() -> None:
    check_snapshot("supervision/sent_to_two", views.sent(COPY, 2))
    check_snapshot("supervision/sent_to_nobody", views.sent(COPY, 0))
    check_snapshot("supervision/sent_on_its_way", views.sent(COPY, 0, pending=2))
    check_snapshot("supervision/sent_unreachable", views.sent(COPY, 0, dropped=1))
    check_snapshot("supervision/added_sent", views.sent(COPY, 1, pending=1, added=True))
    check_snapshot("supervision/added_on_its_way", views.sent(COPY, 0, pending=1, added=True))
    check_snapshot("supervision/peer_told", views.peer_told(COPY, "Cora"))


def test_what_a_coordinator_reads() -> None:
    check_snapshot(
        "supervision/for_coordinator",
        *views.for_coordinator(
            COPY,
            17,
            name="Sam <3",
            role="carer_peer",
            urgency="week",
            note="A conversation stayed with me & I'd like to talk it through.",
            asked="Mon 2 Mar, 19:00",
        ),
    )
    check_snapshot(
        "supervision/for_coordinator_no_note",
        *views.for_coordinator(
            COPY,
            18,
            name=None,
            role="consumer_peer",
            urgency="today",
            note=None,
            asked="Mon 2 Mar, 19:00",
        ),
    )
    check_snapshot(
        "supervision/for_coordinator_added",
        *views.for_coordinator(
            COPY,
            17,
            name="Sam",
            role="carer_peer",
            urgency="week",
            note="A conversation stayed with me.\n\nIt's on my mind again today.",
            asked="Mon 2 Mar, 19:00",
            added=True,
        ),
    )
    check_snapshot("supervision/taken", views.taken(COPY, "Sam"))
    check_snapshot("supervision/taken_on_its_way", views.taken(COPY, "Sam", "pending"))
    check_snapshot("supervision/taken_unreachable", views.taken_unreachable(COPY, None))


def test_a_peer_worker_with_no_name_is_never_called_a_coordinator() -> None:
    text = render(
        *views.for_coordinator(
            COPY,
            18,
            name=None,
            role="consumer_peer",
            urgency="today",
            note=None,
            asked="Mon 2 Mar, 19:00",
        )
    )
    assert "From: A consumer peer worker who hasn't chosen a name" in text
    assert "coordinator (" not in text.lower()
    assert views.taken(COPY, None).startswith("Thank you. The peer worker has been told")
