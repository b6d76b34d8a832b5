"""A day told at length, for the tests of risk said once in a long message: a story told
from recovery and a "see you next week" in it, which silenced the rules when a message was
read only as a whole."""

from __future__ import annotations

__all__ = ["LONG_DAY", "long_day_with"]

LONG_DAY = (
    "Morning all. Slept badly but got up anyway and had porridge. Mum rang about Sunday "
    "lunch, she wants us there by twelve. Years ago I used to cut a lot but I'm doing so "
    "much better now and I'm proud of that. Took the bus into town and picked up my "
    "prescription, the pharmacist was lovely. Had a coffee with Sam and we laughed about "
    "the quiz night disaster. The weather turned cold so I came home early. My sister "
    "sent photos of the baby, she's getting so big. See you at group next week everyone. "
    "Watched two episodes of that baking show and folded the washing. "
)


def long_day_with(line: str, *, at: int = 5, days: int = 2) -> str:
    """LONG_DAY told DAYS times, with LINE said once after its AT-th sentence (by default
    two sentences after the story told from recovery: read only as a whole, the detector
    missed such a line; read in parts, it finds it)."""
    sentences = (LONG_DAY * days).split(". ")
    return ". ".join([*sentences[:at], line, *sentences[at:]])
