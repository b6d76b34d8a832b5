"""Small-number suppression for anything a service publishes (bot/services/evaluation.py):
a count from 1 to 4 is "<5", and a count that would give a hidden one back by subtraction
from a shown total is hidden too."""

from __future__ import annotations

from bot.services.evaluation import shown, suppress


def test_a_small_count_is_shown_as_under_five() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


def test_one_small_part_of_a_shown_total_hides_the_next_smallest_part_too() -> None:
    # 9 crisis cards: AU 6, NZ 3. Showing 9 and 6 would give NZ's 3 back.
    total, parts = suppress(9, {"AU": 6, "NZ": 3})
    assert total == "9" and parts == {"AU": "*", "NZ": "<5"}
    total, parts = suppress(20, {"a": 11, "b": 7, "c": 2})
    assert total == "20" and parts == {"a": "11", "b": "*", "c": "<5"}


def test_a_small_part_alone_hides_the_total() -> None:
    total, parts = suppress(3, {"AU": 3, "NZ": 0})
    assert total == "<5" and parts == {"AU": "<5", "NZ": "0"}
    total, parts = suppress(7, {"AU": 7, "NZ": 0, "": 0})
    assert total == "7" and parts == {"AU": "7", "NZ": "0", "": "0"}


def test_two_small_parts_cannot_be_told_apart_so_nothing_more_is_hidden() -> None:
    total, parts = suppress(12, {"a": 8, "b": 2, "c": 2})
    assert total == "12" and parts == {"a": "8", "b": "<5", "c": "<5"}


def test_parts_without_a_published_total() -> None:
    assert suppress(None, {"consumer": 3, "carer": 9}) == (None, {"consumer": "<5", "carer": "9"})
