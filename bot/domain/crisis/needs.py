"""Which of the rules' needs a message holds, and in which of its sentences.

Every rule is gated on text its pattern cannot match without (see
:func:`lexicon.required_sets`): these are found once per message for all the rules, so a
rule is tried only where it could match. Exact, not a guess.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .grams import GramTable, points

if TYPE_CHECKING:
    from .rules import Rule

__all__ = ["NeedIndex", "Needs", "held_needs"]


@dataclass(frozen=True, slots=True)
class NeedIndex:
    """Every rule's need, once each, filed under its first three characters (needs of
    fewer characters apart): a message's trigrams then name the few needs worth a search.
    For a long message, the needs whose every trigram (or pair) it holds, found at once
    (:class:`GramTable`)."""

    by_key: Mapping[str, tuple[str, ...]]
    keys: frozenset[str]
    short: tuple[str, ...]  # needs of one or two characters
    anchors: frozenset[str]  # the needs a rule is skipped without
    trigrams: GramTable  # the needs of three characters or more
    pairs: GramTable  # the needs of two

    @staticmethod
    def of(rules: Sequence[Rule]) -> NeedIndex:
        """The index of every need of ``rules``."""
        by_key: dict[str, list[str]] = {}
        short: list[str] = []
        every = {n for r in rules for side in r.gate or () for need in side for n in need}
        for need in sorted(every):
            if len(need) >= 3:
                by_key.setdefault(need[:3], []).append(need)
            else:
                short.append(need)
        return NeedIndex(
            by_key={k: tuple(v) for k, v in by_key.items()},
            keys=frozenset(by_key),
            short=tuple(short),
            anchors=frozenset(n for r in rules for n in r.needs or ()),
            trigrams=GramTable([n for v in by_key.values() for n in v], 3),
            pairs=GramTable([n for n in short if len(n) == 2], 2),
        )


# From this many characters a message's needs are found from its trigrams as numbers: on a
# message at Telegram's limit a quarter of the time sets of strings take.
NUMPY_FROM = 400


def held_needs(norm: str, ix: NeedIndex) -> list[str]:
    """A superset of the needs ``norm`` holds: those whose first trigram it holds (in a long
    message, every trigram), and the short needs it holds. Exact: a need left out is not in
    the text."""
    ascii_only = norm.isascii()  # then no need in another script is there
    if len(norm) < NUMPY_FROM:
        grams = {norm[i : i + 3] for i in range(len(norm) - 2)}
        # (each need found in full only when asked: in a short text that costs less than
        # looking up its other trigrams)
        held = [n for k in ix.keys.intersection(grams) for n in ix.by_key[k]]
        return held + [n for n in ix.short if (n.isascii() or not ascii_only) and n in norm]
    pts = points(norm)
    return [
        *ix.trigrams.held(pts),
        *ix.pairs.held(pts),
        *(n for n in ix.short if len(n) == 1 and (n.isascii() or not ascii_only) and n in norm),
    ]


class Needs:
    """Which of the rules' needs a message holds, and in which of its sentences.

    Found once per message for all the rules: the message's trigrams against the needs'
    trigrams (set lookups), then a search for each need so named, and each such need's
    sentences only when a rule asks; not one scan of every sentence per rule and need.
    Exact: a rule is skipped, or a sentence left out, only when, for every alternative of
    its pattern, one of the sets that alternative needs has no member there.
    """

    def __init__(
        self, norm: str, sents: list[str], ix: NeedIndex, within: Needs | None = None
    ) -> None:
        """``within``: the needs of a message ``norm`` is a piece of (a part of a long one):
        only those can be in the piece, so only those are looked for."""
        self.norm, self.sents = norm, sents
        # the needs whose trigrams the message holds (a superset of those it holds), each
        # looked for in full only when a rule asks
        if within is None:
            self.maybe = frozenset(held_needs(norm, ix))
        else:
            self.maybe = frozenset(n for n in within.maybe if n in norm)
        # the rules' first needs it holds, found at once: most rules stop at these
        self.anchors = frozenset(n for n in self.maybe & ix.anchors if n in norm)
        self._has: dict[str, bool] = dict.fromkeys(self.anchors, True)
        self._starts: list[int] | None = None
        self._found: dict[str, frozenset[int]] = {}

    def _sentence_starts(self) -> list[int]:
        if self._starts is None:
            starts, at = [], 0
            for sent in self.sents:
                at = self.norm.find(sent, at)
                starts.append(at)
                at += len(sent)
            self._starts = starts
        return self._starts

    def _sentences_with(self, need: str) -> frozenset[int]:
        found = self._found.get(need)
        if found is None:
            starts, norm, sents = self._sentence_starts(), self.norm, self.sents
            hits: set[int] = set()
            at = norm.find(need)
            while at >= 0:
                i = bisect.bisect_right(starts, at) - 1
                if i >= 0 and need in sents[i]:
                    hits.add(i)
                at = norm.find(need, at + 1)
            found = self._found[need] = frozenset(hits)
        return found

    def _holds(self, need: frozenset[str]) -> list[str]:
        """The members of ``need`` the message holds."""
        out = []
        for n in need:
            if n in self.maybe:
                has = self._has.get(n)
                if has is None:
                    has = self._has[n] = n in self.norm
                if has:
                    out.append(n)
        return out

    def open(self, rule: Rule) -> list[tuple[frozenset[str], ...]]:
        """The alternatives of ``rule`` whose every needed set has a member in the message."""
        assert rule.gate is not None
        anchors = self.anchors  # each side's first set is among the anchors, found already
        return [
            side
            for side in rule.gate
            if not side[0].isdisjoint(anchors) and all(self._holds(need) for need in side[1:])
        ]

    def may_match(self, rule: Rule) -> bool:
        """False when ``rule`` cannot match anywhere in the message."""
        if rule.needs is None:
            return True
        return not rule.needs.isdisjoint(self.anchors) and bool(self.open(rule))

    def sentences(self, rule: Rule) -> list[tuple[int, str]]:
        """The sentences (numbered from 1) that hold every set one of ``rule``'s
        alternatives needs."""
        if rule.gate is None or len(self.sents) <= 1:
            return list(enumerate(self.sents, start=1))
        at: set[int] = set()
        for side in self.open(rule):
            where: set[int] | None = None
            for need in side:
                with_need: set[int] = set()
                for n in self._holds(need):
                    with_need |= self._sentences_with(n)
                where = with_need if where is None else where & with_need
                if not where:
                    break
            at |= where or set()
        return [(i + 1, self.sents[i]) for i in sorted(at)]
