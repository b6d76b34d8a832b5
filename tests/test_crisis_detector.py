"""Crisis detector: the issue's named examples, the API, the shipped model.

Plain functions, no telegram, no network. The held-out check retrains on
folds of tests/crisis_data and needs the ``train`` extra (scikit-learn); it
is skipped where that is not installed.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import time
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from bot.domain import crisis
from bot.domain.crisis import KINDS, Assessment, assess

DOMAIN = Path(crisis.__file__).resolve().parent
DATA_DIR = Path(__file__).resolve().parent / "crisis_data"

# (message, expected kind): every "must understand" bullet of issue 3
MUST_FIRE = [
    # direct and passive ideation
    ("I want to die", "suicidal"),
    ("everyone would be better off without me", "suicidal"),
    ("I don't want to wake up", "suicidal"),
    # plans, means and timing; pills or medication amounts
    ("I've been saving my pills for weeks", "plan"),
    ("I know which bridge I'm going to use", "plan"),
    ("tonight's the night", "plan"),
    ("took 20 of my quetiapine", "overdose"),
    ("just swallowed the whole packet of panadol", "overdose"),
    # goodbyes and final arrangements
    ("thank you for everything, this is my last message", "goodbye"),
    ("please look after my cat when I'm gone", "goodbye"),
    ("I've written letters to everyone", "goodbye"),
    # self-harm now or urges, BPD-specific triggers
    ("the urge to cut is so strong right now", "self_harm"),
    ("my fp left and I just want to cut myself", "self_harm"),
    ("I feel so numb and dissociated, I need to hurt myself to feel something", "self_harm"),
    # a carer or friend reporting someone else at risk now
    ("my daughter says she's going to kill herself", "third_party"),
    ("my partner has taken a bottle of pills", "third_party"),
    ("my son has locked himself in the bathroom with a razor", "third_party"),
    # danger from another person right now
    ("he's outside my door and said he'll hurt me", "danger"),
    ("my ex has a knife and is in the house", "danger"),
]

# slang, euphemism, misspelling, lowercase, no punctuation, emoji
MUST_FIRE_SLANG = [
    "kms",
    "i wanna kms tonight",
    "thinking about how to unalive myself",
    "gonna ctb tonight",
    "sewer slide is all i think about",
    "i want to dye and be done with it",
    "i took all my pils 💊💊💊",
    "want to go to sleep forever",
    "i cant do this anymore i want to end it all",
    "s/h urges so bad rn 🔪",
    "i'm going to od tonight",
    "IM GOING TO KILL MYSELF",
]

# risk buried in a long, otherwise ordinary message
BURIED = (
    "Hi, hope your week is going well. Group was nice on Tuesday and the new room is "
    "much warmer. I made the soup recipe from the handout and it was lovely. "
    "Honestly I've been saving my tablets and I think Friday is the day. "
    "Anyway, see you at the next session."
)

# every "must not fire" bullet of issue 3
MUST_NOT_FIRE = [
    # idioms
    "this traffic is killing me",
    "I'd kill for a coffee",
    "my phone died",
    "I nearly died laughing at that video",
    # past and resolved, told as recovery
    "Five years ago I tried to end my life. Now I'm studying nursing and I love it.",
    "I used to self harm as a teenager but I've been clean for six years now",
    # medication or education questions
    "what's the max dose of sertraline?",
    "is self-harm common with BPD?",
    "how do I talk to my teen about suicide?",
    # peer workers' ordinary messages
    "Reminder: supervision is moved to Thursday at 2pm",
    "I went over the safety plan with my client today, all good",
    "Group tonight is on alternatives to self-harm, bring your ideas",
    # ordinary chat and distress without risk
    "thanks so much for today!",
    "what time is the carers group on tuesday?",
    "I'm not going to hurt myself, I just need to vent",
    "I feel empty today but I'm using my skills",
]


@pytest.mark.parametrize(("text", "kind"), MUST_FIRE)
def test_named_crisis_examples_fire_with_kind(text: str, kind: str) -> None:
    a = assess(text)
    assert a.crisis, text
    assert a.kind == kind, (text, a)


@pytest.mark.parametrize("text", MUST_FIRE_SLANG)
def test_slang_and_misspelling_fire(text: str) -> None:
    assert assess(text).crisis, text


def test_risk_buried_in_long_message_fires() -> None:
    a = assess(BURIED)
    assert a.crisis
    assert a.kind == "plan"
    assert any("sentence 4" in m for m in a.matched), a.matched


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_named_ordinary_examples_do_not_fire(text: str) -> None:
    a = assess(text)
    assert not a.crisis, (text, a)
    assert a.kind is None
    assert a.matched == ()


def test_api_shape() -> None:
    assert KINDS == (
        "suicidal",
        "plan",
        "overdose",
        "self_harm",
        "goodbye",
        "third_party",
        "danger",
    )
    a = assess("I want to die")
    assert isinstance(a, Assessment)
    assert isinstance(a.crisis, bool)
    assert a.kind in KINDS
    assert a.matched and all(isinstance(m, str) and m for m in a.matched)
    assert 0.0 <= a.score <= 1.0
    with pytest.raises(FrozenInstanceError):
        a.crisis = False  # type: ignore[misc]
    for name in crisis.__all__:
        obj = getattr(crisis, name)
        if callable(obj) and not isinstance(obj, type):
            assert obj.__doc__ and obj.__doc__.strip(), name


@pytest.mark.parametrize("text", ["", "   ", "\n", "👍", "...", "ok"])
def test_blank_and_trivial_messages(text: str) -> None:
    a = assess(text)
    assert a.crisis is False
    assert a.kind is None
    assert 0.0 <= a.score <= 1.0


def test_domain_module_stays_light() -> None:
    tree = ast.parse((DOMAIN / "crisis.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"telegram", "aiosqlite", "numpy", "sklearn", "scipy"}


def test_shipped_model_matches_code() -> None:
    path = DOMAIN / crisis.MODEL_FILE
    assert path.stat().st_size < 2 * 1024 * 1024
    raw = json.loads(gzip.decompress(path.read_bytes()))
    assert raw["feature_version"] == crisis.FEATURE_VERSION
    assert 0.0 < raw["threshold"] < 1.0
    assert set(raw["kind_classes"]) == set(KINDS)
    assert len(raw["kind_bias"]) == len(raw["kind_classes"])
    assert all(len(v) == len(raw["kind_classes"]) for v in raw["kind_weights"].values())
    prefixes = {k.split(":", 1)[0] for k in raw["weights"]}
    made = {
        k.split(":", 1)[0] for k in crisis.features("i don't want to wake up tonight", ["first"])
    }
    assert prefixes <= made, prefixes - made
    crisis.load_model(raw)  # parses without error


def test_fast_enough() -> None:
    texts = [t for t, _ in MUST_FIRE] + MUST_NOT_FIRE + [BURIED] * 5
    assess("warm up")
    times = []
    for t in texts * 5:
        t0 = time.perf_counter()
        assess(t)
        times.append(time.perf_counter() - t0)
    times.sort()
    assert times[len(times) // 2] < 0.002  # goal is under 1 ms; margin for slow CI


def test_heldout_folds_meet_the_bar() -> None:
    """Retrain without a held-out fold of the development set; recall and false
    flags on that fold must meet the issue's bar.

    All five folds take about two minutes on two cores, so by default one
    fold is checked (about 25 s); set CRISIS_FULL_HELDOUT=1 for all five.
    ``python -m bot.crisis_train`` reports all five and leave-one-file-out.
    """
    pytest.importorskip("sklearn")
    from bot import crisis_train

    if not list(DATA_DIR.glob("*.tsv")):
        pytest.skip("no development data")
    rows = crisis_train.read_data(DATA_DIR)
    raw = json.loads(gzip.decompress((DOMAIN / crisis.MODEL_FILE).read_bytes()))
    folds = crisis_train.stratified_folds(rows)
    if os.environ.get("CRISIS_FULL_HELDOUT") != "1":
        folds = folds[:1]
    held = sorted(i for fold in folds for i in fold)
    scored_all = crisis_train.heldout_scores(rows, folds)
    sub_rows = [rows[i] for i in held]
    sub_scored = [scored_all[i] for i in held]
    ev = crisis_train.evaluate(sub_rows, sub_scored, raw["threshold"])
    report = crisis_train.format_eval("held-out", ev)
    assert ev["recall"] >= 0.95, report
    assert ev["false_flags"] <= 0.10, report


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gonna top myself", "kill myself"),
        ("mi waan fi dead", "i want to dead"),
        ("cannae stop", "can't stop"),
        ("imma do it", "i'm going to do it"),
    ],
)
def test_regional_slang_is_normalised(text: str, expected: str) -> None:
    assert expected in crisis.normalise(text)


def test_slang_rewrites_leave_ordinary_words_alone() -> None:
    assert crisis.normalise("the wi-fi is down") == "the wi-fi is down"


def test_means_lexicon_generalises_over_drug_names() -> None:
    # a drug named in the lexicon, one known only by its ending, and a brand
    # all give the same class n-gram, so the model need not have seen them
    for drug in ("sertraline", "asenapine", "percocet"):
        feats = crisis.features(crisis.normalise(f"i took all of my {drug}"))
        assert "k:<INGEST> <MY> <MED>" in feats, drug


@pytest.mark.parametrize("text", [
    "see you tonight x",
    "going to the footy tonight, can't wait",
    "bought a new knife for the kitchen",
    "what time is group tonight?",
    "took two panadol for my headache, feeling better",
])
def test_everyday_plans_and_time_words_do_not_fire(text: str) -> None:
    """Time and plan words in ordinary messages must not bring up the crisis card."""
    assert not assess(text).crisis


def test_the_same_words_with_real_risk_still_fire() -> None:
    assert assess("tonight's the night. i've got the pills ready").crisis
    assert assess("bought a knife today and it's not for cooking").crisis
