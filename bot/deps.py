"""The small frozen object each flow's `build` receives: no fishing in bot_data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock
from bot.content import Content
from bot.crypto import Cipher
from bot.settings import Settings
from bot.storage import Storage, User

__all__ = ["Deps", "Zoned"]


class Zoned(Protocol):
    """Anything with a time zone name: a person, or a peer worker's profile (their hours)."""

    @property
    def timezone(self) -> str | None:
        """An IANA time zone name, if one is set."""
        ...


@dataclass(frozen=True)
class Deps:
    """Settings, storage, clock, copy and the cipher for text at rest."""

    settings: Settings
    storage: Storage
    clock: Clock
    content: Content
    cipher: Cipher

    def zone(self, person: User | Zoned | None = None) -> ZoneInfo:
        """PERSON's time zone (or a profile's, for its hours), else the service's."""
        name = getattr(person, "timezone", None)
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return self.settings.tz

    def local_day(self) -> str:
        """Today's date in the service's time zone, for daily counts."""
        return self.clock.now().astimezone(self.settings.tz).date().isoformat()
