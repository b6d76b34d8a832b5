"""The n-gram model's weight tables and file: the same scores as a plain dict of weights."""

from __future__ import annotations

import gzip
import json
import math

import pytest

from bot.domain.crisis import FEATURE_VERSION, ngram_file_bytes, parse_ngram
from bot.domain.crisis.features import blocks
from bot.domain.crisis.ngram import WeightTable

_RAW = {
    "feature_version": FEATURE_VERSION,
    "bias": -1.5,
    "kind_classes": ["suicidal", "overdose"],
    "kind_bias": [0.1, -0.1],
    "weights": {"w:pills": 2.0, "w:tea": -1.0, "b:the pills": 0.5, "c: pi": 0.25},
    "kind_weights": {"w:pills": [0.0, 3.0], "w:die": [2.0, 0.0]},
}


def _by_dict(raw: dict[str, object], text: str) -> float:
    """The score as the first generation computed it: a dict lookup per feature name."""
    weights = raw["weights"]
    assert isinstance(weights, dict)
    z = float(raw["bias"])  # type: ignore[arg-type]
    for keys, v in blocks(text, ()):
        z += v * sum(weights.get(k, 0.0) for k in keys)
    return z


def test_a_table_finds_known_names_and_gives_nothing_for_others() -> None:
    table = WeightTable(["a", "b", "c"], [1.0, 2.0, 3.0])
    assert table.lookup(["c", "zzz", "a", "a"])[:, 0].tolist() == [3.0, 0.0, 1.0, 1.0]
    assert table.lookup([]).shape == (0, 1)
    assert WeightTable([], []).lookup(["a"])[:, 0].tolist() == [0.0]


def test_a_table_with_two_names_of_one_hash_still_answers_right() -> None:
    # the same name twice shares a hash: the table falls back to a dict (last one wins)
    table = WeightTable(["a", "a", "b"], [1.0, 5.0, 2.0])
    assert table.lookup(["b", "a", "q"])[:, 0].tolist() == [2.0, 5.0, 0.0]


def test_block_totals_weigh_each_block_by_its_value() -> None:
    table = WeightTable(["a", "b"], [[1.0, 10.0], [2.0, 20.0]])
    out = table.totals([[(["a", "b"], 0.5)], [(["b"], 2.0), (["x"], 9.0)], []])
    assert out.tolist() == [[1.5, 15.0], [4.0, 40.0], [0.0, 0.0]]


@pytest.mark.parametrize("packed", [False, True])
def test_scores_match_a_plain_dict_of_weights(packed: bool) -> None:
    raw = json.loads(gzip.decompress(ngram_file_bytes(_RAW))) if packed else _RAW
    model = parse_ngram(raw)
    for text in ("i took the pills", "tea with mum", "nothing known here"):
        assert math.isclose(model.score_blocks(blocks(text, ())), _by_dict(_RAW, text))
    assert model.kind("i have the pills") == "overdose"
    assert model.kind("i want to die") == "suicidal"


def test_the_file_refuses_weights_that_do_not_match_their_names() -> None:
    raw = json.loads(gzip.decompress(ngram_file_bytes(_RAW)))
    raw["names"] += "\nw:extra"
    with pytest.raises(ValueError, match="do not match"):
        parse_ngram(raw)
    with pytest.raises(ValueError, match="line break"):
        ngram_file_bytes({**_RAW, "weights": {"w:a\nb": 1.0}})
