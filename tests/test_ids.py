"""Nobody sees another person's ids (issue 15, item 4): a /mydata export names others by
pseudonym only; no button carries a raw Telegram id; a clinician trying note numbers learns
nothing a missing note would not tell them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.callbacks import registered_prefixes
from tests.harness import Client
from tests.proofs_support import UIDS, Cast, dump, make_cast

#: Button fields that would be a person's Telegram id if they were numbers.
PERSON_FIELDS = {"user", "peer", "person", "uid", "who", "to", "sender", "recipient"}


def export_of(client: Client) -> Any:
    _name, payload, _mime = next(iter(client.last().files.values()))
    return json.loads(payload)


def ids_in(data: Any, ids: set[int]) -> set[int]:
    """Which of IDS appear in DATA, as numbers or inside text."""
    text = json.dumps(data)
    return {i for i in ids if re.search(rf"(?<!\d){i}(?!\d)", text)}


async def test_mydata_names_nobody_else_by_their_telegram_id(tmp_path: Path) -> None:
    cast = await make_cast(tmp_path, tour=False)
    env = cast.env
    try:
        leaks = {}
        for role, client in cast.people.items():
            if role in ("stranger",):
                continue
            await client.send("/mydata")
            others = {uid for r, uid in UIDS.items() if r != role}
            found = ids_in(export_of(client), others)
            if found:
                leaks[role] = sorted(found)
        assert leaks == {}, f"exports that show others' Telegram ids: {leaks}"
    finally:
        await env.stop()
    env.assert_clean()


def raw_id_buttons() -> list[str]:
    return [
        f"{prefix} {cls.__name__}.{name}"
        for prefix, cls in sorted(registered_prefixes().items())
        for name, kind in cls.__callback_fields__
        if kind is int and name in PERSON_FIELDS
    ]


def test_no_button_field_is_a_raw_telegram_id() -> None:
    import flows.coordinator  # noqa: F401  (registers its buttons)

    assert raw_id_buttons() == []


async def test_no_keyboard_anyone_is_shown_names_another_person(tmp_path: Path) -> None:
    cast = await make_cast(tmp_path)
    env = cast.env
    try:
        coordinator = cast.people["coordinator"]
        await coordinator.send("/handover")
        for label in ("Ann", "Cal"):
            try:
                await coordinator.click(label)
            except AssertionError:
                continue
        cast.collect()
        found = {}
        for role, pool in cast.pools.items():
            others = {uid for r, uid in UIDS.items() if r != role}
            leaked = {
                d for d in pool if any(part == str(uid) for part in d.split(":") for uid in others)
            }
            if leaked:
                found[role] = sorted(leaked)
        assert found == {}, f"buttons carrying someone's Telegram id: {found}"
    finally:
        await env.stop()
    env.assert_clean()


async def test_a_clinician_trying_note_numbers_learns_nothing(tmp_path: Path) -> None:
    cast: Cast = await make_cast(tmp_path, tour=False)
    env = cast.env
    try:
        doc = cast.people["clinician"]
        await doc.send("/notes")
        seen: dict[int, list[tuple[str, str]]] = {}
        for anchor in (1, 3, 4, 99, 999_999):  # 1 is Ann's private note; the rest are none
            before, mark = await dump(env), len(env.fake.calls)
            await doc.press(f"nt.read:{anchor}:0", doc.last())
            seen[anchor] = [
                (c.method, str(c.params.get("text", ""))) for c in env.fake.calls[mark:]
            ]
            assert await dump(env) == before
        first = next(iter(seen.values()))
        assert all(v == first for v in seen.values()), seen
        assert not any("PRIVATE-MARKER" in t or "Ann" in t for v in seen.values() for _, t in v)
    finally:
        await env.stop()
    env.assert_clean()
