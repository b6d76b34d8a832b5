"""Referral links: one deep link per source, counted when people start through it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.services.events import DomainError, Event, Events

__all__ = [
    "PREFIX",
    "ReferralMade",
    "ReferralStore",
    "code_of",
    "count_arrival",
    "make_referral",
    "payload_for",
    "remember_source",
]

#: Deep-link payloads that name a referral source start with this (invites never do).
PREFIX = "r-"
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,16}$")


class ReferralStore(Protocol):
    """What referrals need from storage."""

    async def create_referral(
        self, code: str, name: str, created_by: int | None, now: datetime
    ) -> None:
        """Store a new source."""
        ...

    async def referral(self, code: str) -> object | None:
        """The source with CODE (with a `name`), if any."""
        ...

    async def referral_by_name(self, name: str) -> object | None:
        """The source called NAME, if any."""
        ...

    async def set_referral_source(self, user_id: int, name: str) -> None:
        """Keep the source's name on the person's record."""
        ...

    async def bump_counter(self, name: str, day: str, region: str = "", by: int = 1) -> None:
        """Add to a daily count."""
        ...


@dataclass(frozen=True)
class ReferralMade(Event):
    """A coordinator made a referral link."""

    code: str
    name: str


def payload_for(code: str) -> str:
    """The /start payload of a referral link."""
    return f"{PREFIX}{code}"


def code_of(payload: str | None) -> str | None:
    """The referral code in a /start payload, or None if it is not a referral link."""
    if not payload or not payload.startswith(PREFIX):
        return None
    code = payload[len(PREFIX) :]
    return code if _CODE.match(code) else None


async def make_referral(
    store: ReferralStore, name: str, created_by: int | None, now: datetime, events: Events
) -> str:
    """A new source called NAME; returns its code. DomainError if the name won't do."""
    cleaned = " ".join(name.split())
    if not 2 <= len(cleaned) <= 60 or "://" in cleaned:
        raise DomainError("referral.bad_name")
    if await store.referral_by_name(cleaned) is not None:
        raise DomainError("referral.name_taken", name=cleaned)
    code = secrets.token_urlsafe(9)
    await store.create_referral(code, cleaned, created_by, now)
    events.publish(ReferralMade(code, cleaned))
    return code


async def count_arrival(store: ReferralStore, payload: str | None, day: str) -> str | None:
    """Count someone starting through a referral link, by source (no person is stored: they
    have not agreed to anything yet); returns the source's name to keep until they do, or
    None when the payload is not a known source."""
    code = code_of(payload)
    if code is None:
        return None
    source = await store.referral(code)
    if source is None:
        return None
    await store.bump_counter("referral_start", day, code)
    return str(getattr(source, "name", ""))


async def remember_source(store: ReferralStore, user_id: int, name: str | None) -> None:
    """Once someone agrees to the privacy notice, keep the name of the source they came
    through (only the name) on their record."""
    if name:
        await store.set_referral_source(user_id, name)
