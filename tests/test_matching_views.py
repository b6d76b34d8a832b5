"""The matching flow's views, as a person reads them (tests/snapshots/matching/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.domain.hours import parse_windows
from bot.domain.matching import Candidate, PeerProfile
from flows.matching import views
from tests.snapshot import check_snapshot

COPY = Content()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 20:00 in Sydney
SYDNEY = ZoneInfo("Australia/Sydney")
OPTIONS = {"language": ["English", "Vietnamese"], "culture": []}


def seal(peer_id: int) -> str:
    """Stands in for the cipher: a token that is not the id."""
    return f"sealed{peer_id % 97}"


def profile(uid: int, name: str) -> PeerProfile:
    return PeerProfile(
        uid,
        "consumer_peer",
        name,
        f"{name} here. Walking helped me most.",
        {},
        6,
        parse_windows("Mon-Fri 18:00-20:00"),
        "Australia/Sydney",
        False,
        True,
    )


def test_the_first_question() -> None:
    check_snapshot(
        "matching/question_first", *views.question(COPY, "consumer", 0, OPTIONS, {}, first=True)
    )


def test_a_later_question_shows_the_answer_chosen_and_back() -> None:
    check_snapshot(
        "matching/question_language",
        *views.question(COPY, "consumer", 4, OPTIONS, {"language": "Vietnamese"}),
    )


def test_a_carers_first_question() -> None:
    check_snapshot("matching/question_carer", *views.question(COPY, "carer", 0, {}, {}))


def test_a_shortlist_page_with_more_to_see() -> None:
    found = [
        Candidate(profile(2001, "Kim"), ("gender", "language"), 1, NOW),
        Candidate(profile(2002, "Sam"), (), 2, NOW + timedelta(hours=21)),
        Candidate(profile(2003, "Lee"), ("gender",), 0, None),
    ]
    check_snapshot(
        "matching/shortlist",
        *views.shortlist(
            COPY,
            found,
            more=True,
            offset=3,
            intro="matching.shortlist_intro",
            waiting=False,
            now=NOW,
            zone=SYDNEY,
            timeout_hours=48,
            seal=seal,
        ),
    )


def test_nobody_free_while_waiting() -> None:
    check_snapshot(
        "matching/shortlist_none_waiting",
        *views.shortlist(
            COPY,
            [],
            more=False,
            offset=0,
            intro="matching.shortlist_again",
            waiting=True,
            now=NOW,
            zone=SYDNEY,
            timeout_hours=48,
            seal=seal,
        ),
    )


def test_a_request_as_the_peer_worker_sees_it() -> None:
    check_snapshot(
        "matching/request_to_peer",
        *views.request_to_peer(
            COPY,
            alias="Ally",
            role="consumer",
            prefs={"gender": "woman", "language": "Vietnamese", "age_band": "any"},
            respond_by="Wed 4 Mar, 20:00",
            match_id=17,
        ),
    )


def test_the_request_sent_and_pending() -> None:
    check_snapshot("matching/requested", *views.requested(COPY, "Kim", "Wed 4 Mar, 20:00", 17))
    check_snapshot("matching/pending", *views.pending(COPY, "Kim", "Wed 4 Mar, 20:00", 17))


def test_accepted_waitlisted_and_a_peer_worker_who_left() -> None:
    check_snapshot(
        "matching/accepted_person",
        views.accepted_person(
            COPY, name="Kim", hours="Mon 18:00-20:00", tz="Australia/Sydney", when="now"
        ),
    )
    check_snapshot("matching/waitlisted", *views.waitlisted(COPY, 2))
    check_snapshot("matching/peer_left", *views.peer_left(COPY))


def test_when_someone_is_next_available() -> None:
    assert views.when_text(COPY, None, NOW, SYDNEY) == "hours not set yet"
    assert views.when_text(COPY, NOW, NOW, SYDNEY) == "now"
    assert views.when_text(COPY, NOW + timedelta(days=1), NOW, SYDNEY) == "Tue 3 Mar, 20:00"


def test_the_struggle_replies() -> None:
    check_snapshot(
        "matching/struggle_sent",
        views.struggle_reply(COPY, told=True, name="Kim", when="Mon 9 Mar, 06:00"),
    )
    check_snapshot(
        "matching/struggle_already", views.struggle_reply(COPY, told=False, name="Kim", when="now")
    )


def test_where_a_person_stands() -> None:
    check_snapshot(
        "matching/pending_in_line", *views.pending(COPY, "Kim", "Wed 4 Mar, 20:00", 17, position=2)
    )
    check_snapshot("matching/still_pending", *views.still_pending(COPY, "Kim", "Wed 4 Mar, 20:00"))
    check_snapshot("matching/waiting", *views.waiting(COPY, 2))
    check_snapshot("matching/waiting_held", *views.waiting(COPY, 1, "Wed 4 Mar, 20:00"))
    check_snapshot("matching/still_waiting", *views.still_waiting(COPY, 2))


def test_a_request_on_its_way_and_a_reminder() -> None:
    check_snapshot(
        "matching/requested_trying",
        *views.requested(COPY, "Kim", "Wed 4 Mar, 20:00", 17, sent=False),
    )
    check_snapshot(
        "matching/reminder_to_peer",
        *views.reminder_to_peer(COPY, alias="Ally", respond_by="Wed 4 Mar, 20:00", match_id=17),
    )


def test_shortlists_that_say_what_happened() -> None:
    found = [Candidate(profile(2002, "Lou"), (), 0, NOW)]
    for name, intro, params in (
        ("matching/unreachable", "matching.unreachable", {"name": "Kim"}),
        ("matching/too_soon", "matching.too_soon", {"name": "Kim", "when": "Mon 2 Mar, 21:00"}),
    ):
        check_snapshot(
            name,
            *views.shortlist(
                COPY,
                found,
                more=False,
                offset=0,
                intro=intro,
                intro_params=params,
                waiting=False,
                now=NOW,
                zone=SYDNEY,
                timeout_hours=48,
                seal=seal,
            ),
        )
    check_snapshot(
        "matching/shortlist_show_again",
        *views.shortlist(
            COPY,
            found,
            more=False,
            offset=0,
            intro="matching.shortlist_intro",
            waiting=True,
            now=NOW,
            zone=SYDNEY,
            timeout_hours=48,
            seal=seal,
            show_again="Kim",
        ),
    )
    # Nobody else free: the text doesn't say nobody could support them while Kim's button
    # is right there.
    for waiting in (False, True):
        check_snapshot(
            f"matching/none_else_free{'_waiting' if waiting else ''}",
            *views.shortlist(
                COPY,
                [],
                more=False,
                offset=0,
                intro="matching.shortlist_intro",
                waiting=waiting,
                now=NOW,
                zone=SYDNEY,
                timeout_hours=48,
                seal=seal,
                show_again="Kim",
            ),
        )
