"""Train and evaluate the crisis detector (development only).

Usage::

    python -m bot.crisis_train            # train, evaluate, write the model
    python -m bot.crisis_train --no-write # evaluate only

Reads every ``tests/crisis_data/*.tsv`` (``label<TAB>category<TAB>text``),
skips malformed lines with a warning, reports stratified 5-fold
cross-validation and leave-one-file-out results (train on the other writers,
test on one: the honest estimate for a service's unseen sets), chooses the
threshold on held-out scores, trains on everything and writes
``bot/domain/crisis_model.json.gz``. Needs the ``train`` extra
(scikit-learn, numpy); the running bot does not.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain import crisis

__all__ = [
    "CRISIS_CATEGORIES",
    "OK_CATEGORIES",
    "Row",
    "Scored",
    "choose_threshold",
    "evaluate",
    "heldout_scores",
    "leave_one_file_out",
    "main",
    "read_data",
    "stratified_folds",
    "train",
]

CRISIS_CATEGORIES = crisis.KINDS
OK_CATEGORIES = ("idiom", "recovery", "question", "peer_worker", "everyday", "struggle")

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "tests" / "crisis_data"
MODEL_PATH = Path(__file__).resolve().parent / "domain" / crisis.MODEL_FILE

# Model settings, chosen on the held-out folds (see the report).
C = 16.0
KIND_C = 32.0
MIN_DF = 2
SENTENCE_WEIGHT = 1.0  # weight of sentence-level training instances
PRUNE = 0.02  # drop weights smaller than this in absolute value
KIND_PRUNE = 0.05
# Threshold: a missed crisis is the worst failure, so take as much recall as
# the false-flag budget allows; the budget keeps a margin under the 0.10 bar.
FALSE_FLAG_BUDGET = 0.085
# A rule match counts only when the model's score is at least this (see
# crisis._Model.rule_gate); chosen on leave-one-file-out over 7 writers.
RULE_GATE = 0.1
SEED = 13


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled line of the development set."""

    label: str
    category: str
    text: str
    source: str

    @property
    def crisis(self) -> bool:
        """True for crisis lines."""
        return self.label == "crisis"


@dataclass(frozen=True, slots=True)
class Scored:
    """A held-out verdict: model score, whether a rule fired, predicted kind."""

    score: float
    rule: bool
    kind: str | None


