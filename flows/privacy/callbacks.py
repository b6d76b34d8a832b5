"""The privacy flow's buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import callback

__all__ = ["EraseAnswer"]


@callback("priv.erase")
@dataclass(frozen=True, slots=True)
class EraseAnswer:
    """The answer to "Do you want to erase everything?"."""

    answer: Literal["yes", "no"]
