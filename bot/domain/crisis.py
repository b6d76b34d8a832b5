# ruff: noqa: E501  (the rule regexes read best unbroken)
"""Crisis detector: does a message signal risk now, and of what kind.

Every incoming text passes :func:`assess` before any flow sees it. Two layers:

* a small set of readable rules for unambiguous statements ("I took 30 of my
  pills"), each with guards for idioms, clearly past experiences, negation and
  third-person education questions; a matching rule also tells staff *why*;
* a logistic-regression model over word and character n-grams plus a few
  marker features (first/third person, past/present, negation, question),
  trained by ``python -m bot.crisis_train`` and shipped as
  ``crisis_model.json.gz`` beside this file. It scores the whole message and
  every sentence of it, and the highest score counts, so one risky sentence in
  a long ordinary message is not diluted.

A missed crisis is the worst failure, so the threshold favours recall. Plain
Python only: no numpy at run time, no telegram, no storage.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "FEATURE_VERSION",
    "KINDS",
    "MODEL_FILE",
    "RULES",
    "Assessment",
    "Rule",
    "RuleHit",
    "assess",
    "features",
    "kind_features",
    "load_model",
    "match_rules",
    "message_markers",
    "normalise",
    "score_spans",
    "spans",
    "split_sentences",
]

KINDS = ("suicidal", "plan", "overdose", "self_harm", "goodbye", "third_party", "danger")

#: Bump whenever :func:`features` changes; the model file records the version
#: it was trained with and loading refuses a mismatch.
FEATURE_VERSION = 8

MODEL_FILE = "crisis_model.json.gz"

# Score given to a message that a rule matched: above any sane threshold.
_RULE_SCORE = 0.99


@dataclass(frozen=True, slots=True)
class Assessment:
    """The detector's verdict on one message."""

    crisis: bool
    kind: str | None
    matched: tuple[str, ...]
    score: float


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------

# Emoji that carry risk (or harmless) meaning are turned into words; every
# other emoji or symbol is dropped. Keys are compared after NFKC and with
# variation selectors removed.
_EMOJI_WORDS: Mapping[str, str] = {
    "🔪": "knife",
    "🗡": "knife",
    "⚔": "knife",
    "✂": "scissors",
    "💊": "pills",
    "💉": "needle",
    "🪦": "grave",
    "⚰": "coffin",
    "⚱": "urn",
    "🩸": "blood",
    "☠": "skull",
    "💀": "skull",
    "🔫": "gun",
    "🪢": "rope",
    "🥀": "wilted flower",
    "👋": "wave",
    "💔": "broken heart",
    "😭": "sobbing",
    "😢": "crying",
    "😿": "crying",
    "🆘": "sos",
    "🚑": "ambulance",
    "🏥": "hospital",
    "🌉": "bridge",
    "🚆": "train",
    "🚂": "train",
    "🚄": "train",
    "🚅": "train",
    "🚇": "train",
    "🚗": "car",
    "😂": "laughing",
    "🤣": "laughing",
    "😆": "laughing",
    "😅": "laughing",
    "🙂": "smile",
    "😊": "smile",
    "😀": "smile",
    "😁": "smile",
    "😄": "smile",
    "☺": "smile",
    "👍": "thumbs up",
    "🙏": "thanks",
    "❤": "heart",
    "🧡": "heart",
    "💛": "heart",
    "💚": "heart",
    "💙": "heart",
    "💜": "heart",
    "🖤": "black heart",
    "🤍": "heart",
    "💕": "heart",
    "💗": "heart",
    "😔": "sad",
    "😞": "sad",
    "😟": "sad",
    "🙁": "sad",
    "☹": "sad",
    "😩": "tired",
    "😫": "tired",
    "😴": "sleepy",
    "🥱": "tired",
    "😡": "angry",
    "🤬": "angry",
    "😠": "angry",
    "😤": "angry",
    "😵": "dizzy",
    "🤮": "vomiting",
    "🤢": "sick",
    "🥴": "woozy",
    "🫠": "melting",
    "😶": "blank",
    "🔥": "fire",
    "🌊": "water",
    "🪜": "ladder",
    "🏢": "building",
    "🔚": "the end",
    "⏳": "time",
    "😰": "scared",
    "😨": "scared",
    "😱": "scared",
    "🥺": "pleading",
    "🤗": "hug",
    "🫂": "hug",
    "☕": "coffee",
    "🎉": "celebrate",
}

