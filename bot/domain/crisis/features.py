"""Features of the n-gram model, shared by scoring and by the training tool.

Word 1-3-grams, negation-scoped words, character 3-5-grams, word classes (a class stream in
which "sertraline" and "quetiapine" are both ``<MED>``), concept groups, stems and coarse
markers (past story, question, idiom...). The word lists are ``data/lexicon.yaml`` and the
markers ``data/markers.yaml``; the code here only assembles them. Bump
:data:`FEATURE_VERSION` whenever what this module produces changes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping

from .lexicon import alternatives, data_file, lexicon, words
from .normalise import split_sentences

__all__ = [
    "FEATURE_VERSION",
    "Blocks",
    "blocks",
    "features",
    "kind_features",
    "message_markers",
    "spans",
    "tokens",
]

#: Bump whenever :func:`features` changes; the model file records the version
#: it was trained with and loading refuses a mismatch.
FEATURE_VERSION = 9

_LEX = lexicon()
_TOKEN_RE = re.compile(r"[a-z0-9']+|[?!]")
_DIGITS_RE = re.compile(r"\d+")
_NEGATORS = words(_LEX["negators"], "lexicon.yaml: negators")
_NEG_SCOPE = 4
USE_GROUPS = True
USE_STEMS = True
GROUP_VALUE = 0.3
USE_CLASSES = True
USE_CHARS = True
CLASS_VALUE = 1.0
# Short messages: a block's features are scaled by 1/sqrt(max(n, floor)), so a
# four-word greeting does not get each of its few features at full strength.
WORD_FLOOR = 12
CHAR_FLOOR = 60

_FIRST = words(_LEX["first_person"], "lexicon.yaml: first_person")
_THIRD_PRON = words(_LEX["third_pronouns"], "lexicon.yaml: third_pronouns")
_PEOPLE = words(_LEX["people"], "lexicon.yaml: people")
_MARKERS = data_file("markers.yaml")["markers"]
_MARKER_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, alternatives(p, f"markers.yaml: {name}"))
    for name, p in _MARKERS.items()
    if name not in ("safe", "resolved")
)
_SAFE_RE = alternatives(_MARKERS["safe"], "markers.yaml: safe")
_RESOLVED_RE = alternatives(_MARKERS["resolved"], "markers.yaml: resolved")
_IDIOM_RE = alternatives(data_file("scopes.yaml")["scopes"]["idiom"], "scopes.yaml: idiom")


def _markers(norm: str, tokens: list[str]) -> list[str]:
    found = [name for name, rx in _MARKER_RES if rx.search(norm)]
    if _SAFE_RE.search(norm):
        found.append("safe")
    if _RESOLVED_RE.search(norm):
        found.append("resolved")
    if _IDIOM_RE.search(norm):
        found.append("idiom2")
    present = set(tokens)
    if not _FIRST.isdisjoint(present):
        found.append("first")
    if not _THIRD_PRON.isdisjoint(present):
        found.append("third")
    if not _PEOPLE.isdisjoint(present):
        found.append("people")
    if not _NEGATORS.isdisjoint(present) or (
        "n't" in norm and any(t.endswith("n't") for t in present)
    ):
        found.append("neg")
    n = len(tokens)
    found.append("len:short" if n <= 6 else "len:mid" if n <= 20 else "len:long")
    return found


# Concept groups: words that mean the same thing to a crisis worker, so a
# phrasing never seen in training still lights up the right concepts. Pairs
# of groups present together are features too ("means" with "take").


# Concept groups: words that mean the same thing to a crisis worker, so a phrasing never
# seen in training still lights up the right concepts. Pairs of groups present together are
# features too ("means" with "take").
_GROUPS: Mapping[str, frozenset[str]] = {
    name: words(ws, f"lexicon.yaml: groups: {name}") for name, ws in _LEX["groups"].items()
}
_GROUP_NAMES = tuple(_GROUPS)


_GROUP_OF: dict[str, tuple[int, ...]] = {}
for _i, _g in enumerate(_GROUP_NAMES):
    for _w in _GROUPS[_g]:
        _GROUP_OF[_w] = (*_GROUP_OF.get(_w, ()), _i)


def _groups(tokens: list[str]) -> list[str]:
    idx: set[int] = set()
    for t in tokens:
        g = _GROUP_OF.get(t)
        if g:
            idx.update(g)
    present = [_GROUP_NAMES[i] for i in sorted(idx)]
    pairs = [f"{a}&{b}" for i, a in enumerate(present) for b in present[i + 1 :]]
    return present + pairs


# Token classes: lexicons of means, medicines, amounts, subjects, time and
# tone. Each word is replaced by its class in a second token stream whose
# n-grams are features ("k:<I> <INGEST> <AMT> <MED>"), so the model learns
# "first person + took + an amount + a medicine" rather than particular drug
# names, and a brand or poison it never saw in training still counts.


# Token classes: each word is replaced by its class in a second token stream whose n-grams
# are features ("k:<I> <INGEST> <AMT> <MED>"), so the model learns "first person + took + an
# amount + a medicine" rather than particular drug names.
_CLASS_OF: dict[str, str] = {
    w: c for c, ws in _LEX["classes"].items() for w in words(ws, f"lexicon.yaml: classes: {c}")
}
_BIGRAM_CLASS: Mapping[tuple[str, str], str] = {
    (k.split()[0], k.split()[1]): str(v) for k, v in _LEX["bigram_classes"].items()
}
_MED_END_RE = re.compile("(?:" + str(_LEX["medicine_endings"]) + ")$")
_FILLER = words(_LEX["filler"], "lexicon.yaml: filler")
_PAIR_CLASSES = words(_LEX["pair_classes"], "lexicon.yaml: pair_classes")


def _token_class(t: str) -> str | None:
    c = _CLASS_OF.get(t)
    if c is None and len(t) > 6 and _MED_END_RE.search(t):
        c = "<MED>"
    return c


def _class_feats(words: list[str]) -> set[str]:
    stream: list[str] = []
    i, n = 0, len(words)
    while i < n:
        t = words[i]
        if i + 1 < n:
            c2 = _BIGRAM_CLASS.get((t, words[i + 1]))
            if c2 is not None:
                stream.append(c2)
                i += 2
                continue
        i += 1
        if t in _FILLER:
            continue
        c = _token_class(t)
        stream.append(c or t)
    out: set[str] = set()
    classes: list[str] = []
    for j, a in enumerate(stream):
        ca = a[0] == "<"
        if ca:
            out.add("k:" + a)
            if a in _PAIR_CLASSES:
                classes.append(a)
        if j + 1 < n and j + 1 < len(stream):
            b = stream[j + 1]
            cb = b[0] == "<"
            if ca or cb:
                out.add(f"k:{a} {b}")
            if j + 2 < len(stream):
                c = stream[j + 2]
                if ca or cb or c[0] == "<":
                    out.add(f"k:{a} {b} {c}")
    seen: set[str] = set()
    for j, a in enumerate(classes):
        for b in classes[j + 1 :]:
            if a != b:
                seen.add(f"o:{a}>{b}")
    out.update(seen)
    return out


_STEMS: dict[str, str] = {}


def _stem(t: str) -> str:
    stem = _STEMS.get(t)
    if stem is None:
        stem = t
        for suf in ("ing", "ed", "es", "s", "ly"):
            if len(t) > len(suf) + 2 and t.endswith(suf):
                stem = t[: -len(suf)]
                break
        if len(_STEMS) < 50_000:  # bounded: a cache, not a leak
            _STEMS[t] = stem
    return stem


def tokens(norm: str) -> list[str]:
    """The word tokens the features are made of (digits as 0, "?" and "!" kept)."""
    return _TOKEN_RE.findall(_DIGITS_RE.sub("0", norm))


_tokens = tokens


Blocks = list[tuple[Iterable[str], float]]


def blocks(
    span: str, context: Iterable[str], *, chars: bool = True, own: list[str] | None = None
) -> Blocks:
    """Feature names of a span in blocks that share one value each.

    ``own`` is the span's marker list when the caller already has it.
    """
    toks = _tokens(span)
    words = [t for t in toks if t not in ("?", "!")]
    out: Blocks = []
    # word block: unigrams, bigrams, trigrams and negation-scoped unigrams;
    # each block is scaled to unit length so long messages don't dominate
    wb = {f"w:{t}" for t in toks}
    wb.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    wb.update(f"t:{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False))
    scope = 0
    for t in words:
        if t in _NEGATORS or t.endswith("n't"):
            scope = _NEG_SCOPE
            continue
        if scope:
            wb.add(f"n:{t}")
            scope -= 1
    if wb:
        out.append((wb, 1.0 / math.sqrt(max(len(wb), WORD_FLOOR))))
    if USE_CLASSES:
        kb = _class_feats(words)
        if kb:
            out.append((kb, CLASS_VALUE / math.sqrt(max(len(kb), WORD_FLOOR))))
    if chars and USE_CHARS:
        # character block: 3..5-grams over the words joined by single spaces
        s = " " + " ".join(words) + " "
        cb = {"c:" + s[i : i + n] for n in (3, 4, 5) for i in range(len(s) - n + 1)}
        if cb:
            out.append((cb, 1.0 / math.sqrt(max(len(cb), CHAR_FLOOR))))
    out.append((["m:" + m for m in (own if own is not None else _markers(span, toks))], 1.0))
    if USE_GROUPS:
        out.append((["g:" + g for g in _groups(toks)], GROUP_VALUE))
    if USE_STEMS:
        st = {f"s:{_stem(t)}" for t in words}
        if st:
            out.append((st, 1.0 / math.sqrt(max(len(st), WORD_FLOOR))))
    out.append((["d:" + m for m in context], 1.0))
    return out


def features(span: str, context: Iterable[str] = ()) -> dict[str, float]:
    """Return the feature map of one normalised span (message or sentence).

    ``context`` is the message-level marker list from :func:`message_markers`,
    added with a ``d:`` prefix so a sentence knows, say, that its message
    tells a past story.
    """
    return {k: v for keys, v in blocks(span, context) for k in keys}


def message_markers(norm: str) -> list[str]:
    """Return the marker names found in a whole normalised message."""
    return _markers(norm, _tokens(norm))


def spans(norm: str) -> list[str]:
    """Return the spans scored for a message: the message, then its sentences."""
    sents = split_sentences(norm)
    if len(sents) <= 1:
        return [norm]
    return [norm, *sents]


def kind_features(norm: str) -> dict[str, float]:
    """Return the (word-only) feature map used by the kind model."""
    return {k: v for keys, v in blocks(norm, (), chars=False) for k in keys}


# --------------------------------------------------------------------------
