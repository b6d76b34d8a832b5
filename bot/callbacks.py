"""Typed callback data: `prefix:action:arg...`, packed within Telegram's 64 bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_ID", "CallbackCodec", "CallbackData", "InvalidCallback"]

_LIMIT = 64
_INT = re.compile(r"-?[0-9]{1,16}")
#: Telegram ids have at most 52 significant bits; nothing the bot stores is larger.
MAX_ID = 1 << 53
_SAFE = re.compile(r"^[A-Za-z0-9_.\-+]*$")


class InvalidCallback(ValueError):
    """Callback data that does not parse, or is not this codec's."""


@dataclass(frozen=True, slots=True)
class CallbackData:
    """A parsed button press."""

    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int = 0) -> int:
        """Argument INDEX as a whole number that fits every id the bot stores (below 2**53
        either way, as Telegram's ids do), or InvalidCallback."""
        try:
            text = self.args[index]
        except IndexError:
            raise InvalidCallback("missing argument") from None
        if not _INT.fullmatch(text):
            raise InvalidCallback("expected a number")
        value = int(text)
        if not -MAX_ID < value < MAX_ID:
            raise InvalidCallback("number out of range")
        return value

    def arg(self, index: int = 0) -> str:
        """Argument INDEX as text, or InvalidCallback."""
        try:
            return self.args[index]
        except IndexError:
            raise InvalidCallback("missing argument") from None


class CallbackCodec:
    """One flow's callback data: a prefix, a fixed set of actions, and short arguments."""

    def __init__(self, prefix: str, actions: set[str] | frozenset[str]) -> None:
        if not _SAFE.match(prefix) or not prefix:
            raise ValueError(f"bad prefix {prefix!r}")
        self.prefix = prefix
        self.actions = frozenset(actions)

    @property
    def pattern(self) -> str:
        """A regex for CallbackQueryHandler that matches this codec's data."""
        return rf"^{re.escape(self.prefix)}:"

    def pack(self, action: str, *args: object) -> str:
        """Build callback data; raises if it is unknown, unsafe or longer than 64 bytes."""
        if action not in self.actions:
            raise ValueError(f"{self.prefix}: unknown action {action!r}")
        parts = [self.prefix, action, *(str(a) for a in args)]
        for part in parts:
            if not _SAFE.match(part):
                raise ValueError(f"{self.prefix}: unsafe part {part!r}")
        data = ":".join(parts)
        if len(data.encode()) > _LIMIT:
            raise ValueError(f"{self.prefix}: callback data over {_LIMIT} bytes")
        return data

    def unpack_query(self, update: object) -> CallbackData:
        """Parse the callback data of UPDATE's button press, or raise InvalidCallback."""
        query = getattr(update, "callback_query", None)
        return self.unpack(getattr(query, "data", None))

    def unpack(self, data: str | None) -> CallbackData:
        """Parse callback data, or raise InvalidCallback."""
        if not data or len(data.encode()) > _LIMIT:
            raise InvalidCallback("empty or too long")
        parts = data.split(":")
        if len(parts) < 2 or parts[0] != self.prefix or parts[1] not in self.actions:
            raise InvalidCallback("not ours")
        if not all(_SAFE.match(p) for p in parts):
            raise InvalidCallback("unsafe characters")
        return CallbackData(parts[1], tuple(parts[2:]))
