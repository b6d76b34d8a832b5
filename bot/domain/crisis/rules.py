"""The explicit layer: readable rules that catch stated risk, and the scopes that silence them.

The rules and their examples are ``data/rules.yaml``; the scopes (negation, past and
recovery, questions and teaching, idioms, everyday uses, someone else's past death, an
ordinary end of support) are ``data/scopes.yaml``. This module is the engine: it runs every
rule over every sentence (or the whole message) of a normalised message and drops a match
that falls in one of its rule's scopes. It scans the whole text, however long, in linear time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .lexicon import Gate, TableError, alternatives, data_file, required_sets
from .needs import NeedIndex, Needs
from .normalise import split_sentences

__all__ = ["SCOPES", "Rule", "RuleHit", "match_rules", "match_rules_in", "rules"]

#: The scope names a rule may list in ``rules.yaml``.
SCOPES = (
    "negation",
    "past",
    "question",
    "idiom",
    "professional",
    "everyday",
    "past_death",
    "ordinary_ending",
    "joking",
    "coped",
    "trivial_threat",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One readable detection rule: a name staff can read, a kind, a pattern, its scopes."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    scopes: frozenset[str]
    span: str  # "sentence" or "message"
    fires: tuple[str, ...]
    quiet: tuple[str, ...]
    # For each of its pattern's alternatives, sets of text of which every match of that
    # alternative holds one member of each (a cheap, exact gate; see required_sets). None:
    # tried everywhere.
    gate: Gate | None = None
    # one of these is in every match: each alternative's set with the longest shortest
    # member (the rarest, checked first), together (one set test skips most rules)
    needs: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that matched: the rule, the sentence number (from 1; 0 = whole message), kind."""

    rule: Rule
    sentence: int
    kind: str


def _scope(name: str) -> re.Pattern[str]:
    scopes: Mapping[str, Any] = data_file("scopes.yaml")["scopes"]
    if name not in scopes:
        raise TableError(f"scopes.yaml has no scope {name!r}")
    return alternatives(scopes[name], f"scopes.yaml: {name}")


_PAST = _scope("past")
_RECURRENCE = _scope("recurrence")
_PRESENT_NOW = _scope("present_now")
_RESOLVED_MORE = _scope("resolved_more")
_DISTANT_PAST = _scope("distant_past")
_JOKING = _scope("joking")
_URGENT = _scope("urgent")
_ABOUT_ME_NOW = _scope("about_me_now")
_SERIOUS = _scope("serious")
_COPED = _scope("coped")
_TRIVIAL_THREAT = _scope("trivial_threat")
_NEG_AFTER = _scope("negation_after")
_INTENSIFIED = _scope("intensified")
_NEG_BEFORE = _scope("negation_before")
_ASKED_IF = _scope("asked_if")
_ASKED_DENIED = _scope("asked_denied")
_ASKED_UNDENIED = _scope("asked_undenied")
_NOT_SURE = _scope("not_sure")
_EDU_Q = _scope("education_question")
_HYPO = _scope("hypothetical")
_EDU_TOPIC = _scope("education_topic")
_IDIOM = alternatives([_scope("idiom").pattern, _scope("idiom_more").pattern], "scopes.yaml: idiom")
_EVERYDAY = _scope("everyday")
_PAST_DEATH = _scope("past_death")
_EMERGENCY = _scope("emergency")
_ORDINARY_ENDING = _scope("ordinary_ending")
_THIRD_SUBJECT = _scope("third_subject")
_FIRST_SUBJECT = _scope("first_subject")
_FIRST_ANY = re.compile(r"\b(?:i|i'm|i've|me|my)\b")
# "now i'm", "doing well", "proud": a story told from recovery
_RESOLVED = alternatives(data_file("markers.yaml")["markers"]["resolved"], "markers.yaml: resolved")
_PROF = alternatives(data_file("markers.yaml")["markers"]["prof"], "markers.yaml: prof")

_KINDS = ("suicidal", "plan", "overdose", "self_harm", "goodbye", "third_party", "danger")


@functools.cache
def _need_index() -> NeedIndex:
    return NeedIndex.of(rules())


