"""The resources flow's own buttons: moves within its message, answered by editing it.
(Buttons other flows put on their messages, answered with a new message, are in bot/links.py.)"""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["TopicList", "TopicPage", "TopicSources"]


@callback("res.menu")
@dataclass(frozen=True, slots=True)
class TopicList:
    """One page of the topic list (0-based)."""

    page: int


@callback("res.topic")
@dataclass(frozen=True, slots=True)
class TopicPage:
    """One page (0-based) of a topic, by the topic's id."""

    topic: str
    page: int


@callback("res.src")
@dataclass(frozen=True, slots=True)
class TopicSources:
    """Where a topic's facts come from."""

    topic: str
