"""Peer matching rules: who may be offered to whom, and in what order.

Pure functions over frozen dataclasses; the current time is passed in. The person chooses
from the shortlist; nothing here assigns anyone (study: Results, "consumer choice";
Table 3, items 3 and 5).

Ranking, best first:
1. how many of the person's stated preferences the profile fits (more is better);
2. lighter caseload (requested + active matches);
3. sooner availability (open now, else when the next nominated window opens);
4. the peer worker's id, so the order never depends on anything but the data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress, repeat
from operator import ge, sub
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.hours import Window, local_instant, next_open
from bot.domain.roles import RELATIONSHIPS

__all__ = [
    "ANY",
    "CHOICES",
    "FREE_TEXT_PREFS",
    "MULTI_ATTRIBUTES",
    "Candidate",
    "Match",
    "MatchPolicy",
    "PeerPool",
    "PeerProfile",
    "clean_list",
    "clean_text_value",
    "fitting_preferences",
    "is_offerable",
    "offerable_kinds",
    "preference_questions",
    "profile_attribute_keys",
    "profile_features",
    "rank_key",
    "shortlist",
    "wanted_features",
]

ANY = "any"
SUPPORT_MODES = ("individual", "group")

# Preference/attribute values chosen from buttons. Language and culture are typed by peer
# workers in their own words; a person is offered the values peer workers actually wrote.
CHOICES: Mapping[str, tuple[str, ...]] = {
    "gender": ("woman", "man", "non_binary"),
    "age_band": ("18_25", "26_35", "36_50", "51_plus"),
    "lived_bpd": ("yes",),
    "recovery_stage": ("early", "steady", "long_term"),
    "lgbtqia": ("yes",),
    "support_mode": SUPPORT_MODES,
    "frequency": ("weekly", "fortnightly", "monthly"),
    "relationship": RELATIONSHIPS,
    "years_caring": ("under_2", "2_5", "5_10", "10_plus"),
}
FREE_TEXT_PREFS = ("language", "culture")

_CONSUMER_QUESTIONS = ("gender", "age_band", "lived_bpd", "recovery_stage", "language",
                       "culture", "lgbtqia", "support_mode", "frequency")
_CARER_QUESTIONS = ("relationship", "years_caring", "gender", "language", "support_mode",
                    "frequency")

# Profile attributes holding several values (lists in the stored JSON).
MULTI_ATTRIBUTES = ("languages", "support_modes", "frequency", "relationships")
_CONSUMER_PEER_ATTRS = ("gender", "age_band", "lived_bpd", "recovery_stage", "languages",
                        "culture", "lgbtqia", "support_modes", "frequency")
_CARER_PEER_ATTRS = ("relationships", "years_caring", "gender", "age_band", "languages",
                     "culture", "lgbtqia", "support_modes", "frequency")


@dataclass(frozen=True, slots=True)
class PeerProfile:
    """A peer worker as the matching rules see them."""

    user_id: int
    kind: str  # consumer_peer or carer_peer
    display_name: str
    bio: str
    attributes: Mapping[str, Any]
    caseload_cap: int
    hours: tuple[Window, ...]
    timezone: str
    paused: bool
    active: bool


@dataclass(frozen=True, slots=True)
class Match:
    """A request or a match between a person and a peer worker."""

    id: int
    person_id: int
    peer_id: int
    status: str  # requested, active, declined, expired, withdrawn, ended
    preferences: Mapping[str, str]
    requested_at: datetime
    respond_by: datetime | None
    accepted_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None = None

    @property
    def live(self) -> bool:
        """Requested or active: it holds a place in the peer worker's caseload."""
        return self.status in ("requested", "active")


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """The service's cross-support setting (Table 3, item 3)."""

    consumer_peers_support_carers: bool = True
    carer_peers_support_consumers: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """One peer worker on a shortlist, with what fits and when they are next available."""

    profile: PeerProfile
    fits: tuple[str, ...]  # preference keys the profile fits, in question order
    caseload: int
    next_available: datetime | None


