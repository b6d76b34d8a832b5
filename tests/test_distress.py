"""Whether a message nobody expected sounds like a hard time: it only picks the first words of
the last-resort reply (the crisis detector, first, decides what is risk)."""

from __future__ import annotations

import pytest

from bot.domain.distress import asks_for_help, sounds_hard


@pytest.mark.parametrize(
    "text",
    [
        "I had a really hard day",
        "im struggling with my son",
        "feeling so alone",
        "I can't cope with this",
        "I'm so stressed about my daughter",
        "crying again tonight",
        "I don't know what to do",
        "not ok",
        "I'm worried about my partner",
        "a bad week",
        "I feel awful",
        "everything is too much",
        "My daughter is 19 and things have been hard at home.",
    ],
)
def test_hard_times(text: str) -> None:
    assert sounds_hard(text)


@pytest.mark.parametrize(
    "text",
    [
        "hello?",
        "thanks",
        "what time is the group on thursday",
        "I'm not struggling today",
        "I'm no longer scared",
        "no worries, thanks",
        "don't worry about it",
        "can you help me find a group",
        "I need help with the settings",
        "I'm ok, thanks",
        "it was hard to find parking",
    ],
)
def test_ordinary_messages(text: str) -> None:
    assert not sounds_hard(text)


@pytest.mark.parametrize(
    "text", ["help", "Help!", "HELP", "help me", "i need help", "please help", "sos", "help pls"]
)
def test_a_plain_ask_for_help(text: str) -> None:
    """Answered with the numbers and the options, never "I'm not sure what you meant"."""
    assert asks_for_help(text)


@pytest.mark.parametrize(
    "text",
    ["help with my profile", "I need help with the settings", "can you help me find a group"],
)
def test_help_with_something_is_not_an_ask_for_help(text: str) -> None:
    assert not asks_for_help(text)
