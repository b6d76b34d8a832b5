"""/mydata's readable relay sections: every note about the person, decrypted, and the
messages they have waiting, addressed by the other side's chosen name (never an id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.deps import Deps
from flows.relay.names import peer_name, person_name
from flows.relay.notes import exporter as notes_exporter

__all__ = ["exporter"]


def exporter(deps: Deps) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """The relay's /mydata sections for one person."""
    notes = notes_exporter(deps)

    async def export(user_id: int) -> dict[str, Any]:
        """The notes about USER_ID and the messages they have waiting, readable."""
        data = await notes(user_id)
        held = await deps.storage.held_from(user_id)
        if not held:
            return data
        copy = deps.content.for_person(await deps.storage.get_user(user_id))
        waiting = []
        for message in held:
            match = await deps.storage.get_match(message.match_id)
            if match is None:
                continue
            to = (
                await peer_name(deps.storage, copy, match.peer_id)
                if match.person_id == user_id
                else await person_name(deps.storage, copy, match)
            )
            waiting.append(
                {
                    "to": to,
                    "sent_at": message.sent_at.isoformat(),
                    "waiting_until": message.deliver_at.isoformat(),
                }
            )
        return {**data, "messages_waiting": waiting}

    return export