# -- small text helpers ------------------------------------------------------------------

def clean_text_value(text: str) -> str:
    """A language or culture as typed, tidied: single spaces, no edges, at most 40 chars."""
    return " ".join(text.split())[:40]


def clean_list(text: str) -> tuple[str, ...]:
    """Comma-separated values (languages), tidied, without repeats, at most eight."""
    seen: dict[str, str] = {}
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        value = clean_text_value(part)
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return tuple(seen.values())[:8]


# -- questions and attributes ---------------------------------------------------------------

def preference_questions(role: str) -> tuple[str, ...]:
    """The optional preference questions for a consumer or a carer, in order."""
    if role == "carer":
        return _CARER_QUESTIONS
    if role == "consumer":
        return _CONSUMER_QUESTIONS
    raise ValueError(f"only consumers and carers ask for a match, not {role!r}")


def profile_attribute_keys(kind: str) -> tuple[str, ...]:
    """The optional profile attributes a consumer or carer peer worker may fill in."""
    if kind == "carer_peer":
        return _CARER_PEER_ATTRS
    if kind == "consumer_peer":
        return _CONSUMER_PEER_ATTRS
    raise ValueError(f"not a peer worker kind: {kind!r}")


# -- eligibility -------------------------------------------------------------------------

def offerable_kinds(role: str, policy: MatchPolicy) -> tuple[str, ...]:
    """Which kinds of peer worker a person in ROLE may be offered."""
    if role == "consumer":
        return ("consumer_peer", "carer_peer") if policy.carer_peers_support_consumers \
            else ("consumer_peer",)
    if role == "carer":
        return ("carer_peer", "consumer_peer") if policy.consumer_peers_support_carers \
            else ("carer_peer",)
    return ()


def is_offerable(profile: PeerProfile, caseload: int) -> bool:
    """Whether PROFILE may be offered to anyone now: active, not paused, under their cap."""
    return profile.active and not profile.paused and caseload < profile.caseload_cap


# -- fit -----------------------------------------------------------------------------------

