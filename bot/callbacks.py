"""Callback data, packed within Telegram's 64 bytes and checked when unpacked.

Typed callbacks (`@callback("prefix")` on a frozen dataclass, `pack`, `unpack`) are the way
new code declares buttons; `CallbackCodec` is the older `prefix:action:arg...` codec that
flows not yet moved to route tables still use.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

__all__ = [
    "MAX_ID",
    "CallbackCodec",
    "CallbackData",
    "InvalidCallback",
    "callback",
    "pack",
    "prefix_of",
    "registered_prefixes",
    "unpack",
]

T = TypeVar("T")

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


# -- typed callback data ------------------------------------------------------------------------

_REGISTRY: dict[str, type[Any]] = {}
#: Short text in a button: up to 40 characters, the longest id a resource topic may have.
_STR = re.compile(r"[A-Za-z0-9_\-]{1,40}")


def callback(prefix: str) -> Callable[[type[T]], type[T]]:
    """Declare a frozen dataclass as one kind of button press, packed as `prefix:f1:f2`.

    Fields may be `int` (range-checked to Telegram's id range), `bool`, `str` (letters,
    digits, - and _, at most 40), or a `Literal[...]` of strings; every field is required,
    so data with a missing, extra or malformed part never unpacks. Prefixes are unique across
    the bot (checked here, at import)::

        @callback("mp")
        @dataclass(frozen=True, slots=True)
        class Pick:
            peer: str
    """
    if not _SAFE.fullmatch(prefix) or not prefix or ":" in prefix:
        raise ValueError(f"bad prefix {prefix!r}")

    def register(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        if prefix in _REGISTRY and _REGISTRY[prefix].__qualname__ != cls.__qualname__:
            raise ValueError(
                f"callback prefix {prefix!r} is used twice "
                f"({_REGISTRY[prefix].__qualname__}, {cls.__qualname__})"
            )
        hints = typing.get_type_hints(cls)
        fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
        for name, kind in fields:
            _check_kind(cls, name, kind)
        cls.__callback_prefix__ = prefix  # type: ignore[attr-defined]
        cls.__callback_fields__ = fields  # type: ignore[attr-defined]
        _REGISTRY[prefix] = cls
        return cls

    return register


def _check_kind(cls: type[Any], name: str, kind: Any) -> None:
    if kind in (int, bool, str):
        return
    if typing.get_origin(kind) is Literal and all(
        isinstance(v, str) and _STR.fullmatch(v) for v in typing.get_args(kind)
    ):
        return
    raise TypeError(
        f"{cls.__name__}.{name}: callback fields are int, bool, str or a Literal of short strings"
    )


def prefix_of(cls: type[Any]) -> str:
    """The prefix a callback class was registered with."""
    return str(cls.__callback_prefix__)


def registered_prefixes() -> dict[str, type[Any]]:
    """Every typed callback prefix and its class (for tests and routing)."""
    return dict(_REGISTRY)


def pack(data: Any) -> str:
    """A typed callback's button data; raises if it would break Telegram's 64 bytes."""
    parts = [prefix_of(type(data))]
    for name, kind in type(data).__callback_fields__:
        value = getattr(data, name)
        parts.append(_encode(type(data), name, kind, value))
    packed = ":".join(parts)
    if len(packed.encode()) > _LIMIT:
        raise ValueError(f"{type(data).__name__}: callback data over {_LIMIT} bytes")
    return packed


def _encode(cls: type[Any], name: str, kind: Any, value: Any) -> str:
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not -MAX_ID < value < MAX_ID:
            raise ValueError(f"{cls.__name__}.{name}: {value!r} is not a storable number")
        return str(value)
    text = str(value)
    if not _STR.fullmatch(text) or (
        typing.get_origin(kind) is Literal and text not in typing.get_args(kind)
    ):
        raise ValueError(f"{cls.__name__}.{name}: {value!r} can't go in a button")
    return text


def unpack(data: str | None) -> Any:
    """The typed callback that DATA encodes, or InvalidCallback (never anything else)."""
    if not data or len(data.encode()) > _LIMIT:
        raise InvalidCallback("empty or too long")
    prefix, *parts = data.split(":")
    cls = _REGISTRY.get(prefix)
    if cls is None:
        raise InvalidCallback("not a known button")
    fields = cls.__callback_fields__
    if len(parts) != len(fields):
        raise InvalidCallback("wrong number of parts")
    values = {name: _decode(kind, part) for (name, kind), part in zip(fields, parts, strict=True)}
    return cls(**values)


def _decode(kind: Any, part: str) -> Any:
    if kind is int:
        if not _INT.fullmatch(part):
            raise InvalidCallback("expected a number")
        value = int(part)
        if not -MAX_ID < value < MAX_ID:
            raise InvalidCallback("number out of range")
        return value
    if kind is bool:
        if part not in ("0", "1"):
            raise InvalidCallback("expected 0 or 1")
        return part == "1"
    if not _STR.fullmatch(part):
        raise InvalidCallback("unsafe text")
    if typing.get_origin(kind) is Literal and part not in typing.get_args(kind):
        raise InvalidCallback("not one of the choices")
    return part
