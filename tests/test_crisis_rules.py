"""The explicit layer: every rule's own examples, and the scopes that silence a rule.

Each rule in bot/domain/crisis/data/rules.yaml carries lines that must fire it and lines
that must not; this file turns every one of them into a test, then checks the scopes
(negation, past and recovery, someone else's past death, idiom, everyday words, an ordinary
goodbye) on messages the first-generation detector got wrong.
"""

from __future__ import annotations

import pytest

from bot.domain.crisis import match_rules, normalise, rules
from bot.domain.crisis.rules import SCOPES

RULES = rules()


def _fires(text: str, name: str | None = None) -> bool:
    return bool(match_rules(normalise(text), only=name))


@pytest.mark.parametrize(
    ("name", "text"), [(r.name, t) for r in RULES for t in r.fires], ids=lambda v: str(v)[:40]
)
def test_rule_fires_on_its_examples(name: str, text: str) -> None:
    assert _fires(text, name), f"{name!r} should fire on {text!r} ({normalise(text)!r})"


@pytest.mark.parametrize(
    ("name", "text"), [(r.name, t) for r in RULES for t in r.quiet], ids=lambda v: str(v)[:40]
)
def test_rule_stays_quiet_on_its_examples(name: str, text: str) -> None:
    assert not _fires(text, name), f"{name!r} should not fire on {text!r}"


def test_every_rule_has_examples_both_ways() -> None:
    for rule in RULES:
        assert rule.fires, rule.name
        assert rule.quiet, rule.name
    assert len({r.name for r in RULES}) == len(RULES)
    assert {s for r in RULES for s in r.scopes} <= set(SCOPES)


# Scoping: each pair is (fires, quiet) -- the same words, with and without risk now.
SCOPED = [
    # negation ("not", "never", "no longer") silences; "not safe" and friends do not
    ("i'm suicidal", "i'm not suicidal, just tired"),
    ("i want to kill myself", "i would never kill myself"),
    ("i no longer want to be here", "i no longer want to die, therapy helped"),
    ("i'm not safe tonight", "it's not safe to drive tonight"),
    ("i can't keep myself safe", "i can keep myself safe tonight, i've got my plan"),
    # past and recovery ("used to", "years ago", "since uni")
    ("i'm cutting again", "i used to cut but i've been clean since uni"),
    ("i took an overdose last night", "i took an overdose years ago, now i'm a nurse"),
    ("feeling suicidal again", "i was suicidal back in 2015 and i'm doing well now"),
    # a story told from recovery does not speak for a sentence said of now
    (
        "years ago i used to cut but i'm doing well now. i'm going to take all my pills tonight",
        "years ago i used to take all my pills at once but i'm doing well now",
    ),
    # a month and year, and "the years i ...", tell a story from long ago
    ("i took an overdose. i'm in the car park", "in march 2021 i took an overdose"),
    (
        "i self harmed again last night",
        "talked about the years i self harmed",
    ),
    # the past perfect tells a story, unless the sentence says now
    (
        "i'd taken every tablet in the house and now im scared",
        "five years ago. i'd tried to end my life at our house after my wife left",
    ),
    # ... but only a story: "the days i want to die", "i'd tried everything and i want to die"
    ("the days i want to die are getting more often", "the days i wanted to die are behind me"),
    ("i'd tried everything and i want to die", "i'd tried to end my life after my wife left"),
    # a past habit, and food one regrets nothing about (but not pills)
    ("i want to die most nights", "in the unit i wanted to die most nights"),
    ("i've wanted to die most nights this week", "in the unit i wanted to die most nights"),
    (
        "overdosed on my pills, regret nothing",
        "overdosed on cannoli at the wedding, regret nothing",
    ),
    # more ways a story is told from where the writer is now
    (
        "five years ago i nearly did it. tom was on the ward. i took an overdose",
        "five years ago i nearly did it. tom was on the ward. i took an overdose. three years on,"
        " i'm working again",
    ),
    # asked and denied, with a word of when between
    (
        "the gp asked me today if i had any thoughts of harming myself",
        "my gp asked me today if i had any thoughts of harming myself and i said no",
    ),
    # someone else's past death is grief, not a crisis now
    ("my brother is threatening to kill himself", "my brother killed himself ten years ago"),
    ("my son has taken a whole packet of pills", "my son took his own life in 2019"),
    # idiom
    ("i could just die, i can't do this anymore", "i'm so full i could die"),
    ("i'm going to kill myself", "my feet are killing me"),
    # everyday uses of risk words
    ("i cut myself again", "i cut myself shaving this morning"),
    ("i cut my arms last night", "i cut my hair last night"),
    ("i bought a rope and it's not for camping", "bought a rope for the tent"),
    # an ordinary goodbye vs a final one
    (
        "thank you for everything. it's not your fault. goodbye",
        "thank you for everything, see you next week!",
    ),
]


@pytest.mark.parametrize(("fires", "quiet"), SCOPED, ids=lambda v: v[:40])
def test_scopes_silence_only_what_is_not_risk_now(fires: str, quiet: str) -> None:
    assert _fires(fires), fires
    assert not _fires(quiet), quiet


def test_risk_in_a_later_sentence_is_found_and_located() -> None:
    hits = match_rules(
        normalise("Hi! Lovely weather today. The kids are at school. I'm not safe tonight.")
    )
    assert hits and hits[0].sentence == 4


def test_someone_else_at_risk_is_reported_as_third_party() -> None:
    hits = match_rules(normalise("my sister has just swallowed a whole packet of paracetamol"))
    assert hits and hits[0].kind == "third_party"
