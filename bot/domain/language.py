"""The language guide: stigmatising terms and the words to use instead.

This is the one place the banned-term list lives (DESIGN.md, rule 8). Content
checks, `python -m bot check` and the tests all call `find_stigmatising`.
Patterns are case-insensitive and anchored on word boundaries; each one is
written so that the name of the diagnosis, "borderline personality disorder",
stays allowed while labels for a person do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BANNED_TERMS", "BannedTerm", "find_stigmatising", "normalise"]


@dataclass(frozen=True)
class BannedTerm:
    """One entry of the guide: a pattern, an example of it, and better wording."""

    pattern: re.Pattern[str]
    example: str
    preferred: str


def _term(pattern: str, example: str, preferred: str) -> BannedTerm:
    return BannedTerm(re.compile(pattern, re.IGNORECASE), example, preferred)


# Words that may follow "borderline" when it names the diagnosis, not a person.
_DIAGNOSIS_WORDS = (
    r"(?:-|\s)*personality(?:\s|-)+disorders?"
    r"|\s+(?:personality\s+)?(?:traits?|features?|symptoms?|criteria|diagnos\w*|organi[sz]ation)"
)

BANNED_TERMS: tuple[BannedTerm, ...] = (
    # --- labels that turn a diagnosis into an identity -----------------------
    _term(
        r"\b(?:a|an|the|this|that|one|another|such\s+a|typical)\s+borderline\b"
        rf"(?!{_DIAGNOSIS_WORDS})",
        "a borderline",
        "a person living with BPD",
    ),
    _term(r"\bborderlines\b", "borderlines", "people living with BPD"),
    _term(
        r"\bborderline(?:\s|-)+personalit(?:y|ies)\b(?!(?:\s|-)*disorders?)"
        r"(?!\s+(?:traits?|features?|organi[sz]ation|structure))",
        "borderline personality (as a label for a person)",
        "a person living with BPD",
    ),
    _term(
        r"\bborderline\s+(?:patients?|clients?|people|persons?|individuals?|wom[ae]n|m[ae]n"
        r"|girls?|boys?|mothers?|mums?|moms?|fathers?|dads?|parents?|daughters?|sons?"
        r"|wife|wives|husbands?|partners?|teens?|teenagers?|adolescents?|youths?|kids?"
        r"|child|children|cases?)\b",
        "borderline patient / borderline mother",
        "a person living with BPD",
    ),
    _term(
        r"\b(?:is|was|are|were|be|being|she's|he's|they're|you're|i'm|so|very|totally|really)"
        rf"\s+borderline\b(?!{_DIAGNOSIS_WORDS})",
        "she's borderline",
        "she is living with BPD",
    ),
    _term(r"\bsufferers?\b", "sufferer", "a person living with ..."),
    _term(r"\bsuffer(?:s|ed|ing)?\s+(?:from|with)\b", "suffers from", "lives with"),
    _term(r"\bafflicted\s+(?:with|by)\b", "afflicted with", "lives with"),
    _term(
        r"\bvictims?\s+of\s+(?:bpd|borderline\b|mental\s+illness|depression)",
        "victim of BPD",
        "lives with BPD",
    ),
    # --- words that blame ----------------------------------------------------
    _term(
        r"\battention[\s-]+seek(?:ing|ers?)\b",
        "attention-seeking",
        "reaching out for connection or help",
    ),
    _term(
        r"\bmanipulat(?:ive|ion|ions|ing|e|es|ed|ors?)\b",
        "manipulative",
        "trying to get needs met",
    ),
    _term(
        r"\bnon[\s-]?complian(?:t|ce)\b",
        "non-compliant",
        "not using the treatment right now",
    ),
    _term(
        r"\btreatment[\s-]+(?:resistant|refractory)\b",
        "treatment-resistant",
        "hasn't found the right treatment yet",
    ),
    _term(
        r"\b(?:difficult|problem|heartsink|hateful)\s+(?:patients?|clients?)\b",
        "difficult patient",
        "a person whose needs have not been met yet",
    ),
    _term(
        r"\bfrequent\s+fl(?:y|i)ers?\b",
        "frequent flyer",
        "a person who often needs crisis care",
    ),
    _term(r"\bdrama\s+queens?\b", "drama queen", "a person feeling big emotions"),
    _term(r"\bhistrionic\b", "histrionic", "say what is happening, e.g. 'very distressed'"),
    # --- suicide and self-harm ----------------------------------------------
    _term(r"\bcommit(?:s|ted|ting)?\s+suicide\b", "committed suicide", "died by suicide"),
    _term(
        r"\b(?:failed|unsuccessful)\s+suicide(?:\s+attempts?)?\b",
        "failed suicide",
        "suicide attempt",
    ),
    _term(
        r"\b(?:successful|completed)\s+suicides?\b",
        "successful suicide",
        "died by suicide",
    ),
    _term(r"(?<![\w-])cutters?\b", "cutter", "a person who self-harms"),
    _term(r"\bself[\s-]+mutilat\w*", "self-mutilation", "self-harm"),
    # --- slurs and old labels -----------------------------------------------
    _term(r"\bcrazy\b", "crazy", "say what is happening, e.g. 'very distressed'"),
    _term(r"\binsan(?:e|ity)\b", "insane", "say what is happening, e.g. 'overwhelming'"),
    _term(r"\bpsychos\b|\bpsycho\b", "psycho", "a person experiencing psychosis"),
    _term(r"\bschizos?\b", "schizo", "a person living with schizophrenia"),
    _term(
        r"\blunatics?\b|\bloon(?:y|ies)\b|\bnutters?\b|\bnut\s*(?:jobs?|cases?)\b"
        r"|\bmad(?:m[ae]n|wom[ae]n)\b",
        "lunatic",
        "a person living with mental illness",
    ),
    _term(r"\bretard(?:ed|s)?\b", "retarded", "a person with an intellectual disability"),
    _term(r"\bjunkies?\b", "junkie", "a person who uses drugs"),
    _term(r"\baddicts?\b", "addict", "a person who uses alcohol or drugs"),
    _term(
        r"\bmental\s+(?:patients?|cases?)\b",
        "mental patient",
        "a person using mental health services",
    ),
    _term(r"\bthe\s+mentally\s+ill\b", "the mentally ill", "people with mental illness"),
)

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc"), "'")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f"), " ")


def normalise(text: str) -> str:
    """Fold typographic dashes, quotes and spaces so patterns see plain ASCII."""
    return text.translate(_DASHES).translate(_QUOTES).translate(_SPACES)


def find_stigmatising(text: str) -> list[tuple[str, str]]:
    """Return (term found, preferred wording) for each stigmatising term in text, in order."""
    plain = normalise(text)
    hits: list[tuple[int, int, str]] = []
    for term in BANNED_TERMS:
        for match in term.pattern.finditer(plain):
            hits.append((match.start(), match.end(), term.preferred))
    # Overlapping hits name the same words ("a borderline patient"): keep the longest.
    hits.sort(key=lambda hit: (hit[0], -(hit[1] - hit[0])))
    found: list[tuple[str, str]] = []
    last_end = -1
    for start, end, preferred in hits:
        if start < last_end:
            continue
        found.append((text[start:end], preferred))
        last_end = end
    return found
