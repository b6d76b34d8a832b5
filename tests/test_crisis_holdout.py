"""The detector on the blind hold-outs: lines written in separate voices, never trained on.

`python -m bot.crisis_train` reads only tests/crisis_data/ (and refuses this folder): no
training or threshold-choosing step reads tests/crisis_holdout/, so these numbers keep
meaning something. h1 and h2 are the first generation's hold-out; h3 and h4 were written
for the second generation, after it was built; h5 and h6 were kept outside the repository
until round two shipped, then measured once. h7 was written on the last day by a writer who
had seen neither the rules nor the data, and measured once before anything was changed.
h8 and h9 were written the same day by two more writers (men of all ages; women, second
language and dictated writing): h8 was measured once, then rules were written from its
misses; h9 was measured once after those changes. h10 was measured once after all of it,
and nothing was changed after it. h11 and h12 (two writers each, 2026-12-07) were each
measured once after a round of rules.

The development sets d1 to d7 (lines written to develop rules, then tuned on) were here
too; the models were retrained twice on 2026-12-07, first with d1 to d4 and then with d5
to d7 as well, so they are training data now (tests/crisis_data/w_d1.tsv to w_d7.tsv).
d8 to d23 are the development sets of the rules written since: the models never read
them.

lines_d1 and lines_d2 (development) and lines_h1 and lines_h2 (blind) are messages of two to
ten lines, and long_d1 to long_d4 (development) and long_h1 to long_h4 (blind) messages of
570 to 2,990 characters; each line break is written as the two characters ``\\n``.

Each bar below is the figure measured when the set was measured, or the retrained
detector's where that is higher; the comments give both.
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
            text = text.replace("\\n", "\n")  # the line breaks of a message of several lines
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


def _holds(name: str, lines: int, *, recall: float, false_flags: float) -> None:
    """Hold-out NAME has LINES crisis and LINES ordinary lines, and holds its bars."""
    got = _figures([name])
    assert got.crisis == lines and got.ok == lines, got
    assert got.recall >= recall, got.report
    assert got.false_flags <= false_flags, got.report


def test_first_holdout_meets_the_bar() -> None:
    got = _figures(["h1.tsv", "h2.tsv"])
    assert got.crisis >= 300 and got.ok >= 300
    # The first generation reached recall 0.965 and false flags 0.042 here, the second
    # 0.946 and 0.026; round two (recall-first threshold, n-gram retrained, short everyday
    # messages guarded) reaches 0.968 and 0.032: the bar is what it honestly reaches.
    # Retrained with d1-d4 (2026-12-07): 0.978 and 0.029.
    assert got.recall >= 0.975, got.report
    assert got.false_flags <= 0.03, got.report


def test_second_holdout_meets_the_bar() -> None:
    got = _figures(["h3.tsv", "h4.tsv"])
    assert got.crisis >= 200 and got.ok >= 200
    # The goal is recall >= 0.98 and false flags <= 0.05. What the detector honestly
    # reaches is recall 0.932 and false flags 0.095 (round one: 0.873 and 0.062; the first
    # generation: 0.912 and 0.165): recall first costs false flags here, and the bar sits
    # at what is reached until a stronger sentence model earns a higher one. Retrained with
    # d1-d4 (2026-12-07): 0.940 and 0.083; again with d5-d7: 0.943 and 0.0925 (four
    # ordinary lines more flagged here, fewer on every later hold-out: 0.057 -> 0.051 in all).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.948 and 0.105.
    assert got.recall >= 0.94, got.report
    assert got.false_flags <= 0.105, got.report


def test_third_holdout_meets_the_bar() -> None:
    """h5 (migrants and second-language writers) and h6 (First Nations and Pacific writers,
    disabled and chronically ill people, new parents), 800 lines, kept outside the repository
    until the detector shipped, then measured once, after model and threshold were chosen."""
    got = _figures(["h5.tsv", "h6.tsv"])
    assert got.crisis >= 300 and got.ok >= 300
    # Measured blind: 0.960 and 0.080 (round one would have given 0.910 and 0.040).
    # Retrained with d1-d4 (2026-12-07): 0.988 and 0.068; again with d5-d7: 0.985, 0.060.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.993 and 0.068.
    assert got.recall >= 0.984, got.report
    assert got.false_flags <= 0.068, got.report


def test_fourth_holdout_meets_the_bar() -> None:
    """h7: 240 lines in thirty-odd voices (15 of each kind), written blind on the last day."""
    # Measured blind, before any change: 0.950 and 0.042. Then five rules were written from
    # its six misses (walking into the sea, waiting to die, a better place, nobody having to
    # deal with them, hiding from someone breaking in): 0.992 and 0.042, no other line of
    # the 8,300 labelled ones changed. The bar is the blind figure. Retrained with d1-d4
    # (2026-12-07): 0.992 and 0.033.
    _holds("h7.tsv", 120, recall=0.95, false_flags=0.034)


def test_fifth_holdout_as_measured_then_used() -> None:
    """h8: 240 lines in men's voices, measured blind (0.892 and 0.075), then used to write
    rules (a gun made ready, pills set aside for a time, the railway line, a head hurt on
    purpose, signing off for good, see you on the other side, a pet to be rehomed, being hit
    as they write, medals left with a note): 0.992 and 0.075. Retrained with d1-d4
    (2026-12-07): 0.992 and 0.050."""
    got = _figures(["h8.tsv"])
    assert got.recall >= 0.98, got.report
    assert got.false_flags <= 0.05, got.report


def test_sixth_holdout_blind_after_every_change() -> None:
    """h9: 240 lines in women's, second-language and dictated voices, measured once after all
    the day's changes and never used since: the detector's honest figure on a new writer."""
    got = _figures(["h9.tsv"])
    # Measured blind: 0.933 and 0.067 (indirect risk, settling affairs with no risk word,
    # 10 of 15; the rest 13-15 of 15). The bar is that figure. (The rules written from d2
    # afterwards lift it; it is not blind to those.) Retrained with d1-d4 (2026-12-07):
    # 0.983 and 0.042.
    assert got.recall >= 0.98, got.report
    assert got.false_flags <= 0.042, got.report


def test_seventh_holdout_blind_after_every_change() -> None:
    """h10: 240 lines (shift workers, rural Ireland and Scotland, Canadian teens, Maori and
    Pacific young adults, people in their 70s to 90s, 3am messages), measured once after
    every change of the day, never used since."""
    got = _figures(["h10.tsv"])
    # Measured blind: 0.967 and 0.058 (the detector of the morning gave the same). Missed:
    # "walk into the loch", "ate all my pregabalin", "slashed ma arms", "won't have to put
    # up with my drama much longer". Retrained with d1-d4 (2026-12-07): 0.967 and 0.042.
    assert got.recall >= 0.96, got.report
    assert got.false_flags <= 0.042, got.report


def test_eighth_holdout_blind_after_every_change() -> None:
    """h11: 256 lines by two more writers the same day (people writing English as a second
    language, Maori, Pacific and Canadian young people; older adults in rural towns, peer
    workers and coordinators), 8 of each kind, measured once after every change of the day
    and never used since."""
    # Measured blind: 0.992 and 0.094 (the detector of the morning gave the same). Missed:
    # someone asking who can take their dogs "for after", which d4's rules catch since (so
    # it is no longer blind to them: 1.000). Most false flags are older adults' ordinary
    # lines (0.141 of theirs): a haircut, hip pain, "empty". Setting sign-offs aside (found
    # on labelled lines with sign-offs added, not here) took one more off: 0.086. Retrained
    # with d1-d4 (2026-12-07): 1.000 and 0.094, one false flag more.
    _holds("h11.tsv", 128, recall=0.99, false_flags=0.094)


def test_ninth_holdout_blind_after_every_change() -> None:
    """h12: 256 lines by two more writers (people with BPD and carers across the UK,
    Ireland and Australia, sober or not, terse or very literal; people across the US,
    Canada and New Zealand, teens to retirees, in recovery from addiction, LGBTQ+ young
    adults, peer workers), 8 of each kind, measured once after every change and never used."""
    # Measured blind: 0.945 and 0.086 (this morning's detector: 0.945 and 0.109). Missed:
    # a cat rehomed "from this weekend", a burial wish, "asking for after", pills popped "one
    # at a time ... lol", "on the platform, next fast one's in 10 mins", a burn after three
    # years clean, a client ringing from the bridge. d6's burial-wish rule catches one
    # since; retrained with d1-d4 (2026-12-07): 0.969 and 0.078.
    _holds("h12.tsv", 128, recall=0.945, false_flags=0.079)


def test_tenth_holdout_as_measured_then_used() -> None:
    """h13: 256 lines by two more writers on 2026-12-07 (adults of 60 to 85 in Canada, the
    UK and South Africa, formal and polite, with signatures; people whose English mixes with
    Aboriginal English, te reo Maori, Singlish, Taglish and Nigerian Pidgin), 8 of each
    kind, kept outside the repository until the models were retrained and d5's and d6's
    rules written, then measured once, then used to write rules."""
    # Measured blind: 0.969 and 0.047 (the morning's detector: 0.969 and 0.055). Missed:
    # "I have never wanted to kill my self as much as I do right now" (the word "never"
    # read as negation), a cat to be fed "for after", and two lines in Tagalog (a husband
    # hurting her now; a child not home, phone and a note left). Then used: a comparison
    # ("never ... as much as I do right now") no longer reads as negation, "feeds my cat
    # for after", those two Tagalog phrases, "passed from an overdose" and "in the 90s" as
    # the past: 1.000 and 0.039, no other labelled line changed. So h13 is not blind now.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.992 and 0.047.
    _holds("h13.tsv", 128, recall=0.99, false_flags=0.047)


def test_eleventh_holdout_as_measured_then_used() -> None:
    """h14: 256 lines by two more writers on 2026-12-07 (teenagers and young adults in
    Ireland, Northern Ireland and Wales; veterans, firefighters, paramedics and police and
    their partners), 8 of each kind, kept outside the repository until d7's rules were
    written, measured once, then used to write rules."""
    # Measured blind: 0.930 and 0.031 (the morning's detector: 0.914 and 0.055; the
    # veterans' half 0.906). Missed: a man once arrested turning up in the yard, "final
    # transmission", "decisions made ... you don't need to check in anymore", burial wishes
    # "just saying in case" and "when it happens ... make sure they know", a handful of
    # sleepers with a bottle, "at the bridge, cold up here", a sidearm out "not for the
    # range", "worked out when ... lol". Rules for each: 1.000 and 0.023, no other labelled
    # line changed. So h14 is not blind now.
    _holds("h14.tsv", 128, recall=0.99, false_flags=0.024)


def test_eighth_rules_development_set_holds() -> None:
    """d8: 512 lines by four more writers on 2026-12-07 (international students writing
    English as a second language; people living with chronic pain and illness and their
    carers; very short texts of one to eight words; men of 40 to 70 after divorce,
    redundancy or loss), measured after h14's rules, then used to write rules: threatened
    by someone coming back, hiding while someone is outside, "tell the group I loved them",
    "say I was a good student ... bye", ashes "in case it is soon", taking pills until the
    bottle is empty, every patch put on; and to quiet: "before I ..., now I ...", overdosing
    on bacon sandwiches."""
    # Before its rules: 0.973 and 0.043; after: 1.000 and 0.031 (the false flags left are
    # the models': "sorry for everything i said yesterday", "hes back from his dads").
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.039.
    _holds("d8.tsv", 256, recall=0.99, false_flags=0.04)


def test_twelfth_holdout_blind_after_every_change() -> None:
    """h15: 256 lines by two more writers on 2026-12-07 (carers of every kind across
    Australia, New Zealand, the UK, Ireland, Canada and the US; people living with BPD,
    16 to 60, from Australia to Singapore, at any hour), 8 of each kind, kept outside the
    repository until the second retraining and d8's rules were done, measured once and
    never used since."""
    # Measured blind: 0.984 and 0.039 (the morning's detector: 0.953 and 0.062). Missed:
    # "could you take my dog if something happened to me? ... arranged this week" and a cat
    # rehomed "better she's settled before" (indirect signs: 14 of 16). False flags: two
    # past overdoses told in passing, "unalive" a laptop, a question about self-harm years
    # ago, a mother's emptiness at her son's bedside. Never used since; but d9's writers
    # wrote lines like two of these (a dog to be taken "if something happened", "unalive"
    # a laptop), and the rules written from those catch them here too: 0.992 and 0.031.
    _holds("h15.tsv", 128, recall=0.984, false_flags=0.04)


def test_ninth_rules_development_set_holds() -> None:
    """d9: 512 lines by four more writers on 2026-12-07 (people of faith, in the words of
    their faith; people living with coercive control, and those who fear for them; young
    people in care and their workers; peer-support group chats, with risk among the
    logistics), measured after h15, then used to write rules: a pet to be taken "if
    something happened", arranged by the weekend; "ready to meet my maker ... now"; not
    being a burden "for much longer"; someone thrown down the stairs and now drowsy; and to
    quiet: "unalive it", "can't pretend i'm ok" no longer read as recovery, a phone chucked
    off a bridge, haribo and hot cross buns."""
    # Before its rules: 0.977 and 0.051; after: 1.000 and 0.035.
    _holds("d9.tsv", 256, recall=0.99, false_flags=0.036)


def test_tenth_rules_development_set_holds() -> None:
    """d10: 512 lines by four more writers on 2026-12-07 (Aboriginal and Torres Strait
    Islander, Maori and Pasifika people and their families; adults writing English as a
    second language; people who use alcohol and other drugs, and their carers; people over
    70 and their adult children), measured after h16, then used to write rules: an ex who
    turns up at work while they hide, "forgive me for everything" then a farewell in any
    language, "talking about kill himself"; and to quiet: "they asked if i'm suicidal ...
    i'm not" and "asked me if i wanted to die. i told her no", someone else's relapse,
    "4 years today since", "when she was 70", a funeral planned ahead at 85, overdosing on
    mince pies."""
    # Before its rules: 0.988 and 0.047; after: 1.000 and 0.020 (the false flags left are
    # the models': a sister's funeral, a tangi, a wrong button pressed, a will at 85).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.996 and 0.031.
    _holds("d10.tsv", 256, recall=0.99, false_flags=0.032)


def test_thirteenth_holdout_blind_then_used() -> None:
    """h16: 256 lines by two more writers on 2026-12-07 (first responders and veterans, with
    their jargon and dark humour, and the people who love them; messages sent by voice
    dictation, and teenagers of 14 to 17), kept outside the repository until d9's rules
    were done, measured once before d10's, then used to write rules."""
    # Measured blind: 0.977 and 0.000. Missed: "final transmission lol. thanks for trying"
    # with medals given away, a will sorted and a dog left "for a while" then "weirdly calm",
    # parked at a lookout "not driving back down". Rules for each: 1.000 and 0.000, no other
    # labelled line changed. So h16 is not blind now.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.992 and 0.008.
    _holds("h16.tsv", 128, recall=0.99, false_flags=0.008)


