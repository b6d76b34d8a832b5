"""The detector on the blind hold-out: lines written in separate voices, never trained on.

`python -m bot.crisis_train` reads only tests/crisis_data/; this folder must stay out of
training so that these numbers keep meaning something.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.domain.crisis import assess

HOLDOUT = Path(__file__).parent / "crisis_holdout"


def test_blind_holdout_meets_the_bar() -> None:
    totals: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for file in sorted(HOLDOUT.glob("*.tsv")):
        for line in file.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            label, _category, text = parts
            totals[label] += 1
            flagged[label] += assess(text).crisis
    assert totals["crisis"] >= 300
    assert totals["ok"] >= 300
    recall = flagged["crisis"] / totals["crisis"]
    false_flags = flagged["ok"] / totals["ok"]
    assert recall >= 0.95, f"recall {recall:.3f}"
    assert false_flags <= 0.10, f"false flags {false_flags:.3f}"
