"""The detector's speed-ups change nothing it decides.

Two things make long messages cheap without touching a verdict: patterns that open with
``\\b`` are compiled "hoisted" (a letter first, the boundary as a look-behind), and the rules'
needs are found once per message and mapped to sentences. Both must be exact: every pattern
here matches the same spans hoisted or not, and every rule is tried on exactly the sentences
that hold one of its needs, on every labelled line and on long messages built from them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import bot.domain.crisis  # noqa: F401 (loads the package before its modules are looked up)
from bot.domain.crisis import normalise, rules, split_sentences
from bot.domain.crisis.lexicon import DATA_FILES, data_file, hoist, required_sets

rules_module = sys.modules["bot.domain.crisis.rules"]
needs_module = sys.modules["bot.domain.crisis.needs"]
DATA = Path(__file__).parent / "crisis_data"


def _lines(limit: int) -> list[str]:
    out: list[str] = []
    for file in sorted(DATA.glob("*.tsv")):
        for line in file.read_text(encoding="utf-8").splitlines()[:limit]:
            parts = line.split("\t")
            if len(parts) == 3:
                out.append(parts[2])
    return out


def _patterns() -> list[str]:
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for name in DATA_FILES:
        if name != "emoji.yaml":
            walk(data_file(name))
    out = []
    for text in sorted(found):
        try:
            re.compile(text)
        except re.error:
            continue  # a word list or a plain sentence, not a pattern
        if hoist(text) != text:
            out.append(text)
    return out


@pytest.mark.parametrize(
    ("written", "hoisted"),
    [
        (r"\bkms\b", r"k(?<!\wk)ms\b"),
        (r"(?<!\d)(?<!\d )\bk\.?m\.?s\b", r"k(?<!\wk)(?<!\dk)(?<!\d k)\.?m\.?s\b"),
        (r"\b(to|my) sh\b", r"(t(?<!\wt)o|m(?<!\wm)y) sh\b"),
        (r"\b(?:a b|cd)\b", r"(?:a(?<!\wa) b|c(?<!\wc)d)\b"),
        # left alone: a quantified first letter or group, a class, no boundary
        (r"\bs?h\b", r"\bs?h\b"),
        (r"\b(to|my)? sh\b", r"\b(to|my)? sh\b"),
        (r"\b[a-z]+\b", r"\b[a-z]+\b"),
        (r"kms\b", r"kms\b"),
    ],
)
def test_hoist_moves_the_boundary_behind_the_first_letter(written: str, hoisted: str) -> None:
    assert hoist(written) == hoisted


def test_every_hoisted_pattern_matches_what_it_was_written_to_match() -> None:
    patterns = _patterns()
    assert len(patterns) > 100  # the data's patterns, not a handful
    texts = [t.lower() for t in _lines(60)]
    texts += [normalise(t) for t in texts]
    texts += ["kms", "okms", "1 kms", "1kms", "to sh", "tosh", "x-my sh", "my_sh", "émy sh"]
    for written in patterns:
        before, after = re.compile(written), re.compile(hoist(written))
        for text in texts:
            assert [m.span() for m in before.finditer(text)] == [
                m.span() for m in after.finditer(text)
            ], (written, text)


def _holds(text: str, side: tuple[frozenset[str], ...]) -> bool:
    """Whether TEXT has a member of every set one alternative of a rule needs."""
    return all(any(n in text for n in need) for need in side)


def _brute_force(norm: str) -> dict[str, list[int]]:
    """Per rule: the sentences (from 1) that hold every set one of its alternatives needs,
    found the slow way."""
    sents = split_sentences(norm, windows=False) or [norm]
    out: dict[str, list[int]] = {}
    for rule in rules():
        sides = None if rule.gate is None else [g for g in rule.gate if _holds(norm, g)]
        if sides is not None and not sides:
            continue
        if sides is None or len(sents) <= 1:
            out[rule.name] = list(range(1, len(sents) + 1))
        else:
            out[rule.name] = [
                i for i, s in enumerate(sents, start=1) if any(_holds(s, g) for g in sides)
            ]
    return out


def test_rules_are_tried_on_exactly_the_sentences_holding_their_needs() -> None:
    lines = _lines(40)
    messages = [normalise(t) for t in lines]
    # long messages (past the trigram gate) with needs at sentence edges and across them
    messages += [normalise(" ".join(lines[i : i + 25])) for i in range(0, len(lines), 25)]
    messages += [normalise("I want to. End it all. Kill. Myself tonight, " * 40)]
    for norm in messages:
        sents = split_sentences(norm, windows=False) or [norm]
        needs = needs_module.Needs(norm, sents, rules_module._need_index())
        found = {
            rule.name: [i for i, _ in needs.sentences(rule)]
            for rule in rules()
            if needs.may_match(rule)
        }
        assert found == _brute_force(norm), norm[:80]


def test_no_rule_matches_text_its_gate_would_skip() -> None:
    """The gate (for each alternative of a rule's pattern, the sets of text every match
    holds one of) is exact: wherever a rule matches, one alternative's sets are all there."""
    texts = [normalise(t) for t in _lines(400)]
    for rule in rules():
        for example in rule.fires:
            texts.append(normalise(example))
    gated = [r for r in rules() if r.gate is not None]
    assert len(gated) > 0.8 * len(rules())  # most rules are gated
    matched = 0
    for rule in gated:
        for text in texts:
            for m in rule.pattern.finditer(text):
                matched += 1
                assert any(_holds(m.group(0), side) for side in rule.gate), (rule.name, text)
    assert matched > 200


