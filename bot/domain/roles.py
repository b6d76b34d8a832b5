"""Roles and what a person's name and text may be."""

from __future__ import annotations

import typing
import unicodedata
from typing import Literal

__all__ = [
    "ALL_ROLES",
    "PEER_ROLES",
    "PEOPLE_ROLES",
    "RELATIONSHIPS",
    "STAFF_ROLES",
    "Relationship",
    "clean_alias",
]

PEOPLE_ROLES = ("consumer", "carer")
PEER_ROLES = ("consumer_peer", "carer_peer")
STAFF_ROLES = (*PEER_ROLES, "coordinator", "clinician")
ALL_ROLES = (*PEOPLE_ROLES, *STAFF_ROLES)
#: Who a carer supports (a typed button field names only these).
Relationship = Literal["parent", "partner", "sibling", "child", "friend", "other"]
RELATIONSHIPS: tuple[Relationship, ...] = typing.get_args(Relationship)


def clean_alias(text: str) -> str | None:
    """A chosen name tidied up, or None if it is empty, too long, or more than one line."""
    alias = unicodedata.normalize("NFC", " ".join(text.split()))
    if not alias or len(alias) > 32 or "\n" in text.strip() or alias.startswith("/"):
        return None
    if not any(ch.isalpha() for ch in alias):
        return None
    return alias