def test_eleventh_rules_development_set_holds() -> None:
    """d11: 512 lines by four more writers on 2026-12-07 (people on psychiatric wards or
    just discharged, and their families; people who write in lyrics, quotes and irony;
    people under gambling and debt pressure; people into sport and the outdoors), measured
    after h16's rules, then used to write rules: "don't be sad when you hear", a last swim
    with "thanks for trying", the medicine cabinet emptied into a mouth, swimming out past
    the flags with a goodbye, "she wants to kill herself" as a rule (it was the models'),
    things sold and the money given away then "everything tidy", all her jewellery given
    away days after a discharge, sleepers, the top of a multi-storey; and to quiet: "keeps
    asking if i'm going to hurt myself. i'm not", "there was a stretch where", "not going
    back in" read as the past, overdosing on sad indie music."""
    # Before its rules: 0.965 and 0.027; after: 1.000 and 0.016 (the false flags left are
    # the models': a son's room got ready, "the goodbye in my story is the character's",
    # a benefit payment cut, "the silence is too loud").
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.020.
    _holds("d11.tsv", 256, recall=0.99, false_flags=0.02)


def test_twelfth_rules_development_set_holds() -> None:
    """d12: 512 lines by four more writers on 2026-12-07 (danger from family rather than a
    partner; trans, non-binary and older LGBTQIA+ adults; adults with an intellectual
    disability and their support workers; messages sent between midnight and 5am), measured
    after d11's rules, then used to write rules: a 4am list of things cancelled and deleted
    then "haven't felt this light in years" (which the past scope had read as "haven't
    felt" long ago), "whats the point carrying on"; and to quiet: "if i change my outfit one
    more time she'll kill me" (never leaving or telling: those are real threats), "when i
    was first on the waiting list", overdosing on sequins."""
    # Before its rules: 0.992 and 0.043; after: 1.000 and 0.031 (the false flags left are
    # the models': mum in heaven, an urge not acted on, "everything is too loud", "i'm not
    # real, like i'm behind glass", a peer worker's "you did good to message").
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.996 and 0.035.
    _holds("d12.tsv", 256, recall=0.99, false_flags=0.036)


