"""A cast for the proofs (tests/test_properties.py, test_access_matrix.py, test_faults.py,
test_restarts.py): one person in every role, set up the way people do it, with a match, a
relayed message each way, a note, and every keyboard each of them was shown kept by owner;
a dump of every table; and counters the proofs add to (printed at the end of a run, see
tests/conftest.py's `pytest_terminal_summary`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.callbacks import registered_prefixes
from tests.harness import BotEnv, Client, join_staff, onboard, onboard_coordinator
from tests.home_support import matched, peer

__all__ = [
    "COUNTS",
    "ID_FIELDS",
    "PRIVATE_NOTE",
    "ROLES",
    "UIDS",
    "Cast",
    "dump",
    "make_cast",
    "names_a_row",
    "router_of",
]

#: What the proofs ran, by kind ("updates fuzzed", "presses replayed", "faults injected",
#: "restarts", "role checks"): summed over the session and printed at its end.
COUNTS: Counter[str] = Counter()

#: Button fields that name one row someone owns (a match, a note, a check-in...): a press of
#: one copied from another person's keyboard must change nothing.
ID_FIELDS = frozenset(
    {
        "match",
        "message",
        "note",
        "checkin",
        "request",
        "broadcast",
        "user",
        "anchor",
        "peer",
        "invite",
    }
)

PRIVATE_NOTE = "Ann talked about the PRIVATE-MARKER weekend and wants to keep it."
ROLES = (
    "stranger",
    "refused",
    "consumer",
    "carer",
    "consumer_peer",
    "carer_peer",
    "clinician",
    "coordinator",
)
UIDS = {
    "stranger": 4001,
    "refused": 4002,
    "consumer": 4003,
    "carer": 4004,
    "consumer_peer": 4005,
    "carer_peer": 4006,
    "clinician": 4007,
    "coordinator": 900,
}
#: What each role is shown, so every keyboard they can reach is in their pool.
TOUR = (
    "/help",
    "/menu",
    "/settings",
    "/match",
    "/checkins",
    "/notes",
    "/profile",
    "/supervision",
    "/groups",
    "/resources",
    "/safetyplan",
    "/coord",
    "/handover",
    "/broadcast",
    "/invite",
    "/report",
    "/referral",
    "/mydata",
    "/mood",
    "/end",
)


@dataclass
class Cast:
    """The people, by role, and the callback data each was shown."""

    env: BotEnv
    people: dict[str, Client]
    pools: dict[str, list[str]] = field(default_factory=dict)

    def collect(self) -> None:
        """Every callback data each person has in their chat now."""
        for role, client in self.people.items():
            seen = self.pools.setdefault(role, [])
            for message in client.messages:
                for button in message.buttons():
                    data = button.get("callback_data")
                    if data and data not in seen:
                        seen.append(data)


def names_a_row(data: str) -> bool:
    """True if DATA is a typed button with a field that names someone's row."""
    cls = registered_prefixes().get(data.split(":", 1)[0])
    return cls is not None and any(name in ID_FIELDS for name, _ in cls.__callback_fields__)


async def make_cast(tmp_path: Path, *, tour: bool = True, **overrides: Any) -> Cast:
    """A running bot (integrated model, so clinicians exist) with one person per role."""
    env = await BotEnv.create(
        tmp_path, coordinators=(UIDS["coordinator"],), model="integrated", **overrides
    )
    people = {role: env.client(uid, f"Tg{role.title()}") for role, uid in UIDS.items()}
    refused = people["refused"]
    await refused.send("/start")
    await refused.click("No thanks")
    await onboard(people["consumer"], alias="Ann")
    await onboard(people["carer"], "carer", alias="Cal")
    people["consumer_peer"] = await peer(env, UIDS["consumer_peer"], "Pat")
    people["carer_peer"] = await peer(env, UIDS["carer_peer"], "Kit", kind="carer_peer")
    await join_staff(people["clinician"], "clinician", alias="Dr Lee")
    await onboard_coordinator(people["coordinator"], alias="Cora")
    await matched(env, people["consumer"], people["consumer_peer"])
    await matched(env, people["carer"], people["carer_peer"])
    await people["consumer"].send("Hello Pat, it has been a long week")
    await people["consumer_peer"].send("Hi Ann, I'm glad you wrote")
    await people["carer"].send("Hi Kit")
    await people["carer_peer"].send("Hi Cal, good to hear from you")
    # Note 1: Pat's about Ann, kept private; note 2: Kit's about Cal, shared with the team.
    await people["consumer_peer"].send("/note")
    await people["consumer_peer"].send(PRIVATE_NOTE)
    await people["consumer"].click("Keep it private")
    await people["carer_peer"].send("/note")
    await people["carer_peer"].send("Cal found the breathing skill helpful this week.")
    await people["carer"].click("Share with my clinical team")
    cast = Cast(env, people)
    if tour:
        for client in people.values():
            for command in TOUR:
                await client.send(command)
    cast.collect()
    return cast


async def dump(env: BotEnv, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but SKIP), sorted: equal dumps mean nothing changed."""
    tables = [t for t in await env.storage.table_names() if t not in skip]
    return {
        t: sorted(map(tuple, await env.storage.fetchall(f"SELECT * FROM {t}")), key=repr)
        for t in tables
    }


def router_of(env: BotEnv) -> Any:
    """The application's one Router (bot/routing.py), to read who each route is for."""
    assert env.app is not None
    for handlers in env.app.handlers.values():
        for handler in handlers:
            owner = getattr(getattr(handler, "callback", None), "__self__", None)
            if type(owner).__name__ == "Router":
                return owner
    raise AssertionError("no Router among the handlers")
