"""Normalisation: one plain, lowercased spelling for every way a message can be written.

In order: Unicode forms and quotes; emoji to words; symbol and digit-for-letter spellings
of risk words ("su1c1de", "$uicide", "k!ll", "s u i c i d e"); dropped symbols; stretched
letters ("sooooo"); the algospeak list, phone and dictation slips and chat shorthand
(``data/algospeak.yaml``, ``data/rewrites.yaml``); then misspelled risk words one edit away
("sucidal", "myslef", "overdoes" excepted). The tables are data files; this is the engine.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping

from .grams import runs_of_three
from .lexicon import data_file, lexicon, required_text, rewrites, words

__all__ = ["fix_word", "normalise", "split_sentences", "unspell"]

_EMOJI: Mapping[str, str] = {
    unicodedata.normalize("NFKC", k).replace("\ufe0f", ""): str(v)
    for k, v in data_file("emoji.yaml")["emoji"].items()
}

_RISK: Mapping[str, str] = {str(k): str(v) for k, v in lexicon()["risk_words"].items()}
# tried shortest first, then alphabetically: a set's own order changes with each process's
# string hashing, and "suicida" (one edit from both) read as "suicide" in one run of the bot
# and "suicidal" in the next
_FUZZY = tuple(
    sorted(words(lexicon()["fuzzy_words"], "lexicon.yaml: fuzzy_words"), key=lambda w: (len(w), w))
)
_FUZZY2 = words(lexicon()["fuzzy_two_edits"], "lexicon.yaml: fuzzy_two_edits")
_NOT_RISK = words(lexicon()["not_risk_words"], "lexicon.yaml: not_risk_words")

_QUOTES = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": " - ",
        "…": "... ",
    }
)
_REPEAT_RE = re.compile(r"(\w)\1{2,}")
_PUNCT_REPEAT_RE = re.compile(r"([!?.])\1+")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_DROP_RE = re.compile(r"[^\w\s'.,!?;:/&\-\n#%+]")

# Letters people swap for digits and symbols to dodge filters.
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "i",
        "+": "t",
        "€": "e",
        "£": "l",
    }
)
# A word with a digit or symbol inside or in front ("su1c1de", "$uicide", "k!ll", "s*icide").
_OVERDOSED_RE = re.compile(r"\bOD(?:'?d|'?ed)\b")
_SYMBOL_WORD_RE = re.compile(r"(?<![\w@$*!|+€£])[a-z0-9@$*!|+€£]*[0-9@$*!|+€£][a-z0-9@$*!|+€£]*")
# Letters spelled out one at a time: "s u i c i d e", "k.i.l.l m.y.s.e.l.f", "d-i-e".
_SPACED_RE = re.compile(r"(?<![\w])(?:[a-z][ .\-_*]{1,2}){2,}[a-z](?![\w])")
_LETTERS_RE = re.compile(r"[a-z]")


# Everyday words that carry risk phrases, decoded from digits when written that way too.
_LEET_WORDS = frozenset(
    [
        "want",
        "wanna",
        "to",
        "me",
        "my",
        "myself",
        "end",
        "it",
        "all",
        "am",
        "going",
        "gonna",
        "life",
        "tonight",
        "not",
        "be",
        "here",
        "anymore",
        "alive",
        "dead",
        "kill",
        "take",
        "pills",
        "cut",
        "hurt",
        "die",
    ]
)


def _collapse(word: str) -> str:
    """``word`` with doubled letters made single: "kiill" and "kill" both give "kil"."""
    return re.sub(r"(\w)\1+", r"\1", word)


_BY_COLLAPSED: Mapping[str, str] = {_collapse(w): w for w in _RISK}


def _lookup(word: str) -> str | None:
    """The risk word ``word`` is a stretched or doubled form of, if any."""
    if word in _RISK:
        return _RISK[word]
    base = _BY_COLLAPSED.get(_collapse(word))
    return _RISK[base] if base is not None else None


def unspell(token: str) -> str | None:
    """Return the plain risk word a symbol or digit spelling stands for, or None.

    "su1c1de" -> "suicide", "$uicide" -> "suicide", "k!ll" -> "kill", "s*icide" -> "suicide".
    Tokens that decode to no risk word ("5pm", "24/7", "f*ck") give None.
    """
    core = token.strip("!*+|")
    plain = core.translate(_LEET)
    if plain in _LEET_WORDS and _LETTERS_RE.search(core):
        return plain  # "i w4nt t0 d1e": the words around a risk word, spelled the same way
    if sum(1 for _ in _LETTERS_RE.finditer(core)) < 2:
        return None
    if "*" in core:
        rx = re.compile(re.escape(core.translate(_LEET)).replace(r"\*", "[a-z]{1,2}") + "$")
        hits = {_RISK[w] for w in _RISK if rx.match(w)}
        return hits.pop() if len(hits) == 1 else None
    return _lookup(core.translate(_LEET))


def _symbol_sub(m: re.Match[str]) -> str:
    token = m.group(0)
    word = unspell(token)
    if word is None:
        return token
    # keep the punctuation that closed the word ("k!ll!" -> "kill!")
    tail = token[len(token.rstrip("!*+|")) :]
    return word + tail


def _spaced_sub(m: re.Match[str]) -> str:
    letters = "".join(_LETTERS_RE.findall(m.group(0)))
    word = _lookup(letters)
    return m.group(0) if word is None else f" {word} "


def _edits1(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one edit apart (insert, delete, swap or transpose)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _edits2(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are at most two edits apart (plain Levenshtein)."""
    if abs(len(a) - len(b)) > 2:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > 2:
            return False
        prev = cur
    return prev[-1] <= 2