def test_thirteenth_rules_development_set_holds() -> None:
    """d13: 512 lines by four more writers on 2026-12-07 (refugees and people seeking asylum,
    and their caseworkers; young adults in London, Birmingham, Manchester and Liverpool
    slang; parents of young children who live with BPD themselves; health workers with BPD
    in their clinical words), measured after d12's rules, then used to write rules: someone
    outside the house with a bat, stones at the window now, "bury me ... if something
    happen", custody papers and life insurance shown "so she's all set for after", a
    daughter who "took summat" and is slurring, a partner's ideation "less passive today"
    then gone with his location off; and to quiet: "if one more patient asks ... i'm going
    to die", "i remember hurting myself ... 18 months clean now", overdosing on baklava."""
    # Before its rules: 0.973 and 0.031; after: 0.996 and 0.016. Still missed: "updated my
    # will and put my brother down as guardian. the kids had a nice day at the beach btw"
    # (what parents do anyway; no rule that would not flag them). The false flags left are
    # the models'.
    _holds("d13.tsv", 256, recall=0.996, false_flags=0.016)


def test_fourteenth_rules_development_set_holds() -> None:
    """d14: 512 lines by four more writers on 2026-12-07 (people in sex work and their
    friends; messages that quote or forward someone else's words or the news; corporate
    professionals in office jargon; two languages in one message: Hinglish, Spanglish,
    Taglish, Arabizi, Singlish, te reo Maori), measured after d13's rules, then used to write
    rules: cornered now, "adios a todos. los quiero", boxes with people's names on them, the
    burden lifted from everyone (Hindi), three days' tablets at once, "me tome todas las
    pastillas", "had way too much and my heart is going mental", "i cut instead ... deeper
    than usual" (the coped scope had read "instead" as a skill used), a ring posted by a
    coworker who is not back; and to quiet: "you sound like you want to die" reported, "lost
    another girl ... to an overdose", "no idea what it meant", "jajaja", kumara. The past
    scope now reads English around another language, and "disappointed i'm still here" is
    no longer read as recovery."""
    # Before its rules: 0.965 and 0.066; after: 1.000 and 0.051 (the false flags left are
    # the models', most of them hard days written half in another language).
    _holds("d14.tsv", 256, recall=0.99, false_flags=0.051)


