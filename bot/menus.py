"""Per-role command menus, made from every flow's route table (/help is made from the same
list, so the two never drift apart), and the home: the main actions for a role, as buttons,
shown after /start, on /start and /menu once set up, and under /help."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.content import Content
from bot.deps import Deps
from bot.keyboards import Choice, rows
from bot.links import (
    OpenCoordinatorHome,
    OpenMyPeerWorker,
    OpenMyPeople,
    RunCommand,
    find_peer_worker,
    resources_home,
)
from bot.routing import AppCtx, Button, menu_entries
from bot.safety import ShowSafetyPlan
from bot.services.people import Onboarded, RoleChanged, Standing, standing
from bot.storage import User

__all__ = [
    "FOOT",
    "commands_for",
    "home",
    "on_onboarded",
    "on_role_changed",
    "routed",
    "set_role_commands",
    "support_line",
]

_LOG = logging.getLogger(__name__)

#: The commands about the person's own data come last in the menu and in /help.
FOOT = ("settings", "mydata", "delete")
#: Commands every set-up role has, which the coordinator's home doesn't repeat as buttons.
_EVERYDAY = frozenset({"start", "help", "menu", "crisis", "cancel", "resources", *FOOT})

Home = tuple[str, InlineKeyboardMarkup]


def commands_for(
    flows: Sequence[Any], role: str | None, deps: Deps, copy: Content | None = None
) -> list[BotCommand]:
    """The command menu for ROLE (None: someone who has not finished /start), in flow order:
    each flow's Command routes, then what a flow not yet on route tables lists in `commands`;
    /settings, /mydata and /delete last."""
    copy = copy or deps.content
    seen: dict[str, BotCommand] = {}
    for flow in flows:
        listed = getattr(flow, "commands", {})
        legacy = (
            listed.get("none", ())
            if role is None
            else [*listed.get("*", ()), *listed.get(role, ())]
        )
        for command, copy_key in [*menu_entries(getattr(flow, "routes", ()), role), *legacy]:
            if command not in seen:
                seen[command] = BotCommand(command, copy.button(copy_key))
    return [c for name, c in seen.items() if name not in FOOT] + [
        seen[name] for name in FOOT if name in seen
    ]


async def set_role_commands(
    bot: Any, deps: Deps, flows: Sequence[Any], user_id: int, role: str | None
) -> None:
    """Show USER_ID only the commands of their ROLE (BotCommandScopeChat); a failure is
    logged, never raised (people can still type commands)."""
    try:
        await bot.set_my_commands(
            commands_for(flows, role, deps), scope=BotCommandScopeChat(user_id)
        )
    except TelegramError:
        _LOG.warning("Could not set a person's command menu", exc_info=True)


async def on_onboarded(event: Onboarded, app: AppCtx) -> None:
    """Someone finished /start: their command menu becomes their role's."""
    await set_role_commands(app.bot, app.deps, app.flows, event.user_id, event.role)


async def on_role_changed(event: RoleChanged, app: AppCtx) -> None:
    """Someone changed their role in /settings: their command menu follows."""
    await set_role_commands(app.bot, app.deps, app.flows, event.user_id, event.role)


# -- the home ------------------------------------------------------------------------------


def routed(flows: Sequence[Any], data: type[Any]) -> bool:
    """Whether some flow answers presses of the typed callback DATA."""
    return any(
        isinstance(route, Button) and route.data is data
        for flow in flows
        for route in getattr(flow, "routes", ())
    )


