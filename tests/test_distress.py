"""Whether a message nobody expected sounds like a hard time: it only picks the first words of
the last-resort reply (the crisis detector, first, decides what is risk)."""

from __future__ import annotations

import pytest

from bot.domain.distress import sounds_hard


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
    ],
)
def test_ordinary_messages(text: str) -> None:
    assert not sounds_hard(text)
