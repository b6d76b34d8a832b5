"""The small frozen object each flow's `build` receives: no fishing in bot_data."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock
from bot.content import Content
from bot.crypto import Cipher
from bot.settings import Settings
from bot.storage import Storage, User

__all__ = ["Deps"]


@dataclass(frozen=True)
class Deps:
    """Settings, storage, clock, copy and the cipher for text at rest."""

    settings: Settings
    storage: Storage
    clock: Clock
    content: Content
    cipher: Cipher

    def zone(self, person: User | None = None) -> ZoneInfo:
        """PERSON's time zone, else the service's."""
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