def test_fifteenth_rules_development_set_holds() -> None:
    """d15: 512 lines by four more writers on 2026-12-07 (people with serious illness and in
    palliative care, and their carers; people who hear voices or live with dissociative
    parts; pet owners, farmers and vet nurses; teachers, counsellors and youth workers),
    measured after d14's rules, then used to write rules: thanks, then "we're going now",
    "im done now. bye", "thanks for trying with us. bye"; and to quiet: funeral songs picked
    on a palliative nurse's advice, hair cut "off myself" before chemo (read as algospeak for
    killing oneself), "panics about my last post", a stockpile handed back to the pharmacy,
    "there was a time i'd have", "honestly no" to a carer's question."""
    # Before its rules: 0.988 and 0.047; after: 1.000 and 0.027 (the false flags left are
    # the models': a mare that had to be shot, "take all the time you need", a teacher with
    # nothing left at the end of the day).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.031.
    _holds("d15.tsv", 256, recall=0.99, false_flags=0.032)


def test_sixteenth_rules_development_set_holds() -> None:
    """d16: 512 lines by four more writers on 2026-12-07 (pregnancy loss, stillbirth and
    IVF; people in the justice system and their families; eating disorders; in the middle
    of a row), measured after d15's rules, then used to write rules: a hotel booked and "not
    planning on checking out", a sudden calm "first time in ages" with nothing worried
    about any more, a note left and the car taken, someone collapsed and confused with blue
    lips; and to quiet: "i said i wanted to die ... but i didn't mean it", "when we lost the
    twins", Cadbury."""
    # Before its rules: 0.984 and 0.039; after: 1.000 and 0.027 (the false flags left are
    # the models': flowers to say sorry, a short haircut as a fresh start, "i'm going down for
    # this", a friend's suicide last year and a row about grief).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.039.
    _holds("d16.tsv", 256, recall=0.99, false_flags=0.04)


def test_fourteenth_holdout_blind_after_every_change() -> None:
    """h17: 256 lines by two more writers on 2026-12-07 (people with BPD in the middle of
    everyday life: students in exams, hospitality and retail workers, ADHD bursts, eating-
    disorder recovery, siblings and flatmates, across Australia, the UK, Ireland, South
    Africa and India; people writing mid-conversation to a peer worker they know, and peer
    workers and coordinators writing to people and groups), kept outside the repository
    until d10-d16's rules and the retraining trial were done, then measured once."""
    # Measured blind: 0.992 and 0.031, every kind 15 or 16 of 16. Missed: "it's back. i'd
    # rather be dead than do another winnipeg winter feeling like this" (the idiom scope took
    # it for "i'd rather die than go to that party"). Then one change from it: "rather be
    # dead than ... feeling like this" is no longer an idiom, so h17 is 1.000 and 0.031 now
    # and not blind. False flags: "don't worry i'm safe tonight", "if my grandson ever says
    # he wants to die again what should i say", a peer worker keeping to her hours, "that
    # hollow feeling, like i'm watching myself".
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.992 and 0.039.
    _holds("h17.tsv", 128, recall=0.99, false_flags=0.04)