# Slang, algospeak, chat shorthand and common misspellings. Applied in
# order to lowercased text; each pattern is a whole-word regex.
_REWRITES: tuple[tuple[str, str], ...] = (
    # algospeak and risk shorthand
    (r"(?<!\d)(?<!\d )\bk\.?m\.?s\b", "kill myself"),
    (r"\bk\.?y\.?s\b", "kill yourself"),
    (r"\b(?:urself|urslf|yourslef|yoself)\b", "yourself"),
    (
        r"\bun-?aliv(e|ed|ing) (my ?self|me|your ?self|him ?self|her ?self|them ?selves|them ?self)\b",
        r"kill \2",
    ),
    (r"\bun-?alive(s)?\b", "die"),
    (r"\bun-?alived\b", "died"),
    (r"\bun-?aliving\b", "dying"),
    (r"\bctb\b", "suicide"),
    (r"\b(?:sewer|sewer-?|sue)\s*-?\s*slide\b", "suicide"),
    (r"\bsewerslide\b", "suicide"),
    (r"\b(?:sue ?aside|soo?side|su1c1de|suic1de|sooicide|suecide)\b", "suicide"),
    (r"\bsu[ie]?[cs]{1,2}[ie]{0,2}da[lk]l?\b", "suicidal"),
    (r"\bsu[ie]?[cs]{1,2}[ie]{0,2}dle\b", "suicidal"),
    (r"\bsu[ie]?[cs]{1,2}[ie]{0,2}ded?\b", "suicide"),
    (r"\bsuic\b", "suicide"),
    (r"\bs\s*/\s*h\b", "self harm"),
    (r"\bs\.h\.?(?=\s)", "self harm"),
    (
        r"\bsh\b(?=\s+(?:urges?|again|scars?|relapse|free|clean|thoughts?|tonight|rn)\b)",
        "self harm",
    ),
    (r"\bself[\s-]*harm", "self harm"),
    (r"\bself[\s-]*injur", "self injur"),
    (r"\bo\.?d\.?'?(?:ed|d)\b", "overdosed"),
    (r"\bo\.?d'?ing\b", "overdosing"),
    (r"\bo\.?d\b", "overdose"),
    (r"\bover\s+dos(e|ed|ing)\b", r"overdos\1"),
    (r"\bodd(?=\s+on\b)", "overdose"),
    # chat shorthand
    (r"\bgonna\b", "going to"),
    (r"\bgunna\b", "going to"),
    (r"\bgoin\b", "going"),
    (r"\bwanna\b", "want to"),
    (r"\bwana\b", "want to"),
    (r"\bgotta\b", "got to"),
    (r"\btryna\b", "trying to"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\by'?all\b", "you all"),
    (r"\br\b(?!\s*&)", "are"),
    (r"\brn\b", "right now"),
    (r"\batm\b", "at the moment"),
    (r"\b(?:tonite|2nite|2night|tn)\b", "tonight"),
    (r"\b2day\b", "today"),
    (r"\b(?:2moro|2morrow|tmrw|tmr|tmw|tomoz|tomorow|tommorow|tommorrow)\b", "tomorrow"),
    (r"\bpl[sz]\b", "please"),
    (r"\bplse\b", "please"),
    (r"\b(?:bc|bcoz|becuz|cuz|coz|cos|bcos|bcuz|bcause)\b", "because"),
    (r"\bidk\b", "i don't know"),
    (r"\bidc\b", "i don't care"),
    (r"\bppl\b", "people"),
    (r"\b(?:thx|thanx|ty)\b", "thanks"),
    (r"\bwat\b", "what"),
    (r"\babt\b", "about"),
    (r"\bsmth\b", "something"),
    (r"\bw/o\b", "without"),
    (r"\bw/", "with "),
    (r"\b4ever\b", "forever"),
    (r"\bded\b", "dead"),
    (r"\bdieing\b", "dying"),
    (r"\bkil\b", "kill"),
    (r"\bkilll+\b", "kill"),
    (r"\b(?:myslef|mysefl|myslf|mysef|meself|mself|myseld|mysrlf|mysel|myselfe)\b", "myself"),
    (r"\b(?:pils|pillz)\b", "pills"),
    (r"\b(?:tablits|tablts|tabets)\b", "tablets"),
    (r"\b(?:razer|razour)\b", "razor"),
    (r"\b(?:anymor|any more|nomore)\b", "anymore"),
    (r"\b(?:alive|alyve)\b", "alive"),
    (r"\bgoodby\b", "goodbye"),
    (r"\bgood\s*-?\s*bye\b", "goodbye"),
    (r"\bbye+\b", "bye"),
    (r"\bevery1\b", "everyone"),
    (r"\bsome1\b", "someone"),
    (r"\bno1\b", "no one"),
    (r"\bb4\b", "before"),
    (r"\bl8r\b", "later"),
    # contractions written without apostrophe, then spelled-out forms, so
    # "im", "i am" and "i'm" give the same features
    (r"\bim\b", "i'm"),
    (r"\bive\b", "i've"),
    (r"\bi'?d\b", "i'd"),
    (r"\bdont\b", "don't"),
    (r"\bdnt\b", "don't"),
    (r"\bcant\b", "can't"),
    (r"\bcannot\b", "can't"),
    (r"\bwont\b", "won't"),
    (r"\bdidnt\b", "didn't"),
    (r"\bdoesnt\b", "doesn't"),
    (r"\bisnt\b", "isn't"),
    (r"\bwasnt\b", "wasn't"),
    (r"\barent\b", "aren't"),
    (r"\bcouldnt\b", "couldn't"),
    (r"\bshouldnt\b", "shouldn't"),
    (r"\bwouldnt\b", "wouldn't"),
    (r"\bhavent\b", "haven't"),
    (r"\bhasnt\b", "hasn't"),
    (r"\baint\b", "ain't"),
    (r"\bthats\b", "that's"),
    (r"\bwhats\b", "what's"),
    (r"\bhes\b", "he's"),
    (r"\bshes\b", "she's"),
    (r"\btheyre\b", "they're"),
    (r"\byoure\b", "you're"),
    (r"\bi am\b", "i'm"),
    (r"\bi have\b(?!\s+(?:a|an|the|no|to|some|any|my|been|got)\b)", "i've"),
    (r"\bi will\b", "i'll"),
    (r"\bdo not\b", "don't"),
    (r"\bdoes not\b", "doesn't"),
    (r"\bdid not\b", "didn't"),
    (r"\bwill not\b", "won't"),
    (r"\bcan not\b", "can't"),
    (r"\bis not\b", "isn't"),
    (r"\bwould not\b", "wouldn't"),
    (r"\bit is\b", "it's"),
    (r"\bhe is\b", "he's"),
    (r"\bshe is\b", "she's"),
    # regional and youth slang for the same statements, so "top myself",
    # "mi waan fi dead" and "imma" read like the words the model knows
    (r"\b(?:top|off|neck|unalive|end) (?:myself|meself|masel|mysel)\b(?! up)", "kill myself"),
    (r"\bdo (?:myself|meself) in\b", "kill myself"),
    (r"\bknock (?:myself|meself) off\b", "kill myself"),
    (r"\bcark(?:ed|ing)? it\b", "died"),
    (r"\bmasel\b", "myself"),
    (r"\b(?:cannae|cannie|cyaan|caan)\b", "can't"),
    (r"\b(?:dinnae|dinna|doan)\b", "don't"),
    (r"\b(?:wantae|wantin tae)\b", "want to"),
    (r"\b(?:gonnae|finna|finta)\b", "going to"),
    (r"\b(?:boutta|bout to)\b", "about to"),
    (r"\b(?:imma|ima|i'ma|i'mma)\b", "i'm going to"),
    (r"\bwaan\b", "want"),
    (r"\bhaffi\b", "have to"),
    (r"\bnuh\b", "not"),
    (r"\bnuttin\b", "nothing"),
    (r"\bpickney\b", "child"),
    (r"\b(?:yuh|yu)\b", "you"),
    (r"\bdem\b", "them"),
    (r"\btek\b", "take"),
    (r"\bmek\b", "make"),
    (r"(?<!-)\bfi\b(?!-)", "to"),
    (
        r"\bmi\b(?=\s+(?:a|waan|want|can't|not|don't|did|go|going|gwaan|take|tired|done|deh|ready|just|feel|have|to|will|affi|so|never|nah|cyan|still|am|is|was|need|try|tryin|trying|know|think|tink|swear|a go)\b)",
        "i",
    ),
    (r"\bi a go\b(?!-)", "i'm going to"),
    (r"\bmi\b(?!-)", "my"),
    (r"\b(?:ngl|tbh|tbf|deadass|ong)\b", "honestly"),
)


def _compile_rewrites() -> tuple[tuple[re.Pattern[str], str], ...]:
    # Plain word-for-word rewrites ("gonna" -> "going to") are merged into one
    # regex with a lookup table, so normalising costs a few passes, not ~100.
    # Order is kept: the merged pass runs where its first member stood.
    simple_re = re.compile(r"^\\b(?:\(\?:)?([a-z0-9' |]+?)\)?\\b$")
    table: dict[str, str] = {}
    out: list[tuple[re.Pattern[str], str]] = []
    merged_at: int | None = None
    for pattern, repl in _REWRITES:
        m = simple_re.match(pattern)
        if m and "\\" not in repl:
            for word in m.group(1).split("|"):
                table[word] = repl
            if merged_at is None:
                merged_at = len(out)
                out.append((re.compile("x"), ""))  # placeholder
            continue
        out.append((re.compile(pattern), repl))
    if merged_at is not None:
        words = sorted(table, key=len, reverse=True)
        out[merged_at] = (re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b"), "")
        _SIMPLE_TABLE.update(table)
        _MERGED.append(out[merged_at][0])
    return tuple(out)


_SIMPLE_TABLE: dict[str, str] = {}
_MERGED: list[re.Pattern[str]] = []
_REWRITE_RES = _compile_rewrites()


def _simple_sub(m: re.Match[str]) -> str:
    return _SIMPLE_TABLE[m.group(0)]


_QUOTES = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": " - ",
        "…": "... ",
    }
)
_REPEAT_RE = re.compile(r"(\w)\1{2,}")
_PUNCT_REPEAT_RE = re.compile(r"([!?.])\1+")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_DROP_RE = re.compile(r"[^\w\s'.,!?;:/&\-\n#%+]")


