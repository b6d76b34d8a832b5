"""What the resources flow shows: pure functions from copy and topics to text and keyboards."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.resources import Topic
from bot.keyboards import Choice, page_slice, pager, rows
from bot.links import menu_row
from flows.resources.callbacks import TopicList, TopicPage, TopicSources

__all__ = [
    "MENU_SIZE",
    "View",
    "list_pages",
    "page_view",
    "search_none",
    "search_results",
    "sources_view",
    "topic_list",
]

MENU_SIZE = 8  # topic buttons per list, so the list fits a phone screen
_SOURCES_BUDGET = 3500  # characters of sources on one message, under Telegram's 4096

View = tuple[str, InlineKeyboardMarkup | None]


def list_pages(topics: Sequence[Topic]) -> int:
    """How many pages the list of TOPICS takes."""
    return page_slice(topics, 0, MENU_SIZE)[2]


def _topic_rows(topics: Sequence[Topic]) -> list[list[Choice]]:
    return [[(topic.title, TopicPage(topic.id, 0))] for topic in topics]


def _all_topics(copy: Content) -> list[Choice]:
    return [(copy.button("resources.all_topics_button"), TopicList(0))]


def topic_list(copy: Content, topics: Sequence[Topic], page: int, *, guest: bool) -> View:
    """Page PAGE of the topics a person may read (GUEST: not set up yet)."""
    home = [] if guest else [menu_row(copy)]
    if not topics:
        return copy.text("resources.empty"), rows(*home) if home else None
    shown, page, pages = page_slice(topics, page, MENU_SIZE)
    text = copy.text("resources.menu_guest" if guest else "resources.menu")
    if pages > 1:
        text += "\n\n" + copy.text("resources.menu_page", page=page + 1, pages=pages)
    nav = pager(
        copy,
        page,
        pages,
        TopicList,
        back_key="resources.earlier_topics_button",
        more_key="resources.more_topics_button",
    )
    return text, rows(*_topic_rows(shown), nav, *home)


def page_view(copy: Content, topic: Topic, page: int) -> View:
    """Page PAGE of TOPIC; its last page adds its links and where its facts come from."""
    pages = len(topic.pages)
    text = copy.text("resources.page", title=topic.title, body=Raw(topic.pages[page]))
    if pages > 1:
        text += "\n\n" + copy.text("resources.page_counter", page=page + 1, pages=pages)
    lines: list[list[Choice]] = [
        pager(
            copy,
            page,
            pages,
            lambda n: TopicPage(topic.id, n),
            back_key="resources.back_button",
            more_key="resources.next_button",
        )
    ]
    if page == pages - 1:
        lines.extend([(link.title, link.url)] for link in topic.links)
        if topic.sources:
            lines.append([(copy.button("resources.sources_button"), TopicSources(topic.id))])
    lines.append(_all_topics(copy))
    return text, rows(*lines)


def sources_view(copy: Content, topic: Topic) -> View:
    """Where TOPIC's facts come from, as many as fit one message."""
    lines: list[str] = []
    used = 0
    for source in topic.sources:
        line = "• " + html.escape(source, quote=False)
        if used + len(line) > _SOURCES_BUDGET:
            break
        lines.append(line)
        used += len(line) + 2
    left = len(topic.sources) - len(lines)
    if left:
        lines.append(copy.text("resources.sources_more", count=left))
    text = copy.text("resources.sources", title=topic.title, sources=Raw("\n\n".join(lines)))
    back = (
        copy.button("resources.back_to_topic_button"),
        TopicPage(topic.id, len(topic.pages) - 1),
    )
    return text, rows([back], _all_topics(copy))


def search_results(copy: Content, found: Sequence[Topic]) -> View:
    """Topics that matched a search (the person's words are never echoed: they may be raw
    or unkind to themselves)."""
    return copy.text("resources.search_found"), rows(
        *_topic_rows(found[:MENU_SIZE]), _all_topics(copy)
    )


def search_none(copy: Content, topic_list_view: View) -> View:
    """Nothing matched: say so, above the first page of the list."""
    text, markup = topic_list_view
    return copy.text("resources.search_none") + "\n\n" + text, markup