@functools.lru_cache(maxsize=50_000)
def fix_word(token: str) -> str:
    """Return the risk word a misspelled or stretched ``token`` stands for, else ``token``."""
    if len(token) < 3 or token in _NOT_RISK or "'" in token:
        return token
    hit = _lookup(token)
    if hit is not None:
        return hit
    if len(token) < 6:
        return token
    for word in _FUZZY:
        if word[0] != token[0] or token in _RISK:
            continue
        if _edits1(token, word) or (
            word in _FUZZY2 and token[:2] == word[:2] and _edits2(token, word)
        ):
            return _RISK.get(word, word)
    return token


_WORD_RE = re.compile(r"[a-z]+")


class _Table:
    """Plain word-for-word rewrites ("gonna" -> "going to") as one lookup table.

    Only the words present in a message go into the pass's pattern, so a long message costs
    one tokenising scan, not a 100-way alternation tried at every character.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = dict(table)
        self.single = frozenset(k for k in table if " " not in k)
        self.multi = tuple(k for k in table if " " in k)

    @functools.lru_cache(maxsize=512)  # noqa: B019 (one table, kept for the process)
    def _pattern(self, keys: frozenset[str]) -> re.Pattern[str]:
        alts = "|".join(map(re.escape, sorted(keys, key=len, reverse=True)))
        return re.compile(rf"\b(?:{alts})\b")

    def sub(self, text: str) -> str:
        keys = set(self.single.intersection(_TOKEN_RE.findall(text)))
        keys.update(k for k in self.multi if k in text)
        if not keys:
            return text
        return self._pattern(frozenset(keys)).sub(lambda m: self.table[m.group(0)], text)


_TOKEN_RE = re.compile(r"[a-z0-9']+")
_Step = tuple[re.Pattern[str] | _Table, str, frozenset[str] | None]


def _merge_rewrites() -> tuple[_Step, ...]:
    # The table's pass runs where its first member stood; order is otherwise kept. Every
    # other rewrite is skipped when the text lacks a string each of its matches contains.
    simple_re = re.compile(r"^\\b(?:\(\?:)?([a-z0-9' |]+?)\)?\\b$")
    table: dict[str, str] = {}
    out: list[_Step] = []
    merged_at: int | None = None
    for rw in rewrites():
        m = simple_re.match(rw.find)
        if m and "\\" not in rw.write and rw.source.startswith("rewrites.yaml"):
            for word in m.group(1).split("|"):
                table[word] = rw.write
            if merged_at is None:
                merged_at = len(out)
                out.append((rw.pattern, rw.write, None))  # placeholder
            continue
        out.append((rw.pattern, rw.write, required_text(rw.pattern.pattern, 2)))
    if merged_at is not None:
        out[merged_at] = (_Table(table), "", None)
    return tuple(out)


_REWRITES = _merge_rewrites()


def _emoji_to_words(text: str) -> str:
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        word = _EMOJI.get(ch)
        out.append(f" {word} " if word is not None else ch)
    return "".join(out)


def normalise(text: str) -> str:
    """Return ``text`` lowercased, with emoji, symbol spellings, slang and slips rewritten.

    A pass is skipped where a plain substring test (fast, in C) shows it cannot change the
    text: exact, and on a message at Telegram's 4,096-character limit about a quarter of
    the work."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\ufe0f", "").replace("\u200d", " ")
    if "OD" in text:  # "ODd": only its capitals tell it from "odd"
        text = _OVERDOSED_RE.sub("overdosed", text)
    text = _emoji_to_words(text.translate(_QUOTES)).lower()
    text = _SYMBOL_WORD_RE.sub(_symbol_sub, text)
    text = _SPACED_RE.sub(_spaced_sub, text)
    if not text.isascii() or not _DROPPED_ASCII.isdisjoint(text):
        text = _DROP_RE.sub(" ", text)
    if _may_repeat(text):
        text = _REPEAT_RE.sub(r"\1\1", text)
    if "!!" in text or "??" in text or ".." in text:
        text = _PUNCT_REPEAT_RE.sub(r"\1", text)
    text = _spaces(text)
    for step, repl, needs in _REWRITES:
        if isinstance(step, _Table):
            text = step.sub(text)
        elif needs is None or any(n in text for n in needs):
            text = step.sub(repl, text)
    text = _fix_words(text)
    return _spaces(text).strip()


