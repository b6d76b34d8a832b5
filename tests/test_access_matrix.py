"""Who may do what, as a table: every command and every button (bot/callbacks.py's registry)
against every role (stranger, refused, consumer, carer, both kinds of peer worker, clinician,
coordinator). Allowed ones answer; refused ones change nothing and look exactly like a press
naming a row that does not exist; a row someone else owns looks like a missing one too."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from bot.callbacks import registered_prefixes
from bot.content import Content
from bot.routing import Button, Command
from tests.harness import Call
from tests.proofs_support import COUNTS, ID_FIELDS, ROLES, Cast, dump, make_cast, router_of

COPY = Content()
NOT_FOR_YOU = COPY.text("common.not_for_you")
NEED_START = COPY.text("common.need_start")
MISSING = 999_999
#: Each role's stored role (None: no consented row).
STORED = {
    "stranger": None,
    "refused": None,
    "consumer": "consumer",
    "carer": "carer",
    "consumer_peer": "consumer_peer",
    "carer_peer": "carer_peer",
    "clinician": "clinician",
    "coordinator": "coordinator",
}
#: A row of someone else's, by role: match 1 is Ann and Pat's, match 2 Cal and Kit's; note 1
#: is Pat's private note about Ann, note 2 Kit's shared note about Cal.
OTHERS = {
    "consumer": 2,
    "carer": 1,
    "consumer_peer": 2,
    "carer_peer": 1,
    "clinician": 1,
    "stranger": 1,
    "refused": 1,
}


def allowed(route: Command | Button, role: str) -> bool:
    stored = STORED[role]
    return route.roles is None or (stored is not None and stored in route.roles)


def data_for(cls: type[Any], number: int) -> str:
    """CLS's data with NUMBER in every id field and a harmless value elsewhere."""
    parts = [cls.__callback_prefix__]
    for name, kind in cls.__callback_fields__:
        args = typing.get_args(kind)
        if kind is int:
            parts.append(str(number if name in ID_FIELDS else 0))
        elif kind is bool:
            parts.append("0")
        else:
            # A text id field (a sealed peer) gets a well-formed token that opens to nothing.
            parts.append(str(args[0]) if args else "AAAAAAAAAAA" if name in ID_FIELDS else "x")
    return ":".join(parts)


def seen(calls: list[Call]) -> list[tuple[str, str]]:
    """What the person saw (method and text), without message or query ids."""
    return [
        (c.method, str(c.params.get("text", "")))
        for c in calls
        if c.method not in ("sendChatAction",)
    ]


async def press(cast: Cast, role: str, data: str) -> tuple[list[tuple[str, str]], bool]:
    """Press DATA as ROLE: (what they saw, whether the database changed)."""
    env, client = cast.env, cast.people[role]
    before, mark = await dump(env), len(env.fake.calls)
    await client.press(data, client.messages[-1])
    COUNTS["role checks"] += 1
    return seen(env.fake.calls[mark:]), await dump(env) != before


async def test_every_button_against_every_role(tmp_path: Path) -> None:
    cast = await make_cast(tmp_path, tour=False)
    env = cast.env
    try:
        router = router_of(env)
        for client in cast.people.values():
            await client.send("/help")  # a message of the bot's in every chat, to press on
        problems: list[str] = []
        for prefix, cls in sorted(registered_prefixes().items()):
            if prefix.startswith("t."):
                continue  # a test's own button (tests/test_routing.py), no flow's
            route = router.buttons.get(cls)
            assert route is not None, f"{prefix} is declared but no flow routes it"
            has_id = any(name in ID_FIELDS for name, _ in cls.__callback_fields__)
            for role in ROLES:
                if allowed(route, role) and (not has_id or role == "coordinator"):
                    continue  # a real press of one's own: the flows' own tests walk these
                missing, changed = await press(cast, role, data_for(cls, MISSING))
                if changed:
                    problems.append(f"{role} {prefix} (missing row) changed the database")
                if has_id and role in OTHERS:
                    other, changed = await press(cast, role, data_for(cls, OTHERS[role]))
                    if changed:
                        problems.append(f"{role} {prefix} (another's row) changed the database")
                    if other != missing:
                        problems.append(
                            f"{role} {prefix}: another's row {other} looks unlike "
                            f"a missing one {missing}"
                        )
                if not allowed(route, role) and not any(
                    m == "answerCallbackQuery" for m, _ in missing
                ):
                    problems.append(f"{role} {prefix}: a refused press was never answered")
        assert not problems, "\n".join(problems)
        assert not env.errors, env.errors[:3]
    finally:
        await env.stop()
    env.assert_clean()


async def test_every_command_against_every_role(tmp_path: Path) -> None:
    cast = await make_cast(tmp_path, tour=False)
    env = cast.env
    try:
        router = router_of(env)
        problems: list[str] = []
        commands = sorted(router.commands.items())
        for role in ROLES:
            client = cast.people[role]
            # Refused first, while no step is open (a command closes an open step, as it
            # should; that is the person's own doing, not the refusal's).
            for name, route in commands:
                if allowed(route, role):
                    continue
                before, mark = await dump(env), client.mark()
                await client.send(f"/{name}")
                COUNTS["role checks"] += 1
                texts = client.texts_since(mark)
                expected = NEED_START if STORED[role] is None else NOT_FOR_YOU
                if [t.strip() for t in texts] != [expected.strip()]:
                    problems.append(f"{role} /{name}: refused as {texts}")
                if await dump(env) != before:
                    problems.append(f"{role} /{name}: a refused command changed the database")
            for name, route in commands:
                if not allowed(route, role) or name in ("delete",):
                    continue
                mark = client.mark()
                await client.send(f"/{name}")
                COUNTS["role checks"] += 1
                texts = [t.strip() for t in client.texts_since(mark)]
                # Open to everyone, some commands tell someone not set up how to start; /notes
                # is routed to every role and answers only clinicians with notes.
                refusals = (
                    {NOT_FOR_YOU.strip()}
                    if STORED[role] is None or name == "notes"
                    else {NOT_FOR_YOU.strip(), NEED_START.strip()}
                )
                if not texts or (any(t in refusals for t in texts) and name != "notes"):
                    problems.append(f"{role} /{name}: allowed, but answered {texts}")
                await client.send("/cancel")
        assert not problems, "\n".join(problems)
        assert not env.errors, env.errors[:3]
    finally:
        await env.stop()
    env.assert_clean()
