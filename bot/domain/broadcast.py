"""Broadcast rules: who an audience is, how progress reads, and what the report says.

Pure functions; the current time is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "AUDIENCES",
    "PROGRESS_EVERY",
    "Report",
    "audience_roles",
    "fits_telegram",
    "format_count",
    "outcome_for_error",
    "progress_due",
    "report_from_counts",
]

# group: members (not the waitlist) of one group; the others are roles.
AUDIENCES = ("group", "carers", "consumers", "peers")
_ROLES: dict[str, tuple[str, ...]] = {
    "carers": ("carer",),
    "consumers": ("consumer",),
    "peers": ("consumer_peer", "carer_peer"),
}
PROGRESS_EVERY = timedelta(seconds=2)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def audience_roles(audience: str) -> tuple[str, ...]:
    """The roles an audience reaches ('group' reaches a group's members, not roles)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    return _ROLES.get(audience, ())


def format_count(n: int) -> str:
    """A count with thousands separators: 1,240."""
    return f"{n:,}"


def progress_due(last: datetime | None, now: datetime, every: timedelta = PROGRESS_EVERY) -> bool:
    """Whether the progress message should be edited again at NOW."""
    return last is None or now - last >= every


def fits_telegram(rendered: str, *, photo: bool) -> bool:
    """Whether a rendered message fits Telegram's limit for text (or a photo caption)."""
    return len(rendered) <= (CAPTION_LIMIT if photo else TEXT_LIMIT)


def outcome_for_error(kind: str, attempts: int, max_attempts: int = 3) -> str:
    """The outbox status after a failed send.

    KIND: 'blocked' (403: blocked, or the account is gone), 'flood' (429 after the rate
    limiter's own retries), 'network' (no answer reached us before the request was sent),
    'timeout' (the request may have reached Telegram), 'bad' (Telegram refused it).
    Flood and network errors go back to 'pending' for a later attempt, up to MAX_ATTEMPTS;
    a timeout is not retried, because the person may already have the message.
    """
    if kind == "blocked":
        return "blocked"
    if kind in ("flood", "network") and attempts < max_attempts:
        return "pending"
    return "failed"


@dataclass(frozen=True, slots=True)
class Report:
    """Where a broadcast stands: every recipient is in exactly one of these."""

    total: int
    delivered: int
    blocked: int
    failed: int
    not_sent: int
    waiting: int  # pending or being sent

    @property
    def done(self) -> int:
        """Recipients the broadcast has finished with."""
        return self.delivered + self.blocked + self.failed + self.not_sent

    @property
    def adds_up(self) -> bool:
        """Whether the parts make the whole."""
        return self.done + self.waiting == self.total

    @property
    def percent(self) -> int:
        """How far along, 0-100 (rounded down, so 100 only when finished)."""
        return 100 if self.total == 0 else self.done * 100 // self.total


def report_from_counts(counts: Mapping[str, int], total: int | None = None) -> Report:
    """A Report from the outbox's {status: count}; TOTAL defaults to their sum."""
    waiting = counts.get("pending", 0) + counts.get("sending", 0)
    parts = (
        counts.get("delivered", 0),
        counts.get("blocked", 0),
        counts.get("failed", 0),
        counts.get("not_sent", 0),
    )
    whole = sum(parts) + waiting if total is None else total
    return Report(whole, *parts, waiting)