@functools.cache
def rules() -> tuple[Rule, ...]:
    """Return the rules of ``data/rules.yaml``, compiled and checked."""
    out: list[Rule] = []
    names: set[str] = set()
    for n, raw in enumerate(data_file("rules.yaml").get("rules") or [], start=1):
        where = f"rules.yaml: rule {n}"
        if not isinstance(raw, dict) or not {"name", "kind", "patterns", "fires"} <= set(raw):
            raise TableError(f"{where} needs name, kind, patterns and fires")
        name = str(raw["name"])
        if name in names:
            raise TableError(f"{where}: duplicate rule name {name!r}")
        names.add(name)
        if raw["kind"] not in _KINDS:
            raise TableError(f"{where}: unknown kind {raw['kind']!r}")
        scopes = frozenset(raw.get("scopes") or ())
        if not scopes <= set(SCOPES):
            raise TableError(f"{where}: unknown scopes {sorted(scopes - set(SCOPES))}")
        span = str(raw.get("span", "sentence"))
        if span not in ("sentence", "message"):
            raise TableError(f"{where}: span should be sentence or message")
        pattern = alternatives(raw["patterns"], f"{where} ({name})")
        gate = required_sets(pattern.pattern, 2)
        if gate is not None:  # each alternative's rarest set first
            gate = tuple(tuple(sorted(side, key=lambda s: -min(map(len, s)))) for side in gate)
        out.append(
            Rule(
                name=name,
                kind=str(raw["kind"]),
                pattern=pattern,
                gate=gate,
                needs=None if gate is None else frozenset(n for side in gate for n in side[0]),
                scopes=scopes,
                span=span,
                fires=tuple(str(x) for x in raw.get("fires") or ()),
                quiet=tuple(str(x) for x in raw.get("quiet") or ()),
            )
        )
    if not out:
        raise TableError("rules.yaml holds no rules")
    return tuple(out)


class _Message:
    """Facts about the whole message, each found once however many matches ask."""

    def __init__(self, norm: str) -> None:
        self.norm = norm
        self._told_from_recovery: bool | None = None
        self._ordinary_ending: bool | None = None
        self._urgent: bool | None = None
        self._about_me_now: bool | None = None

    @property
    def told_from_recovery(self) -> bool:
        """A past story told from recovery ("years ago ... now i'm doing well")."""
        if self._told_from_recovery is None:
            self._told_from_recovery = bool(
                _PAST.search(self.norm)
                and (_RESOLVED.search(self.norm) or _RESOLVED_MORE.search(self.norm))
            )
        return self._told_from_recovery

    @property
    def urgent(self) -> bool:
        """Signs of an emergency anywhere in the message ("she's being sick")."""
        if self._urgent is None:
            self._urgent = bool(_URGENT.search(self.norm))
        return self._urgent

    @property
    def about_me_now(self) -> bool:
        """The asker says the question is about them now ("because that is me now")."""
        if self._about_me_now is None:
            self._about_me_now = bool(_ABOUT_ME_NOW.search(self.norm))
        return self._about_me_now

    @property
    def ordinary_ending(self) -> bool:
        """An ordinary end of support ("see you next week", "moving to perth")."""
        if self._ordinary_ending is None:
            self._ordinary_ending = bool(_ORDINARY_ENDING.search(self.norm))
        return self._ordinary_ending


def _silenced(rule: Rule, sent: str, start: int, end: int, msg: _Message) -> bool:
    """True when one of the rule's scopes says this match is not a crisis now."""
    s = rule.scopes
    before = sent[max(0, start - 60) : start]
    after = sent[end:]
    if "past" in s and (
        _DISTANT_PAST.search(sent)
        or (
            not _RECURRENCE.search(sent)
            and (_PAST.search(sent) or (msg.told_from_recovery and not _PRESENT_NOW.search(sent)))
        )
    ):
        return True
    if (
        "negation" in s
        and not _NOT_SURE.search(sent)
        and (_NEG_BEFORE.search(before) or _NEG_AFTER.search(after))
        and not _INTENSIFIED.search(after)
    ):
        return True
    if (
        "negation" in s
        and (_ASKED_IF.search(before) or _ASKED_IF.search(_before_last_word(sent, start, end)))
        and _asked_and_denied(sent, end, msg)
    ):
        return True
    if (
        "question" in s
        and (_EDU_Q.search(sent) or _HYPO.search(sent))
        and not msg.urgent
        and not msg.about_me_now
    ):
        return True
    if "professional" in s:
        speaking = _FIRST_SUBJECT.search(before[-25:])  # "i'm the one ... wanting to die"
        if rule.kind == "third_party":
            if _EDU_TOPIC.search(sent):
                return True
        elif not speaking and (
            (_PROF.search(sent) and not _FIRST_ANY.search(sent)) or _EDU_TOPIC.search(sent)
        ):
            return True
    if "idiom" in s and any(
        i.start() < end + 15 and i.end() > start - 15 for i in _IDIOM.finditer(sent)
    ):
        return True
    if "everyday" in s and _EVERYDAY.search(sent):
        return True
    if "past_death" in s and _PAST_DEATH.search(sent) and not _EMERGENCY.search(sent):
        return True
    if "joking" in s and _JOKING.search(sent) and not _SERIOUS.search(msg.norm):
        return True
    if "coped" in s and _COPED.search(msg.norm):
        return True
    if "trivial_threat" in s and _TRIVIAL_THREAT.search(sent):
        return True
    return "ordinary_ending" in s and msg.ordinary_ending