def _emoji_to_words(text: str) -> str:
    out: list[str] = []
    for ch in text:
        word = _EMOJI_WORDS.get(ch)
        if word is not None:
            out.append(f" {word} ")
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """Return ``text`` lowercased, with emoji, slang and misspellings rewritten."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\ufe0f", "").replace("\u200d", " ")
    text = _emoji_to_words(text.translate(_QUOTES)).lower()
    text = _DROP_RE.sub(" ", text)
    text = _REPEAT_RE.sub(r"\1\1", text)
    text = _PUNCT_REPEAT_RE.sub(r"\1", text)
    text = _SPACE_RE.sub(" ", text)
    for pattern, repl in _REWRITE_RES:
        if _MERGED and pattern is _MERGED[0]:
            text = pattern.sub(_simple_sub, text)
        else:
            text = pattern.sub(repl, text)
    return text.strip()


# Split after sentence punctuation, at line breaks, semicolons, and at " - ".
_SENT_RE = re.compile(r"(?<=[.!?])\s+|(?<=[.!?])(?=[a-z])|\n+|\s*;\s*|\s+-\s+")
# Long unpunctuated runs are also cut into overlapping word windows.
_WINDOW = 14
_STEP = 7


def split_sentences(norm: str, *, windows: bool = True) -> list[str]:
    """Split normalised text into sentences (and windows of long run-ons)."""
    parts = [p.strip(" ,.") for p in _SENT_RE.split(norm)]
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        words = part.split()
        if not windows or len(words) <= _WINDOW + _STEP:
            out.append(part)
            continue
        for start in range(0, len(words) - _STEP, _STEP):
            out.append(" ".join(words[start : start + _WINDOW]))
    return out


# --------------------------------------------------------------------------
# Features (shared with the training tool, so training and scoring agree)
# --------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[a-z0-9']+|[?!]")
_DIGITS_RE = re.compile(r"\d+")
_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "n't",
        "don't",
        "can't",
        "won't",
        "didn't",
        "doesn't",
        "isn't",
        "wasn't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "ain't",
        "aren't",
        "nothing",
        "nobody",
        "nowhere",
        "without",
    ]
)
_NEG_SCOPE = 4
USE_GROUPS = True
USE_STEMS = True
GROUP_VALUE = 0.3
USE_CLASSES = True
USE_CHARS = True
CLASS_VALUE = 1.0
# Short messages: a block's features are scaled by 1/sqrt(max(n, floor)), so a
# four-word greeting does not get each of its few features at full strength.
WORD_FLOOR = 12
CHAR_FLOOR = 60

_FIRST = frozenset(["i", "i'm", "i've", "i'll", "i'd", "me", "my", "myself", "mine", "im"])
_THIRD_PRON = frozenset(
    [
        "he",
        "she",
        "they",
        "him",
        "her",
        "them",
        "his",
        "hers",
        "their",
        "he's",
        "she's",
        "they're",
        "herself",
        "himself",
        "themselves",
    ]
)
_PEOPLE = frozenset(
    [
        "son",
        "daughter",
        "partner",
        "husband",
        "wife",
        "boyfriend",
        "girlfriend",
        "bf",
        "gf",
        "mum",
        "mom",
        "mam",
        "mother",
        "dad",
        "father",
        "brother",
        "sister",
        "friend",
        "mate",
        "bestie",
        "kid",
        "kids",
        "child",
        "teen",
        "teenager",
        "flatmate",
        "roommate",
        "fiance",
        "fiancee",
        "nephew",
        "niece",
        "grandson",
        "granddaughter",
        "stepson",
        "stepdaughter",
        "cousin",
        "wife's",
        "client",
        "clients",
        "consumer",
        "consumers",
    ]
)
_MARKER_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p))
    for name, p in (
        (
            "past",
            r"\b(?:years? ago|months ago|(?:a )?(?:long|while) (?:time )?ago|used to|back (?:then|when|in)"
            r"|when i was (?:younger|little|a |in |at |\d)|in (?:19|20)\d\d|at the time|those days"
            r"|in the past|looking back|survived|anniversary|back in|last year|as a teen"
            r"|(?:been|i'm|now) (?:\d+ \w+ )?(?:clean|free|sober)|recover(?:ed|y|ing)"
            r"|(?<!right )(?:now|today|these days|nowadays) i'?m|(?:i'm|im) (?:now |so much )?(?:doing )?(?:better|well|okay|ok|good)"
            r"|i was \d+|at \d+ i|(?:first|last) time i)\b",
        ),
        (
            "now",
            r"\b(?:right now|now|tonight|today|at the moment|currently|this (?:morning|afternoon|evening)"
            r"|just|again|still|anymore|already|about to|any minute)\b",
        ),
        (
            "future",
            r"\b(?:going to|i'll|will|plan(?:ning)? to|about to|tomorrow|tonight|soon|when i'm gone)\b",
        ),
        (
            "question",
            r"\?|^(?:how|what|is|are|can|could|should|does|do|why|when|where|who|which|would|any)\b",
        ),
        (
            "edu",
            r"\b(?:how (?:do|can|should) (?:i|we|you|carers?|parents?)|what (?:is|are|does|should)|is it (?:normal|common|safe|ok|okay)"
            r"|signs? of|dose|dosage|mg|side effects?|interact|research|statistics|common (?:with|in|for)"
            r"|for (?:my|a) (?:course|assignment|essay|class)|training|workshop|webinar|resource|leaflet|article|podcast)\b",
        ),
        (
            "prof",
            r"\b(?:client|clients|caseload|supervision|session|referral|safety plan|shift|roster|team meeting|handover"
            r"|consumer|consumers|service user|peer work|risk assessment|escalat|clinician|coordinator|case notes?|notes)\w*",
        ),
        (
            "idiom",
            r"\b(?:killing me|kill for|(?:phone|battery|laptop|car|plant|tv|charger|wifi|internet|computer|fish|hamster)\w* (?:has |just )?died"
            r"|died laughing|dying (?:to|of laughter)|dead tired|to death|killing it|killed it|dead (?:battery|phone|beat|on)"
            r"|deadline|shoot me an? |overdose on (?:coffee|chocolate|sugar|caffeine|netflix|tv)|killer|drop dead gorgeous"
            r"|laughing|lol|lmao|haha\w*|😂|kill (?:the|this|some) time|murder (?:a|some|for))",
        ),
        (
            "hypo",
            r"\b(?:if|in case|what if|whether|should (?:they|he|she|someone)|someone who|people who|anyone who)\b",
        ),
        ("neg_self", r"\b(?:not|never|n't)\s+(?:\w+\s+){0,2}(?:hurt|harm|kill|cut|do anything)"),
    )
)


# Statements of safety and of a story that is over, and more idioms: strong,
# writer-independent signals, given to the model as markers.
_SAFE_RE = re.compile(
    r"\b(?:(?:i'm|i am|i feel|she's|he's|they're|we're|everyone's) (?:\w+ )?(?:safe|okay|ok|fine|grand|alright)\b(?! (?:to|for now|until|till))"
    r"|not (?:unsafe|in (?:any )?danger|at risk)|no (?:danger|risk) to|no (?:thoughts|urges?|plans?|intention) (?:of|to)"
    r"|(?:not|never) (?:going to|gonna|planning to) (?:do anything|act on)|(?:don't|do not) want to (?:hurt|harm) myself"
    r"|not going to (?:hurt|harm) myself|just (?:need|needed|wanted|want) to (?:vent|share|say it|tell someone|get it out|offload)"
    r"|using (?:my )?skills|(?:ride|riding|rode) (?:it|the wave) out|(?:called|texted|rang) (?:my|a) \w+|safety plan)\b"
)


def _markers(norm: str, tokens: list[str]) -> list[str]:
    found = [name for name, rx in _MARKER_RES if rx.search(norm)]
    if _SAFE_RE.search(norm):
        found.append("safe")
    if _RESOLVED_RE.search(norm):
        found.append("resolved")
    if _IDIOM_RE.search(norm):
        found.append("idiom2")
    if any(t in _FIRST for t in tokens):
        found.append("first")
    if any(t in _THIRD_PRON for t in tokens):
        found.append("third")
    if any(t in _PEOPLE for t in tokens):
        found.append("people")
    if any(t in _NEGATORS or t.endswith("n't") for t in tokens):
        found.append("neg")
    n = len(tokens)
    found.append("len:short" if n <= 6 else "len:mid" if n <= 20 else "len:long")
    return found


# Concept groups: words that mean the same thing to a crisis worker, so a
# phrasing never seen in training still lights up the right concepts. Pairs
# of groups present together are features too ("means" with "take").
_GROUPS: Mapping[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "death": "die dies died dying dead death suicide suicidal kill killing killed unalive funeral grave"
        " coffin skull lethal painless alive exist existing existence wake live living life burden"
        " disappear soul heaven",
        "means": "pill pills tablet tablets tabs meds medication medications medicine paracetamol panadol"
        " tylenol ibuprofen nurofen aspirin quetiapine seroquel sertraline fluoxetine lithium lamotrigine"
        " xanax diazepam valium insulin vials dose rope noose hose charcoal knife knives blade blades"
        " razor razors gun bleach belt cord ligature bridge cliff cliffs overpass balcony roof ledge"
        " tracks train motorway beam exhaust pipe cupboard drawer stockpile sleeping",
        "harm": "cut cuts cutting cutter burn burning burned burnt blood bleeding bleed scars scar wound wounds"
        " harm harming hurt hurting bruise bruises punch punching bang banging carve scratch",
        "take": "took taken take taking swallowed swallow downed ingested consumed drank drink necked popped"
        " overdose overdosed overdosing",
        "amount": "all whole entire packet packets bottle bottles box boxes lot lots handful fistful heaps"
        " every strip 0 many grams mg",
        "final": "goodbye goodbyes bye last final forever never anymore letters letter note notes gone after"
        " sorry thank thanks everything miss love remember ever funeral will signing",
        "now": "tonight now today tomorrow right currently already just still again monday tuesday wednesday"
        " thursday friday saturday sunday weekend soon later date when",
        "plan": "plan planned planning decided decide ready method how worked exact exactly spot picked chose"
        " chosen intend bought buy got saved saving saving stockpiling collected set",
        "third": "he she they him her his them their he's she's they're son daughter partner husband wife"
        " boyfriend girlfriend mum mom mam mother dad father brother sister friend mate kid child"
        " teen flatmate roommate",
        "first": "i i'm i've i'll i'd me my myself",
        "safe": "safe safety skills skill walk therapist psych journal journaling breathe breathing called"
        " calling okay ok fine grand better calm coping cope vent venting share sharing plan support"
        " proud progress helped helps",
        "past": "ago used was were years yrs clean since anniversary recovery recovered survived teens"
        " younger old back then remember had once past",
        "neg": "not no never n't nothing don't won't can't didn't isn't haven't",
        "laugh": "lol lmao haha hahaha laughing joke joking literally jk",
        "device": "phone battery laptop computer wifi internet car charger tv app",
        "danger": "outside door window threatened threatening threat following followed hit hitting scared"
        " hiding locked police drunk ex he'll break breaking attacked choked strangled punched",
        "question": "? how what should can does do is are why",
        "work": "client clients session sessions team supervision shift rota handover training module workshop"
        " group meeting notes referral timesheet caseload roster resource resources",
    }.items()
}
_GROUP_NAMES = tuple(_GROUPS)


_GROUP_OF: dict[str, tuple[int, ...]] = {}
for _i, _g in enumerate(_GROUP_NAMES):
    for _w in _GROUPS[_g]:
        _GROUP_OF[_w] = (*_GROUP_OF.get(_w, ()), _i)


def _groups(tokens: list[str]) -> list[str]:
    idx: set[int] = set()
    for t in tokens:
        g = _GROUP_OF.get(t)
        if g:
            idx.update(g)
    present = [_GROUP_NAMES[i] for i in sorted(idx)]
    pairs = [f"{a}&{b}" for i, a in enumerate(present) for b in present[i + 1 :]]
    return present + pairs


# Token classes: lexicons of means, medicines, amounts, subjects, time and
# tone. Each word is replaced by its class in a second token stream whose
# n-grams are features ("k:<I> <INGEST> <AMT> <MED>"), so the model learns
# "first person + took + an amount + a medicine" rather than particular drug
# names, and a brand or poison it never saw in training still counts.
_LEXICON: Mapping[str, str] = {
    "<I>": "i i'm i've i'll i'd me myself",
    "<MY>": "my",
    "<HE>": "he she they him them he's she's they're himself herself themselves themself",
    "<FAM>": " ".join(sorted(_PEOPLE)) + " boy girl eldest youngest oldest twin wifey hubby",
    "<FP>": "fp fav favperson",
    "<NEG>": " ".join(sorted(_NEGATORS)) + " nah nope",
    "<WHEN>": "tonight today tomorrow soon weekend monday tuesday wednesday thursday friday"
    " saturday sunday midnight morning",
    "<AGO>": "ago used years yrs months anniversary back since clean sober recovered recovery"
    " younger teens teenager",
    "<LOL>": "lol lmao lmfao haha hahaha hehe rofl jk joking kidding laughing joke jokes",
    "<DIE>": "die dies died dying dead death suicide suicidal kill killing killed unalive"
    " overdose overdosed overdosing",
    "<HARM>": "cut cuts cutting cutted burn burns burning burned burnt scratch scratching carve"
    " carving slit slitting bleed bleeding blood hurt hurting harm harming punch punching"
    " bang banging scars scar wound wounds bruise bruises",
    "<MED>": "pill pills tablet tablets tabs caps capsules meds medication medications medicine"
    " medicines painkillers antidepressants antipsychotics benzos opioids opiates sleepers"
    " paracetamol acetaminophen tylenol panadol panadeine ibuprofen advil motrin nurofen aspirin"
    " naproxen aleve codeine tramadol oxycodone oxy oxys oxycontin percocet percs perc vicodin"
    " hydrocodone morphine fentanyl methadone heroin xanax alprazolam valium diazepam klonopin"
    " clonazepam lorazepam ativan temazepam zopiclone zolpidem ambien benadryl diphenhydramine"
    " phenergan promethazine seroquel quetiapine olanzapine zyprexa risperidone aripiprazole"
    " abilify lithium lamotrigine lamictal valproate depakote epilim carbamazepine tegretol"
    " gabapentin pregabalin lyrica sertraline zoloft fluoxetine prozac citalopram celexa"
    " escitalopram lexapro paroxetine paxil venlafaxine effexor duloxetine cymbalta mirtazapine"
    " remeron amitriptyline nortriptyline trazodone bupropion wellbutrin propranolol insulin"
    " metformin warfarin digoxin melatonin antihistamines nytol sominex unisom dramamine"
    " clozapine haloperidol adderall ritalin concerta vyvanse dexamphetamine",
    "<POISON>": "bleach poison poisons antifreeze weedkiller paraquat pesticide pesticides"
    " insecticide roundup phenyl lye cyanide arsenic chlorine ammonia helium charcoal exhaust"
    " glyphosate strychnine toxic",
    "<GUN>": "gun guns firearm firearms rifle rifles shotgun pistol handgun revolver glock ammo"
    " bullet bullets shells 9mm 22 trigger",
    "<SHARP>": "knife knives blade blades razor razors machete axe hatchet scissors sharpener"
    " shard glass boxcutter stanley",
    "<ROPE>": "rope ropes noose ligature cord cable belt hose hosepipe beam rafter hook",
    "<HEIGHT>": "bridge bridges overpass cliff cliffs ledge roof rooftop balcony tower gorge"
    " quarry lookout edge heights",
    "<WATER>": "river sea ocean lake dam reservoir creek waves surf boat pier jetty wharf tide"
    " canal harbour harbor bay rip currents",
    "<ROAD>": "train trains tracks railway rail highway freeway motorway traffic truck lorry"
    " semi tractor",
    "<AMT>": "0 packet packets pack packs box boxes bottle bottles strip strips blister handful"
    " fistful whole entire dozen dozens hundred twenty thirty forty fifty sixty mg g grams"
    " lot lots heap load loads bunch stash stockpile",
    "<INGEST>": "took taken take taking takes swallowed swallow swallowing downed necked popped"
    " drank drink drinking drunk ate eaten ingested consumed chugged snorted injected",
    "<GET>": "bought buy buying got getting ordered picked found stole grabbed loaded hid hidden"
    " stashed saved saving collected stockpiled stockpiling hoarding hoarded sourced borrowed"
    " sharpened",
    "<BYE>": "goodbye goodbyes bye farewell last final forever letters letter note notes",
    "<PRO>": "client clients session sessions supervision shift rota roster handover training"
    " module workshop webinar referral caseload group meeting",
}
_BIGRAM_CLASS: Mapping[tuple[str, str], str] = {
    ("rat", "poison"): "<POISON>",
    ("weed", "killer"): "<POISON>",
    ("drain", "cleaner"): "<POISON>",
    ("carbon", "monoxide"): "<POISON>",
    ("car", "park"): "<HEIGHT>",
    ("parking", "garage"): "<HEIGHT>",
    ("top", "floor"): "<HEIGHT>",
    ("favourite", "person"): "<FP>",
    ("favorite", "person"): "<FP>",
    ("sleeping", "pills"): "<MED>",
    ("sleeping", "tablets"): "<MED>",
    ("extension", "cord"): "<ROPE>",
}
_CLASS_OF: dict[str, str] = {w: c for c, words in _LEXICON.items() for w in words.split()}
# medicine names by their endings (quetiapine, lorazepam, citalopram, ibuprofen)
_MED_END_RE = re.compile(
    r"(?:azepam|azolam|apine|oxetine|aline|faxine|tyline|codone|morphone|ofen|amol|opram|pentin"
    r"|gabalin|peridone|piprazole|trigine|proate|olol|azodone|icillin|mycin|statin|prazole)$"
)
# words dropped from the class stream, so "took all of my pills" and "took
# my pills" share "<INGEST> <MY> <MED>"
_FILLER = frozenset(
    str.split(
        "a an the of some all just like so really literally actually kinda sorta basically even"
        " totally"
    )
)
# classes whose ordered pairs within a span are features: "<GET> ... <GUN>"
_PAIR_CLASSES = frozenset(
    str.split(
        "<I> <FAM> <HE> <FP> <NEG> <WHEN> <AGO> <LOL> <DIE> <HARM> <MED> <POISON> <GUN> <SHARP>"
        " <ROPE> <HEIGHT> <WATER> <ROAD> <AMT> <INGEST> <GET> <BYE>"
    )
)


def _token_class(t: str) -> str | None:
    c = _CLASS_OF.get(t)
    if c is None and len(t) > 6 and _MED_END_RE.search(t):
        c = "<MED>"
    return c


def _class_feats(words: list[str]) -> set[str]:
    stream: list[str] = []
    i, n = 0, len(words)
    while i < n:
        t = words[i]
        if i + 1 < n:
            c2 = _BIGRAM_CLASS.get((t, words[i + 1]))
            if c2 is not None:
                stream.append(c2)
                i += 2
                continue
        i += 1
        if t in _FILLER:
            continue
        c = _token_class(t)
        stream.append(c or t)
    out: set[str] = set()
    classes: list[str] = []
    for j, a in enumerate(stream):
        ca = a[0] == "<"
        if ca:
            out.add("k:" + a)
            if a in _PAIR_CLASSES:
                classes.append(a)
        if j + 1 < n and j + 1 < len(stream):
            b = stream[j + 1]
            cb = b[0] == "<"
            if ca or cb:
                out.add(f"k:{a} {b}")
            if j + 2 < len(stream):
                c = stream[j + 2]
                if ca or cb or c[0] == "<":
                    out.add(f"k:{a} {b} {c}")
    seen: set[str] = set()
    for j, a in enumerate(classes):
        for b in classes[j + 1 :]:
            if a != b:
                seen.add(f"o:{a}>{b}")
    out.update(seen)
    return out


_STEMS: dict[str, str] = {}


def _stem(t: str) -> str:
    stem = _STEMS.get(t)
    if stem is None:
        stem = t
        for suf in ("ing", "ed", "es", "s", "ly"):
            if len(t) > len(suf) + 2 and t.endswith(suf):
                stem = t[: -len(suf)]
                break
        if len(_STEMS) < 50_000:  # bounded: a cache, not a leak
            _STEMS[t] = stem
    return stem


def _tokens(norm: str) -> list[str]:
    return _TOKEN_RE.findall(_DIGITS_RE.sub("0", norm))


_Blocks = list[tuple[Iterable[str], float]]


def _blocks(
    span: str, context: Iterable[str], *, chars: bool = True, own: list[str] | None = None
) -> _Blocks:
    """Feature names of a span in blocks that share one value each.

    ``own`` is the span's marker list when the caller already has it.
    """
    toks = _tokens(span)
    words = [t for t in toks if t not in ("?", "!")]
    out: _Blocks = []
    # word block: unigrams, bigrams, trigrams and negation-scoped unigrams;
    # each block is scaled to unit length so long messages don't dominate
    wb = {f"w:{t}" for t in toks}
    wb.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    wb.update(f"t:{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False))
    scope = 0
    for t in words:
        if t in _NEGATORS or t.endswith("n't"):
            scope = _NEG_SCOPE
            continue
        if scope:
            wb.add(f"n:{t}")
            scope -= 1
    if wb:
        out.append((wb, 1.0 / math.sqrt(max(len(wb), WORD_FLOOR))))
    if USE_CLASSES:
        kb = _class_feats(words)
        if kb:
            out.append((kb, CLASS_VALUE / math.sqrt(max(len(kb), WORD_FLOOR))))
    if chars and USE_CHARS:
        # character block: 3..5-grams over the words joined by single spaces
        s = " " + " ".join(words) + " "
        cb = {"c:" + s[i : i + n] for n in (3, 4, 5) for i in range(len(s) - n + 1)}
        if cb:
            out.append((cb, 1.0 / math.sqrt(max(len(cb), CHAR_FLOOR))))
    out.append((["m:" + m for m in (own if own is not None else _markers(span, toks))], 1.0))
    if USE_GROUPS:
        out.append((["g:" + g for g in _groups(toks)], GROUP_VALUE))
    if USE_STEMS:
        st = {f"s:{_stem(t)}" for t in words}
        if st:
            out.append((st, 1.0 / math.sqrt(max(len(st), WORD_FLOOR))))
    out.append((["d:" + m for m in context], 1.0))
    return out


def features(span: str, context: Iterable[str] = ()) -> dict[str, float]:
    """Return the feature map of one normalised span (message or sentence).

    ``context`` is the message-level marker list from :func:`message_markers`,
    added with a ``d:`` prefix so a sentence knows, say, that its message
    tells a past story.
    """
    return {k: v for keys, v in _blocks(span, context) for k in keys}


def message_markers(norm: str) -> list[str]:
    """Return the marker names found in a whole normalised message."""
    return _markers(norm, _tokens(norm))


def spans(norm: str) -> list[str]:
    """Return the spans scored for a message: the message, then its sentences."""
    sents = split_sentences(norm)
    if len(sents) <= 1:
        return [norm]
    return [norm, *sents]


def kind_features(norm: str) -> dict[str, float]:
    """Return the (word-only) feature map used by the kind model."""
    return {k: v for keys, v in _blocks(norm, (), chars=False) for k in keys}


# --------------------------------------------------------------------------
# Rules: readable, high-precision, each with a kind and guards
# --------------------------------------------------------------------------

_PEOPLE_RE = (
    r"(?:(?:my|our|his|her|a|the)\s+(?:\w+\s+){0,2}?|^)(?:son|daughter|partner|husband|wife|boyfriend|girlfriend|bf|gf|mum|mom|mam|mother"
    r"|dad|father|brother|sister|friend|mate|bestie|kid|child|teen|teenager|flatmate|roommate|fianc\w*"
    r"|nephew|niece|grandson|granddaughter|stepson|stepdaughter|cousin|boy|girl|youngest|eldest|oldest)"
)
_SELF_WORDS = r"(?:myself|my self|my life|my own life)"
_THIRD_SELF = r"(?:himself|herself|themselves|themself|their life|his life|her life|his own life|her own life)"

# Guards. A rule match is dropped when its sentence (or, for "past", the
# whole message) shows one of these.
_PAST_RE = re.compile(
    _MARKER_RES[0][1].pattern
    + r"|\b(?:(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|few|several|many|couple of) (?:years?|yrs|months?|weeks?|days?) (?:since|clean|free|ago|sober|out)"
    r"|at (?:age )?\d+|aged \d+|age \d+|in my (?:teens|twenties|20s)|in year \d+|\d+ (?:years?|yrs|months?|days?|weeks?) (?:clean|free|out|since|ago|sober)"
    r"|(?:clean|free) (?:from|for|of)|since i (?:last|was)|haven't (?:done|had|hurt|cut|self harmed|felt)|that was (?:in )?\d{4}|old me|would have"
    r"|old (?:journals?|diary|diaries|posts?|notes)|the (?:time|year|night) i|went from|chip|milestone|glad (?:i|it) (?:didn't|did not|wasn't)|still here"
    r"|(?:they|it|the urges?) (?:passed|went away)|rode (?:the|it) (?:wave|out)|didn't act|don't act|not act(?:ing)? on|before po|before i was|used to|use to|when i first|(?:from|since|in|of|back in) (?:19|20)\d\d)\b"
)
_NEG_BEFORE_RE = re.compile(
    r"\b(?:not|never|no|no longer|n't|don't|won't|wouldn't|didn't|can't|isn't|aren't|without)\s+"
    r"(?:(?:thoughts?|urges?|intention|plans?|desire|wish|risk) (?:of|to|about)\s+)?"
    r"(?:(?:going to|want to|planning to|plan to|trying to|about to|thinking about|thinking of|gonna|ever|really|actually|even|intend to|need to|have to|feel like)\s+)?"
    r"(?:\w+\s+)?$"
)
_NOT_SURE_RE = re.compile(
    r"\b(?:not sure|don't know if|can't promise|can't guarantee|can't stop|can't stop myself|don't think i can stop)\b"
)
_EDU_Q_RE = re.compile(
    r"(?:\b(?:how (?:do|can|should|would) (?:i|we|you|carers?|parents?|people)|what (?:do|should|can) (?:i|we|you) (?:do|say) (?:if|when)"
    r"|is it (?:normal|common|true|safe|okay|ok|alright|wise|bad|wrong) to|should i ask|how to (?:ask|talk|support|help|approach|tell|respond)|signs? (?:of|that)|what (?:is|are) the|why do people|how common|for (?:a|my) (?:course|assignment|essay|class|uni))\b)"
)
_HYPO_RE = re.compile(
    r"\b(?:if|when|whenever|in case|what if)\s+(?:someone|somebody|a person|people|anyone|they|you|your|a client|a consumer|the person)\b"
)
_PROF_RE = re.compile(_MARKER_RES[5][1].pattern)
_EDU_TOPIC_RE = re.compile(
    r"\b(?:prevention|awareness|training|module|handout|lecture|stats|statistics|guidelines?|q&a|webinar|workshop|course|poster"
    r"|leaflet|safe messaging|research|documentary|podcast|article|book|handbook|signpost\w*|policy|procedure"
    r"|(?:people|carers|clients|consumers|those|someone|anyone|others|parents|young people|teens|students|staff|volunteers) who)\b"
)
_IDIOM_RE = re.compile(
    _MARKER_RES[6][1].pattern.replace("|laughing|lol|lmao|haha\\w*", "")
    + r"|\b(?:die|dying) (?:if|of (?:cringe|embarrassment|shame|boredom|laughter))|kill me if|(?:will|gonna|going to|'ll) (?:kill|murder) (?:me|him|her|you|them|my (?:brother|sister|mum|mom|dad|husband|wife|partner|kids?))\b"
    r"|death of me|over my dead body|two birds|kill the (?:lights|music)|laughing"
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One readable detection rule: a name staff can read, a kind, a pattern."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    guard_negation: bool = True
    guard_past: bool = True
    guard_question: bool = True
    guard_idiom: bool = False
    guard_professional: bool = True


def _rule(name: str, kind: str, pattern: str, **guards: bool) -> Rule:
    return Rule(name, kind, re.compile(pattern), **guards)


RULES: tuple[Rule, ...] = (
    # overdose already taken: a taking verb and a quantity of medication
    _rule(
        "overdose taken",
        "overdose",
        r"\b(?:took|taken|swallowed|downed|necked|had|ate|popped|take|taking|ingested|consumed|drank|drink|drunk)\s+(?:\w+\s+){0,4}?"
        r"(?:(?:[1-9]\d|[1-9]\d\d|\d+ ?(?:grams?|g|mg) of|\d+ (?:box|boxes|packets?|bottles?|strips?))\s*(?:\w+\s+){0,3}?(?:pills|tablets|tabs|caps|capsules|of (?:my|the|them|those|these|her|his)\b|\w+(?:pine|pam|lam|zole|tine|line|xine|gine|done|zine|mide|ium|ofen|oxen|amol|olol|proate|quel|prine|dol)\b)"
        r"|(?:all|the whole|a whole|an entire|the entire|the rest of|every(?:thing)?|(?:a|the) (?:full |whole )?(?:packet|pack|box|bottle|strip|blister|blister pack|handful|fistful|heap|load|bunch|lot)|(?:packets|bottles|boxes|handfuls|heaps|loads|lots))"
        r"\s+(?:\w+\s+){0,3}?(?:pills?|tablets?|tabs|meds|medication|medicine|capsules|oxys?|codeine|tramadol|zopiclone|methadone|oxycodone|morphine|insulin|panadol|paracetamol|tylenol|nurofen|ibuprofen|aspirin|sleeping|antidepressants|\w+(?:pine|pam|lam|zole|tine|line|xine|gine|done|zine|mide|ium|ofen|oxen|amol|olol|proate|quel|prine|dol)\b)"
        r"|too many (?:pills|tablets|meds))"
        r"|\b(?:took|taken|swallowed|downed|drank|drunk|consumed|ingested|necked)\s+(?:\w+\s+){0,3}?(?:codeine|oxys|tramadol|zopiclone|methadone|oxycodone|morphine|bleach|phenyl|floor cleaner|antifreeze|weedkiller|poison|rat poison)\b",
        guard_question=False,
    ),
    _rule(
        "overdose taken",
        "overdose",
        r"^overdosed\b|\b(?:i'?ve|i|just|i've just|i just)\s+(?:\w+\s+)?overdosed\b|\b(?:i'?m|i've been|been) overdosing\b|\btook an overdose\b|\bhad an overdose\b(?! (?:years|when|as))",
    ),
    # plans, means, timing
    _rule(
        "plan or means",
        "plan",
        r"\b(?:saving|stockpiling|hoarding|saved up|saved|stashing|stashed|collecting|been keeping)\s+(?:\w+\s+){0,3}?(?:pills|tablets|tabs|meds|medication|medicine|sleeping)",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:bought|got|buying|getting|have|found|tied|made)\s+(?:a\s+)?(?:some\s+)?(?:rope|noose)\b.{0,40}\b(?:tonight|for me|myself|ready|neck|hang|do it|end)|\bnoose\b",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:i'?ve|i have|i've got|i got|made|i know|worked out|figured out|written)\s+(?:a |the |my |exactly )?(?:plan|how i'?(?:m|ll)|when i'?(?:m|ll)|where i'?(?:m|ll)|which bridge|which train|which building)"
        r"(?:.{0,40}\b(?:die|kill|end|do it|jump|suicide|bridge|train|pills|rope|hang))",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:tonight'?s the night|today'?s the day|going to do it tonight|doing it tonight|do it tonight|it ends tonight|end it tonight|ending it tonight|end it all tonight)\b",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:i'?m|i'll|going to|want to|about to|i'm going to|ready to|planning to|plan to)\s+(?:\w+\s+){0,2}?(?:jump off|jump from|jump in front|step in front|walk in front|throw myself|hang myself|drive (?:my car )?(?:into|off)|crash my car|slit my|drown myself|gas myself|walk into (?:the )?(?:river|sea|ocean|traffic|water|lake))\b",
        guard_idiom=True,
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:rope|noose|ligature|belt|cord)(?:'s| is)? (?:tied|ready|up|set up|around)\b|\btied (?:the|a) (?:rope|noose)\b|\b(?:gun|rifle)(?:'s| is)? loaded\b|\bloaded (?:the )?(?:gun|rifle)\b"
        r"|\b(?:engine|car) (?:running|on)\b.{0,30}\bgarage\b|\bgarage\b.{0,40}\bengine (?:running|on)\b|\blooking over the edge\b|\b(?:lead|belt|rope|cord) (?:in the \w+ )?would hold me\b",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:standing|sitting|i'm|up) on (?:the|a) (?:edge|ledge|bridge|roof|cliff)\b|\bon the (?:train tracks|tracks|railway line)\b",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:i'?m|i am|sitting|standing|stood|up|parked|waiting|here)\b.{0,25}\b(?:on|at|by|near|over|under|off) (?:the |a |this |that )?(?:\w+ ){0,2}?"
        r"(?:overpass|bridge|cliffs?|ledge|roof|rooftop|balcony|railway|train tracks|tracks|platform edge|reservoir|motorway bridge|car park roof|top floor|top level|top storey)\b",
        guard_idiom=True,
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:bought|got|buying|picked up|ordered|have|found|getting|sorted)\s+(?:\w+\s+){0,2}?(?:rope|hose|hose pipe|hosepipe|charcoal|noose|beam|ligature|razor blades|helium)\b"
        r"(?!.{0,30}\b(?:for|to) (?:the )?(?:garden|camping|bbq|barbecue|barbeque|climbing|boat|washing|tent|dog|car wash)\b)|\bnot for (?:the )?(?:garden|camping|a craft|crafts?|the bbq)",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\b(?:go|going|went|gonna) through with it\b|(?:worked|figured) out how(?: i'?(?:ll|m going to) do it| to do it)?\s*$|\b(?:when and how|how and when|(?:set|picked|chosen|chose) (?:the|a) (?:date|day|time|spot|place)"
        r"|(?:date|day) is set|know (?:the )?exact(?:ly)? (?:spot|place|how|when|where)|the exact spot|doing it on (?:my|the|friday|saturday|sunday|monday|tuesday|wednesday|thursday)"
        r"|decided (?:on )?(?:friday|saturday|sunday|monday|tuesday|wednesday|thursday|tonight|tomorrow|the date|the day|when))\b",
    ),
    _rule(
        "plan or means",
        "plan",
        r"\bhow (?:many|much) (?:\w+ ){0,3}?(?:would it take|does it take|would kill|to (?:die|kill|overdose|od|be fatal|be lethal|not wake up))|\b(?:lethal|fatal) (?:dose|amount)\b"
        r"|\bpainless (?:ways?|methods?|way) to (?:die|go|kill)\b|\bways to (?:die|kill myself|end it)\b",
        guard_question=False,
    ),
    # suicidal ideation, first person, present
    _rule(
        "suicidal statement",
        "suicidal",
        r"\b(?:kill|killing|end|ending|take|taking)\s+(?:my\s?self|my life|my own life)\b",
        guard_idiom=True,
    ),
    _rule(
        "suicidal statement",
        "suicidal",
        r"\b(?:i'm|i've been|been|feel|feeling|getting|get|am|so|really|very|actively|properly|quite|i'm so) suicidal\b"
        r"|\bsuicidal (?:again|tonight|today|right now|thoughts are|ideation is)\b|\b(?:thinking|thought|thinking a lot|think) (?:about|of) suicide\b"
        r"|\b(?:commit|attempt|do) suicide\b|\bsuicide (?:is all|is the only|seems like|feels like)\b|\b(?:going|want|plan|ready) to suicide\b",
    ),
    _rule(
        "suicidal statement",
        "suicidal",
        r"\b(?:better off|easier|relieved|happier|be fine)\b.{0,40}\b(?:without me|if i (?:was|were|wasn't|weren't|died|was dead|was gone|killed myself|disappeared)|(?:if|when) i'?m gone|me (?:dead|gone))"
        r"|\bwhat'?s the point (?:of|in) (?:me|living|being alive|life|going on|carrying on|existing)\b|\b(?:should|could) (?:just )?(?:die|finish my life|end my life|end it|not be here)\b"
        r"|\b(?:fantasi[sz]e|fantasi[sz]ing|dream|dreaming|daydreaming) (?:about|of) (?:being dead|dying|death|not existing|not waking)"
        r"|\b(?:take|took) my soul\b|\bnot want to (?:wake up|be alive|live)\b|\bwant (?:it|this|everything) (?:all )?(?:to end|over|to be over|to stop)\b.{0,40}\b(?:done|can't|tired|enough|point)"
        r"|\b(?:i'm|i am) done\b.{0,40}\bwant (?:it|this|everything) (?:all )?(?:to end|over|to be over)\b|\b(?:easier|better) to be dead\b"
        r"|\b(?:experiencing|having|getting) (?:\w+ )?suicidal (?:thoughts|ideation|feelings|urges)\b|\b(?:can't|no longer (?:believe )?(?:that )?i can|unable to) keep (?:myself|me) safe\b"
        r"|\b(?:stop|stopped) existing\b|\bno (?:reason|point) (?:to|in) (?:stay|staying|be here|being here|keep going|go on|going on)\b|\bwant to bleed out\b"
        r"|\bnot (?:doing|making it to|seeing|getting to) another (?:year|birthday|christmas|summer|week|month)\b|\bwon't (?:see|make it to) (?:my|another|next) (?:birthday|christmas|year)\b",
        guard_idiom=True,
    ),
    _rule(
        "suicidal statement",
        "suicidal",
        r"\b(?:want|wanting|wanted|wish|going|ready|need|deserve|trying|try)\s+(?:to\s+)?(?:just\s+)?(?:die|be dead|not exist|stop existing|disappear forever|end it all|end it|end everything|not be alive|not wake up)\b",
        guard_idiom=True,
    ),
    _rule(
        "suicidal statement",
        "suicidal",
        r"\b(?:wish i (?:was|were|could be) dead|wish i (?:was|were)n't (?:alive|here|born)|wish i'?d never been born|better off (?:dead|without me|if i (?:was|were)n't here|if i (?:was|were) gone|when i'?m gone)"
        r"|(?:don't|do not|dont) want to (?:be alive|live|exist|wake up|be here|go on|keep going|carry on)(?! (?:in|at|with|near)\b)|no (?:reason|point) (?:to|in) (?:live|living|be alive|going on|carry on)"
        r"|can't (?:go on|do this|keep going|live like this)(?: anymore| any longer)?.{0,30}\b(?:die|dead|end|gone|here|alive|exist)\b|(?:life|living) (?:isn't|is not|isnt) worth (?:it|living)"
        r"|(?:want|need|going) to (?:go to sleep|sleep) (?:forever|and (?:never|not) wake)|(?:going|want|ready|time) to (?:leave|go|say goodbye) (?:this|the) world)",
        guard_idiom=True,
    ),
    # self-harm now or urges
    _rule(
        "self-harm now or urge",
        "self_harm",
        r"\b(?:cut|cutting|cuts|burn|burning|burnt|burned|hurt|hurting|harm|harming|hit|hitting|punch|punching|scratch|scratching|starve|starving|stab|stabbing|carve|carving|bash|bashing|bite|biting)\s+(?:into\s+)?(?:my\s?self|my (?:own )?(?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?|body|head))\b",
        guard_idiom=True,
    ),
    _rule(
        "self-harm now or urge",
        "self_harm",
        r"\b(?:urges? (?:to )?|urging to |(?:want|wanting|need|needing|going|about|tempted|craving|itching|desperate|trying not|dying) to )(?:\w+\s+){0,1}?(?:self harm|cut|hurt|burn|harm|bleed)\b",
    ),
    _rule(
        "self-harm now or urge",
        "self_harm",
        r"\bself harm(?:ed|ing)?\b.{0,30}\b(?:again|tonight|right now|now|today|last night|relapse|urges?|so bad|can't stop)\b"
        r"|\b(?:i|just|i've|i just)\s+(?:\w+\s+)?self harmed\b|\brelapsed\b.{0,20}\b(?:self harm|cutting|cut)\b"
        r"|\b(?:cutting|burning|hurting|harming|hitting) (?:myself )?again\b|\bcut (?:myself )?again\b"
        r"|\b(?:blood|bleeding)\b.{0,40}\b(?:won't stop|everywhere|cut|too deep)\b|\b(?:cut|cuts) (?:too )?deep\b",
    ),
    _rule(
        "self-harm now or urge",
        "self_harm",
        r"\b(?:holding|got|have|with|sitting here with|staring at|looking at)\s+(?:a |the |my )?(?:razor|blade|knife|lighter|scissors|sharpener)\b.{0,40}\b(?:arm|wrist|skin|leg|thigh|now|can't stop|about to|want|going to|ready)"
        r"|\b(?:razor|blade|knife|lighter)\b.{0,10}\b(?:against|to|on) my (?:arm|wrist|skin|leg|thigh)|\babout to (?:make|do) (?:new|more|fresh) (?:ones|cuts)\b|\b(?:blade|razor|knife)(?:'s| is)? (?:already )?in my hand\b|\bhead ?butt\w*|\bbang(?:ing)? my head\b"
        r"|\b(?:a lot of|so much|lots of|too much) blood\b|\b(?:picking at|reopened|reopening) (?:the |my )?(?:cuts|wounds)\b",
        guard_idiom=True,
    ),
    # goodbyes and final arrangements
    _rule(
        "goodbye or final arrangement",
        "goodbye",
        r"\b(?:this is (?:my|the) last (?:message|text|time)|my last (?:message|text|goodbye)|final (?:message|goodbye|words)|(?:goodbye|bye) (?:forever|everyone|world|for good|all)\b"
        r"|you won't (?:hear from|see) me (?:again|anymore)|won't be (?:around|here|alive) (?:much longer|tomorrow|anymore|by|after)|by the time (?:you|anyone|someone) (?:reads?|sees?|gets?) this"
        r"|(?:written|wrote|writing|left) (?:\w+ )?(?:letters|notes|a note|a letter|my will) (?:to|for) (?:everyone|my|them|each|all)|(?:given|giving) away (?:all )?my (?:stuff|things|belongings|possessions)"
        r"|(?:look after|take care of|feed|mind) (?:my|the) (?:\w+ )?(?:cat|cats|dog|dogs|kids|kid|children|pets?|babies|son|daughter|plants?)\b.{0,30}\b(?:when|after|once|for me|i'?m gone|i'?m not)"
        r"|when i'?m gone|after i'?m gone|once i'?m gone|(?:my )?affairs (?:are )?in order|i won't be here (?:tomorrow|much longer|anymore)|see you (?:on the other side|in another life|in the next life)"
        r"|(?:tell|let) (?:my|them|her|him|everyone) \w*\s?(?:that )?i (?:love|loved) (?:them|her|him|you)(?:.{0,20}\b(?:sorry|goodbye|bye|gone))|sorry for everything\b.{0,30}\b(?:goodbye|bye|gone|last))",
    ),
    _rule(
        "goodbye or final arrangement",
        "goodbye",
        r"\b(?:sign(?:ing|in)?|log(?:ging)?) (?:off|out|aff) for good\b|\bbecause i won't need (?:them|it|any of (?:it|this|them))\b|\bfor good\b.{0,25}\b(?:thank|thanks|goodbye|bye)\b|\b(?:or|and) ever\b.{0,30}\b(?:thanks|thank|bye)"
        r"|\bwon't be (?:around|here)\b(?! (?:on|for|this|next|until|till|at|in|tomorrow morning))|\bsaid my goodbyes\b|\bmy funeral\b|\b(?:none of (?:this|it) (?:is|was)|it'?s not|it wasn't) (?:your|her|his|their) fault\b.{0,60}\b(?:sorry|goodbye|bye|finds? out|when)"
        r"|\b(?:sorry|tell)\b.{0,60}\b(?:not|none of it was) (?:your|her|his|their) fault\b|\bleft my (?:password|passwords|journal|diary|letters?|will|note)\b.{0,50}\b(?:after|understand|why i|when i'?m)",
    ),
    # someone else at risk now
    _rule(
        "someone else at risk",
        "third_party",
        _PEOPLE_RE
        + r"\b[^.?!]{0,70}?\b(?:kill\w* "
        + _THIRD_SELF
        + r"|end (?:his|her|their) (?:own )?life|take (?:his|her|their) (?:own )?life|suicid\w*|overdos\w*"
        r"|(?:taken|took|swallowed|downed) (?:\w+\s+){0,4}?(?:pills|tablets|meds|medication|bottle|packet|box)|(?:cut|cutting|hurt|hurting|harm|harming|burn\w*|hang\w*|stab\w*) "
        + _THIRD_SELF
        + r"|wants? to die|want(?:s|ed)? to be dead|going to jump|wants? to bleed out|(?:going|gonna|threaten\w*) to (?:walk|drive|run) into|(?:consumed|drank|swallowed|drunk) (?:\w+\s+){0,2}?(?:bleach|phenyl|cleaner|antifreeze|poison)|(?:is|she's|he's|they're) on (?:a|the) (?:bridge|roof|ledge|cliff|tracks)|threaten\w* to (?:jump|kill|end|overdose|hang|cut|take)|unconscious|unresponsive|not breathing|won't wake|(?:is|she's|he's|they're) at the (?:cliffs?|bridge|tracks)|(?:locked|barricaded) (?:him|her|them)sel\w*|razor|noose|said goodbye|goodbye (?:note|letter|message)|suicide note)",
        guard_question=True,
    ),
    _rule(
        "someone else at risk",
        "third_party",
        r"\b(?:he|she|they)(?:'s| is| has| have|'ve| just)?\s+(?:\w+\s+){0,2}?(?:taken|took|swallowed) (?:\w+\s+){0,3}?(?:all|a whole|whole|\d{2,}|bottle|packet|box|lot of|handful)\b.{0,20}\b(?:pills|tablets|meds|medication|panadol|paracetamol)"
        r"|\b(?:he|she|they)(?:'s| is| are|'re) (?:going to|threatening to|talking about|saying (?:he|she|they)(?:'s| is|'re|'ll)? ?(?:going to|will)?) (?:kill|end|hurt|jump|hang)\w* (?:him|her|them)?",
    ),
    # danger from another person now
    _rule(
        "danger from another person",
        "danger",
        r"\b(?:(?:a |some |this |there'?s a )?(?:man|guy|men|guys|people|someone)|following me|followed me)\b.{0,70}\b(?:following me|behind me|outside my (?:house|door|flat)|(?:say|said|says) (?:they|he|she)(?:'ll| will| would|'d) (?:break|hurt|kill|get)|get in)\b"
        r"|\bwon't let me (?:leave|go|out)\b|\blocked me in\b|\bsaid i'?m next\b"
        r"|\b(?:he|she|they|my (?:ex|partner|husband|wife|boyfriend|girlfriend|bf|gf|dad|father|stepdad|stepfather|mum|mom|mother|brother|flatmate|roommate|neighbou?r|landlord)|someone|a man|a guy|this guy)\b"
        r"[^.?!]{0,40}?\b(?:(?:going to|gonna|will|'ll|threaten(?:ed|ing|s)? to|said (?:he|she|they)(?:'ll| will| would|'d)|trying to|tried to|wants? to|about to)\s+(?:\w+\s+)?(?:kill|hurt|stab|strangle|choke|beat|shoot|bash|rape|hit) (?:me|us|my|the kids)"
        r"|(?:has|got|with|holding|waving|grabbed) (?:a |his |her )?(?:knife|gun|weapon|machete|bat|axe)|(?:is |'s )?(?:outside|at) my (?:door|house|window|flat|place|work)\b.{0,40}\b(?:hurt|kill|won't leave|banging|threat|scared|knife|gun|smash|break)"
        r"|(?:hit|hitting|choked|choking|strangled|strangling|punched|punching|kicked|kicking|beating|beat|hurt|hurting|raped|attacked|grabbed|pushed|shoved) me\b.{0,40}\b(?:now|just|again|tonight|still|hiding|scared|help|bleeding|locked|won't stop))"
        r"|\b(?:i'm|im|i am) (?:hiding|locked|scared)\b.{0,40}\b(?:from (?:him|her|them|my)|he'?s|she'?s|they'?re) (?:\w+\s+){0,3}?(?:going to|gonna|will|trying|outside|coming|banging|has a|got a|kill|hurt)",
        guard_question=True,
    ),
)


_RESOLVED_RE = re.compile(
    r"\b(?:(?<!right )now i'?m|i'?m now|i'?m \d+ now|now i\b|these days|nowadays|today i|(?:ok|okay|fine|good|well|grand) now|doing (?:well|better|great|good)"
    r"|glad|grateful|proud|progress|volunteer\w*|helping|still here|made it|living independently|full circle|milestone|recovery|in recovery|got help)\b"
)


def _guarded(rule: Rule, sent: str, start: int, norm: str) -> bool:
    """True when a guard says this rule match is not a current crisis."""
    before = sent[max(0, start - 60) : start]
    if rule.guard_past and _PAST_RE.search(norm) and _RESOLVED_RE.search(norm):
        return True
    if rule.guard_negation and _NEG_BEFORE_RE.search(before) and not _NOT_SURE_RE.search(sent):
        return True
    if rule.guard_past and _PAST_RE.search(sent):
        return True
    if rule.guard_question and (_EDU_Q_RE.search(sent) or _HYPO_RE.search(sent)):
        return True
    if rule.guard_professional and rule.kind == "third_party":
        if _EDU_TOPIC_RE.search(sent):
            return True
    elif rule.guard_professional and (
        (_PROF_RE.search(sent) and not re.search(r"\b(?:i|i'm|i've|me|my)\b", sent))
        or _EDU_TOPIC_RE.search(sent)
    ):
        return True
    return bool(rule.guard_idiom and _IDIOM_RE.search(sent))


_THIRD_SUBJECT_RE = re.compile(
    r"\b(?:she|he|they|she's|he's|they're|someone|somebody|son|daughter|partner|husband|wife|boyfriend|girlfriend|bf|gf"
    r"|mum|mom|mam|mother|dad|father|brother|sister|twin|friend|mate|bestie|kid|child|teen|flatmate|roommate|nephew|niece|cousin)\b"
)
_FIRST_SUBJECT_RE = re.compile(r"\b(?:i|i'm|i've|i'll|i'd)\b")


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that matched: the rule, the sentence number (from 1), the kind."""

    rule: Rule
    sentence: int
    kind: str


