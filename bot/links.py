"""Buttons that open another flow's screen, for flows that must not import each other.

Whoever moves the target flow onto typed callbacks changes the data here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback, pack

__all__ = ["OpenResources", "OpenTopic", "resources_home", "resources_topic"]


@callback("res")
@dataclass(frozen=True, slots=True)
class OpenResources:
    """Open the resources topic list for the person's role, in a new message. Packed as
    `res:home`, the data crisis cards already in people's chats carry, so those still work."""

    screen: Literal["home"] = "home"


@callback("res.open")
@dataclass(frozen=True, slots=True)
class OpenTopic:
    """Open one resources topic (by its id) at its first page, in a new message."""

    topic: str


def resources_home() -> str:
    """Callback data for a button that opens the resources topic list in a new message
    (answered by flows/resources; the crisis card in bot/safety.py opens the same)."""
    return pack(OpenResources())


def resources_topic(topic_id: str) -> str:
    """Callback data for a button that opens one resources topic in a new message."""
    return pack(OpenTopic(topic_id))