# The ASCII characters _DROP_RE drops (symbols and control characters), found from it.
_DROPPED_ASCII = frozenset(c for c in map(chr, range(128)) if _DROP_RE.match(c))


def _spaces(text: str) -> str:
    """Each run of spaces and tabs as one space (skipped when there is none to change)."""
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _SPACE_RE.sub(" ", text)
    return text


def _may_repeat(text: str) -> bool:
    """False only when no character comes three times in a row, so _REPEAT_RE cannot
    match: on a long message found with numpy at once, not tried at every character."""
    return len(text) < 512 or runs_of_three(text)


def _fix_words(text: str) -> str:
    """Every run of letters through `fix_word`; only the runs it changes are rewritten (a
    long message's words are looked up once each, and most need nothing)."""
    fixes = {w: f for w in set(_WORD_RE.findall(text)) if (f := fix_word(w)) != w}
    if not fixes:
        return text
    return _fixes_pattern(frozenset(fixes)).sub(lambda m: fixes[m.group(0)], text)


@functools.lru_cache(maxsize=512)
def _fixes_pattern(words: frozenset[str]) -> re.Pattern[str]:
    # exactly the letter runs _WORD_RE finds: no letter on either side
    alts = "|".join(sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])(?:{alts})(?![a-z])")


# Split after sentence punctuation, at line breaks, semicolons, and at " - ".
_SENT_RE = re.compile(r"(?<=[.!?])\s+|(?<=[.!?])(?=[a-z])|\n+|\s*;\s*|\s+-\s+")
# Long unpunctuated runs are also cut into overlapping word windows.
_WINDOW = 14
_STEP = 7


@functools.lru_cache(maxsize=8)
def _sentences(norm: str) -> tuple[str, ...]:
    # the rules, the n-gram model and the stock-phrase check all split the same message
    return tuple(p for p in (p.strip(" ,.") for p in _SENT_RE.split(norm)) if p)


def split_sentences(norm: str, *, windows: bool = True) -> list[str]:
    """Split normalised text into sentences (and windows of long run-ons)."""
    parts = _sentences(norm)
    if not windows:
        return list(parts)
    out: list[str] = []
    for part in parts:
        words_ = part.split()
        if len(words_) <= _WINDOW + _STEP:
            out.append(part)
            continue
        for start in range(0, len(words_) - _STEP, _STEP):
            out.append(" ".join(words_[start : start + _WINDOW]))
    return out


# Where a long run without sentence punctuation may be cut into pieces: between words.
_BETWEEN_WORDS_RE = re.compile(r"\s+")


def message_parts(norm: str, size: int) -> list[str]:
    """A long normalised message as overlapping parts of at most about ``size`` characters,
    each cut at sentence ends (a run of words with none, between words).

    Every run of whole sentences of at most ``size // 2`` characters lies wholly inside
    one part, so each thing a person says in a long message can be read as a message of
    its own: nothing around it (a story told from recovery, a joke three lines up, a
    "see you next week") speaks for it.
    """
    half = max(1, size // 2)
    cuts = [0]
    for m in _SENT_RE.finditer(norm):
        cuts.append(m.end())
    cuts.append(len(norm))
    bounds: list[int] = []
    for a, b in itertools.pairwise(cuts):
        bounds.append(a)
        while b - a > half:  # a run-on: cut between words, at most half a part apart
            at = max((m.start() for m in _BETWEEN_WORDS_RE.finditer(norm, a, a + half)), default=-1)
            a = at if at > a else a + half
            bounds.append(a)
    bounds.append(len(norm))
    bounds = sorted(set(bounds))
    parts: list[str] = []
    i = 0
    while i < len(bounds) - 1:
        j = i + 1
        while j + 1 < len(bounds) and bounds[j + 1] - bounds[i] <= size:
            j += 1
        part = norm[bounds[i] : bounds[j]].strip(" ,;-\n")
        if part:
            parts.append(part)
        if j == len(bounds) - 1:
            break
        # the next part starts half a part on (never before the next piece)
        k = i + 1
        while k < j and bounds[k] - bounds[i] < half:
            k += 1
        i = k
    return parts
