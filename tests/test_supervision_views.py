"""The supervision flow's views, as a peer worker and a coordinator read them."""

from __future__ import annotations

from bot.content import Content
from flows.supervision import views
from tests.snapshot import check_snapshot

COPY = Content()


def test_asking() -> None:
    check_snapshot("supervision/ask_urgency", *views.ask_urgency(COPY))
    check_snapshot("supervision/urgency_again", *views.urgency_again(COPY))
    check_snapshot("supervision/ask_note", *views.ask_note(COPY))


def test_what_the_peer_worker_hears() -> None:
    check_snapshot("supervision/sent_to_two", views.sent(COPY, 2))
    check_snapshot("supervision/sent_to_nobody", views.sent(COPY, 0))
    check_snapshot("supervision/peer_told", views.peer_told(COPY, "Cora"))


def test_what_a_coordinator_reads() -> None:
    check_snapshot("supervision/for_coordinator", *views.for_coordinator(
        COPY, 17, name="Sam <3", role="carer_peer", urgency="week",
        note="A conversation stayed with me & I'd like to talk it through."))
    check_snapshot("supervision/for_coordinator_no_note", *views.for_coordinator(
        COPY, 18, name=None, role="consumer_peer", urgency="today", note=None))
    check_snapshot("supervision/taken", views.taken(COPY, "Sam"))
