"""The typed callback codec: packed within 64 bytes, unpacked with validation."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import pytest

from bot.callbacks import (
    CallbackCodec,
    InvalidCallback,
    callback,
    pack,
    registered_prefixes,
    unpack,
)

CODEC = CallbackCodec("res", {"open", "page"})


def test_round_trip() -> None:
    data = CODEC.pack("page", "about-bpd", 2)
    assert data == "res:page:about-bpd:2"
    parsed = CODEC.unpack(data)
    assert (parsed.action, parsed.arg(0), parsed.int_arg(1)) == ("page", "about-bpd", 2)


def test_packing_refuses_what_telegram_or_the_codec_would_not_take() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        CODEC.pack("delete")
    with pytest.raises(ValueError, match="64 bytes"):
        CODEC.pack("open", "x" * 70)
    with pytest.raises(ValueError, match="unsafe"):
        CODEC.pack("open", "has:colon")


@pytest.mark.parametrize(
    "data", [None, "", "other:open:1", "res:delete", "res", "res:open:a b", "res:page:" + "9" * 80]
)
def test_unpacking_refuses_bad_data(data: str | None) -> None:
    with pytest.raises(InvalidCallback):
        CODEC.unpack(data)


def test_arguments_are_checked_when_read() -> None:
    parsed = CODEC.unpack("res:page:abc")
    with pytest.raises(InvalidCallback):
        parsed.int_arg(0)
    with pytest.raises(InvalidCallback):
        parsed.arg(3)


def test_unpack_query_reads_a_button_press() -> None:
    update = SimpleNamespace(callback_query=SimpleNamespace(data="res:open:validation"))
    assert CODEC.unpack_query(update).arg() == "validation"
    with pytest.raises(InvalidCallback):
        CODEC.unpack_query(SimpleNamespace(callback_query=None))


# -- typed callbacks ---------------------------------------------------------------------------


@callback("t.pick")
@dataclass(frozen=True, slots=True)
class Pick:
    peer: str
    page: int
    again: bool
    kind: Literal["a", "b"]


@callback("t.pair")
@dataclass(frozen=True, slots=True)
class Pair:
    first: str
    second: str


def test_typed_round_trip() -> None:
    data = pack(Pick("AbC-1_x", 2, True, "b"))
    assert data == "t.pick:AbC-1_x:2:1:b"
    assert unpack(data) == Pick("AbC-1_x", 2, True, "b")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "t.pick",
        "t.pick:a:2:1",
        "t.pick:a:2:1:b:extra",
        "t.pick:a:x:1:b",
        "t.pick:a:99999999999999999999:1:b",
        "t.pick:a:2:2:b",
        "t.pick:a:2:1:c",
        "t.pick:a b:2:1:b",
        "nobody:a:2:1:b",
        "t.pick:" + "a" * 60,
        "t.pick:a:-9007199254740993:1:b",
    ],
)
def test_typed_unpack_refuses_anything_malformed(data: str | None) -> None:
    with pytest.raises(InvalidCallback):
        unpack(data)


def test_typed_packing_refuses_what_would_not_unpack() -> None:
    with pytest.raises(ValueError, match="storable"):
        pack(Pick("a", 2**60, True, "a"))
    with pytest.raises(ValueError, match="button"):
        pack(Pick("has:colon", 1, True, "a"))
    with pytest.raises(ValueError, match="64 bytes"):
        pack(Pair("x" * 32, "y" * 32))


def test_a_prefix_can_be_registered_once() -> None:
    with pytest.raises(ValueError, match="used twice"):

        @callback("t.pick")
        @dataclass(frozen=True)
        class Other:
            x: int


def test_prefixes_are_unique_across_flows() -> None:
    import importlib
    import pkgutil

    import flows

    old: list[str] = []
    for info in pkgutil.walk_packages(flows.__path__, "flows."):
        module = importlib.import_module(info.name)
        old.extend(v.prefix for v in vars(module).values() if isinstance(v, CallbackCodec))
    typed = [p for p in registered_prefixes() if not p.startswith("t.")]
    assert len(old) == len(set(old)), old
    assert not set(old) & set(typed)
    # A typed prefix that starts like an old one would be routed to the wrong place.
    assert not {t.split(".")[0] for t in typed} & set(old) - {t for t in typed}