async def home(app: AppCtx, user: User) -> Home:
    """USER's home: a short line on where they stand and their role's main actions as
    buttons."""
    copy = app.copy_for(user)
    where = await standing(app.deps.storage, user.user_id)
    role = user.role or ""
    if role in ("consumer", "carer"):
        text, lines = await _person(app, copy, where)
    elif role in ("consumer_peer", "carer_peer"):
        text, lines = _peer(copy, where)
    elif role == "coordinator":
        text, lines = copy.text("home.title"), _coordinator(app, copy)
    else:
        text, lines = (
            copy.text("home.title"),
            [
                [(copy.button("home.notes"), RunCommand("notes"))],
                # a clinician's other main action: a link for someone to add them
                [(copy.button("home.careteam_link"), RunCommand("careteam"))],
                [(copy.button("home.read"), resources_home())],
            ],
        )
    return text, rows(*lines)


async def _person(app: AppCtx, copy: Content, where: Standing) -> tuple[str, list[list[Choice]]]:
    line = await support_line(app, copy, where)
    text = copy.text("home.title") + (f"\n{line}" if line else "")
    first: Choice
    if where.support == "matched":
        first = (copy.button("home.my_peer"), OpenMyPeerWorker())
    elif where.support == "requested":
        first = (copy.button("home.my_request"), find_peer_worker())
    else:
        first = (copy.button("home.find"), find_peer_worker())
    last: list[Choice] = [(copy.button("home.checkins"), RunCommand("checkins"))]
    if where.safety_plan:
        last.append((copy.button("home.safety_plan"), ShowSafetyPlan()))
    return text, [
        [first],
        [
            (copy.button("home.groups"), RunCommand("groups")),
            (copy.button("home.read"), resources_home()),
        ],
        last,
    ]


async def support_line(app: AppCtx, copy: Content, where: Standing, group: str = "home") -> str:
    """Where a person stands with peer support, in the words of the copy's GROUP ("home", or
    "home.fallback" for the last-resort reply): their request (and until when), their peer
    worker, the match that ended, or their place in line. Empty where GROUP has no words for
    it (the home says nothing to someone who has never asked)."""
    key = f"{group}.{where.support}"
    if not copy.has(key):
        return ""
    match, storage = where.match, app.deps.storage
    if match is None:
        return (
            copy.text(key, position=where.position or 0)
            if where.support == "waiting"
            else copy.text(key)
        )
    profile = await storage.get_profile(match.peer_id)
    name = profile.display_name if profile is not None else copy.button("home.peer_fallback")
    person = await storage.get_user(match.person_id)
    when = (
        copy.when(match.respond_by.astimezone(app.deps.zone(person)))
        if match.respond_by is not None
        else copy.button("home.soon")
    )
    return copy.text(key, name=name, respond_by=when)


def _peer(copy: Content, where: Standing) -> tuple[str, list[list[Choice]]]:
    supervision: Choice = (copy.button("home.supervision"), RunCommand("supervision"))
    if where.profile is None:
        return copy.text("home.peer_no_profile"), [
            [(copy.button("home.set_up_profile"), RunCommand("profile"))],
            [supervision],
        ]
    lines = [copy.text("home.title")]
    if where.people or where.requests:
        lines.append(
            copy.text("home.peer_counts", people=len(where.people), requests=len(where.requests))
        )
    if where.profile.paused:
        lines.append(copy.text("home.peer_paused"))
    return "\n".join(lines), [
        [
            (copy.button("home.people"), OpenMyPeople()),
            (copy.button("home.profile"), RunCommand("profile")),
        ],
        [supervision],
    ]


def _coordinator(app: AppCtx, copy: Content) -> list[list[Choice]]:
    if routed(app.flows, OpenCoordinatorHome):
        return [[(copy.button("home.coordinator"), OpenCoordinatorHome())]]
    # Until the coordinator home exists: the coordinator's own commands, as buttons.
    choices: list[Choice] = []
    for command in commands_for(app.flows, "coordinator", app.deps, copy):
        if command.command in _EVERYDAY:
            continue
        key = f"home.command.{command.command}"
        label = copy.button(key) if copy.has(key) else command.description
        choices.append((label, RunCommand(command.command)))
    return [choices[i : i + 2] for i in range(0, len(choices), 2)]
