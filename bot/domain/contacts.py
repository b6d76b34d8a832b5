"""Crisis contacts by region and the plain rules for which ones a person is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Contact", "RegionContacts", "contacts_for"]


@dataclass(frozen=True, slots=True)
class Contact:
    """One service answered by people: a phone number and/or a text number."""

    name: str
    phone: str = ""
    text: str = ""
    hours: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RegionContacts:
    """A region's emergency number and its crisis lines."""

    region: str
    emergency: str
    contacts: tuple[Contact, ...]


def contacts_for(region: str, fallback_region: str, by_region: Mapping[str, RegionContacts],
                 local: Iterable[tuple[Contact, str | None]] = ()) -> RegionContacts:
    """The contacts to show someone in REGION: the service's own first, then the region's.

    LOCAL pairs each of the service's own contacts with the region it serves (None: all).
    Falls back to the service's region when the person's is unknown, so the card always has
    an emergency number.
    """
    base = by_region.get(region) or by_region[fallback_region]
    own = tuple(contact for contact, where in local if where in (None, base.region))
    return RegionContacts(base.region, base.emergency, own + base.contacts)
