"""What follows a clinician leaving the service (a coordinator ended their access,
bot/services/coordination.py): each person whose care team they were on is told, in one
message kept in the outbox (bot/outbox.py) until Telegram has it."""

from __future__ import annotations

from bot import outbox
from bot.routing import AppCtx
from bot.services.coordination import StaffDeactivated
from flows.careteam.handlers import clinician_name

__all__ = ["on_clinician_left"]


async def on_clinician_left(event: StaffDeactivated, app: AppCtx) -> None:
    """They are no longer on anyone's care team: each person hears it, without blame."""
    if not event.care_team_people:
        return
    clinician = await app.deps.storage.get_user(event.user_id)  # kept, without a role
    keys = []
    for person_id in event.care_team_people:
        person = await app.deps.storage.get_user(person_id)
        if person is None:  # erased meanwhile
            continue
        copy = app.copy_for(person)
        name = clinician_name(copy, clinician)
        key = f"careteam:{event.user_id}:left:{person_id}"
        text = copy.text("careteam.clinician_left", name=name)
        if await outbox.queue(app.deps, key, "notice", outbox.Send(person_id, text)):
            keys.append(key)
    if keys:
        await outbox.send_now(app.deps, app.bot, keys, app.events)