def test_seventeenth_rules_development_set_holds() -> None:
    """d17: 512 lines by four more writers on 2026-12-07 (people who write in emoji; angry,
    exhausted carers of adults; fragments sent with bad reception; Australian and New
    Zealand banter), measured after h17, then used to write rules: "sorry for being a pain
    in the arse all these years. hooroo", a cat taken "just for after, you know", "done
    being alive"."""
    # Before its rules: 0.988 and 0.020; after: 1.000 and 0.020 (the false flags left are
    # the models': at grandad's funeral now, a fringe cut in the car mirror, "empty. just
    # empty", a peer worker's "good on ya for reaching out").
    _holds("d17.tsv", 256, recall=0.99, false_flags=0.02)


def test_fifteenth_holdout_blind_after_every_change() -> None:
    """h18: 256 lines by two more writers on 2026-12-07 (a cross-section: every line a
    different person, aged 14 to 90, in nine countries, in every role; people in their
    first days with the bot, testing it, apologising, asking who reads it), kept outside
    the repository until d17's rules were done, then measured once."""
    # Measured blind: 0.984 and 0.039, every kind 15 or 16 of 16. Missed: "who can i ask to
    # take my dog after. not like a holiday thing" and "hypothetically if someone had a plan
    # and a date and the date was like. this weekend. what would this bot do". Rules for
    # both came after: 1.000 and 0.039, so h18 is not blind now. False flags (the models'):
    # "400 days since i last self harmed!!", an old razor box thrown out, a grandmother's
    # first message, a cemetery visit, shame after shouting at the kids.
    _holds("h18.tsv", 128, recall=0.99, false_flags=0.04)


def test_eighteenth_rules_development_set_holds() -> None:
    """d18: 512 lines by four more writers on 2026-12-07 (laconic Australian and New Zealand
    men on mines, farms and trucks; autistic writers and voice-to-text dictation; new
    parents and young carers; faith, parole and veterans), measured after h18, then used to
    write rules: a goodbye passed on ("if anyone from group asks tell em i said see ya.
    been a good run"), using again with no tolerance after prison, a rope taken home and a
    time and place."""
    # Before its rules: 0.988 and 0.047; after: 1.000 and 0.031 (the false flags left are
    # the models': kaddish for a brother, a haircut "like ive been scalped", a printer to
    # be "put down", "i dont want to die or anything", a peer worker's "take your time",
    # two hard days).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.035.
    _holds("d18.tsv", 256, recall=0.99, false_flags=0.036)


def test_sixteenth_holdout_blind_after_every_change() -> None:
    """h19: 256 lines by two more writers on 2026-12-07 (English as written in Singapore,
    Malaysia, the Philippines, India and Hong Kong; late nights, festivals and long careful
    paragraphs whose point comes last), kept outside the repository until d18's rules were
    done, then measured once."""
    # Measured blind: 0.992 and 0.047, every kind 15 or 16 of 16. Missed: "told my mates im
    # getting a taxi but im going up to the car park roof instead". After it, rules for that
    # line and two false flags ("overdosed on durian", "last time i relapsed was deepavali
    # 2022"): 1.000 and 0.031, so h19 is not blind now. False flags left (the models'): a
    # hug at the pub from a friend's mum after the funeral, "i dont want to die, i just want
    # tonight to be over", how to tell if someone has been spiked, a lonely hen do.
    _holds("h19.tsv", 128, recall=0.99, false_flags=0.032)


def test_nineteenth_rules_development_set_holds() -> None:
    """d19: 512 lines by four more writers on 2026-12-07 (short replies mid-conversation to
    a peer worker they know; parents and grandparents of 60 to 85 caring for an adult;
    emergency departments, crisis teams and holds; Gen Z online irony), measured after
    h19, then used to write rules: the whole box "already taken", everything in the
    cupboard swallowed, a pet by name "for after", tablets not handed in as agreed and
    kept for saturday, "hes texting me hell jump", "i w4nt t0 d1e"."""
    # Before its rules: 0.965 and 0.066; after: 1.000 and 0.055 (the false flags left are
    # mostly the models': a grave visited, "proud of myself" for soup, a week at a
    # sister's with "best wishes to all", an allotment "killing his back").
    _holds("d19.tsv", 256, recall=0.99, false_flags=0.055)


def test_seventeenth_holdout_blind_after_every_change() -> None:
    """h20: 256 lines by two more writers on 2026-12-07 (people with BPD using the NHS and
    Irish services; partners, siblings and friends in the US and Canada), kept outside the
    repository until d19's rules were done, then measured once."""
    # Measured blind: 0.992 and 0.039, every kind 15 or 16 of 16. Missed: a thank-you for a
    # year of peer support "even if it didnt work out in the end ... Bye". After it, a rule
    # for that and fixes for two rule false flags ("my gf but im safe, not suicidal"; "he
    # wanted to die last night but ... hes safe and seeing his psych today"): 1.000 and
    # 0.023, so h20 is not blind now. False flags left (the models'): holding a hoodie of
    # someone gone since 2021, a boyfriend's haircut, back pain and paracetamol.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.031.
    _holds("h20.tsv", 128, recall=0.99, false_flags=0.032)


def test_twentieth_rules_development_set_holds() -> None:
    """d20: 512 lines by four more writers on 2026-12-07 (DBT diary-card shorthand from
    people with long-standing suicidal thoughts; Spanish, Portuguese, Hindi, Tagalog and
    Arabic written in Latin letters, mixed with English; peer workers at risk behind a
    professional tone; young men, betting and crypto), measured after h20, then used to
    write rules. It scored lowest of any set since d7: the other languages were read
    only in plain statements of wanting to die, and missed self-harm, overdoses, danger,
    plans, goodbyes and signs in them."""
    # Before its rules: 0.898 and 0.055 (19 of its 26 misses in the other languages);
    # after: 1.000 and 0.035 (the false flags left are the models': grief, "me siento tan
    # sola hoy", chronic pain).
    _holds("d20.tsv", 256, recall=0.99, false_flags=0.036)


