"""The detector on the blind hold-outs: lines written in separate voices, never trained on.

`python -m bot.crisis_train` reads only tests/crisis_data/ (and refuses this folder): no
training or threshold-choosing step reads tests/crisis_holdout/, so these numbers keep
meaning something. h1 and h2 are the first generation's hold-out; h3 and h4 were written
for the second generation, after it was built; h5 and h6 were kept outside the repository
until round two shipped, then measured once. h7 was written on the last day by a writer who
had seen neither the rules nor the data, and measured once before anything was changed; d1
(160 lines on the kinds the rules were widened for, half of them traps) was written to check
those rules and then used to develop them, so it is a development set, not a hold-out.
h8 and h9 were written the same day by two more writers (men of all ages; women, second
language and dictated writing): h8 was measured once, then rules were written from its
misses; h9 was measured once after those changes. d2 (indirect warning signs, and traps
that do the same things for ordinary reasons) was written to develop rules for the weakest
kind; h10 was measured once after all of it, and nothing was changed after it. d3 (four
new writers, 2026-12-07) was written to develop rules for plans, goodbyes, indirect signs
and the traps beside them; h11 (two more writers, the same day) was measured once after;
then d4 (four more) and h12 (two more), the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.crisis import assess

HOLDOUT = Path(__file__).parent / "crisis_holdout"
ALIASES = {"peer_worker": "staff"}


def _score(files: list[str]) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    totals: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    cat_totals: Counter[str] = Counter()
    cat_flagged: Counter[str] = Counter()
    for name in files:
        file = HOLDOUT / name
        if not file.is_file():
            pytest.skip(f"{name} not written yet")
        for line in file.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 3 or parts[0] not in ("crisis", "ok"):
                continue
            label, category, text = parts
            category = ALIASES.get(category, category)
            hit = assess(text).crisis
            totals[label] += 1
            flagged[label] += hit
            cat_totals[category] += 1
            cat_flagged[category] += hit
    return totals, flagged, cat_totals, cat_flagged


def _report(cat_totals: Counter[str], cat_flagged: Counter[str]) -> str:
    return ", ".join(f"{c} {cat_flagged[c]}/{n}" for c, n in sorted(cat_totals.items()))


@dataclass(frozen=True, slots=True)
class Figures:
    """A hold-out's counts, recall and false flags, and a report for a failing assert."""

    crisis: int
    ok: int
    recall: float
    false_flags: float
    report: str


def _figures(files: list[str]) -> Figures:
    totals, flagged, cats, cat_hits = _score(files)
    recall = flagged["crisis"] / totals["crisis"]
    false_flags = flagged["ok"] / totals["ok"]
    report = f"recall {recall:.3f}, false flags {false_flags:.3f}; {_report(cats, cat_hits)}"
    return Figures(totals["crisis"], totals["ok"], recall, false_flags, report)


def test_first_holdout_meets_the_bar() -> None:
    got = _figures(["h1.tsv", "h2.tsv"])
    assert got.crisis >= 300 and got.ok >= 300
    # The first generation reached recall 0.965 and false flags 0.042 here, the second
    # 0.946 and 0.026; round two (recall-first threshold, n-gram retrained, short everyday
    # messages guarded) reaches 0.968 and 0.032: the bar is what it honestly reaches.
    assert got.recall >= 0.96, got.report
    assert got.false_flags <= 0.04, got.report


def test_second_holdout_meets_the_bar() -> None:
    got = _figures(["h3.tsv", "h4.tsv"])
    assert got.crisis >= 200 and got.ok >= 200
    # The goal is recall >= 0.98 and false flags <= 0.05. What the detector honestly
    # reaches is recall 0.932 and false flags 0.095 (round one: 0.873 and 0.062; the first
    # generation: 0.912 and 0.165): recall first costs false flags here, and the bar sits
    # at what is reached until a stronger sentence model earns a higher one.
    assert got.recall >= 0.93, got.report
    assert got.false_flags <= 0.10, got.report


def test_third_holdout_meets_the_bar() -> None:
    """h5 (migrants and second-language writers) and h6 (First Nations and Pacific writers,
    disabled and chronically ill people, new parents), 800 lines, kept outside the repository
    until the detector shipped, then measured once, after model and threshold were chosen."""
    got = _figures(["h5.tsv", "h6.tsv"])
    assert got.crisis >= 300 and got.ok >= 300
    # Measured blind: 0.960 and 0.080 (round one would have given 0.910 and 0.040).
    assert got.recall >= 0.95, got.report
    assert got.false_flags <= 0.09, got.report