def _hit_kind(rule: Rule, sent: str, start: int) -> str:
    # "my sister took a whole packet" is someone else at risk, whatever the
    # rule's own kind: look for a third-person subject just before the match
    # with no "I" after it.
    if rule.kind in ("third_party", "danger"):
        return rule.kind
    before = sent[max(0, start - 50) : start]
    last_third = max((m.end() for m in _THIRD_SUBJECT_RE.finditer(before)), default=-1)
    if last_third >= 0 and not _FIRST_SUBJECT_RE.search(before[last_third:]):
        return "third_party"
    return rule.kind


def match_rules(norm: str) -> list[RuleHit]:
    """Return every unguarded rule match in a normalised message."""
    sents = split_sentences(norm, windows=False) or [norm]
    hits: list[RuleHit] = []
    for i, sent in enumerate(sents, start=1):
        for rule in RULES:
            for m in rule.pattern.finditer(sent):
                if not _guarded(rule, sent, m.start(), norm):
                    hits.append(RuleHit(rule, i, _hit_kind(rule, sent, m.start())))
                    break
    # danger from someone (aimed at "me") outranks someone else at risk,
    # which outranks the rest; otherwise the first rule wins
    hits.sort(key=lambda h: (h.kind != "danger", h.kind != "third_party"))
    return hits


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Model:
    bias: float
    weights: dict[str, float]
    threshold: float
    kind_classes: tuple[str, ...]
    kind_bias: tuple[float, ...]
    kind_weights: tuple[dict[str, float], ...]
    # a rule match counts only when the model gives the message at least
    # this much: rules were written on the development writers, and this
    # drops their rare matches on text the model finds plainly ordinary
    rule_gate: float = 0.0


