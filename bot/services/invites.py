"""Invites: a coordinator (or the command line) makes a single-use link for a staff role, and
the person it was sent to redeems its code once, before it expires. Only a hash of the code
is ever stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.invites import code_hash, invitable_roles, invite_expiry, looks_like_code, new_code
from bot.services.events import DomainError, Event, Events

__all__ = [
    "InviteRedeemed",
    "InviteRefused",
    "InviteRules",
    "InviteStore",
    "RoleNotInvitable",
    "invite_link",
    "make_invite",
    "redeem_invite",
]


class Redeemed(Protocol):
    """What the store says about a code it was asked to use."""

    @property
    def role(self) -> str | None:
        """The role the code gave, if it worked."""
        ...

    @property
    def problem(self) -> str | None:
        """Why it did not: "unknown", "used" or "expired"."""
        ...


class InviteStore(Protocol):
    """The storage invites need."""

    async def create_invite(
        self, code_hash: str, role: str, created_by: int | None, now: datetime, expires: datetime
    ) -> None:
        """Store a new single-use invite (only the hash of its code)."""
        ...

    async def redeem_invite(self, code_hash: str, user_id: int, now: datetime) -> Redeemed:
        """Use an invite once: give its role to USER_ID, or say why not."""
        ...

    async def update_user(self, user_id: int, now: datetime, **fields: Any) -> None:
        """Change some of a person's stored fields."""
        ...

    async def get_user(self, user_id: int) -> Any:
        """The stored person (with their `role`), if any."""
        ...


class InviteRules(Protocol):
    """The service settings invites follow."""

    @property
    def model(self) -> str:
        """ "integrated" or "complementary": clinicians exist only in the first."""
        ...

    @property
    def invite_expiry_hours(self) -> int:
        """How long a link works."""
        ...


class RoleNotInvitable(DomainError, ValueError):
    """ROLE can't be invited in this service's model (clinicians, in the complementary one)."""

    def __init__(self, role: str, model: str) -> None:
        super().__init__("coordinator.invite_role_unavailable", role=role)
        self.role, self.model = role, model

    def __str__(self) -> str:
        return f"'{self.role}' can't be invited in the {self.model} model"


class InviteRefused(DomainError):
    """A code that did not give a role; the key says why (unknown, used, expired, or a role
    this service doesn't use)."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"onboarding.code_{problem}")
        self.problem = problem


@dataclass(frozen=True)
class InviteRedeemed(Event):
    """USER_ID has just been given ROLE by an invite."""

    user_id: int
    role: str


def invite_link(bot_username: str, code: str) -> str:
    """The t.me deep link that opens the bot with /start CODE."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def make_invite(
    store: InviteStore,
    rules: InviteRules,
    role: str,
    *,
    by: int | None,
    bot_username: str,
    now: datetime,
) -> str:
    """Store a new single-use invite for ROLE (made BY a coordinator, or None from the command
    line) and return its deep link; RoleNotInvitable if the service's model has no ROLE."""
    if role not in invitable_roles(rules.model):
        raise RoleNotInvitable(role, rules.model)
    code = new_code()
    await store.create_invite(
        code_hash(code), role, by, now, invite_expiry(now, rules.invite_expiry_hours)
    )
    return invite_link(bot_username, code)


async def redeem_invite(
    store: InviteStore,
    rules: InviteRules,
    events: Events,
    *,
    code: str,
    user_id: int,
    now: datetime,
) -> str:
    """Use CODE once for USER_ID (who has consented) and return the role it gave, or raise
    InviteRefused. A code for a role the service no longer has (a clinician link made under
    the integrated model, used after the switch to complementary) is used up and changes
    nothing: the person keeps the role they had, if any."""
    if not looks_like_code(code):
        raise InviteRefused("unknown")
    before = await store.get_user(user_id)
    result = await store.redeem_invite(code_hash(code), user_id, now)
    if result.role is None:
        raise InviteRefused(result.problem or "unknown")
    if result.role not in invitable_roles(rules.model):
        await store.update_user(user_id, now, role=getattr(before, "role", None))
        raise InviteRefused("role_unavailable")
    events.publish(InviteRedeemed(user_id, result.role))
    return result.role