def test_fourth_holdout_meets_the_bar() -> None:
    """h7: 240 lines in thirty-odd voices (15 of each kind), written blind on the last day."""
    got = _figures(["h7.tsv"])
    assert got.crisis == 120 and got.ok == 120
    # Measured blind, before any change: 0.950 and 0.042. Then five rules were written from
    # its six misses (walking into the sea, waiting to die, a better place, nobody having to
    # deal with them, hiding from someone breaking in): 0.992 and 0.042, no other line of
    # the 8,300 labelled ones changed. The bar is the blind figure.
    assert got.recall >= 0.95, got.report
    assert got.false_flags <= 0.05, got.report


def test_the_rules_development_set_holds() -> None:
    """d1: the kinds the rules were widened for on the last day, and traps that use the same
    words; a development set (the rules were tuned on it), kept so they stay tuned."""
    got = _figures(["d1.tsv"])
    # Before the rules: 0.800 and 0.138; after: 0.963 and 0.100 (the traps left are the
    # models' and older rules': onion cuts, haircuts, "ngl my brain won't stop").
    assert got.recall >= 0.95, got.report
    assert got.false_flags <= 0.11, got.report


def test_fifth_holdout_as_measured_then_used() -> None:
    """h8: 240 lines in men's voices, measured blind (0.892 and 0.075), then used to write
    rules (a gun made ready, pills set aside for a time, the railway line, a head hurt on
    purpose, signing off for good, see you on the other side, a pet to be rehomed, being hit
    as they write, medals left with a note): 0.992 and 0.075."""
    got = _figures(["h8.tsv"])
    assert got.recall >= 0.98, got.report
    assert got.false_flags <= 0.08, got.report


def test_sixth_holdout_blind_after_every_change() -> None:
    """h9: 240 lines in women's, second-language and dictated voices, measured once after all
    the day's changes and never used since: the detector's honest figure on a new writer."""
    got = _figures(["h9.tsv"])
    # Measured blind: 0.933 and 0.067 (indirect risk, settling affairs with no risk word,
    # 10 of 15; the rest 13-15 of 15). The bar is that figure. (The rules written from d2
    # afterwards lift it; it is not blind to those.)
    assert got.recall >= 0.93, got.report
    assert got.false_flags <= 0.07, got.report


def test_indirect_warning_signs_development_set() -> None:
    """d2: 100 indirect warning signs (things given away, care arranged for when they are
    not around, "won't be here for winter") and 100 traps doing the same for ordinary
    reasons (moving, surgery, a trip). Before the rules for it: 0.820 and 0.120."""
    got = _figures(["d2.tsv"])
    assert got.recall >= 0.90, got.report
    assert got.false_flags <= 0.09, got.report


def test_seventh_holdout_blind_after_every_change() -> None:
    """h10: 240 lines (shift workers, rural Ireland and Scotland, Canadian teens, Maori and
    Pacific young adults, people in their 70s to 90s, 3am messages), measured once after
    every change of the day, never used since."""
    got = _figures(["h10.tsv"])
    # Measured blind: 0.967 and 0.058 (the detector of the morning gave the same). Missed:
    # "walk into the loch", "ate all my pregabalin", "slashed ma arms", "won't have to put
    # up with my drama much longer".
    assert got.recall >= 0.96, got.report
    assert got.false_flags <= 0.06, got.report


def test_third_rules_development_set_holds() -> None:
    """d3: 480 lines by four new writers on 2026-12-07 (Australian and New Zealand tradies
    and farmers, often dictated; UK and Irish students with their algospeak; parents and
    partners of adults with BPD, aged 40 to 80; adults long in services, with the jargon),
    on the kinds the detector was weakest at: plans told as logistics, goodbyes, indirect
    signs, and the traps beside them (negated, recovery, idioms, struggle, everyday). Then
    used to write rules: calm once it is decided, who gets what, the last time they write,
    the razor got out, "unalive" a thing, overdosed on food, "not having any thoughts of",
    "two years without"."""
    got = _figures(["d3.tsv"])
    assert got.crisis == 240 and got.ok == 240
    # Before the rules: 0.883 and 0.146; after: 0.933 and 0.117 (the false flags left are
    # the models': carers' reassurance, the dog's pills, "he's gonna be the death of me").
    assert got.recall >= 0.93, got.report
    assert got.false_flags <= 0.12, got.report