def read_data(data_dir: Path = DATA_DIR) -> list[Row]:
    """Read every ``*.tsv`` in ``data_dir``, warning about and skipping bad lines."""
    rows: list[Row] = []
    seen: set[str] = set()
    for path in sorted(data_dir.glob("*.tsv")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split("\t")
            where = f"{path.name}:{n}"
            if len(parts) != 3:
                print(
                    f"warning: {where}: expected 3 tab-separated fields, got {len(parts)}; skipped",
                    file=sys.stderr,
                )
                continue
            label, category, text = (p.strip() for p in parts)
            ok_cats = (
                CRISIS_CATEGORIES if label == "crisis" else OK_CATEGORIES if label == "ok" else ()
            )
            if category not in ok_cats:
                print(
                    f"warning: {where}: bad label/category {label!r}/{category!r}; skipped",
                    file=sys.stderr,
                )
                continue
            if not text:
                print(f"warning: {where}: empty text; skipped", file=sys.stderr)
                continue
            key = text.lower()
            if key in seen:
                print(f"warning: {where}: duplicate text; skipped", file=sys.stderr)
                continue
            seen.add(key)
            rows.append(Row(label, category, text, path.stem))
    return rows


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------

# Features depend only on the text, so folds share them: computed once each.
_norm = functools.cache(crisis.normalise)


@functools.cache
def _markers(norm: str) -> tuple[str, ...]:
    return tuple(crisis.message_markers(norm))


@functools.cache
def _feats(span: str, ctx: tuple[str, ...]) -> dict[str, float]:
    return crisis.features(span, ctx)


@functools.cache
def _kind_feats(norm: str) -> dict[str, float]:
    return crisis.kind_features(norm)


@functools.cache
def _rule_hits(norm: str) -> tuple[crisis.RuleHit, ...]:
    return tuple(crisis.match_rules(norm))


def _int32(x: Any) -> Any:
    # liblinear only takes 32-bit sparse indices
    x = x.tocsr()
    x.indices = x.indices.astype("int32")
    x.indptr = x.indptr.astype("int32")
    return x


def _fit_binary(
    feats: list[dict[str, float]], ys: list[int], weights: list[float], c: float
) -> tuple[float, dict[str, float]]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    df: Counter[str] = Counter()
    for f in feats:
        df.update(f.keys())
    keep = {k for k, n in df.items() if n >= MIN_DF or k.startswith(("m:", "d:"))}
    feats = [{k: v for k, v in f.items() if k in keep} for f in feats]
    vec = DictVectorizer()
    x = _int32(vec.fit_transform(feats))
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
    clf.fit(x, ys, sample_weight=weights)
    names = vec.get_feature_names_out()
    coef = clf.coef_[0]
    return float(clf.intercept_[0]), {
        str(n): round(float(w), 4) for n, w in zip(names, coef, strict=False) if abs(w) >= PRUNE
    }


def _fit_kinds(rows: Sequence[Row]) -> tuple[list[str], list[float], dict[str, list[float]]]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    crisis_rows = [r for r in rows if r.crisis]
    feats = [_kind_feats(_norm(r.text)) for r in crisis_rows]
    df: Counter[str] = Counter()
    for f in feats:
        df.update(f.keys())
    feats = [{k: v for k, v in f.items() if df[k] >= MIN_DF} for f in feats]
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    clf = LogisticRegression(C=KIND_C, max_iter=3000)
    clf.fit(x, [r.category for r in crisis_rows])
    classes = [str(c) for c in clf.classes_]
    names = vec.get_feature_names_out()
    out: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        col = [float(clf.coef_[i][j]) for i in range(len(classes))]
        if max(abs(w) for w in col) >= KIND_PRUNE:
            out[str(name)] = [round(w, 3) for w in col]
    return classes, [round(float(b), 4) for b in clf.intercept_], out


def _instances(
    rows: Sequence[Row], first: dict[str, Any] | None
) -> tuple[list[dict[str, float]], list[int], list[float]]:
    """Whole messages, plus sentences: every sentence of an ok message is a
    negative; for a crisis message, the sentence the first-pass model finds
    riskiest is a positive (the risk is usually in one sentence)."""
    model = crisis._parse_model(first) if first else None
    feats: list[dict[str, float]] = []
    ys: list[int] = []
    ws: list[float] = []
    for r in rows:
        norm = _norm(r.text)
        ctx = _markers(norm)
        y = int(r.crisis)
        feats.append(_feats(norm, ctx))
        ys.append(y)
        ws.append(1.0)
        sp = crisis.spans(norm)
        if len(sp) == 1:
            continue
        if not y:
            for s in sp[1:]:
                feats.append(_feats(s, ctx))
                ys.append(0)
                ws.append(SENTENCE_WEIGHT / max(1, len(sp) - 1) ** 0.5)
        elif model is not None:
            best = max(
                sp[1:],
                key=lambda s: crisis._linear(model.weights, model.bias, _feats(s, ctx)),
            )
            feats.append(_feats(best, ctx))
            ys.append(1)
            ws.append(SENTENCE_WEIGHT)
    return feats, ys, ws


def train(rows: Sequence[Row], threshold: float = 0.5, *, c: float = C) -> dict[str, Any]:
    """Train the detector on ``rows`` and return the model as a JSON-ready dict."""
    model: dict[str, Any] = {
        "feature_version": crisis.FEATURE_VERSION,
        "threshold": threshold,
        "rule_gate": RULE_GATE,
    }
    # pass 1: whole messages and ok sentences; pass 2 adds the riskiest
    # sentence of each long crisis message as a positive
    first: dict[str, Any] | None = None
    for _ in range(2):
        feats, ys, ws = _instances(rows, first)
        bias, weights = _fit_binary(feats, ys, ws, c)
        first = {
            **model,
            "bias": bias,
            "weights": weights,
            "kind_classes": [],
            "kind_bias": [],
            "kind_weights": {},
        }
    classes, kbias, kweights = _fit_kinds(rows)
    assert first is not None
    return {**first, "kind_classes": classes, "kind_bias": kbias, "kind_weights": kweights}


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _score_rows(model: dict[str, Any], rows: Sequence[Row]) -> list[Scored]:
    m = crisis._parse_model(model)
    out: list[Scored] = []
    for r in rows:
        norm = _norm(r.text)
        p, _ = crisis.score_spans(norm, m)
        hits = _rule_hits(norm) if p >= RULE_GATE else ()
        kind = hits[0].kind if hits else crisis._kind_from_model(norm, m)
        out.append(Scored(p, bool(hits), kind))
    return out


def stratified_folds(rows: Sequence[Row], k: int = 5, seed: int = SEED) -> list[list[int]]:
    """Split row indices into ``k`` folds stratified by label and category."""
    by_cat: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_cat[(r.label, r.category)].append(i)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for key in sorted(by_cat):
        idx = by_cat[key]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            folds[(j + offset) % k].append(i)
        offset += len(idx)
    return folds


def leave_one_file_out(rows: Sequence[Row]) -> list[list[int]]:
    """Return one fold per source file."""
    by_src: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_src[r.source].append(i)
    return [by_src[s] for s in sorted(by_src)]


def heldout_scores(
    rows: Sequence[Row], folds: Sequence[Sequence[int]], *, c: float = C
) -> list[Scored]:
    """Score the rows of each fold with a model trained without that fold.

    Rows in no fold get a zero placeholder; callers use only the folds' rows.
    """
    out: list[Scored] = [Scored(0.0, False, None)] * len(rows)
    for fold in folds:
        test = set(fold)
        model = train([r for i, r in enumerate(rows) if i not in test], c=c)
        for i, s in zip(fold, _score_rows(model, [rows[i] for i in fold]), strict=False):
            out[i] = s
    return out


def _flag(s: Scored, t: float) -> bool:
    return (s.rule and s.score >= RULE_GATE) or s.score >= t


def _flags(scored: Sequence[Scored], t: float) -> list[bool]:
    return [_flag(s, t) for s in scored]


def choose_threshold(rows: Sequence[Row], scored: Sequence[Scored]) -> float:
    """Lowest threshold (most recall) whose held-out false flags stay within
    FALSE_FLAG_BUDGET, a margin under the 0.10 bar for unseen writers."""
    cands = sorted({round(s.score, 3) for s in scored} | {0.5})
    for t in cands:
        if _rates(rows, _flags(scored, t))[1] <= FALSE_FLAG_BUDGET:
            return t
    return 0.5


def _rates(rows: Sequence[Row], flags: Sequence[bool]) -> tuple[float, float]:
    pos = [f for r, f in zip(rows, flags, strict=False) if r.crisis]
    neg = [f for r, f in zip(rows, flags, strict=False) if not r.crisis]
    return (sum(pos) / max(1, len(pos)), sum(neg) / max(1, len(neg)))


def evaluate(rows: Sequence[Row], scored: Sequence[Scored], t: float) -> dict[str, Any]:
    """Recall, false-flag rate, per-category rates and kind accuracy at ``t``."""
    flags = _flags(scored, t)
    recall, ff = _rates(rows, flags)
    per: dict[str, tuple[int, int]] = {}
    for cat in (*CRISIS_CATEGORIES, *OK_CATEGORIES):
        fs = [f for r, f in zip(rows, flags, strict=False) if r.category == cat]
        per[cat] = (sum(fs), len(fs))
    caught = [(r, s) for r, s, f in zip(rows, scored, flags, strict=False) if r.crisis and f]
    kind_ok = sum(1 for r, s in caught if s.kind == r.category)
    rule_pos = sum(1 for r, s in zip(rows, scored, strict=False) if s.rule and r.crisis)
    rule_neg = sum(1 for r, s in zip(rows, scored, strict=False) if s.rule and not r.crisis)
    return {
        "recall": recall,
        "false_flags": ff,
        "per_category": per,
        "kind_accuracy": kind_ok / max(1, len(caught)),
        "rule_hits": (rule_pos, rule_neg),
        "n": (sum(r.crisis for r in rows), sum(not r.crisis for r in rows)),
    }


def format_eval(title: str, ev: dict[str, Any]) -> str:
    """Render one evaluation block of the report."""
    npos, nneg = ev["n"]
    lines = [
        f"{title}",
        f"  recall (crisis lines caught)  {ev['recall']:.3f}  of {npos}",
        f"  false flags (ok lines)        {ev['false_flags']:.3f}  of {nneg}",
        f"  kind correct (caught lines)   {ev['kind_accuracy']:.3f}",
        f"  rules fired: {ev['rule_hits'][0]} crisis lines, {ev['rule_hits'][1]} ok lines",
        "  per category:",
    ]
    for cat, (hit, n) in ev["per_category"].items():
        what = "recall" if cat in CRISIS_CATEGORIES else "false flags"
        rate = hit / n if n else float("nan")
        lines.append(f"    {cat:<12} {what:<11} {rate:.3f}  ({hit}/{n})")
    return "\n".join(lines)


def _errors(rows: Sequence[Row], scored: Sequence[Scored], t: float, limit: int) -> str:
    lines: list[str] = []
    misses = [
        (s.score, r) for r, s in zip(rows, scored, strict=False) if r.crisis and not _flag(s, t)
    ]
    false = [
        (s.score, r) for r, s in zip(rows, scored, strict=False) if not r.crisis and _flag(s, t)
    ]
    lines.append(f"  misses ({len(misses)}):")
    for p, r in sorted(misses, key=lambda x: x[0])[:limit]:
        lines.append(f"    {p:.2f} {r.source}/{r.category}: {r.text[:160]}")
    lines.append(f"  false flags ({len(false)}):")
    for p, r in sorted(false, key=lambda x: -x[0])[:limit]:
        rule = (
            " [rule]" if any(s.rule for rr, s in zip(rows, scored, strict=False) if rr is r) else ""
        )
        lines.append(f"    {p:.2f}{rule} {r.source}/{r.category}: {r.text[:160]}")
    return "\n".join(lines)


def _timing(sample: Sequence[str]) -> float:
    crisis.assess("warm up")
    times: list[float] = []
    for text in sample:
        t0 = time.perf_counter()
        crisis.assess(text)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2] * 1000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line tool."""
    ap = argparse.ArgumentParser(
        prog="python -m bot.crisis_train", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--data", type=Path, default=DATA_DIR, help="folder of *.tsv files")
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="model file to write")
    ap.add_argument("--no-write", action="store_true", help="evaluate only")
    ap.add_argument("--errors", type=int, default=25, help="misses and false flags to list")
    ap.add_argument("--report", type=Path, default=None, help="also write the report here")
    args = ap.parse_args(argv)

    rows = read_data(args.data)
    if not rows:
        print(f"no data in {args.data}", file=sys.stderr)
        return 1
    counts = Counter((r.source, r.label) for r in rows)
    out: list[str] = [f"crisis detector training report ({time.strftime('%Y-%m-%d %H:%M')})"]
    out.append(f"data: {len(rows)} lines from {len({r.source for r in rows})} files")
    for src in sorted({r.source for r in rows}):
        out.append(f"  {src}: {counts[(src, 'crisis')]} crisis, {counts[(src, 'ok')]} ok")
    cat_counts = Counter(r.category for r in rows)
    out.append(
        "  " + ", ".join(f"{c} {cat_counts[c]}" for c in (*CRISIS_CATEGORIES, *OK_CATEGORIES))
    )

    cv = heldout_scores(rows, stratified_folds(rows))
    sources = {r.source for r in rows}
    lofo = heldout_scores(rows, leave_one_file_out(rows)) if len(sources) > 1 else None
    # threshold: chosen on the pooled held-out scores of both schemes
    pool_rows = list(rows) + (list(rows) if lofo else [])
    pool = cv + (lofo or [])
    t = choose_threshold(pool_rows, pool)
    out.append(
        f"\nthreshold {t:.3f}: the lowest whose pooled held-out false flags"
        f" (5-fold + leave-one-file-out) stay within {FALSE_FLAG_BUDGET}"
    )
    out.append("")
    out.append(format_eval("stratified 5-fold cross-validation", evaluate(rows, cv, t)))
    out.append(_errors(rows, cv, t, args.errors))
    if lofo:
        out.append("")
        out.append(
            format_eval("leave-one-file-out (train on the other writers)", evaluate(rows, lofo, t))
        )
        for src in sorted(sources):
            sub = [(r, s) for r, s in zip(rows, lofo, strict=False) if r.source == src]
            ev = evaluate([r for r, _ in sub], [s for _, s in sub], t)
            recall, ff = ev["recall"], ev["false_flags"]
            out.append(f"    held-out {src:<12} recall {recall:.3f}  false flags {ff:.3f}")
        out.append(_errors(rows, lofo, t, args.errors))

    model = train(rows, t)
    size = len(gzip.compress(json.dumps(model, separators=(",", ":")).encode()))
    out.append(
        f"\nfinal model: {len(model['weights'])} weights,"
        f" {len(model['kind_weights'])} kind features, {size / 1024:.0f} KiB gzipped"
    )
    if not args.no_write:
        args.out.write_bytes(
            gzip.compress(
                json.dumps(model, separators=(",", ":"), sort_keys=True).encode(), mtime=0
            )
        )
        out.append(f"wrote {args.out}")
        crisis.load_model(json.loads(gzip.decompress(args.out.read_bytes())))
        out.append(f"median assess() time: {_timing([r.text for r in rows]):.3f} ms per message")
    report = "\n".join(out)
    print(report)
    if args.report:
        args.report.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
