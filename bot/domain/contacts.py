"""Crisis contacts by region and the plain rules for which ones a person is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["AUDIENCES", "Contact", "RegionContacts", "contacts_for"]


@dataclass(frozen=True, slots=True)
class Contact:
    """One service answered by people: a phone number and/or a text number."""

    name: str
    phone: str = ""
    text: str = ""
    hours: str = ""
    note: str = ""
    audience: str = "everyone"  # or "about_someone": for people worried about another person


@dataclass(frozen=True, slots=True)
class RegionContacts:
    """A region's emergency number and its crisis lines."""

    region: str
    emergency: str
    contacts: tuple[Contact, ...]


AUDIENCES = ("everyone", "about_someone")


def contacts_for(
    region: str,
    fallback_region: str,
    by_region: Mapping[str, RegionContacts],
    local: Iterable[tuple[Contact, str | None]] = (),
    audience: str = "everyone",
) -> RegionContacts:
    """The contacts to show someone in REGION: the service's own first, then the region's.

    LOCAL pairs each of the service's own contacts with the region it serves (None: all).
    Falls back to the service's region when the person's is unknown, so the card always has
    an emergency number. AUDIENCE "about_someone" adds the lines for people worried about
    another person.
    """
    base = by_region.get(region) or by_region[fallback_region]
    own = tuple(contact for contact, where in local if where in (None, base.region))
    shown = tuple(c for c in own + base.contacts if c.audience in ("everyone", audience))
    return RegionContacts(base.region, base.emergency, shown)