def test_eighth_holdout_blind_after_every_change() -> None:
    """h11: 256 lines by two more writers the same day (people writing English as a second
    language, Maori, Pacific and Canadian young people; older adults in rural towns, peer
    workers and coordinators), 8 of each kind, measured once after every change of the day
    and never used since."""
    got = _figures(["h11.tsv"])
    assert got.crisis == 128 and got.ok == 128
    # Measured blind: 0.992 and 0.094 (the detector of the morning gave the same). Missed:
    # someone asking who can take their dogs "for after", which d4's rules catch since (so
    # it is no longer blind to them: 1.000). Most false flags are older adults' ordinary
    # lines (0.141 of theirs): a haircut, hip pain, "empty". Setting sign-offs aside (found
    # on labelled lines with sign-offs added, not here) took one more off: 0.086.
    assert got.recall >= 0.99, got.report
    assert got.false_flags <= 0.094, got.report


def test_fourth_rules_development_set_holds() -> None:
    """d4: 480 lines by four more writers the same day (adults in the US and Canada; South
    Asian and African English in the UK, Canada and Australia; teenagers online with their
    filter-dodging spellings; peer workers and coordinators, and long messages with the risk
    late), then used to write rules: hidden self-harm ("so no one sees the new ones"), a
    streak broken with a blade, pills popped one by one, a funeral wished for soon, a pet to
    be taken "for after", "this is it" on the way to the cliffs, "when the time comes, which
    is soon", the last voice note ever, someone in the house, a car crawling alongside."""
    got = _figures(["d4.tsv"])
    assert got.crisis == 240 and got.ok == 240
    # Before the rules: 0.938 and 0.096; after: 0.983 and 0.075.
    assert got.recall >= 0.98, got.report
    assert got.false_flags <= 0.075, got.report


def test_ninth_holdout_blind_after_every_change() -> None:
    """h12: 256 lines by two more writers (people with BPD and carers across the UK,
    Ireland and Australia, sober or not, terse or very literal; people across the US,
    Canada and New Zealand, teens to retirees, in recovery from addiction, LGBTQ+ young
    adults, peer workers), 8 of each kind, measured once after every change and never used."""
    got = _figures(["h12.tsv"])
    assert got.crisis == 128 and got.ok == 128
    # Measured blind: 0.945 and 0.086 (this morning's detector: 0.945 and 0.109). Missed:
    # a cat rehomed "from this weekend", a burial wish, "asking for after", pills popped "one
    # at a time ... lol", "on the platform, next fast one's in 10 mins", a burn after three
    # years clean, a client ringing from the bridge.
    assert got.recall >= 0.945, got.report
    assert got.false_flags <= 0.086, got.report


def test_fifth_rules_development_set_holds() -> None:
    """d5: 512 lines by four new writers on 2026-12-07 (men in rural and remote Australia and
    New Zealand, laconic; LGBTQIA+ young adults online, with their jokes and algospeak;
    parents of teenagers with BPD, describing what they see; adults with BPD in Scotland,
    the north of England and Ireland, just after a row), 8 of each kind, measured before
    any change, then used to write rules: affairs put in order with relief or a handover,
    pets or children handed over for good, a date once someone is settled, "worked out
    when", found by someone they fled, hiding from attackers, love said before going,
    someone suddenly calm who thanked everyone, "see u in the void"; and to quiet others:
    overdosed on teacakes, throwing oneself into work or off the dance floor, "my last post
    sounded bleak", "2019 me", an urge resisted with an ice cube."""
    got = _figures(["d5.tsv"])
    assert got.crisis == 256 and got.ok == 256
    # Before the rules: 0.926 and 0.094; after: 0.992 and 0.066 (the false flags left are
    # mostly the models': "im done wi men", "just empty", "hi its Karen again").
    assert got.recall >= 0.99, got.report
    assert got.false_flags <= 0.067, got.report


def test_sixth_rules_development_set_holds() -> None:
    """d6: 512 lines by four more writers the same day (nurses, paramedics, police and
    hospitality staff writing between shifts; young men and non-binary people online, in
    game and meme words; women of 40 to 65 in the US South and Midwest, chatty and long;
    people who spell as they speak or dictate everything), measured after d5's rules and
    before any of its own, then used to write rules: "whoever reads this", the last stream
    ever, children better off with their dad for good, means taken from the ward, a streak
    reset to day 0, a burial wish "not joking this time", "if anything happens" with a
    burial wish, a rope in the boot, someone giving everything away, a fist through a
    mirror, a casket picked out for this weekend, "soocidal"; and to quiet: a carer asking
    what to say if her husband ever says it, "most of my 30s and 40s", "been clean since"."""
    got = _figures(["d6.tsv"])
    assert got.crisis == 256 and got.ok == 256
    # Before its rules: 0.930 and 0.074; after: 0.996 and 0.059 (the false flags left are
    # the models': "unalive my router", "im cooked", a daughter cleaning her late dad's rifles).
    assert got.recall >= 0.99, got.report
    assert got.false_flags <= 0.06, got.report
