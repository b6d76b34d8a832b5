"""A peer worker's profile: setting it up, changing it, pausing new matches, the caseload cap.

A change that may let someone new be offered this peer worker (a new profile, matches
resumed, a higher cap) publishes `CapacityFreed`; bot/app.py lists what follows (people
waiting are offered a place, in the order they joined).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.domain.hours import HoursError, HoursWords, Window, parse_windows
from bot.domain.matching import (
    CHOICES,
    PeerProfile,
    clean_list,
    clean_text_value,
    profile_attribute_keys,
)
from bot.domain.roles import RELATIONSHIPS, clean_alias
from bot.services.events import DomainError, Event, Events

__all__ = [
    "BIO_LIMIT",
    "CAP_CHOICES",
    "CORE_FIELDS",
    "MANY_OF",
    "ONE_OF",
    "TEXT_FIELDS",
    "YES_NO",
    "BioInvalid",
    "CapacityFreed",
    "HoursChanged",
    "HoursInvalid",
    "NameChanged",
    "NameInvalid",
    "ProfileStore",
    "cap_choices",
    "check_bio",
    "check_hours",
    "check_name",
    "clear",
    "current",
    "editable",
    "set_cap",
    "set_one",
    "set_paused",
    "set_text",
    "set_up",
    "toggle",
]

BIO_LIMIT = 600
CAP_CHOICES = tuple(range(1, 13))
#: Fields every profile has, typed.
CORE_FIELDS = ("display_name", "bio", "hours")
#: Fields typed in the person's own words.
TEXT_FIELDS = (*CORE_FIELDS, "languages", "culture")
#: Attributes answered yes or no (stored as True or False).
YES_NO = ("lived_bpd", "lgbtqia")
#: Attributes chosen from buttons, one value each.
ONE_OF: Mapping[str, tuple[str, ...]] = {
    "gender": CHOICES["gender"],
    "age_band": CHOICES["age_band"],
    "recovery_stage": CHOICES["recovery_stage"],
    "years_caring": CHOICES["years_caring"],
    **{attr: ("yes", "no") for attr in YES_NO},
}
#: Attributes switched on and off, several values each.
MANY_OF: Mapping[str, tuple[str, ...]] = {
    "support_modes": CHOICES["support_mode"],
    "frequency": CHOICES["frequency"],
    "relationships": RELATIONSHIPS,
}


class ProfileStore(Protocol):
    """The storage a profile needs (the matching area's)."""

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """The peer worker's profile, if they have one."""
        ...

    async def create_profile(
        self,
        user_id: int,
        kind: str,
        now: datetime,
        *,
        display_name: str,
        bio: str,
        hours: Sequence[Window],
        timezone: str,
        caseload_cap: int,
        attributes: Mapping[str, Any] | None = None,
    ) -> PeerProfile:
        """Store a new profile."""
        ...

    async def update_profile(
        self, user_id: int, now: datetime, **fields: Any
    ) -> PeerProfile | None:
        """Change some of a profile's fields."""
        ...

    async def caseload(self, peer_id: int) -> int:
        """How many people the peer worker supports now."""
        ...


@dataclass(frozen=True)
class NameChanged(Event):
    """USER_ID's name, as the other side of a match reads it, is NEW now (it was OLD, or
    none). WHAT: a person's chosen name ("alias"), or a peer worker's display name."""

    user_id: int
    old: str | None
    new: str
    what: Literal["alias", "display_name"]


@dataclass(frozen=True)
class HoursChanged(Event):
    """PEER_ID's nominated hours are new: the people they support are told."""

    peer_id: int


@dataclass(frozen=True)
class CapacityFreed(Event):
    """PEER_ID may now be offered to someone new: a new profile, resumed, or a higher cap."""

    peer_id: int


class NameInvalid(DomainError):
    """A name that is empty, too long or on several lines."""

    def __init__(self) -> None:
        super().__init__("profile.name_invalid")


class BioInvalid(DomainError):
    """A bio that is empty or too long."""

    def __init__(self) -> None:
        super().__init__("profile.bio_invalid", limit=BIO_LIMIT)


class HoursInvalid(DomainError):
    """Hours that can't be read; the key names the reason."""

    def __init__(self, error: HoursError) -> None:
        super().__init__(f"profile.hours_invalid.{error.reason}", part=error.part)


# -- checks -----------------------------------------------------------------------------------


def check_name(text: str) -> str:
    """The name tidied, or NameInvalid."""
    name = clean_alias(text)
    if name is None:
        raise NameInvalid
    return name


def check_bio(text: str) -> str:
    """The bio without its edges, or BioInvalid."""
    bio = text.strip()
    if not bio or len(bio) > BIO_LIMIT:
        raise BioInvalid
    return bio


def check_hours(text: str, words: HoursWords) -> tuple[Window, ...]:
    """The nominated hours typed in TEXT, or HoursInvalid."""
    try:
        return parse_windows(text, words)
    except HoursError as error:
        raise HoursInvalid(error) from None


def editable(profile: PeerProfile, field: str, value: str | None = None) -> bool:
    """Whether FIELD (set to VALUE, when given) is one this peer worker's kind may edit."""
    if field in CORE_FIELDS:
        return value is None
    if field not in profile_attribute_keys(profile.kind):
        return False
    if value is None:
        return True
    return value in ONE_OF.get(field, MANY_OF.get(field, ()))


def cap_choices(profile: PeerProfile) -> list[int]:
    """The caps offered: one to twelve, and the current cap if it is outside them."""
    return sorted({*CAP_CHOICES, profile.caseload_cap})


# -- use cases --------------------------------------------------------------------------------


async def current(
    store: ProfileStore, user_id: int, timezone: str | None, now: datetime
) -> tuple[PeerProfile, int] | None:
    """The profile and caseload of USER_ID, if they have a profile. Hours follow the person:
    when TIMEZONE (theirs, from /settings) has changed, the profile takes it."""
    profile = await store.get_profile(user_id)
    if profile is None:
        return None
    if timezone and timezone != profile.timezone:
        profile = await store.update_profile(user_id, now, timezone=timezone) or profile
    return profile, await store.caseload(user_id)


async def set_up(
    store: ProfileStore,
    events: Events,
    *,
    user_id: int,
    kind: str,
    now: datetime,
    display_name: str,
    bio: str,
    hours: Sequence[Window],
    timezone: str,
    caseload_cap: int,
) -> PeerProfile:
    """Create the profile (offering one-to-one support); people waiting may now be offered."""
    profile = await store.create_profile(
        user_id,
        kind,
        now,
        display_name=display_name,
        bio=bio,
        hours=hours,
        timezone=timezone,
        caseload_cap=caseload_cap,
        attributes={"support_modes": ["individual"]},
    )
    events.publish(CapacityFreed(user_id))
    return profile


async def set_text(
    store: ProfileStore,
    profile: PeerProfile,
    field: str,
    text: str,
    words: HoursWords,
    now: datetime,
    events: Events | None = None,
) -> None:
    """Change a typed FIELD to TEXT, checked (a DomainError says what to fix). With EVENTS,
    a new display name or new hours are published (NameChanged, HoursChanged): the people
    the peer worker supports know them by both."""
    if field == "display_name":
        name = check_name(text)
        await store.update_profile(profile.user_id, now, display_name=name)
        if events is not None and name != profile.display_name:
            events.publish(NameChanged(profile.user_id, profile.display_name, name, "display_name"))
    elif field == "bio":
        await store.update_profile(profile.user_id, now, bio=check_bio(text))
    elif field == "hours":
        hours = check_hours(text, words)
        await store.update_profile(profile.user_id, now, hours=hours)
        if events is not None and list(hours) != list(profile.hours):
            events.publish(HoursChanged(profile.user_id))
    else:
        value: Any = list(clean_list(text)) if field == "languages" else clean_text_value(text)
        await _attributes(store, profile, now, {field: value})


async def set_one(
    store: ProfileStore, profile: PeerProfile, field: str, value: str, now: datetime
) -> None:
    """Set a one-of attribute (yes/no ones are stored as True/False)."""
    await _attributes(store, profile, now, {field: value == "yes" if field in YES_NO else value})


async def toggle(
    store: ProfileStore, profile: PeerProfile, field: str, value: str, now: datetime
) -> PeerProfile:
    """Switch VALUE of a many-of attribute on or off; returns the profile as it is now."""
    chosen = set(profile.attributes.get(field) or ()) ^ {value}
    return await _attributes(
        store, profile, now, {field: [v for v in MANY_OF[field] if v in chosen]}
    )


async def clear(store: ProfileStore, profile: PeerProfile, field: str, now: datetime) -> None:
    """Forget an attribute ("prefer not to say")."""
    await _attributes(store, profile, now, {field: None})


async def set_paused(
    store: ProfileStore, events: Events, profile: PeerProfile, paused: bool, now: datetime
) -> None:
    """Pause or resume new matches; resuming may let people waiting be offered."""
    await store.update_profile(profile.user_id, now, paused=paused)
    if profile.paused and not paused:
        events.publish(CapacityFreed(profile.user_id))


async def set_cap(
    store: ProfileStore, events: Events, profile: PeerProfile, cap: int, now: datetime
) -> None:
    """Change the caseload cap; a higher one may let people waiting be offered."""
    await store.update_profile(profile.user_id, now, caseload_cap=cap)
    if cap > profile.caseload_cap:
        events.publish(CapacityFreed(profile.user_id))


async def _attributes(
    store: ProfileStore, profile: PeerProfile, now: datetime, changes: Mapping[str, Any]
) -> PeerProfile:
    """Store the attributes with CHANGES, leaving out empty values so 'not set' is one thing."""
    merged = {**profile.attributes, **changes}
    tidy = {k: v for k, v in merged.items() if v not in (None, "", [], ())}
    updated = await store.update_profile(profile.user_id, now, attributes=tidy)
    return updated or profile
