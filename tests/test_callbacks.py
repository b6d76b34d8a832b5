"""The typed callback codec: packed within 64 bytes, unpacked with validation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.callbacks import CallbackCodec, InvalidCallback

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


@pytest.mark.parametrize("data", [None, "", "other:open:1", "res:delete", "res", "res:open:a b",
                                  "res:page:" + "9" * 80])
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