@pytest.mark.parametrize(
    ("pattern", "gate"),
    [
        (
            r"\b(?:walk|swim)(?:ing)? into the (?:sea|water)\b",
            [[["swim", "walk"], [" into the "], ["sea", "water"]]],
        ),
        (
            r"(?:\bkill myself\b)|(?:end it (?:all|tonight))",
            [[["kill myself"]], [["end it "], ["all", "tonight"]]],
        ),
        (r"i want (?!x)to die", [[["i want to die"]]]),  # zero-width: the run goes on
        # a side that always holds nothing longer than a letter: no gate at all
        (r"kill myself|a+", None),
        (r"(?i:kill) myself", [[[" myself"]]]),  # a caseless group's letters are not its text
    ],
)
def test_required_sets_name_what_every_match_holds(pattern: str, gate: object) -> None:
    found = required_sets(pattern, 2)
    assert (None if found is None else [[sorted(s) for s in side] for side in found]) == gate


def test_no_rule_opens_with_a_look_ahead_that_reads_to_the_end() -> None:
    """A pattern that opens with "(?![^\\n]*...)" reads the rest of the text at every
    position: quadratic, half a second on a 4,096-character line (it was, once). Such a
    look-ahead goes after the pattern's first words, or after a "^"."""
    scanning = re.compile(r"\(\?<?[!=](?:\[\^\\n\]|\.|\[\^\?\])\*")
    for rule_data in data_file("rules.yaml")["rules"]:
        for written in rule_data["patterns"]:
            assert not scanning.match(written), (rule_data["name"], written[:60])


def test_every_rule_is_gated() -> None:
    """A rule without a gate runs its pattern over every message: five rules in other
    scripts once cost 4 ms of the 4,096-character message's 10. A class of plain
    characters ([儲存], as the parser keeps (?:儲|存)) and a single character of a script
    written without spaces count as needs."""
    assert [r.name for r in rules() if r.gate is None] == []
    assert required_sets("(?:儲|存)(?:夠)?藥", 2) == ((frozenset("儲存"), frozenset("藥")),)


def test_long_messages_find_their_needs_with_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """From NUMPY_FROM characters the needs a message may hold are found from its trigrams
    as numbers: exactly those of the short path's (which go by a need's first trigram only)
    whose every trigram the message holds, so never a need it holds missed."""
    ix = rules_module._need_index()
    lines = _lines(40)
    messages = [normalise(" ".join(lines[i : i + 25])) for i in range(0, len(lines), 25)]
    messages += [
        normalise("我真的不想活了 today at work 死了算了 " * 30),
        normalise("والله ما عاد بدي عيش " * 40),
        normalise("ok " * 200),
        normalise("i want to kill myself tonight. " * 20),
    ]
    every = {n for r in rules() for side in r.gate or () for need in side for n in need}

    def trigrams_held(need: str, norm: str) -> bool:
        return all(need[i : i + 3] in norm for i in range(len(need) - 2))

    for norm in messages:
        assert len(norm) >= needs_module.NUMPY_FROM
        fast = set(needs_module.held_needs(norm, ix))
        with monkeypatch.context() as m:
            m.setattr(needs_module, "NUMPY_FROM", 10**9)
            slow = set(needs_module.held_needs(norm, ix))
        assert fast == {n for n in slow if trigrams_held(n, norm)}, norm[:80]
        assert {n for n in every if n in norm} <= fast, norm[:80]


def test_a_parts_needs_found_within_the_whole_are_its_own() -> None:
    """A part of a long message looks only for the needs its whole may hold: exactly the
    needs it holds, none missed."""
    from bot.domain.crisis.normalise import message_parts

    ix = rules_module._need_index()
    lines = _lines(40)
    for i in range(0, len(lines), 25):
        norm = normalise(" ".join(lines[i : i + 25]))
        whole = needs_module.Needs(norm, split_sentences(norm, windows=False), ix)
        for part in message_parts(norm, 400):
            sents = split_sentences(part, windows=False) or [part]
            alone = needs_module.Needs(part, sents, ix)
            within = needs_module.Needs(part, sents, ix, within=whole)
            assert within.maybe == {n for n in alone.maybe if n in part}
            assert within.anchors == alone.anchors
