"""How the two sides of a match are named to each other: the peer worker's display name, the
person's chosen name (told apart when two share one), never anything from Telegram."""

from __future__ import annotations

from typing import Protocol

from bot.content import Content
from bot.domain.matching import Match, PeerProfile

__all__ = ["NameStore", "peer_name", "person_name", "person_names"]


class _Named(Protocol):
    """A stored person, as far as naming goes."""

    @property
    def alias(self) -> str | None:
        """The name they chose, if any."""
        ...


class NameStore(Protocol):
    """What naming needs from storage."""

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """A peer worker's profile."""
        ...

    async def get_user(self, user_id: int) -> _Named | None:
        """A stored person."""
        ...

    async def person_aliases_for_peer(self, peer_id: int) -> list[tuple[int, str | None]]:
        """(match, the person's chosen name) for each of PEER_ID's active matches."""
        ...


async def peer_name(store: NameStore, copy: Content, peer_id: int) -> str:
    """The peer worker's display name (else the name they chose, else a kind fallback)."""
    profile = await store.get_profile(peer_id)
    if profile is not None and profile.display_name:
        return profile.display_name
    user = await store.get_user(peer_id)
    if user is not None and user.alias:
        return user.alias
    return copy.button("relay.peer_fallback")


async def person_names(store: NameStore, copy: Content, peer_id: int) -> dict[int, str]:
    """Each of PEER_ID's active matches by the person's chosen name ("Person N" without
    one), with the match number added where two share a name."""
    names = {
        mid: alias or copy.button("relay.person_fallback", number=mid)
        for mid, alias in await store.person_aliases_for_peer(peer_id)
    }
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    return {
        mid: (f"{name} ({mid})" if seen[name.casefold()] > 1 else name)
        for mid, name in names.items()
    }


async def person_name(store: NameStore, copy: Content, match: Match) -> str:
    """The person of MATCH as their peer worker knows them."""
    names = await person_names(store, copy, match.peer_id)
    if match.id in names:
        return names[match.id]
    user = await store.get_user(match.person_id)  # a match that has ended
    if user is not None and user.alias:
        return user.alias
    return copy.button("relay.person_fallback", number=match.id)
