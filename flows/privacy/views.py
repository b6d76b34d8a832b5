"""What the privacy flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

import json
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import choose_one
from flows.privacy.callbacks import EraseAnswer

__all__ = ["erase_question", "export_document"]


def export_document(data: dict[str, Any]) -> bytes:
    """The /mydata file: readable JSON with bytes shown as hex."""

    def default(value: object) -> object:
        if isinstance(value, bytes | bytearray):
            return value.hex()
        return str(value)

    return json.dumps(data, indent=2, ensure_ascii=False, default=default).encode("utf-8")


def erase_question(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """ "Do you want to erase everything?" with its two answers."""
    return copy.text("privacy.delete_confirm"), choose_one(
        [
            (copy.button("privacy.delete_yes"), EraseAnswer("yes")),
            (copy.button("privacy.delete_no"), EraseAnswer("no")),
        ]
    )
