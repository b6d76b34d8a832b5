"""Retrain the n-gram model and re-choose the threshold, keeping the sentence model (dev only).

Usage::

    python -m bot.crisis_train_ngram               # held-out figures, threshold, writes models/
    python -m bot.crisis_train_ngram --no-write    # figures only

Fine-tuning the sentence model is the slow part of ``python -m bot.crisis_train`` (hours on
a busy two-core machine). When only the n-gram model's data, the rules or the threshold
policy change, this tool keeps the shipped sentence model (``sentence.int8.onnx``) and the
held-out sentence-model scores the run that trained it left in ``build/crisis/`` (5-fold
and leave-one-writer-out; each line scored by a network that never saw it). For each fold
it retrains the n-gram model without that fold (with the training-only lines), runs the
rules as they are now, combines the scores exactly as the detector does, chooses the
threshold with :func:`bot.crisis_train.choose_threshold` (recall first), and writes the
n-gram model and ``detector.json``. It never reads ``tests/crisis_holdout/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot import crisis_train as ct
from bot.domain import crisis

__all__ = ["choose_threshold", "heldout", "main", "sentence_scores"]

Held = list[tuple[str, list[ct.Row], list[ct.Scored]]]  # scheme, rows, held-out verdicts


def choose_threshold(held: Held) -> tuple[float, str]:
    """Recall first: the threshold and why.

    The highest threshold at which every scheme's held-out recall reaches
    :data:`bot.crisis_train.RECALL_TARGET` with false flags within
    :data:`bot.crisis_train.FALSE_FLAG_CAP`, if there is one. Otherwise the lowest (most
    recall) whose 5-fold false flags stay within the cap: 5-fold holds out lines of all
    fifteen writers, while the cached leave-one-writer-out scores cover four of them, whose
    false flags at any useful threshold are above the cap (they are reported, not used).
    """
    target, cap = ct.RECALL_TARGET, ct.FALSE_FLAG_CAP
    main_rows, main_scored = next((r, s) for n, r, s in held if n == "cv")
    cands = sorted({round(s.score, 3) for s in main_scored if 0.05 <= s.score <= 0.95})

    def rates(t: float) -> list[tuple[float, float]]:
        return [ct._rates(r, [ct._flag(x, t) for x in s]) for _, r, s in held]

    reaching = [t for t in cands if all(r >= target for r, _ in rates(t))]
    if reaching and all(ff <= cap for _, ff in rates(max(reaching))):
        return max(reaching), f"the highest at which every scheme's recall is {target}+"
    main = [
        t for t in cands if ct._rates(main_rows, [ct._flag(x, t) for x in main_scored])[1] <= cap
    ]
    t = min(main) if main else 0.5
    return t, (
        f"recall {target} is not reached within false flags of {cap}: the lowest threshold"
        f" whose 5-fold false flags stay within {cap}"
    )


def sentence_scores(name: str, rows: Sequence[ct.Row], kept: Sequence[int]) -> list[float]:
    """The cached held-out sentence-model scores of scheme ``name`` for rows ``kept``."""
    path = ct.CACHE_DIR / f"heldout-{name}.json"
    if not path.is_file():
        raise SystemExit(f"{path} is missing: run python -m bot.crisis_train --schemes {name}")
    dump = json.loads(path.read_text())
    if len(dump) != len(kept):
        raise SystemExit(f"{path} holds {len(dump)} lines, this scheme {len(kept)}: retrain")
    out = []
    for i, d in zip(kept, dump, strict=True):
        r = rows[i]
        if (d["source"], d["label"], d["category"]) != (r.source, r.label, r.category) or (
            "text" in d and d["text"] != r.text
        ):
            raise SystemExit(f"{path} does not match the data (line of {r.source}): retrain")
        s = d["sentence"]
        out.append(float(s if isinstance(s, int | float) else s[max(s, key=len)]))
    return out


def heldout(
    rows: Sequence[ct.Row],
    folds: Sequence[Sequence[int]],
    extra: Sequence[ct.Row],
    sentence: Sequence[float],
) -> list[ct.Scored]:
    """Held-out verdicts in ``kept`` order: rules now, n-gram retrained without each fold."""
    by_row: dict[int, ct.Scored] = {}
    kept = sorted(i for f in folds for i in f)
    sent = dict(zip(kept, sentence, strict=True))
    for n, fold in enumerate(folds, start=1):
        started = time.time()
        test = set(fold)
        train = [r for i, r in enumerate(rows) if i not in test] + list(extra)
        ngram = crisis.parse_ngram(ct.train_ngram(train))
        for i in fold:
            norm = ct._norm(rows[i].text)
            hits = crisis.match_rules(norm)
            kind = hits[0].kind if hits else ngram.kind(norm)
            by_row[i] = ct.Scored(bool(hits), ngram.score(norm)[0], sent[i], kind)
        print(f"  fold {n}/{len(folds)} in {time.time() - started:.0f} s", file=sys.stderr)
    return [by_row[i] for i in kept]


def _write(rows: Sequence[ct.Row], threshold: float, out: Path) -> str:
    ngram = ct.train_ngram(rows)
    (out / crisis.NGRAM_FILE).write_bytes(crisis.ngram_file_bytes(ngram))
    meta_path = out / crisis.DETECTOR_FILE
    meta = json.loads(meta_path.read_text())
    meta["threshold"] = threshold
    meta["feature_version"] = crisis.FEATURE_VERSION
    meta["trained_on"] = {
        "lines": len(rows),
        "files": sorted({r.source.split("/")[-1] for r in rows}),
        "ngram_only": "the sentence model was kept from the run recorded above",
    }
    meta["sha256"] = crisis.file_hashes(out)
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return f"wrote {out / crisis.NGRAM_FILE} and {meta_path} (threshold {threshold:.3f})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line tool."""
    ap = argparse.ArgumentParser(
        prog="python -m bot.crisis_train_ngram", description=(__doc__ or "").split("\n")[0]
    )
    ap.add_argument("--data", type=Path, default=ct.DATA_DIR, help="folder of *.tsv files")
    ap.add_argument("--out", type=Path, default=ct.MODELS_DIR, help="model folder to write")
    ap.add_argument("--schemes", default="cv,lowo", help="cv and/or lowo (as cached)")
    ap.add_argument("--no-extra", action="store_true", help="leave out training-only lines")
    ap.add_argument("--threshold", type=float, default=None, help="use this threshold")
    ap.add_argument("--no-write", action="store_true", help="evaluate only")
    ap.add_argument("--errors", type=int, default=0, help="misses and false flags to list")
    args = ap.parse_args(argv)

    rows = ct.read_data(args.data)
    extra = [] if args.no_extra else ct.read_training_only(args.data, rows)
    report = [f"n-gram retrain over cached sentence scores: {len(rows)} lines + {len(extra)}"]
    held: Held = []
    for name in [s.strip() for s in args.schemes.split(",") if s.strip()]:
        folds = ct.stratified_folds(rows) if name == "cv" else ct.leave_one_file_out(rows)
        kept = sorted(i for f in folds for i in f)
        try:
            sent = sentence_scores(name, rows, kept)
        except SystemExit:
            if name != "lowo":
                raise
            # round one scored only some writers: hold out just those
            dump = json.loads((ct.CACHE_DIR / f"heldout-{name}.json").read_text())
            cached = {d["source"] for d in dump}
            folds = [f for f in folds if rows[f[0]].source in cached]
            kept = sorted(i for f in folds for i in f)
            sent = sentence_scores(name, rows, kept)
        held.append((name, [rows[i] for i in kept], heldout(rows, folds, extra, sent)))
    for name, these, scored in held:
        report.append(f"  {name:<5} {ct.operating_points(these, scored)}")
    if args.threshold is not None:
        t, why = args.threshold, "given"
    else:
        t, why = choose_threshold(held)
    report.append(f"\nthreshold {t:.3f}: {why}")
    for name, these, scored in held:
        report.append("")
        report.append(ct.format_eval(name, ct.evaluate(these, scored, t)))
        if name == "lowo":
            for src in sorted({r.source for r in these}):
                sub = [(r, s) for r, s in zip(these, scored, strict=True) if r.source == src]
                ev = ct.evaluate([r for r, _ in sub], [s for _, s in sub], t)
                report.append(
                    f"    held-out {src:<20} recall {ev['recall']:.3f}"
                    f"  false flags {ev['false_flags']:.3f}"
                )
        if args.errors:
            report.append(ct._errors(these, scored, t, args.errors))
    if not args.no_write:
        report.append("\n" + _write([*rows, *extra], t, args.out))
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