def test_eighteenth_holdout_blind_after_every_change() -> None:
    """h21: 256 lines by two more writers on 2026-12-07 (a cross-section of carers in the
    UK, Australia and New Zealand, and of people with BPD in the United States, every
    line a different person), kept outside the repository until d20's rules were done,
    then measured once."""
    # Measured blind: 0.977 and 0.023, short of the goal: indirect signs 14 of 16, plans 15
    # of 16. Missed: two dogs to be taken "for after" (read as a question about finding
    # someone), a small service "if theres a service", "tomorrow mornings the day. ive
    # cancelled the milk and the dogs booked into kennels". Rules for all three came after:
    # 1.000 and 0.023, so h21 is not blind now.
    _holds("h21.tsv", 128, recall=0.99, false_flags=0.024)


def test_twenty_first_rules_development_set_holds() -> None:
    """d21: 384 lines by three writers on 2026-12-07, most of them in other languages or
    mixed with English: Spanish from Latin America, Spain and the US; Hindi, Urdu,
    Punjabi, Bengali, Tamil and Sinhala in Latin letters; Tagalog, Indonesian, Malay and
    Vietnamese. Measured after h21, then used to write rules for every kind in each."""
    # Before its rules: 0.464 and 0.042: whole messages in another language were read only
    # where they said plainly that the writer wanted to die. After: 1.000 and 0.036 (the
    # false flags left: grief, a flat tyre, "overdosed on pan dulce", carer exhaustion).
    _holds("d21.tsv", 192, recall=0.99, false_flags=0.037)


def test_nineteenth_holdout_blind_after_every_change() -> None:
    """h22: 256 lines by two more writers on 2026-12-07 (people in English-speaking
    countries switching to Portuguese, French, Italian, Greek, Arabic, Spanish,
    Vietnamese, Hindi or Tagalog mid-message; an everyday Australian mix), kept outside
    the repository until d21's rules were done, then measured once."""
    # Measured blind: 0.961 and 0.008, short of the goal: the everyday writer's lines
    # 1.000 and 0.000, the mixed-language writer's 0.922. Missed: someone following her
    # home "natatakot ako", pills in Greek ("ipia ola ta xapia mou"), "naglaslas ulit ako",
    # a group member's "main ab nahi rahunga", "when they bury me ... getting everything in
    # order this week". Rules for all five came after: 1.000 and 0.008, not blind now.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.031.
    _holds("h22.tsv", 128, recall=0.99, false_flags=0.032)


def test_twenty_second_rules_development_set_holds() -> None:
    """d22: 384 lines by three writers on 2026-12-07 in other scripts and languages:
    Chinese (simplified, traditional and Cantonese); Arabic, Farsi and Turkish; Greek,
    Italian, French, Nepali and Korean. Measured after h22, then used to write rules,
    each with the negation and the past its language marks (不是想死, 冇鎅手, 年前,
    "den thelo", كنت)."""
    # Before its rules: 0.208 and 0.026. After: 0.984 and 0.021.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.979 and 0.021.
    _holds("d22.tsv", 192, recall=0.979, false_flags=0.021)


def test_twentieth_holdout_blind_after_every_change() -> None:
    """h23: 256 lines by two more writers on 2026-12-07 (migrants in Australia writing in
    Mandarin, Cantonese, Arabic, Vietnamese, Punjabi, Greek, Italian, Hindi, Nepali,
    Spanish or Tagalog; an everyday mix in Canada, the UK and New Zealand), kept outside
    the repository until d22's rules were done, then measured once, and not used for
    rules: it records how far rules written from a few writers carry to others."""
    # Measured blind: 0.633 and 0.023. The everyday English writer's lines: 0.984 and
    # 0.031. The other-language writer's: 0.281: the phrases other writers used in the same
    # languages do not reach a new writer's. Only one change came after, a false flag (a
    # form that "要杀了我", is killing me): 0.633 and 0.016.
    _holds("h23.tsv", 128, recall=0.63, false_flags=0.016)


def _bars(name: str, crisis: int, ok: int, *, recall: float, false_flags: float) -> None:
    """NAME has CRISIS and OK lines (not as many of each) and holds its bars."""
    got = _figures([name])
    assert (got.crisis, got.ok) == (crisis, ok), got
    assert got.recall >= recall, got.report
    assert got.false_flags <= false_flags, got.report


def test_twenty_third_development_set_everyday_means_holds() -> None:
    """d23: 400 lines by two writers on 2026-12-07 about everyday places, objects and
    medicines that can also be means (a walk by the river, the train to the city, tablets
    with breakfast, a rope on the trailer, the top floor of a car park), 300 of them
    ordinary, and 100 in crisis with the same words. Written to retrain the models: with
    them, at the threshold 5-fold cross-validation chose (0.613), both models flagged fewer
    of these (h24's ordinary lines 4 -> 2 of 120), but they missed 25 more of h1-h22's
    3,131 crisis lines (0.986 -> 0.978), so that retraining was not kept. Two rules and an
    idiom were narrowed from its false flags instead."""
    # Before: 0.960 and 0.083 (25 of 300: the models' "took my tablets with breakfast",
    # "walked to the bridge and back", the rules' balcony with a cuppa, gym-dead forearms).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.980 and 0.110.
    _bars("d23.tsv", 100, 300, recall=0.96, false_flags=0.11)


def test_twenty_first_holdout_blind_everyday_means() -> None:
    """h24: 180 lines by another writer on 2026-12-07 (New Zealand, Ireland, Canada, the
    US) on the same theme as d23, kept outside the repository and measured once before any
    change; one of its false flags (up on the roof fixing the flashing) was then among
    those the narrowed rule no longer flags."""
    # Measured blind: 0.983 and 0.042 (the miss: at the lake, "i'll only feel it for a
    # bit"). After: 0.983 and 0.033.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 1.000 and 0.075.
    _bars("h24.tsv", 60, 120, recall=0.98, false_flags=0.075)


