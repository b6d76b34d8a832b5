"""Resources: BPD topics for the person's role, a page at a time (/resources, /resources WORD).

State diagram: flows/resources/resources.mmd
"""

from __future__ import annotations

from pathlib import Path

from bot.deps import Deps
from bot.domain.resources import load_library
from bot.flowkit import Flow
from bot.links import OpenResources, OpenTopic
from bot.routing import EVERYONE, Button, Command
from flows.resources.callbacks import TopicList, TopicPage, TopicSources
from flows.resources.handlers import Handlers

__all__ = ["build", "resource_dirs"]


def resource_dirs(deps: Deps) -> list[Path]:
    """The shipped resources folder, then the service's own folder if it has one."""
    dirs = [deps.content.root / "resources"]
    if deps.settings.resources_dir is not None:
        dirs.append(deps.settings.resources_dir)
    return dirs


def build(deps: Deps) -> Flow:
    """The resources flow's route table; topics (only those written for the service's model)
    are loaded once, here. Open to everyone: reading stores nothing."""
    h = Handlers(load_library(resource_dirs(deps), model=deps.settings.model))
    return Flow(
        name="resources",
        routes=[
            Command("resources", h.command, roles=EVERYONE, menu="resources.command"),
            Button(OpenResources, h.home, roles=EVERYONE),
            Button(OpenTopic, h.open, roles=EVERYONE),
            Button(TopicList, h.list_page, roles=EVERYONE),
            Button(TopicPage, h.page, roles=EVERYONE),
            Button(TopicSources, h.sources, roles=EVERYONE),
        ],
    )
