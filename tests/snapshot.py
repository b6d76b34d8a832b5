"""Snapshot tests for views: a view's text and buttons, rendered as a person reads them, are
compared with a reviewed file in tests/snapshots/. A change to copy shows as a readable diff.

    check_snapshot("privacy/erase_question", *erase_question(copy))

Run with SNAPSHOT_UPDATE=1 to write missing or changed files, then read the diff.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup

__all__ = ["check_snapshot", "render"]

FOLDER = Path(__file__).parent / "snapshots"


def render(text: str, markup: Any = None) -> str:
    """TEXT without tags, then each row of buttons as `[label] [label]` (with its data)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text)).rstrip()
    lines = [plain]
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            lines.append(
                "  ".join(
                    f"[{b.text}]" + (f" -> {b.url}" if b.url else f" ({b.callback_data})")
                    for b in row
                )
            )
    return "\n".join(lines) + "\n"


def check_snapshot(name: str, text: str, markup: Any = None) -> None:
    """Compare the rendering of TEXT and MARKUP with tests/snapshots/NAME.txt."""
    file = FOLDER / f"{name}.txt"
    got = render(text, markup)
    if os.environ.get("SNAPSHOT_UPDATE") == "1":
        file.parent.mkdir(parents=True, exist_ok=True)
        if not file.exists() or file.read_text(encoding="utf-8") != got:
            file.write_text(got, encoding="utf-8")
        return
    assert file.exists(), f"no snapshot {file}; run with SNAPSHOT_UPDATE=1 and review it"
    assert got == file.read_text(encoding="utf-8"), f"snapshot {name} changed:\n{got}"