def _long_messages(seed: int, count: int, size: int) -> tuple[list[str], list[str]]:
    """COUNT messages of about SIZE characters from the development sets d8-d23: in each of
    the first list one crisis line the detector finds alone, hidden among everyday and
    hard-day lines it passes alone; the second list ordinary lines only."""
    import random

    crisis: list[str] = []
    ordinary: list[str] = []
    for file in sorted(HOLDOUT.glob("d*.tsv")):
        for line in file.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            if parts[0] == "crisis":
                crisis.append(parts[2])
            elif parts[1] in ("everyday", "struggle"):
                ordinary.append(parts[2])
    rnd = random.Random(seed)
    crisis = rnd.sample(crisis, count * 2)
    ordinary = [t for t in rnd.sample(ordinary, 400) if not assess(t).crisis]

    def filler() -> list[str]:
        out: list[str] = []
        while sum(len(t) + 2 for t in out) < size:
            out.append(rnd.choice(ordinary))
        return out

    hidden, plain = [], []
    for line in [t for t in crisis if assess(t).crisis][:count]:
        sep = rnd.choice([" ", ". ", "\n"])
        parts = filler()
        parts.insert(rnd.randint(0, len(parts)), line)
        hidden.append(sep.join(parts))
        plain.append(sep.join(filler()))
    return hidden, plain


def test_risk_said_once_in_a_long_message_is_found_more_often_than_not() -> None:
    """A crisis line hidden in about 1,200 characters of everyday and hard-day lines (from
    the development sets: the parts' bar was chosen on them). Read only as a whole, as
    before long messages were read in parts, 33 of these 60 were found and one of the 60
    ordinary messages flagged; now 42 and two."""
    hidden, plain = _long_messages(seed=23, count=60, size=1200)
    found = sum(assess(t).crisis for t in hidden)
    flagged = sum(assess(t).crisis for t in plain)
    assert found >= 40, found
    assert flagged <= 3, flagged


def test_messages_of_several_lines() -> None:
    """Four writers on 2026-12-07, 90 messages each of two to ten lines (60 to 1,200
    characters; the person pressed Enter between thoughts), most crisis messages with the
    risk in one line among lines about other things: lines_d1 (adults living with BPD) and
    lines_d2 (carers) for development, lines_h1 (young people texting in bursts) and
    lines_h2 (rural men, older adults, second-language writers, peer workers' case notes)
    kept blind and measured once.

    Reading each line as a message of its own as well (the models' bar for a part, 0.9) was
    tried on the development sets and not kept: it found nothing more, and flagged 15 of
    their 90 ordinary messages against 7, because people carry a thought across lines ("had
    the urge to cut really bad last night" / "but i didnt!!!").
    """
    # Measured as shipped: d1 1.000 and 0.067, d2 0.978 (the miss: rehoming a dog "before I
    # go", without a risk word) and 0.089; blind h1 1.000 and 0.089, h2 1.000 and 0.044.
    # After the scopes learned "in march 2021" and "the years i", d1's false flags 0.044.
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): d1 1.000
    # and 0.044, d2 0.978 and 0.111, h1 1.000 and 0.156, h2 1.000 and 0.044.
    for name, recall, false_flags in (
        ("lines_d1.tsv", 1.0, 0.045),
        ("lines_d2.tsv", 0.977, 0.112),
        ("lines_h1.tsv", 1.0, 0.156),
        ("lines_h2.tsv", 1.0, 0.045),
    ):
        _holds(name, 45, recall=recall, false_flags=false_flags)


def test_long_messages_as_people_write_them() -> None:
    """Eight more writers on 2026-12-07, 48 messages each of 570 to 2,990 characters (vents,
    catch-ups, carers' letters, case notes; about half with line breaks), most crisis
    messages saying the risk once among much else. Development: long_d1 (adults living with
    BPD), long_d2 (carers), long_d3 (Ireland, Canada, the US), long_d4 (Australians of many
    walks of life). Kept blind and measured once: long_h1 (young people), long_h2 (rural men,
    older adults, second-language writers, peer workers), long_h3 (the UK and South Africa),
    long_h4 (carers in New Zealand, Singapore, India, the Philippines).

    They test the reading in parts on real writing, not on lines joined at random. Read only
    as a whole, the four blind sets' recall would be 82 of 96, with 12 of their 96 ordinary
    messages flagged; read in parts as well (as shipped), 94 and 19.
    """
    # Measured as shipped: d1 1.000 and 0.250 (0.208 after the scope fixes for "in march
    # 2021" and "the years i"), d2 1.000 and 0.250, d3 1.000 and 0.125, d4 1.000 and 0.208;
    # blind h1 0.958 and 0.292, h2 0.958 and 0.167, h3 1.000 and 0.292, h4 1.000 and 0.042
    # (their misses and false flags not read, so the sets stay blind). Models retrained with
    # mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): d1 1.000 and 0.208, d2 1.000 and
    # 0.250, d3 1.000 and 0.167, d4 1.000 and 0.167; h1 0.958 and 0.208, h2 0.958 and
    # 0.167, h3 1.000 and 0.333, h4 1.000 and 0.083.
    for name, recall, false_flags in (
        ("long_d1.tsv", 1.0, 0.209),
        ("long_d2.tsv", 1.0, 0.25),
        ("long_d3.tsv", 1.0, 0.167),
        ("long_d4.tsv", 1.0, 0.209),
        ("long_h1.tsv", 0.958, 0.292),
        ("long_h2.tsv", 0.958, 0.167),
        ("long_h3.tsv", 1.0, 0.334),
        ("long_h4.tsv", 1.0, 0.084),
    ):
        _holds(name, 24, recall=recall, false_flags=false_flags)


