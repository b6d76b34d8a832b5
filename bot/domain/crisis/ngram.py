"""The n-gram model: logistic regression over :mod:`.features`, scored on the whole message
and on its sentences (the highest counts), plus a kind classifier.

Its weights are held in :class:`WeightTable` arrays, not dicts of strings, and its file
(:func:`ngram_file_bytes`) keeps feature names as one text, so neither loading nor holding
it costs a dict of 135,000 strings.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .features import FEATURE_VERSION, Blocks, blocks, message_markers
from .normalise import split_sentences

__all__ = [
    "NGRAM_LONG_ENDS",
    "NGRAM_LONG_PICKED",
    "NGRAM_MAX_SPANS",
    "NGRAM_WHOLE_CHARS",
    "NgramModel",
    "WeightTable",
    "ngram_file_bytes",
    "ngram_spans",
    "parse_ngram",
    "sigmoid",
]

# Characters of a message the n-gram model reads as a whole, and how many of its sentences
# it scores at most: long messages cost a bounded amount, the rules still read everything.
NGRAM_WHOLE_CHARS = 600
NGRAM_MAX_SPANS = 16
# A message of more sentences than that: the n-gram model scores its first two and last two
# sentences and the four others its word weights alone rank riskiest, wherever they are.
NGRAM_LONG_ENDS = 2
NGRAM_LONG_PICKED = 4
_KINDS = ("suicidal", "plan", "overdose", "self_harm", "goodbye", "third_party", "danger")
# From this many names a lookup sorts them first (see WeightTable.lookup).
_SORTED_FROM = 2000


def sigmoid(z: float) -> float:
    """The logistic function, without overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def ngram_spans(
    norm: str, rank: Callable[[Sequence[str]], Sequence[float]] | None = None
) -> list[str]:
    """The spans the n-gram model scores: the message's head, then its sentences (bounded).

    Past :data:`NGRAM_MAX_SPANS` sentences, the first and last :data:`NGRAM_LONG_ENDS` and
    the :data:`NGRAM_LONG_PICKED` others ``rank`` (scores for a list of sentences) puts
    highest (without ``rank``: the first and last half of :data:`NGRAM_MAX_SPANS`).
    """
    sents = split_sentences(norm)
    head = norm[:NGRAM_WHOLE_CHARS]
    if len(sents) <= 1 and len(norm) <= NGRAM_WHOLE_CHARS:
        return [head]
    if len(sents) > NGRAM_MAX_SPANS:
        if rank is None:
            sents = sents[: NGRAM_MAX_SPANS // 2] + sents[-(NGRAM_MAX_SPANS // 2) :]
        else:
            ends = NGRAM_LONG_ENDS
            middle = range(ends, len(sents) - ends)
            ranks = rank([sents[i] for i in middle])
            by_rank = sorted(middle, key=lambda i: -ranks[i - ends])
            picked = sorted(by_rank[:NGRAM_LONG_PICKED])
            keep = [*range(ends), *picked, *range(len(sents) - ends, len(sents))]
            sents = [sents[i] for i in keep]
    return [head, *sents]


class WeightTable:
    """Feature weights held as two sorted arrays: each feature name's hash and its weights.

    The n-gram model has about 135,000 features. As a dict of strings they took about 22 MB
    of every bot process; as arrays they take about 2 MB. A name is looked up by its hash
    (Python's own, computed once at load in this process) with a binary search; the chance
    that an unknown name shares a 64-bit hash with a known one is about 1 in 10^14 per name.
    If two known names ever share one, the table keeps a plain dict instead.
    """

    __slots__ = ("_dict", "_hashes", "_np", "_values", "width")

    def __init__(self, names: Sequence[str], values: Any) -> None:
        """``values``: one weight per name, or one row of weights per name."""
        import numpy as np

        self._np = np
        values = np.asarray(values, dtype=np.float64)
        self.width = values.shape[1] if values.ndim == 2 else 1
        hashes = np.fromiter(map(hash, names), dtype=np.int64, count=len(names))
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._values = values.reshape(-1, self.width)[order]
        self._dict: dict[str, Any] | None = None
        if len(hashes) > 1 and bool((self._hashes[1:] == self._hashes[:-1]).any()):
            self._dict = {n: self._values[i] for i, n in enumerate(np.asarray(names)[order])}

    def lookup(self, names: Sequence[str]) -> Any:
        """The weights of ``names``, one row each (zeros for a name the model lacks)."""
        np = self._np
        if self._dict is not None:
            zero = np.zeros(self.width)
            return np.asarray([self._dict.get(n, zero) for n in names]).reshape(-1, self.width)
        if not len(self._hashes):
            return np.zeros((len(names), self.width))
        h = np.fromiter(map(hash, names), dtype=np.int64, count=len(names))
        if len(h) > _SORTED_FROM:
            # a big batch (the parts of a long message): looked up in order, the table is
            # walked once rather than jumped about in, several times faster
            order = np.argsort(h, kind="stable")
            at = np.empty(len(h), dtype=np.intp)
            at[order] = np.searchsorted(self._hashes, h[order])
        else:
            at = np.searchsorted(self._hashes, h)
        at[at == len(self._hashes)] = 0
        rows = self._values[at]
        rows[self._hashes[at] != h] = 0.0
        return rows

    def totals(self, groups: Sequence[Blocks]) -> Any:
        """For each group of feature blocks, each column's weights summed, each block's
        weights times its value: one lookup for all of them."""
        np = self._np
        names: list[str] = []
        counts: list[int] = []
        scales: list[float] = []
        sizes: list[int] = []
        for bl in groups:
            first = len(names)
            for keys, v in bl:
                before = len(names)
                names.extend(keys)
                counts.append(len(names) - before)
                scales.append(v)
            sizes.append(len(names) - first)
        out = np.zeros((len(groups), self.width))
        if not names:
            return out
        rows = self.lookup(names) * np.repeat(scales, counts)[:, None]
        if len(groups) == 1:
            out[0] = rows.sum(axis=0)
            return out
        where = np.repeat(np.arange(len(groups)), sizes)
        if self.width == 1:  # one column (the risk score): bincount is the fast sum
            out[:, 0] = np.bincount(where, weights=rows[:, 0], minlength=len(groups))
        else:
            np.add.at(out, where, rows)
        return out


@dataclass(frozen=True, slots=True)
class NgramModel:
    """Logistic regression over n-gram features, and a kind classifier."""

    bias: float
    weights: WeightTable
    kind_classes: tuple[str, ...]
    kind_bias: tuple[float, ...]
    kind_weights: WeightTable  # one column per kind
    unigrams: WeightTable  # the "w:" weights by plain word

    def score_blocks(self, bl: Blocks) -> float:
        """The linear score of feature blocks (before the sigmoid)."""
        return self.bias + float(self.weights.totals([bl])[0, 0])

    def word_scores(self, spans: Sequence[str]) -> Sequence[float]:
        """A cheap partial score of each span: its words' weights alone (for ranking).

        Each different word is looked up once: a long message's spans overlap (windows of
        a long sentence share half their words) and repeat its everyday words."""
        split = [s.split() for s in spans]
        vocab = list({w for words in split for w in words})
        if not vocab:
            return [0.0] * len(spans)
        weight = dict(zip(vocab, self.unigrams.lookup(vocab)[:, 0].tolist(), strict=True))
        # added in order from 0, as WeightTable.totals adds them
        return [float(sum(weight[w] for w in words)) for words in split]

    def score(self, norm: str) -> tuple[float, str]:
        """The highest probability over a message's spans, and the riskiest sentence.

        The sentence (the riskiest span other than the message's head, or the head when the
        message is one sentence) is where the sentence model's window is centred.
        """
        ctx = message_markers(norm[: NGRAM_WHOLE_CHARS * 2])
        spans = ngram_spans(norm, self.word_scores)
        z = self.weights.totals(
            [blocks(span, ctx, own=ctx if i == 0 else None) for i, span in enumerate(spans)]
        )
        best, best_sent, where = -1.0, -1.0, norm
        for i, span in enumerate(spans):
            p = sigmoid(self.bias + float(z[i, 0]))
            best = max(best, p)
            if i > 0 and p > best_sent:
                best_sent, where = p, span
        return max(best, 0.0), where

    def score_many(self, norms: Sequence[str]) -> list[tuple[float, str]]:
        """:meth:`score` of each of several messages (the parts of a long one), with the
        sentences they share featurised once.

        A sentence's score in a message is its own features' weights plus those of its
        message's markers (the ``d:`` block, weight 1 each): the first is found once per
        different sentence, the second once per message, and all in one lookup.
        """
        ctxs = [message_markers(n[: NGRAM_WHOLE_CHARS * 2]) for n in norms]
        spans_of = [ngram_spans(n, self.word_scores) for n in norms]
        groups: list[Blocks] = []
        heads: list[int] = []
        at: dict[str, int] = {}
        for ctx, spans in zip(ctxs, spans_of, strict=True):
            heads.append(len(groups))
            groups.append(blocks(spans[0], ctx, own=ctx))
            for span in spans[1:]:
                if span not in at:
                    at[span] = len(groups)
                    groups.append(blocks(span, ()))
        first_ctx = len(groups)
        groups.extend([(["d:" + c for c in ctx], 1.0)] for ctx in ctxs)
        z = self.weights.totals(groups)[:, 0]
        out: list[tuple[float, str]] = []
        for k, (norm, spans) in enumerate(zip(norms, spans_of, strict=True)):
            best, best_sent, where = sigmoid(self.bias + float(z[heads[k]])), -1.0, norm
            for span in spans[1:]:
                p = sigmoid(self.bias + float(z[at[span]]) + float(z[first_ctx + k]))
                best = max(best, p)
                if p > best_sent:
                    best_sent, where = p, span
            out.append((max(best, 0.0), where))
        return out

    def kind(self, norm: str) -> str:
        """The most likely kind of risk for a message already judged risky."""
        bl = blocks(norm[: NGRAM_WHOLE_CHARS * 2], (), chars=False)
        sums = self.kind_weights.totals([bl])[0]
        scores = [b + float(z) for b, z in zip(self.kind_bias, sums, strict=True)]
        return self.kind_classes[max(range(len(scores)), key=scores.__getitem__)]


def ngram_file_bytes(raw: Mapping[str, Any]) -> bytes:
    """The n-gram model's file from the trainer's dict form: gzip'd JSON in which each
    table's feature names are one newline-separated text and its weights one base64 array of
    little-endian float64, so loading it never builds a dict of 135,000 strings (that took
    about 50 MB for a moment at every start)."""
    import numpy as np

    def packed(values: Any) -> str:
        return base64.b64encode(np.asarray(values, dtype="<f8").tobytes()).decode("ascii")

    weights = raw["weights"]
    kinds = raw["kind_weights"]
    names, kind_names = sorted(weights), sorted(kinds)
    if any("\n" in n for n in (*names, *kind_names)):
        raise ValueError("a feature name holds a line break")
    compact = {
        "format": "tables-1",
        "feature_version": raw["feature_version"],
        "bias": raw["bias"],
        "kind_classes": list(raw["kind_classes"]),
        "kind_bias": list(raw["kind_bias"]),
        "names": "\n".join(names),
        "weights": packed([weights[n] for n in names]),
        "kind_names": "\n".join(kind_names),
        "kind_weights": packed([kinds[n] for n in kind_names]),
    }
    return gzip.compress(json.dumps(compact, separators=(",", ":")).encode(), mtime=0)


def parse_ngram(raw: Mapping[str, Any]) -> NgramModel:
    """Build an :class:`NgramModel` from its file's JSON (see :func:`ngram_file_bytes`) or
    the trainer's dict form, checking the feature version."""
    import numpy as np

    if raw.get("feature_version") != FEATURE_VERSION:
        raise ValueError(
            f"n-gram model was trained with feature version {raw.get('feature_version')},"
            f" the code expects {FEATURE_VERSION}: retrain with python -m bot.crisis_train"
        )
    classes = tuple(str(c) for c in raw["kind_classes"])
    if not set(classes) <= set(_KINDS):
        raise ValueError(f"n-gram model has unknown kinds: {classes}")
    if raw.get("format") == "tables-1":
        names = raw["names"].split("\n") if raw["names"] else []
        values = np.frombuffer(base64.b64decode(raw["weights"]), dtype="<f8")
        kind_names = raw["kind_names"].split("\n") if raw["kind_names"] else []
        kind_values = np.frombuffer(base64.b64decode(raw["kind_weights"]), dtype="<f8")
    else:
        names = [str(k) for k in raw["weights"]]
        values = np.asarray([float(raw["weights"][n]) for n in names])
        kind_names = [str(k) for k in raw["kind_weights"]]
        kind_values = np.asarray([[float(x) for x in raw["kind_weights"][n]] for n in kind_names])
    if len(values) != len(names) or kind_values.size != len(kind_names) * len(classes):
        raise ValueError("n-gram model's weights do not match its feature names")
    kind_values = kind_values.reshape(len(kind_names), len(classes))
    words = [i for i, n in enumerate(names) if n.startswith("w:")]
    return NgramModel(
        bias=float(raw["bias"]),
        weights=WeightTable(names, values),
        kind_classes=classes,
        kind_bias=tuple(float(b) for b in raw["kind_bias"]),
        kind_weights=WeightTable(kind_names, kind_values),
        unigrams=WeightTable([names[i][2:] for i in words], values[words]),
    )
