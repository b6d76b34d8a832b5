"""A person's own profile: consent, role, who a carer supports, region, time zone and the
name they choose, as /start sets them up and /settings changes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.domain.roles import RELATIONSHIPS, clean_alias
from bot.services.events import DomainError, Event, Events

__all__ = ["NameNotValid", "NextQuestion", "Onboarded", "PeopleStore", "TimeZoneChanged",
           "choose_role", "consent", "name_yourself", "next_question", "onboarded", "set_region",
           "set_relationship", "set_timezone"]

NextQuestion = Literal["region", "timezone", "name"]


class PeopleStore(Protocol):
    """The storage a person's profile needs."""

    async def record_consent(self, user_id: int, now: datetime, *, given: bool) -> Any:
        """Store a yes (start a profile) or a no (keep only the id, to remember the no)."""
        ...

    async def update_user(self, user_id: int, now: datetime, **fields: Any) -> None:
        """Change some of role, relationship, region, timezone, alias, active."""
        ...


class NameNotValid(DomainError):
    """A chosen name that is empty, too long, more than one line, or has no letters."""

    def __init__(self) -> None:
        super().__init__("onboarding.alias_invalid")


@dataclass(frozen=True)
class Onboarded(Event):
    """USER_ID has finished /start as ROLE."""

    user_id: int
    role: str | None


@dataclass(frozen=True)
class TimeZoneChanged(Event):
    """USER_ID now lives by TIMEZONE (chosen in /settings)."""

    user_id: int
    timezone: str


async def consent(store: PeopleStore, user_id: int, now: datetime, *, given: bool,
                  coordinators: Sequence[int] = ()) -> str | None:
    """Record a yes or a no; someone the service lists as a coordinator becomes one on their
    yes. Returns the role that yes gave, if any."""
    await store.record_consent(user_id, now, given=given)
    if given and user_id in coordinators:
        await store.update_user(user_id, now, role="coordinator")
        return "coordinator"
    return None


def onboarded(events: Events, user_id: int, role: str | None) -> None:
    """USER_ID has finished /start as ROLE: what depends on their role (their command menu)
    follows."""
    events.publish(Onboarded(user_id, role))


async def choose_role(store: PeopleStore, user_id: int, now: datetime, *, role: str,
                      relationship: str | None = None) -> None:
    """A person or a carer (and who they support) chose their role at /start."""
    if role not in ("consumer", "carer") or (role == "carer") != (relationship is not None):
        raise ValueError("consumers have no relationship; carers need one")
    _check_relationship(relationship)
    await store.update_user(user_id, now, role=role, relationship=relationship)


def _check_relationship(relationship: str | None) -> None:
    if relationship is not None and relationship not in RELATIONSHIPS:
        raise ValueError(f"unknown relationship {relationship!r}")


async def next_question(store: PeopleStore, user_id: int, now: datetime, *,
                        regions: Sequence[str], zones: Sequence[str],
                        after: Literal["role", "region"] = "role") -> NextQuestion:
    """What /start asks next, AFTER the role (or the region): a region or a time zone when the
    service offers several; one it offers alone is stored without asking."""
    if after == "role":
        if len(regions) > 1:
            return "region"
        await store.update_user(user_id, now, region=regions[0])
    if len(zones) > 1:
        return "timezone"
    await store.update_user(user_id, now, timezone=zones[0])
    return "name"


async def name_yourself(store: PeopleStore, user_id: int, now: datetime, text: str) -> str:
    """Store the name a person typed, tidied; NameNotValid if it can't be a name."""
    alias = clean_alias(text)
    if alias is None:
        raise NameNotValid
    await store.update_user(user_id, now, alias=alias)
    return alias


async def set_relationship(store: PeopleStore, user_id: int, now: datetime,
                           relationship: str) -> None:
    """A carer changes who they support."""
    _check_relationship(relationship)
    await store.update_user(user_id, now, relationship=relationship)


async def set_region(store: PeopleStore, user_id: int, now: datetime, region: str,
                     offered: Sequence[str]) -> None:
    """Store REGION, one the service offers."""
    if region not in offered:
        raise ValueError(f"region {region!r} is not offered")
    await store.update_user(user_id, now, region=region)


async def set_timezone(store: PeopleStore, events: Events | None, user_id: int, now: datetime,
                       zone: str) -> None:
    """Store ZONE; when it is a change (EVENTS given), what follows the person's clock (their
    check-ins) moves with it."""
    await store.update_user(user_id, now, timezone=zone)
    if events is not None:
        events.publish(TimeZoneChanged(user_id, zone))
