"""Buttons that open another flow's screen, for flows that must not import each other.

Whoever moves the target flow onto typed callbacks changes the data here, once.
"""

from __future__ import annotations

__all__ = ["resources_home"]


def resources_home() -> str:
    """Callback data for a button that opens the resources topic list in a new message
    (answered by flows/resources; the crisis card in bot/safety.py opens the same)."""
    return "res:home"
