"""Normalisation: every spelling of a risk word reads as the word; ordinary words stay put."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

import pytest

from bot.domain.crisis import normalise
from bot.domain.crisis.lexicon import data_file, rewrites

ALGOSPEAK = data_file("algospeak.yaml")


@pytest.mark.parametrize(
    "entry",
    [e for key in ("algospeak", "slips") for e in ALGOSPEAK[key]],
    ids=lambda e: str(e["example"])[:40],
)
def test_each_algospeak_entry_is_dated_sourced_and_works(entry: dict[str, object]) -> None:
    added = entry["added"]
    assert isinstance(added, dt.date), entry  # YAML dates: 2026-12-06
    assert str(entry["where"]).strip() and str(entry["means"]).strip()
    example = str(entry["example"])
    assert re.search(str(entry["find"]), example.lower()), entry
    # the example is rewritten; without groups the replacement appears as written
    write = str(entry["write"])
    assert normalise(example) != example.lower() or write in example.lower(), entry
    if "\\" not in write:
        assert write in normalise(example), (example, normalise(example))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # digit-for-letter and symbol spellings
        ("i'm su1c1dal", "suicidal"),
        ("feeling $uicidal", "suicidal"),
        ("i want to k!ll myself", "kill myself"),
        ("thinking about s*icide", "suicide"),
        ("i want to d1e", "want to die"),
        # spelled out, stretched
        ("s u i c i d e", "suicide"),
        ("k.i.l.l m.y.s.e.l.f", "kill myself"),
        ("i want to diiiie", "want to die"),
        ("i'm sooooo suicidaaaal", "suicidal"),
        # misspelled, one or two edits away
        ("i'm sucidial", "suicidal"),
        ("feeling suicdal again", "suicidal again"),
        ("i overdoesed on my meds", "overdosed"),
        ("i want to kill myslef", "kill myself"),
        ("i started cuting again", "cutting again"),
        # algospeak and phone or dictation slips
        ("i want to unalive myself", "kill myself"),
        ("thinking about self deleting", "kill myself"),
        ("sewer slide thoughts", "suicide thoughts"),
        ("sh urges are bad", "self harm urges"),
        ("relapsed on sh", "relapsed on self harm"),
        ("i shd last night", "self harmed last night"),
        ("feeling sui again", "suicidal again"),
        ("i'm having suicide all thoughts", "suicidal thoughts"),
        ("the self arm urges are back", "self harm urges"),
        ("i want to kill my shelf", "kill myself"),
        ("gonna top myself", "kill myself"),
        ("imma do it", "i'm going to do it"),
    ],
)
def test_spellings_read_as_the_risk_word(text: str, expected: str) -> None:
    assert expected in normalise(text), normalise(text)


@pytest.mark.parametrize(
    "text",
    [
        "that's odd",
        "he's in the shed",
        "the steak was overdone",
        "my rent is overdue",
        "she overdoes it at the gym",
        "two overdoses in the past",
        "see you at 5pm, 24/7 support",
        "the wi-fi is down",
        "i want to dye my hair",
        "tie-dye shirts",
        "my kids think it's cuter",
        "sudoku is my favourite puzzle",
        "mystery novel",
    ],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    norm = normalise(text)
    for risk in ("suicid", "overdos", "self harm", "die", "kill", "cutting"):
        if risk not in text:
            assert risk not in norm, (text, norm)


def test_emoji_become_words() -> None:
    assert "pills" in normalise("took all my 💊💊")
    assert "knife" in normalise("🔪 urges")


def test_rewrites_compile_and_are_ordered() -> None:
    rw = rewrites()
    assert len(rw) > 100
    sources = [r.source.split(":")[0] for r in rw]
    # algospeak first, then slips, then chat shorthand
    assert sources.index("rewrites.yaml") > sources.index("algospeak.yaml")


def test_normalising_is_linear_on_long_text() -> None:
    text = "hello there, group was good today. " * 3000  # about 100,000 characters
    assert len(normalise(text)) > 90_000


def _every_pass(text: str) -> str:
    """normalise() as it was before its passes were skipped where they cannot change the
    text: every pass, always."""
    import unicodedata

    n = sys.modules["bot.domain.crisis.normalise"]
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\ufe0f", "").replace("\u200d", " ")
    text = n._OVERDOSED_RE.sub("overdosed", text)
    text = n._emoji_to_words(text.translate(n._QUOTES)).lower()
    text = n._SYMBOL_WORD_RE.sub(n._symbol_sub, text)
    text = n._SPACED_RE.sub(n._spaced_sub, text)
    text = n._DROP_RE.sub(" ", text)
    text = n._REPEAT_RE.sub(r"\1\1", text)
    text = n._PUNCT_REPEAT_RE.sub(r"\1", text)
    text = n._SPACE_RE.sub(" ", text)
    for step, repl, needs in n._REWRITES:
        if isinstance(step, n._Table):
            text = step.sub(text)
        elif needs is None or any(x in text for x in needs):
            text = step.sub(repl, text)
    text = n._fix_words(text)
    return n._SPACE_RE.sub(" ", text).strip()


def test_skipping_a_pass_that_cannot_change_the_text_changes_nothing() -> None:
    """Each pass normalise() skips (no "OD", no dropped symbol, no character three times in
    a row, no doubled punctuation, no run of spaces) would have left the text as it was."""
    lines = []
    for file in sorted((Path(__file__).parent / "crisis_data").glob("*.tsv")):
        lines += [p.split("\t")[2] for p in file.read_text("utf-8").splitlines()[:80]]
    padding = "Went to the shops and then home for tea with my neighbour. " * 10
    texts = [
        *lines,
        "I ODd last night",
        "OD'd\tagain",
        "so tired!!  of it.. all??",
        "tab\there\rand\fthere\vtoo",
        'a\x01b (c) [d] {e} <f> ~g^ `h` $i @j *k |l "m"',
        "é ü 死 😀 💀",
        padding + "i am sooooo done",  # a triple past the numpy check's length
        padding + "nothing repeats three times here",
        padding + "!!!  ...  ???",
        padding + "\t" + padding,
    ]
    texts += [padding + line for line in lines[::7]]
    for text in texts:
        assert normalise(text) == _every_pass(text), text[:80]


def test_normalising_is_the_same_in_every_process() -> None:
    """Python hashes strings differently in each process, so a set's order changes from one
    start of the bot to the next: "suicida", one edit from "suicide" and from "suicidal",
    was read as either. Normalising never depends on it."""
    import subprocess

    script = (
        "import json, sys\n"
        "from bot.domain.crisis import normalise\n"
        "print(json.dumps([normalise(t) for t in json.load(sys.stdin)]))\n"
    )
    lines = ["non sono suicida", "no estoy suicida ok", "se suicida", "sucidal", "kil myslef"]
    for file in sorted((Path(__file__).parent / "crisis_holdout").glob("*.tsv")):
        lines += [p.split("\t")[2] for p in file.read_text("utf-8").splitlines()[:40]]
    runs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(lines),
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][0] == "non sono suicide"
