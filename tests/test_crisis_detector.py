"""Crisis detector: the issues' named examples, the API, loading and failing safe, cost.

Plain functions, no telegram, no network. Every list below was checked against the first
generation detector: KNOWN_MISSES and KNOWN_FALSE_FLAGS are what it got wrong.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from bot.domain import crisis
from bot.domain.crisis import KINDS, Assessment, DetectorUnavailable, assess
from bot.domain.crisis import model as crisis_model
from bot.domain.crisis import ngram as crisis_ngram
from tests.long_day import LONG_DAY, long_day_with

MODELS = Path(crisis.__file__).resolve().parent / "models"
assess_module = importlib.import_module("bot.domain.crisis.assess")
SHORT_THRESHOLD: float = assess_module.SHORT_THRESHOLD
SHORT_WORDS: int = assess_module.SHORT_WORDS
short_and_plain = assess_module.short_and_plain

# (message, expected kind): the first issue's "must understand" bullets
MUST_FIRE = [
    ("I want to die", "suicidal"),
    ("everyone would be better off without me", "suicidal"),
    ("I don't want to wake up", "suicidal"),
    ("I've been saving my pills for weeks", "plan"),
    ("I know which bridge I'm going to use", "plan"),
    ("tonight's the night", "plan"),
    ("took 20 of my quetiapine", "overdose"),
    ("just swallowed the whole packet of panadol", "overdose"),
    ("thank you for everything, this is my last message", "goodbye"),
    ("please look after my cat when I'm gone", "goodbye"),
    ("I've written letters to everyone", "goodbye"),
    ("the urge to cut is so strong right now", "self_harm"),
    ("my fp left and I just want to cut myself", "self_harm"),
    ("I feel so numb and dissociated, I need to hurt myself to feel something", "self_harm"),
    ("my daughter says she's going to kill herself", "third_party"),
    ("my partner has taken a bottle of pills", "third_party"),
    ("my son has locked himself in the bathroom with a razor", "third_party"),
    ("he's outside my door and said he'll hurt me", "danger"),
    ("my ex has a knife and is in the house", "danger"),
]

# The second issue's list of what the first generation missed (paraphrased there); every
# line here was checked to be missed by the first generation.
KNOWN_MISSES = [
    # "suicidal" misspelled or with a digit for a letter
    "im so sucidial",
    "feeling su1c1dal tonight",
    "i'm $uicidal",
    # "suicidal" with "again" or "back"
    "feeling suicidal again",
    "feeling suicidal agian",
    "su!c!dal again tonight",
    # algospeak and sound-alikes, "sh" for self-harm, phonetic slips
    "sui thoughts are back",
    "i shd last night",
    "i sh'd again earlier",
    "relapsed on sh after 3 months",
    # a self-harm relapse reported as just happened
    "relapsed. 3 months clean and i just self harmed again",
    "broke my 200 day clean streak last night",
    # passive ideation with no risk word
    "what's the point in carrying on",
    "death sounds so peaceful right now",
    "dying sounds peaceful tbh",
    "no point in sticking around",
    # a carer describing signs rather than quoting words
    "found empty blister packs in her bin and she's really drowsy",
    "she's very drowsy and there are empty blister packs on her bedside table",
    # explicit phrases with negation words in them
    "i'm not safe",
]

# Named in the same issue; the first generation already caught these (often through its
# model rather than a rule). They are kept so that they stay caught.
STILL_FIRE = [
    "the suicidal thoughts are back",
    "i just want to self delete",
    "been thinking about self deletion a lot",
    "i might commit sudoku tonight",
    "i started cuting again",
    "i want to kill my shelf",
    "there's no reason to stay anymore",
    "i'm so tired of being alive",
    "thank you for everything you've done for me. i wanted you to hear it from me. goodbye",
    "Thanks for always being there. It's not your fault, you did everything you could.",
    "i keep imagining my own funeral and it feels like relief",
    "he's slurring and confused. there are empty packets of paracetamol everywhere",
    "i can't keep myself safe tonight",
    "i no longer want to be here",
]

# risk buried after a cheerful opening
BURIED = (
    "Hi, hope your week is going well. Group was nice on Tuesday and the new room is "
    "much warmer. I made the soup recipe from the handout and it was lovely. "
    "Honestly I've been saving my tablets and I think Friday is the day. "
    "Anyway, see you at the next session."
)
BURIED_NO_RISK_WORD = (
    "Morning! The sun's out and I finally sorted the garden. My sister came round with "
    "the kids and we had a barbecue, it was really lovely. I've decided this is the last "
    "weekend though. I've written the letters and they're in the drawer."
)

# the first issue's "must not fire" bullets
MUST_NOT_FIRE = [
    "this traffic is killing me",
    "I'd kill for a coffee",
    "my phone died",
    "I nearly died laughing at that video",
    "Five years ago I tried to end my life. Now I'm studying nursing and I love it.",
    "I used to self harm as a teenager but I've been clean for six years now",
    "what's the max dose of sertraline?",
    "is self-harm common with BPD?",
    "how do I talk to my teen about suicide?",
    "Reminder: supervision is moved to Thursday at 2pm",
    "I went over the safety plan with my client today, all good",
    "Group tonight is on alternatives to self-harm, bring your ideas",
    "thanks so much for today!",
    "what time is the carers group on tuesday?",
    "I'm not going to hurt myself, I just need to vent",
    "I feel empty today but I'm using my skills",
    "signed up for a knife skills class at the community centre",
]

# The second issue's list of the first generation's false flags.
KNOWN_FALSE_FLAGS = [
    # negated or reassuring disclosures
    "I'm not suicidal, just tired",
    "don't worry, i'm not going to hurt myself tonight, i just needed to say it",
    # someone else's suicide years ago
    "my uncle took his own life when i was twelve and november is always hard",
    # idioms
    "i'm so full i could die",
    # everyday trap words
    "got a haircut today, she cut way more off than i asked",
    "cut myself shaving again, my legs look like a crime scene lol",
    # peer workers' ordinary phrases
    "take your time",
    "No need to be nervous, take your time.",
]

# False flags other engineers saw while the bot ran (round two): a peer worker's bio, a
# note's title, a nudge, a first hello, a plain account of withdrawing. Peer workers' bios
# and notes talk about lived experience by nature.
SEEN_WHILE_RUNNING = [
    "I have lived experience and I like to listen.",
    "soon please",
    "hello, is anyone there",
    "I stop answering texts and sleep all day",
    "A note Robin keeps.",
]

# Short everyday messages other flows send (relay, check-ins, supervision) that the
# recall-first threshold flagged (c8792d8, reverted in 7265753): a few words, no risk term.
SHORT_EVERYDAY = [
    "and once back",
    "got it",
    "One more thing.",
    "It came up again today.",
    "I'm here.",
    "Thinking of you today.",
    "Take care, Robin.",
    "only once please",
]

# A peer's empathy, flagged as a plan until 2026-12-07 (a rule read "i know exactly how"
# as knowing how; the models learned "know exactly" from plans): and the plans still are.
EMPATHY = [
    "I know exactly how you feel",
    "know exactly how u feel hun",
    "i know exactly what you mean",
    "I know exactly where you're coming from x",
    "i know exactly how hard it is",
    "i know exactly how that feels mate",
    "i know exactly how it is mate",
]
STILL_PLANS = [
    "i know exactly how and when now",
    "I know exactly where I'd stop. I think I'm going to",
    "i know exactly how you feel. i want to die too",
    "i know exactly how it is going to end tonight",
    "i don't trust myself right now to drive",
]


@pytest.mark.parametrize("text", EMPATHY)
def test_a_peers_empathy_is_not_a_plan(text: str) -> None:
    a = assess(text)
    assert not a.crisis, (text, a)


@pytest.mark.parametrize("text", STILL_PLANS)
def test_knowing_exactly_how_is_still_a_plan(text: str) -> None:
    assert assess(text).crisis, text


# The safety question staff and carers are taught to ask, flagged by the models until
# 2026-12-07 (0.65 and 0.79): asked of the reader by someone who says nothing of themselves.
ASKED_OF_THE_READER = [
    "Are you having thoughts of killing yourself right now?",
    "I want to ask you directly: are you thinking of killing yourself?",
    "can i ask, are you hurting yourself again?",
]
# ... and what stays a crisis: the writer's own risk beside a question to the reader.
STILL_RISK = [
    "are you even listening? do you care if i kill myself tonight",
    "are you going to stop me from killing myself?",
    "i'm going to kill myself. are you happy now?",
]


@pytest.mark.parametrize("text", ASKED_OF_THE_READER)
def test_the_safety_question_asked_of_the_reader(text: str) -> None:
    a = assess(text)
    assert not a.crisis, (text, a)


@pytest.mark.parametrize("text", STILL_RISK)
def test_the_writers_own_risk_beside_a_question_is_still_risk(text: str) -> None:
    assert assess(text).crisis, text


# Short messages that carry risk: the short-message guard never silences these.
SHORT_RISKY = [
    "i want to die",
    "goodbye everyone",
    "took all my pills",
    "got the rope",
    "he's got a knife",
]


@pytest.mark.parametrize(("text", "kind"), MUST_FIRE)
def test_named_crisis_examples_fire_with_kind(text: str, kind: str) -> None:
    a = assess(text)
    assert a.crisis, (text, a)
    assert a.kind == kind, (text, a)


@pytest.mark.parametrize("text", KNOWN_MISSES + STILL_FIRE)
def test_the_first_generations_misses_now_fire(text: str) -> None:
    a = assess(text)
    assert a.crisis, (text, crisis.normalise(text), a)
    assert a.kind in KINDS


def test_carer_signs_are_about_someone_else() -> None:
    a = assess("found empty blister packs in her bin and she's really drowsy")
    assert a.kind == "third_party"
    assert a.about_someone_else


@pytest.mark.parametrize("text", [BURIED, BURIED_NO_RISK_WORD])
def test_risk_buried_in_a_long_cheerful_message_fires(text: str) -> None:
    a = assess(text)
    assert a.crisis, a
    assert a.kind in ("plan", "goodbye", "suicidal")


@pytest.mark.parametrize("text", MUST_NOT_FIRE + KNOWN_FALSE_FLAGS + SEEN_WHILE_RUNNING)
def test_ordinary_messages_do_not_fire(text: str) -> None:
    a = assess(text)
    assert not a.crisis, (text, a)
    assert a.kind is None
    assert a.matched == ()


@pytest.mark.parametrize("text", SHORT_EVERYDAY + SEEN_WHILE_RUNNING)
def test_short_everyday_messages_score_below_their_threshold(text: str) -> None:
    a = assess(text)
    assert not a.crisis, (text, a)
    assert a.score < SHORT_THRESHOLD, (text, a)


@pytest.mark.parametrize("text", SHORT_EVERYDAY)
def test_short_everyday_messages_are_short_and_plain(text: str) -> None:
    assert short_and_plain(crisis.normalise(text)), text


@pytest.mark.parametrize("text", SHORT_RISKY)
def test_short_messages_with_a_risk_term_are_not_guarded(text: str) -> None:
    assert not short_and_plain(crisis.normalise(text)), text
    assert assess(text).crisis, text


def test_the_guard_is_stricter_than_the_threshold() -> None:
    assert assess_module.loaded().threshold < SHORT_THRESHOLD < 1.0
    assert SHORT_WORDS >= 3
    # six words without a risk term are judged at the ordinary threshold
    assert not short_and_plain(crisis.normalise("one two three four five six"))


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
    assert a.rule is not None
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


def test_model_files_are_consistent() -> None:
    meta = json.loads((MODELS / crisis.DETECTOR_FILE).read_text())
    assert 0.0 < meta["threshold"] < 1.0
    assert meta["ngram_weight"] == pytest.approx(0.5)
    assert meta["sentence_weight"] == pytest.approx(0.5)
    assert meta["feature_version"] == crisis.FEATURE_VERSION
    assert crisis.file_hashes(MODELS) == meta["sha256"]
    size = (MODELS / crisis.SENTENCE_FILE).stat().st_size
    assert 5e6 < size < 40e6, size  # int8: about a byte a weight


def test_load_is_eager_and_repeatable() -> None:
    crisis.load()
    assert assess("i want to die").crisis
    crisis.load()
    assert not assess("see you tuesday").crisis


def test_a_second_start_keeps_the_models_unless_a_file_changed_on_disk() -> None:
    crisis.load()
    first = assess_module.loaded()
    crisis.load()
    assert assess_module.loaded() is first  # the same files: nothing loaded twice
    path = MODELS / crisis.TOKENIZER_FILE
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
    try:
        crisis.load()
        assert assess_module.loaded() is not first  # a file changed: loaded and checked again
    finally:
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    crisis.load()
    assert assess("i want to die").crisis


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        ({"file": crisis.SENTENCE_FILE, "data": None}, "missing"),
        ({"file": crisis.SENTENCE_FILE, "data": b"not a model"}, "does not match"),
        ({"file": crisis.TOKENIZER_FILE, "data": b"{}"}, "does not match"),
        ({"file": crisis.DETECTOR_FILE, "data": b"{not json"}, "damaged"),
    ],
)
def test_a_missing_or_broken_file_raises_in_plain_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, broken: dict[str, object], words: str
) -> None:
    # a copy of the package's model folder, one file of it missing or broken on disk
    shipped = crisis_model._folder()
    (tmp_path / "models").mkdir()
    for name in (crisis.DETECTOR_FILE, *crisis.MODEL_FILES):
        (tmp_path / "models" / name).write_bytes(shipped.joinpath(name).read_bytes())
    target = tmp_path / "models" / str(broken["file"])
    if broken["data"] is None:
        target.unlink()
    else:
        target.write_bytes(broken["data"])  # type: ignore[arg-type]
    monkeypatch.setattr(crisis_model, "_folder", lambda: tmp_path / "models")
    monkeypatch.setattr(assess_module, "_signature", None)
    with pytest.raises(DetectorUnavailable, match=words):
        crisis.load()
    # the caller's contract: assess raises too, so the safety net sends the card
    monkeypatch.setattr(assess_module, "_models", None)
    with pytest.raises(DetectorUnavailable):
        assess("hello")
    monkeypatch.undo()
    crisis.load()
    assert assess("i want to die").crisis


def test_scoring_failure_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    models = assess_module.loaded()

    def boom(*args: object) -> float:
        raise RuntimeError("onnxruntime fell over")

    monkeypatch.setattr(models.sentence, "score", boom)
    with pytest.raises(RuntimeError):
        assess("i don't really see the point of anything lately, everything feels heavy")
    monkeypatch.setattr(assess_module, "match_rules_in", boom)
    with pytest.raises(RuntimeError):
        assess("hello there")


def test_long_messages_cost_a_bounded_amount(monkeypatch: pytest.MonkeyPatch) -> None:
    """However long a message, the models read a bounded amount of it: the whole message's
    head and at most NGRAM_MAX_SPANS sentences, and at most MAX_PARTS parts, each no longer
    than PART_CHARS; the sentence model a window of each at most. (Time is measured in
    benchmarks/bench_crisis.py, not here: crisis_4096_chars_ms and crisis_100k_chars_ms.)"""
    from bot.domain.crisis.assess import loaded

    para = (
        "Today was long. I went to the shops, then I walked the dog by the river and "
        "we had tea with my neighbour, who told me about her garden. "
    )
    models = loaded()
    spans: list[int] = []
    windows: list[int] = []
    blocks, score = crisis_ngram.blocks, models.sentence.score

    def counted_blocks(span: str, *args: object, **kwargs: object) -> object:
        spans.append(len(span))
        return blocks(span, *args, **kwargs)  # type: ignore[arg-type]

    def counted_score(text: str) -> float:
        windows.append(len(text))
        return score(text)

    monkeypatch.setattr(crisis_ngram, "blocks", counted_blocks)
    monkeypatch.setattr(models.sentence, "score", counted_score)
    for size in (4096, 100_000):
        spans.clear()
        windows.clear()
        assess((para * (size // len(para) + 1))[:size])
        per_message = 1 + crisis_ngram.NGRAM_MAX_SPANS
        assert 1 < len(spans) <= per_message * (1 + assess_module.MAX_PARTS)
        assert max(spans) <= 2 * crisis_ngram.NGRAM_WHOLE_CHARS
        assert len(windows) <= 1 + assess_module.MAX_PARTS
        assert all(n <= crisis_model._WINDOW_CHARS for n in windows)


def test_risk_at_the_end_of_a_very_long_message_is_found() -> None:
    para = "We went to the beach and it was lovely, the kids built a sandcastle. "
    a = assess(para * 300 + "I can't keep myself safe tonight.")
    assert a.crisis and a.kind == "suicidal"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("Took everything in the cabinet. Love Mum", "Took everything in the cabinet."),
        ("i want to die Love, Jan", "i want to die"),
        ("No further action.\nKind regards, Margaret x", "No further action."),
        ("see you thursday - Tom", "see you thursday"),
        ("Thanks, Bill.", "Thanks, Bill."),  # nothing else: left as it is
        ("I just want to say I love Tom", "I just want to say I love Tom"),
        ("every Sunday", "every Sunday"),
        ("Thank you for everything. Love, Goodbye", "Thank you for everything. Love, Goodbye"),
    ],
)
def test_a_sign_off_at_the_end_is_set_aside(text: str, left: str) -> None:
    assert assess_module.without_sign_off(text) == left


def test_a_signed_message_is_judged_as_if_unsigned() -> None:
    # Older adults and carers sign every message. Left in, "Love, Jan" pulled the models'
    # score down: 286 of the 5,464 labelled crisis lines fell below the threshold with it.
    lines = []
    for file in sorted((Path(__file__).parent / "crisis_data").glob("*.tsv")):
        for line in file.read_text(encoding="utf-8").splitlines()[::25]:
            parts = line.split("\t")
            if len(parts) == 3:
                lines.append(parts[2].rstrip())
    assert len(lines) > 200
    for sign_off in (" Love, Jan", "\nKind regards, Margaret", " - Tom", " Thanks, Bill x"):
        changed = [t for t in lines if assess(t + sign_off).crisis != assess(t).crisis]
        assert not changed, (sign_off, changed[:3])


@pytest.mark.parametrize(
    "line",
    [
        "Tonight's the night. I've got everything I need.",
        "I'm going to take all my pills tonight.",
        "This is the last time you'll hear from me, thank you for everything.",
        "I cut myself again just now and it won't stop bleeding.",
        "I don't want to be alive anymore.",
    ],
)
def test_risk_said_once_in_a_long_message_is_found(line: str) -> None:
    """Read only as a whole, a long message hid risk said in one line of it: a story told
    from recovery or a "see you next week" elsewhere silenced the rules, and the rest of
    the day diluted the models' scores. Read in parts too, the line is found away from
    them. (Right beside a story told from recovery it can still be silenced, as it is in a
    short message: the README says so.)"""
    for at in (5, 10, 20):
        text = long_day_with(line, at=at, days=3)
        assert len(text) > assess_module.LONG_FROM
        verdict = assess(text)
        assert verdict.crisis, (line, at)


def test_a_long_ordinary_message_is_not_flagged() -> None:
    text = (
        LONG_DAY.replace(
            "Years ago I used to cut a lot but I'm doing so much better now and "
            "I'm proud of that. ",
            "",
        )
        * 3
    )
    assert len(text) > 1000
    assert not assess(text).crisis


def test_message_parts_hold_every_short_run_of_sentences() -> None:
    """Every run of whole sentences of at most half a part lies wholly inside one part."""
    import random

    from bot.domain.crisis.normalise import message_parts

    rnd = random.Random(3)
    words = [
        "i",
        "the",
        "went",
        "to",
        "shops",
        "and",
        "dog",
        "river",
        "tea",
        "it",
        "was",
        "long",
        "ok",
        "sure",
        "never",
        "mind",
    ]
    for _ in range(60):
        sents = [
            " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 30)))
            for _ in range(rnd.randint(2, 40))
        ]
        norm = ". ".join(sents)
        size = rnd.choice([120, 280, 400])
        parts = message_parts(norm, size)
        assert all(len(p) <= size for p in parts)
        for i in range(len(sents)):
            for j in range(i + 1, len(sents) + 1):
                run = ". ".join(sents[i:j])
                if len(run) > size // 2:
                    break
                assert any(run in p for p in parts), (run, size)