_model: _Model | None = None
_model_lock = threading.Lock()


def _parse_model(raw: Mapping[str, Any]) -> _Model:
    if raw.get("feature_version") != FEATURE_VERSION:
        raise ValueError(
            f"crisis model was trained with feature version {raw.get('feature_version')},"
            f" code expects {FEATURE_VERSION}: run python -m bot.crisis_train"
        )
    classes = tuple(raw["kind_classes"])
    if not set(classes) <= set(KINDS):
        raise ValueError(f"crisis model has unknown kinds: {classes}")
    return _Model(
        bias=float(raw["bias"]),
        weights={k: float(v) for k, v in raw["weights"].items()},
        threshold=float(raw["threshold"]),
        kind_classes=classes,
        kind_bias=tuple(float(b) for b in raw["kind_bias"]),
        kind_weights=tuple(
            {k: float(v[j]) for k, v in raw["kind_weights"].items() if v[j]}
            for j in range(len(classes))
        ),
        rule_gate=float(raw.get("rule_gate", 0.0)),
    )


def load_model(raw: Mapping[str, Any] | None = None) -> None:
    """Load the shipped model (or ``raw``, a parsed model dict) for :func:`assess`."""
    global _model
    with _model_lock:
        if raw is None:
            data = resources.files(__package__ or "bot.domain").joinpath(MODEL_FILE).read_bytes()
            raw = json.loads(gzip.decompress(data))
        _model = _parse_model(raw)


