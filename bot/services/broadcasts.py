"""Coordinator broadcasts as use cases: who an announcement reaches, checking it fits,
confirming it (the outbox is written before anything is sent), stopping it, and progress.

A broadcast is the service's, not its author's: it goes on if its author erases their data,
and any coordinator may stop it (its author is told who did). Sending itself is the
'tick:broadcast' job's (flows/broadcast/sender.py): it works through the stored outbox, so
a restart resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.broadcast import (
    AUDIENCES,
    Report,
    audience_roles,
    fits_telegram,
    report_from_counts,
)
from bot.domain.groups import Group
from bot.services.events import DomainError, Event, Events

__all__ = [
    "MAX_TEXT",
    "AlreadyFinished",
    "Announcement",
    "BadAnnouncement",
    "BroadcastConfirmed",
    "BroadcastGone",
    "BroadcastStopped",
    "BroadcastStore",
    "NobodyToSend",
    "addressed_group",
    "check_announcement",
    "confirm",
    "progress",
    "recipients",
    "sending_now",
    "stop",
]

MAX_TEXT = 3500


class Sent(Protocol):
    """A stored broadcast, as far as these use cases look at it."""

    @property
    def broadcast_id(self) -> int:
        """Its id."""
        ...

    @property
    def created_by(self) -> int | None:
        """The coordinator who sent it (None once they have erased their data)."""
        ...

    @property
    def status(self) -> str:
        """sending, cancelled or done."""
        ...

    @property
    def text(self) -> str:
        """What it says."""
        ...


class BroadcastStore(Protocol):
    """The storage broadcast use cases need (bot/storage/broadcast.py, groups.py, core.py)."""

    async def get_group(self, group_id: int) -> Group | None:
        """One group."""
        ...

    async def group_member_ids(self, group_id: int, *, active_only: bool = True) -> list[int]:
        """A group's members (not its waitlist)."""
        ...

    async def user_ids_with_roles(self, roles: tuple[str, ...]) -> list[int]:
        """The ids of everyone active holding one of ROLES."""
        ...

    async def create_broadcast(
        self,
        created_by: int,
        audience: str,
        group_id: int | None,
        text: str,
        photo: str | None,
        recipients: Sequence[int],
        now: datetime,
    ) -> int:
        """The broadcast and its whole outbox, in one transaction."""
        ...

    async def get_broadcast(self, broadcast_id: int) -> Sent | None:
        """One broadcast."""
        ...

    async def broadcasts_sending(self) -> Sequence[Sent]:
        """Broadcasts still being sent, oldest first."""
        ...

    async def cancel_broadcast(
        self, broadcast_id: int, now: datetime, by: int | None = None
    ) -> bool:
        """Stop a broadcast still sending (BY: the coordinator who stopped it)."""
        ...

    async def outbox_counts(self, broadcast_id: int) -> dict[str, int]:
        """{status: count} of its outbox."""
        ...


# -- refusals and events -------------------------------------------------------------------


class BadAnnouncement(DomainError):
    """Nothing to send, or too long for Telegram (a photo's caption is shorter)."""


class NobodyToSend(DomainError):
    """Nobody would receive the announcement just now."""

    def __init__(self) -> None:
        super().__init__("broadcast.preview_nobody", count=0)


class BroadcastGone(DomainError):
    """The broadcast or group is gone."""

    def __init__(self) -> None:
        super().__init__("common.stale_button")


class AlreadyFinished(DomainError):
    """The broadcast had already finished when Stop was pressed."""

    def __init__(self) -> None:
        super().__init__("broadcast.already_finished")


@dataclass(frozen=True)
class BroadcastConfirmed(Event):
    """A coordinator confirmed BROADCAST_ID; its outbox of TOTAL recipients is written."""

    broadcast_id: int
    created_by: int
    total: int


@dataclass(frozen=True)
class BroadcastStopped(Event):
    """STOPPED_BY, a coordinator, stopped BROADCAST_ID (written by CREATED_BY, None if they
    have erased their data); recipients not reached are marked not sent."""

    broadcast_id: int
    created_by: int | None
    stopped_by: int


# -- composing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """What a coordinator has written, and who for."""

    audience: str
    text: str
    photo: str | None = None
    group_id: int | None = None


async def addressed_group(store: BroadcastStore, group_id: int) -> Group:
    """GROUP_ID, if its members can be sent an announcement (it is not retired)."""
    group = await store.get_group(group_id)
    if group is None or not group.active:
        raise BroadcastGone
    return group


async def recipients(
    store: BroadcastStore, audience: str, group_id: int | None = None
) -> list[int]:
    """Everyone AUDIENCE reaches now: a group's members, or everyone holding some roles."""
    if audience not in AUDIENCES:
        raise BroadcastGone
    if audience == "group":
        return await store.group_member_ids(int(group_id or 0))
    # Ids only: 10,000 people as User objects held the event loop for 90 ms.
    return await store.user_ids_with_roles(audience_roles(audience))


def check_announcement(text: str, photo: str | None, rendered: str) -> None:
    """Refuse an announcement with nothing in it, or too long once RENDERED for sending."""
    if (
        (not text and not photo)
        or len(text) > MAX_TEXT
        or not fits_telegram(rendered, photo=photo is not None)
    ):
        raise BadAnnouncement("broadcast.too_long_caption" if photo else "broadcast.bad_text")


# -- sending and stopping ----------------------------------------------------------------------


async def confirm(
    store: BroadcastStore, events: Events, by: int, announcement: Announcement, now: datetime
) -> tuple[int, int]:
    """Write the broadcast and one outbox row per recipient before anything is sent;
    returns (broadcast id, recipients)."""
    people = await recipients(store, announcement.audience, announcement.group_id)
    if not people:
        raise NobodyToSend
    broadcast_id = await store.create_broadcast(
        by,
        announcement.audience,
        announcement.group_id,
        announcement.text,
        announcement.photo,
        people,
        now,
    )
    events.publish(BroadcastConfirmed(broadcast_id, by, len(people)))
    return broadcast_id, len(people)


async def stop(
    store: BroadcastStore, events: Events, broadcast_id: int, by: int, now: datetime
) -> None:
    """Coordinator BY stops BROADCAST_ID (theirs or another coordinator's: a broadcast is
    the service's): whoever it has not reached yet is not sent it."""
    broadcast = await store.get_broadcast(broadcast_id)
    if broadcast is None:
        raise BroadcastGone
    if not await store.cancel_broadcast(broadcast_id, now, by):
        raise AlreadyFinished
    events.publish(BroadcastStopped(broadcast_id, broadcast.created_by, by))


async def sending_now(store: BroadcastStore) -> list[tuple[Sent, Report]]:
    """Every broadcast being sent now, with where it has got to (any coordinator may stop
    one)."""
    return [(b, await progress(store, b.broadcast_id)) for b in await store.broadcasts_sending()]


async def progress(store: BroadcastStore, broadcast_id: int) -> Report:
    """Where BROADCAST_ID has got to."""
    return report_from_counts(await store.outbox_counts(broadcast_id))