def _norm(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def profile_features(profile: PeerProfile) -> frozenset[str]:
    """Everything about PROFILE a preference can ask for, as 'key:value' strings."""
    a = profile.attributes
    out: set[str] = set()
    for key in ("gender", "age_band", "recovery_stage"):
        if a.get(key):
            out.add(f"{key}:{a[key]}")
    for key in ("lived_bpd", "lgbtqia"):
        if a.get(key) is True:
            out.add(f"{key}:yes")
    if a.get("culture"):
        out.add(f"culture:{_norm(a['culture'])}")
    out.update(f"language:{_norm(v)}" for v in a.get("languages") or ())
    out.update(f"support_mode:{v}" for v in a.get("support_modes") or ())
    out.update(f"frequency:{v}" for v in a.get("frequency") or ())
    out.update(f"relationship:{v}" for v in a.get("relationships") or ())
    years = a.get("years_caring")
    if years in CHOICES["years_caring"]:
        # "at least this long": a band fits every preference up to and including it.
        bands = CHOICES["years_caring"]
        out.update(f"years_caring:{b}" for b in bands[: bands.index(years) + 1])
    return frozenset(out)


def wanted_features(preferences: Mapping[str, str]) -> dict[str, str]:
    """The features a person's stated preferences ask for, mapped back to each question."""
    wanted: dict[str, str] = {}
    for key, value in preferences.items():
        if not value or value == ANY:
            continue
        if key in FREE_TEXT_PREFS:
            wanted[f"{key}:{_norm(value)}"] = key
        elif value in CHOICES.get(key, ()):
            wanted[f"{key}:{value}"] = key
    return wanted


def _question_order(key: str) -> int:
    order = (*_CONSUMER_QUESTIONS, *_CARER_QUESTIONS)
    return order.index(key) if key in order else len(order)


def fitting_preferences(profile: PeerProfile, preferences: Mapping[str, str]) -> tuple[str, ...]:
    """The preference keys PROFILE fits, in question order."""
    features = profile_features(profile)
    return tuple(sorted((key for feature, key in wanted_features(preferences).items()
                         if feature in features), key=_question_order))


def rank_key(fit_count: int, caseload: int, next_available: datetime | None,
             peer_id: int) -> tuple[int, int, float, int]:
    """The sort key of a candidate: better fit, lighter caseload, sooner, then the id."""
    soon = next_available.timestamp() if next_available is not None else float("inf")
    return (-fit_count, caseload, soon, peer_id)


# -- the shortlist -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Entry:
    profile: PeerProfile
    features: frozenset[str]
    tz: ZoneInfo
    starts: tuple[float, ...]  # UTC opens of the covered days' windows, merged and sorted
    ends: tuple[float, ...]    # the matching closes (also sorted, as spans don't overlap)


def _instants(profile: PeerProfile, tz: ZoneInfo, now: datetime
              ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    today = now.astimezone(tz).date()
    spans: list[tuple[float, float]] = []
    for offset in range(-1, 10):
        day = today + timedelta(days=offset)
        for w in profile.hours:
            if w.weekday == day.weekday():
                spans.append((local_instant(day, w.start, tz).timestamp(),
                              local_instant(day, w.end, tz).timestamp()))
    spans.sort()
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(s for s, _ in merged), tuple(e for _, e in merged)


_INF = float("inf")
_TIER_BITS = 20  # caseloads stay far below 2**20, so (fit, caseload) packs into one int
_TIER = 1 << _TIER_BITS
_NEVER = 1 << 60  # the key of someone who may not be offered


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind's prepared entries, in columns, so ranking runs as C-level maps."""

    entries: tuple[_Entry, ...]
    uids: tuple[int, ...]
    caps: tuple[int, ...]
    masks: tuple[int, ...]  # each entry's features as bits of the pool's vocabulary
    index: Mapping[int, int]


@dataclass(frozen=True)
class PeerPool:
    """Peer workers prepared for ranking: features and the next days' windows worked out
    once (at AS_OF), so each shortlist costs a few passes of C-level set and int operations.

    Queries within a day of AS_OF use the prepared windows; later ones fall back to
    `next_open`, so the answer is always right, only slower. Paused and inactive peer
    workers are left out here already: they are never offered.
    """

    as_of: datetime
    kinds: Mapping[str, _Kind] = field(repr=False)
    vocabulary: Mapping[str, int] = field(repr=False)  # feature -> its bit

    @classmethod
    def build(cls, profiles: Iterable[PeerProfile], as_of: datetime) -> PeerPool:
        """Prepare PROFILES for ranking at about AS_OF."""
        by_kind: dict[str, list[_Entry]] = {}
        zones: dict[str, ZoneInfo] = {}
        for p in profiles:
            if not p.active or p.paused:
                continue
            tz = zones.get(p.timezone) or zones.setdefault(p.timezone, ZoneInfo(p.timezone))
            starts, ends = _instants(p, tz, as_of)
            by_kind.setdefault(p.kind, []).append(
                _Entry(p, profile_features(p), tz, starts, ends))
        vocabulary: dict[str, int] = {}
        kinds = {}
        for kind, entries in by_kind.items():
            masks = []
            for e in entries:
                mask = 0
                for feature in e.features:
                    mask |= 1 << vocabulary.setdefault(feature, len(vocabulary))
                masks.append(mask)
            uids = tuple(e.profile.user_id for e in entries)
            kinds[kind] = _Kind(tuple(entries), uids,
                                tuple(e.profile.caseload_cap for e in entries),
                                tuple(masks), {uid: i for i, uid in enumerate(uids)})
        return cls(as_of, kinds, vocabulary)

    def _soonest(self, entry: _Entry, now: datetime, ts: float, prepared: bool) -> float:
        """When ENTRY is next available, as a timestamp (TS if open now, inf if never)."""
        if prepared:
            i = bisect_right(entry.ends, ts)
            if i < len(entry.starts):
                start = entry.starts[i]
                return ts if start <= ts else start
            if not entry.profile.hours:
                return _INF
        opens = next_open(entry.profile.hours, entry.tz, now)
        return _INF if opens is None else opens.timestamp()

    def _tier_keys(self, kind: _Kind, want: int, caseloads: Mapping[int, int],
                   excluded: frozenset[int]) -> list[int]:
        """Fit and caseload packed as one int per entry (smaller is better: more fit, then
        lighter load), _NEVER for those at their cap or excluded."""
        n = len(kind.uids)
        loads = list(map(caseloads.get, kind.uids, repeat(0, n)))
        if want:
            fits = map(int.bit_count, map(want.__and__, kind.masks))
            keys = list(map(sub, loads, map(_TIER.__mul__, fits)))
        else:
            keys = loads
        for i in compress(range(n), map(ge, loads, kind.caps)):
            keys[i] = _NEVER
        for uid in excluded:
            j = kind.index.get(uid)
            if j is not None:
                keys[j] = _NEVER
        return keys

    def shortlist(self, *, role: str, preferences: Mapping[str, str],
                  caseloads: Mapping[int, int], policy: MatchPolicy, now: datetime,
                  exclude: Iterable[int] = (), limit: int = 3, offset: int = 0
                  ) -> list[Candidate]:
        """Up to LIMIT offerable peer workers for a person in ROLE, best first, skipping
        the first OFFSET (for "see others") and anyone in EXCLUDE."""
        kinds = [self.kinds[k] for k in offerable_kinds(role, policy) if k in self.kinds]
        if not kinds or limit <= 0:
            return []
        excluded = frozenset(exclude)
        wanted = wanted_features(preferences)
        want = 0
        for feature in wanted:
            bit = self.vocabulary.get(feature)
            if bit is not None:  # a feature nobody has fits nobody
                want |= 1 << bit
        keys: list[int] = []
        entries: list[_Entry] = []
        for kind in kinds:
            keys += self._tier_keys(kind, want, caseloads, excluded)
            entries += kind.entries
        # Everyone ranked as well as the page's last place: only they need availability.
        ordered = sorted(keys)
        offerable = bisect_left(ordered, _NEVER)
        if offerable == 0:
            return []
        threshold = ordered[min(offset + limit, offerable) - 1]
        need = offset + limit
        ts = now.timestamp()
        prepared = self.as_of <= now < self.as_of + timedelta(days=1)
        picked = [(keys[i], self._soonest(entries[i], now, ts, prepared),
                   entries[i].profile.user_id, i)
                  for i in compress(range(len(keys)), map(threshold.__ge__, keys))]
        page = sorted(picked)[offset:need]
        asked = preference_questions(role)
        order = sorted(wanted.items(),
                       key=lambda item: asked.index(item[1]) if item[1] in asked else len(asked))
        out = []
        for key, soon, _, i in page:
            e = entries[i]
            when = None if soon == _INF else (now if soon <= ts
                                              else datetime.fromtimestamp(soon, now.tzinfo))
            out.append(Candidate(e.profile, tuple(k for f, k in order if f in e.features),
                                 key % _TIER, when))
        return out


def shortlist(profiles: Sequence[PeerProfile], *, role: str, preferences: Mapping[str, str],
              caseloads: Mapping[int, int], policy: MatchPolicy, now: datetime,
              exclude: Iterable[int] = (), limit: int = 3, offset: int = 0) -> list[Candidate]:
    """Up to LIMIT peer workers a person in ROLE may choose from, best first (see the module
    docstring for the order). Paused, at-cap and inactive peer workers are never offered."""
    return PeerPool.build(profiles, now).shortlist(
        role=role, preferences=preferences, caseloads=caseloads, policy=policy, now=now,
        exclude=exclude, limit=limit, offset=offset)
