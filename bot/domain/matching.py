"""Peer matching rules: who may be offered to whom, and in what order.

Pure functions over frozen dataclasses; the current time is passed in. The person chooses
from the shortlist; nothing here assigns anyone (study: Results, "consumer choice";
Table 3, items 3 and 5).

Ranking, best first (peer workers of the person's own kind, consumer peer workers for a
consumer and carer peer workers for a carer, all come before those of the other kind the
service's policy also allows: DESIGN.md rule 1; then within each kind):
1. how many of the person's stated preferences the profile fits (more is better);
2. lighter caseload (requested + active matches);
3. sooner availability (open now, else when the next nominated window opens);
4. the peer worker's id, so the order never depends on anything but the data.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from heapq import heappop, heappush, nsmallest
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.hours import Window, local_instant, next_open
from bot.domain.roles import RELATIONSHIPS

__all__ = [
    "ANY",
    "CHOICES",
    "FREE_TEXT_OPTIONS",
    "FREE_TEXT_PREFS",
    "MULTI_ATTRIBUTES",
    "Candidate",
    "Match",
    "MatchPolicy",
    "PeerPool",
    "PeerProfile",
    "asked_questions",
    "candidate",
    "clean_list",
    "clean_text_value",
    "fitting_preferences",
    "free_text_options",
    "is_offerable",
    "next_question",
    "offerable_kinds",
    "option_values",
    "preference_questions",
    "previous_question",
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
FREE_TEXT_OPTIONS = 8  # languages or cultures offered as buttons, most common first

_CONSUMER_QUESTIONS = (
    "gender",
    "age_band",
    "lived_bpd",
    "recovery_stage",
    "language",
    "culture",
    "lgbtqia",
    "support_mode",
    "frequency",
)
_CARER_QUESTIONS = (
    "relationship",
    "years_caring",
    "gender",
    "language",
    "support_mode",
    "frequency",
)

# Profile attributes holding several values (lists in the stored JSON).
MULTI_ATTRIBUTES = ("languages", "support_modes", "frequency", "relationships")
_CONSUMER_PEER_ATTRS = (
    "gender",
    "age_band",
    "lived_bpd",
    "recovery_stage",
    "languages",
    "culture",
    "lgbtqia",
    "support_modes",
    "frequency",
)
_CARER_PEER_ATTRS = (
    "relationships",
    "years_caring",
    "gender",
    "age_band",
    "languages",
    "culture",
    "lgbtqia",
    "support_modes",
    "frequency",
)


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


def option_values(key: str, options: Mapping[str, Sequence[str]]) -> list[str]:
    """The answers offered for question KEY: fixed choices, or (language, culture) what
    peer workers wrote, as in OPTIONS."""
    if key in FREE_TEXT_PREFS:
        return list(options.get(key, ()))
    return list(CHOICES[key])


def asked_questions(role: str, options: Mapping[str, Sequence[str]]) -> list[int]:
    """The indexes of ROLE's questions that have answers to offer (a free-text question
    nobody wrote anything for is left out), in order."""
    questions = preference_questions(role)
    return [i for i, key in enumerate(questions) if key not in FREE_TEXT_PREFS or options.get(key)]


def next_question(role: str, options: Mapping[str, Sequence[str]], start: int) -> int | None:
    """The first question from START on that has answers to offer, or None when none is
    left."""
    return next((i for i in asked_questions(role, options) if i >= start), None)


def previous_question(role: str, options: Mapping[str, Sequence[str]], before: int) -> int | None:
    """The last question before BEFORE that has answers to offer, or None."""
    return next((i for i in reversed(asked_questions(role, options)) if i < before), None)


def free_text_options(
    profiles: Iterable[PeerProfile], *, limit: int = FREE_TEXT_OPTIONS
) -> dict[str, list[str]]:
    """The languages and cultures PROFILES wrote, most common first (ties by name), each
    as first written, at most LIMIT of each."""
    profiles = list(profiles)
    out: dict[str, list[str]] = {}
    for key, attr in (("language", "languages"), ("culture", "culture")):
        seen: dict[str, str] = {}
        counts: dict[str, int] = {}
        for profile in profiles:
            values = profile.attributes.get(attr) or ()
            for value in [values] if isinstance(values, str) else values:
                tidy = " ".join(str(value).split())
                norm = tidy.casefold()
                if norm:
                    seen.setdefault(norm, tidy)
                    counts[norm] = counts.get(norm, 0) + 1
        ranked = sorted(counts, key=lambda n: (-counts[n], n))[:limit]
        out[key] = [seen[n] for n in ranked]
    return out


# -- eligibility -------------------------------------------------------------------------


def offerable_kinds(role: str, policy: MatchPolicy) -> tuple[str, ...]:
    """Which kinds of peer worker a person in ROLE may be offered."""
    if role == "consumer":
        return (
            ("consumer_peer", "carer_peer")
            if policy.carer_peers_support_consumers
            else ("consumer_peer",)
        )
    if role == "carer":
        return (
            ("carer_peer", "consumer_peer")
            if policy.consumer_peers_support_carers
            else ("carer_peer",)
        )
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
    return tuple(
        sorted(
            (key for feature, key in wanted_features(preferences).items() if feature in features),
            key=_question_order,
        )
    )


def candidate(
    profile: PeerProfile,
    *,
    role: str,
    preferences: Mapping[str, str],
    caseload: int,
    policy: MatchPolicy,
    now: datetime,
) -> Candidate | None:
    """PROFILE as one candidate for a person in ROLE, as a shortlist shows them (fits in the
    role's question order, when next available); None if they may not be offered now."""
    if profile.kind not in offerable_kinds(role, policy) or not is_offerable(profile, caseload):
        return None
    asked = preference_questions(role)
    fits = sorted(
        fitting_preferences(profile, preferences),
        key=lambda k: asked.index(k) if k in asked else len(asked),
    )
    opens = next_open(profile.hours, ZoneInfo(profile.timezone), now)
    return Candidate(profile, tuple(fits), caseload, opens)


def rank_key(
    fit_count: int, caseload: int, next_available: datetime | None, peer_id: int
) -> tuple[int, int, float, int]:
    """The sort key of a candidate: better fit, lighter caseload, sooner, then the id."""
    soon = next_available.timestamp() if next_available is not None else float("inf")
    return (-fit_count, caseload, soon, peer_id)


# -- the shortlist -------------------------------------------------------------------------
#
# A PeerPool is prepared once and then answers many shortlists. Each peer worker gets one
# bit (in user-id order), and everything a query needs is a set of bits held in one int:
# who is of each kind, who has each feature, who is open during each 15-minute slot of the
# next days. A shortlist then costs a few dozen C-level operations on 10,000-bit ints plus
# a little work for the handful of people who make the page, not a pass over everyone:
#
# 1. eligible = the offerable kinds, minus those at their cap, paused, inactive, excluded;
# 2. fit: the wanted features' sets are added up bit-sliced (a binary counter per bit), so
#    "everyone who fits exactly F preferences" is a few ANDs, taken from the best F down;
# 3. caseload: within a fit, everyone with the same caseload is one set (prepared once per
#    caseload mapping), taken from the lightest up;
# 4. availability, only within the one (fit, caseload) group the page's last place falls
#    in: a small group is worked out one by one; a big one walks the slots from now on,
#    where "open throughout this slot" needs no arithmetic and only peer workers whose
#    window opens or closes inside a slot are worked out exactly;
# 5. ties left after that go to the lower user id (bit order).
#
# tests/test_matching_domain.py checks the result equals the plain definition (sort
# everyone by rank_key) over random pools, preferences, caseloads and times.

_INF = float("inf")
_SLOT_S = 900  # the availability grid's step: 15 minutes
_BLOCK = 16  # slots per block (4 hours), to skip quiet stretches at once
_GRID_S = 9 * 86_400  # the grid reaches this far past AS_OF
_FRESH = timedelta(days=1)  # shortlists this soon after AS_OF use the prepared windows
_SMALL = 48  # a tied group up to this size is worked out one by one
_MEMO = 4  # caseload mappings remembered per pool


def _bitset(indices: Iterable[int], size: int) -> int:
    """The int whose set bits are INDICES (each below SIZE)."""
    buf = bytearray((size >> 3) + 1)
    for i in indices:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def _members(bits: int) -> Iterator[int]:
    """The set bits of BITS, lowest first."""
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


@dataclass(frozen=True, slots=True)
class _Entry:
    profile: PeerProfile
    features: frozenset[str]
    tz: ZoneInfo
    starts: tuple[float, ...]  # UTC opens of the covered days' windows, merged and sorted
    ends: tuple[float, ...]  # the matching closes (also sorted, as spans don't overlap)


def _instants(
    profile: PeerProfile,
    tz: ZoneInfo,
    now: datetime,
    seen: dict[tuple[str, date, int], float] | None = None,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The UTC spans PROFILE is open on the local days around NOW (SEEN remembers instants
    across profiles: many share a time zone and round hours)."""
    seen = {} if seen is None else seen
    today = now.astimezone(tz).date()
    spans: list[tuple[float, float]] = []
    for offset in range(-1, 11):
        day = today + timedelta(days=offset)
        weekday = day.weekday()
        for w in profile.hours:
            if w.weekday == weekday:
                pair = []
                for minutes in (w.start, w.end):
                    key = (tz.key, day, minutes)
                    at = seen.get(key)
                    if at is None:
                        at = seen[key] = local_instant(day, minutes, tz).timestamp()
                    pair.append(at)
                spans.append((pair[0], pair[1]))
    spans.sort()
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(s for s, _ in merged), tuple(e for _, e in merged)


@dataclass(frozen=True, slots=True)
class _Grid:
    """Who is open during each slot [t0 + s*_SLOT_S, t0 + (s+1)*_SLOT_S)."""

    t0: int
    full: tuple[int, ...]  # open throughout the slot
    part: tuple[int, ...]  # open, opening or closing somewhere inside it, not throughout
    blocks: tuple[int, ...]  # full | part over each _BLOCK slots


def _grid(entries: Sequence[_Entry], as_of: datetime) -> _Grid:
    size = len(entries)
    t0 = int(as_of.timestamp()) // _SLOT_S * _SLOT_S
    slots = -(-(int(as_of.timestamp()) + _GRID_S - t0) // _SLOT_S)
    end = t0 + slots * _SLOT_S
    # Each range of slots becomes two toggles (where it starts and where it ends), so a
    # running XOR over the slots gives who is in each. Full ranges of one person never
    # touch (their spans don't); "any" ranges may, so they are merged first.
    full_at: list[list[int]] = [[] for _ in range(slots + 1)]
    any_at: list[list[int]] = [[] for _ in range(slots + 1)]
    for i, e in enumerate(entries):
        lo_any = hi_any = -1
        for a, b in zip(e.starts, e.ends, strict=True):
            start, stop = max(int(a), t0), min(int(b), end)
            if start >= end or stop < t0:
                continue
            lo, hi = (start - t0) // _SLOT_S, -((t0 - stop) // _SLOT_S)
            hi = max(hi, lo + 1)  # a window that is empty that day (a DST gap) still counts
            full_lo, full_hi = -((t0 - start) // _SLOT_S), (stop - t0) // _SLOT_S
            if full_lo < full_hi:
                full_at[full_lo].append(i)
                full_at[full_hi].append(i)
            if lo <= hi_any:
                hi_any = max(hi_any, hi)
            else:
                if hi_any >= 0:
                    any_at[lo_any].append(i)
                    any_at[hi_any].append(i)
                lo_any, hi_any = lo, hi
        if hi_any >= 0:
            any_at[lo_any].append(i)
            any_at[hi_any].append(i)
    full: list[int] = []
    part: list[int] = []
    now_full = now_any = 0
    for s in range(slots):
        if full_at[s]:
            now_full ^= _bitset(full_at[s], size)
        if any_at[s]:
            now_any ^= _bitset(any_at[s], size)
        full.append(now_full)
        part.append(now_any & ~now_full)
    blocks = []
    for b in range(0, slots, _BLOCK):
        union = 0
        for s in range(b, min(b + _BLOCK, slots)):
            union |= full[s] | part[s]
        blocks.append(union)
    return _Grid(t0, tuple(full), tuple(part), tuple(blocks))


@dataclass(frozen=True, slots=True)
class _Loads:
    """One caseload mapping, prepared: who is under their cap, grouped by caseload."""

    source: dict[int, int]
    offerable: int
    levels: tuple[tuple[int, int], ...]  # (caseload, who), lightest first, none empty


@dataclass(frozen=True, eq=False)
class PeerPool:
    """Peer workers prepared for ranking: features and the next days' windows worked out
    once (at AS_OF), so each shortlist costs a few dozen C-level operations on big ints.

    Queries within a day of AS_OF use the prepared windows; later (or earlier) ones fall
    back to `next_open`, so the answer is always right, only slower. Paused and inactive
    peer workers are left out here already: they are never offered.
    """

    as_of: datetime
    entries: tuple[_Entry, ...] = field(repr=False)  # by user id; entry i is bit i
    index: Mapping[int, int] = field(repr=False)  # user id -> bit
    uids: tuple[int, ...] = field(repr=False)
    caps: tuple[int, ...] = field(repr=False)
    kinds: Mapping[str, int] = field(repr=False)  # kind -> who
    features: Mapping[str, int] = field(repr=False)  # feature -> who has it
    no_hours: int = field(repr=False)
    no_cap: int = field(repr=False)  # a cap of 0: never offerable
    grid: _Grid = field(repr=False)
    _memo: list[_Loads] = field(default_factory=list, repr=False)

    @classmethod
    def build(
        cls, profiles: Iterable[PeerProfile], as_of: datetime, previous: PeerPool | None = None
    ) -> PeerPool:
        """Prepare PROFILES for ranking at about AS_OF (reusing what PREVIOUS, a pool
        prepared at the same AS_OF, worked out for profiles that have not changed)."""
        chosen = {p.user_id: p for p in profiles if p.active and not p.paused}
        zones: dict[str, ZoneInfo] = {}
        seen: dict[tuple[str, date, int], float] = {}
        # Profiles unchanged since PREVIOUS (prepared at the same time) keep their entry.
        reuse = previous.index if previous is not None and previous.as_of == as_of else {}
        entries = []
        for uid in sorted(chosen):
            p = chosen[uid]
            j = reuse.get(uid)
            if j is not None and previous is not None and previous.entries[j].profile == p:
                entries.append(previous.entries[j])
                continue
            tz = zones.get(p.timezone) or zones.setdefault(p.timezone, ZoneInfo(p.timezone))
            starts, ends = _instants(p, tz, as_of, seen)
            entries.append(_Entry(p, profile_features(p), tz, starts, ends))
        size = len(entries)
        by_kind: dict[str, list[int]] = {}
        by_feature: dict[str, list[int]] = {}
        no_hours, no_cap = [], []
        for i, e in enumerate(entries):
            by_kind.setdefault(e.profile.kind, []).append(i)
            for feature in e.features:
                by_feature.setdefault(feature, []).append(i)
            if not e.profile.hours:
                no_hours.append(i)
            if e.profile.caseload_cap <= 0:
                no_cap.append(i)
        uids = tuple(e.profile.user_id for e in entries)
        return cls(
            as_of,
            tuple(entries),
            {uid: i for i, uid in enumerate(uids)},
            uids,
            tuple(e.profile.caseload_cap for e in entries),
            {k: _bitset(v, size) for k, v in by_kind.items()},
            {f: _bitset(v, size) for f, v in by_feature.items()},
            _bitset(no_hours, size),
            _bitset(no_cap, size),
            _grid(entries, as_of),
        )

    def fresh(self, now: datetime) -> bool:
        """Whether shortlists at NOW use the prepared windows (else they are right but slow,
        and it is time to build the pool again)."""
        return self.as_of <= now < self.as_of + _FRESH

    # -- caseloads ---------------------------------------------------------------------

    def _loads(self, caseloads: Mapping[int, int]) -> _Loads:
        """CASELOADS prepared, reusing a recent preparation of an equal mapping (comparing
        two dicts is one C-level pass, far cheaper than preparing anew)."""
        source = caseloads if isinstance(caseloads, dict) else dict(caseloads)
        for prepared in self._memo:
            if prepared.source == source:
                return prepared
        made = self._prepare_loads(dict(source))
        self._memo.insert(0, made)
        del self._memo[_MEMO:]
        return made

    def _prepare_loads(self, source: dict[int, int]) -> _Loads:
        size, index, caps = len(self.entries), self.index, self.caps
        groups: dict[int, list[int]] = {}
        at_cap: list[int] = []
        for uid, load in source.items():
            i = index.get(uid)
            if i is None or not load:
                continue
            if load >= caps[i]:
                at_cap.append(i)
            else:
                groups.setdefault(load, []).append(i)
        levels = {load: _bitset(who, size) for load, who in groups.items()}
        busy = 0
        for who in levels.values():
            busy |= who
        idle = ((1 << size) - 1) & ~(busy | _bitset(at_cap, size) | self.no_cap)
        levels[0] = idle
        ordered = tuple((load, levels[load]) for load in sorted(levels) if levels[load])
        return _Loads(source, busy | idle, ordered)

    # -- availability --------------------------------------------------------------------

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

    def _soonest_of(
        self, who: int, room: int, now: datetime, ts: float, prepared: bool
    ) -> list[tuple[float, int, int]]:
        """The first ROOM of WHO by (next available, user id), as (when, uid, bit)."""
        uids, entries = self.uids, self.entries
        if not prepared or who.bit_count() <= _SMALL:
            return nsmallest(
                room,
                ((self._soonest(entries[i], now, ts, prepared), uids[i], i) for i in _members(who)),
            )
        grid = self.grid
        slot, slots = int(ts - grid.t0) // _SLOT_S, len(grid.full)
        heap: list[tuple[float, int, int]] = []
        out: list[tuple[float, int, int]] = []
        rest, opens = who, ts
        while rest and slot < slots:
            if slot % _BLOCK == 0 and opens != ts:
                while slot < slots and not rest & grid.blocks[slot // _BLOCK]:
                    slot += _BLOCK
                if slot >= slots:
                    break
                opens = grid.t0 + slot * _SLOT_S
            # Everyone left is closed until this slot: what is queued before it is final.
            while heap and heap[0][0] < opens:
                out.append(heappop(heap))
                if len(out) == room:
                    return out
            full = rest & grid.full[slot]
            if full:
                # Open throughout: all equally soon, so only the lowest ids can place.
                rest ^= full
                for _, i in zip(range(room - len(out)), _members(full), strict=False):
                    heappush(heap, (opens, uids[i], i))
            part = rest & grid.part[slot]
            if part:
                rest ^= part
                for i in _members(part):
                    heappush(heap, (self._soonest(entries[i], now, ts, True), uids[i], i))
            slot += 1
            opens = grid.t0 + slot * _SLOT_S
        if rest:
            self._queue_past_grid(heap, rest, room, now, ts)
        while heap and len(out) < room:
            out.append(heappop(heap))
        return out

    def _queue_past_grid(
        self, heap: list[tuple[float, int, int]], rest: int, room: int, now: datetime, ts: float
    ) -> None:
        """Queue on HEAP those of REST not open within the grid: no hours at all (never, and
        only the lowest ROOM ids can place), or rarely past its end (worked out one by one)."""
        uids, entries = self.uids, self.entries
        never = rest & self.no_hours
        for i in _members(rest ^ never):
            heappush(heap, (self._soonest(entries[i], now, ts, True), uids[i], i))
        for _, i in zip(range(room), _members(never), strict=False):
            heappush(heap, (_INF, uids[i], i))

    # -- the shortlist ------------------------------------------------------------------

    def shortlist(
        self,
        *,
        role: str,
        preferences: Mapping[str, str],
        caseloads: Mapping[int, int],
        policy: MatchPolicy,
        now: datetime,
        exclude: Iterable[int] = (),
        limit: int = 3,
        offset: int = 0,
    ) -> list[Candidate]:
        """Up to LIMIT offerable peer workers for a person in ROLE, best first, skipping
        the first OFFSET (for "see others") and anyone in EXCLUDE."""
        if limit <= 0:
            return []
        loads = self._loads(caseloads)
        eligible = self._eligible(role, policy, loads, exclude)
        if not eligible:
            return []
        wanted = wanted_features(preferences)
        need = max(offset, 0) + limit
        own = eligible & self.kinds.get(offerable_kinds(role, policy)[0], 0)
        ranked: list[tuple[int, float, int]] = []
        for group in (own, eligible & ~own):  # the person's own kind first
            if group and len(ranked) < need:
                ranked += self._ranked(
                    group,
                    self._fit_counts(wanted, group),
                    len(wanted),
                    loads,
                    need - len(ranked),
                    now,
                )
        return self._candidates(ranked[max(offset, 0) : need], wanted, role, now)

    def _eligible(
        self, role: str, policy: MatchPolicy, loads: _Loads, exclude: Iterable[int]
    ) -> int:
        """Who a person in ROLE may be offered: of a kind the policy allows, under their cap
        with LOADS, and not in EXCLUDE (as a bitset)."""
        eligible = 0
        for kind in offerable_kinds(role, policy):
            eligible |= self.kinds.get(kind, 0)
        eligible &= loads.offerable
        for uid in exclude:
            i = self.index.get(uid)
            if i is not None:
                eligible &= ~(1 << i)
        return eligible

    def _fit_counts(self, wanted: Mapping[str, str], eligible: int) -> list[int]:
        """How many WANTED features each of ELIGIBLE has, as a binary counter: digit j holds
        the people whose count has bit j set."""
        digits: list[int] = []
        for feature in wanted:
            carry = self.features.get(feature, 0) & eligible  # a feature nobody has fits nobody
            for j, digit in enumerate(digits):
                if not carry:
                    break
                digits[j] = digit ^ carry
                carry &= digit
            if carry:
                digits.append(carry)
        return digits

    def _ranked(
        self,
        eligible: int,
        digits: Sequence[int],
        wanted: int,
        loads: _Loads,
        need: int,
        now: datetime,
    ) -> list[tuple[int, float, int]]:
        """The first NEED of ELIGIBLE as (caseload, when next available, bit): more of the
        WANTED features first (counted in DIGITS), then lighter caseload, then sooner."""
        complements = [~digit for digit in digits]
        ts, prepared = now.timestamp(), self.fresh(now)
        out: list[tuple[int, float, int]] = []
        left = eligible
        for fit in range(min(wanted, (1 << len(digits)) - 1), -1, -1):
            level = left
            for j, digit in enumerate(digits):
                level &= digit if fit >> j & 1 else complements[j]
            if not level:
                continue
            left ^= level
            for load, who in loads.levels:
                tied = level & who
                if tied:
                    out += [
                        (load, when, i)
                        for when, _, i in self._soonest_of(tied, need - len(out), now, ts, prepared)
                    ]
                    if len(out) >= need:
                        break
            if len(out) >= need or not left:
                break
        return out

    def _candidates(
        self,
        ranked: Iterable[tuple[int, float, int]],
        wanted: Mapping[str, str],
        role: str,
        now: datetime,
    ) -> list[Candidate]:
        """RANKED as candidates, each with the WANTED features they fit in ROLE's question
        order, and when they are next available (NOW if open now, None if never)."""
        asked = preference_questions(role)
        order = sorted(
            wanted.items(),
            key=lambda item: asked.index(item[1]) if item[1] in asked else len(asked),
        )
        ts = now.timestamp()
        found = []
        for load, when, i in ranked:
            e = self.entries[i]
            at = (
                None
                if when == _INF
                else (now if when <= ts else datetime.fromtimestamp(when, now.tzinfo))
            )
            found.append(
                Candidate(e.profile, tuple(k for f, k in order if f in e.features), load, at)
            )
        return found


def shortlist(
    profiles: Sequence[PeerProfile],
    *,
    role: str,
    preferences: Mapping[str, str],
    caseloads: Mapping[int, int],
    policy: MatchPolicy,
    now: datetime,
    exclude: Iterable[int] = (),
    limit: int = 3,
    offset: int = 0,
) -> list[Candidate]:
    """Up to LIMIT peer workers a person in ROLE may choose from, best first (see the module
    docstring for the order). Paused, at-cap and inactive peer workers are never offered."""
    return PeerPool.build(profiles, now).shortlist(
        role=role,
        preferences=preferences,
        caseloads=caseloads,
        policy=policy,
        now=now,
        exclude=exclude,
        limit=limit,
        offset=offset,
    )