def _get_model() -> _Model:
    if _model is None:
        load_model()
    assert _model is not None
    return _model


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _linear(weights: Mapping[str, float], bias: float, feats: Mapping[str, float]) -> float:
    z = bias
    for f, v in feats.items():
        w = weights.get(f)
        if w is not None:
            z += w * v
    return z


def _block_score(weights: Mapping[str, float], bias: float, blocks: _Blocks) -> float:
    # same sum as _linear, but block by block: the lookups run in C
    get = weights.get
    z = bias
    for keys, v in blocks:
        z += v * sum(filter(None, map(get, keys)))
    return z


def score_spans(norm: str, model: _Model | None = None) -> tuple[float, int]:
    """Return the highest model probability over a message's spans and which span."""
    m = model or _get_model()
    ctx = message_markers(norm)
    best, where = 0.0, 0
    for i, span in enumerate(spans(norm)):
        # the whole message is span 0: its markers are the context, reuse them
        blocks = _blocks(span, ctx, own=ctx if i == 0 else None)
        p = _sigmoid(_block_score(m.weights, m.bias, blocks))
        if p > best:
            best, where = p, i
    return best, where


def _kind_from_model(norm: str, m: _Model) -> str:
    blocks = _blocks(norm, (), chars=False)
    scores = [_block_score(w, b, blocks) for w, b in zip(m.kind_weights, m.kind_bias, strict=False)]
    return m.kind_classes[max(range(len(scores)), key=scores.__getitem__)]


def assess(text: str) -> Assessment:
    """Assess one incoming message for risk now and say what matched."""
    if not text or not text.strip():
        return Assessment(False, None, (), 0.0)
    norm = normalise(text)
    if not norm:
        return Assessment(False, None, (), 0.0)
    m = _get_model()
    p, where = score_spans(norm, m)
    hits = match_rules(norm) if p >= m.rule_gate else []
    matched: list[str] = []
    seen: set[str] = set()
    for hit in hits:
        label = f"rule: {hit.rule.name} (sentence {hit.sentence})"
        if label not in seen:
            seen.add(label)
            matched.append(label)
    model_hit = p >= m.threshold
    if model_hit:
        matched.append(
            f"model: {p:.2f} on " + ("whole message" if where == 0 else f"sentence {where}")
        )
    if not hits and not model_hit:
        return Assessment(False, None, (), round(p, 4))
    kind = hits[0].kind if hits else _kind_from_model(norm, m)
    score = max(p, _RULE_SCORE) if hits else p
    return Assessment(True, kind, tuple(matched), round(score, 4))
