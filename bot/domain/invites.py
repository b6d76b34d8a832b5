"""Invite codes: made once, stored only as a hash, redeemable once before they expire."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

__all__ = [
    "STAFF_ROLES",
    "code_hash",
    "invitable_roles",
    "invite_expiry",
    "looks_like_code",
    "new_code",
]

STAFF_ROLES = ("consumer_peer", "carer_peer", "coordinator", "clinician")
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_code() -> str:
    """A fresh code, safe for a t.me deep link (letters, digits, - and _)."""
    return secrets.token_urlsafe(18)


def code_hash(code: str) -> str:
    """The hash stored in place of CODE."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def looks_like_code(text: str) -> bool:
    """Whether TEXT could be an invite code at all."""
    return bool(_CODE.match(text.strip()))


def invitable_roles(model: str) -> tuple[str, ...]:
    """Roles an invite can give; clinicians exist only in the integrated model."""
    return (
        STAFF_ROLES if model == "integrated" else tuple(r for r in STAFF_ROLES if r != "clinician")
    )


def invite_expiry(now: datetime, hours: int) -> datetime:
    """When an invite made at NOW stops working."""
    return now + timedelta(hours=hours)
