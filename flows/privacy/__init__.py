"""Privacy: /mydata (everything stored, as a file) and /delete (erase it all, after a yes)."""

from __future__ import annotations

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import ANY_ROLE, EVERYONE, Button, Command
from flows.privacy.callbacks import EraseAnswer
from flows.privacy.handlers import Handlers

__all__ = ["build"]


def build(deps: Deps) -> Flow:
    """The privacy flow's route table. Open to everyone: someone who said no at /start can
    still see and erase the one row that remembers the no."""
    h = Handlers()
    return Flow(
        name="privacy",
        routes=[
            Command("mydata", h.mydata, roles=EVERYONE, menu="commands.mydata", listed=ANY_ROLE),
            Command("delete", h.delete, roles=EVERYONE, menu="commands.delete", listed=ANY_ROLE),
            Button(EraseAnswer, h.on_erase_answer, roles=EVERYONE),
        ],
    )
