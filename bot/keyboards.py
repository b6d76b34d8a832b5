"""Shared keyboard shapes: choose one, a pager, yes/no, a back row, toggles.

Buttons are (label, target) pairs where the target is a typed callback (bot/callbacks.py),
an old-style callback string, or an https:// URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import pack
from bot.content import Content

__all__ = [
    "Choice",
    "back_row",
    "button",
    "choose_one",
    "confirm",
    "page_slice",
    "pager",
    "rows",
    "toggles",
]

Choice = tuple[str, Any]

TICK = "✓ "


def button(label: str, target: Any) -> InlineKeyboardButton:
    """One inline button for TARGET (typed callback, callback string or https URL)."""
    if isinstance(target, str):
        if target.startswith("https://"):
            return InlineKeyboardButton(label, url=target)
        return InlineKeyboardButton(label, callback_data=target)
    return InlineKeyboardButton(label, callback_data=pack(target))


def rows(*lines: Sequence[Choice]) -> InlineKeyboardMarkup:
    """A keyboard from rows of choices."""
    return InlineKeyboardMarkup(
        [[button(label, target) for label, target in line] for line in lines if line]
    )


def choose_one(
    choices: Sequence[Choice], *, columns: int = 1, footer: Sequence[Sequence[Choice]] = ()
) -> InlineKeyboardMarkup:
    """One button per choice, COLUMNS to a row, then any FOOTER rows (Back, Home)."""
    grid = [list(choices[i : i + columns]) for i in range(0, len(choices), columns)]
    return rows(*grid, *footer)


def confirm(
    copy: Content,
    yes: Any,
    no: Any,
    *,
    yes_key: str = "common.yes_button",
    no_key: str = "common.no_button",
) -> InlineKeyboardMarkup:
    """Yes and No, side by side."""
    return rows([(copy.button(yes_key), yes), (copy.button(no_key), no)])


def back_row(copy: Content, back: Any, home: Any | None = None) -> list[Choice]:
    """A row with Back (and Home, when given)."""
    row: list[Choice] = [(copy.button("common.back_button"), back)]
    if home is not None:
        row.append((copy.button("common.home_button"), home))
    return row


def pager(
    copy: Content,
    page: int,
    pages: int,
    to: Callable[[int], Any],
    *,
    back_key: str = "common.page_back",
    more_key: str = "common.page_more",
) -> list[Choice]:
    """‹ and › for PAGE (0-based) of PAGES; empty when there is one page. A flow may name its
    own labels (BACK_KEY, MORE_KEY), like "‹ Earlier topics"."""
    if pages <= 1:
        return []
    row: list[Choice] = []
    if page > 0:
        row.append((copy.button(back_key), to(page - 1)))
    if page < pages - 1:
        row.append((copy.button(more_key), to(page + 1)))
    return row


def page_slice(items: Sequence[Any], page: int, size: int) -> tuple[list[Any], int, int]:
    """(the items on PAGE, the page actually shown, how many pages) for pages of SIZE."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return list(items[page * size : (page + 1) * size]), page, pages


def toggles(items: Sequence[tuple[str, bool, Any]], *, columns: int = 2) -> list[list[Choice]]:
    """Rows of on/off buttons: a tick before the label of each one that is on."""
    choices = [((TICK if on else "") + label, target) for label, on, target in items]
    return [choices[i : i + columns] for i in range(0, len(choices), columns)]
