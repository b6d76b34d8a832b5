"""The home's own screens, as a person reads them."""

from __future__ import annotations

from bot.content import Content
from flows.home.views import (
    hard_time_buttons,
    my_peer_worker,
    my_people,
    no_peer_worker,
    paragraphs,
)
from tests.snapshot import check_snapshot

COPY = Content()


def test_my_peer_worker() -> None:
    check_snapshot(
        "home/my_peer_worker",
        *my_peer_worker(
            COPY,
            name="Jo <3",
            hours="Mon 18:00-20:00, Wed 18:00-20:00",
            tz="Australia/Broken_Hill",
            when="Mon 2 Mar, 18:00",
        ),
    )
    check_snapshot("home/no_peer_worker", *no_peer_worker(COPY))


def test_my_people() -> None:
    check_snapshot(
        "home/my_people", *my_people(COPY, ["Kim", "Robin <b>"], [(None, "Wed 4 Mar, 20:00")])
    )
    check_snapshot(
        "home/my_people_requests_only", *my_people(COPY, [], [("Lee", "Thu 5 Mar, 09:30")])
    )
    check_snapshot("home/my_people_none", *my_people(COPY, [], []))


def test_a_hard_time() -> None:
    check_snapshot(
        "home/hard_time",
        *paragraphs(
            [COPY.text("home.hard"), COPY.text("home.fallback.none"), COPY.text("home.options")],
            hard_time_buttons(COPY, "none"),
        ),
    )


def test_names_are_escaped_once() -> None:
    text, _ = my_peer_worker(COPY, name="Jo <3", hours="", tz="UTC", when="now")
    assert "Jo &lt;3" in text and "&amp;lt;" not in text


def test_the_words_follow_the_language_guide() -> None:
    from bot.domain.language import find_stigmatising

    keys = [k for k in sorted(COPY.keys()) if k.startswith(("home.", "onboarding."))]
    assert len(keys) > 80
    for key in keys:
        raw = COPY.raw(key)
        assert find_stigmatising(raw) == [], key
        assert len(raw) < 1000, key