def _asked_and_denied(sent: str, end: int, msg: _Message) -> bool:
    """After a reported question ("they asked if i'm suicidal"), the writer's answer was no,
    in this sentence or the next ones, and not taken back."""
    at = msg.norm.find(sent)
    rest = msg.norm[at + end :] if at >= 0 else sent[end:]
    denied = _ASKED_DENIED.search(rest)
    return denied is not None and not _ASKED_UNDENIED.search(rest, denied.end())


def _before_last_word(sent: str, start: int, end: int) -> str:
    """The words before a match's last word, when the match spans the question someone
    asked ("my psychiatrist asked me do you have suicidal")."""
    last = _LAST_WORD.search(sent, start, end)
    return sent[max(0, end - 90) : last.start()] if last is not None else ""


_LAST_WORD = re.compile(r"\w+$")


def _hit_kind(rule: Rule, sent: str, start: int) -> str:
    # "my sister took a whole packet" is someone else at risk, whatever the rule's own kind:
    # a third-person subject just before the match with no "I" after it.
    if rule.kind in ("third_party", "danger"):
        return rule.kind
    before = sent[max(0, start - 50) : start]
    last_third = max((m.end() for m in _THIRD_SUBJECT.finditer(before)), default=-1)
    if last_third >= 0 and not _FIRST_SUBJECT.search(before[last_third:]):
        return "third_party"
    return rule.kind


_THIRD_PARTY_DEATH = re.compile(
    r"\b(?:killed|kill) (?:himself|herself|themselves|themself)\b"
    r"|\b(?:took|taken) (?:his|her|their) (?:own )?life\b"
    r"|\btake (?:his|her|their) own life (?:in )?(?:19|20)\d\d\b"
)


def match_rules(norm: str, *, only: str | None = None) -> list[RuleHit]:
    """Return every unsilenced rule match in a normalised message (``only``: one rule)."""
    sents = split_sentences(norm, windows=False) or [norm]
    needs = Needs(norm, sents, _need_index())
    return _match(norm, sents, needs, [r for r in rules() if only is None or r.name == only])


def match_rules_in(norm: str, parts: Sequence[str]) -> tuple[int, list[RuleHit]]:
    """The rule matches in a normalised message, or else in the first of its ``parts`` (each
    read as a message of its own) that has any: (0, hits) for the whole, (n, hits) for part
    n (from 1), (-1, []) for none.

    A part is tried only with the rules whose needs the whole message holds: a rule that
    cannot match the whole cannot match a piece of it.
    """
    sents = split_sentences(norm, windows=False) or [norm]
    needs = Needs(norm, sents, _need_index())
    hits = _match(norm, sents, needs, rules())
    if hits or not parts:
        return (0, hits) if hits else (-1, [])
    maybe = [r for r in rules() if needs.may_match(r)]
    for n, part in enumerate(parts, start=1):
        part_sents = split_sentences(part, windows=False) or [part]
        part_needs = Needs(part, part_sents, _need_index(), within=needs)
        hits = _match(part, part_sents, part_needs, maybe)
        if hits:
            return n, hits
    return -1, []


def _match(norm: str, sents: list[str], needs: Needs, tried: Sequence[Rule]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    msg = _Message(norm)
    anchors = needs.anchors
    for rule in tried:
        # cannot match anywhere in this message (`_Needs.may_match`, inline: most rules
        # stop at the first test)
        if rule.needs is not None and (rule.needs.isdisjoint(anchors) or not needs.open(rule)):
            continue
        where = [(0, norm)] if rule.span == "message" else needs.sentences(rule)
        for i, sent in where:
            for m in rule.pattern.finditer(sent):
                if _silenced(rule, sent, m.start(), m.end(), msg):
                    continue
                kind = _hit_kind(rule, sent, m.start())
                # someone else's death, told as having happened, is grief, not risk now
                if (
                    kind == "third_party"
                    and _THIRD_PARTY_DEATH.search(sent)
                    and _PAST_DEATH.search(sent)
                    and not _EMERGENCY.search(sent)
                ):
                    continue
                hits.append(RuleHit(rule, i, kind))
                break
    # danger from someone (aimed at "me") outranks someone else at risk, which outranks the
    # rest; otherwise the order of the rules file
    hits.sort(key=lambda h: (h.kind != "danger", h.kind != "third_party"))
    return hits
