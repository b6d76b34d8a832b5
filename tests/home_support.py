"""People in a given state, for the home, fallback and settings tests: a person or carer set
up the way a person does it, a peer worker with a profile, and requests and matches made over
the matching area's storage (these tests are about what people see once they stand there)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.hours import parse_windows
from bot.domain.matching import Match
from tests.harness import BotEnv, Client, join_staff, onboard

__all__ = ["ALWAYS", "buttons", "matched", "peer", "person", "request", "taps"]

ALWAYS = "Mon-Sun 00:00-24:00"


async def person(
    env: BotEnv,
    uid: int,
    alias: str | None = None,
    *,
    role: str = "consumer",
    relationship: str = "parent",
) -> Client:
    """A consumer (or carer) who has finished /start."""
    client = env.client(uid, f"Tg{alias or uid}")
    await onboard(client, role, relationship=relationship, alias=alias)
    return client


async def peer(
    env: BotEnv,
    uid: int,
    name: str,
    *,
    kind: str = "consumer_peer",
    hours: str = ALWAYS,
    profile: bool = True,
) -> Client:
    """A peer worker who joined by invite, with a profile (unless PROFILE is False)."""
    client = env.client(uid, f"Tg{name}")
    await join_staff(client, kind, alias=name)
    if profile:
        await env.storage.create_profile(
            uid,
            kind,
            env.clock.now(),
            display_name=name,
            bio="Walking helped me most.",
            hours=parse_windows(hours),
            timezone="Australia/Sydney",
            caseload_cap=6,
        )
    return client


async def request(env: BotEnv, who: Client, to: Client) -> Match:
    """An open request from WHO to peer worker TO (48 hours to answer)."""
    now = env.clock.now()
    made = await env.storage.create_request(
        who.user_id, to.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None, made.problem
    return made.match


async def matched(env: BotEnv, who: Client, to: Client) -> Match:
    """An accepted match between WHO and peer worker TO."""
    made = await request(env, who, to)
    match = await env.storage.answer_request(made.id, to.user_id, accept=True, now=env.clock.now())
    assert match is not None and match.status == "active"
    return match


def buttons(client: Client) -> list[str]:
    """The labels of the newest message's buttons."""
    return [b["text"] for b in client.last().buttons()]


class taps:  # reads as a counter in the tests: `count = taps(client)`
    """Counts the buttons a person taps (and fails if they type a command)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.count = 0

    async def tap(self, label: str, *, exact: bool = False) -> None:
        """Tap the newest button whose label contains LABEL."""
        self.count += 1
        await self.client.click(label, exact=exact)
