"""The resources flow's views (/resources), as a person reads them."""

from __future__ import annotations

from bot.content import Content
from bot.domain.resources import Link, Topic
from flows.resources.views import (
    MENU_SIZE,
    page_view,
    search_none,
    search_results,
    sources_view,
    topic_list,
)
from tests.snapshot import check_snapshot

COPY = Content()
TOPIC = Topic(
    id="about-bpd",
    title="About BPD",
    audience=frozenset({"consumer"}),
    order=1,
    pages=("<b>BPD</b> is a condition.", "Recovery is common."),
    links=(Link("Project Air", "https://projectairstrategy.org"),),
    sources=("Barr, Townsend & Grenyer (2020)", "Another source"),
)
SHORT = Topic(
    id="skill-stop",
    title="STOP",
    audience=frozenset({"consumer"}),
    order=2,
    pages=("Stop. Take a step back.",),
)
MANY = [
    Topic(
        id=f"topic-{n}",
        title=f"Topic {n}",
        audience=frozenset({"consumer"}),
        order=n,
        pages=("Text.",),
    )
    for n in range(MENU_SIZE + 2)
]


def test_topic_lists() -> None:
    check_snapshot(
        "resources/list_one_page_guest", *topic_list(COPY, [TOPIC, SHORT], 0, guest=True)
    )
    check_snapshot("resources/list_first_of_two", *topic_list(COPY, MANY, 0, guest=False))
    check_snapshot("resources/list_last_of_two", *topic_list(COPY, MANY, 1, guest=False))
    check_snapshot("resources/list_empty", *topic_list(COPY, [], 0, guest=False))


def test_pages_and_sources() -> None:
    check_snapshot("resources/page_first", *page_view(COPY, TOPIC, 0))
    check_snapshot("resources/page_last", *page_view(COPY, TOPIC, 1))
    check_snapshot("resources/page_only", *page_view(COPY, SHORT, 0))
    check_snapshot("resources/sources", *sources_view(COPY, TOPIC))


def test_search() -> None:
    check_snapshot("resources/search_found", *search_results(COPY, [SHORT, TOPIC]))
    check_snapshot(
        "resources/search_none", *search_none(COPY, topic_list(COPY, [TOPIC], 0, guest=False))
    )


def test_sources_fit_one_message() -> None:
    many = Topic(
        id="long",
        title="Long",
        audience=frozenset({"consumer"}),
        order=1,
        pages=("x",),
        sources=tuple("A source with a long name " * 8 for _ in range(40)),
    )
    text, _ = sources_view(COPY, many)
    assert len(text) < 4096 and "more, listed in the topic's file" in text