def test_what_peer_workers_and_peers_write() -> None:
    """Two writers on 2026-12-07, ordinary lines only: what peer workers, coordinators and
    peers write to someone who is struggling (empathy, their own lived experience, skills,
    safety talk in plain words, rosters). staff_d1 (200 lines) for development, staff_h1
    (150 lines, carer and youth peer workers, long-time group members) kept blind and
    measured once. Every message a peer worker sends is assessed, and a flagged one brings
    them the card and a question before it goes, so a false flag here costs a peer worker.

    Just before, "i know exactly how you feel" and "it's okay to not be okay" were found
    flagged (now a narrowed rule and stock phrases: see test_crisis_detector); staff_d1 then
    found "not feeling unsafe tonight" firing a rule.
    """
    # Measured: d1 13 of 200 (0.065), 12 after the rule fix; blind h1 6 of 150 (0.040).
    # Most that remain are the sentence model reading warm words as risk ("I'm holding hope
    # for you until you can hold it yourself": 0.99). A higher bar for staff was weighed
    # and not taken: it would miss staff reporting someone at risk in plain words.
    # On some CPUs h1 is 7 of 150: one line scores 0.647 against the threshold 0.638 there
    # (onnxruntime's kernels differ by CPU, and so do the last digits of the sentence model).
    # Models retrained with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567, lower than
    # 0.638 so that more is caught): d1 18 of 200 (0.090), blind h1 5 of 150 (0.033).
    for name, lines, flagged in (("staff_d1.tsv", 200, 18), ("staff_h1.tsv", 150, 6)):
        totals, hits, cats, cat_hits = _score([name])
        assert totals == Counter(ok=lines), (name, totals)
        assert hits["ok"] <= flagged, (name, _report(cats, cat_hits))


def test_twenty_second_holdout_blind_carers_danger_and_peer_workers() -> None:
    """h25: 120 lines by another writer on 2026-12-07 (carers, partners, friends and
    housemates about someone else; danger at home; peer workers about their own week),
    written beside mixed_d2 and measured once, blind, with mixed_d1's rules and the
    scope changes in; nothing was changed for it."""
    # Measured blind: 0.967 and 0.083 (after mixed_d2's rules: the same). Models retrained
    # with mixed_d1 and mixed_d2 (2026-12-08, threshold 0.567): 0.983 and 0.083.
    _bars("h25.tsv", 60, 60, recall=0.98, false_flags=0.084)


def test_twenty_third_holdout_blind_masked_risk() -> None:
    """h26: 120 lines by another writer on 2026-12-07, risk hidden in jokes, memes,
    sarcasm, "hypothetical" or "for a story" questions, an afterthought after ordinary news,
    and second-language English; the ordinary lines in the same styles. Written after all of
    mixed_d1's and mixed_d2's rules were in, to measure how far rules written from one
    writer's masked risk carry to another's: not far. Measured once; nothing was changed
    for it, so a retraining of the models with mixed_d1 and mixed_d2 can be measured on it."""
    # Measured blind: 0.783 and 0.050 (13 missed: 6 suicidal, 3 self-harm, 2 plan, 2
    # overdose). Models retrained with mixed_d1 and mixed_d2 (2026-12-08): 0.867 and 0.017
    # at the threshold their 5-fold run chose for recall 0.97 (0.640), 0.883 and 0.050 at the
    # one it chose for 0.98 (0.567, shipped). Still not read, so it stays blind.
    _bars("h26.tsv", 60, 60, recall=0.88, false_flags=0.05)


def test_twenty_fourth_and_fifth_holdouts_blind_quiet_risk_and_carers_at_night() -> None:
    """h27 and h28: 120 lines each by two more writers on 2026-12-08, each given a brief and
    none of the rules or data. h27: risk said quietly by people tidying up their lives (a
    pet given away, a will and passwords "just in case", memberships cancelled), flat
    replies, bursts after a break-up, in six countries and ages 15 to 75; the ordinary lines
    the same practical things with no risk. h28: carers, partners and housemates late at
    night about someone else, risk in the middle of long rambling messages, fear of someone
    at home, an overdose or a cut played down, "what do I do"; English as written in
    Ireland, New Zealand, Nigeria, the Philippines, England and the US. Measured with the
    old models and the new ones before the new ones were chosen (so they informed that
    choice, and the recall target of 0.98), then not read: no rule was written from them."""
    # Old models (threshold 0.638): h27 0.950 and 0.100, h28 0.967 and 0.033. Retrained
    # (threshold 0.567): h27 0.983 and 0.100, h28 0.983 and 0.033.
    _bars("h27.tsv", 60, 60, recall=0.98, false_flags=0.1)
    _bars("h28.tsv", 60, 60, recall=0.98, false_flags=0.034)


def test_twenty_sixth_and_seventh_holdouts_blind_after_the_retraining() -> None:
    """h29 and h30: 120 lines each by two more writers on 2026-12-08, each given a brief and
    none of the rules or data, written and measured once after the retrained models, their
    threshold and round five's rules were chosen, so nothing here informed them. h29: people
    living with BPD in strong feelings (splitting, fear of being left, rage and shame), most
    angry with no risk, some at risk inside the anger; h30: people over 55 writing politely
    about themselves or a grown-up child with BPD, and peer workers and coordinators whose
    everyday messages mention safety plans, crisis lines and self-harm."""
    # Measured once: h29 0.983 and 0.117, h30 0.967 and 0.067. The old models (threshold
    # 0.638), for comparison: h29 0.967 and 0.117, h30 0.950 and 0.017.
    _bars("h29.tsv", 60, 60, recall=0.98, false_flags=0.117)
    _bars("h30.tsv", 60, 60, recall=0.966, false_flags=0.067)
