"""What a chosen name may be: a short name, not a message, a question, a link or a staff title.

People see each other only by the names they choose here, so a name that reads as a staff
title ("Coordinator", "Admin", the service's own name) could mislead someone, and a link or an
@handle could lead someone off the bot to a personal account (DESIGN rule 3).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

__all__ = ["MAX_LENGTH", "NameProblem", "name_problem", "tidy_name"]

MAX_LENGTH = 32

#: Why a name won't do; each has its own plain sentence in the copy.
NameProblem = Literal[
    "empty", "too_long", "one_line", "no_letters", "link", "question", "sentence", "staff"
]

_LINK = re.compile(
    r"(https?://|www\.|t\.me/|telegram\.me/|@[a-z0-9_]{3,}"
    r"|\b[a-z0-9-]+\.(com|org|net|info|io|me|co|au|nz|uk|ie|us|ca|app|link)\b)",
    re.IGNORECASE,
)
# Words a message has and a name almost never does: "my name is Sam", "I don't know", "no".
_MESSAGE_WORDS = frozenset(
    (
        "i",
        "i'm",
        "im",
        "i've",
        "ive",
        "i'd",
        "me",
        "my",
        "mine",
        "myself",
        "you",
        "your",
        "you're",
        "youre",
        "we",
        "our",
        "us",
        "please",
        "thanks",
        "thank",
        "hello",
        "hi",
        "hey",
        "yes",
        "no",
        "nope",
        "yeah",
        "don't",
        "dont",
        "know",
        "want",
        "call",
        "called",
        "name",
        "sorry",
        "idk",
        "dunno",
        "not",
        "just",
        "skip",
    )
)
_QUESTION_STARTS = frozenset(
    (
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
        "which",
        "can",
        "could",
        "do",
        "does",
        "is",
        "are",
        "should",
        "would",
        "will",
        "may",
    )
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE_BREAK = re.compile(r"([^\W\d_]{4,}[.!]|[;:!])\s+\S")


def tidy_name(text: str) -> str:
    """TEXT as a name is stored: one line, single spaces, composed Unicode."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _words(text: str) -> list[str]:
    return [w.casefold().replace("\u2019", "'") for w in _WORD.findall(text)]


def _title_words(text: str) -> list[str]:
    """Words as a staff title is compared: camel case split, digits read as letters."""
    plain = unicodedata.normalize("NFKC", _CAMEL.sub(" ", text)).translate(_LEET)
    return [w.casefold() for w in re.findall(r"[^\W\d_]+", plain)]


def _has_phrase(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _is_title(text: str, reserved: Iterable[str]) -> bool:
    words = _title_words(text)
    compact = "".join(words)
    for title in reserved:
        phrase = _title_words(title)
        if phrase and (_has_phrase(words, phrase) or compact == "".join(phrase)):
            return True
    return False


def name_problem(text: str, reserved: Iterable[str] = ()) -> NameProblem | None:
    """Why TEXT can't be someone's name here, or None if it can. RESERVED: staff titles and
    the service's name, which nobody may take (compared word by word, whatever the case,
    spacing or digits-for-letters)."""
    if "\n" in text.strip():
        return "one_line"
    name = tidy_name(text)
    if not name:
        return "empty"
    if _LINK.search(name):
        return "link"
    words = _words(name)
    if not words or name.startswith("/"):
        return "no_letters"
    if _is_title(name, reserved):
        return "staff"
    if "?" in name or (len(words) >= 3 and words[0] in _QUESTION_STARTS):
        return "question"
    # A full stop after a word ends a sentence ("Hello there. I'm Sam"); after an initial or
    # a title it doesn't ("J. Smith", "Dr. Kim").
    if (
        len(words) > 5
        or any(w in _MESSAGE_WORDS for w in words)
        or _SENTENCE_BREAK.search(name)
        or (len(words) >= 3 and name[-1] in ".!")
    ):
        return "sentence"
    # last: a long question or message hears what it is, not only that it is long
    if len(name) > MAX_LENGTH:
        return "too_long"
    return None
